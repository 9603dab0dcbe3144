"""Weapon systems (sim/model/weapons.py) and the fire the direct-fire kernel builds from
them (sim/model/combat.py: each system shared over the targets it can hit; anti-tank fire
on vehicles)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from sim.model.combat import Engagements, volley
from sim.model.weapons import pk_at, reach_on

RIFLE = {"range_km": 0.6, "pk": [[0.1, 0.06], [0.3, 0.02], [0.6, 0.005]], "rate_per_h": 12,
         "killed_fraction": 0.1, "killed_fraction_exposed": 0.3}
AT = {"targets": "vehicles", "range_km": 3.0, "pk": [[0.5, 0.5]], "rate_per_h": 1,
      "casualties_per_hit": 3, "killed_fraction": 0.4, "killed_fraction_exposed": 0.5}
Z = 4.0


def _armed(kit, changes=None):
    """TINY with A armed (50 rifles and 2 anti-tank weapons per 100 soldiers, no aimed fire)
    and B's units carrying 4 vehicles each. Rows: a-001, a-002, b-001, b-002, e-001, e-002."""
    return kit.model(kit.tiny({"weapons": {"rifle": dict(RIFLE), "at": dict(AT)},
                               "units.a.weapons": {"rifle": 50, "at": 2},
                               "units.a.lethality": 0.0, "units.a.weapon_range_km": 0.0,
                               "units.b.vehicles": 4, **(changes or {})}))


def _place(model, shooter, targets, distances):
    """Put each target ``distances[k]`` km east of the shooter (patrol offsets are 0)."""
    f = model.forces
    for g, d in zip(targets, distances, strict=True):
        f.anchor[g] = f.anchor[shooter] + (d, 0.0)


def _volley(model, shooter, targets, distances, phase="fight_open"):
    """One step's fire of ``shooter`` on ``targets`` at ``distances``, all of the step in
    ``phase`` (fight_open, fight_cover, held_open or held_cover)."""
    _place(model, shooter, targets, distances)
    n = len(targets)
    parts = {p: np.zeros(n) for p in ("fight_open", "fight_cover", "held_open", "held_cover")}
    parts[phase] = np.ones(n)
    e = Engagements(np.full(n, shooter, np.int64), np.asarray(targets, np.int64), **parts)
    return volley(e, model.forces.units, model.direct_fire.arsenal, 1.0)


@pytest.mark.parametrize(("d", "expected"), [
    (0.0, 0.06), (0.1, 0.06), (0.2, 0.04), (0.3, 0.02), (0.45, 0.0125), (0.6, 0.005),
    (0.61, 0.0), (2.0, 0.0)])
def test_pk_is_the_table_linear_between_points_flat_before_and_zero_beyond_range(kit, d,
                                                                                 expected):
    model = _armed(kit)
    arsenal = model.direct_fire.arsenal
    assert pk_at(arsenal, 0, d) == pytest.approx(expected)


def test_rifles_hit_soldiers_and_anti_tank_weapons_destroy_vehicles(kit):
    """On B-001 (4 vehicles) at 0.2 km in the open: 50 rifles x 12/h x 0.04 = 24 casualties/h,
    killed with the rifle's exposed fraction; 2 anti-tank weapons x 1/h x 0.5 = 1 vehicle/h,
    3 occupants each, killed with the anti-tank exposed fraction. On E-001 (no vehicles)
    the rifles only; at 1 km only the anti-tank weapons reach B-001's vehicles."""
    model = _armed(kit)
    v = _volley(model, 0, [2], [0.2])
    assert v.hazard[0] == pytest.approx(24.0) and v.killed[0] == pytest.approx(0.3)
    assert v.vehicle_hazard[0] == pytest.approx(1.0)
    assert v.vehicle_casualties[0] == pytest.approx(3.0)
    assert v.vehicle_killed[0] == pytest.approx(0.5)
    v = _volley(model, 0, [4], [0.2])
    assert v.hazard[0] == pytest.approx(24.0) and v.vehicle_hazard[0] == 0.0
    v = _volley(model, 0, [2], [1.0])
    assert v.hazard[0] == 0.0 and v.vehicle_hazard[0] == pytest.approx(1.0)


def test_a_units_fire_is_proportional_to_its_strength(kit):
    """Crews fall with the unit: the weapons firing are count x strength / full strength, so
    a unit at 37 of its 100 soldiers puts 0.37 of its full fire on a target (the square
    law holds for any mix of weapons)."""
    model = _armed(kit)
    full = _volley(model, 0, [2], [0.2])
    model.forces.strength[0] = 37
    part = _volley(model, 0, [2], [0.2])
    assert part.hazard[0] == pytest.approx(0.37 * full.hazard[0])
    assert part.vehicle_hazard[0] == pytest.approx(0.37 * full.vehicle_hazard[0])


def test_aimed_fire_adds_lethality_within_weapon_range(kit):
    model = _armed(kit, {"units.a.lethality": 0.01, "units.a.weapon_range_km": 0.4})
    rifle = 50 * 12 * pk_at(model.direct_fire.arsenal, 0, 0.35)
    assert _volley(model, 0, [4], [0.35]).hazard[0] == pytest.approx(rifle + 0.01 * 100)
    assert _volley(model, 0, [4], [0.5]).hazard[0] == pytest.approx(
        50 * 12 * pk_at(model.direct_fire.arsenal, 0, 0.5))


def test_a_systems_fire_is_shared_only_over_the_targets_it_can_hit(kit):
    """A holds E-001 at 0.2 km and B-001 at 2 km: its rifles reach only E-001, which takes
    all of their fire (24/h), not a share by strength with B-001; its anti-tank weapons hit
    only B-001's vehicles (E has none), which take all of theirs."""
    model = _armed(kit)
    v = _volley(model, 0, [4, 2], [0.2, 2.0])
    assert v.hazard.tolist() == pytest.approx([24.0, 0.0])
    assert v.vehicle_hazard.tolist() == pytest.approx([0.0, 1.0])


def test_anti_tank_fire_is_shared_over_the_targets_vehicles(kit):
    """B-001 with 4 vehicles and B-002 with 12, both at 1 km: a quarter and three quarters of
    the anti-tank fire, whatever their soldiers."""
    model = _armed(kit)
    f = model.forces
    f.vehicles[3] = 12
    f.strength[3] = 10
    v = _volley(model, 0, [2, 3], [1.0, 1.0])
    assert v.vehicle_hazard.tolist() == pytest.approx([0.25, 0.75])


def test_cover_protects_soldiers_not_vehicles(kit):
    """In cover at protection 0.2 the rifles' fire is a fifth and killed with the covered
    fraction; the anti-tank fire on the vehicles is the same as in the open."""
    model = _armed(kit, {"units.b.protection": 0.2})
    open_ = _volley(model, 0, [2], [0.2], "fight_open")
    cover = _volley(model, 0, [2], [0.2], "fight_cover")
    assert cover.hazard[0] == pytest.approx(0.2 * open_.hazard[0])
    assert cover.killed[0] == pytest.approx(0.1)
    assert cover.vehicle_hazard[0] == pytest.approx(open_.vehicle_hazard[0])
    assert cover.vehicle_killed[0] == pytest.approx(0.4)


def test_a_target_without_vehicles_in_action_is_out_of_anti_tank_reach(kit):
    model = _armed(kit)
    f, arsenal = model.forces, model.direct_fire.arsenal
    assert reach_on(f.view, arsenal, 0, 2) == 3.0        # B has vehicles: anti-tank reaches
    f.vehicles[2] = 0                                     # all destroyed
    assert reach_on(f.view, arsenal, 0, 2) == 0.6
    assert _volley(model, 0, [2], [1.0]).vehicle_hazard[0] == 0.0


def test_vehicles_destroyed_take_their_occupants_with_them(kit):
    """Only anti-tank fire (1 km): a step of 1 h on 4 vehicles under 1 vehicle/h loses
    Binomial(4, 1 - exp(-1/4)) of them, each with 3 casualties."""
    model = _armed(kit)
    fire, f = model.direct_fire, model.forces
    _place(model, 0, [2], [1.0])
    fire.shooter, fire.target = np.array([0]), np.array([2])
    fire.incident, fire.until, fire.start = np.array([-1]), np.array([np.inf]), np.array([0.0])
    n, lost = 3000, []
    for k in range(n):
        f.vehicles[2], f.strength[2], f.killed[2], f.wounded[2] = 4, 100, 0, 0
        fire._fire(0.0, 1.0, np.random.default_rng(k))
        lost.append(4 - f.vehicles[2])
        assert 100 - f.strength[2] == 3 * lost[-1] == f.killed[2] + f.wounded[2]
    p = 1 - np.exp(-1 / 4)
    assert abs(np.mean(lost) - 4 * p) < Z * np.sqrt(4 * p * (1 - p) / n)


def test_occupants_never_exceed_the_soldiers_left(kit):
    model = _armed(kit, {"weapons.at.casualties_per_hit": 40})
    fire, f = model.direct_fire, model.forces
    _place(model, 0, [2], [1.0])
    f.loadout[0, 1] = 200                                  # 200 anti-tank weapons
    fire.shooter, fire.target = np.array([0]), np.array([2])
    fire.incident, fire.until, fire.start = np.array([-1]), np.array([np.inf]), np.array([0.0])
    fire._fire(0.0, 1.0, np.random.default_rng(0))
    assert f.vehicles[2] < 4 and f.strength[2] == 0
    assert f.killed[2] + f.wounded[2] == 100


def test_reach_counts_only_the_systems_that_can_hit_the_target(kit):
    model = _armed(kit)
    f, arsenal = model.forces, model.direct_fire.arsenal
    assert reach_on(f.view, arsenal, 0, 2) == 3.0        # B has vehicles: anti-tank reaches
    assert reach_on(f.view, arsenal, 0, 4) == 0.6        # E has none: the rifle's range
    assert f.weapon_range[0] == 3.0                       # the longest reach on anyone


def test_an_armed_unit_engages_only_within_its_reach_on_the_contact(kit):
    from tests.model.test_combat import _contacts

    model = _armed(kit)
    fire = model.direct_fire
    c = _contacts(obs=[0, 0], tgt=[2, 4], dist=[2.0, 2.0], hostile=[True, True])
    fire._engage(1.0, c, np.random.default_rng(0))
    assert fire.target.tolist() == [2]                     # anti-tank on B's vehicles only


def test_schema_rejects_unknown_weapons_and_unsorted_tables(kit):
    with pytest.raises(ValidationError, match="unknown weapon system 'sword'"):
        kit.tiny({"units.a.weapons": {"sword": 3}})
    with pytest.raises(ValidationError, match="must increase"):
        kit.tiny({"weapons": {"rifle": {**RIFLE, "pk": [[0.5, 0.1], [0.1, 0.2]]}}})


def test_after_the_opening_firefight_a_system_fires_at_its_sustained_rate(kit):
    """rate_per_h 12 in the firefight, sustained_rate_per_h 3 after; without a sustained
    rate the firefight's rate goes on."""
    model = _armed(kit, {"weapons.rifle.sustained_rate_per_h": 3.0})
    fight = _volley(model, 0, [4], [0.2], "fight_open").hazard[0]
    assert _volley(model, 0, [4], [0.2], "held_open").hazard[0] == pytest.approx(fight / 4)
    at_fight = _volley(model, 0, [2], [1.0], "fight_open").vehicle_hazard[0]
    assert _volley(model, 0, [2], [1.0], "held_open").vehicle_hazard[0] == pytest.approx(
        at_fight)                                          # anti-tank: no sustained rate


def test_a_unit_without_lethality_has_no_aimed_fire_reach(kit):
    """weapon_range_km is the range of aimed fire: with lethality 0 it gives no reach."""
    model = _armed(kit, {"units.a.weapons": {}, "units.a.weapon_range_km": 1.5})
    f, arsenal = model.forces, model.direct_fire.arsenal
    assert reach_on(f.view, arsenal, 0, 4) == 0.0 and f.weapon_range[0] == 0.0
