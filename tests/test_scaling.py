"""Scaling a scenario at constant density (sim/scaling.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from sim import api
from sim.model.forces import build_forces
from sim.scaling import scale_scenario


@pytest.fixture(scope="module")
def kursk():
    return api.config("scenario=kursk_2024").scenario


def _front(scenario) -> np.ndarray:
    forces = build_forces(scenario, np.random.default_rng(0))
    return forces.front_place


def test_scale_multiplies_units_links_and_fires(kursk):
    big = scale_scenario(kursk, 10)
    for name, grp in kursk.units.items():
        assert big.units[name].count == grp.count * 10
    for name, link in kursk.links.items():
        assert big.links[name].interpreters == pytest.approx(link.interpreters * 10)
    for name, nat in kursk.nations.items():
        assert big.nations[name].fire_missions_per_h == pytest.approx(nat.fire_missions_per_h * 10)
    assert kursk.units["kp"].count == 80, "the input must not change"


def test_scale_keeps_density(kursk):
    """Each unit's nearest front neighbour is as far as before, so neighbourhoods match."""
    small, big = _front(kursk), _front(scale_scenario(kursk, 8))
    d_small = cKDTree(small).query(small, k=2)[0][:, 1]
    d_big = cKDTree(big).query(big, k=2)[0][:, 1]
    assert np.median(d_big) == pytest.approx(np.median(d_small))
    # the front is 8 times as long, not 8 times as crowded
    extent = np.ptp(big[:, 1]) / np.ptp(small[:, 1])
    assert 7.5 < extent < 8.5


def test_scale_one_is_identity(kursk):
    assert scale_scenario(kursk, 1).model_dump() == kursk.model_dump()


def test_scale_must_be_positive(kursk):
    with pytest.raises(ValueError, match="scale"):
        scale_scenario(kursk, 0)


def test_run_config_scale_runs_a_bigger_force():
    res = api.run("scenario=lanchester_duel", "replications=1", "scale=2",
                  "scenario.horizon_h=4")
    one = api.run("scenario=lanchester_duel", "replications=1", "scenario.horizon_h=4")
    nations = res.summary["by_nation"]
    for name, row in nations.items():
        assert row["initial"] == 2 * one.summary["by_nation"][name]["initial"]
