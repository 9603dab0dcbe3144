"""The validation report's pure checks (sim.validation.checks) on hand-made inputs.

Each check gets a case that passes and one that fails by construction; no
model runs here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.validation import checks as c


def test_crit_3sigma_is_the_t_quantile_and_tends_to_3() -> None:
    assert c.crit_3sigma(10_000) == pytest.approx(3.0, abs=0.01)
    assert c.crit_3sigma(5) > c.crit_3sigma(32) > c.crit_3sigma(10_000)
    assert c.crit_3sigma(1) == c.crit_3sigma(2)  # at least one degree of freedom


def test_welch_interval() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    d = c.welch(a, b)
    assert d["mean_diff"] == pytest.approx(0.0)
    assert d["ci95_low"] < 0 < d["ci95_high"]
    assert d["ci95_high"] == pytest.approx(-d["ci95_low"])
    # constant samples: the interval is the point
    assert c.welch(np.full(3, 2.0), np.full(4, 5.0)) == {
        "mean_diff": -3.0, "ci95_low": -3.0, "ci95_high": -3.0}


# --------------------------------------------------------------------------- Lanchester


def test_square_law_theory() -> None:
    law = c.square_law(1000, 600, 0.01, 0.01)
    assert law.survivors == pytest.approx(800.0)
    assert law.t_star == pytest.approx(math.atanh(0.6) / 0.01)
    t = np.array([0.0, law.t_star / 2, law.t_star * 0.999, 2 * law.t_star])
    blue, red = law.trajectory(t)
    assert (blue[0], red[0]) == (1000, 600)
    assert red[2] == pytest.approx(0.0, abs=1.0) and red[3] == 0.0
    assert blue[3] == pytest.approx(800.0)
    # the invariant is conserved along the deterministic trajectory
    inv = law.b * blue[:3] ** 2 - law.a * red[:3] ** 2
    assert inv == pytest.approx(np.full(3, law.b * 1000 ** 2 - law.a * 600 ** 2))


def test_square_law_needs_blue_to_win() -> None:
    with pytest.raises(ValueError, match="BLUE must win"):
        c.square_law(500, 600, 0.01, 0.01)


def test_lanchester_survivors_within_tolerance_passes() -> None:
    blue = [798.0, 802.0, 799.0, 801.0, 800.0]           # mean 800 = theory: z = 0
    res = c.lanchester_survivors(blue, [0] * 5, 800.0)
    assert res.z == pytest.approx(0.0)
    assert res.tolerance == pytest.approx(c.crit_3sigma(5))
    assert res.destroyed == res.replications == 5
    assert res.passed


def test_lanchester_survivors_outside_tolerance_fails() -> None:
    blue = [810.0, 812.0, 809.0, 811.0, 810.0]           # 10 above theory, se ~0.5: z ~ 20
    res = c.lanchester_survivors(blue, [0] * 5, 800.0)
    assert abs(res.z) > res.tolerance
    assert not res.passed


def test_lanchester_survivors_fail_when_red_survives_anywhere() -> None:
    res = c.lanchester_survivors([798.0, 802.0, 800.0], [0, 3, 0], 800.0)
    assert abs(res.z) <= res.tolerance
    assert res.destroyed == 2 and not res.passed


def test_lanchester_survivors_without_spread() -> None:
    assert c.lanchester_survivors([800.0] * 3, [0] * 3, 800.0).passed
    off = c.lanchester_survivors([801.0] * 3, [0] * 3, 800.0)
    assert off.z == math.inf and not off.passed


def _wide(law: c.SquareLaw, times: np.ndarray, noise: list[float]) -> pd.DataFrame:
    """Replications that follow the square law, BLUE shifted by ``noise[i]`` after t = 0."""
    blue, red = law.trajectory(times)
    rows = [{"replication": i, "time_h": t, "BLUE": bl + (e if t > 0 else 0.0), "RED": r}
            for i, e in enumerate(noise) for t, bl, r in zip(times, blue, red, strict=True)]
    return pd.DataFrame(rows)


def test_invariant_trajectory_of_the_exact_law_is_one() -> None:
    law = c.square_law(1000, 600, 0.01, 0.01)
    times = np.arange(0.0, 120.0, 10.0)
    traj = c.invariant_trajectory(_wide(law, times, [-1.0, 1.0, 0.0]), law)
    assert list(traj.index) == list(times)
    assert traj["inv_rel"].iloc[0] == pytest.approx(1.0)
    assert (traj["inv_low"] <= traj["inv_high"]).all()
    assert traj["blue"].iloc[0] == 1000 and traj["red"].iloc[0] == 600
    assert c.lanchester_invariant(traj, 3).passed


def test_lanchester_invariant_within_tolerance_passes() -> None:
    traj = pd.DataFrame({"inv_rel": [1.0, 1.01, 0.98, 1.025], "inv_se": [0.0, 0.01, 0.01, 0.01]},
                        index=pd.Index([0.0, 1.0, 2.0, 3.0], name="time_h"))
    res = c.lanchester_invariant(traj, 1000)          # tolerance about 3 x 0.01
    assert res.passed
    assert res.max_dev == pytest.approx(0.025) and res.at_time_h == 3.0
    assert res.tolerance_there == pytest.approx(res.quantile * 0.01)


def test_lanchester_invariant_outside_tolerance_fails() -> None:
    traj = pd.DataFrame({"inv_rel": [5.0, 1.0, 0.9, 1.0], "inv_se": [0.0, 0.01, 0.01, 0.01]},
                        index=pd.Index([0.0, 1.0, 2.0, 3.0], name="time_h"))
    res = c.lanchester_invariant(traj, 1000)          # t = 0 is not judged; t = 2 is 10 se off
    assert not res.passed
    assert res.at_time_h == 2.0 and res.max_dev == pytest.approx(-0.1)


# --------------------------------------------------------------------------- single_nation


def test_no_language_cause_rule() -> None:
    ok = c.no_language_cause([0, 0, 0])
    assert ok.passed and ok.total == 0 and ok.replications == 3
    bad = c.no_language_cause([0, 2, 0])
    assert not bad.passed and bad.replications_with == 1 and bad.total == 2


def test_some_misidentification() -> None:
    assert c.some_misidentification([0, 1, 0]).passed
    assert not c.some_misidentification([0, 0, 0]).passed


def test_share_lower_by_welch_interval() -> None:
    single = [0.05, 0.06, 0.04, 0.05]
    kursk = [0.15, 0.16, 0.14, 0.15]
    lower = c.share_lower(single, kursk)
    assert lower.mean_diff == pytest.approx(-0.10)
    assert lower.ci95_high < 0 and lower.passed
    overlapping = c.share_lower([0.10, 0.20, 0.12, 0.18], [0.14, 0.16, 0.15, 0.17])
    assert overlapping.ci95_low < 0 < overlapping.ci95_high and not overlapping.passed
    assert not c.share_lower(kursk, single).passed


# --------------------------------------------------------------------------- the record


def _d(mean: float, low: float, high: float) -> dict[str, float]:
    return {"mean": mean, "ci95_low": low, "ci95_high": high}


@pytest.mark.parametrize(("d", "lo", "hi", "expected"), [
    (_d(0.15, 0.14, 0.16), 0.10, 0.20, "within"),
    (_d(0.05, 0.04, 0.06), 0.10, 0.20, "below"),
    (_d(0.25, 0.22, 0.28), 0.10, 0.20, "above"),
    (_d(0.09, 0.08, 0.11), 0.10, 0.20, "below, 95% CI overlapping"),
    (_d(0.21, 0.19, 0.23), 0.10, 0.20, "above, 95% CI overlapping"),
    (_d(0.16, 0.15, 0.17), 0.16, 0.16, "above, 95% CI overlapping"),  # a point: never within
    (_d(0.13, 0.10, 0.12), 0.13, 0.13, "below"),
])
def test_historical_band_placement(d: dict, lo: float, hi: float, expected: str) -> None:
    assert c.placement(d, lo, hi) == expected


def test_historical_figures_are_bands_or_points() -> None:
    assert all(0 <= lo <= hi < 1 for _, lo, hi, *_ in c.HISTORICAL)
    assert {of for *_, of, _ in c.HISTORICAL} >= {"casualties", "killed", "wounded"}


def test_mean_in_band() -> None:
    ok = c.mean_in_band([0.33, 0.35, 0.37], c.KP_LOSS_BAND)
    assert ok.passed and ok.mean == pytest.approx(0.35) and (ok.low, ok.high) == (0.30, 0.40)
    assert ok.ci95_low < ok.mean < ok.ci95_high
    assert c.mean_in_band([3.0, 3.0], c.WOUNDED_PER_KILLED_BAND).passed  # ends included
    assert not c.mean_in_band([0.41, 0.45, 0.43], c.KP_LOSS_BAND).passed
    assert not c.mean_in_band([1.0, 2.0, 2.5], c.WOUNDED_PER_KILLED_BAND).passed


def test_in_every_replication() -> None:
    ok = c.in_every_replication([1, 3, 2])
    assert ok.passed and ok.replications_with == ok.replications == 3
    bad = c.in_every_replication([1, 0, 2])
    assert not bad.passed and bad.replications_with == 2


# --------------------------------------------------------------------------- interventions


def _cmp(mean: float, low: float, high: float) -> dict:
    return {"friendly_fire_casualties": {"mean_diff": mean, "ci95_low": low, "ci95_high": high}}


def test_rank_remedies() -> None:
    comparisons = {"perfect_comms": _cmp(-50, -60, -40), "iff_markings": _cmp(-5, -8, -2),
                   "strict_roe": _cmp(-10, -20, 1), "interpreters_x2": _cmp(2, -1, 5),
                   "perfect_reports": _cmp(-30, -40, -20), "no_language_barrier": _cmp(-20, -30, -9),
                   "instant_check_fire": _cmp(-11, -12, -10)}   # counterfactuals, not remedies
    r = c.rank_remedies(comparisons)
    assert r.ranked == ("strict_roe", "iff_markings", "interpreters_x2")
    assert r.below_zero == ("iff_markings",)
    none = c.rank_remedies({"a": _cmp(1, 0.5, 2)})
    assert none.ranked == ("a",) and none.below_zero == ()


# --------------------------------------------------------------------------- granularity


def test_totals_agree_within_two_percent_passes() -> None:
    totals = {"1 x 1000": [980.0, 990.0, 1000.0, 990.0],           # mean 990
              "10 x 100": [995.0, 1005.0, 1000.0, 1000.0],         # mean 1000: +1.0%
              "100 x 10": [975.0, 985.0, 970.0, 980.0]}            # mean 977.5: -1.3%
    res = c.totals_agree(totals, "1 x 1000")
    assert res.tolerance == c.GRANULARITY_TOLERANCE == 0.02
    assert res.rel_diff["1 x 1000"] == 0.0 and res.rel_se["1 x 1000"] == 0.0
    assert res.rel_diff["10 x 100"] == pytest.approx(10 / 990)
    assert res.worst == "100 x 10" and res.rel_diff["100 x 10"] == pytest.approx(-12.5 / 990)
    # delta method: sqrt of the sum of the two squared relative standard errors, times the ratio
    se = lambda v: np.std(v, ddof=1) / np.sqrt(len(v)) / np.mean(v)  # noqa: E731
    assert res.rel_se["10 x 100"] == pytest.approx(
        1000 / 990 * math.hypot(se(totals["10 x 100"]), se(totals["1 x 1000"])))
    assert list(res.mean) == list(totals)
    assert res.passed


def test_totals_agree_fails_beyond_two_percent() -> None:
    totals = {"ref": [1000.0, 1002.0, 998.0], "coarse": [1000.0, 1001.0, 999.0],
              "fine": [975.0, 977.0, 976.0]}                         # -2.4%
    res = c.totals_agree(totals, "ref")
    assert res.worst == "fine" and res.rel_diff["fine"] == pytest.approx(-0.024)
    assert not res.passed
    assert c.totals_agree(totals, "ref", tolerance=0.03).passed
