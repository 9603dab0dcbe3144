"""Strike drones (sim/model/drones.py): search, identification from above, clearance,
strike.

A's drone teams answer the calls given them by hand; rows: a-001, a-002 (A), b-001,
b-002 (B), e-001, e-002 (E). Noon (t = 12 h: visibility 1); units have no cover, so the
operator sees every unit in its footprint.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.drones import Calls
from sim.model.records import Fire

Z = 4.0
NOON = 12.0
DRONES = {"nations.A.drone_strikes_per_h": 50.0, "units.a.cover": 0.0, "units.b.cover": 0.0,
          "units.e.cover": 0.0, "drones.footprint_km": 0.3, "drones.engage_unidentified": 1.0}
# a-001 caller, a-002 far, b-001 on its own, b-002 far, e-001 the enemy, e-002 far
XY = [(-0.5, 0.0), (-5.0, 20.0), (0.0, 3.0), (-5.0, 30.0), (0.3, 0.0), (5.0, 40.0)]


def _model(kit, put, changes=None, *, perfect=False):
    model = kit.model(kit.tiny({**DRONES, **(changes or {})}), perfect=perfect)
    put(model, XY)
    return model


def _calls(model, grid, caller=0, called=4, supplier=0):
    nation = model.forces.nation[caller]
    return Calls(np.array([nation]), np.array([supplier]),
                 np.asarray([grid], float), np.array([False]), np.array([called]),
                 np.array([False]), np.array([NOON]), np.array([NOON]))


def _answer(model, grid, seed=0, t=NOON, **kw):
    model.drones.answer(t, 1.0, _calls(model, grid, **kw), np.random.default_rng(seed))


def _casualties(f, unit):
    return int(f.killed[unit] + f.wounded[unit])


def test_a_drone_strikes_the_enemy_at_the_called_grid(kit, put):
    """Surprised (never under fire) soldiers in the open: Poisson(casualties_per_strike)."""
    model = _model(kit, put, {"drones.casualties_per_strike": 2.0,
                              "units.e.strength": 5000})
    f, n = model.forces, 400
    for k in range(n):
        f.under_fire_h[4] = -np.inf
        f.strength[4] = 5000
        _answer(model, XY[4], seed=k)
    assert model.drones.strikes == n
    got = _casualties(f, 4)
    assert abs(got / n - 2.0) < Z * np.sqrt(2.0 / n)
    assert model.ledger.inflicted[4] == got and f.fired_on[4]


def test_no_sortie_when_no_unit_is_in_the_footprint(kit, put):
    model = _model(kit, put)
    _answer(model, (2.0, 10.0))
    assert model.drones.strikes == 0


def test_an_identified_friend_is_spared_and_an_unidentified_one_struck(kit, put):
    """From above, training x markings x visibility: 1 spares the friend b-001; 0 leaves it
    unidentified, not in A's picture (no reports cross), so it is struck: an incident by
    drone, indirect fire."""
    spare = _model(kit, put, {"nations.A.training": 1.0, "nations.B.markings": 1.0})
    _answer(spare, XY[2], called=2)
    assert spare.drones.strikes == 0
    strike = _model(kit, put, {"nations.A.training": 0.0, "links.AB.delivery": 0.0})
    _answer(strike, XY[2], called=2)
    assert strike.drones.strikes == 1
    [inc] = strike.ledger.incidents
    assert (inc.weapon, inc.fire, inc.shooter_unit, inc.target_unit) == (
        "drone", Fire.INDIRECT, "A-drones", strike.forces.names[2])
    assert inc.killed + inc.wounded == strike.ledger.friendly_fire[2]


def test_vehicles_tell_the_side_with_vehicle_recognition(kit, put):
    """Training 0: only the vehicles' type can identify b-001 (2 vehicles)."""
    changes = {"nations.A.training": 0.0, "links.AB.delivery": 0.0, "units.b.vehicles": 2}
    model = _model(kit, put, {**changes, "drones.vehicle_recognition": 1.0})
    _answer(model, XY[2], called=2)
    assert model.drones.strikes == 0
    model = _model(kit, put, {**changes, "drones.vehicle_recognition": 0.0})
    _answer(model, XY[2], called=2)
    assert model.drones.strikes == 1


def test_a_friend_in_the_drone_hqs_picture_is_spared(kit, put):
    """Perfect comms: A's picture holds b-001 where it is, so the operator holds fire."""
    model = _model(kit, put, {"nations.A.training": 0.0}, perfect=True)
    model.pictures.exchange(0.0, 1.0, model.streams.at("communication", 0))
    _answer(model, XY[2], called=2)
    assert model.drones.strikes == 0


def test_a_strike_destroys_a_vehicle_with_its_occupants(kit, put):
    """e-001 does not expect fire: one of its vehicles is hit, its 3 occupants out of action."""
    model = _model(kit, put, {"units.e.vehicles": 2, "drones.occupants": 3})
    f = model.forces
    _answer(model, XY[4])
    assert f.vehicles[4] == 1 and _casualties(f, 4) == 3


def test_a_unit_that_expects_fire_is_struck_dismounted_in_cover(kit, put):
    """Fired on an hour ago, e-001 has its vehicles hidden and its soldiers in cover: the
    strike destroys no vehicle (protection 0: no casualty either)."""
    model = _model(kit, put, {"units.e.vehicles": 2, "units.e.protection": 0.0})
    f = model.forces
    f.under_fire_h[4] = NOON - 1.0
    _answer(model, XY[4])
    assert model.drones.strikes == 1 and f.vehicles[4] == 2 and _casualties(f, 4) == 0


@pytest.mark.parametrize(("fired_on_h", "mean", "killed"), [(None, 2.0, 0.5), (11.0, 0.5, 0.1)])
def test_an_alert_unit_is_struck_in_cover(kit, put, fired_on_h, mean, killed):
    """Fired on an hour ago, e-001 is in cover: Poisson(2 x protection 0.25), killed with
    ``killed_fraction``; never fired on, in the open, killed with the exposed fraction."""
    model = _model(kit, put, {"drones.casualties_per_strike": 2.0, "units.e.protection": 0.25,
                              "drones.killed_fraction": 0.1,
                              "drones.killed_fraction_exposed": 0.5,
                              "units.e.strength": 5000})
    f, n = model.forces, 1500
    for k in range(n):
        f.under_fire_h[4] = -np.inf if fired_on_h is None else fired_on_h
        f.strength[4] = 5000
        _answer(model, XY[4], seed=k)
    got = _casualties(f, 4)
    assert abs(got / n - mean) < Z * np.sqrt(mean / n)
    assert abs(f.killed[4] / got - killed) < Z * np.sqrt(killed * (1 - killed) / got)


# --- clearance across the link ---------------------------------------------------------------

# B's staff speak A's language: the request arrives as sent (garbling is its own test)
B_CALLS = {"nations.B.fire_support_from": "A", "nations.A.training": 0.0,
           "nations.B.languages": {"beta": 1.0, "alpha": 1.0},
           "links.AB.delivery": 1.0, "links.AB.latency_h": 0.01, "environment.jamming": 0.0}


def _picture(model, shows):
    """Stub the HQ pictures: HQ h shows a friend at each point of ``shows[h]`` (a list of
    (x, y) km); a point correlates within ``radius`` of one."""
    def correlates(hq, points, radius):
        return np.array([any(np.hypot(*(np.asarray(p) - np.asarray(q))) <= radius
                             for q in shows[int(h)]) for h, p in zip(hq, points, strict=True)])
    model.pictures.correlates = correlates


@pytest.mark.parametrize(("b_shows", "struck"), [
    ([XY[2]], False),                                  # b-001 where it is: denied
    ([(XY[2][0] + 0.45, XY[2][1])], False),            # within the 0.5 km no-fire radius
    ([(XY[2][0] + 0.6, XY[2][1])], True),              # beyond it: cleared
    ([], True)])                                       # nothing there: cleared
def test_a_strike_on_an_allys_call_needs_its_hqs_clearance(kit, put, b_shows, struck):
    """b-002 (B) calls; A's drone finds b-001 unidentified and not in A's picture. B's HQ
    denies the strike when its own picture shows a friend within the no-fire radius
    (0.5 km) of the grid, clears it if not."""
    model = _model(kit, put, {**B_CALLS, "drones.strike_uncleared": 0.0,
                              "indirect_fire.no_fire_radius_km": 0.5})
    _picture(model, {0: [], 1: b_shows, 2: []})
    _answer(model, XY[2], caller=3, called=2)
    assert model.drones.strikes == int(struck)


@pytest.mark.parametrize(("changes", "anyway", "struck"), [
    ({"links.AB.delivery": 0.0}, 1.0, True),       # no answer: strikes anyway
    ({"links.AB.delivery": 0.0}, 0.0, False),      # no answer: holds
    ({"links.AB.latency_h": 5.0}, 0.0, False),     # the answer comes after the drone left
])
def test_without_an_answer_in_time_the_operator_strikes_with_p_strike_uncleared(
        kit, put, changes, anyway, struck):
    model = _model(kit, put, {**B_CALLS, **changes, "drones.strike_uncleared": anyway,
                              "drones.loiter_h": 0.5})
    _picture(model, {0: [], 1: [XY[2]], 2: []})          # B would deny it
    _answer(model, XY[2], caller=3, called=2)
    assert model.drones.strikes == int(struck)


def test_drones_take_only_the_calls_the_artillery_left(kit, put):
    """With missions for every call, the artillery takes them all and no call is left."""
    from sim.model.sensing import Contacts

    model = _model(kit, put, {"nations.A.fire_missions_per_h": 50.0,
                              "nations.A.report_delivery": 1.0,
                              "indirect_fire.call_prob_per_h": 1.0})
    f = model.forces
    contact = Contacts(observer=np.array([0]), target=np.array([4]), distance=np.array([0.8]),
                       seen_at=f.pos[[4]].copy(), hostile=np.array([True]),
                       challenge_failed=np.array([False]))
    left = model.indirect_fire.step(NOON, 1.0, contact, np.random.default_rng(0))
    assert left.size == 0 and model.indirect_fire.missions_fired == 1
    model = _model(kit, put, {"nations.A.fire_missions_per_h": 0.0,
                              "nations.A.report_delivery": 1.0,
                              "indirect_fire.call_prob_per_h": 1.0})
    left = model.indirect_fire.step(NOON, 1.0, contact, np.random.default_rng(0))
    assert left.caller_nation.tolist() == [0] and left.called.tolist() == [4]


def test_a_garbled_request_is_checked_at_the_wrong_place(kit, put, monkeypatch):
    """Across no shared language the request arrives garbled: B's HQ checks a grid 5 km off,
    finds no friend there and clears the strike on its own b-001."""
    model = _model(kit, put, {**B_CALLS, "nations.B.languages": {"beta": 1.0},
                              "identification.garble_noticed": 0.0,
                              "drones.strike_uncleared": 0.0})
    _picture(model, {0: [], 1: [XY[2]], 2: []})
    net = model.network
    monkeypatch.setattr(net, "garbled_grids", lambda xy, garbled, u: np.asarray(xy) + 5.0 *
                        np.asarray(garbled, float)[:, None])
    _answer(model, XY[2], caller=3, called=2)
    assert model.drones.strikes == 1


# --- hunting the grey zone ------------------------------------------------------------

HUNT = {"nations.A.drone_strikes_per_h": 0.0, "drones.hunt_band_km": 1.0,
        "drones.feed_delay_h": 0.05}


def _hunt(model, seed=0, t=NOON, dt=1.0):
    return model.drones.hunt(t, dt, np.random.default_rng(seed))


def _aim(model, monkeypatch, point):
    """Every hunting sortie of the model searches ``point``."""
    real = model.drones._over_grey_zone

    def aimed(dt, keys):
        sorties = real(dt, keys)
        return sorties._replace(x=np.full(sorties.size, float(point[0])),
                                y=np.full(sorties.size, float(point[1])))

    monkeypatch.setattr(model.drones, "_over_grey_zone", aimed)


@pytest.mark.parametrize("dt", [1.0, 0.25])
def test_hunting_sorties_search_the_grey_zone_over_the_nations_front(kit, put, monkeypatch,
                                                                      dt):
    """Poisson(drone_hunts_per_h x dt) sorties a step, each over a point within
    hunt_band_km of the front line (x = 0) and between A's first and last unit at the front
    (y 0 to 20 km here)."""
    rate = 3.0
    model = _model(kit, put, {**HUNT, "nations.A.drone_hunts_per_h": rate})
    drones, flown = model.drones, []
    real = drones._over_grey_zone

    def record(dt, keys):
        flown.append(real(dt, keys))
        return flown[-1]

    monkeypatch.setattr(drones, "_over_grey_zone", record)
    n = 1500
    for k in range(n):
        _hunt(model, seed=k, dt=dt)
    nations = np.concatenate([s.nation for s in flown])
    xy = np.column_stack([np.concatenate([s.x for s in flown]),
                          np.concatenate([s.y for s in flown])])
    assert set(nations.tolist()) == {0}
    mean = rate * dt
    assert abs(nations.size / n - mean) < Z * np.sqrt(mean / n)
    assert np.abs(xy[:, 0]).max() <= 1.0 and xy[:, 0].min() < -0.9 and xy[:, 0].max() > 0.9
    assert xy[:, 1].min() >= 0.0 and xy[:, 1].max() <= 20.0 and xy[:, 1].max() > 19.0


def test_no_hunt_over_a_front_the_nation_does_not_hold(kit, put):
    model = _model(kit, put, {**HUNT, "nations.A.drone_hunts_per_h": 50.0})
    model.forces.strength[[0, 1]] = 0                  # A has no unit in the fight
    assert model.drones._over_grey_zone(1.0, np.arange(2, dtype=np.uint64)).size == 0
    _hunt(model)
    assert model.drones.strikes == 0


def test_a_hunt_strikes_what_it_judges_hostile_without_clearance(kit, put, monkeypatch):
    """A's hunting drone over b-001 (an ally it cannot identify and its HQ's picture does
    not show) strikes it, though B's HQ would deny the strike: a hunt asks no one. The
    incident is a drone's, judged against A's picture."""
    model = _model(kit, put, {**HUNT, "nations.A.drone_hunts_per_h": 50.0,
                              "nations.A.training": 0.0})
    _picture(model, {0: [], 1: [XY[2]], 2: []})
    _aim(model, monkeypatch, XY[2])
    calls = _hunt(model, seed=1)
    assert model.drones.strikes >= 1 and calls.size == 0
    inc = model.ledger.incidents[0]
    assert (inc.shooter_unit, inc.target_unit, inc.weapon) == ("A-drones", "b-001", "drone")
    assert inc.fire == Fire.INDIRECT


def test_a_reconnaissance_sortie_calls_fire_where_it_saw_its_target(kit, put, monkeypatch):
    """No strike: a call from A's HQ on e-001, with the grid where e-001
    was seen, leaving feed_delay_h after the sighting, to A's guns (no link: not garbled)."""
    model = _model(kit, put, {**HUNT, "nations.A.drone_recon_per_h": 3.0})
    _aim(model, monkeypatch, XY[4])
    calls = _hunt(model, seed=2)
    assert model.drones.strikes == 0 and calls.size == model.drones.recon_calls >= 1
    assert calls.caller_nation.tolist() == [0] * calls.size
    assert calls.called.tolist() == [4] * calls.size and not calls.garbled.any()
    assert np.allclose(calls.grid, model.forces.pos[4])
    assert np.allclose(calls.sent_h, NOON + 0.05) and (calls.arrive_h >= calls.sent_h).all()


def test_a_reconnaissance_call_is_fired_like_any_call(kit, put, monkeypatch):
    """The call goes to the guns' flow (IndirectFire.call) and A's artillery fires it."""
    model = _model(kit, put, {**HUNT, "nations.A.drone_recon_per_h": 3.0,
                              "nations.A.fire_missions_per_h": 50.0,
                              "indirect_fire.no_fire_radius_km": 0.0})
    _aim(model, monkeypatch, XY[4])
    calls = _hunt(model, seed=2)
    fire = model.indirect_fire
    fire.call(calls.take(slice(0, 1)))
    from sim.model.sensing import Contacts
    none = Contacts(observer=np.zeros(0, np.int64), target=np.zeros(0, np.int64),
                    distance=np.zeros(0), seen_at=np.zeros((0, 2)), hostile=np.zeros(0, bool),
                    challenge_failed=np.zeros(0, bool))
    fire.step(NOON + 1.0, 1.0, none, np.random.default_rng(0))
    assert fire.missions_fired == 1 and fire.in_flight.size == 0


def test_a_reconnaissance_call_goes_to_the_supporting_nations_hq(kit, put, monkeypatch):
    """A's fires come from B: the call crosses the A-B link (its latency), to B's guns."""
    model = _model(kit, put, {**HUNT, "nations.A.drone_recon_per_h": 3.0,
                              "nations.A.fire_support_from": "B", "links.AB.delivery": 1.0,
                              "links.AB.latency_h": 1.0, "links.AB.interpreters": 0,
                              "nations.B.languages": {"alpha": 1.0}})
    _aim(model, monkeypatch, XY[4])
    calls = _hunt(model, seed=2)
    assert calls.size >= 1 and calls.supplier.tolist() == [1] * calls.size
    assert calls.caller_nation.tolist() == [0] * calls.size
    assert (calls.arrive_h > calls.sent_h).all()


def test_a_steps_sorties_all_look_then_strike_in_order(kit, put):
    """Two sorties on calls at e-001's grid, which has one soldier left: both see it (they
    look at once), the first strike puts it out of action and the second finds no one
    left to hit (a unit struck twice loses at most its strength)."""
    model = _model(kit, put, {"drones.casualties_per_strike": 50.0})
    f = model.forces
    f.strength[4] = 1
    two = Calls(*(np.concatenate([a, a]) for a in _calls(model, XY[4])))
    model.drones.answer(NOON, 1.0, two, np.random.default_rng(0))
    assert model.drones.strikes == 2
    assert f.strength[4] == 0 and _casualties(f, 4) == 1


def test_one_nations_hunting_sorties_do_not_shift_anothers(kit, put):
    """Keyed draws: A (first in the table) flying more sorties leaves B's sorties (points
    and keys) as they were."""
    keys = np.array([3, 4], dtype=np.uint64)
    flown = []
    for a_rate in (0.0, 20.0):
        model = _model(kit, put, {**HUNT, "nations.A.drone_hunts_per_h": a_rate,
                                  "nations.B.drone_hunts_per_h": 6.0})
        sorties = model.drones._over_grey_zone(1.0, keys)
        mine = sorties.nation == 1
        flown.append((sorties.x[mine], sorties.y[mine], sorties.key[mine]))
        assert (sorties.nation == 0).any() == (a_rate > 0)
    for quiet, busy in zip(*flown, strict=True):
        assert quiet.size and np.array_equal(quiet, busy)


def test_taking_calls_by_a_mask_copies_nothing_when_it_keeps_all_or_none():
    from sim.model.drones import joined, no_calls

    calls = Calls(np.array([0, 1, 2]), np.array([2, 2, 2]), np.arange(6.0).reshape(3, 2),
                  np.array([False, True, False]), np.array([5, 6, 7]),
                  np.zeros(3, bool), np.zeros(3), np.array([1.0, 2.0, 3.0]))
    assert calls.take(np.ones(3, bool)) is calls
    assert calls.take(np.zeros(3, bool)).size == 0
    some = calls.take(np.array([True, False, True]))
    assert some.called.tolist() == [5, 7] and some.grid.tolist() == [[0.0, 1.0], [4.0, 5.0]]
    assert calls.take(np.array([2, 0])).called.tolist() == [7, 5]
    assert joined([no_calls(), calls]) is calls
    both = joined([calls, some])
    assert both.called.tolist() == [5, 6, 7, 5, 7] and both.grid.shape == (5, 2)
