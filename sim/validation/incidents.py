"""Section 6 of the validation report: the incidents beside the shape of real fratricide.

Section 3 asks how much fratricide the model gives; this section (issue 13, item 6) asks
whether its incidents look like the record's (docs/DESIGN, "The shape of real
fratricide"): how large and how deadly they are, by which fire, how long they last, how
often a campaign has a large one, and how much ground-to-ground fratricide an exercise
gives. Each rule is a row of :data:`RULES`: the figure, its band, the source and the rule
in words, with the limits the verdict applies. The bands were stated before any run and
are data here; they are not to be moved after seeing results.

1. Casualties per incident with at least one casualty (kursk_2024 baseline): 2 to 8. OTA,
   "Who Goes There" (1993): Desert Storm, 28 incidents, 35 killed and 72 wounded, 3 with
   none, so 107/25 = 4.3; the band is a factor of about 2 either way for a different war,
   force and weapons. Judged on the mean pooled over every replication's incidents with
   a casualty.
2. Killed share of friendly-fire casualties over that of enemy-fire casualties
   (kursk_2024): 1.1 to 2.0. OTA (1993): friendly fire killed 35 of its 107 casualties
   (0.33), enemy fire 113 of 508 (0.22), ratio 1.5. Coalition casualties by enemy fire are
   the coalition's killed and wounded (``nation.X.killed``, ``nation.X.wounded``) less
   those of the incidents (friendly fire), pooled over replications.
3. Share of friendly-fire incidents by indirect fire (artillery and drones; kursk_2024):
   50% to 90%. Shrader, "Amicicide" (1982), 269 incidents: air-to-ground 37%, artillery
   36%, ground-to-ground 22%, anti-aircraft 5%; at Kursk drones took air's role and the
   model has no aircraft, so air-to-ground + artillery = 73% is the target, about 20
   points either way. The same share by friendly-fire casualties is shown, not judged.
4. Incident durations (kursk_2024): the median below 0.5 h and at least 90% of
   incidents ending within :data:`WITHIN_H` (2 h, ends included). An assumption, from the
   OTA's (1993) accounts of the Desert Storm incidents, nearly all single engagements
   lasting minutes.
5. Probability per campaign of at least one incident killing :data:`LARGE_KILLED` (8) or
   more (kursk_2024): at least 0.05. The one named Kursk incident (Dec 2024: KP fire on
   Akhmat vehicles, 8 killed) in about 3 months; where such an event occurs in fewer than
   1 campaign in 20, the record is a 5% surprise.
6. Direct-fire friendly-fire casualties over all friendly-fire casualties plus enemy
   casualties (``tri_nation_exercise``, intervention ``none``): 1% to 3%. RAND, National
   Training Center instrumented-training data: ground-to-ground fratricide 1-3% of blue
   kills. Judged on the mean of the per-replication shares.

Intervals: rows 1-3 are ratios of sums over replications, with a percentile bootstrap over
replications (:data:`BOOTSTRAP_DRAWS` resamples from ``numpy.random.default_rng`` seeded
with :data:`BOOTSTRAP_SEED`); row 5 the Clopper-Pearson interval of the binomial
proportion; row 6 the Student-t interval of the mean over replications; row 4 none (two
quantiles and a share of the pooled incidents, judged as they are).

:func:`evaluate` computes every row from the arms; :func:`incidents_section` writes the
section, says plainly which rows fail and why (one sentence from this run's figures), and
adds the judged rows to the report's checks. Everything but the section is pure: tables
in, figures and verdicts out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiment.stats import describe
from sim.validation.derived import (
    coalition_nations,
    coalition_totals,
    incident_frame,
    mechanics,
)
from sim.validation.fmt import hours, mark, num, pct

if TYPE_CHECKING:
    from sim.validation.runs import Arm

Check = tuple[str, bool]
Write = Callable[[str], None]

#: Incidents ending within this many hours count as short (row 4), ends included.
WITHIN_H = 2.0
#: Killed in one incident that makes it large (row 5): the reported Akhmat incident's 8.
LARGE_KILLED = 8
#: Bootstrap over replications (rows 1-3): resamples and the seed of their generator.
BOOTSTRAP_DRAWS = 4000
BOOTSTRAP_SEED = 2024


@dataclass(frozen=True)
class Limit:
    """A bound on one statistic: ``low <= value <= high`` and ``value < below`` (None: open).

    A value that is not finite (a ratio over nothing) never holds.
    """

    stat: str
    low: float | None = None
    high: float | None = None
    below: float | None = None

    def holds(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        return ((self.low is None or value >= self.low)
                and (self.high is None or value <= self.high)
                and (self.below is None or value < self.below))


@dataclass(frozen=True)
class Rule:
    """One row of the section: what is measured, on which run, against what, from where.

    ``number`` is the row's number in the report (issue 13 item 6's, ``3b`` the unjudged
    companion of 3). ``limits`` empty: the row is shown, not judged. ``kind`` says how the
    value is written (``num``, ``ratio``, ``pct``, ``duration``, ``prob``).
    """

    number: str
    key: str
    figure: str
    scenario: str
    band: str
    source: str
    rule: str
    kind: str
    limits: tuple[Limit, ...] = ()


OTA = 'US Congress OTA, "Who Goes There" (1993)'
SHRADER = 'C. R. Shrader, "Amicicide" (1982)'

#: The rules, stated before any run (issue 13, item 6): see the module docstring.
RULES: tuple[Rule, ...] = (
    Rule("1", "casualties_per_incident", "casualties per incident with at least one casualty",
         "kursk_2024", "2 to 8",
         f"{OTA}: Desert Storm, 28 incidents, 35 killed and 72 wounded, 3 with none: "
         "107/25 = 4.3; a factor of about 2 either way for another war, force and weapons",
         "the mean pooled over every replication's incidents with a casualty lies in the band",
         "num", (Limit("value", low=2.0, high=8.0),)),
    Rule("2", "killed_share_ratio", "killed share of friendly-fire casualties / killed share of "
         "enemy-fire casualties (coalition casualties)", "kursk_2024", "1.1 to 2.0",
         f"{OTA}: Desert Storm, friendly fire killed 35 of 107 (0.33), enemy fire 113 of 508 "
         "(0.22): 1.5",
         "the ratio of the pooled shares lies in the band", "ratio",
         (Limit("value", low=1.1, high=2.0),)),
    Rule("3", "indirect_share", "share of friendly-fire incidents by indirect fire (artillery, "
         "drones)", "kursk_2024", "50% to 90%",
         f"{SHRADER}, 269 incidents: air-to-ground 37%, artillery 36%, ground-to-ground 22%, "
         "anti-aircraft 5%; drones took air's role at Kursk, the model has no aircraft: "
         "37% + 36% = 73%, about 20 points either way",
         "the pooled share lies in the band", "pct", (Limit("value", low=0.5, high=0.9),)),
    Rule("3b", "indirect_casualty_share", "share of friendly-fire casualties by indirect fire",
         "kursk_2024", "-", f"{SHRADER} counts incidents, not casualties",
         "shown, not judged", "pct"),
    Rule("4", "durations", "incident duration: median; 90th percentile; share ending within "
         f"{WITHIN_H:g} h", "kursk_2024", f"median < 0.5 h and >= 90% within {WITHIN_H:g} h",
         f"assumption, from the accounts in {OTA} of the Desert Storm incidents: nearly all "
         "single engagements lasting minutes",
         f"the median of the pooled durations is below 0.5 h and at least 90% of incidents "
         f"end within {WITHIN_H:g} h (ends included)", "duration",
         (Limit("median_h", below=0.5), Limit("within_share", low=0.9))),
    Rule("5", "large_incident", f"probability per campaign of an incident killing "
         f"{LARGE_KILLED} or more", "kursk_2024", ">= 0.05",
         "the one named Kursk incident (Dec 2024: KP fire on Akhmat vehicles, 8 killed) in "
         "~3 months: below 1 campaign in 20 the record is a 5% surprise",
         "replications with such an incident / replications is at least 0.05", "prob",
         (Limit("value", low=0.05),)),
    Rule("6", "exercise_direct_share", "direct-fire friendly-fire casualties / (friendly-fire "
         "casualties + enemy casualties)", "tri_nation_exercise", "1% to 3%",
         "RAND, National Training Center instrumented-training data: ground-to-ground "
         "fratricide 1-3% of blue kills",
         "the mean of the per-replication shares lies in the band", "pct",
         (Limit("value", low=0.01, high=0.03),)),
)


@dataclass(frozen=True)
class Estimate:
    """A row's figure: its value, a 95% interval (None: none shown) and how it was made;
    ``stats``: what the limits bound (``value`` and any other) and what the prose quotes."""

    value: float
    ci95_low: float | None = None
    ci95_high: float | None = None
    interval: str = ""
    stats: Mapping[str, float] = field(default_factory=dict)

    def stat(self, name: str) -> float:
        return self.value if name == "value" else float(self.stats[name])


@dataclass(frozen=True)
class Verdict:
    """A rule and its estimate; ``passed`` None when the rule is not judged."""

    rule: Rule
    estimate: Estimate
    passed: bool | None


def judge(rule: Rule, estimate: Estimate) -> Verdict:
    """Passed when every limit of ``rule`` holds on ``estimate`` (None without limits)."""
    if not rule.limits:
        return Verdict(rule, estimate, None)
    return Verdict(rule, estimate, all(lim.holds(estimate.stat(lim.stat))
                                       for lim in rule.limits))


# --------------------------------------------------------------------------- statistics


def pooled_bootstrap(sums: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray],
                     draws: int = BOOTSTRAP_DRAWS, seed: int = BOOTSTRAP_SEED
                     ) -> tuple[float, float, float]:
    """A statistic of column totals over replications, with its percentile bootstrap 95%
    interval (replications resampled with replacement).

    Args:
        sums: one row per replication, one column per summed quantity.
        statistic: maps totals (last axis: the columns) to the figure, vectorised.
        draws: resamples.
        seed: seed of the resampling generator.

    Returns:
        (figure on all replications, 2.5th and 97.5th percentiles of the resampled figures
        that are finite; NaN when none is).
    """
    sums = np.asarray(sums, float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(sums), size=(draws, len(sums)))
    with np.errstate(divide="ignore", invalid="ignore"):
        point = float(statistic(sums.sum(axis=0)))
        boot = np.asarray(statistic(sums[idx].sum(axis=1)), float)
    boot = boot[np.isfinite(boot)]
    if not boot.size:
        return point, math.nan, math.nan
    low, high = np.percentile(boot, [2.5, 97.5])
    return point, float(low), float(high)


BOOTSTRAP = f"percentile bootstrap over replications ({BOOTSTRAP_DRAWS} resamples, seed " \
            f"{BOOTSTRAP_SEED})"


def _by_replication(frame: pd.DataFrame, replications: Iterable[int],
                    columns: Mapping[str, pd.Series]) -> pd.DataFrame:
    """Per replication (every one of ``replications``, 0 where it has no row), the sums of
    ``columns`` (name -> a series aligned with ``frame``)."""
    reps = sorted(replications)
    out = pd.DataFrame(dict(columns)).assign(
        replication=frame["replication"].to_numpy())
    return out.groupby("replication").sum().reindex(reps, fill_value=0)


def _share(part: float, whole: float) -> float:
    """``part / whole``, NaN where ``whole`` is 0."""
    return float(part / whole) if whole else math.nan


def casualties_per_incident(incidents: pd.DataFrame, replications: Iterable[int]) -> Estimate:
    """Row 1: casualties per incident with at least one, pooled; bootstrap interval."""
    inc = incident_frame(incidents)
    hit = inc["casualties"] > 0
    sums = _by_replication(inc, replications, {"casualties": inc["casualties"],
                                               "with_any": hit.astype(int)})
    value, low, high = pooled_bootstrap(sums.to_numpy(), lambda t: t[..., 0] / t[..., 1])
    return Estimate(value, low, high, BOOTSTRAP, {
        "incidents": float(len(inc)), "with_any": float(hit.sum()),
        "zero_share": float((~hit).mean()) if len(inc) else math.nan,
        "max_killed": float(inc["killed"].max()) if len(inc) else 0.0})


def killed_share_ratio(reps: pd.DataFrame, incidents: pd.DataFrame,
                       coalition: Iterable[str]) -> Estimate:
    """Row 2: killed / (killed + wounded) of friendly-fire casualties over the same of the
    coalition's casualties by enemy fire (its killed and wounded less the incidents'),
    pooled over replications; bootstrap interval."""
    r = reps.sort_values("replication").set_index("replication")
    killed, wounded = coalition_totals(r, coalition)
    inc = incident_frame(incidents)
    ff = _by_replication(inc, r.index, {"killed": inc["killed"],
                                        "casualties": inc["casualties"]})
    sums = pd.DataFrame({"ff_killed": ff["killed"], "ff": ff["casualties"],
                         "en_killed": killed - ff["killed"],
                         "en": killed + wounded - ff["casualties"]})
    value, low, high = pooled_bootstrap(
        sums.to_numpy(), lambda t: (t[..., 0] / t[..., 1]) / (t[..., 2] / t[..., 3]))
    tot = sums.sum()
    out = {"ff_killed_share": _share(tot["ff_killed"], tot["ff"]),
           "enemy_killed_share": _share(tot["en_killed"], tot["en"]),
           "ff_casualties": float(tot["ff"]), "enemy_fire_casualties": float(tot["en"])}
    if "hostile_fire.indirect" in r:
        out["enemy_indirect_share"] = _share(r["hostile_fire.indirect"].sum(), tot["en"])
    return Estimate(value, low, high, BOOTSTRAP, out)


def indirect_share(incidents: pd.DataFrame, replications: Iterable[int],
                   by: str = "incidents") -> Estimate:
    """Row 3: the share of friendly-fire incidents (``by="incidents"``) or of their
    casualties (``by="casualties"``) by indirect fire, pooled; bootstrap interval."""
    inc = incident_frame(incidents)
    weight = pd.Series(1, index=inc.index) if by == "incidents" else inc["casualties"]
    indirect = weight.where(inc["fire"] == "indirect", 0)
    sums = _by_replication(inc, replications, {"indirect": indirect, "all": weight})
    value, low, high = pooled_bootstrap(sums.to_numpy(), lambda t: t[..., 0] / t[..., 1])
    return Estimate(value, low, high, BOOTSTRAP, {"total": float(weight.sum())})


def durations(incidents: pd.DataFrame, dt_h: float) -> Estimate:
    """Row 4: the median (``value``, ``median_h``) and 90th percentile of the pooled incident
    durations, and the share ending within :data:`WITHIN_H` (``within_share``). Without
    incidents every figure is NaN (and the rule fails: nothing to judge)."""
    mech = mechanics(incidents, 1, dt_h)
    if not mech["n"]:
        return Estimate(math.nan, stats={"median_h": math.nan, "p90_h": math.nan,
                                         "within_share": math.nan})
    dur = incident_frame(incidents)["duration_h"]
    within = float((dur <= WITHIN_H + 1e-9).mean())
    return Estimate(mech["dur_median"], stats={"median_h": mech["dur_median"],
                                               "p90_h": mech["dur_p90"],
                                               "within_share": within,
                                               "max_h": float(dur.max())})


def large_incident_probability(incidents: pd.DataFrame, replications: Iterable[int]) -> Estimate:
    """Row 5: replications with an incident killing :data:`LARGE_KILLED` or more, over
    replications, with the Clopper-Pearson 95% interval."""
    reps = sorted(replications)
    large = incidents.loc[incidents["killed"] >= LARGE_KILLED, "replication"].unique()
    k, n = int(np.isin(reps, large).sum()), len(reps)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return Estimate(k / n, float(ci.low), float(ci.high), "Clopper-Pearson",
                    {"with_large": float(k), "replications": float(n),
                     "max_killed": float(incidents["killed"].max()) if len(incidents) else 0.0})


def exercise_direct_share(reps: pd.DataFrame, incidents: pd.DataFrame) -> Estimate:
    """Row 6: per replication, direct-fire friendly-fire casualties over friendly-fire
    casualties + enemy casualties (0 where both are 0); the mean and its t-interval."""
    r = reps.sort_values("replication").set_index("replication")
    inc = incident_frame(incidents)
    direct = _by_replication(inc, r.index, {"direct": inc["casualties"].where(
        inc["fire"] == "direct", 0)})["direct"]
    den = r["friendly_fire_casualties"] + r["enemy_casualties"]
    share = np.where(den > 0, direct / den.clip(lower=1), 0.0)
    d = describe(share)
    return Estimate(d["mean"], d["ci95_low"], d["ci95_high"], "Student-t over replications",
                    {"direct_ff": float(direct.mean()),
                     "ff": float(r["friendly_fire_casualties"].mean()),
                     "enemy": float(r["enemy_casualties"].mean())})


def evaluate(base: Arm, exercise: Arm, dt_h: float) -> list[Verdict]:
    """Every row of :data:`RULES`, in order, on the kursk_2024 baseline ``base`` and the
    ``tri_nation_exercise`` arm ``exercise``; ``dt_h`` the kursk_2024 time step."""
    reps = base.reps["replication"].tolist()
    inc = base.incidents
    est = {
        "casualties_per_incident": casualties_per_incident(inc, reps),
        "killed_share_ratio": killed_share_ratio(base.reps, inc, coalition_nations(base.summary)),
        "indirect_share": indirect_share(inc, reps),
        "indirect_casualty_share": indirect_share(inc, reps, by="casualties"),
        "durations": durations(inc, dt_h),
        "large_incident": large_incident_probability(inc, reps),
        "exercise_direct_share": exercise_direct_share(exercise.reps, exercise.incidents),
    }
    return [judge(rule, est[rule.key]) for rule in RULES]


# --------------------------------------------------------------------------- the section


def value_text(v: Verdict) -> str:
    """The model's figure as the table writes it, with its interval where there is one."""
    e, kind = v.estimate, v.rule.kind
    if kind == "duration":
        s = e.stats
        if not math.isfinite(s["median_h"]):
            return "no incidents"
        return (f"median {hours(s['median_h'])}; 90th percentile {hours(s['p90_h'])}; "
                f"{pct(s['within_share'])} within {WITHIN_H:g} h")
    fmt = {"num": num, "ratio": lambda x: f"{x:.2f}", "pct": pct,
           "prob": lambda x: f"{x:.3f}"}[kind]
    text = fmt(e.value) if math.isfinite(e.value) else "undefined (nothing to divide)"
    if kind == "prob":
        text = f"{int(e.stats['with_large'])}/{int(e.stats['replications'])} = {text}"
    if e.ci95_low is not None and e.ci95_high is not None and math.isfinite(e.ci95_low):
        text += f" [{fmt(e.ci95_low)}, {fmt(e.ci95_high)}]"
    return text


def _side(v: Verdict) -> str:
    """'below' or 'above' the band of a single-limit rule that failed on ``value``."""
    lim = v.rule.limits[0]
    return "below" if lim.low is not None and v.estimate.value < lim.low else "above"


def why(v: Verdict, by_key: Mapping[str, Verdict]) -> str:
    """One sentence on why a failed row fails, from this run's figures (``by_key``: every
    row of the run by rule key, for the figures a row's reason quotes)."""
    e, s = v.estimate, v.estimate.stats
    dur = by_key["durations"].estimate.stats
    key = v.rule.key
    if not math.isfinite(e.value):
        return ("there is nothing to judge: " + {
            "casualties_per_incident": "no incident caused a casualty",
            "killed_share_ratio": "friendly fire, or enemy fire, caused no casualty (or enemy "
                                  "fire killed none)",
        }.get(key, "the run has no incident to count") + ".")
    if key == "casualties_per_incident":
        so = ("too short for more than a burst that hits one or two soldiers"
              if _side(v) == "below" else "an incident that hits anyone hits many")
        return (f"{_side(v)} the band: {pct(s['zero_share'])} of the {int(s['incidents']):,} "
                f"incidents have no casualty, the largest killed {int(s['max_killed'])}, and "
                f"the median incident lasts {hours(dur['median_h'])}: {so}.")
    if key == "killed_share_ratio":
        ind = s.get("enemy_indirect_share", math.nan)
        ff_ind = by_key["indirect_casualty_share"].estimate.value
        return (f"{_side(v)} the band: friendly fire killed {pct(s['ff_killed_share'])} of "
                f"the {int(s['ff_casualties'])} it hit and enemy fire "
                f"{pct(s['enemy_killed_share'])} of its {int(s['enemy_fire_casualties'])}, "
                f"where artillery and drones gave {pct(ind)} of the enemy's casualties but "
                f"{pct(ff_ind)} of friendly fire's.")
    if key == "indirect_share" and _side(v) == "above":
        return (f"above the band: direct fire gives only {pct(1 - e.value)} of incidents, "
                f"fewer than the record's ground-to-ground 22%.")
    if key == "indirect_share":
        cas = by_key["indirect_casualty_share"].estimate.value
        of_cas = f" ({pct(1 - cas)} of friendly-fire casualties)" if math.isfinite(cas) else ""
        return (f"below the band: direct fire gives {pct(1 - e.value)} of incidents"
                f"{of_cas}: in a static lay-down drones and artillery fall on friends only "
                f"where a call was on a misjudged friend or its grid was garbled or late, "
                f"or where a hunting drone's search met a friend its HQ's picture did not "
                f"show, past the operator's look, while direct fire engages every misjudged "
                f"neighbour within its weapons' reach along the line.")
    if key == "durations":
        return (f"the median incident lasts {hours(dur['median_h'])} and "
                f"{pct(dur['within_share'])} end within {WITHIN_H:g} h (the longest "
                f"{hours(dur['max_h'])}): fire on a friend goes on too long to be the "
                f"record's single engagements.")
    if key == "large_incident":
        k, n = int(s["with_large"]), int(s["replications"])
        per = by_key["casualties_per_incident"].estimate.value
        size = (f"with {num(per)} casualties per incident with any, the model's incidents are "
                f"many and small where the record names a large one" if math.isfinite(per)
                else "no incident caused a casualty")
        had = (f"the largest incident in {n} replications killed {int(s['max_killed'])}, so "
               f"no campaign had one killing {LARGE_KILLED} or more" if not k else
               f"{k} of {n} campaigns had an incident killing {LARGE_KILLED} or more")
        return (f"below the band: {had} (the upper end of the 95% interval is "
                f"{e.ci95_high:.3f}): {size}.")
    if key == "exercise_direct_share":
        lim = v.rule.limits[0]
        edge = lim.low if _side(v) == "below" else lim.high
        return (f"{_side(v)} the band: per replication the exercise gives "
                f"{num(s['direct_ff'])} direct-fire friendly-fire casualties "
                f"({num(s['ff'])} friendly-fire casualties in all) against {num(s['enemy'])} "
                f"enemy casualties; {pct(edge, 0)} of the casualties the coalition inflicted "
                f"would be {num(edge * (s['ff'] + s['enemy']))}.")
    raise KeyError(key)


def _rows(numbers: list[str]) -> str:
    return ("row " if len(numbers) == 1 else "rows ") + ", ".join(numbers)


def _label(v: Verdict) -> str:
    """The row as the summary of checks names it."""
    return (f"Incidents, row {v.rule.number} ({v.rule.scenario}): {v.rule.figure}: "
            f"{value_text(v)} (band {v.rule.band})")


def incidents_section(w: Write, checks: list[Check], verdicts: list[Verdict], number: int,
                      replications: Mapping[str, int]) -> None:
    """Write the section with ``w``; append its judged rows to ``checks``.

    Args:
        w: appends one line to the document.
        checks: the report's (check, passed) list.
        verdicts: :func:`evaluate`'s rows.
        number: the section's number in the report.
        replications: replications per scenario named by a rule.
    """
    w(f"## {number}. Incident-level validation: the shape of the incidents")
    w("")
    w("Section 3 compares how much fratricide there is; this section asks whether the "
      "incidents look like the record's: how large and how deadly, by which fire, how long, "
      "how often a campaign has a large one, and how much ground-to-ground fratricide an "
      "exercise gives. The bands were stated before any run "
      "(`sim/validation/incidents.py`: `RULES`, issue 13 item 6) and are not moved after "
      "seeing results. Runs: " + ", ".join(f"{k} ({n} replications, intervention `none`)"
                                           for k, n in replications.items()) + ".")
    w("")
    w("| # | figure | run | target band | source | model [95% CI] | rule | result |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for v in verdicts:
        res = "not judged" if v.passed is None else mark(v.passed)
        r = v.rule
        w(f"| {r.number} | {r.figure} | {r.scenario} | {r.band} | {r.source} | "
          f"{value_text(v)} | {r.rule} | {res} |")
    w("")
    methods = sorted({v.estimate.interval for v in verdicts if v.estimate.interval})
    w("95% intervals: " + "; ".join(
        f"{m} ({_rows([v.rule.number for v in verdicts if v.estimate.interval == m])})"
        for m in methods) + "; the durations row has none (it judges two quantiles and a "
      "share of the pooled incidents as they are). Enemy-fire casualties are the "
      "coalition's killed and wounded less the incidents' (friendly fire).")
    w("")
    by_key = {v.rule.key: v for v in verdicts}
    failed = [v for v in verdicts if v.passed is False]
    judged = [v for v in verdicts if v.passed is not None]
    if not failed:
        w(f"All {len(judged)} judged rows pass.")
    else:
        w(f"{len(failed)} of the {len(judged)} judged rows fail:")
        w("")
        for v in failed:
            w(f"- **Row {v.rule.number} fails** ({v.rule.figure}): {why(v, by_key)}")
    w("")
    checks.extend((_label(v), bool(v.passed)) for v in judged)
