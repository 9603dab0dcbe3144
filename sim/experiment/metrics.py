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
