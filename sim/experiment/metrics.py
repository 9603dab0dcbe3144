"""The names of a replication's metrics, in the order of every table (docs/contract.md),
with the range of each and how the terminal names it.

Their definitions are in :mod:`sim.experiment.replication`, which computes them; this
module holds only the names, ranges and labels, so the sweep table and the command line
can read them without importing the model.
"""

from __future__ import annotations

import math

METRICS: tuple[str, ...] = (
    "friendly_fire_incidents", "friendly_fire_casualties", "hostile_fire_casualties",
    "total_casualties", "fratricide_share", "miscommunication_share", "enemy_casualties",
)

#: The metrics that are shares, in [0, 1]; every other one is a count per replication, >= 0.
SHARES: tuple[str, ...] = ("fratricide_share", "miscommunication_share")


def bounds(metric: str) -> tuple[float, float]:
    """The range of one replication's value of ``metric``: [0, 1] for a share, else [0, inf)."""
    return (0.0, 1.0) if metric in SHARES else (0.0, math.inf)


#: Per metric: how a line of the terminal names it, and its unit.
LABELS: dict[str, tuple[str, str]] = {
    "friendly_fire_incidents": ("friendly-fire incidents", "incidents"),
    "friendly_fire_casualties": ("friendly-fire casualties", "coalition killed + wounded"),
    "hostile_fire_casualties": ("hostile-fire casualties", "coalition killed + wounded"),
    "total_casualties": ("coalition casualties", "killed + wounded, all causes"),
    "fratricide_share": ("fratricide share", "of coalition casualties"),
    "miscommunication_share": ("miscommunication share", "of incidents"),
    "enemy_casualties": ("enemy casualties", "killed + wounded by the coalition"),
}


#: The metrics where more is better for the coalition (enemy casualties it inflicts); for
#: every other one, less is better.
MORE_IS_BETTER: tuple[str, ...] = ("enemy_casualties",)


def good_for_coalition(metric: str, change: float) -> bool:
    """A change of ``metric`` (this run minus another) is good for the coalition: less
    friendly fire and fewer casualties, more enemy casualties inflicted."""
    return change > 0 if metric in MORE_IS_BETTER else change < 0


def axis_label(metric: str, difference: bool = False) -> str:
    """A figure axis's label with its unit: a share in % (a difference of shares in
    percentage points), a count per campaign."""
    name, unit = LABELS[metric]
    if metric in SHARES:
        unit = ("percentage points " if difference else "% ") + unit
    return f"{name}\n({'change, ' if difference else ''}{unit})"


def scaled(metric: str, value):
    """A metric's value as figures draw it: shares in % (or percentage points)."""
    return value * 100.0 if metric in SHARES else value


#: How figures colour an effect: good for the coalition, bad, or not told apart from 0.
GOOD, BAD, NEUTRAL = "tab:green", "tab:red", "0.45"


def effect_colour(metric: str, d: dict, more_is_better: bool | None = None) -> str:
    """Green: the change (``mean_diff``) is good for the coalition and its interval
    excludes 0; red: bad and excludes 0; grey: the interval spans 0. Without an interval
    (all replications alike) the mean's direction decides, 0 being grey.
    ``more_is_better`` overrides the metric's own direction (for a derived quantity)."""
    mean = d["mean_diff"]
    spans = d["ci95_low"] <= 0.0 <= d["ci95_high"] and d.get("ci95_method") != "none"
    if spans or mean == 0.0:
        return NEUTRAL
    if more_is_better is None:
        good = good_for_coalition(metric, mean)
    else:
        good = mean > 0 if more_is_better else mean < 0
    return GOOD if good else BAD
