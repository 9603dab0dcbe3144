"""Campaign (sim/model/campaign.py): rear support, front, withdrawal, rest, redeployment."""

from __future__ import annotations

import numpy as np

from sim.model.campaign import update_postures
from sim.model.forces import build_forces
from sim.model.records import Posture
from sim.schema import Campaign

RULES = Campaign(withdraw_loss_fraction=0.5, rest_h=48.0, reinforce_to_fraction=0.8,
                 redeploy_min_fraction=0.6)


def _forces(kit, changes=None, rules: Campaign = RULES):
    """The tiny world with one unit per group, under the scenario campaign ``rules``."""
    world = kit.tiny({"units.a.count": 1, "units.b.count": 1, "units.e.count": 1,
                      "units.a.strength": 100, "campaign": rules.model_dump(),
                      **(changes or {})})
    return build_forces(world, np.random.default_rng(0))


def _lose(f, unit: int, n: int) -> None:
    """``n`` casualties, all wounded (keeps strength + killed + wounded = deployed)."""
    f.strength[unit] -= n
    f.wounded[unit] += n


def test_rear_support_until_front_from_h_then_front(kit):
    f = _forces(kit, {"units.a.front_from_h": 24.0})
    assert f.posture[0] == Posture.REAR and f.posture[1] == Posture.FRONT
    np.testing.assert_array_equal(f.anchor[0], f.rear_place[0])
    _lose(f, 0, 10)                                   # losses in the rear (e.g. shelling)
    update_postures(f, 23.0)
    assert f.posture[0] == Posture.REAR
    update_postures(f, 24.0)
    assert f.posture[0] == Posture.FRONT
    assert f.deployed_strength[0] == 90               # the withdrawal reference


def test_withdraws_after_losing_the_fraction_of_what_it_went_forward_with(kit):
    f = _forces(kit)
    _lose(f, 0, 49)
    update_postures(f, 5.0)
    assert f.posture[0] == Posture.FRONT
    _lose(f, 0, 1)                                    # 50 of 100 lost
    update_postures(f, 6.0)
    assert f.posture[0] == Posture.WITHDRAWN and f.withdrawn_at[0] == 6.0
    assert not f.fighting[0] and not f.at_front[0]
    f.speed[:] = 1.0                                  # the tiny world's units stand still
    f.move(100.0, np.random.default_rng(0))           # a withdrawn unit goes to the rear
    np.testing.assert_allclose(f.anchor[0], f.rear_place[0])


def test_never_withdraws_when_the_fraction_is_one(kit):
    f = _forces(kit, rules=Campaign(withdraw_loss_fraction=1.0))
    _lose(f, 0, 99)
    update_postures(f, 5.0)
    assert f.posture[0] == Posture.FRONT
    _lose(f, 0, 1)
    update_postures(f, 6.0)
    assert f.posture[0] == Posture.DESTROYED


def test_rests_then_is_reinforced_and_redeploys(kit):
    f = _forces(kit)
    _lose(f, 0, 60)
    update_postures(f, 10.0)
    assert f.posture[0] == Posture.WITHDRAWN
    update_postures(f, 57.9)                   # rest_h 48 not over
    assert f.posture[0] == Posture.WITHDRAWN and f.strength[0] == 40
    update_postures(f, 58.0)
    assert f.posture[0] == Posture.FRONT
    assert f.strength[0] == 80                        # refilled to 0.8 x 100
    assert f.deployed[0] == 140                       # 40 replacements served too
    assert f.strength[0] + f.killed[0] + f.wounded[0] == f.deployed[0]
    assert f.deployed_strength[0] == 80
    _lose(f, 0, 39)                                   # the reference is now 80
    update_postures(f, 60.0)
    assert f.posture[0] == Posture.FRONT
    _lose(f, 0, 1)
    update_postures(f, 61.0)
    assert f.posture[0] == Posture.WITHDRAWN


def test_without_replacements_a_weak_unit_stays_out(kit):
    rules = Campaign(withdraw_loss_fraction=0.5, rest_h=48.0, reinforce_to_fraction=0.0,
                     redeploy_min_fraction=0.6)
    f = _forces(kit, rules=rules)
    _lose(f, 0, 55)
    update_postures(f, 0.0)
    for t in (48.0, 100.0, 500.0):
        update_postures(f, t)
        assert f.posture[0] == Posture.WITHDRAWN
    assert f.deployed[0] == 100 and f.strength[0] == 45


def test_redeploys_without_replacements_if_strong_enough(kit):
    rules = Campaign(withdraw_loss_fraction=0.3, rest_h=24.0, reinforce_to_fraction=0.0,
                     redeploy_min_fraction=0.6)
    f = _forces(kit, rules=rules)
    _lose(f, 0, 35)                                   # 65 left >= 60
    update_postures(f, 0.0)
    assert f.posture[0] == Posture.WITHDRAWN
    update_postures(f, 24.0)
    assert f.posture[0] == Posture.FRONT and f.deployed[0] == 100


def test_a_unit_with_no_one_left_is_destroyed_and_stays_destroyed(kit):
    f = _forces(kit)
    _lose(f, 0, 100)
    for t in (1.0, 100.0, 1000.0):
        update_postures(f, t)
        assert f.posture[0] == Posture.DESTROYED
    assert f.strength[0] == 0 and f.deployed[0] == 100


def test_withdrawn_units_leave_the_fight_in_a_run(kit):
    """In a run with heavy enemy fire and a hair-trigger withdrawal, units withdraw,
    go back to the rear and are reinforced: deployed grows, strength+killed+wounded holds."""
    hair_trigger = {"withdraw_loss_fraction": 0.1, "rest_h": 24.0,
                    "reinforce_to_fraction": 1.0, "redeploy_min_fraction": 0.5}
    world = kit.kursk(horizon_h=120, kp=4, ru=4, ua=8, changes={
        "units.ua.lethality": 0.02, "units.ua.weapon_range_km": 1.5,
        "nations.KP.campaign": hair_trigger,
        "nations.RU.campaign": hair_trigger})
    model, _ = kit.run(world, seed=5)
    f = model.forces
    assert (f.deployed > f.initial).any()
    np.testing.assert_array_equal(f.strength + f.killed + f.wounded, f.deployed)
    out = f.posture == Posture.WITHDRAWN
    if out.any():
        assert not f.fighting[out].any()


def test_a_nation_follows_its_own_campaign_rules_where_it_has_them(kit):
    """A has its own rules (never withdraws); B follows the scenario's (withdraws at half)."""
    f = _forces(kit, {"units.b.strength": 100,
                      "nations.A.campaign": Campaign(withdraw_loss_fraction=1.0).model_dump()})
    _lose(f, 0, 60)
    _lose(f, 1, 60)
    update_postures(f, 1.0)
    assert f.posture[0] == Posture.FRONT and f.posture[1] == Posture.WITHDRAWN


WAVES = {"units.a.count": 3, "units.a.stride": 1,
         "units.a.waves": [{"at_h": 0.0, "count": 1}, {"at_h": 10.0, "count": 1},
                           {"at_h": 20.0, "count": 1, "y_from_km": 40.0, "x_km": -3.0}]}


def test_waves_arrive_at_their_time_and_place(kit):
    f = _forces(kit, WAVES)
    # rows: a-001 (at 0), a-002 (at 10, next slot), a-003 (at 20, landing at y = 40 km)
    np.testing.assert_allclose(f.front_place[:3], [(-0.5, 0.0), (-0.5, 0.5), (-3.0, 40.0)])
    assert list(f.posture[:3]) == [Posture.FRONT, Posture.PENDING, Posture.PENDING]
    assert list(f.strength[:3]) == [100, 0, 0] and list(f.deployed[:3]) == [100, 0, 0]
    assert not f.fighting[1:3].any()
    update_postures(f, 9.0)
    assert f.posture[1] == Posture.PENDING                # not destroyed for want of people
    update_postures(f, 10.0)
    assert f.posture[1] == Posture.FRONT and f.strength[1] == 100 and f.deployed[1] == 100
    assert f.posture[2] == Posture.PENDING
    update_postures(f, 20.0)
    assert f.fighting[:3].all()
    np.testing.assert_allclose(f.anchor[2], f.front_place[2])   # lands where it fights


def test_a_wave_that_arrives_before_its_front_time_goes_to_rear_support(kit):
    f = _forces(kit, {**WAVES, "units.a.front_from_h": 15.0})
    update_postures(f, 10.0)
    assert f.posture[1] == Posture.REAR
    np.testing.assert_allclose(f.anchor[1], f.rear_place[1])
    update_postures(f, 20.0)
    assert f.posture[2] == Posture.FRONT                  # arrived after 15 h: at the front
    np.testing.assert_allclose(f.anchor[2], f.front_place[2])


def test_units_not_yet_arrived_are_outside_the_battle_and_its_counts(kit):
    from sim.experiment.replication import summarise

    model = kit.model(kit.tiny({**WAVES, "horizon_h": 15.0, "record_every_h": 5.0}))
    rows = model.timeline.rows
    model.run()
    r = summarise(model, 0, 0)
    assert r.by_nation["A"]["initial"] == 100 + 0 + 0     # only the first wave at time 0
    assert r.by_nation["A"]["deployed"] == 100 + 100      # the second arrived at 10 h
    strength = [s for n, s in zip(rows["nation"], rows["strength"], strict=True) if n == "A"]
    deployed = [s for n, s in zip(rows["nation"], rows["deployed"], strict=True) if n == "A"]
    assert deployed == [100, 100, 200, 200]               # times 0, 5, 10, 15
    assert strength[0] == 100 and strength[2] <= 200


def test_waves_must_bring_the_groups_count(kit):
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="units.a.waves"):
        kit.tiny({**WAVES, "units.a.count": 4})


def test_a_unit_leaves_rear_support_at_front_from_h_and_moves_up_at_its_speed(kit):
    """a's units (2 km/h) wait at x = -15 km until hour 5, then close the 14.5 km to their
    front place at -0.5 km: 2 km a step from the step that ends at 5 h."""
    world = kit.tiny({"units.a.front_from_h": 5.0, "units.a.speed_kmh": 2.0,
                      **{f"units.{g}.lethality": 0.0 for g in "abe"},
                      **{f"nations.{n}.fire_missions_per_h": 0.0 for n in "ABE"}})
    model = kit.model(world)
    f = model.forces
    for k in range(1, 15):
        model.step()
        x = f.anchor[:2, 0]
        expected = -15.0 if k < 5 else min(-15.0 + 2.0 * (k - 4), -0.5)
        np.testing.assert_allclose(x, expected, rtol=0, atol=1e-12, err_msg=str(k))
        assert (f.posture[:2] == (Posture.REAR if k < 5 else Posture.FRONT)).all()
    np.testing.assert_array_equal(f.anchor[:2, 1], f.front_place[:2, 1])


def test_a_rested_unit_redeploys_holding_exactly_the_minimum_fraction(kit):
    rules = Campaign(withdraw_loss_fraction=0.3, rest_h=24.0, reinforce_to_fraction=0.0,
                     redeploy_min_fraction=0.6)
    f = _forces(kit, rules=rules)
    _lose(f, 0, 40)                                   # 60 of 100 left: exactly 0.6
    update_postures(f, 0.0)
    assert f.posture[0] == Posture.WITHDRAWN
    update_postures(f, 24.0)
    assert f.posture[0] == Posture.FRONT and f.deployed_strength[0] == 60


def test_replacements_never_take_anyone_away(kit):
    """Withdrawn above the refill target (45 > 0.3 x 100): no replacements and no one
    removed; still below the redeployment minimum, so it stays out."""
    rules = Campaign(withdraw_loss_fraction=0.5, rest_h=10.0, reinforce_to_fraction=0.3,
                     redeploy_min_fraction=0.6)
    f = _forces(kit, rules=rules)
    _lose(f, 0, 55)
    update_postures(f, 0.0)
    update_postures(f, 10.0)
    assert f.posture[0] == Posture.WITHDRAWN
    assert f.strength[0] == 45 and f.deployed[0] == 100


def test_the_refill_target_is_a_fraction_of_the_initial_strength(kit):
    """Reinforced to 0.75 of the initial 100 (not of the strength it went forward with,
    here 90 after losses in the rear)."""
    rules = Campaign(withdraw_loss_fraction=0.5, rest_h=10.0, reinforce_to_fraction=0.75,
                     redeploy_min_fraction=0.5)
    f = _forces(kit, {"units.a.front_from_h": 1.0}, rules=rules)
    _lose(f, 0, 10)
    update_postures(f, 1.0)
    assert f.deployed_strength[0] == 90
    _lose(f, 0, 50)                                   # 40 left of 90: lost more than half
    update_postures(f, 2.0)
    assert f.posture[0] == Posture.WITHDRAWN
    update_postures(f, 12.0)
    assert f.strength[0] == 75 and f.deployed[0] == 135 and f.posture[0] == Posture.FRONT


def test_vehicles_arrive_with_the_unit_and_are_refilled_after_rest(kit):
    """a-001 (10 vehicles) is there from the start, a-002 arrives with its wave; a unit that
    lost vehicles is refilled after rest to reinforce_to_fraction (0.8) of its 10."""
    f = _forces(kit, {**WAVES, "units.a.vehicles": 10})
    assert list(f.vehicles[:2]) == [10, 0]                 # a-002 not arrived yet
    update_postures(f, 10.0)
    assert f.vehicles[1] == 10
    f.vehicles[0] = 3
    _lose(f, 0, 60)
    update_postures(f, 11.0)
    assert f.posture[0] == Posture.WITHDRAWN
    update_postures(f, 11.0 + RULES.rest_h)
    assert f.posture[0] == Posture.FRONT and f.vehicles[0] == 8
