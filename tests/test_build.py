"""The one model builder (sim/build.py): the lever first, then the scale, then the seed."""

from __future__ import annotations

import numpy as np
import pytest

from sim import api
from sim.build import build_model, build_world, replication_seed
from sim.model.streams import replication_seeds


def test_replication_seed_is_the_spawned_child_sim_run_uses():
    for k in range(5):
        a, b = replication_seed(11, k), replication_seeds(11, 5)[k]
        assert (a.entropy, a.spawn_key) == (b.entropy, b.spawn_key)
        np.testing.assert_array_equal(a.generate_state(4), b.generate_state(4))


def test_the_lever_applies_before_the_scale():
    """liaison_officers adds 4 officers per allied link; at scale 3 the force is three times
    larger, and so is the number of officers the lever added."""
    cfg = api.config("intervention=liaison_officers", "scale=3")
    world = build_world(cfg)
    assert world.links["RU_KP"].liaison_officers == pytest.approx(3 * 4)
    assert world.units["kp"].count == 3 * cfg.scenario.units["kp"].count


def test_a_model_takes_its_replications_seed_and_the_levers_switch():
    cfg = api.config("scenario=lanchester_duel", "seed=4")
    a, b = build_model(cfg, 1), build_model(cfg, 1)
    np.testing.assert_array_equal(a.forces.pos, b.forces.pos)
    patrolling = api.config("scale=0.05", "seed=4")          # patrol_km > 0: offsets drawn
    assert not np.array_equal(build_model(patrolling, 1).forces.offset,
                              build_model(patrolling, 2).forces.offset)
    assert a.ledger.replication == 1
    assert not a.network.ideal.perfect
    perfect = build_model(cfg, 1, lever=api.config("intervention=perfect_comms").intervention)
    assert perfect.network.ideal.perfect


def test_a_config_and_replication_give_the_same_run_as_sim_run():
    """build_model(cfg, k) is what the replication runner runs for replication k."""
    cfg = api.config("scale=0.05", "scenario.horizon_h=24", "replications=2", "seed=3",
                     "scenario.units.kp.front_from_h=0")
    res = api.run("scale=0.05", "scenario.horizon_h=24", "replications=2", "seed=3",
                  "scenario.units.kp.front_from_h=0")
    for k in range(2):
        model = build_model(cfg, k).run()
        row = res.replications.iloc[k]
        assert model.ledger.friendly_fire[model.forces.coalition].sum() == \
            row["friendly_fire_casualties"]
        assert len(model.ledger.incidents) == row["friendly_fire_incidents"]
