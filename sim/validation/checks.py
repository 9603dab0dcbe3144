"""The validation report's checks: figures in, figures and a verdict out.

Pure functions: no simulation, no file I/O, no plotting. Each takes the
arrays or tables a run produced and returns a frozen dataclass holding the
figures it judged, the band or tolerance it judged them against, and
``passed``. The bands and tolerances are fixed here, before any run:

1. Lanchester's square law (``lanchester_duel``, BLUE B0 against RED R0, aimed
   fire a on BLUE and b on RED). :func:`square_law` (from
   :mod:`sim.validation.theory`, as are :func:`crit_3sigma` and :func:`welch`)
   gives the theory: b B^2 - a R^2 is conserved, RED is destroyed at
   t* = atanh(sqrt(a/b) R0/B0)/sqrt(ab) and BLUE keeps sqrt(B0^2 - (a/b) R0^2).

   - :func:`lanchester_survivors` passes when RED is destroyed in every
     replication and |z| <= the Student-t quantile (n - 1 degrees of freedom)
     of the two-sided 3-sigma level, 0.27% (:data:`THREE_SIGMA`; about 3 for
     many replications), z = (mean survivors - theory) / (std / sqrt(n)).
   - :func:`lanchester_invariant` passes when at every recorded time after the
     start the mean trajectory's b B^2 - a R^2, relative to its initial value,
     deviates from 1 by at most the same quantile times the standard error of
     the per-replication invariant.

2. One nation (``single_nation``) beside the coalition (``kursk_2024``):

   - :func:`no_language_cause` passes when no replication has a
     language-caused incident (``report_garbled``, ``challenge_failed``);
   - :func:`some_misidentification` passes when there is at least one
     misidentification over all replications;
   - :func:`share_lower` passes when the whole Welch 95% interval of
     single_nation's fratricide share minus kursk_2024's lies below 0 (the two
     scenarios draw different random numbers, so the difference is unpaired).

3. ``kursk_2024`` beside the record:

   - :func:`placement` says where a mean and its 95% interval lie against a
     historical figure (:data:`HISTORICAL`, quoted from docs/model.md): below or
     above (the whole interval outside), within (the mean inside a band), or
     below/above with the interval overlapping. A description, not pass/fail.
   - :func:`mean_in_band` passes when the mean lies in a closed band: KP killed
     + wounded 30-40% of its initial force (:data:`KP_LOSS_BAND`, the
     calibration target) and KP wounded per killed 3-9
     (:data:`WOUNDED_PER_KILLED_BAND`).
   - :func:`in_every_replication` passes when every replication has at least
     one KP-RU friendly-fire incident.

4. Interventions: :func:`rank_remedies` orders the remedies by their paired
   change in friendly-fire casualties and names those whose whole 95% interval
   lies below 0. Reported, not pass/fail.

5. Unit size and time step (``lanchester_duel`` cut into n units per side at
   several steps dt, the same total forces, every unit in range of every
   enemy): each case must pass both square-law checks of 1, and
   :func:`totals_agree` passes when every case's mean total casualties (both
   sides, over the run) lies within 2% (:data:`GRANULARITY_TOLERANCE`) of the
   reference case's (1 unit per side at the smallest step). The 2% is judged
   on the means; the standard error of each ratio is reported beside it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiment.stats import describe
from sim.interventions import COUNTERFACTUALS as COUNTERFACTUALS
from sim.validation.theory import THREE_SIGMA as THREE_SIGMA
from sim.validation.theory import SquareLaw as SquareLaw
from sim.validation.theory import crit_3sigma as crit_3sigma
from sim.validation.theory import square_law as square_law
from sim.validation.theory import welch as welch

#: KP killed + wounded over its initial force, as reported (~30-40%; the calibration target).
KP_LOSS_BAND = (0.30, 0.40)
#: KP wounded per killed, as reported (3-9).
WOUNDED_PER_KILLED_BAND = (3.0, 9.0)

#: Largest relative difference in mean total casualties between a case cut into units or
#: stepped differently and the reference case (5.).
GRANULARITY_TOLERANCE = 0.02

#: Metrics whose paired change each intervention is reported on.
EFFECT_METRICS = ("friendly_fire_incidents", "friendly_fire_casualties", "total_casualties",
                  "enemy_casualties")

#: Historical fratricide figures, quoted from docs/model.md with their sources:
#: (label, low, high, the figure as quoted, what it is a share of, source).
#: A single figure has low == high.
HISTORICAL = (
    ("Shrader, US wars", 0.0, 0.02, "perhaps less than 2%", "casualties",
     'C. R. Shrader, "Amicicide" (1982)'),
    ("OTA, typical", 0.10, 0.20, "10-20% more typical", "casualties",
     'US Congress OTA, "Who Goes There" (1993)'),
    ("WWII", 0.16, 0.16, "~16%", "casualties", "OTA (1993)"),
    ("Vietnam", 0.11, 0.14, "11-14%", "casualties", "OTA (1993)"),
    ("Panama 1989", 0.13, 0.13, "13%", "casualties", "OTA (1993)"),
    ("Desert Storm, killed", 35 / 148, 35 / 148, "35 of 148 US killed (24%), 28 incidents",
     "killed", "OTA (1993)"),
    ("Desert Storm, wounded", 72 / 467, 72 / 467, "72 of 467 US wounded (15%)", "wounded",
     "OTA (1993)"),
    ("UK NAO", 0.10, 0.15, "10-15%", "casualties", "UK National Audit Office (2002)"),
    ("NTC exercises", 0.01, 0.03, "ground-to-ground 1-3%", "blue kills",
     "RAND, National Training Center data"),
)


# --------------------------------------------------------------------------- 1. Lanchester


@dataclass(frozen=True)
class SurvivorsCheck:
    """BLUE's final strength against the square law's survivors (``tolerance`` on |z|)."""

    theory: float
    mean: float
    std: float
    ci95_low: float
    ci95_high: float
    z: float
    tolerance: float
    destroyed: int
    replications: int
    passed: bool


def lanchester_survivors(blue_final: Iterable[float], red_final: Iterable[float],
                         theory: float) -> SurvivorsCheck:
    """Judge BLUE's survivors at the horizon, one value per replication.

    Args:
        blue_final: BLUE's strength at the horizon in each replication.
        red_final: RED's strength at the horizon, same replications (0 = destroyed).
        theory: the square law's survivors (:attr:`SquareLaw.survivors`).

    Returns:
        Passed when RED is destroyed in every replication and |z| <= :func:`crit_3sigma`.
    """
    survivors = np.asarray(blue_final, float)
    n = survivors.size
    crit = crit_3sigma(n)
    d = describe(survivors)
    se = d["std"] / math.sqrt(n)
    z = (d["mean"] - theory) / se if se > 0 else (0.0 if d["mean"] == theory else math.inf)
    destroyed = int((np.asarray(red_final) == 0).sum())
    return SurvivorsCheck(theory, d["mean"], d["std"], d["ci95_low"], d["ci95_high"], z, crit,
                          destroyed, n, bool(abs(z) <= crit and destroyed == n))


def invariant_trajectory(wide: pd.DataFrame, law: SquareLaw) -> pd.DataFrame:
    """The square-law invariant over time, relative to its initial value.

    Args:
        wide: one row per replication and recorded time: ``replication``, ``time_h``,
            ``BLUE``, ``RED`` (strengths).
        law: the duel's parameters.

    Returns:
        Indexed by ``time_h``: mean strengths ``blue`` and ``red``; ``inv_rel``, the invariant
        of the mean trajectory; ``inv_se``, the standard error of the per-replication
        invariant; ``inv_low`` and ``inv_high``, its 95% interval (all over the initial value).
    """
    a, b = law.a, law.b
    n = wide["replication"].nunique()
    inv = b * wide["BLUE"].astype(float) ** 2 - a * wide["RED"].astype(float) ** 2
    inv0 = b * law.b0 ** 2 - a * law.r0 ** 2
    g = wide.assign(inv=inv).groupby("time_h")
    mean_b, mean_r = g["BLUE"].mean(), g["RED"].mean()
    ci = g["inv"].apply(lambda v: pd.Series(describe(v.to_numpy()))).unstack() / inv0
    return pd.DataFrame({"blue": mean_b, "red": mean_r,
                         "inv_rel": (b * mean_b ** 2 - a * mean_r ** 2) / inv0,
                         "inv_se": g["inv"].std(ddof=1) / math.sqrt(n) / inv0,
                         "inv_low": ci["ci95_low"], "inv_high": ci["ci95_high"]})


@dataclass(frozen=True)
class InvariantCheck:
    """The largest deviation of the relative invariant from 1, and the tolerance there."""

    max_dev: float
    at_time_h: float
    tolerance_there: float
    quantile: float
    passed: bool


def lanchester_invariant(trajectory: pd.DataFrame, replications: int) -> InvariantCheck:
    """Judge the invariant of the mean trajectory at every recorded time after 0.

    Args:
        trajectory: indexed by time (hours) with ``inv_rel`` and ``inv_se`` (as
            :func:`invariant_trajectory` returns).
        replications: how many replications the standard errors are over.

    Returns:
        Passed when every |inv_rel - 1| <= :func:`crit_3sigma` x ``inv_se`` at its time.
    """
    crit = crit_3sigma(replications)
    later = trajectory.index > 0
    dev = (trajectory["inv_rel"] - 1.0)[later]
    tol = crit * trajectory["inv_se"][later]
    worst = float(dev.abs().idxmax())
    return InvariantCheck(float(dev.loc[worst]), worst, float(tol.loc[worst]), crit,
                          bool((dev.abs() <= tol).all()))


# --------------------------------------------------------------------------- 2. single_nation


@dataclass(frozen=True)
class CountCheck:
    """A per-replication count: its total, in how many replications it is positive."""

    total: float
    mean: float
    replications_with: int
    replications: int
    passed: bool


def _count(values: Iterable[float], passed: bool) -> CountCheck:
    x = np.asarray(values, float)
    return CountCheck(float(x.sum()), float(x.mean()), int((x > 0).sum()), x.size, bool(passed))


def no_language_cause(language_incidents: Iterable[float]) -> CountCheck:
    """Passed when no replication has a language-caused incident (one count per replication)."""
    x = np.asarray(language_incidents, float)
    return _count(x, (x == 0).all())


def some_misidentification(misidentifications: Iterable[float]) -> CountCheck:
    """Passed when there is at least one misidentification over all replications."""
    x = np.asarray(misidentifications, float)
    return _count(x, x.sum() > 0)


def in_every_replication(incidents: Iterable[float]) -> CountCheck:
    """Passed when every replication has at least one incident (one count per replication)."""
    x = np.asarray(incidents, float)
    return _count(x, (x > 0).all())


@dataclass(frozen=True)
class WelchCheck:
    """An unpaired difference (mean and Welch 95% interval); passed when all of it is < 0."""

    mean_diff: float
    ci95_low: float
    ci95_high: float
    passed: bool


def share_lower(lower: Iterable[float], higher: Iterable[float]) -> WelchCheck:
    """Judge that ``lower``'s mean is below ``higher``'s: Welch's interval of the difference.

    Args:
        lower: the share expected lower (single_nation's fratricide share per replication).
        higher: the share it is compared with (kursk_2024's), from other random numbers.

    Returns:
        ``lower`` minus ``higher``; passed when the whole 95% interval lies below 0.
    """
    d = welch(np.asarray(lower, float), np.asarray(higher, float))
    return WelchCheck(d["mean_diff"], d["ci95_low"], d["ci95_high"], d["ci95_high"] < 0)


# --------------------------------------------------------------------------- 3. the record


def placement(d: Mapping[str, float], lo: float, hi: float) -> str:
    """Where a mean and its 95% interval lie against a range [lo, hi] (lo == hi: a point).

    Args:
        d: ``mean``, ``ci95_low`` and ``ci95_high``.
        lo: the low end of the historical figure.
        hi: its high end (equal to ``lo`` for a single figure).

    Returns:
        ``below`` or ``above`` (the whole interval outside), ``within`` (the mean inside a
        band), else ``below, 95% CI overlapping`` or ``above, 95% CI overlapping``.
    """
    if d["ci95_high"] < lo:
        return "below"
    if d["ci95_low"] > hi:
        return "above"
    if lo < hi and lo <= d["mean"] <= hi:
        return "within"
    side = "below" if d["mean"] < lo else "above"
    return f"{side}, 95% CI overlapping"


@dataclass(frozen=True)
class BandCheck:
    """A mean with its 95% interval against a closed band [low, high]; judged on the mean."""

    mean: float
    std: float
    ci95_low: float
    ci95_high: float
    low: float
    high: float
    passed: bool


def mean_in_band(values: Iterable[float], band: tuple[float, float]) -> BandCheck:
    """Passed when the mean of ``values`` (one per replication) lies in ``band``, ends included."""
    d = describe(np.asarray(values, float))
    low, high = band
    return BandCheck(d["mean"], d["std"], d["ci95_low"], d["ci95_high"], low, high,
                     bool(low <= d["mean"] <= high))


# --------------------------------------------------------------------------- 4. interventions


@dataclass(frozen=True)
class Ranking:
    """Remedies from the largest cut in a metric to the smallest, and the significant ones."""

    ranked: tuple[str, ...]
    below_zero: tuple[str, ...]


def rank_remedies(comparisons: Mapping[str, Mapping[str, Mapping[str, float]]],
                  metric: str = "friendly_fire_casualties",
                  exclude: Iterable[str] = COUNTERFACTUALS) -> Ranking:
    """Order remedies by their paired change in ``metric`` (most negative first).

    Args:
        comparisons: per intervention, ``comparison["metrics"]`` of its paired run: per metric
            ``mean_diff``, ``ci95_low``, ``ci95_high``.
        metric: the metric ranked on.
        exclude: interventions that are not remedies (the counterfactual).

    Returns:
        The ranking, and the remedies whose whole 95% interval of the change lies below 0.
    """
    skip = set(exclude)
    ranked = sorted((n for n in comparisons if n not in skip),
                    key=lambda n: comparisons[n][metric]["mean_diff"])
    return Ranking(tuple(ranked),
                   tuple(n for n in ranked if comparisons[n][metric]["ci95_high"] < 0))


# --------------------------------------------------------------------------- 5. granularity


@dataclass(frozen=True)
class TotalsCheck:
    """Mean total casualties per case, each relative to the reference case's.

    ``mean``, ``rel_diff`` (case / reference - 1) and ``rel_se`` (its standard error, the
    two means' errors combined by the delta method) are keyed by case, in the input order.
    """

    reference: str
    mean: Mapping[str, float]
    rel_diff: Mapping[str, float]
    rel_se: Mapping[str, float]
    worst: str
    tolerance: float
    passed: bool


def totals_agree(totals: Mapping[str, Iterable[float]], reference: str,
                 tolerance: float = GRANULARITY_TOLERANCE) -> TotalsCheck:
    """Judge that the cases' mean total casualties agree with the reference case's.

    Args:
        totals: per case, the total casualties of each replication (at least two each).
        reference: the case the others are compared with (a key of ``totals``).
        tolerance: the largest |mean / reference mean - 1| that passes.

    Returns:
        Passed when every case's mean lies within ``tolerance`` of the reference's.
    """
    x = {k: np.asarray(v, float) for k, v in totals.items()}
    mean = {k: float(v.mean()) for k, v in x.items()}
    rel_se2 = {k: v.var(ddof=1) / v.size / mean[k] ** 2 if mean[k] else 0.0
               for k, v in x.items()}
    ref = mean[reference]
    rel = {k: m / ref - 1.0 for k, m in mean.items()}
    se = {k: 0.0 if k == reference else (1 + rel[k]) * math.sqrt(rel_se2[k] + rel_se2[reference])
          for k in x}
    worst = max(rel, key=lambda k: abs(rel[k]))
    return TotalsCheck(reference, mean, rel, se, worst, tolerance,
                       bool(abs(rel[worst]) <= tolerance))
