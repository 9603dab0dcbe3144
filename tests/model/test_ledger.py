"""Casualty accounting (sim/model/ledger.py): killed and wounded, friendly and hostile fire.

The mechanisms draw each casualty's fate (keyed binomials: tests/model/test_keyed.py); the
ledger records it. A run's killed share must lie within ``Z = 4`` binomial standard errors
of the killed fraction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.model.records import Cause, Fire, Incident

Z = 4.0

# rows of the tiny world: a-001, a-002 (A), b-001, b-002 (B), e-001, e-002 (E)


def _incident(model) -> int:
    return model.ledger.open(Incident(
        replication=0, time_h=1.0, shooter_unit="a-001", shooter_nation="A",
        target_unit="b-001", target_nation="B", cause=Cause.MISIDENTIFICATION, fire=Fire.DIRECT,
        distance_km=0.5, x_km=0.0, y_km=0.0))


def test_hits_split_into_killed_and_wounded_and_by_whose_fire(kit):
    model = kit.model(kit.tiny())
    f, ledger = model.forces, model.ledger
    k = _incident(model)
    target = np.array([2, 2, 0, 4, 5])
    casualties = np.array([3, 4, 5, 6, 0])
    shooter_coalition = np.array([True, False, False, True, True])
    incident = np.array([k, -1, -1, -1, -1])
    killed = np.array([1, 2, 0, 6, 0])
    ledger.hit(target, casualties, killed, shooter_coalition, incident)
    np.testing.assert_array_equal(f.strength, [95, 100, 93, 100, 94, 100])
    np.testing.assert_array_equal(f.killed, [0, 0, 3, 0, 6, 0])
    np.testing.assert_array_equal(f.wounded, [5, 0, 4, 0, 0, 0])
    np.testing.assert_array_equal(ledger.friendly_fire, [0, 0, 3, 0, 0, 0])
    np.testing.assert_array_equal(ledger.hostile_fire, [5, 0, 4, 0, 0, 0])
    np.testing.assert_array_equal(ledger.inflicted, [0, 0, 0, 0, 6, 0])
    rec = ledger.incidents[k]
    assert (rec.killed, rec.wounded) == (1, 2)
    np.testing.assert_array_equal(f.strength + f.killed + f.wounded, f.deployed)


def test_hostile_fire_is_tallied_by_direct_and_indirect_fire(kit):
    """Enemy artillery and drones (indirect) are tallied apart from enemy direct fire; coalition
    fire on the enemy and on the coalition is not hostile fire."""
    model = kit.model(kit.tiny())
    ledger = model.ledger
    none = np.array([-1, -1, -1])
    ledger.hit(np.array([0, 2, 4]), np.array([3, 2, 7]), np.array([1, 0, 2]),
               np.array([False, False, True]), none, indirect=True)
    ledger.hit(np.array([0, 4]), np.array([5, 1]), np.array([0, 1]), np.array([False, False]),
               none[:2])
    np.testing.assert_array_equal(ledger.hostile_fire, [8, 0, 2, 0, 0, 0])
    np.testing.assert_array_equal(ledger.hostile_indirect, [3, 0, 2, 0, 0, 0])


@pytest.mark.parametrize("silenced", ["direct", "indirect"])
def test_a_replication_splits_hostile_fire_into_direct_and_indirect(kit, silenced):
    """With the enemy's direct fire (or its artillery and drones) silenced, all hostile fire
    is tallied as the other kind."""
    quiet = ({"units.ua.weapons": {}, "units.ua.lethality": 0.0} if silenced == "direct"
             else {"nations.UA.fire_missions_per_h": 0.0, "nations.UA.drone_strikes_per_h": 0.0,
                   "nations.UA.drone_hunts_per_h": 0.0, "nations.UA.drone_recon_per_h": 0.0})
    (r,) = kit.replicate(kit.kursk(horizon_h=72, changes=quiet), 1, seed=3)
    loud = "indirect" if silenced == "direct" else "direct"
    assert r.hostile_fire[silenced] == 0
    assert r.hostile_fire[loud] == r.metrics["hostile_fire_casualties"] > 0


def test_incident_totals_accumulate_while_it_lasts(kit):
    model = kit.model(kit.tiny())
    ledger = model.ledger
    k = _incident(model)
    for step in range(5):
        ledger.hit(np.array([2]), np.array([2]), np.array([step % 2]), np.array([True]),
                   np.array([k]))
    rec = ledger.incidents[k]
    assert rec.killed + rec.wounded == 10 == ledger.friendly_fire[2] and rec.killed == 2


def _reinforced_kursk(kit):
    """A small Kursk front with heavy losses, withdrawals and reinforcements."""
    rules = {"withdraw_loss_fraction": 0.2, "rest_h": 24.0, "reinforce_to_fraction": 1.0,
             "redeploy_min_fraction": 0.5}
    return kit.kursk(horizon_h=240, kp=5, ru=5, ua=8, changes={
        "units.ua.lethality": 0.01, "units.ua.weapon_range_km": 1.5,
        "nations.KP.campaign": rules, "nations.RU.campaign": rules})


def test_every_soldier_is_fit_killed_or_wounded_at_every_record_time(kit):
    results = kit.replicate(_reinforced_kursk(kit), 3, seed=21)
    ts = pd.concat([pd.DataFrame(r.timeseries) for r in results])
    np.testing.assert_array_equal(ts.strength + ts.killed + ts.wounded, ts.deployed)
    assert (ts.deployed > ts.groupby("nation").deployed.transform("first")).any(), \
        "no reinforcement happened: the check is vacuous"
    for r in results:
        for nation in r.by_nation.values():
            assert nation["deployed"] >= nation["initial"]


def test_killed_to_wounded_ratio_of_a_run_matches_killed_fraction(kit):
    world = _reinforced_kursk(kit)
    killed = casualties = 0
    for r in kit.replicate(world, 2, seed=22):
        for nation in r.by_nation.values():
            killed += nation["killed"]
            casualties += nation["killed"] + nation["wounded"]
    kf = world.killed_fraction
    assert casualties > 500
    assert abs(killed / casualties - kf) < Z * np.sqrt(kf * (1 - kf) / casualties)
