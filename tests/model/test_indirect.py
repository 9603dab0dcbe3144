"""Indirect fire (sim/model/indirect.py): calls for fire, fire-support coordination, effects.

A's unit a-001 holds a hostile contact on the enemy e-001 and calls for fire every step;
whoever supports A fires up to Poisson(50 dt) missions a step (P(none) = e^-50), so each
step with a call that gets through fires exactly one mission.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.records import Cause
from sim.model.sensing import Contacts

Z = 4.0
CALLS = {"nations.A.fire_missions_per_h": 50.0, "nations.B.fire_missions_per_h": 50.0,
         "nations.A.report_delivery": 1.0, "environment.jamming": 0.0,
         "indirect_fire.call_prob_per_h": 1.0, "indirect_fire.dispersion_km": 0.0,
         "nations.A.report_latency_h": 0.01}   # a call arrives within its step
# rows: a-001 caller, a-002 far away, b-001 a friend near the target, b-002 far, e-001, e-002
XY = [(-0.5, 0.0), (-5.0, 20.0), (0.0, 0.5), (-5.0, 30.0), (0.3, 0.0), (5.0, 40.0)]


def _setup(kit, put, changes=None, *, perfect=False, xy=XY):
    model = kit.model(kit.tiny({**CALLS, **(changes or {})}), perfect=perfect)
    put(model, xy)
    model.pictures.exchange(0.0, 1.0, model.streams.at("communication", 0))
    return model


def _call(model, t: float = 1.0, seed: int = 0) -> None:
    f = model.forces
    contact = Contacts(observer=np.array([0]), target=np.array([4]), distance=np.array([0.8]),
                       seen_at=f.pos[[4]].copy(), hostile=np.array([True]),
                       challenge_failed=np.array([False]))
    model.indirect_fire.step(t, 1.0, contact, np.random.default_rng(seed))


def test_perfect_comms_delivers_every_call_for_fire(kit, put):
    """docs/contract.md: under perfect_comms every message is delivered; a call for fire is one."""
    model = _setup(kit, put, {"nations.A.report_delivery": 0.0}, perfect=True)
    _call(model)
    assert model.indirect_fire.missions_fired == 1


def test_calls_over_the_caller_radio_are_lost_with_its_reliability(kit, put):
    """Each send gets through with P 0.6, and a call is repeated until acknowledged, up to
    ``messaging.max_attempts`` sends: it is lost with P 0.4^attempts. (A call repeated
    often arrives after its step: it is still in flight, not lost.)"""
    for attempts in (1, 3):
        model = _setup(kit, put, {"nations.A.report_delivery": 0.6,
                                  "indirect_fire.effect_radius_km": 0.0,
                                  "indirect_fire.call_expiry_h": 100.0,
                                  "messaging.max_attempts": attempts})
        n = 2000
        for k in range(n):
            _call(model, seed=k)
        fire = model.indirect_fire
        got = (fire.missions_fired + fire.in_flight.size) / n
        p = 1 - 0.4 ** attempts
        assert abs(got - p) < Z * np.sqrt(p * (1 - p) / n)


def test_casualties_of_a_mission_are_binomial_in_the_effect_radius(kit, put):
    q = 0.05
    model = _setup(kit, put, {"indirect_fire.effect_radius_km": 0.1,
                              "indirect_fire.casualty_fraction": q, "units.e.strength": 1000})
    f = model.forces
    n, lost = 200, 0
    for k in range(n):
        f.strength[4] = 1000
        before = f.killed[4] + f.wounded[4]
        _call(model, seed=k)
        lost += f.killed[4] + f.wounded[4] - before
    assert model.indirect_fire.missions_fired == n
    trials = n * 1000
    assert abs(lost / trials - q) < Z * np.sqrt(q * (1 - q) / trials)
    assert f.strength[0] == f.initial[0] and f.strength[2] == f.initial[2]   # outside radius


def test_no_fire_area_around_a_friend_in_the_picture_cancels_the_mission(kit, put):
    xy = [(-0.5, 0.0), (-5.0, 20.0), (0.1, 0.2), (-5.0, 30.0), (0.3, 0.0), (5.0, 40.0)]
    model = _setup(kit, put, {"indirect_fire.no_fire_radius_km": 0.4,
                              "indirect_fire.effect_radius_km": 0.5}, perfect=True, xy=xy)
    for k in range(20):
        _call(model, t=1.0 + k, seed=k)
    assert model.indirect_fire.missions_fired == 0
    assert model.ledger.incidents == []


def test_no_fire_area_is_only_as_good_as_the_picture(kit, put):
    """B's reports never arrive, so A's picture has no B unit by the target: the mission is
    fired, hits b-001 beside the enemy, and the incident is blamed on the lost reports."""
    xy = [(-0.5, 0.0), (-5.0, 20.0), (0.1, 0.2), (-5.0, 30.0), (0.3, 0.0), (5.0, 40.0)]
    model = _setup(kit, put, {"nations.B.report_delivery": 0.0,
                              "indirect_fire.no_fire_radius_km": 0.4,
                              "indirect_fire.effect_radius_km": 0.5}, xy=xy)
    for k in range(1, 5):                       # every unit has reported (and B's were lost)
        model.pictures.exchange(float(k), 1.0, model.streams.at("communication", k))
    _call(model, t=4.0)
    assert model.indirect_fire.missions_fired == 1
    (inc,) = model.ledger.incidents
    assert (inc.shooter_nation, inc.target_unit) == ("A", model.forces.names[2])
    assert inc.cause is Cause.REPORT_LOST and inc.fire == "indirect"


def test_calls_go_to_the_supporting_nation(kit, put):
    """A's calls answered by B's artillery: B fires, B is the shooter of any incident."""
    xy = [(-0.5, 0.0), (-5.0, 20.0), (0.1, 0.2), (-5.0, 30.0), (0.3, 0.0), (5.0, 40.0)]
    model = _setup(kit, put, {"nations.A.fire_support_from": "B",
                              "nations.A.fire_missions_per_h": 0.0,
                              "nations.B.languages": {"alpha": 1.0}, "links.AB.delivery": 1.0,
                              "indirect_fire.no_fire_radius_km": 0.0,
                              "indirect_fire.effect_radius_km": 0.5}, perfect=True, xy=xy)
    _call(model)
    assert model.indirect_fire.missions_fired == 1
    assert {i.shooter_nation for i in model.ledger.incidents} == {"B"}


def _hits_on_the_target(model, n: int, dt: float = 1.0) -> np.ndarray:
    """``n`` calls on e-001 (it and the caller a-001, which a wide miss can hit, reset to
    full strength each time); did the mission hit it?"""
    f = model.forces
    hit = np.zeros(n, bool)
    for k in range(n):
        f.strength[[0, 4]] = f.initial[[0, 4]]
        before = f.killed[4] + f.wounded[4]
        contact = Contacts(observer=np.array([0]), target=np.array([4]),
                           distance=np.array([0.8]), seen_at=f.pos[[4]].copy(),
                           hostile=np.array([True]), challenge_failed=np.array([False]))
        model.indirect_fire.step(1.0 + k, dt, contact, np.random.default_rng([7, k]))
        hit[k] = f.killed[4] + f.wounded[4] > before
    return hit


def test_a_mission_lands_off_its_grid_by_a_normal_aim_error(kit, put):
    """The grid is exact; a normal aim error of sd s per axis puts the impact within r of it
    with P 1 - exp(-r^2 / 2 s^2), and every soldier in the radius is a casualty here."""
    s, r = 0.2, 0.2
    model = _setup(kit, put, {"indirect_fire.dispersion_km": s,
                              "indirect_fire.effect_radius_km": r,
                              "indirect_fire.casualty_fraction": 1.0})
    n = 1000
    hit = _hits_on_the_target(model, n)
    assert model.indirect_fire.missions_fired == n
    p = 1 - np.exp(-r**2 / (2 * s**2))
    assert abs(hit.mean() - p) < Z * np.sqrt(p * (1 - p) / n), hit.mean()


@pytest.mark.parametrize("dt", [1.0, 0.5])
def test_a_nation_fires_at_most_poisson_missions_per_step(kit, put, dt):
    """One call a step that always gets through: a mission is fired unless
    Poisson(fire_missions_per_h x dt) is 0, so with P 1 - exp(-rate x dt)."""
    rate = 1.4
    model = _setup(kit, put, {"dt_h": dt, "nations.A.fire_missions_per_h": rate,
                              "indirect_fire.effect_radius_km": 0.0})
    fires = model.indirect_fire                         # a call every step, whatever dt
    fires.cfg = fires.cfg.model_copy(update={"call_prob_per_h": 1.0 / dt})
    n = 1500
    for k in range(n):
        _step(model, [0], [4], dt, seed=k)
    p = 1 - np.exp(-rate * dt)
    fired = model.indirect_fire.missions_fired / n
    assert abs(fired - p) < Z * np.sqrt(p * (1 - p) / n), fired


def _step(model, callers, targets, dt, seed):
    f = model.forces
    contact = Contacts(observer=np.array(callers), target=np.array(targets),
                       distance=np.full(len(callers), 0.8), seen_at=f.pos[targets].copy(),
                       hostile=np.ones(len(callers), bool),
                       challenge_failed=np.zeros(len(callers), bool))
    model.indirect_fire.step(1.0, dt, contact, np.random.default_rng([11, seed]))


def test_a_unit_calls_for_fire_with_its_probability_per_hour(kit, put):
    p = 0.3
    model = _setup(kit, put, {"indirect_fire.call_prob_per_h": p,
                              "indirect_fire.effect_radius_km": 0.0})
    n = 2000
    for k in range(n):
        _step(model, [0], [4], 1.0, seed=k)
    fired = model.indirect_fire.missions_fired / n
    assert abs(fired - p) < Z * np.sqrt(p * (1 - p) / n), fired


def test_missions_go_to_calls_chosen_at_random(kit, put):
    """a-001 calls on e-001 and a-002 on e-002, every step; when exactly one mission is
    fired it lands on either target with P 1/2 (not on the first call)."""
    xy = [(-0.5, 0.0), (-0.5, 20.0), (-5.0, 50.0), (-5.0, 30.0), (0.3, 0.0), (0.3, 20.0)]
    model = _setup(kit, put, {"nations.A.fire_missions_per_h": 0.5,
                              "nations.A.report_delivery": 1.0,
                              "indirect_fire.effect_radius_km": 0.1,
                              "indirect_fire.casualty_fraction": 1.0}, xy=xy)
    f = model.forces
    first = second = 0
    for k in range(1500):
        f.strength[[4, 5]] = f.initial[[4, 5]]
        before = model.indirect_fire.missions_fired
        _step(model, [0, 1], [4, 5], 1.0, seed=k)
        if model.indirect_fire.missions_fired - before == 1:
            first += f.strength[4] == 0
            second += f.strength[5] == 0
    one = first + second
    assert one > 200                                    # P(one mission) = 0.5 e^-0.5 = 0.30
    assert abs(first / one - 0.5) < Z * np.sqrt(0.25 / one), (first, second)


@pytest.mark.parametrize(("quiet_h", "surprised"), [(None, True), (2.0, False), (7.0, True)])
def test_a_mission_catches_a_unit_in_the_open_unless_it_expects_fire(kit, put, quiet_h,
                                                                     surprised):
    """A's mission on enemy e-001 (protection 0.25): a unit never fired on, or last fired on
    more than ``surprise.alert_h`` (6 h) ago, loses the full casualty fraction, killed with
    ``killed_fraction_exposed``; one fired on 2 h ago is in cover: a quarter of it, killed
    with ``killed_fraction``."""
    q, kf, kfe = 0.05, 0.1, 0.5
    model = _setup(kit, put, {"indirect_fire.effect_radius_km": 0.1,
                              "indirect_fire.casualty_fraction": q,
                              "indirect_fire.killed_fraction": kf,
                              "indirect_fire.killed_fraction_exposed": kfe,
                              "units.e.strength": 1000, "units.e.protection": 0.25})
    f = model.forces
    n, lost, killed = 200, 0, 0
    t = 10.0
    for k in range(n):
        f.strength[4] = 1000
        f.under_fire_h[4] = -np.inf if quiet_h is None else t - quiet_h
        before, before_k = f.killed[4] + f.wounded[4], f.killed[4]
        _call(model, t=t, seed=k)
        lost += f.killed[4] + f.wounded[4] - before
        killed += f.killed[4] - before_k
        assert f.fired_on[4]                             # it expects the next one
        f.remember_fire(t)                               # from the end of the step
        assert f.under_fire_h[4] == t and not f.fired_on[4]
    p = q if surprised else q * 0.25
    trials = n * 1000
    assert abs(lost / trials - p) < Z * np.sqrt(p * (1 - p) / trials)
    share = kfe if surprised else kf
    assert abs(killed / lost - share) < Z * np.sqrt(share * (1 - share) / lost)


@pytest.mark.parametrize(("fired_on_h", "surprised"), [(0.5, False), (None, True)])
def test_fire_from_its_own_side_finds_an_alert_unit_in_cover(kit, put, fired_on_h,
                                                            surprised):
    """B's friend b-001 hit by A's mission: fired on half an hour ago it is in cover (dug in
    under fire, whoever fires next: protection 0 here, so no loss); never fired on it is
    caught in the open and loses the full casualty fraction."""
    q = 0.05
    model = _setup(kit, put, {"indirect_fire.effect_radius_km": 0.1,
                              "indirect_fire.casualty_fraction": q,
                              "units.b.strength": 1000, "units.b.protection": 0.0,
                              "indirect_fire.no_fire_radius_km": 0.0})
    f = model.forces
    f.anchor[2] = f.anchor[4]                            # b-001 stands on the target
    f.offset[2] = f.offset[4]
    n, lost = 100, 0
    for k in range(n):
        f.strength[2] = 1000
        f.under_fire_h[2] = -np.inf if fired_on_h is None else fired_on_h
        before = f.killed[2] + f.wounded[2]
        _call(model, seed=k)
        lost += f.killed[2] + f.wounded[2] - before
    trials = n * 1000
    if surprised:
        assert abs(lost / trials - q) < Z * np.sqrt(q * (1 - q) / trials)
    else:
        assert lost == 0


def _contact(model, target=4):
    f = model.forces
    return Contacts(observer=np.array([0]), target=np.array([target]),
                    distance=np.array([0.8]), seen_at=f.pos[[target]].copy(),
                    hostile=np.array([True]), challenge_failed=np.array([False]))


NONE = Contacts(observer=np.zeros(0, np.int64), target=np.zeros(0, np.int64),
                distance=np.zeros(0), seen_at=np.zeros((0, 2)), hostile=np.zeros(0, bool),
                challenge_failed=np.zeros(0, bool))


def test_a_call_is_fired_in_the_step_it_arrives(kit, put):
    """A call that takes over an hour on its way (the A-B link's latency, to B's guns) is
    in flight until the step in which it arrives, and fired then."""
    changes = {"nations.A.fire_support_from": "B", "links.AB.delivery": 1.0,
               "links.AB.latency_h": 2.5, "links.AB.interpreters": 0,
               "indirect_fire.call_expiry_h": 100.0, "nations.B.languages": {"alpha": 1.0},
               "indirect_fire.effect_radius_km": 0.1, "indirect_fire.no_fire_radius_km": 0.0}
    for seed in range(50):                     # the first seed whose call outlasts its step
        model = _setup(kit, put, changes)
        fire = model.indirect_fire
        fire.step(1.0, 1.0, _contact(model), np.random.default_rng(seed))
        if fire.in_flight.size:
            break
    (arrive,) = fire.in_flight.arrive_h
    assert fire.missions_fired == 0 and arrive > 2.0
    t = 2.0
    while fire.in_flight.size:
        assert fire.missions_fired == 0
        fire.step(t, 1.0, NONE, np.random.default_rng(4))
        t += 1.0
    assert fire.missions_fired == 1 and t - 1.0 <= arrive < t


@pytest.mark.parametrize(("expiry_h", "fired"), [(100.0, 1), (0.5, 0)])
def test_a_call_that_arrives_after_its_expiry_is_dropped(kit, put, expiry_h, fired):
    model = _setup(kit, put, {"nations.A.fire_support_from": "B", "links.AB.delivery": 1.0,
                              "links.AB.latency_h": 2.5, "links.AB.interpreters": 0,
                              "nations.B.languages": {"alpha": 1.0},
                              "indirect_fire.call_expiry_h": expiry_h,
                              "indirect_fire.no_fire_radius_km": 0.0})
    fire = model.indirect_fire
    fire.step(1.0, 1.0, _contact(model), np.random.default_rng(3))
    for k in range(60):
        fire.step(2.0 + k, 1.0, NONE, np.random.default_rng(k))
    assert fire.missions_fired == fired and fire.expired == 1 - fired


def test_a_late_mission_falls_where_the_target_was_seen(kit, put):
    """The target moves 1 km while the call is in flight: the mission lands at the old grid
    and hits the unit standing there now (B's b-001), not the target."""
    model = _setup(kit, put, {"nations.A.fire_support_from": "A",
                              "indirect_fire.effect_radius_km": 0.2,
                              "indirect_fire.casualty_fraction": 1.0,
                              "indirect_fire.no_fire_radius_km": 0.0})
    fire, f = model.indirect_fire, model.forces
    seen = _contact(model)
    fire.in_flight = fire._send(1.0, 1.0, seen, np.random.default_rng(0))
    fire.in_flight = fire.in_flight._replace(arrive_h=np.array([2.5]))
    f.anchor[4] += (1.0, 0.0)                         # e-001 moves away
    f.anchor[2] = f.pos[4] - (1.0, 0.0) - f.offset[2]  # b-001 stands where e-001 was
    fire.step(2.0, 1.0, NONE, np.random.default_rng(1))
    assert fire.missions_fired == 1
    assert f.strength[4] == f.initial[4] and f.strength[2] == 0
    (inc,) = model.ledger.incidents
    assert inc.target_unit == f.names[2] and inc.weapon == "artillery"


def test_a_steps_missions_land_in_order(kit, put):
    """Two missions on e-001 in one step, each putting every soldier in its radius out of
    action: the first takes them all and the second finds no one left (a unit hit twice
    loses a fraction of what the first mission left it)."""
    model = _setup(kit, put, {"indirect_fire.effect_radius_km": 0.1,
                              "indirect_fire.casualty_fraction": 1.0})
    f = model.forces
    _step(model, [0, 1], [4, 4], 1.0, seed=0)            # a-001 and a-002 both call
    assert model.indirect_fire.missions_fired == 2
    assert f.strength[4] == 0 and _casualties_of(f, 4) == f.initial[4]


def test_one_nations_missions_do_not_shift_anothers(kit, put):
    """Keyed draws: a call answered by A's guns (first in the table) in the same step
    leaves B's mission on e-002 (its aim and casualties) as it was."""
    changes = {"indirect_fire.effect_radius_km": 0.3, "indirect_fire.casualty_fraction": 0.3,
               "indirect_fire.dispersion_km": 0.1, "nations.B.fire_support_from": "B",
               "indirect_fire.no_fire_radius_km": 0.0}
    lost = []
    for callers, targets in (([2], [5]), ([0, 2], [4, 5])):
        model = _setup(kit, put, changes)
        _step(model, callers, targets, 1.0, seed=5)
        lost.append(_casualties_of(model.forces, 5))
    assert lost[0] > 0 and lost[0] == lost[1]


def _casualties_of(f, unit):
    return int(f.killed[unit] + f.wounded[unit])
