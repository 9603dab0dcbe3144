"""Command and communication (sim/model/comms.py): languages, queues, routes, delivery.

Statistical checks draw many messages from a fixed generator and allow
``Z = 4`` standard errors (binomial or exponential), so a correct model fails
one of them with probability < 1e-4 and the seeds are never tuned. Paired
comparisons across replications use a one-sided paired t-test at
``ALPHA = 0.01`` on fixed seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.model.comms import Network, shared_proficiency
from sim.model.ideal import Idealised

Z = 4.0
ALPHA = 0.01


# --- shared language --------------------------------------------------------------------

def test_shared_proficiency_is_the_best_common_language_at_the_weaker_speakers_level():
    kp = {"korean": 1.0, "russian": 0.1}
    ru = {"russian": 1.0}
    assert shared_proficiency(kp, ru) == pytest.approx(0.1)
    assert shared_proficiency(ru, kp) == pytest.approx(0.1)
    a = {"english": 0.4, "french": 0.9, "polish": 1.0}
    b = {"english": 1.0, "french": 0.7}
    assert shared_proficiency(a, b) == pytest.approx(0.7)   # french: min(0.9, 0.7) beats 0.4


def test_shared_proficiency_without_a_common_language_is_zero():
    assert shared_proficiency({"korean": 1.0}, {"ukrainian": 1.0}) == 0.0
    assert shared_proficiency({}, {"russian": 1.0}) == 0.0


# --- translation queue ------------------------------------------------------------------

def naive_queue(arrive: np.ndarray, capacity: float, max_queue_h: float,
                free_at: float = 0.0) -> tuple[np.ndarray, float]:
    """The documented rule, one message at a time: first come first served at ``capacity``;
    a message that would wait longer than ``max_queue_h`` is turned away (wait inf) and
    costs the pool nothing. Returns the waits and when the pool is next free."""
    per = 1.0 / capacity
    wait = np.full(arrive.size, np.inf)
    for i in np.argsort(arrive, kind="stable"):
        start = max(free_at, arrive[i])
        if start - arrive[i] > max_queue_h:
            continue
        wait[i] = start - arrive[i]
        free_at = start + per
    return wait, free_at


def send(net: Network, src: int, dst: int, start: np.ndarray, rng: np.random.Generator,
         urgent: bool = False):
    """Messages from HQ ``src`` to HQ ``dst`` leaving at ``start``, as the model sends them."""
    n = start.size
    return net.send_batch(np.full(n, src, np.int64), np.full(n, dst, np.int64), start, rng,
                          urgent)


def _pool(kit, capacity: float = 6.0, max_queue_h: float = 1.0, attempts: int = 1) -> Network:
    """A network whose link AB has a translation pool of ``capacity`` messages/h that
    delivers every message at once and correctly (B speaks alpha at 0.3 only, so the
    interpreters, at 1.0, translate); a message is sent ``attempts`` times at most."""
    return Network(kit.tiny({"links.AB.interpreters": capacity / 6.0,
                             "links.AB.messages_per_interpreter_h": 6.0,
                             "links.AB.interpreter_proficiency": 1.0,
                             "links.AB.delivery": 1.0, "links.AB.latency_h": 0.0,
                             "links.AB.max_queue_h": max_queue_h,
                             "messaging.max_attempts": attempts,
                             "environment.jamming": 0.0}))


def _queue(net: Network, arrive: np.ndarray, urgent: bool = False) -> np.ndarray:
    """Waits at the pool A -> B of messages reaching it at ``arrive`` (inf: turned away)."""
    out = send(net, 0, 1, arrive, np.random.default_rng(0), urgent)
    return np.where(out.delivered, out.arrive - arrive, np.inf)


def _free_at(net: Network) -> float:
    """When the pool of link AB is next free, h."""
    return float(net.load.free_at[net.routes[(0, 1)][0].pool])


def test_queue_waits_match_a_naive_fifo_loop_without_overload(kit):
    rng = np.random.default_rng(1)
    net = _pool(kit, capacity=6.0, max_queue_h=6.0)
    free = 0.0
    for start in (0.0, 3.0, 3.5, 10.0):          # successive batches carry the backlog over
        arrive = start + rng.uniform(0.0, 1.0, 5)  # unsorted, 5 per hour < 6 per hour
        expected, free = naive_queue(arrive, 6.0, 6.0, free)
        wait = _queue(net, arrive)
        np.testing.assert_allclose(wait, expected, atol=1e-12)
        assert _free_at(net) == pytest.approx(free)
        assert np.isfinite(wait).all()


def test_queue_of_a_burst_serves_what_fits_in_max_queue_and_turns_the_rest_away(kit):
    net = _pool(kit, capacity=6.0, max_queue_h=1.0)
    arrive = np.zeros(30)
    expected, free = naive_queue(arrive, 6.0, 1.0)
    wait = _queue(net, arrive)
    np.testing.assert_array_equal(np.isfinite(wait), np.isfinite(expected))
    np.testing.assert_allclose(wait[np.isfinite(wait)], expected[np.isfinite(expected)])
    assert np.isfinite(wait).sum() == 7                # waits 0, 1/6, ..., 6/6 h
    assert _free_at(net) == pytest.approx(free)


def test_queue_turned_away_messages_cost_the_pool_nothing_under_sustained_overload(kit):
    """Messages arrive at twice the capacity for ten times ``max_queue_h``: the pool works
    flat out, so it translates about capacity x (duration + max_queue) messages, exactly
    the ones the naive loop serves. A message turned away must not delay later ones."""
    net = _pool(kit, capacity=6.0, max_queue_h=1.0)
    arrive = np.arange(120) / 12.0                     # 12 per hour for 10 h
    expected, free = naive_queue(arrive, 6.0, 1.0)
    wait = _queue(net, arrive)
    assert np.isfinite(expected).sum() == 66
    np.testing.assert_array_equal(np.isfinite(wait), np.isfinite(expected))
    assert _free_at(net) == pytest.approx(free)


def test_untranslated_hop_has_no_queue(kit):
    net = Network(kit.tiny({"links.AB.delivery": 1.0, "links.AB.latency_h": 0.0,
                            "messaging.max_attempts": 1, "environment.jamming": 0.0}))
    assert not net.routes[(0, 1)][0].translated and not net.pools
    out = send(net, 0, 1, np.zeros(50), np.random.default_rng(0))
    np.testing.assert_array_equal(out.arrive[out.delivered], 0.0)


def test_urgent_messages_wait_for_the_backlog_without_taking_capacity(kit):
    net = _pool(kit, capacity=6.0, max_queue_h=2.0)
    _queue(net, np.zeros(6))                              # backlog until t = 1 h
    free = _free_at(net)
    wait = _queue(net, np.array([0.25, 0.5]), urgent=True)
    np.testing.assert_allclose(wait, [free - 0.25, free - 0.5])
    assert _free_at(net) == free


# --- network: hops, routes, challenges ----------------------------------------------------

def test_a_link_translates_only_when_its_pool_beats_the_shared_language(kit):
    # A speaks alpha; B speaks beta and alpha at 0.3
    plain = Network(kit.tiny()).routes[(0, 1)]
    assert len(plain) == 1 and not plain[0].translated
    assert plain[0].comprehension == pytest.approx(0.3)
    staffed = Network(kit.tiny({"links.AB.interpreters": 2,
                                "links.AB.interpreter_proficiency": 0.8}))
    hop = staffed.routes[(0, 1)][0]
    assert hop.translated and hop.comprehension == pytest.approx(0.8)
    assert staffed.pools[hop.pool].capacity_per_h == pytest.approx(2 * 6.0)
    worse = Network(kit.tiny({"links.AB.interpreters": 2,
                              "links.AB.interpreter_proficiency": 0.2}))
    assert not worse.routes[(0, 1)][0].translated
    assert worse.routes[(0, 1)][0].comprehension == pytest.approx(0.3)


def test_reports_between_unlinked_allies_are_relayed_through_a_third_hq(kit):
    net = Network(kit.scenario("tri_nation_exercise"))
    fr, pl, us = (net.nations.index(n) for n in ("FR", "PL", "US"))
    assert len(net.routes[(fr, pl)]) == 2
    assert len(net.routes[(us, pl)]) == 1
    assert not net.no_route[fr, pl]


def test_challenges_use_the_best_of_shared_language_and_agreed_signal(kit):
    world = kit.tiny({"links.AB.challenge_signal": 0.6})
    net = Network(world)
    assert net.challenge[0, 1] == pytest.approx(0.6)   # signal 0.6 beats alpha at 0.3
    assert net.challenge[0, 0] == 1.0
    assert Network(kit.tiny({"links.AB.challenge_signal": 0.1})).challenge[0, 1] == \
        pytest.approx(0.3)
    assert (Network(world, Idealised.everything()).challenge == 1.0).all()


def test_perfect_network_delivers_everything_at_once_and_understood(kit):
    world = kit.tiny({"links.AB.delivery": 0.0, "environment.jamming": 1.0})
    net = Network(world, Idealised.everything())
    start = np.linspace(0.0, 5.0, 200)
    for src, dst in ((0, 1), (1, 0), (0, 2), (1, 1)):   # (0, 2): ally to enemy HQ, no route
        out = send(net, src, dst, start, np.random.default_rng(0))
        assert out.delivered.all()
        assert not out.garbled.any()
        np.testing.assert_array_equal(out.arrive, start)


def test_without_a_route_nothing_is_delivered(kit):
    net = Network(kit.tiny({"links": {}}))
    assert net.no_route[0, 1] and net.no_route[1, 0]
    out = send(net, 0, 1, np.zeros(500), np.random.default_rng(0))
    assert not out.delivered.any()


def test_own_hq_needs_no_link(kit):
    net = Network(kit.tiny({"links": {}}))
    out = send(net, 1, 1, np.zeros(100), np.random.default_rng(0))
    assert out.delivered.all() and not out.garbled.any()


def test_a_hop_delivers_with_its_reliability_times_one_minus_jamming(kit):
    world = kit.tiny({"nations.B.languages": {"alpha": 1.0}, "links.AB.delivery": 0.7,
                      "environment.jamming": 0.2, "links.AB.latency_h": 0.5,
                      "messaging.max_attempts": 1})              # one send: no repeats
    net = Network(world)
    n = 40_000
    out = send(net, 0, 1, np.zeros(n), np.random.default_rng(7))
    p = 0.7 * (1 - 0.2)
    assert abs(out.delivered.mean() - p) < Z * np.sqrt(p * (1 - p) / n)
    assert not out.garbled.any()                       # one language: nothing misunderstood
    lat = out.arrive[out.delivered]                    # exponential, mean = sd = 0.5 h
    assert abs(lat.mean() - 0.5) < Z * 0.5 / np.sqrt(lat.size)


def test_misunderstood_messages_are_dropped_or_arrive_garbled(kit):
    c, q, d = 0.6, 0.25, 0.9
    world = kit.tiny({"links.AB.interpreters": 1e6, "links.AB.interpreter_proficiency": c,
                      "links.AB.delivery": d, "links.AB.latency_h": 0.0,
                      "identification.garble_noticed": q,
                      "messaging.max_attempts": 1})              # one send: no repeats
    net = Network(world)
    n = 40_000
    out = send(net, 1, 0, np.zeros(n), np.random.default_rng(8))
    p_garbled = d * (1 - c) * (1 - q)
    p_delivered = d * (1 - (1 - c) * q)
    assert abs(out.garbled.mean() - p_garbled) < Z * np.sqrt(p_garbled * (1 - p_garbled) / n)
    assert abs(out.delivered.mean() - p_delivered) < Z * np.sqrt(
        p_delivered * (1 - p_delivered) / n)
    assert not (out.garbled & ~out.delivered).any()


def test_allies_on_one_radio_system_share_a_net_without_translation(kit):
    """A and B on A's radio system share a net; the enemy E on the same system does not
    (a net is shared by allies only), and neither does B on a system of its own."""
    world = kit.tiny({"links": {}, "nations.B.radio": "ra", "nations.E.radio": "ra",
                      "common_net.delivery": 0.8, "common_net.latency_h": 0.1,
                      "messaging.max_attempts": 1})              # one send: no repeats
    net = Network(world)
    assert net.direct[0, 1] and net.direct[1, 0]
    assert not net.direct[0, 2] and not net.direct[2, 0] and not net.direct[0, 0]
    assert not Network(kit.tiny({"links": {}})).direct.any()
    assert not net.no_route[0, 1]
    n = 20_000
    out = send(net, 0, 1, np.zeros(n), np.random.default_rng(9))
    assert abs(out.delivered.mean() - 0.8) < Z * np.sqrt(0.8 * 0.2 / n)
    assert not out.garbled.any()                        # alpha and beta: data needs no language
    assert abs(out.arrive.mean() - 0.1) < Z * 0.1 / np.sqrt(n)


def test_garbled_grids_move_by_the_garble_error_in_a_random_direction(kit):
    net = Network(kit.tiny({"identification.garble_error_km": 2.0}))
    n = 20_000
    xy = np.tile([1.0, -3.0], (n, 1))
    garbled = np.arange(n) % 2 == 0
    out = net.garble(xy, garbled, np.random.default_rng(10))
    np.testing.assert_array_equal(out[~garbled], xy[~garbled])
    shift = out[garbled] - xy[garbled]
    dist = np.hypot(*shift.T)
    m = dist.size
    assert abs(dist.mean() - 2.0) < Z * 2.0 / np.sqrt(m)       # exponential: sd = mean
    unit = shift / dist[:, None]                               # uniform bearing: E[cos] = 0,
    assert np.abs(unit.mean(axis=0)).max() < Z * np.sqrt(0.5 / m)   # var(cos) = 1/2


# --- the effect on incidents (paired seeds) -----------------------------------------------

def _paired_incidents(kit, key: str, worse, better, n: int = 12) -> tuple[np.ndarray, ...]:
    """Incidents per replication on the same seeds with ``key`` at ``worse`` and ``better``.
    Contact memory is off: a remembered neighbour is judged without the picture, which
    would hide the pictures' part (the effect measured here) behind the tracks."""
    out = []
    for value in (worse, better):
        world = kit.kursk(horizon_h=120, kp=8, ru=8, ua=8,
                          changes={key: value, "identification.track_memory_h": 0.0})
        out.append(np.array([r.metrics["friendly_fire_incidents"]
                             for r in kit.replicate(world, n, seed=11)]))
    return out[0], out[1]


def test_incidents_fall_as_the_liaison_link_gets_more_reliable(kit):
    # messages are repeated up to three times, so a link delivering 0.1 of sends delivers
    # 1 - 0.9^3 = 0.27 of messages
    worse, better = _paired_incidents(kit, "links.RU_KP.delivery", 0.1, 1.0)
    res = stats.ttest_rel(worse, better, alternative="greater")
    assert res.pvalue < ALPHA, (worse, better, res)


def test_incidents_fall_as_interpreters_are_added(kit):
    # no interpreters: KP and RU staffs talk in KP's ~100 Russian commands (0.1);
    # the configured 8 interpreters render reports at 0.8
    worse, better = _paired_incidents(kit, "links.RU_KP.interpreters", 0, 8)
    res = stats.ttest_rel(worse, better, alternative="greater")
    assert res.pvalue < ALPHA, (worse, better, res)


def test_a_batch_queues_at_the_translation_pool_first_come_first_served(kit):
    """Several batches A -> B: the waits at the pool are those of the naive FIFO loop over
    its arrivals, and each batch inherits the backlog of the one before. B -> A queues at
    the same pool: one pool serves the link in both directions."""
    world = kit.tiny({"links.AB.interpreters": 1, "links.AB.messages_per_interpreter_h": 6.0,
                      "links.AB.interpreter_proficiency": 1.0, "links.AB.delivery": 1.0,
                      "links.AB.latency_h": 0.0, "links.AB.max_queue_h": 1.0,
                      "messaging.max_attempts": 1, "environment.jamming": 0.0})
    net = Network(world)
    assert len(net.pools) == 1 and net.routes[(0, 1)][0].pool == net.routes[(1, 0)][0].pool
    rng = np.random.default_rng(3)
    free, turned_away = 0.0, 0
    for batch in range(3):
        start = np.sort(rng.uniform(batch, batch + 1.0, 12))
        src = np.zeros(start.size, np.int64)
        out = net.send_batch(src, src + 1, start, rng)
        expected, free = naive_queue(start, 6.0, 1.0, free)
        arrived = np.isfinite(expected)
        np.testing.assert_array_equal(out.delivered, arrived)
        np.testing.assert_allclose(out.arrive[arrived], (start + expected)[arrived])
        assert not out.garbled.any()
        turned_away += int((~arrived).sum())
    assert turned_away > 0, "the pool should be overloaded in this test"
    assert (net.load.served[0], net.load.turned_away[0]) == (36 - turned_away, turned_away)
    # the other direction queues behind the same backlog
    back = net.send_batch(np.ones(3, np.int64), np.zeros(3, np.int64), np.full(3, free - 0.5),
                          rng)
    np.testing.assert_allclose(back.arrive, free + np.array([0, 1, 2]) / 6.0)


def test_a_message_is_repeated_until_acknowledged_and_each_repeat_uses_the_pool(kit):
    """Link delivery 0.5, three sends at most, 0.25 h apart: a message gets through with
    P 1 - 0.5^3, after 0, 0.25 or 0.5 h, and every send that crosses the link is translated
    (the pool serves it)."""
    world = kit.tiny({"links.AB.interpreters": 1e6, "links.AB.interpreter_proficiency": 1.0,
                      "links.AB.delivery": 0.5, "links.AB.latency_h": 0.0,
                      "messaging.max_attempts": 3, "messaging.retry_h": 0.25,
                      "environment.jamming": 0.0})
    net = Network(world)
    n = 20_000
    out = send(net, 0, 1, np.zeros(n), np.random.default_rng(4))
    p = 1 - 0.5 ** 3
    assert abs(out.delivered.mean() - p) < Z * np.sqrt(p * (1 - p) / n)
    delay = out.arrive[out.delivered]
    for k, share in enumerate((0.5, 0.25, 0.125)):
        got = np.isclose(delay, 0.25 * k, atol=0.01).mean()     # + a few ms of queue
        assert abs(got - share / p) < Z * np.sqrt(share / p * (1 - share / p) / delay.size)
    np.testing.assert_array_equal(out.attempts[out.delivered], 1 + np.floor(delay / 0.25))
    assert (out.attempts[~out.delivered] == 3).all()
    # sends that crossed the link reached the pool: half of all sends
    sends = int(out.attempts.sum())
    assert abs(net.load.served[0] - sends / 2) < Z * np.sqrt(sends / 4)


def test_a_unit_radio_report_is_repeated_until_acknowledged(kit):
    from sim.model.comms import radio_hop
    from sim.schema import Messaging

    rules = Messaging(max_attempts=4, retry_h=0.5)
    n = 40_000
    ok, delay = radio_hop(np.full(n, 0.3), np.zeros(n), rules, np.random.default_rng(5))
    p = 1 - 0.7 ** 4
    assert abs(ok.mean() - p) < Z * np.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(np.unique(delay[ok]), [0.0, 0.5, 1.0, 1.5])


def test_the_radio_hop_kernel_is_the_first_send_through_and_its_latency():
    """As numpy says it: the first send whose uniform is below P gets through, after a
    retry per failed send and the latency drawn from that send's second uniform; a message
    that never gets through takes the first send's latency."""
    from sim.model.comms import first_through

    k, n = 3, 2_000
    rng = np.random.default_rng(11)
    u = rng.random((2 * k, n))
    p = rng.uniform(0.0, 0.6, n)
    latency = rng.uniform(0.0, 2.0, n)
    through, delay = first_through(u, p, latency, 0.25)
    ok = u[:k] < p
    first = np.argmax(ok, axis=0)
    late = -latency * np.log1p(-np.take_along_axis(u[k:], first[None, :], axis=0)[0])
    assert not ok.any(axis=0).all() and ok.any(axis=0).any()
    np.testing.assert_array_equal(through, ok.any(axis=0))
    np.testing.assert_allclose(delay, first * 0.25 + late, rtol=1e-15, atol=0.0)


def _jammed(kit, jamming: float, n: int = 10) -> dict[str, np.ndarray]:
    """Per replication on the same seeds, under ``jamming``: friendly-fire casualties, mean
    incident duration (h) and mean error of the current friend entries of the HQ pictures
    (km, sampled every 6 h)."""
    # a tenth of kursk_2024's companies with a tenth of its HQ-channel interpreters, so the
    # translation pool is as loaded as in the full scenario
    world = kit.kursk(horizon_h=96, kp=8, ru=8, ua=8,
                      changes={"environment.jamming": jamming,
                               "links.RU_KP.interpreters": 0.8})
    out: dict[str, list] = {"casualties": [], "duration": [], "error": []}
    for rep in range(n):
        model = kit.model(world, seed=100 + rep)
        errors = []
        while model.steps < model.n_steps:
            model.run_for(6)
            p, f = model.pictures, model.forces
            cur = p.current(model.time_h) & (f.strength > 0)[None, :]
            h, j = np.nonzero(cur)
            errors.append(np.hypot(*(p.published.pos[h, j] - f.pos[j]).T).mean())
        model.direct_fire.close(model.time_h)
        inc = model.ledger.incidents
        out["casualties"].append(sum(i.killed + i.wounded for i in inc))
        out["duration"].append(np.mean([i.end_h - i.time_h for i in inc]) if inc else 0.0)
        out["error"].append(np.mean(errors))
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


def test_jamming_does_not_make_friendly_fire_shorter_cheaper_or_pictures_better(kit):
    """Lost messages are repeated, and a repeat uses the radios and the pools again, so
    jamming cannot empty the translation queues and improve the pictures: from jamming 0
    to 0.5 on the same seeds, friendly-fire casualties, incident durations and picture
    errors do not fall (no paired decrease significant at ALPHA, one-sided)."""
    clear, jammed = _jammed(kit, 0.0), _jammed(kit, 0.5)
    for key in ("casualties", "duration", "error"):
        res = stats.ttest_rel(jammed[key], clear[key], alternative="less")
        assert not res.pvalue < ALPHA, (key, clear[key], jammed[key], res)



def test_garbled_grids_are_off_by_an_exponential_distance(kit):
    """The distance, not only its mean: P(off by more than q x mean) = exp(-q); and every
    bearing quadrant equally likely (1/4). Binomial tolerances, Z standard errors."""
    mean = 1.5
    net = Network(kit.tiny({"identification.garble_error_km": mean}))
    n = 20_000
    xy = np.tile([-2.0, 4.0], (n, 1))
    shift = net.garble(xy, np.ones(n, bool), np.random.default_rng(12)) - xy
    dist = np.hypot(*shift.T)
    for q in (0.25, 1.0, 2.0, 3.0):
        p = np.exp(-q)
        assert abs((dist > q * mean).mean() - p) < Z * np.sqrt(p * (1 - p) / n), q
    quadrant = (shift[:, 0] > 0) * 2 + (shift[:, 1] > 0)
    counts = np.bincount(quadrant, minlength=4) / n
    assert np.abs(counts - 0.25).max() < Z * np.sqrt(0.25 * 0.75 / n), counts


def test_a_unit_reports_over_its_own_radio_with_its_delivery_and_latency(kit):
    """Reports of A's units to their own HQ cross only the unit radio: delivered with
    P report_delivery x (1 - jamming), the rest flagged lost; observed within the step and
    arriving an exponential latency (mean report_latency_h) after."""
    from sim.model.pictures import ARRIVE, HQ, OBSERVED, UNIT

    m, delivery, jamming, latency = 2000, 0.6, 0.25, 0.5
    model = kit.model(kit.tiny({"units.a.count": m, "units.b.count": 0, "units.e.count": 1,
                                "nations.A.report_delivery": delivery,
                                "nations.A.report_latency_h": latency,
                                "nations.A.report_interval_h": 1.0,
                                "messaging.max_attempts": 1,       # one send: no repeats
                                "environment.jamming": jamming}))
    f, p = model.forces, model.pictures
    p._pending = p._pending[:0]
    p.live.lost[:] = False
    t, dt = 5.0, 1.0
    p._send(t, dt, f.nation == 0, model.streams.at("communication", 5))
    sent = p._pending[p._pending[:, HQ] == 0]
    got = np.zeros(f.n, bool)
    got[sent[:, UNIT].astype(int)] = True
    a = np.flatnonzero(f.nation == 0)
    ok = delivery * (1 - jamming)
    assert abs(got[a].mean() - ok) < Z * np.sqrt(ok * (1 - ok) / m)
    np.testing.assert_array_equal(p.live.lost[0, a], ~got[a])
    observed = sent[:, OBSERVED]
    assert ((observed >= t - dt) & (observed <= t)).all()
    assert abs(observed.mean() - (t - dt / 2)) < Z * dt / np.sqrt(12 * observed.size)
    lag = sent[:, ARRIVE] - observed
    assert (lag >= 0).all()
    assert abs(lag.mean() - latency) < Z * latency / np.sqrt(lag.size)
    beyond = (lag > latency).mean()                     # exponential, not constant: e^-1
    assert abs(beyond - np.exp(-1)) < Z * np.sqrt(np.exp(-1) * (1 - np.exp(-1)) / lag.size)


def test_a_relayed_report_must_cross_every_hop(kit):
    """FR -> PL has no link: it goes FR -> US -> PL, delivered with the product of the hops'
    delivery x (1 - jamming) and late by the sum of their exponential latencies (mean 0.3 +
    0.5 h, sd sqrt(0.3^2 + 0.5^2)). One language everywhere, no pools: nothing garbled."""
    jam = 0.1
    world = kit.scenario("tri_nation_exercise", changes={
        "nations.FR.languages": {"english": 1.0}, "nations.PL.languages": {"english": 1.0},
        "links.US_FR.liaison_officers": 0, "links.US_PL.interpreters": 0,
        "messaging.max_attempts": 1, "environment.jamming": jam})     # one send: no repeats
    net = Network(world)
    fr, pl = net.nations.index("FR"), net.nations.index("PL")
    n = 40_000
    out = send(net, fr, pl, np.zeros(n), np.random.default_rng(13))
    p = 0.95 * 0.9 * (1 - jam) ** 2
    assert abs(out.delivered.mean() - p) < Z * np.sqrt(p * (1 - p) / n)
    assert not out.garbled.any()
    lag = out.arrive[out.delivered]
    assert abs(lag.mean() - 0.8) < Z * np.sqrt(0.3**2 + 0.5**2) / np.sqrt(lag.size)
