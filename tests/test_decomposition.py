"""The decomposition of the effect of miscommunication (sim/experiment/decomposition.py).

First the pure functions (Shapley values against a hand-computed example and against the
average over orders, efficiency, symmetry, a dummy part; the summary built from tables),
then the runner (combinations that build the same model are simulated once), then
``sim run decompose=true`` end to end: a run directory whose parts sum to the effect in
every replication, that passes the shared contract checker and is byte-identical whatever
the workers, and that ``sim report`` rebuilds byte for byte.
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import CHECKER, METRICS, SIM, SUBPROCESS_TIMEOUT_S, run_sim, run_sim_many

from sim import api
from sim.experiment import decomposition as decomp
from sim.experiment import runner
from sim.experiment.stats import paired_difference
from sim.schema import PARTS

#: A tiny, rough Kursk front (lossy links, one send per message, blurred sensors) on which
#: miscommunication causes incidents within 72 h.
ROUGH = ["scale=0.05", "scenario.horizon_h=72", "scenario.units.kp.front_from_h=0",
         "scenario.identification.position_error_km=0.2", "scenario.environment.jamming=0.3",
         "+scenario.messaging.max_attempts=1", "scenario.links.RU_KP.delivery=0.5"]
SEED = 3
R, L, C = PARTS


# --- Shapley values -------------------------------------------------------------------------

#: v(S): a metric with the parts in S made perfect (worked by hand in the test below).
HAND = {frozenset(): 10.0, frozenset({R}): 6.0, frozenset({L}): 7.0, frozenset({C}): 9.0,
        frozenset({R, L}): 4.0, frozenset({R, C}): 5.0, frozenset({L, C}): 6.0,
        frozenset(PARTS): 1.0}


def test_shapley_matches_a_hand_computed_example():
    """Weights 1/3 (no other part perfect), 1/6, 1/6 (one), 1/3 (both):
    R: (10-6)/3 + (7-4)/6 + (9-5)/6 + (6-1)/3 = 25/6; L: 3/3 + 2/6 + 3/6 + 4/3 = 19/6;
    C: 1/3 + 1/6 + 1/6 + 3/3 = 10/6; together 9 = v(none) - v(all). (Equal weights of 1/4,
    the Banzhaf value, would give R 4.)"""
    phi = decomp.shapley(HAND)
    assert phi[R] == pytest.approx(25 / 6)
    assert phi[L] == pytest.approx(19 / 6)
    assert phi[C] == pytest.approx(10 / 6)
    assert sum(phi.values()) == pytest.approx(HAND[frozenset()] - HAND[frozenset(PARTS)])


def _by_orders(values, parts):
    """The definition: the mean over every order of making parts perfect of each part's
    marginal drop."""
    out = {p: 0.0 for p in parts}
    orders = list(itertools.permutations(parts))
    for order in orders:
        done: frozenset[str] = frozenset()
        for p in order:
            out[p] += (values[done] - values[done | {p}]) / len(orders)
            done = done | {p}
    return out


def test_shapley_is_the_mean_marginal_drop_over_orders_and_sums_to_the_effect():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 4):
        parts = tuple(f"p{i}" for i in range(n))
        values = {frozenset(s): rng.normal(size=5) for s in decomp.subsets(parts)}
        phi = decomp.shapley(values, parts)
        for k in range(5):
            ref = _by_orders({s: v[k] for s, v in values.items()}, parts)
            for p in parts:
                assert phi[p][k] == pytest.approx(ref[p])
        np.testing.assert_allclose(sum(phi.values()),
                                   values[frozenset()] - values[frozenset(parts)])


def test_shapley_gives_symmetric_parts_equal_values_and_a_dummy_part_nothing():
    """v depends on how many of R and L are perfect, and not at all on C."""
    values = {frozenset(s): 12.0 - 5.0 * len({R, L} & set(s)) ** 1.5
              for s in decomp.subsets()}
    phi = decomp.shapley(values)
    assert phi[R] == pytest.approx(phi[L])
    assert phi[C] == 0.0
    assert phi[R] + phi[L] == pytest.approx(values[frozenset()] - values[frozenset(PARTS)])


# --- combinations, levers, tables -----------------------------------------------------------

def test_subsets_are_every_combination_smallest_first_and_labelled():
    subs = decomp.subsets()
    assert len(subs) == 8 and len(set(subs)) == 8
    assert subs[0] == () and subs[-1] == PARTS
    assert [len(s) for s in subs] == sorted(len(s) for s in subs)
    assert decomp.label(()) == "none"
    assert decomp.label((R, C)) == "perfect_reports+instant_check_fire"


def test_levers_with_parts_and_what_decides_a_simulation():
    none, strict = api.config().intervention, api.config("intervention=strict_roe").intervention
    perfect = api.config("intervention=perfect_comms").intervention
    both = decomp.with_parts(strict, (R, L))
    assert both.name == "strict_roe+perfect_reports+no_language_barrier"
    assert both.parts() == (R, L) and both.engage_unidentified == strict.engage_unidentified
    assert decomp.with_parts(none, ()) is none
    key = decomp.simulation_key
    assert key(decomp.with_parts(none, PARTS)) == key(perfect)
    for part in PARTS:
        assert key(decomp.with_parts(none, (part,))) == key(api.config(
            f"intervention={part}").intervention)
    assert key(decomp.with_parts(strict, PARTS)) != key(perfect)
    assert key(decomp.with_parts(none, (R,))) != key(decomp.with_parts(none, (L,)))
    assert key(decomp.with_parts(perfect, (R,))) == key(perfect)


def _tables(values: dict[frozenset, list[float]], seeds=(11, 12, 13)) -> dict[str, pd.DataFrame]:
    """Replications tables (replication, seed, every metric) of each combination: the metric
    friendly_fire_incidents takes ``values``, the others 0."""
    out = {}
    for s, v in values.items():
        df = pd.DataFrame({"replication": range(len(v)), "seed": list(seeds[:len(v)])})
        for m in METRICS:
            df[m] = v if m == "friendly_fire_incidents" else 0.0
        out[decomp.label([p for p in PARTS if p in s])] = df
    return out


def test_the_summary_splits_the_paired_effect_into_parts():
    rng = np.random.default_rng(5)
    values = {frozenset(s): list(rng.integers(0, 20, 3).astype(float))
              for s in decomp.subsets()}
    tables = _tables(values)
    base = tables.pop("none")
    out = decomp.summarise(base, tables, METRICS)
    assert out["parts"] == list(PARTS)
    m = out["metrics"]["friendly_fire_incidents"]
    assert m["effect"] == paired_difference(values[frozenset()], values[frozenset(PARTS)],
                                            method=True)
    phi = decomp.shapley({s: np.array(v) for s, v in values.items()})
    for p in PARTS:
        assert m["shapley"][p]["mean_diff"] == pytest.approx(phi[p].mean())
        assert m["shapley"][p]["ci95_low"] < m["shapley"][p]["mean_diff"] or np.ptp(phi[p]) == 0
    assert sum(d["mean_diff"] for d in m["shapley"].values()) == pytest.approx(
        m["effect"]["mean_diff"])
    assert m["combinations"] == {decomp.label([p for p in PARTS if p in s]): np.mean(v)
                                 for s, v in values.items()}
    assert out["metrics"]["total_casualties"]["effect"] == {"mean_diff": 0.0, "ci95_low": 0.0,
                                                            "ci95_high": 0.0,
                                                            "ci95_method": "none"}


def test_a_share_s_effect_and_parts_stay_within_minus_one_and_one():
    """With the metrics' ranges (as summary.json passes them), a share's effect and Shapley
    values get intervals inside [-1, 1], the range of a difference of shares."""
    rng = np.random.default_rng(8)
    values = {frozenset(s): list(rng.beta(0.5, 0.5, 3)) for s in decomp.subsets()}
    tables = _tables(values)
    out = decomp.summarise(tables.pop("none"), tables, METRICS,
                           ranges={m: (0.0, 1.0) for m in METRICS})
    m = out["metrics"]["friendly_fire_incidents"]               # the one _tables fills
    for cell in (m["effect"], *m["shapley"].values()):
        assert -1 <= cell["ci95_low"] <= cell["mean_diff"] <= cell["ci95_high"] <= 1, cell
        assert cell["ci95_method"] == "logit_t"


def test_one_replication_gives_intervals_of_zero_width_and_no_nan():
    values = {frozenset(s): [float(len(s))] for s in decomp.subsets()}
    tables = _tables(values)
    out = decomp.summarise(tables.pop("none"), tables, METRICS)
    for cell in (out["metrics"]["friendly_fire_incidents"]["effect"],
                 *out["metrics"]["friendly_fire_incidents"]["shapley"].values()):
        assert cell["ci95_low"] == cell["mean_diff"] == cell["ci95_high"]
        assert cell["ci95_method"] == "none"
        assert not math.isnan(cell["mean_diff"])


def test_an_arm_on_other_seeds_is_refused():
    values = {frozenset(s): [1.0, 2.0] for s in decomp.subsets()}
    tables = _tables(values)
    tables["perfect_reports"]["seed"] = [99, 98]
    with pytest.raises(ValueError, match="perfect_reports"):
        decomp.summarise(tables.pop("none"), tables, METRICS)


def test_the_decomposition_table_splits_back_into_its_arms():
    tables = _tables({frozenset(s): [1.0, 2.0] for s in decomp.subsets()})
    tables.pop("none")
    long = decomp.decomposition_table(tables)
    assert list(long.columns)[0] == decomp.COMBINATION and len(long) == 14
    back = decomp.split_table(long)
    assert list(back) == list(tables)
    for name, df in tables.items():
        pd.testing.assert_frame_equal(back[name], df)


# --- the runner -----------------------------------------------------------------------------

def test_combinations_that_build_the_same_model_are_simulated_once(monkeypatch):
    """intervention=perfect_reports with compare_to=perfect_comms: of the seven combinations
    two are the run itself (perfect_reports on top of perfect_reports) and two are the
    counterfactual (all three), so only two more arms are simulated."""
    calls = []
    arm = runner._arm

    def counting(cfg, lever, desc, show):
        calls.append(desc)
        return arm(cfg, lever, desc, show)

    monkeypatch.setattr(runner, "_arm", counting)
    cfg = api.config(*ROUGH, "replications=1", f"seed={SEED}", "intervention=perfect_reports",
                     "compare_to=perfect_comms", "decompose=true")
    exp = runner.run_experiment(cfg, show_progress=False)
    assert calls == ["perfect_reports", "vs perfect_comms", "+no_language_barrier",
                     "+instant_check_fire"]
    assert exp.decomposition["perfect_reports"] is exp.results
    assert exp.decomposition["+".join(PARTS)] is exp.counterfactual
    assert exp.decomposition["no_language_barrier+instant_check_fire"] is exp.counterfactual


def test_with_compare_to_perfect_comms_the_effect_is_the_comparison():
    res = api.run(*ROUGH, "replications=2", f"seed={SEED}", "compare_to=perfect_comms",
                  "decompose=true")
    dec, comp = res.summary["decomposition"], res.summary["comparison"]
    for m in METRICS:
        assert dec["metrics"][m]["effect"] == comp["metrics"][m]
    assert set(res.decomposition[decomp.COMBINATION]) == {decomp.label(s)
                                                         for s in decomp.subsets()[1:]}


# --- sim run decompose=true -------------------------------------------------------------------

@pytest.fixture(scope="module")
def decomposed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same decomposed run twice: serially, and with two workers into another directory."""
    cwd = tmp_path_factory.mktemp("decompose")
    base = [*ROUGH, "replications=2", f"seed={SEED}", "decompose=true", "progress=false"]
    dirs = {"serial": cwd / "serial", "workers": cwd / "other" / "workers"}
    results = run_sim_many([
        ([*base, f"hydra.run.dir={dirs['serial']}"], cwd),
        ([*base, "workers=2", f"hydra.run.dir={dirs['workers']}"], cwd),
    ], workers=2)
    for rc, _, err in results:
        assert rc == 0, err
    return dirs


def test_a_decomposed_run_has_parts_that_sum_to_the_effect_in_every_replication(decomposed):
    d = decomposed["serial"]
    summary = json.loads((d / "summary.json").read_text())
    dec = summary["decomposition"]
    assert dec["parts"] == list(PARTS)
    assert set(dec["metrics"]) == set(METRICS)
    reps = pd.read_parquet(d / "replications.parquet").sort_values("replication")
    arms = decomp.split_table(pd.read_parquet(d / "decomposition_replications.parquet"))
    assert set(arms) == {decomp.label(s) for s in decomp.subsets()[1:]}
    tables = {frozenset(): reps, **{frozenset(n.split("+")): df for n, df in arms.items()}}
    for m in METRICS:
        cell = dec["metrics"][m]
        total = sum(cell["shapley"][p]["mean_diff"] for p in PARTS)
        assert total == pytest.approx(cell["effect"]["mean_diff"], abs=1e-9)
        values = {s: df.sort_values("replication")[m].to_numpy() for s, df in tables.items()}
        per_rep = decomp.shapley(values)
        np.testing.assert_allclose(sum(per_rep.values()),
                                   values[frozenset()] - values[frozenset(PARTS)], atol=1e-9)
        for s, v in values.items():
            assert cell["combinations"][decomp.label([p for p in PARTS if p in s])] == \
                pytest.approx(v.mean())
        assert cell["combinations"]["none"] == pytest.approx(summary["metrics"][m]["mean"])
    # not vacuous: miscommunication causes incidents here, and the parts differ
    ff = dec["metrics"]["friendly_fire_incidents"]
    assert ff["effect"]["mean_diff"] > 0
    assert len({round(ff["shapley"][p]["mean_diff"], 9) for p in PARTS}) > 1
    assert (d / "decomposition.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_decomposed_run_directory_passes_the_contract_checker(decomposed):
    if not CHECKER.is_file():
        pytest.skip(f"{CHECKER} not present (clean clone)")
    proc = subprocess.run([sys.executable, str(CHECKER), str(decomposed["serial"])],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "contract holds" in proc.stdout


def test_a_decomposed_summary_is_byte_identical_whatever_the_workers_and_rebuilt(decomposed):
    serial = (decomposed["serial"] / "summary.json").read_bytes()
    assert serial == (decomposed["workers"] / "summary.json").read_bytes()
    proc = subprocess.run([str(SIM), "report", str(decomposed["workers"])], capture_output=True,
                          text=True, timeout=SUBPROCESS_TIMEOUT_S, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (decomposed["workers"] / "summary.json").read_bytes() == serial


def test_a_bad_decompose_value_exits_2_naming_the_key(tmp_path):
    rc, _, err = run_sim([*ROUGH, "decompose=maybe", f"hydra.run.dir={tmp_path / 'run'}"],
                         tmp_path)
    assert rc == 2, err
    assert "decompose" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()
