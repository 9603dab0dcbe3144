"""Section 6 of the validation report (sim.validation.incidents) on hand-made tables.

Each rule gets inputs that pass and inputs that fail by construction, at the band's edges
where it has them; the rules themselves are pinned, so moving a band fails here. No model
runs: small incident tables and replication tables stand in for a run.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.validation import incidents as vi
from sim.validation.runs import Arm

BY_KEY = {r.key: r for r in vi.RULES}


def _inc(rows: list[tuple]) -> pd.DataFrame:
    """Incidents from (replication, fire, killed, wounded, duration_h) tuples."""
    cols = ["replication", "fire", "killed", "wounded", "duration_h"]
    df = pd.DataFrame(rows, columns=cols)
    df["time_h"] = 10.0
    df["end_h"] = df["time_h"] + df.pop("duration_h")
    df["cause"] = "misidentification"
    df["shooter_nation"], df["target_nation"] = "A", "B"
    return df.astype({"killed": int, "wounded": int})


def _reps(n: int, **columns: list[float]) -> pd.DataFrame:
    """A replications table of ``n`` replications with the given columns."""
    return pd.DataFrame({"replication": range(n), **columns})


def _verdict(key: str, estimate: vi.Estimate) -> vi.Verdict:
    return vi.judge(BY_KEY[key], estimate)


# --------------------------------------------------------------------------- the rules


def test_the_rules_are_the_pre_stated_bands() -> None:
    """The bands of issue 13 item 6, as stated before any run: changing one fails here."""
    L = vi.Limit
    assert [r.number for r in vi.RULES] == ["1", "2", "3", "3b", "4", "5", "6"]
    assert {r.key: r.limits for r in vi.RULES} == {
        "casualties_per_incident": (L("value", low=2.0, high=8.0),),
        "killed_share_ratio": (L("value", low=1.1, high=2.0),),
        "indirect_share": (L("value", low=0.5, high=0.9),),
        "indirect_casualty_share": (),
        "durations": (L("median_h", below=0.5), L("within_share", low=0.9)),
        "large_incident": (L("value", low=0.05),),
        "exercise_direct_share": (L("value", low=0.01, high=0.03),),
    }
    assert vi.WITHIN_H == 2.0 and vi.LARGE_KILLED == 8
    assert {r.key: r.scenario for r in vi.RULES}["exercise_direct_share"] == "tri_nation_exercise"
    assert all(r.scenario == "kursk_2024" for r in vi.RULES if r.key != "exercise_direct_share")
    for r in vi.RULES:
        assert r.source and r.band and r.rule and r.figure


def test_limit_ends_and_non_finite_values() -> None:
    band = vi.Limit("value", low=2.0, high=8.0)
    assert band.holds(2.0) and band.holds(8.0) and band.holds(4.3)
    assert not band.holds(1.999) and not band.holds(8.001)
    assert not band.holds(math.nan) and not band.holds(math.inf)
    below = vi.Limit("median_h", below=0.5)
    assert below.holds(0.499) and not below.holds(0.5)


def test_a_rule_without_limits_is_not_judged() -> None:
    v = _verdict("indirect_casualty_share", vi.Estimate(0.99))
    assert v.passed is None


# --------------------------------------------------------------------------- statistics


def test_pooled_bootstrap_is_seeded_and_brackets_the_pooled_ratio() -> None:
    rng = np.random.default_rng(7)
    sums = np.column_stack([rng.integers(5, 40, 16), rng.integers(2, 10, 16)])
    ratio = lambda t: t[..., 0] / t[..., 1]  # noqa: E731
    point, low, high = vi.pooled_bootstrap(sums, ratio)
    assert point == pytest.approx(sums[:, 0].sum() / sums[:, 1].sum())
    assert low < point < high
    assert vi.pooled_bootstrap(sums, ratio) == (point, low, high)      # fixed seed
    same = np.tile([8.0, 2.0], (5, 1))                                   # no spread
    assert vi.pooled_bootstrap(same, ratio) == (4.0, 4.0, 4.0)


def test_casualties_per_incident_counts_only_incidents_with_a_casualty() -> None:
    # rep 0: 3 + 5 casualties in two incidents, and 3 incidents without; rep 1: 4 in one
    inc = _inc([(0, "direct", 1, 2, 0.1), (0, "direct", 2, 3, 0.1), (0, "direct", 0, 0, 0.1),
                (0, "direct", 0, 0, 0.1), (0, "direct", 0, 0, 0.1), (1, "direct", 1, 3, 0.1)])
    e = vi.casualties_per_incident(inc, [0, 1, 2])          # rep 2 has no incident
    assert e.value == pytest.approx(12 / 3)
    assert e.stats["zero_share"] == pytest.approx(3 / 6) and e.stats["max_killed"] == 2
    assert e.ci95_low <= e.value <= e.ci95_high
    assert _verdict("casualties_per_incident", e).passed


@pytest.mark.parametrize(("per_incident", "passed"), [(1, False), (2, True), (8, True),
                                                      (9, False)])
def test_casualties_per_incident_band(per_incident: int, passed: bool) -> None:
    inc = _inc([(r, "direct", 0, per_incident, 0.1) for r in range(4)]
               + [(r, "direct", 0, 0, 0.1) for r in range(4)])
    e = vi.casualties_per_incident(inc, range(4))
    assert e.value == per_incident
    assert _verdict("casualties_per_incident", e).passed is passed


def test_casualties_per_incident_without_casualties_fails() -> None:
    e = vi.casualties_per_incident(_inc([(0, "direct", 0, 0, 0.1)]), [0, 1])
    assert math.isnan(e.value)
    assert _verdict("casualties_per_incident", e).passed is False


def _coalition(killed: list[int], wounded: list[int]) -> pd.DataFrame:
    """Two coalition nations A and B sharing each replication's killed and wounded, and an
    enemy E whose casualties must not count."""
    half = lambda x: [v // 2 for v in x]  # noqa: E731
    rest = lambda x: [v - v // 2 for v in x]  # noqa: E731
    return _reps(len(killed), **{"nation.A.killed": half(killed), "nation.A.wounded": half(wounded),
                                 "nation.B.killed": rest(killed), "nation.B.wounded": rest(wounded),
                                 "nation.E.killed": [999] * len(killed),
                                 "nation.E.wounded": [999] * len(killed),
                                 "hostile_fire.indirect": [50.0] * len(killed)})


def test_killed_share_ratio_takes_enemy_fire_as_coalition_totals_less_incidents() -> None:
    # friendly fire: 33 killed of 100 (two replications); enemy fire: 22 killed of 100
    inc = _inc([(0, "direct", 20, 30, 0.1), (1, "indirect", 13, 37, 0.1)])
    reps = _coalition(killed=[20 + 10, 13 + 12], wounded=[30 + 40, 37 + 38])
    e = vi.killed_share_ratio(reps, inc, ["A", "B"])
    assert e.stats["ff_killed_share"] == pytest.approx(0.33)
    assert e.stats["enemy_killed_share"] == pytest.approx(0.22)
    assert e.value == pytest.approx(1.5)
    assert e.stats["enemy_indirect_share"] == pytest.approx(1.0)
    assert _verdict("killed_share_ratio", e).passed


@pytest.mark.parametrize(("ff_killed", "passed"), [(22, False), (25, True), (44, True),
                                                   (45, False)])
def test_killed_share_ratio_band(ff_killed: int, passed: bool) -> None:
    # enemy fire kills 22 of 100 in each replication; friendly fire ff_killed of 100
    inc = _inc([(r, "direct", ff_killed, 100 - ff_killed, 0.1) for r in range(3)])
    reps = _coalition(killed=[ff_killed + 22] * 3, wounded=[100 - ff_killed + 78] * 3)
    e = vi.killed_share_ratio(reps, inc, ["A", "B"])
    assert e.value == pytest.approx(ff_killed / 22)
    assert _verdict("killed_share_ratio", e).passed is passed


@pytest.mark.parametrize(("indirect", "passed"), [(4, False), (5, True), (9, True),
                                                  (10, False)])
def test_indirect_share_of_incidents(indirect: int, passed: bool) -> None:
    rows = [(0, "indirect", 0, 1, 0.1)] * indirect + [(1, "direct", 0, 3, 0.1)] * (10 - indirect)
    inc = _inc(rows)
    e = vi.indirect_share(inc, [0, 1])
    assert e.value == pytest.approx(indirect / 10)
    assert _verdict("indirect_share", e).passed is passed
    by_cas = vi.indirect_share(inc, [0, 1], by="casualties")
    assert by_cas.value == pytest.approx(indirect / (indirect + 3 * (10 - indirect)))


def _durations(hours: list[float]) -> vi.Estimate:
    return vi.durations(_inc([(0, "direct", 0, 1, h) for h in hours]), dt_h=1.0)


def test_duration_rule_at_its_edges() -> None:
    short = [0.1] * 9
    ok = _durations([*short, 2.0])                  # 2 h exactly counts as within
    assert ok.stats["within_share"] == 1.0 and ok.stats["median_h"] == pytest.approx(0.1)
    assert _verdict("durations", ok).passed
    nine_tenths = _durations([*short, 2.5])          # exactly 90% within 2 h: passes
    assert nine_tenths.stats["within_share"] == pytest.approx(0.9)
    assert _verdict("durations", nine_tenths).passed
    eight_tenths = _durations([*([0.1] * 8), 2.5, 3.0])
    assert not _verdict("durations", eight_tenths).passed
    at_half = _durations([0.5] * 5)                   # median 0.5 h is not below 0.5 h
    assert not _verdict("durations", at_half).passed
    assert _verdict("durations", _durations([0.49] * 5)).passed
    p90 = _durations([float(h) for h in range(11)]).stats["p90_h"]
    assert p90 == pytest.approx(9.0)
    assert not _verdict("durations", vi.durations(_inc([]), dt_h=1.0)).passed


def test_large_incident_probability_and_its_clopper_pearson_interval() -> None:
    # one replication in 20 with an 8-killed incident: 0.05, passes; a 7-killed one elsewhere
    inc = _inc([(3, "direct", 8, 0, 0.1), (3, "direct", 9, 0, 0.1), (5, "direct", 7, 0, 0.1)])
    e = vi.large_incident_probability(inc, range(20))
    assert e.value == 0.05 and e.stats["with_large"] == 1
    ci = stats.binomtest(1, 20).proportion_ci(method="exact")
    assert (e.ci95_low, e.ci95_high) == pytest.approx((ci.low, ci.high))
    assert _verdict("large_incident", e).passed
    e21 = vi.large_incident_probability(inc, range(21))
    assert e21.value == pytest.approx(1 / 21) and not _verdict("large_incident", e21).passed
    none = vi.large_incident_probability(inc[inc["killed"] < 8], range(16))
    assert none.value == 0 and none.ci95_low == 0
    assert none.ci95_high == pytest.approx(1 - 0.025 ** (1 / 16))      # closed form at k = 0
    assert not _verdict("large_incident", none).passed


@pytest.mark.parametrize(("direct", "passed"), [(0.5, False), (1, True), (3, True), (4, False)])
def test_exercise_direct_share(direct: float, passed: bool) -> None:
    # per replication: 2 * direct direct-fire FF casualties (plus 10 by indirect fire) of
    # 200 inflicted (FF 2 * direct + 10, enemy the rest): the share is direct %
    n = 3
    d = int(2 * direct)
    inc = _inc([(r, "direct", 0, d, 0.1) for r in range(n)]
               + [(r, "indirect", 0, 10, 0.1) for r in range(n)])
    reps = _reps(n, friendly_fire_casualties=[d + 10.0] * n,
                 enemy_casualties=[200.0 - d - 10] * n)
    e = vi.exercise_direct_share(reps, inc)
    assert e.value == pytest.approx(direct / 100)
    assert _verdict("exercise_direct_share", e).passed is passed


# --------------------------------------------------------------------------- the section


def _arms(kursk_ok: bool) -> tuple[Arm, Arm]:
    """A kursk_2024 baseline whose rows all pass (``kursk_ok``) or all fail, and an exercise
    arm at 2% (passes)."""
    n = 20
    if kursk_ok:   # 4 per incident, killed 1/3 vs 1/5, 70% indirect, short, one 8-killed
        rows = [(r, "indirect" if i < 7 else "direct", 1 if i % 3 == 0 else 2, 3, 0.1)
                for r in range(n) for i in range(10)]
        rows.append((0, "indirect", 8, 0, 0.1))
    else:          # 1 per incident, all direct, long
        rows = [(r, "direct", 0, 1, 3.0) for r in range(n) for _ in range(10)]
    inc = _inc(rows)
    ff = inc.groupby("replication")[["killed", "wounded"]].sum()
    reps = _coalition(killed=(ff["killed"] + 20).tolist(), wounded=(ff["wounded"] + 80).tolist())
    summary = {"by_nation": {"A": {"side": "coalition"}, "B": {"side": "coalition"},
                             "E": {"side": "enemy"}}}
    ex_inc = _inc([(r, "direct", 0, 4, 0.1) for r in range(n)])
    ex_reps = _reps(n, friendly_fire_casualties=[4.0] * n, enemy_casualties=[196.0] * n)
    return (Arm("none", reps, inc, summary),
            Arm("tri_nation_exercise", ex_reps, ex_inc, summary))


def _section(kursk_ok: bool) -> tuple[str, list[tuple[str, bool]], list[vi.Verdict]]:
    base, ex = _arms(kursk_ok)
    verdicts = vi.evaluate(base, ex, dt_h=1.0)
    lines: list[str] = []
    checks: list[tuple[str, bool]] = []
    vi.incidents_section(lines.append, checks, verdicts, 6,
                         {"kursk_2024": 20, "tri_nation_exercise": 20})
    return "\n".join(lines), checks, verdicts


def test_section_rows_and_checks_when_every_row_passes() -> None:
    text, checks, verdicts = _section(kursk_ok=True)
    assert [v.passed for v in verdicts] == [True, True, True, None, True, True, True]
    assert text.startswith("## 6. Incident-level validation")
    for r in vi.RULES:
        assert f"| {r.number} | {r.figure} | {r.scenario} | {r.band} | {r.source} |" in text
    assert "| 3b |" in text and "not judged" in text
    assert "All 6 judged rows pass." in text and "fails**" not in text
    assert len(checks) == 6 and all(ok for _, ok in checks)
    assert checks[0][0].startswith("Incidents, row 1 (kursk_2024): casualties per incident")
    assert "1/20 = 0.050 [" in text                                   # row 5 with its CI


def test_section_says_plainly_which_rows_fail_and_why() -> None:
    text, checks, verdicts = _section(kursk_ok=False)
    failed = [v.rule.number for v in verdicts if v.passed is False]
    assert failed == ["1", "2", "3", "4", "5"]     # friendly fire kills none: ratio 0
    for n in failed:
        assert f"- **Row {n} fails**" in text
    assert "direct fire gives 100.0% of incidents" in text
    assert "a hunting drone's search met a friend its HQ's picture did not show" in text
    assert "the median incident lasts 3.0 h and 0.0% end within 2 h" in text
    assert "so no campaign had one killing 8 or more" in text
    assert [ok for _, ok in checks] == [v.passed for v in verdicts if v.passed is not None]
    assert "**FAIL**" in text
