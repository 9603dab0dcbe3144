"""Weapon systems (sim/model/weapons.py): P(hit) by range, fire per soldier, reach."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from sim.model.weapons import FIREFIGHT, HELD, fire_on, pk_at, reach_on, within_reach

RIFLE = {"range_km": 0.6, "pk": [[0.1, 0.06], [0.3, 0.02], [0.6, 0.005]], "rate_per_h": 12,
         "killed_fraction": 0.1, "killed_fraction_exposed": 0.3}
AT = {"targets": "vehicles", "range_km": 3.0, "pk": [[0.5, 0.5]], "rate_per_h": 1,
      "casualties_per_hit": 3, "killed_fraction": 0.4, "killed_fraction_exposed": 0.5}


def _armed(kit, changes=None):
    """TINY with A armed (50 rifles and 2 anti-tank weapons per 100 soldiers, no aimed fire)
    and B's units carrying 4 vehicles each."""
    return kit.model(kit.tiny({"weapons": {"rifle": dict(RIFLE), "at": dict(AT)},
                               "units.a.weapons": {"rifle": 50, "at": 2},
                               "units.a.lethality": 0.0, "units.a.weapon_range_km": 0.0,
                               "units.b.vehicles": 4, **(changes or {})}))


@pytest.mark.parametrize(("d", "expected"), [
    (0.0, 0.06), (0.1, 0.06), (0.2, 0.04), (0.3, 0.02), (0.45, 0.0125), (0.6, 0.005),
    (0.61, 0.0), (2.0, 0.0)])
def test_pk_is_the_table_linear_between_points_flat_before_and_zero_beyond_range(kit, d,
                                                                                 expected):
    model = _armed(kit)
    arsenal = model.direct_fire.arsenal
    assert pk_at(arsenal, 0, d) == pytest.approx(expected)


def test_fire_per_soldier_sums_the_systems_that_can_hit_the_target(kit):
    """On B (with vehicles) at 0.2 km: rifles 0.5/soldier x 12/h x 0.04 plus anti-tank
    0.02/soldier x 1/h x 0.5 x 3 casualties; on E (no vehicles) the rifles only. Killed
    fractions are weighted by each system's share of the rate."""
    model = _armed(kit)
    f, arsenal = model.forces, model.direct_fire.arsenal
    rifle, at = 0.5 * 12 * 0.04, 0.02 * 1 * 0.5 * 3
    rate, kc, ke = fire_on(f.units, arsenal, 0, 2, 0.2, FIREFIGHT)             # a-001 on b-001
    assert rate == pytest.approx(rifle + at)
    assert kc / rate == pytest.approx((rifle * 0.1 + at * 0.4) / (rifle + at))
    assert ke / rate == pytest.approx((rifle * 0.3 + at * 0.5) / (rifle + at))
    rate_e, _, _ = fire_on(f.units, arsenal, 0, 4, 0.2, FIREFIGHT)             # a-001 on e-001
    assert rate_e == pytest.approx(rifle)
    # beyond the rifle's range only the anti-tank weapon reaches the vehicles
    assert fire_on(f.units, arsenal, 0, 2, 1.0, FIREFIGHT)[0] == pytest.approx(at)
    assert fire_on(f.units, arsenal, 0, 4, 1.0, FIREFIGHT)[0] == 0.0


def test_a_units_fire_is_proportional_to_its_strength(kit):
    """Crews fall with the unit: the weapons firing are count x strength / full strength, so
    a unit at 37 of its 100 soldiers puts 0.37 of its full hazard on a target (the square
    law holds for any mix of weapons)."""
    from tests.model.test_combat import _hazard_of

    model = _armed(kit)
    f = model.forces
    full = _hazard_of(model.direct_fire, [0], [2], 1.0)[0][0]      # a-001 on b-001, 0.5 km
    assert full > 0
    f.strength[0] = 37
    assert _hazard_of(model.direct_fire, [0], [2], 1.0)[0][0] == pytest.approx(0.37 * full)


def test_aimed_fire_adds_lethality_within_weapon_range(kit):
    model = _armed(kit, {"units.a.lethality": 0.01, "units.a.weapon_range_km": 0.4})
    f, arsenal = model.forces, model.direct_fire.arsenal
    rifle = 0.5 * 12 * pk_at(arsenal, 0, 0.35)
    assert fire_on(f.units, arsenal, 0, 4, 0.35, FIREFIGHT)[0] == pytest.approx(rifle + 0.01)
    assert fire_on(f.units, arsenal, 0, 4, 0.5, FIREFIGHT)[0] == pytest.approx(0.5 * 12 * pk_at(
        arsenal, 0, 0.5))


def test_reach_counts_only_the_systems_that_can_hit_the_target(kit):
    model = _armed(kit)
    f, arsenal = model.forces, model.direct_fire.arsenal
    assert reach_on(f.units, arsenal, 0, 2) == 3.0        # B has vehicles: anti-tank reaches
    assert reach_on(f.units, arsenal, 0, 4) == 0.6        # E has none: the rifle's range
    assert f.weapon_range[0] == 3.0                       # the longest reach on anyone
    s, g = np.array([0, 0, 0]), np.array([2, 4, 4])
    assert within_reach(s, g, np.array([2.0, 0.5, 0.7]), f.units, arsenal).tolist() == [
        True, True, False]


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
    f, arsenal = model.forces, model.direct_fire.arsenal
    fight = fire_on(f.units, arsenal, 0, 4, 0.2, FIREFIGHT)[0]
    assert fire_on(f.units, arsenal, 0, 4, 0.2, HELD)[0] == pytest.approx(fight / 4)
    at = 0.02 * 1 * 0.5 * 3                             # anti-tank: no sustained rate
    assert fire_on(f.units, arsenal, 0, 2, 1.0, HELD)[0] == pytest.approx(at)


def test_a_unit_without_lethality_has_no_aimed_fire_reach(kit):
    """weapon_range_km is the range of aimed fire: with lethality 0 it gives no reach."""
    model = _armed(kit, {"units.a.weapons": {}, "units.a.weapon_range_km": 1.5})
    f, arsenal = model.forces, model.direct_fire.arsenal
    assert reach_on(f.units, arsenal, 0, 4) == 0.0 and f.weapon_range[0] == 0.0
