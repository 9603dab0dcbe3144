"""Forces (sim/model/forces.py): the unit table, the layout along the front, movement.

Movement is deterministic given the movement stream's numbers, so the rules are checked
exactly: an anchor moves exactly min(distance, speed x dt) straight towards its place, and
a patrol offset after one step is offset x exp(-dt / 6 h) + patrol_km x sqrt(dt) x z for
the standard normals z that ``model.streams.at("movement", k)`` gives the model at step k
(at step 0, the set-up, the initial offsets: patrol_km x sqrt(6 h / 2) x z). The spread of
the initial offsets is also checked statistically, within ``Z = 4`` standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.forces import PATROL_RELAX_H, build_forces, per_step
from sim.model.records import Posture

Z = 4.0
#: The relaxation time of the patrol wander, h (docs/model.md: "relaxation 6 h").
RELAX_H = 6.0

# rows of the tiny world: a-001, a-002 (A), b-001, b-002 (B), e-001, e-002 (E)


def _forces(kit, changes=None, seed=0):
    return build_forces(kit.tiny(changes), np.random.default_rng(seed))


def _patrolling(kit, changes=None, *, dt=0.5, seed=0):
    """A tiny world whose units patrol (0.3, 0.2, 0.5 km per sqrt(h) by group) and stand
    still otherwise; nobody fires, so nothing but movement changes a position."""
    return kit.model(kit.tiny({
        "dt_h": dt, "units.a.patrol_km": 0.3, "units.b.patrol_km": 0.2,
        "units.e.patrol_km": 0.5, **{f"units.{g}.lethality": 0.0 for g in "abe"},
        **{f"nations.{n}.fire_missions_per_h": 0.0 for n in "ABE"}, **(changes or {})}),
        seed=seed)


# --- the table ---------------------------------------------------------------------------

def test_every_unit_belongs_to_its_groups_nation_and_each_nation_has_one_picture(kit):
    model = kit.model(kit.tiny({"units.a.count": 3, "units.e.count": 1}))
    f = model.forces
    assert f.names == ["a-001", "a-002", "a-003", "b-001", "b-002", "e-001"]
    assert f.nation_names == ["A", "B", "E"]
    np.testing.assert_array_equal(f.nation, [0, 0, 0, 1, 1, 2])
    np.testing.assert_array_equal(f.coalition, [True] * 5 + [False])
    np.testing.assert_array_equal(f.nations.coalition, [True, True, False])
    # one picture per nation (its HQ), holding an entry per unit; a unit reads its own HQ's
    assert model.pictures.live.time.shape == model.pictures.published.time.shape == (3, f.n)
    assert [u.belief.hq for u in model.units] == ["A", "A", "A", "B", "B", "E"]


def test_units_are_laid_out_in_interleaved_slots_along_the_front(kit):
    """Unit k of a group stands at y = y_from_km + (k x stride + interleave) x spacing, at
    depth x_km at the front and rear_x_km in the rear."""
    f = _forces(kit, {"slot_spacing_km": 0.4, "units.a.count": 3, "units.b.count": 3,
                      "units.a.y_from_km": 1.0, "units.b.y_from_km": 1.0,
                      "units.e.y_from_km": -2.0, "units.e.stride": 3, "units.e.interleave": 2,
                      "units.a.rear_x_km": -12.0, "units.e.rear_x_km": 9.0})
    y = np.array([1.0, 1.8, 2.6,                 # a: slots 0, 2, 4
                  1.4, 2.2, 3.0,                 # b: slots 1, 3, 5, between a's
                  -2.0 + 2 * 0.4, -2.0 + 5 * 0.4])   # e: slots 2, 5
    np.testing.assert_allclose(f.front_place[:, 1], y, rtol=0, atol=1e-12)
    np.testing.assert_allclose(f.rear_place[:, 1], y, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(f.front_place[:, 0], [-0.5] * 6 + [0.5] * 2)
    np.testing.assert_array_equal(f.rear_place[:, 0], [-12.0] * 3 + [-15.0] * 3 + [9.0] * 2)


def test_columns_come_from_the_units_group_and_nation(kit):
    dt = 0.5
    f = _forces(kit, {
        "dt_h": dt, "units.b.speed_kmh": 3.5, "units.b.patrol_km": 0.25,
        "units.b.sensor_range_km": 2.5, "units.b.weapon_range_km": 1.25,
        "units.b.lethality": 0.02, "units.b.cover": 0.4, "units.b.strength": 120,
        "units.b.front_from_h": 7.0, "nations.B.training": 0.45, "nations.B.markings": 0.35,
        "nations.B.roe.engage_forward": 0.8, "nations.B.roe.engage_unidentified": 0.3,
        "nations.B.roe.engage_failed_challenge": 0.6, "nations.B.report_delivery": 0.85,
        "nations.B.report_latency_h": 0.7, "nations.B.report_interval_h": 1.5,
        "nations.B.picture_refresh_h": 2.5, "nations.B.fire_missions_per_h": 1.5,
        "nations.B.fire_support_from": "A"})
    b = slice(2, 4)
    for column, value in (("speed", 3.5), ("patrol", 0.25), ("sensor_range", 2.5),
                          ("weapon_range", 1.25), ("lethality", 0.02), ("cover", 0.4),
                          ("front_from_h", 7.0), ("initial", 120), ("training", 0.45),
                          ("markings", 0.35), ("report_delivery", 0.85),
                          ("report_latency", 0.7), ("report_interval", 1.5)):
        np.testing.assert_array_equal(getattr(f, column)[b], value, err_msg=column)
    # the ROE as probabilities per step of dt hours: 1 - (1 - p)^dt
    for column, p_h in (("engage_forward", 0.8), ("engage_unidentified", 0.3),
                        ("engage_failed", 0.6)):
        np.testing.assert_allclose(getattr(f, column)[b], 1 - (1 - p_h) ** dt, rtol=1e-12)
        assert getattr(f, column)[b][0] == pytest.approx(per_step(p_h, dt), rel=1e-12)
    # the state starts full: everyone fit, deployed, nobody lost
    for column in ("strength", "deployed", "deployed_strength"):
        np.testing.assert_array_equal(getattr(f, column), f.initial, err_msg=column)
    assert not f.killed.any() and not f.wounded.any() and np.isneginf(f.withdrawn_at).all()
    # the nation table: one row per nation; fire support defaults to the nation's own
    np.testing.assert_array_equal(f.nations.refresh_h[1], 2.5)
    np.testing.assert_array_equal(f.nations.fire_missions_per_h[1], 1.5)
    np.testing.assert_array_equal(f.nations.supplier, [0, 0, 2])


def test_per_step_compounds_an_hourly_probability():
    assert per_step(0.5, 1.0) == 0.5
    assert per_step(0.5, 2.0) == pytest.approx(0.75)
    assert per_step(0.75, 0.5) == pytest.approx(0.5)
    assert per_step(0.0, 3.0) == 0.0 and per_step(1.0, 0.25) == 1.0


def test_columns_change_in_place_only(kit):
    f = _forces(kit)
    strength = f.strength
    f.strength[0] -= 3
    f.strength += 0                        # in place: the same array, accepted
    assert f.strength is strength and f.units.strength[0] == 97
    with pytest.raises(AttributeError, match="in place"):
        f.strength = np.zeros(f.n, np.int64)
    with pytest.raises(AttributeError, match="no attribute or column"):
        _ = f.morale


def test_a_unit_starts_at_the_place_of_its_posture(kit):
    f = _forces(kit, {"units.a.front_from_h": 12.0, "units.e.front_from_h": 0.0})
    np.testing.assert_array_equal(f.posture, [Posture.REAR] * 2 + [Posture.FRONT] * 4)
    np.testing.assert_array_equal(f.anchor[:2], f.rear_place[:2])
    np.testing.assert_array_equal(f.anchor[2:], f.front_place[2:])
    np.testing.assert_array_equal(f.pos, f.anchor + f.offset)


# --- anchors: straight towards the place, at unit speed --------------------------------------

def test_an_anchor_moves_exactly_speed_times_dt_straight_towards_its_place(kit):
    dt, speed = 0.5, 3.0                                # 1.5 km a step
    f = _forces(kit, {"dt_h": dt, **{f"units.{g}.speed_kmh": speed for g in "abe"}})
    f.posture[:] = [Posture.FRONT, Posture.FRONT, Posture.FRONT, Posture.REAR,
                    Posture.WITHDRAWN, Posture.FRONT]
    start = f.front_place + np.array([[-4.0, 3.0],      # 5 km away: 1.5 km along (0.8, -0.6)
                                      [0.6, -0.8],      # 1 km away: reaches its place
                                      [0.0, 0.0],       # at its place: stays
                                      [0.0, 0.0],       # rear support: towards the rear
                                      [2.0, 0.0],       # withdrawn: towards the rear
                                      [0.0, -1.5]])     # exactly one step away
    f.anchor[:] = start
    f.move(dt, np.random.default_rng(0))
    place = np.where((f.posture == Posture.FRONT)[:, None], f.front_place, f.rear_place)
    gap = place - start
    dist = np.hypot(*gap.T)
    step = np.minimum(dist, speed * dt)
    expected = start + np.divide(gap, dist[:, None], out=np.zeros_like(gap),
                                 where=dist[:, None] > 0) * step[:, None]
    np.testing.assert_allclose(f.anchor, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(f.anchor[0], start[0] + [1.2, -0.9], rtol=0, atol=1e-12)
    np.testing.assert_allclose(f.anchor[[1, 2, 5]], f.front_place[[1, 2, 5]], rtol=0,
                               atol=1e-12)
    # 14.5 and 16.5 km from the rear: one step of 1.5 km straight back
    np.testing.assert_allclose(np.hypot(*(f.anchor[3:5] - start[3:5]).T), 1.5, atol=1e-12)
    np.testing.assert_allclose(f.anchor[3:5, 1], start[3:5, 1], atol=1e-12)


def test_an_anchor_never_overshoots_and_a_still_unit_stays(kit):
    f = _forces(kit, {"units.a.speed_kmh": 100.0})
    f.anchor[:] = f.front_place + [0.3, 0.4]
    f.move(1.0, np.random.default_rng(0))
    np.testing.assert_array_equal(f.anchor[:2], f.front_place[:2])     # 0.5 km < 100 km
    np.testing.assert_allclose(f.anchor[2:], f.front_place[2:] + [0.3, 0.4])   # speed 0


# --- patrol offsets: an Ornstein-Uhlenbeck wander ----------------------------------------------

def test_the_relaxation_time_is_six_hours():
    assert PATROL_RELAX_H == RELAX_H


def test_initial_offsets_are_the_stationary_spread_of_the_movement_streams_normals(kit):
    model = _patrolling(kit, seed=4)
    f = model.forces
    z = model.streams.at("movement", 0).standard_normal((f.n, 2))
    expected = z * (f.patrol * np.sqrt(RELAX_H / 2))[:, None]
    np.testing.assert_allclose(f.offset, expected, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(f.anchor, f.front_place)


def test_initial_offsets_have_the_stationary_spread(kit):
    """Each axis of each offset is normal with sd patrol_km x sqrt(6 h / 2): the sample sd
    of the 2m normalised values is within Z standard errors (sd / sqrt(4m)) of 1, their
    mean within Z / sqrt(2m) of 0."""
    m = 1500
    f = _forces(kit, {"units.a.count": m, "units.a.patrol_km": 0.4, "units.b.count": 0,
                      "units.e.count": 0}, seed=7)
    z = f.offset / (0.4 * np.sqrt(RELAX_H / 2))
    assert abs(z.std() - 1.0) < Z / np.sqrt(4 * m)
    assert abs(z.mean()) < Z / np.sqrt(2 * m)
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < Z / np.sqrt(m)


@pytest.mark.parametrize("dt", [0.5, 2.0])
def test_an_offset_decays_and_takes_the_movement_streams_normal_step(kit, dt):
    """After step k the offset is offset x exp(-dt / 6) + patrol x sqrt(dt) x z, with z the
    standard normals of ``streams.at("movement", k)``; the anchor stays at its place."""
    model = _patrolling(kit, dt=dt, seed=1)
    f = model.forces
    for k in range(1, 5):
        before = f.offset.copy()
        model.step()
        assert model.steps == k
        z = model.streams.at("movement", k).standard_normal((f.n, 2))
        expected = before * np.exp(-dt / RELAX_H) + (f.patrol * np.sqrt(dt))[:, None] * z
        np.testing.assert_allclose(f.offset, expected, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(f.anchor, f.front_place)
    assert (f.strength == f.initial).all()          # nothing else moved anyone


def test_only_a_living_units_offset_wanders(kit):
    model = _patrolling(kit)
    f = model.forces
    f.strength[[1, 4]] = 0
    before = f.offset.copy()
    f.move(0.5, np.random.default_rng(3))
    np.testing.assert_array_equal(f.offset[[1, 4]], before[[1, 4]])   # not even decayed
    assert (f.offset[[0, 2, 3, 5]] != before[[0, 2, 3, 5]]).all()


def test_a_unit_without_patrol_keeps_its_offset_decaying_to_its_anchor(kit):
    f = _forces(kit)
    f.offset[:] = [1.0, -2.0]
    f.move(3.0, np.random.default_rng(0))
    np.testing.assert_allclose(f.offset, np.array([[1.0, -2.0]] * f.n) * np.exp(-0.5),
                               rtol=1e-12)
