"""Statistics over replications: means with Student-t 95% intervals, paired differences.

With one replication the standard deviation is 0 and the interval is
[mean, mean] (docs/contract.md: never NaN).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def describe(values: Sequence[float]) -> dict[str, float]:
    """Mean, sample std and the 95% t-interval of the mean of ``values``."""
    x = np.asarray(values, dtype=float)
    n = x.size
    mean = float(x.mean()) if n else 0.0
    if n < 2:
        return {"mean": mean, "std": 0.0, "ci95_low": mean, "ci95_high": mean}
    std = float(x.std(ddof=1))
    from scipy import stats  # imported here: 0.5 s, needed only once replications are done

    half = float(stats.t.ppf(0.975, n - 1)) * std / math.sqrt(n)
    return {"mean": mean, "std": std, "ci95_low": mean - half, "ci95_high": mean + half}


def paired_difference(a: Sequence[float], b: Sequence[float]) -> dict[str, float]:
    """Mean of a - b paired by replication, with its 95% t-interval."""
    return difference_interval(np.asarray(a, float) - np.asarray(b, float))


def difference_interval(d: Sequence[float]) -> dict[str, float]:
    """Mean of per-replication differences ``d``, with its 95% t-interval (``mean_diff``,
    ``ci95_low``, ``ci95_high``)."""
    s = describe(d)
    return {"mean_diff": s["mean"], "ci95_low": s["ci95_low"], "ci95_high": s["ci95_high"]}
