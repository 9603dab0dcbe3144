"""The names of a replication's metrics, in the order of every table (docs/contract.md).

Their definitions are in :mod:`sim.experiment.replication`, which computes them; this
module holds only the names, so the sweep table and the command line can read them
without importing the model.
"""

from __future__ import annotations

METRICS: tuple[str, ...] = (
    "friendly_fire_incidents", "friendly_fire_casualties", "hostile_fire_casualties",
    "total_casualties", "fratricide_share", "miscommunication_share", "enemy_casualties",
)
