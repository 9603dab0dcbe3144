"""What the validation report's checks judge against: Lanchester's square law and the
sampling statistics of its tolerances (:mod:`sim.validation.checks` uses both and
re-exports them).

- :func:`square_law`: BLUE B0 against RED R0 under aimed fire (a: BLUE casualties per RED
  soldier per hour, b: RED casualties per BLUE soldier per hour). dB/dt = -a R,
  dR/dt = -b B; b B^2 - a R^2 is conserved, RED is destroyed at
  t* = atanh(sqrt(a/b) R0/B0)/sqrt(ab) and BLUE keeps sqrt(B0^2 - (a/b) R0^2).
- :func:`crit_3sigma`: the Student-t quantile of the two-sided 3-sigma level, 0.27%
  (:data:`THREE_SIGMA`), for n replications.
- :func:`welch`: an unpaired difference of means with Welch's 95% interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Two-sided level of the Lanchester tolerance: the 3-sigma level of a normal law.
THREE_SIGMA = 0.0027


# --------------------------------------------------------------------------- statistics


def crit_3sigma(n: int) -> float:
    """Student-t quantile for a two-sided 0.27% test with n replications (3.0 as n grows)."""
    return float(stats.t.ppf(1 - THREE_SIGMA / 2, max(n - 1, 1)))


def welch(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Mean of a minus mean of b, unpaired, with Welch's 95% interval.

    Returns:
        ``mean_diff``, ``ci95_low`` and ``ci95_high`` (the interval is the point when both
        samples are constant).
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    diff = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return {"mean_diff": diff, "ci95_low": diff, "ci95_high": diff}
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    half = float(stats.t.ppf(0.975, df)) * se
    return {"mean_diff": diff, "ci95_low": diff - half, "ci95_high": diff + half}


# --------------------------------------------------------------------------- square law


@dataclass(frozen=True)
class SquareLaw:
    """Lanchester's square law for BLUE ``b0`` against RED ``r0`` (BLUE wins).

    ``a``: BLUE casualties per RED soldier per hour; ``b``: RED casualties per BLUE soldier
    per hour; ``survivors``: BLUE left when RED is destroyed at ``t_star`` hours.
    """

    b0: float
    r0: float
    a: float
    b: float
    survivors: float
    t_star: float

    def trajectory(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """BLUE and RED strength at times ``t`` (hours) by the deterministic law."""
        a, b, b0, r0 = self.a, self.b, self.b0, self.r0
        k = math.sqrt(a * b)
        blue = np.where(t < self.t_star, b0 * np.cosh(k * t)
                        - math.sqrt(a / b) * r0 * np.sinh(k * t), self.survivors)
        red = np.where(t < self.t_star, r0 * np.cosh(k * t)
                       - math.sqrt(b / a) * b0 * np.sinh(k * t), 0.0)
        return blue, red


def square_law(b0: float, r0: float, a: float, b: float) -> SquareLaw:
    """The square law's survivors and destruction time (raises ValueError unless BLUE wins)."""
    if b * b0 ** 2 <= a * r0 ** 2:
        raise ValueError(f"R0 = {r0} against B0 = {b0}: BLUE must win for this check")
    t_star = math.atanh(math.sqrt(a / b) * r0 / b0) / math.sqrt(a * b)
    return SquareLaw(b0, r0, a, b, math.sqrt(b0 ** 2 - (a / b) * r0 ** 2), t_star)
