"""The counterfactual parts of perfect communication (sim/model/ideal.py): each switch does
what it says and only that, and all three together are perfect_comms.

Statistical checks allow ``Z = 4`` standard errors on fixed generators, as in
test_comms.py. Whole runs use a rough small Kursk front (``ROUGH``) on which every cause
occurs, so that "no X under part P" is not vacuous.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.build import build_model
from sim.experiment.decomposition import with_parts
from sim.experiment.replication import run_replication, summarise
from sim.model.comms import Network, garbled_at_once
from sim.model.ideal import AS_IS, Idealised
from sim.model.records import Cause
from sim.model.streams import replication_seeds, seed_label
from sim.schema import PARTS

from .test_attribution import BLIND, _delays
from .test_comms import send

Z = 4.0
REPORTS = Idealised(perfect_reports=True)
FLUENT = Idealised(no_language_barrier=True)
INSTANT = Idealised(instant_check_fire=True)

#: Lossy radios and links, a poor interpreter pool and a weak agreed signal, blurred
#: sensors: every cause occurs on a small Kursk front within 96 h.
ROUGH = {"identification.position_error_km": 0.2, "environment.jamming": 0.3,
         "messaging.max_attempts": 1, "links.RU_KP.delivery": 0.5,
         "links.RU_KP.interpreter_proficiency": 0.5, "links.RU_KP.challenge_signal": 0.2}


# --- the switches -------------------------------------------------------------------------

def test_idealised_mirrors_the_schema_parts_and_perfect_comms_is_all_three(kit):
    assert tuple(f.name for f in dataclasses.fields(Idealised)) == PARTS
    assert Idealised.everything().perfect and not AS_IS.perfect
    assert not Idealised(perfect_reports=True, no_language_barrier=True).perfect
    assert kit.lever("perfect_comms").parts() == PARTS
    assert kit.lever("none").parts() == ()
    for part in PARTS:
        assert kit.lever(part).parts() == (part,)
        assert Idealised.of(kit.lever(part).parts()) == Idealised(**{part: True})


def test_a_model_reads_the_parts_of_its_lever(kit):
    world = kit.tiny()
    assert kit.model(world).network.ideal == AS_IS
    assert kit.model(world, lever="perfect_comms").network.ideal == Idealised.everything()
    assert kit.model(world, lever="no_language_barrier").network.ideal == FLUENT


# --- garbling when delivered at once --------------------------------------------------------

def test_garbled_at_once_asks_again_until_understood_or_misunderstood_unnoticed():
    assert garbled_at_once(1.0, 0.5) == 0.0
    assert garbled_at_once(0.3, 0.0) == pytest.approx(0.7)        # nothing noticed
    assert garbled_at_once(0.3, 0.5) == pytest.approx(0.35 / 0.65)
    assert garbled_at_once(0.0, 0.5) == 1.0
    assert garbled_at_once(0.0, 1.0) == 1.0                       # never understood
    assert garbled_at_once(0.5, 1.0) == 0.0                       # every slip noticed


def test_perfect_reports_deliver_at_once_but_still_garble_across_the_barrier(kit):
    """No link, radio or net gets in the way (delivery 0, full jamming), even without a
    route; across the A-B link (shared alpha at 0.3, no interpreters) a message is garbled
    with P garbled_at_once(0.3, 0.5); within a nation never."""
    world = kit.tiny({"links.AB.delivery": 0.0, "environment.jamming": 1.0})
    net = Network(world, REPORTS)
    start = np.linspace(0.0, 5.0, 4000)
    p = garbled_at_once(0.3, world.identification.garble_noticed)
    for src, dst in ((0, 1), (1, 0), (0, 2), (1, 1)):   # (0, 2): ally to enemy HQ, no route
        out = send(net, src, dst, start, np.random.default_rng(src + dst))
        assert out.delivered.all()
        np.testing.assert_array_equal(out.arrive, start)
        assert (out.attempts == 1).all()
        if src != dst and dst != 2:
            assert abs(out.garbled.mean() - p) < Z * np.sqrt(p * (1 - p) / start.size)
        else:
            assert not out.garbled.any()
    assert net.route_garble_at_once[0, 1] == pytest.approx(p)
    assert net.route_garble_at_once[0, 0] == 0.0 and net.route_garble_at_once[0, 2] == 0.0
    np.testing.assert_allclose(net.check_fire_through[:2, :2], [[1.0, 0.3], [0.3, 1.0]])


def test_perfect_reports_queue_nowhere(kit):
    """A pool of one message an hour with a 6 h backlog: nothing waits, nothing is turned
    away, the pool's books do not move."""
    net = Network(kit.tiny({"links.AB.interpreters": 1 / 6, "links.AB.max_queue_h": 0.1}),
                  REPORTS)
    assert net.routes[(0, 1)][0].translated
    net.load.free_at[:] = 6.0
    out = send(net, 0, 1, np.zeros(50), np.random.default_rng(0))
    assert out.delivered.all() and (out.arrive == 0.0).all()
    assert (net.load.served == 0).all() and (net.load.turned_away == 0).all()


# --- no language barrier --------------------------------------------------------------------

def test_no_language_barrier_understands_everything_and_translates_nothing(kit):
    world = kit.tiny({"links.AB.interpreters": 4, "links.AB.challenge_signal": 0.1})
    real, fluent = Network(world), Network(world, FLUENT)
    assert real.routes[(0, 1)][0].translated and real.challenge[0, 1] < 1
    for hop in fluent.hop_list:
        assert hop.comprehension == 1.0 and not hop.translated
    assert (fluent.challenge == 1.0).all()
    assert [p.link for p in fluent.pools] == [p.link for p in real.pools]   # still recorded


def test_no_language_barrier_still_loses_messages_and_makes_them_late(kit):
    """The link delivers with P 0.5 and takes 1 h on average: half the messages are lost,
    the others late; none is garbled (one send each)."""
    world = kit.tiny({"links.AB.delivery": 0.5, "links.AB.latency_h": 1.0,
                      "environment.jamming": 0.0, "messaging.max_attempts": 1})
    out = send(Network(world, FLUENT), 0, 1, np.zeros(4000), np.random.default_rng(3))
    assert abs(out.delivered.mean() - 0.5) < Z * np.sqrt(0.25 / 4000)
    assert not out.garbled.any()
    late = out.arrive[out.delivered]
    assert abs(late.mean() - 1.0) < Z * 1.0 / np.sqrt(late.size)


# --- how long an incident lasts -----------------------------------------------------------

def _ideal_model(kit, world, ideal: Idealised):
    lever = with_parts(kit.lever("none"), [p for p in PARTS if getattr(ideal, p)])
    return build_model(kit.config(world), lever=lever)


def test_perfect_reports_carry_a_check_fire_call_at_once_but_not_its_meaning(kit):
    """Blind victims, dead radios, full jamming: under perfect_reports a call within a nation
    arrives at once; across the barrier (alpha at 0.3) a send is understood with P 0.3,
    and one not understood is called again ``check_fire_retry_h`` later."""
    attempts, retry = 3, 0.2
    world = kit.tiny({**BLIND, "nations.A.report_delivery": 0.0, "environment.jamming": 1.0,
                      "messaging.check_fire_attempts": attempts,
                      "messaging.check_fire_retry_h": retry})
    model = _ideal_model(kit, world, REPORTS)
    assert (_delays(model, "A", "A", 0.0, n=50) == 0.0).all()
    delays = _delays(model, "A", "B", 0.0)
    k = np.arange(attempts)
    pk = 0.3 * 0.7 ** k
    np.testing.assert_allclose(np.unique(delays[np.isfinite(delays)]), retry * k)
    for j in k:
        assert abs((delays == retry * j).mean() - pk[j]) < Z * np.sqrt(pk[j] / delays.size)
    assert np.isinf(_delays(_ideal_model(kit, world, AS_IS), "A", "A", 0.0, n=50)).all()


def test_without_a_language_barrier_a_victim_in_sight_is_understood_at_its_first_call(kit, put):
    world = kit.tiny({"links": {}, "nations.A.report_delivery": 0.0,
                      "messaging.check_fire_latency_h": 0.05})
    model = _ideal_model(kit, world, FLUENT)
    put(model, [(-0.5, 0.0), (-0.5, 20.0), (-0.5, 1.0), (-0.5, 30.0), (0.5, 0.0), (0.5, 9.0)])
    np.testing.assert_allclose(_delays(model, "A", "B", 0.0, n=200), 0.05)


def test_instant_check_fire_stops_fire_at_once_and_only_it_does(kit):
    world = kit.tiny(BLIND)
    assert (_delays(_ideal_model(kit, world, INSTANT), "A", "B", 0.0, n=50) == 0).all()
    for ideal in (AS_IS, FLUENT):
        assert (_delays(_ideal_model(kit, world, ideal), "A", "B", 0.0, n=50) > 0).all()


# --- pictures -------------------------------------------------------------------------------

def test_perfect_reports_keep_every_entry_current_with_garbled_grids_across_the_barrier(kit):
    """Every step every entry is current and not lost; an entry of HQ A about a B unit is
    the truth or garbled (with P route_garble_at_once); entries within a nation are the
    truth."""
    world = kit.tiny({"units.a.count": 20, "units.b.count": 20, "horizon_h": 6.0})
    model = _ideal_model(kit, world, REPORTS)
    f, p = model.forces, model.pictures
    a, b = f.nation_names.index("A"), f.nation_names.index("B")
    garbled = []
    for _ in range(6):
        model.step()
        np.testing.assert_array_equal(p.current(model.time_h), p.member)
        assert not p.published.lost.any()
        cross = p.member[a] & (f.nation == b)
        same = p.member[a] & (f.nation == a)
        assert not p.published.garbled[a, same].any()
        np.testing.assert_allclose(p.published.pos[a, same], f.pos[same])
        ok = cross & ~p.published.garbled[a]
        np.testing.assert_allclose(p.published.pos[a, ok], f.pos[ok])
        garbled += list(p.published.garbled[a, cross])
    q = model.network.route_garble_at_once[b, a]
    assert 0 < q < 1
    assert abs(np.mean(garbled) - q) < Z * np.sqrt(q * (1 - q) / len(garbled))


# --- whole runs -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rough(kit):
    """Two replications of the rough front under none, each part alone and perfect_comms."""
    world = kit.kursk(horizon_h=96, kp=8, ru=8, ua=8, changes=ROUGH)
    cfg = kit.config(world, 41)
    levers = {"none": cfg.intervention, "perfect_comms": kit.lever("perfect_comms"),
              "all_three": with_parts(cfg.intervention, PARTS),
              **{p: kit.lever(p) for p in PARTS}}
    return {name: [run_replication(cfg, lever, s, i, seed_label(s))
                   for i, s in enumerate(replication_seeds(41, 2))]
            for name, lever in levers.items()}


def _count(results, *causes: Cause) -> int:
    return sum(r.by_cause[str(c)] for r in results for c in causes)


def _direct_durations(results) -> np.ndarray:
    return np.array([i["end_h"] - i["time_h"] for r in results for i in r.incidents
                     if i["fire"] == "direct"])


def test_the_rough_front_has_every_kind_of_communication_failure(rough):
    base = rough["none"]
    for cause in (Cause.REPORT_LOST, Cause.REPORT_GARBLED, Cause.CHALLENGE_FAILED):
        assert _count(base, cause) > 0, cause
    assert (_direct_durations(base) > 0).any()


def test_under_no_language_barrier_nothing_is_garbled_or_misheard_but_reports_are_lost(rough):
    runs = rough["no_language_barrier"]
    assert _count(runs, Cause.REPORT_GARBLED, Cause.CHALLENGE_FAILED) == 0
    assert _count(runs, Cause.REPORT_LOST) > 0
    assert (_direct_durations(runs) > 0).any()


def test_under_perfect_reports_nothing_is_lost_or_stale_but_language_still_bites(rough):
    runs = rough["perfect_reports"]
    assert _count(runs, Cause.REPORT_LOST, Cause.REPORT_STALE) == 0
    assert _count(runs, Cause.REPORT_GARBLED) > 0
    assert _count(runs, Cause.CHALLENGE_FAILED) > 0
    assert (_direct_durations(runs) > 0).any()      # calls across the barrier misheard


def test_under_instant_check_fire_every_direct_incident_lasts_nothing(rough):
    runs = rough["instant_check_fire"]
    durations = _direct_durations(runs)
    assert durations.size > 0 and (durations == 0).all()
    assert _count(runs, Cause.REPORT_LOST) > 0 and _count(runs, Cause.REPORT_GARBLED) > 0
    direct_ff = sum(i["killed"] + i["wounded"] for r in runs for i in r.incidents
                    if i["fire"] == "direct")
    assert direct_ff == 0


def test_all_three_parts_are_perfect_comms_draw_for_draw(rough):
    for mine, theirs in zip(rough["all_three"], rough["perfect_comms"], strict=True):
        assert mine.metrics == theirs.metrics
        assert mine.incidents == theirs.incidents
        assert mine.timeseries == theirs.timeseries
        assert mine.links == theirs.links
        assert mine.by_nation == theirs.by_nation


def test_all_three_parts_are_perfect_comms_on_a_three_nation_coalition(kit):
    world = kit.scenario("tri_nation_exercise", horizon_h=48,
                         counts={"us": 3, "fr": 3, "pl": 3, "opfor": 6},
                         changes={"identification.position_error_km": 0.2})
    parts = build_model(kit.config(world, 7), lever=with_parts(kit.lever("none"), PARTS)).run()
    perfect = build_model(kit.config(world, 7), lever=kit.lever("perfect_comms")).run()
    a, b = summarise(parts, 0, 0), summarise(perfect, 0, 0)
    assert a.metrics == b.metrics and a.incidents == b.incidents
