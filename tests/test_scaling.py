"""Scaling a scenario at constant density (sim/scaling.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from sim import api, build
from sim.experiment import replication
from sim.interventions import apply_intervention
from sim.model.forces import build_forces
from sim.scaling import scale_scenario
from sim.schema import RunConfig


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
    # no two units share a place, as none did before
    for k in (2, 4.17, 8, 10):
        front = _front(scale_scenario(kursk, k))
        assert np.unique(front, axis=0).shape[0] == front.shape[0], k
    assert np.unique(small, axis=0).shape[0] == small.shape[0]
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


def test_a_lever_that_adds_resources_scales_with_the_force(kursk, monkeypatch):
    """liaison_officers adds 4 officers per allied link; at scale 10 the front has 10 times
    the traffic, so it must have 10 times the officers (the lever applies before scaling)."""
    lever = api.config("intervention=liaison_officers").intervention
    seen = {}

    class Built(Exception):
        pass

    def capture(world, *args, **kwargs):
        seen["world"] = world
        raise Built

    monkeypatch.setattr(build, "CoalitionModel", capture)
    cfg = RunConfig(scenario=kursk, intervention=lever, scale=10)
    with pytest.raises(Built):
        replication.run_replication(cfg, lever, np.random.SeedSequence(0), 0, 0)
    one = apply_intervention(kursk, lever).links["RU_KP"].liaison_officers
    assert one > 0
    assert seen["world"].links["RU_KP"].liaison_officers == pytest.approx(10 * one)


def _explicit(scenario):
    """``scenario`` with every declared lay-down replaced by its stride/interleave numbers."""
    from sim.model.laydown import geometry

    s = scenario.model_copy(deep=True)
    for name, (stride, interleave) in geometry(scenario).items():
        s.units[name].laydown = None
        s.units[name].stride, s.units[name].interleave = stride, interleave
    return s


@pytest.mark.parametrize("scenario", ["kursk_2024", "kursk_2024_sectors"])
@pytest.mark.parametrize("k", [0.05, 0.5, 2, 4.17, 10])
def test_a_declared_laydown_scales_as_its_explicit_geometry(scenario, k):
    """kursk_2024 declares [kp, ru, akhmat] interleaved: the declaration computes the slots
    from the scaled counts, and lands every unit where the explicit geometry, scaled by
    sim/scaling.py's rule, puts it; so do the sectors."""
    declared = api.config(f"scenario={scenario}").scenario
    explicit = _explicit(declared)
    np.testing.assert_array_equal(_front(declared), _front(explicit))
    big, big_explicit = scale_scenario(declared, k), scale_scenario(explicit, k)
    assert big.units["kp"].laydown == declared.units["kp"].laydown
    np.testing.assert_array_equal(_front(big), _front(big_explicit))
    front = _front(big)
    assert np.unique(front, axis=0).shape[0] == front.shape[0], "no two units share a slot"
