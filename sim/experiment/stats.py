"""Statistics over replications: means with 95% intervals that respect each value's range.

Rules:

- The interval of a mean is Student-t's (quantile from ``scipy.stats.t``, n - 1 degrees of
  freedom, sample standard deviation) on the scale that maps the value's range onto the
  real line, carried back by the delta method:

  - unbounded values (a paired difference of counts): plain t, ``"t"``;
  - bounded below, ``[lo, inf)`` (a count: incidents, casualties, hours): t on the log of
    ``mean - lo``, ``"log_t"``: ``lo + (mean - lo) * exp(+-t * se / (mean - lo))``;
  - bounded both ways, ``[lo, hi]`` (a share in [0, 1]; a paired difference of shares in
    [-1, 1]): t on the logit of ``(mean - lo) / (hi - lo)``, ``"logit_t"``.

  The interval then lies inside the range and holds the mean, and where the range does
  not bind (a mean far from its bounds, many replications) it is the plain t-interval.
  For the means of skewed counts and of shares near 0 or 1 it also covers the true mean
  more nearly 95% of the time than plain t (tests/test_stats.py). A bootstrap
  (``scipy.stats.bootstrap``, percentile or BCa) respects the range too, but covers
  70-90% at the 3-8 replications runs use, so it is not used.
- No interval where there is nothing to estimate it from: one replication, or every
  replication alike (sample standard deviation 0). The method is then ``"none"`` and the
  interval is written as ``[mean, mean]`` (docs/contract.md: never NaN or null); it is
  printed as "no interval".
- Nothing here draws a random number, so intervals are the same on every launcher.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: Ranges of a per-replication value (low, high).
Bounds = tuple[float, float]
REAL: Bounds = (-math.inf, math.inf)
COUNT: Bounds = (0.0, math.inf)
SHARE: Bounds = (0.0, 1.0)
#: The methods of :func:`interval` (the ``ci95_method`` of summary.json).
METHODS = ("t", "log_t", "logit_t", "none")
LEVEL = 0.95


def difference_bounds(bounds: Bounds) -> Bounds:
    """The range of a difference of two values in ``bounds`` ([0, 1] -> [-1, 1])."""
    lo, hi = bounds
    width = hi - lo
    return (-width, width)


def interval(values: Sequence[float], bounds: Bounds = REAL) -> dict[str, float | str]:
    """Mean, sample std and the 95% interval of the mean of ``values`` (module rules).

    Args:
        values: one value per replication, each within ``bounds``.
        bounds: the range (low, high) of a single value; ``math.inf`` for an open end.

    Returns:
        ``mean``, ``std`` (0 for fewer than two values), ``ci95_low``, ``ci95_high`` and
        ``ci95_method`` (one of :data:`METHODS`).

    Raises:
        ValueError: a value lies outside ``bounds`` by more than rounding (1e-9 of the
            largest value; within that it is taken as the bound).
    """
    x = np.asarray(values, dtype=float)
    n = x.size
    lo, hi = bounds
    if n:
        slack = 1e-9 * max(1.0, float(np.abs(x).max()))   # rounding (a duration of -1e-17 h)
        if x.min() < lo - slack or x.max() > hi + slack:
            raise ValueError(f"values outside their range [{lo}, {hi}]: "
                             f"min {x.min()!r}, max {x.max()!r}")
        x = np.clip(x, lo, hi)
    mean = float(x.mean()) if n else 0.0
    std = float(x.std(ddof=1)) if n > 1 else 0.0
    if n < 2 or std == 0.0 or not lo < mean < hi:
        return {"mean": mean, "std": std, "ci95_low": mean, "ci95_high": mean,
                "ci95_method": "none"}
    from scipy import stats  # imported here: 0.5 s, needed only once replications are done

    z = float(stats.t.ppf(0.5 + LEVEL / 2, n - 1)) * std / math.sqrt(n)  # t x standard error
    if math.isinf(lo) and math.isinf(hi):
        low, high, method = mean - z, mean + z, "t"
    elif math.isinf(hi) or math.isinf(lo):
        sign = 1.0 if math.isinf(hi) else -1.0    # bounded below, or mirrored: above
        edge = lo if sign > 0 else hi
        gap = sign * (mean - edge)
        ends = (edge + sign * gap * math.exp(-z / gap), edge + sign * gap * math.exp(z / gap))
        low, high, method = min(ends), max(ends), "log_t"
    else:
        u = (mean - lo) / (hi - lo)
        half = z / (hi - lo) / (u * (1.0 - u))
        centre = math.log(u / (1.0 - u))
        low = lo + (hi - lo) * _expit(centre - half)
        high = lo + (hi - lo) * _expit(centre + half)
        method = "logit_t"
    # rounding can put an end a hair past the mean where the interval is very narrow
    return {"mean": mean, "std": std, "ci95_low": min(low, mean), "ci95_high": max(high, mean),
            "ci95_method": method}


def _expit(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


def describe(values: Sequence[float], bounds: Bounds = REAL) -> dict[str, float]:
    """Mean, sample std and the 95% interval of the mean of ``values`` (:func:`interval`
    without its method: every value a number)."""
    out = interval(values, bounds)
    out.pop("ci95_method")
    return out  # type: ignore[return-value]


def difference_interval(d: Sequence[float], bounds: Bounds = REAL, *,
                        method: bool = False) -> dict[str, float | str]:
    """Mean of per-replication differences ``d`` with its 95% interval (``mean_diff``,
    ``ci95_low``, ``ci95_high``, and ``ci95_method`` if ``method``).

    Args:
        d: one difference per replication.
        bounds: the range of a single difference (:func:`difference_bounds` of the
            metric's range); unbounded by default, where the interval is plain t.
        method: also return the interval's method.
    """
    s = interval(d, bounds)
    out: dict[str, float | str] = {"mean_diff": s["mean"], "ci95_low": s["ci95_low"],
                                   "ci95_high": s["ci95_high"]}
    if method:
        out["ci95_method"] = s["ci95_method"]
    return out


def paired_difference(a: Sequence[float], b: Sequence[float], bounds: Bounds = REAL, *,
                      method: bool = False) -> dict[str, float | str]:
    """Mean of a - b paired by replication, with its 95% interval (:func:`difference_interval`;
    ``bounds`` is the range of a single value of a and b)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    return difference_interval(d, difference_bounds(bounds), method=method)


def no_interval_reason(n: int) -> str:
    """Why a statistic over ``n`` replications has no interval, for the terminal."""
    return "no interval (1 replication)" if n < 2 else f"no interval (all {n} replications equal)"
