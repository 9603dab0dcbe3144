"""The fast sensing step against its plain Mesa reference (sim/model/reference.py).

Each test runs a small model whose ``sensing.look`` is wrapped: at every step
the model's own look (generators ``streams.at("sensing", k)`` and
``streams.at("identification", k)``) is compared with
``ReferenceSensing.look`` on fresh generators of the same (mechanism, step),
at the very moment of the step the model looks, so both see the same
positions, pictures and strengths. Contacts must agree exactly (observer,
target, hostile, challenge_failed) and distances and sensed positions to
``TOL_KM`` (the two sum squares in a different order: a few ulps).

So that agreement is not vacuous, each case also checks that its looks hold
hostile and spared contacts, correlated, identified and challenged ones; and
the reference with a different gate, ROE, challenge range, expiry or front
line must disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from sim.model.reference import Decision, ReferenceSensing
from sim.model.sensing import Contacts

#: Distance and sensed-position agreement, km.
TOL_KM = 1e-12


@dataclass
class Look:
    """One step's look, fast and reference."""

    t: float
    visibility: float
    fast: Contacts
    slow: Contacts
    decisions: list[Decision]


def _watch(model, monkeypatch) -> tuple[list[Look], ReferenceSensing]:
    """Wrap the model's look so every step also looks the reference way; the model goes
    on with the fast contacts. Returns the growing list of looks and the reference."""
    ref = ReferenceSensing(model)
    looks: list[Look] = []
    fast_look = model.sensing.look

    def look(t, sense_rng, ident_rng):
        fast = fast_look(t, sense_rng, ident_rng)
        k, s = model.steps, model.streams
        slow = ref.look(t, s.at("sensing", k), s.at("identification", k))
        looks.append(Look(t, ref.visibility(t), fast, slow, list(ref.decisions)))
        return fast

    monkeypatch.setattr(model.sensing, "look", look)
    return looks, ref


def _differences(a: Contacts, b: Contacts) -> list[str]:
    """Names of the fields on which two looks disagree (empty when they agree)."""
    if not (np.array_equal(a.observer, b.observer) and np.array_equal(a.target, b.target)):
        return ["pairs"]
    out = [name for name in ("hostile", "challenge_failed")
           if not np.array_equal(getattr(a, name), getattr(b, name))]
    if np.abs(a.distance - b.distance).max(initial=0.0) > TOL_KM:
        out.append("distance")
    if np.abs(a.seen_at - b.seen_at).max(initial=0.0) > TOL_KM:
        out.append("seen_at")
    return out


def _assert_agree(looks: list[Look]) -> None:
    assert looks
    for look in looks:
        assert look.fast.seen_at.shape == look.slow.seen_at.shape == (len(look.fast), 2)
        assert not _differences(look.fast, look.slow), (look.t, _differences(look.fast,
                                                                             look.slow))


def _tally(looks: list[Look], coalition: np.ndarray) -> dict[str, int]:
    """Counts over every decision of ``looks`` (to show the comparison is not vacuous)."""
    ds = [d for look in looks for d in look.decisions]
    friendly = [d for d in ds if coalition[d.observer] and coalition[d.target]]
    return {
        "contacts": len(ds),
        "hostile": sum(d.hostile for d in ds),
        "spared": sum(not d.hostile for d in ds),
        "correlated": sum(d.correlated for d in ds),
        "remembered": sum(d.remembered for d in ds),
        "identified": sum(d.identified for d in ds),
        "challenged": sum(d.challenged for d in ds),
        "challenge_failed": sum(d.challenge_failed for d in ds),
        "uncorrelated_unknown": sum(not (d.correlated or d.identified or d.challenged)
                                    for d in ds),
        "friendly_contacts": len(friendly),
        "friendly_fire": sum(d.hostile for d in friendly),
    }


def _assert_rich(tally: dict[str, int], *needed: str) -> None:
    for name in needed:
        assert tally[name] > 0, (name, tally)


#: Contact memory off: every contact goes through correlation, identification and challenge,
#: so each of those branches is exercised (memory is compared on its own below).
NO_MEMORY = {"identification.track_memory_h": 0.0}


def test_contact_memory_agrees(kit, monkeypatch):
    """kursk_2024's contact memory (6 h): remembered contacts are judged alike."""
    model = kit.model(kit.kursk(kp=8, ru=8, ua=8), seed=3)
    assert model.world.identification.track_memory_h > 0
    model.run_for(3)
    looks, _ = _watch(model, monkeypatch)
    model.run_for(24)
    _assert_agree(looks)
    _assert_rich(_tally(looks, model.forces.coalition), "remembered", "correlated",
                 "identified", "friendly_contacts")


def test_kursk_ru_and_kp_agree_by_day_and_by_night(kit, monkeypatch):
    """Two coalition nations (RU, KP) beside each other against UA, over a full day."""
    model = kit.model(kit.kursk(kp=8, ru=8, ua=8, changes=NO_MEMORY), seed=3)
    model.run_for(3)
    looks, _ = _watch(model, monkeypatch)
    model.run_for(24)
    _assert_agree(looks)
    assert {look.visibility for look in looks} == {1.0, 0.5}     # days and nights
    _assert_rich(_tally(looks, model.forces.coalition), "hostile", "spared", "correlated",
                 "identified", "challenged", "challenge_failed", "uncorrelated_unknown",
                 "friendly_contacts", "friendly_fire")
    f = model.forces
    ru, kp = f.nation_names.index("RU"), f.nation_names.index("KP")
    across = [d for look in looks for d in look.decisions
              if {f.nation[d.observer], f.nation[d.target]} == {ru, kp}]
    assert any(d.correlated for d in across) and any(not d.correlated for d in across)


def test_perfect_comms_agree(kit, monkeypatch):
    """Pictures are the truth and every challenge is understood."""
    model = kit.model(kit.kursk(kp=8, ru=8, ua=8, changes=NO_MEMORY), seed=4,
                      lever="perfect_comms")
    assert model.network.ideal.perfect
    model.run_for(2)
    looks, _ = _watch(model, monkeypatch)
    model.run_for(8)
    _assert_agree(looks)
    _assert_rich(_tally(looks, model.forces.coalition), "hostile", "spared", "correlated",
                 "identified", "challenged", "friendly_contacts")
    coalition = model.forces.coalition
    assert not any(d.challenge_failed for look in looks for d in look.decisions
                   if coalition[d.observer] and coalition[d.target])    # always understood


def test_three_coalition_nations_agree_at_night(kit, monkeypatch):
    """US, FR and PL interleaved against OPFOR, in the dark all day."""
    world = kit.scenario("tri_nation_exercise", counts={"us": 5, "fr": 5, "pl": 5, "opfor": 10},
                         changes={"environment.night_hours": 24,
                                  "environment.night_visibility": 0.4})
    model = kit.model(world, seed=5)
    model.run_for(2)
    looks, _ = _watch(model, monkeypatch)
    model.run_for(6)
    _assert_agree(looks)
    assert {look.visibility for look in looks} == {0.4}
    _assert_rich(_tally(looks, model.forces.coalition), "hostile", "spared", "correlated",
                 "identified", "challenged", "friendly_contacts")
    f = model.forces
    nations = {(f.nation[d.observer], f.nation[d.target])
               for look in looks for d in look.decisions}
    coalition_nations = {f.nation[i] for i in np.flatnonzero(f.coalition)}
    assert len(coalition_nations) == 3
    assert sum(a != b and a in coalition_nations and b in coalition_nations
               for a, b in nations) >= 4


def test_units_on_the_same_point_see_each_other_in_both(kit, monkeypatch, put):
    """A pair at distance 0 is a contact (detected surely here): the reference must not
    drop it the way ``include_center=False`` would."""
    world = kit.tiny({"environment.night_hours": 0, "units.a.cover": 0.0,
                      "units.b.cover": 0.0})
    model = kit.model(world, seed=6)
    # rows: a-001, a-002, b-001, b-002, e-001, e-002; a-001 and b-001 share a point
    put(model, [(-0.5, 0.0), (-0.5, 1.0), (-0.5, 0.0), (-0.5, 1.5), (0.5, 0.0), (0.5, 1.0)])
    looks, _ = _watch(model, monkeypatch)
    model.run_for(3)
    _assert_agree(looks)
    for look in looks:
        pairs = set(zip(look.slow.observer.tolist(), look.slow.target.tolist(), strict=True))
        assert {(0, 2), (2, 0)} <= pairs
        row = np.flatnonzero((look.slow.observer == 0) & (look.slow.target == 2))[0]
        assert look.slow.distance[row] == 0.0


def _halve_gate(ref):
    ref.gate_km *= 0.5


def _roe_without_forward_zone(ref):
    ref.roe = {k: (unid, unid, failed) for k, (fwd, unid, failed) in ref.roe.items()}


def _roe_failed_as_unidentified(ref):
    ref.roe = {k: (fwd, unid, unid) for k, (fwd, unid, failed) in ref.roe.items()}


def _shorter_challenge(ref):
    ref.challenge_range_km *= 0.5


def _shorter_expiry(ref):
    ref.entry_expiry_h = 0.5


def _front_moved(ref):
    ref.front_x -= 0.5


def _harsh_looks(kit, monkeypatch, change: Callable[[ReferenceSensing], None] | None):
    """Kursk where a failed challenge is always engaged (so that branch of the ROE is
    decisive too), looked at both ways for 6 steps after 3, the reference changed first."""
    world = kit.kursk(kp=8, ru=8, ua=8, changes={
        "nations.KP.roe.engage_failed_challenge": 1.0,
        "nations.RU.roe.engage_failed_challenge": 1.0, **NO_MEMORY})
    model = kit.model(world, seed=3)
    model.run_for(3)
    looks, ref = _watch(model, monkeypatch)
    if change is not None:
        change(ref)
    model.run_for(6)
    return looks


def test_the_harsh_case_agrees_unchanged(kit, monkeypatch):
    looks = _harsh_looks(kit, monkeypatch, None)
    _assert_agree(looks)
    assert any(d.challenge_failed and d.hostile for look in looks for d in look.decisions)


@pytest.mark.parametrize("change", [
    _halve_gate, _roe_without_forward_zone, _roe_failed_as_unidentified, _shorter_challenge,
    _shorter_expiry, _front_moved])
def test_the_comparison_notices_a_different_rule(kit, monkeypatch,
                                                 change: Callable[[ReferenceSensing], None]):
    looks = _harsh_looks(kit, monkeypatch, change)
    assert sum(bool(_differences(look.fast, look.slow)) for look in looks) >= 1
