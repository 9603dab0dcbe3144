"""Invariants of a whole run (sim/model/model.py, summarised by sim/experiment/replication.py).

First on a few small configured scenarios, then with hypothesis over random valid tiny
worlds (derandomized, so the examples are fixed): whatever the parameters, the books
balance, nothing goes negative or NaN, and every incident is an engagement.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.experiment.metrics import METRICS
from sim.model.records import CAUSES
from sim.model.streams import replication_seeds, seed_label

from .conftest import TINY, changed

COMMS = {c.value for c in CAUSES if c.is_communication}


def check_result(r, world, perfect_comms: bool = False) -> None:
    """Every invariant a single replication's result must satisfy."""
    m = r.metrics
    assert set(m) == set(METRICS)
    assert all(math.isfinite(v) for v in m.values()), m
    assert all(v >= 0 for v in m.values()), m
    assert 0.0 <= m["fratricide_share"] <= 1.0 and 0.0 <= m["miscommunication_share"] <= 1.0
    # causes and incidents
    n_inc = len(r.incidents)
    assert set(r.by_cause) == {c.value for c in CAUSES}
    assert sum(r.by_cause.values()) == n_inc == m["friendly_fire_incidents"]
    comms = sum(n for c, n in r.by_cause.items() if c in COMMS)
    assert m["miscommunication_share"] == pytest.approx(comms / n_inc if n_inc else 0.0)
    assert sum(i["killed"] + i["wounded"] for i in r.incidents) == m["friendly_fire_casualties"]
    assert m["friendly_fire_casualties"] + m["hostile_fire_casualties"] <= m["total_casualties"]
    if m["total_casualties"]:
        assert m["fratricide_share"] == pytest.approx(
            m["friendly_fire_casualties"] / m["total_casualties"])
    coalition = {n for n, nat in world.nations.items() if nat.side == "coalition"}
    end_h = math.ceil(world.horizon_h / world.dt_h - 1e-9) * world.dt_h   # whole steps
    for i in r.incidents:
        assert i["shooter_nation"] in coalition and i["target_nation"] in coalition
        assert i["killed"] >= 0 and i["wounded"] >= 0
        assert not i["end_h"] < i["time_h"]                 # NaN (still under way) allowed
        assert 0.0 <= i["time_h"] <= end_h + 1e-9
    # every incident is an engagement (direct) or a unit hit by a mission (indirect)
    direct = sum(1 for i in r.incidents if i["fire"] == "direct")
    indirect = n_inc - direct
    n_units = sum(g.count for g in world.units.values())
    assert direct <= r.engagements
    assert indirect <= r.missions * n_units
    # nations
    by_nation = r.by_nation
    assert sum(v["friendly_fire_casualties"] for v in by_nation.values()) == \
        m["friendly_fire_casualties"]
    assert sum(v["killed"] + v["wounded"] for v in by_nation.values()
               if v["side"] == "coalition") == m["total_casualties"]
    for v in by_nation.values():
        assert v["deployed"] >= v["initial"] >= 0
    # the time series: every nation at every record time, conserved, cumulative
    ts = pd.DataFrame(r.timeseries)
    times = np.sort(ts.time_h.unique())
    assert times[0] == 0.0 and times[-1] == pytest.approx(end_h)
    assert len(ts) == len(times) * len(world.nations)
    assert (ts.groupby("time_h").nation.nunique() == len(world.nations)).all()
    assert (ts.strength >= 0).all()
    np.testing.assert_array_equal(ts.strength + ts.killed + ts.wounded, ts.deployed)
    first = ts[ts.time_h == 0.0]
    assert (first.killed == 0).all() and (first.wounded == 0).all()
    for _, g in ts.sort_values("time_h").groupby("nation"):
        for col in ("killed", "wounded", "friendly_fire_casualties", "deployed"):
            assert (np.diff(g[col].to_numpy()) >= 0).all(), col
    last = ts[ts.time_h == times[-1]].set_index("nation")
    for name, v in by_nation.items():
        assert last.loc[name, "killed"] == v["killed"]
        assert last.loc[name, "wounded"] == v["wounded"]
        assert last.loc[name, "deployed"] == v["deployed"]
    if perfect_comms:
        assert comms == 0, r.by_cause


@pytest.mark.parametrize("lever", ["none", "perfect_comms", "strict_roe", "common_radio_net"])
def test_books_balance_on_a_small_kursk_front(kit, lever):
    world = kit.kursk(horizon_h=120, changes={"identification.position_error_km": 0.1})
    results = kit.replicate(world, 2, seed=41, lever=lever)
    for r in results:
        check_result(r, world)
    assert sum(r.metrics["friendly_fire_incidents"] for r in results) > 0   # not vacuous


def test_books_balance_with_withdrawal_and_reinforcement(kit):
    world = kit.scenario("tri_nation_exercise", horizon_h=96,
                         counts={"us": 4, "fr": 4, "pl": 4, "opfor": 8},
                         changes={"units.opfor.lethality": 0.01, "campaign.rest_h": 12.0,
                                  "campaign.reinforce_to_fraction": 1.0})
    for r in kit.replicate(world, 2, seed=42):
        check_result(r, world)
        assert any(v["deployed"] > v["initial"] for v in r.by_nation.values())


# --- hypothesis: random tiny worlds ------------------------------------------------------------

prob = st.floats(0.0, 1.0)


@st.composite
def tiny_worlds(draw):
    dt = draw(st.sampled_from([0.5, 1.0, 2.0]))
    ch = {
        "dt_h": dt,
        "horizon_h": draw(st.floats(dt, 36.0)),
        "record_every_h": draw(st.sampled_from([dt, 3.0, 7.5, 24.0])),
        "killed_fraction": draw(prob),
        "slot_spacing_km": draw(st.floats(0.1, 0.6)),
        "nations.B.languages": {"beta": 1.0, "alpha": draw(prob)},
        "nations.B.fire_support_from": draw(st.sampled_from([None, "A", "B"])),
        "links.AB.delivery": draw(prob),
        "links.AB.latency_h": draw(st.floats(0.0, 2.0)),
        "links.AB.interpreters": draw(st.sampled_from([0.0, 1.0, 4.0])),
        "links.AB.interpreter_proficiency": draw(prob),
        "links.AB.challenge_signal": draw(prob),
        "links.AB.max_queue_h": draw(st.floats(0.1, 6.0)),
        "nations.B.radio": draw(st.sampled_from(["rb", "ra"])),   # "ra": a net shared with A
        "environment.night_hours": draw(st.integers(0, 24)),
        "environment.night_visibility": draw(prob),
        "environment.jamming": draw(prob),
        "identification.gate_km": draw(st.floats(0.0, 1.0)),
        "identification.position_error_km": draw(st.floats(0.0, 0.5)),
        "identification.visual_range_km": draw(st.floats(0.0, 2.0)),
        "identification.challenge_range_km": draw(st.floats(0.0, 1.0)),
        "identification.self_recognition_per_h": draw(prob),
        "identification.entry_expiry_h": draw(st.floats(0.5, 24.0)),
        "indirect_fire.call_prob_per_h": draw(prob),
        "indirect_fire.effect_radius_km": draw(st.floats(0.0, 1.0)),
        "indirect_fire.dispersion_km": draw(st.floats(0.0, 0.5)),
        "indirect_fire.casualty_fraction": draw(prob),
        "indirect_fire.no_fire_radius_km": draw(st.floats(0.0, 1.0)),
        "campaign.withdraw_loss_fraction": draw(st.floats(0.05, 1.0)),
        "campaign.rest_h": draw(st.floats(0.0, 12.0)),
        "campaign.reinforce_to_fraction": draw(prob),
        "campaign.redeploy_min_fraction": draw(prob),
        "surprise.exposed_h": draw(st.floats(0.0, 2.0)),
        "surprise.alert_h": draw(st.floats(0.0, 12.0)),
        "weapons": {"gun": {"targets": draw(st.sampled_from(["dismounts", "vehicles"])),
                            "range_km": draw(st.floats(0.0, 2.0)),
                            "pk": sorted([draw(st.floats(0.0, 2.0)), draw(prob)]
                                         for _ in range(draw(st.integers(1, 3)))),
                            "rate_per_h": draw(st.floats(0.0, 50.0)),
                            "casualties_per_hit": draw(st.floats(0.0, 5.0)),
                            "killed_fraction": draw(prob),
                            "killed_fraction_exposed": draw(prob)}},
    }
    for n in "ABE":
        ch[f"nations.{n}.training"] = draw(prob)
        ch[f"nations.{n}.markings"] = draw(prob)
        ch[f"nations.{n}.report_delivery"] = draw(prob)
        ch[f"nations.{n}.report_interval_h"] = draw(st.floats(0.25, 6.0))
        ch[f"nations.{n}.picture_refresh_h"] = draw(st.floats(0.25, 6.0))
        ch[f"nations.{n}.fire_missions_per_h"] = draw(st.floats(0.0, 5.0))
        for k in ("engage_forward", "engage_unidentified", "engage_failed_challenge"):
            ch[f"nations.{n}.roe.{k}"] = draw(prob)
    # allies and enemy within a few hundred metres of each other, so that they fight
    for g, x in (("a", -0.3), ("b", -0.3), ("e", 0.3)):
        ch[f"units.{g}.count"] = draw(st.integers(0 if g == "b" else 1, 3))
        ch[f"units.{g}.strength"] = draw(st.integers(0, 300))
        ch[f"units.{g}.x_km"] = x + draw(st.floats(-0.3, 0.3))
        ch[f"units.{g}.front_from_h"] = draw(st.sampled_from([0.0, 0.0, 5.0]))
        ch[f"units.{g}.speed_kmh"] = draw(st.floats(0.0, 5.0))
        ch[f"units.{g}.patrol_km"] = draw(st.floats(0.0, 0.5))
        ch[f"units.{g}.sensor_range_km"] = draw(st.floats(0.5, 4.0))
        ch[f"units.{g}.weapon_range_km"] = draw(st.floats(0.3, 2.0))
        ch[f"units.{g}.lethality"] = draw(st.floats(0.0, 0.1))
        ch[f"units.{g}.weapons"] = {"gun": draw(st.floats(0.0, 20.0))}
        ch[f"units.{g}.vehicles"] = draw(st.integers(0, 4))
        ch[f"units.{g}.protection"] = draw(prob)
        ch[f"units.{g}.cover"] = draw(prob)
    return changed(TINY, ch), draw(st.booleans()), draw(st.integers(0, 2**32 - 1))


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(tiny_worlds())
def test_invariants_hold_in_random_tiny_worlds(kit, case):
    world, perfect, seed = case
    lever = kit.lever("perfect_comms" if perfect else "none")
    from sim.experiment.replication import run_replication

    seq = replication_seeds(seed, 1)[0]
    r = run_replication(kit.config(world, seed), lever, seq, 0, seed_label(seq))
    check_result(r, world)
