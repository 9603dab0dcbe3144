"""Remedies ranked over a sweep of interventions (sim/experiment/ranking.py): wins and ties,
the Jeffreys interval, the paired effect and cost, which sweeps are ranked, and the command
as a user runs it (a sweep with a posterior, then ``sim report``)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import SIM, TINY, run_sim
from scipy import stats

from sim.experiment import ranking
from sim.experiment.ranking import COST, METRIC, Arms


def _arm(ff, enemy, seeds=None) -> pd.DataFrame:
    n = len(ff)
    return pd.DataFrame({"seed": seeds or [f"s{k}" for k in range(n)], METRIC: ff, COST: enemy})


def test_the_fewest_casualties_win_and_ties_share_the_win():
    ff = np.array([[0, 1, 2], [0, 0, 3], [1, 2, 1]], float)   # (remedies, replications)
    # replication 0: remedies 0 and 1 tie at 0; replication 1: remedy 1; replication 2: remedy 2
    assert ranking.wins(ff).tolist() == [0.5, 1.5, 1.0]
    assert ranking.wins(ff).sum() == 3


def test_jeffreys_interval():
    assert ranking.jeffreys(0, 10)[0] == 0.0 and ranking.jeffreys(10, 10)[1] == 1.0
    lo, hi = ranking.jeffreys(3, 10)
    assert lo == pytest.approx(stats.beta.ppf(0.025, 3.5, 7.5))
    assert hi == pytest.approx(stats.beta.ppf(0.975, 3.5, 7.5))
    assert lo < 0.3 < hi


def test_rank_pairs_each_remedy_with_the_baseline():
    base = _arm([10, 12, 14, 16], [100, 100, 100, 100])
    a = Arms(base, {"good": _arm([1, 2, 3, 4], [90, 94, 96, 100]),
                    "weak": _arm([9, 11, 13, 15], [100, 100, 100, 100])}, ("perfect_comms",),
             posterior=False)
    r = ranking.rank(a)
    assert [row["remedy"] for row in r["remedies"]] == ["good", "weak"]
    good, weak = r["remedies"]
    assert good["p_best"] == 1.0 and weak["p_best"] == 0.0
    assert good["friendly_fire_change"]["mean_diff"] == pytest.approx(-10.5)
    assert weak["friendly_fire_change"]["ci95_low"] == weak["friendly_fire_change"]["ci95_high"]
    assert good["enemy_not_inflicted"]["mean_diff"] == pytest.approx(5.0)   # 100 - 95
    assert "p05" not in good["friendly_fire_change"]
    assert r["left_out"] == ["perfect_comms"] and r["parameters"] == "scenario"
    assert "`good` is the best" in ranking.table(r)


def test_with_a_posterior_the_effects_carry_single_campaign_quantiles():
    base = _arm(list(range(10, 30)), [50] * 20)
    a = Arms(base, {"r": _arm(list(range(20)), [49] * 20)}, (), posterior=True)
    row = ranking.rank(a)["remedies"][0]
    assert row["friendly_fire_change"]["p05"] == row["friendly_fire_change"]["p95"] == -10
    assert "posterior-predictive" in ranking.table(ranking.rank(a))


def _sweep(tmp_path, arms: dict[str, pd.DataFrame], extra: dict | None = None) -> pd.DataFrame:
    rows = []
    for name, df in arms.items():
        point = f"intervention={name}"
        (tmp_path / point).mkdir()
        df.to_parquet(tmp_path / point / "replications.parquet")
        rows.append({"point": point, "intervention": name, "status": "ok", **(extra or {})})
    return pd.DataFrame(rows)


def test_which_sweeps_are_ranked(tmp_path):
    (tmp_path / "a").mkdir()
    table = _sweep(tmp_path / "a", {"none": _arm([1, 2], [3, 4]),
                                    "strict_roe": _arm([1, 1], [3, 3]),
                                    "perfect_comms": _arm([0, 0], [3, 3])})
    a = ranking.arms(tmp_path / "a", table)
    assert list(a.remedies) == ["strict_roe"] and a.left_out == ("perfect_comms",)
    (tmp_path / "b").mkdir()                          # no baseline
    assert ranking.arms(tmp_path / "b", _sweep(tmp_path / "b", {
        "strict_roe": _arm([1], [3]), "iff_markings": _arm([1], [3])})) is None
    (tmp_path / "c").mkdir()                          # not the same seeds
    assert ranking.arms(tmp_path / "c", _sweep(tmp_path / "c", {
        "none": _arm([1, 2], [3, 4]), "strict_roe": _arm([1, 1], [3, 3], ["x", "y"])})) is None
    (tmp_path / "d").mkdir()                          # only counterfactuals beside none
    assert ranking.arms(tmp_path / "d", _sweep(tmp_path / "d", {
        "none": _arm([1], [3]), "perfect_comms": _arm([0], [3])})) is None
    table = table.assign(seed=[0, 1, 2])              # another key varies too
    assert ranking.arms(tmp_path / "a", table) is None


def test_a_sweep_of_remedies_with_a_posterior_is_ranked_and_rebuilt(tmp_path):
    post = pd.DataFrame({"particle": [0, 1], "weight": [0.5, 0.5], "distance": [0.0, 0.0],
                         "scenario.nations.KP.roe.engage_unidentified": [0.002, 0.3]})
    post.to_parquet(tmp_path / "posterior.parquet")
    out = tmp_path / "sweep"
    code, stdout, err = run_sim(["-m", *TINY, "replications=3", f"posterior={tmp_path}",
                                 "intervention=none,common_radio_net,strict_roe,perfect_comms",
                                 f"hydra.sweep.dir={out}"], cwd=tmp_path)
    assert code == 0, err
    assert "# Remedies ranked" in stdout
    r = ranking.read(out)
    assert {row["remedy"] for row in r["remedies"]} == {"common_radio_net", "strict_roe"}
    assert r["left_out"] == ["perfect_comms"] and r["parameters"] == "posterior"
    assert r["replications"] == 3
    assert sum(row["p_best"] for row in r["remedies"]) == pytest.approx(1.0)
    assert (out / ranking.FIGURE_FILE).stat().st_size > 0
    before = (out / ranking.JSON_FILE).read_bytes()
    (out / ranking.JSON_FILE).unlink()
    code, stdout, err = run_sim([str(out)], cwd=tmp_path, command=[str(SIM), "report"])
    assert code == 0, err
    assert (out / ranking.JSON_FILE).read_bytes() == before
    assert json.loads(before)["baseline"] == "none"
