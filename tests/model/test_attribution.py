"""Attribution (sim/model/attribution.py): an incident's cause and how long it lasts."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import attribution
from sim.model.records import Cause
from sim.model.sensing import Contacts

Z = 4.0

# rows of the tiny world: a-001, a-002 (A), b-001, b-002 (B), e-001, e-002 (E)
A_HQ, TARGET = 0, 2          # HQ A judging fire on unit b-001


def _classify(model, *, time=-np.inf, lost=False, offset=(0.0, 0.0), garbled=False,
              grid_garbled=False, challenge_failed=False, t=10.0):
    f, p = model.forces, model.pictures
    p.published.time[A_HQ, TARGET] = time
    p.published.lost[A_HQ, TARGET] = lost
    p.published.pos[A_HQ, TARGET] = f.pos[TARGET] + np.asarray(offset)
    p.published.garbled[A_HQ, TARGET] = garbled
    (cause,) = attribution.classify(t, np.array([A_HQ]), np.array([TARGET]), f, p,
                                    model.network, 0.3, np.array([grid_garbled]),
                                    np.array([challenge_failed]))
    return cause


@pytest.mark.parametrize(("entry", "cause"), [
    (dict(lost=True), Cause.REPORT_LOST),
    (dict(lost=True, challenge_failed=True, grid_garbled=True), Cause.REPORT_LOST),
    (dict(), Cause.REPORT_STALE),                                   # reports still on their way
    (dict(grid_garbled=True, challenge_failed=True), Cause.REPORT_STALE),   # stale comes first
    (dict(time=-5.0), Cause.REPORT_STALE),                          # expired (12 h)
    (dict(time=9.0, offset=(0.5, 0.0)), Cause.REPORT_STALE),        # moved beyond the gate
    (dict(time=9.0, offset=(0.5, 0.0), challenge_failed=True), Cause.REPORT_STALE),
    (dict(time=9.0, offset=(0.5, 0.0), grid_garbled=True), Cause.REPORT_STALE),
    (dict(time=9.0, offset=(0.0, 2.0), garbled=True), Cause.REPORT_GARBLED),
    (dict(time=9.0, offset=(0.0, 2.0), garbled=True, challenge_failed=True),
     Cause.REPORT_GARBLED),
    (dict(time=9.0, grid_garbled=True), Cause.REPORT_GARBLED),      # call for fire's grid
    (dict(time=9.0, challenge_failed=True), Cause.CHALLENGE_FAILED),
    (dict(time=9.0, offset=(0.1, 0.1), garbled=True, challenge_failed=True),
     Cause.CHALLENGE_FAILED),                                       # garbled but within the gate
    (dict(time=9.0, offset=(0.2, 0.0)), Cause.MISIDENTIFICATION),
])
def test_cause_is_the_first_that_applies(kit, entry, cause):
    model = kit.model(kit.tiny())
    assert _classify(model, **entry) is cause


def test_no_route_counts_as_lost(kit):
    model = kit.model(kit.tiny({"links": {}}))
    assert model.network.no_route[0, 1]
    assert _classify(model) is Cause.REPORT_LOST
    assert _classify(model, time=9.0) is Cause.MISIDENTIFICATION   # an entry is an entry


def test_communication_causes_are_the_first_four():
    assert [c.is_communication for c in Cause] == [True, True, True, True, False]
    assert [c.is_language for c in Cause] == [False, False, True, True, False]


# --- how long an incident lasts ------------------------------------------------------------

#: The victim cannot see its shooter (no sensor range): only the call through the HQs works.
BLIND = {"units.a.sensor_range_km": 0.0, "units.b.sensor_range_km": 0.0}


def _delays(model, shooter: str, victim: str, self_per_h: float, n: int = 2000):
    """Delays of ``n`` incidents in which a unit of nation ``shooter`` fires on a unit of
    nation ``victim`` (two different units when the nations are the same)."""
    f = model.forces
    s = int(np.flatnonzero(f.nation == f.nation_names.index(shooter))[0])
    g = int(np.flatnonzero((f.nation == f.nation_names.index(victim))
                           & (np.arange(f.n) != s))[0])
    return attribution.recognition_delays(
        np.full(n, s), np.full(n, g), self_per_h, f, model.network, 5.0,
        np.random.default_rng(1))


def test_fire_stops_at_once_with_perfect_comms_or_certain_self_recognition(kit):
    perfect = kit.model(kit.tiny(), perfect=True)
    assert (_delays(perfect, "A", "B", 0.0, n=20) == 0).all()
    model = kit.model(kit.tiny())
    assert (_delays(model, "A", "B", 1.0, n=20) == 0).all()


def test_without_any_call_getting_through_the_shooter_recognises_by_itself(kit):
    p = 0.2
    model = kit.model(kit.tiny({**BLIND, "nations.B.report_delivery": 0.0}))
    delays = _delays(model, "A", "B", p)
    rate = -np.log1p(-p)                      # P(recognised within 1 h) = p
    assert abs(delays.mean() - 1 / rate) < Z * (1 / rate) / np.sqrt(delays.size)
    within_1h = (delays <= 1.0).mean()
    assert abs(within_1h - p) < Z * np.sqrt(p * (1 - p) / delays.size)


def test_within_one_nation_a_check_fire_takes_two_radio_hops(kit):
    """Victim -> HQ -> shooter on the priority channel: two exponential latencies of mean
    ``check_fire_latency_h`` (every send gets through here)."""
    model = kit.model(kit.tiny({**BLIND, "nations.A.report_delivery": 1.0,
                                "messaging.check_fire_latency_h": 0.05,
                                "environment.jamming": 0.0}))
    delays = _delays(model, "A", "A", 0.0)
    assert abs(delays.mean() - 0.1) < Z * np.sqrt(2) * 0.05 / np.sqrt(delays.size)
    assert abs(delays.std() - np.sqrt(2) * 0.05) < 0.1 * np.sqrt(2) * 0.05


def test_a_check_fire_jumps_the_translation_queue(kit):
    """A pool with a 6 h backlog does not delay a check-fire call: A -> HQ A -> HQ B -> B in
    three hops of latency, whatever the routine traffic waits."""
    world = kit.tiny({**BLIND, "nations.A.report_delivery": 1.0, "nations.B.report_delivery": 1.0,
                      "links.AB.delivery": 1.0, "links.AB.interpreters": 1,
                      "links.AB.interpreter_proficiency": 1.0,
                      "messaging.check_fire_latency_h": 0.05, "environment.jamming": 0.0})
    model = kit.model(world)
    model.network.load.free_at[:] = 5.0 + 6.0        # backlog until 6 h after t = 5
    delays = _delays(model, "B", "A", 0.0)
    assert abs(delays.mean() - 0.15) < Z * np.sqrt(3) * 0.05 / np.sqrt(delays.size)


def test_without_a_route_and_out_of_sight_the_victims_call_never_arrives(kit):
    model = kit.model(kit.tiny({**BLIND, "links": {}, "nations.A.report_delivery": 1.0,
                                "nations.B.report_delivery": 1.0}))
    assert np.isinf(_delays(model, "A", "B", 0.0, n=20)).all()


def test_a_check_fire_call_is_repeated_until_it_gets_through(kit):
    """Each send crosses with P 0.5 x comprehension 1: failures before the first success are
    geometric(0.5), each costs ``check_fire_retry_h``, and the victim gives up after
    ``check_fire_attempts`` sends (delay inf: no self-recognition)."""
    attempts, retry = 6, 0.1
    world = kit.tiny({**BLIND, "nations.A.report_delivery": 1.0,
                      "nations.B.report_delivery": 1.0, "nations.B.languages": {"alpha": 1.0},
                      "links.AB.delivery": 0.5, "environment.jamming": 0.0,
                      "messaging.check_fire_latency_h": 0.0,
                      "messaging.check_fire_retry_h": retry,
                      "messaging.check_fire_attempts": attempts})
    delays = _delays(kit.model(world), "A", "B", 0.0)
    k = np.arange(attempts)
    pk = 0.5 ** (k + 1)
    p_arrives = pk.sum()
    arrived = np.isfinite(delays)
    assert abs(arrived.mean() - p_arrives) < Z * np.sqrt(p_arrives * (1 - p_arrives) / arrived.size)
    np.testing.assert_allclose(np.unique(delays[arrived]), retry * k)
    mean = (pk * retry * k).sum() / p_arrives
    sd = np.sqrt((pk * (retry * k - mean) ** 2).sum() / p_arrives)
    assert abs(delays[arrived].mean() - mean) < Z * sd / np.sqrt(arrived.sum())


def test_a_check_fire_across_a_language_barrier_needs_to_be_understood(kit):
    """No interpreters: the staffs share alpha at 0.3, so a send gets through with P 0.3."""
    world = kit.tiny({**BLIND, "nations.A.report_delivery": 1.0,
                      "nations.B.report_delivery": 1.0, "links.AB.delivery": 1.0,
                      "environment.jamming": 0.0, "messaging.check_fire_latency_h": 0.0,
                      "messaging.check_fire_attempts": 1})
    delays = _delays(kit.model(world), "A", "B", 0.0)
    through = np.isfinite(delays).mean()
    assert abs(through - 0.3) < Z * np.sqrt(0.3 * 0.7 / delays.size)


def test_a_victim_that_sees_its_shooter_calls_it_off_directly(kit, put):
    """No route between the HQs, but the victim sees the shooter: each try, every
    ``check_fire_retry_h``, is understood with the nations' challenge probability (the
    agreed signal, 0.6, beats the shared alpha at 0.3); out of sensor range it never is."""
    world = kit.tiny({"links.AB.challenge_signal": 0.6, "nations.A.report_delivery": 0.0,
                      "messaging.check_fire_latency_h": 0.05,
                      "messaging.check_fire_retry_h": 0.1, "messaging.check_fire_attempts": 1})
    model = kit.model(world)
    put(model, [(-0.5, 0.0), (-0.5, 20.0), (-0.5, 1.0), (-0.5, 30.0), (0.5, 0.0), (0.5, 9.0)])
    delays = _delays(model, "A", "B", 0.0)          # unit a-001 at 1 km from b-001
    heard = np.isfinite(delays)
    assert abs(heard.mean() - 0.6) < Z * np.sqrt(0.6 * 0.4 / delays.size)
    np.testing.assert_allclose(delays[heard], 0.05)
    model.forces.sensor_range[2] = 0.5               # b-001 can no longer see a-001
    assert np.isinf(_delays(model, "A", "B", 0.0, n=50)).all()


# --- indirect fire -----------------------------------------------------------------------------

def test_artillery_collateral_on_friends_under_perfect_comms_is_misidentification(kit, put):
    """docs/contract.md: under perfect_comms only ``misidentification`` can occur.

    A calls fire on an enemy that (as every enemy does) failed A's challenge; the
    mission's area effect also covers two coalition units. Their incidents must not
    inherit the enemy's failed challenge as their cause: the friends were never challenged.
    """
    world = kit.tiny({"nations.A.fire_missions_per_h": 50.0, "nations.A.report_delivery": 1.0,
                      "environment.jamming": 0.0, "indirect_fire.call_prob_per_h": 1.0,
                      "indirect_fire.no_fire_radius_km": 0.0,
                      "indirect_fire.effect_radius_km": 1.0, "indirect_fire.dispersion_km": 0.0})
    model = kit.model(world, perfect=True)
    put(model, [(-0.3, 0.0), (-5.0, 20.0), (-0.2, 0.3), (-5.0, 30.0), (0.1, 0.0), (5.0, 40.0)])
    model.pictures.exchange(0.0, 1.0, model.streams.at("communication", 0))
    f = model.forces
    contact = Contacts(observer=np.array([0]), target=np.array([4]), distance=np.array([0.4]),
                       seen_at=f.pos[[4]].copy(), hostile=np.array([True]),
                       challenge_failed=np.array([True]))
    model.indirect_fire.step(1.0, 1.0, contact, np.random.default_rng(0))
    incidents = model.ledger.incidents
    assert {i.target_unit for i in incidents} == {f.names[0], f.names[2]}
    assert [i.cause for i in incidents] == [Cause.MISIDENTIFICATION] * 2
