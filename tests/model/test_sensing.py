"""Detection and identification (sim/model/sensing.py).

One observer and one contact are placed by hand and looked at ``N`` times with
independent generators; each frequency must lie within ``Z = 4`` binomial
standard errors of the probability the module docstring states.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.sensing import visibility

Z = 4.0
N = 1200

#: One unit per nation; nothing gets into any picture unless a test says so.
SOLO = {"units.a.count": 1, "units.b.count": 1, "units.e.count": 1,
        "nations.A.report_delivery": 0.0, "nations.B.report_delivery": 0.0,
        "nations.E.report_delivery": 0.0, "environment.night_hours": 0}
A, B, E = 0, 1, 2   # unit rows of SOLO: a, b, e


def _world(kit, changes=None, *, perfect=False, xy=((-0.5, 0.0), (-0.5, 0.5), (0.5, 0.0))):
    model = kit.model(kit.tiny({**SOLO, **(changes or {})}), perfect=perfect)
    f = model.forces
    f.anchor[:] = np.asarray(xy, float)
    f.front_place[:] = f.anchor
    f.offset[:] = 0.0
    model.pictures.exchange(0.0, model.dt, model.streams.at("communication", 0))
    return model


def _looks(model, t: float = 12.0, n: int = N):
    return [model.sensing.look(t, np.random.default_rng([1, k]), np.random.default_rng([2, k]))
            for k in range(n)]


def _pair(contacts, obs: int, tgt: int):
    """Row of (obs, tgt) in one look's contacts, or None."""
    rows = np.flatnonzero((contacts.observer == obs) & (contacts.target == tgt))
    return rows[0] if rows.size else None


def _within(freq: float, p: float, n: int = N) -> bool:
    return abs(freq - p) <= Z * np.sqrt(max(p * (1 - p), 1e-12) / n) + 1e-12


# --- visibility ----------------------------------------------------------------------------

@pytest.mark.parametrize(("hour", "night"), [
    (0.0, True), (6.99, True), (7.0, False), (12.0, False), (16.99, False), (17.0, True),
    (23.5, True), (24.0 + 3.0, True), (48.0 + 12.0, False),
])
def test_visibility_by_hour_with_14_hours_of_darkness_centred_on_midnight(kit, hour, night):
    world = kit.tiny({"environment.night_hours": 14, "environment.night_visibility": 0.4})
    assert visibility(hour, world) == (0.4 if night else 1.0)


def test_no_night_and_all_night(kit):
    day = kit.tiny({"environment.night_hours": 0, "environment.night_visibility": 0.2})
    dark = kit.tiny({"environment.night_hours": 24, "environment.night_visibility": 0.2})
    hours = np.arange(0.0, 48.0, 0.5)
    assert all(visibility(h, day) == 1.0 for h in hours)
    assert all(visibility(h, dark) == 0.2 for h in hours)


# --- detection -----------------------------------------------------------------------------

@pytest.mark.parametrize("night", [False, True])
def test_detection_probability_falls_with_range_cover_and_darkness(kit, night):
    d, sensor, cover, vis = 1.0, 2.0, 0.3, (0.5 if night else 1.0)
    model = _world(kit, {"units.a.sensor_range_km": sensor, "units.e.cover": cover,
                         "units.b.count": 0, "environment.night_hours": 24 if night else 0,
                         "environment.night_visibility": 0.5},
                   xy=((-0.5, 0.0), (0.5, 0.0)))
    seen = np.mean([_pair(c, 0, 1) is not None for c in _looks(model)])
    assert _within(seen, vis * (1 - cover) * (1 - (d / sensor) ** 2)), seen


def test_nothing_is_detected_beyond_sensor_range(kit):
    model = _world(kit, {"units.a.sensor_range_km": 0.9, "units.b.count": 0},
                   xy=((-0.5, 0.0), (0.5, 0.0)))
    assert all(_pair(c, 0, 1) is None for c in _looks(model, n=200))


def test_position_error_grows_with_range_and_darkness(kit):
    pe, sensor, d = 0.05, 2.0, 1.0
    for night, vis in ((False, 1.0), (True, 0.5)):
        model = _world(kit, {"units.a.sensor_range_km": sensor, "units.e.cover": 0.0,
                             "units.b.count": 0, "identification.position_error_km": pe,
                             "environment.night_hours": 24 if night else 0,
                             "environment.night_visibility": vis},
                       xy=((-0.5, 0.0), (0.5, 0.0)))
        errs = np.array([c.seen_at[r] - [0.5, 0.0] for c in _looks(model)
                         if (r := _pair(c, 0, 1)) is not None])
        sigma = pe * (1 + d / sensor) / vis
        m = errs.size                         # both axes pooled
        assert abs(errs.std() - sigma) < Z * sigma / np.sqrt(2 * m)
        assert np.abs(errs.mean(axis=0)).max() < Z * sigma / np.sqrt(len(errs))


# --- correlation, identification, challenge, ROE -----------------------------------------

#: Fire at anything unidentified, at once.
TRIGGER_HAPPY = {f"nations.{n}.roe.{k}": 1.0 for n in "ABE"
                 for k in ("engage_forward", "engage_unidentified", "engage_failed_challenge")}


def test_a_friend_correlated_with_the_picture_is_never_engaged(kit):
    model = _world(kit, {**TRIGGER_HAPPY, "identification.position_error_km": 0.0,
                         "nations.A.training": 0.0, "units.a.cover": 0.0,
                         "units.b.cover": 0.0}, perfect=True)
    looks = _looks(model, n=500)
    rows = [(c, r) for c in looks if (r := _pair(c, A, B)) is not None]
    assert len(rows) > 400
    assert not any(c.hostile[r] for c, r in rows)


def test_visual_identification_probability(kit):
    """ROE holds fire on anything unidentified and there is no challenge: an enemy is
    engaged exactly when identified, P = training x markings x visibility x exp(-d/range)."""
    hold = {f"nations.A.roe.{k}": 0.0 for k in ("engage_forward", "engage_unidentified",
                                                 "engage_failed_challenge")}
    model = _world(kit, {**hold, "identification.challenge_range_km": 0.0,
                         "nations.A.training": 0.8, "nations.E.markings": 0.7,
                         "identification.visual_range_km": 0.8, "units.e.cover": 0.0,
                         "units.b.count": 0},
                   xy=((-0.5, 0.0), (0.5, 0.0)))
    rows = [(c, r) for c in _looks(model) if (r := _pair(c, 0, 1)) is not None]
    hostile = np.mean([c.hostile[r] for c, r in rows])
    assert _within(hostile, 0.8 * 0.7 * np.exp(-1.0 / 0.8), len(rows)), hostile


def test_an_identified_friend_is_spared_even_under_a_trigger_happy_roe(kit):
    """Not in the picture and beyond challenge range, a friend is engaged unless identified."""
    model = _world(kit, {**TRIGGER_HAPPY, "identification.challenge_range_km": 0.0,
                         "nations.A.training": 0.9, "nations.B.markings": 0.6,
                         "units.b.cover": 0.0})
    rows = [(c, r) for c in _looks(model) if (r := _pair(c, A, B)) is not None]
    hostile = np.mean([c.hostile[r] for c, r in rows])
    assert _within(hostile, 1 - 0.9 * 0.6 * np.exp(-0.5 / 0.8), len(rows)), hostile


@pytest.mark.parametrize(("b_languages", "signal", "p_understood"), [
    ({"beta": 1.0, "alpha": 0.3}, 0.0, 0.3),      # A's alpha, B's weak alpha
    ({"beta": 1.0, "alpha": 0.3}, 0.8, 0.8),      # an agreed signal does better
    ({"alpha": 1.0}, 0.0, 1.0),                   # one language: always understood
    ({"beta": 1.0}, 0.0, 0.0),                    # nothing in common
])
def test_a_challenged_friend_is_understood_with_the_challenge_probability(
        kit, b_languages, signal, p_understood):
    model = _world(kit, {**TRIGGER_HAPPY, "nations.A.training": 0.0, "units.b.cover": 0.0,
                         "nations.B.languages": b_languages, "links.AB.challenge_signal": signal,
                         "identification.challenge_range_km": 0.7})
    rows = [(c, r) for c in _looks(model) if (r := _pair(c, A, B)) is not None]
    failed = np.array([c.challenge_failed[r] for c, r in rows])
    hostile = np.array([c.hostile[r] for c, r in rows])
    assert _within(failed.mean(), 1 - p_understood, len(rows)), failed.mean()
    np.testing.assert_array_equal(hostile, failed)    # failed -> engaged (P 1); understood -> not


def test_an_enemy_always_fails_the_challenge(kit):
    model = _world(kit, {**TRIGGER_HAPPY, "nations.A.training": 0.0, "units.e.cover": 0.0,
                         "units.b.count": 0, "identification.challenge_range_km": 0.7},
                   xy=((-0.2, 0.0), (0.2, 0.0)))
    rows = [(c, r) for c in _looks(model, n=300) if (r := _pair(c, 0, 1)) is not None]
    assert rows and all(c.challenge_failed[r] and c.hostile[r] for c, r in rows)


def test_roe_rates_are_per_hour_and_compound_over_the_step(kit):
    p_h, dt = 0.5, 0.5
    model = _world(kit, {"dt_h": dt, "nations.A.training": 0.0, "units.b.cover": 0.0,
                         "nations.A.roe.engage_unidentified": p_h,
                         "nations.A.roe.engage_forward": 0.0,
                         "identification.challenge_range_km": 0.0})
    per_step = 1 - (1 - p_h) ** dt
    assert model.forces.engage_unidentified[A] == pytest.approx(per_step)
    rows = [(c, r) for c in _looks(model) if (r := _pair(c, A, B)) is not None]
    hostile = np.mean([c.hostile[r] for c, r in rows])
    assert _within(hostile, per_step, len(rows)), hostile


def test_contacts_beyond_the_front_line_fall_under_engage_forward(kit):
    """The same unidentified friend is engaged with ``engage_forward`` when it is seen in the
    enemy's zone and with ``engage_unidentified`` in the own zone."""
    roe = {"nations.A.training": 0.0, "units.b.cover": 0.0,
           "identification.challenge_range_km": 0.0, "nations.A.roe.engage_forward": 0.9,
           "nations.A.roe.engage_unidentified": 0.1}
    for x_b, p in ((0.3, 0.9), (-0.3, 0.1)):
        model = _world(kit, roe, xy=((-0.5, 0.0), (x_b, 0.0), (1.5, 5.0)))
        rows = [(c, r) for c in _looks(model) if (r := _pair(c, A, B)) is not None]
        hostile = np.mean([c.hostile[r] for c, r in rows])
        assert _within(hostile, p, len(rows)), (x_b, hostile)



@pytest.mark.parametrize("night", [False, True])
def test_visual_identification_is_harder_at_night(kit, night):
    """As above, by day and at night: P = training x markings x visibility x exp(-d/range),
    the contacts being those detected (at night fewer)."""
    hold = {f"nations.A.roe.{k}": 0.0 for k in ("engage_forward", "engage_unidentified",
                                                 "engage_failed_challenge")}
    vis = 0.5 if night else 1.0
    model = _world(kit, {**hold, "identification.challenge_range_km": 0.0,
                         "nations.A.training": 0.9, "nations.E.markings": 0.9,
                         "identification.visual_range_km": 2.0, "units.e.cover": 0.0,
                         "units.b.count": 0, "environment.night_hours": 24 if night else 0,
                         "environment.night_visibility": vis},
                   xy=((-0.5, 0.0), (0.5, 0.0)))
    rows = [(c, r) for c in _looks(model) if (r := _pair(c, 0, 1)) is not None]
    hostile = np.mean([c.hostile[r] for c, r in rows])
    assert _within(hostile, 0.9 * 0.9 * vis * np.exp(-1.0 / 2.0), len(rows)), hostile


def _entry(model, unit: int, xy, t: float = 12.0) -> None:
    """Publish an entry of A's HQ placing ``unit`` at ``xy``, observed at ``t``."""
    p = model.pictures
    p.live.pos[A, unit] = xy
    p.live.time[A, unit] = t
    p._publish(t, np.array([A]))


#: Nothing identifies, nothing is challenged, sensors are exact, and anything
#: unidentified is engaged: a contact is spared exactly when it is correlated.
EXACT = {**TRIGGER_HAPPY, "nations.A.training": 0.0, "identification.challenge_range_km": 0.0,
         "identification.position_error_km": 0.0, "identification.gate_km": 0.3,
         "units.b.cover": 0.0, "units.e.cover": 0.0}


@pytest.mark.parametrize(("dx", "spared"), [(0.0, True), (0.29, True), (0.31, False),
                                            (0.6, False)])
def test_the_correlation_gate(kit, dx, spared):
    """A friend whose entry in A's picture is ``dx`` km off is taken for that friend (and
    spared) inside the 0.3 km gate, and engaged outside it."""
    model = _world(kit, EXACT)
    _entry(model, B, model.forces.pos[B] + [dx, 0.0])
    rows = [(c, r) for c in _looks(model, n=100) if (r := _pair(c, A, B)) is not None]
    assert len(rows) > 50
    assert [bool(c.hostile[r]) for c, r in rows] == [not spared] * len(rows)


def test_an_enemy_where_the_picture_shows_a_friend_is_a_missed_engagement(kit):
    model = _world(kit, EXACT, xy=((-0.5, 0.0), (-2.0, 9.0), (0.5, 0.0)))
    _entry(model, B, model.forces.pos[E] + [0.1, 0.1])
    rows = [(c, r) for c in _looks(model, n=100) if (r := _pair(c, A, E)) is not None]
    assert len(rows) > 50 and not any(c.hostile[r] for c, r in rows)
    model = _world(kit, EXACT, xy=((-0.5, 0.0), (-2.0, 9.0), (0.5, 0.0)))   # no entry there
    rows = [(c, r) for c in _looks(model, n=100) if (r := _pair(c, A, E)) is not None]
    assert rows and all(c.hostile[r] for c, r in rows)


def test_an_expired_entry_does_not_correlate(kit):
    """The entry is at the friend's true position but older than ``entry_expiry_h``."""
    model = _world(kit, {**EXACT, "identification.entry_expiry_h": 2.0})
    _entry(model, B, model.forces.pos[B], t=9.5)
    p = model.pictures
    p._publish(12.0, np.array([], dtype=int))
    rows = [(c, r) for c in _looks(model, t=12.0, n=100) if (r := _pair(c, A, B)) is not None]
    assert rows and all(c.hostile[r] for c, r in rows)
    p._publish(11.0, np.array([], dtype=int))               # 1.5 h old: current
    rows = [(c, r) for c in _looks(model, t=11.0, n=100) if (r := _pair(c, A, B)) is not None]
    assert rows and not any(c.hostile[r] for c, r in rows)


@pytest.mark.parametrize(("challenge_range", "challenged"), [(0.5, False), (0.5 + 1e-9, True),
                                                             (0.3, False), (2.0, True)])
def test_only_a_contact_closer_than_the_challenge_range_is_challenged(
        kit, challenge_range, challenged):
    """B is 0.5 km from A and shares no language with it: a challenge always fails."""
    model = _world(kit, {**TRIGGER_HAPPY, "nations.A.training": 0.0, "units.b.cover": 0.0,
                         "nations.B.languages": {"beta": 1.0},
                         "identification.challenge_range_km": challenge_range})
    rows = [(c, r) for c in _looks(model, n=100) if (r := _pair(c, A, B)) is not None]
    assert len(rows) > 50
    assert all(c.challenge_failed[r] == challenged and c.hostile[r] for c, r in rows)


@pytest.mark.parametrize("dt", [1.0, 0.5])
def test_a_failed_challenge_is_engaged_with_engage_failed_challenge_per_step(kit, dt):
    p_h = 0.4
    model = _world(kit, {"dt_h": dt, "nations.A.training": 0.0, "units.e.cover": 0.0,
                         "units.b.count": 0, "identification.challenge_range_km": 2.0,
                         "nations.A.roe.engage_failed_challenge": p_h,
                         "nations.A.roe.engage_forward": 1.0,
                         "nations.A.roe.engage_unidentified": 1.0},
                   xy=((-0.5, 0.0), (0.5, 0.0)))
    rows = [(c, r) for c in _looks(model) if (r := _pair(c, 0, 1)) is not None]
    assert all(c.challenge_failed[r] for c, r in rows)
    hostile = np.mean([c.hostile[r] for c, r in rows])
    assert _within(hostile, 1 - (1 - p_h) ** dt, len(rows)), hostile
