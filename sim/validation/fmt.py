"""How the validation report writes its numbers: percentages, counts, intervals, verdicts."""

from __future__ import annotations

from collections.abc import Mapping


def pct(x: float, digits: int = 1) -> str:
    """A share as a percentage, ``0.1234`` -> ``12.3%``."""
    return f"{100 * x:.{digits}f}%"


def ci_pct(d: Mapping[str, float], digits: int = 1) -> str:
    """A share's mean and 95% interval as percentages: ``12.3% [11.0%, 13.6%]``."""
    low, high = pct(d["ci95_low"], digits), pct(d["ci95_high"], digits)
    return f"{pct(d['mean'], digits)} [{low}, {high}]"


def num(x: float) -> str:
    """A count or casualty figure: no decimals from 100 up, else up to two."""
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def ci_num(d: Mapping[str, float]) -> str:
    """A figure's mean and 95% interval: ``61.2 [55.0, 67.4]``."""
    return f"{num(d['mean'])} [{num(d['ci95_low'])}, {num(d['ci95_high'])}]"


def diff_num(d: Mapping[str, float]) -> str:
    """A difference's mean and 95% interval (``mean_diff``, ``ci95_low``, ``ci95_high``)."""
    return f"{num(d['mean_diff'])} [{num(d['ci95_low'])}, {num(d['ci95_high'])}]"


def hours(h: float) -> str:
    """A duration given in hours: minutes below 1 h (``0.05`` -> ``3 min``), else hours
    (``2.5`` -> ``2.5 h``)."""
    if h < 1:
        return f"{60 * h:.0f} min" if 60 * h >= 1 else f"{60 * h:.1f} min"
    return f"{h:.1f} h"


def mark(ok: bool) -> str:
    """A verdict as the document writes it."""
    return "pass" if ok else "**FAIL**"
