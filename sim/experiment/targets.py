"""Calibration targets: what was reported, as summary statistics of a run, and how far a run
lies from them.

A target is a statistic of a replication and the band the reporting puts it in, with its
source. The reporting gives bands ("30-40% of the force", "1 killed per 3-9 wounded"),
not points, so a run is as close as it can be when every statistic lies inside its band.

Statistics (of one replication; a particle with several replications takes their mean):
- a metric's name (``friendly_fire_casualties``, ``fratricide_share``, ...:
  docs/contract.md);
- ``losses.<NATION>``: the nation's killed and wounded as a share of its initial force
  (the personnel there at time 0), 0 for a nation with none;
- ``killed_share.<NATION>``: the nation's killed as a share of its killed and wounded
  (1 killed per 3-9 wounded is 0.10-0.25), 0 with no casualties;
- ``largest_incident_killed.<SHOOTER>.<TARGET>``: the most killed in one friendly-fire
  incident of SHOOTER's units firing on TARGET's, 0 with none;
- ``language_share.<SHOOTER>.<TARGET>``: the share of those incidents whose cause is a
  language one (``report_garbled`` or ``challenge_failed``), 0 with none.

Distance (the band distance): for each target, how far its statistic lies outside the
band ``[low, high]`` (0 inside it), divided by the target's ``scale`` (the band's width
unless given; a band open at one end needs one), summed over the targets. A distance of 0
means every statistic lies inside its band. ABC with an acceptance threshold of 0 then
keeps exactly the parameter values whose runs land in every band: the posterior of a model
whose reported figures are its outputs plus an error anywhere in the band (Wilkinson 2013,
Statistical Applications in Genetics and Molecular Biology 12:129).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.experiment.metrics import METRICS
from sim.model.records import Cause

#: Statistic families and the number of nation names after the family's name.
FAMILIES = {"losses": 1, "killed_share": 1, "largest_incident_killed": 2, "language_share": 2}
LANGUAGE_CAUSES = frozenset(str(c) for c in Cause if c.is_language)


class Target(BaseModel):
    """One reported figure: a statistic, its band and where the figure comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    statistic: str = Field(description="a metric name, losses.<N>, killed_share.<N>, "
                           "largest_incident_killed.<SHOOTER>.<TARGET> or "
                           "language_share.<SHOOTER>.<TARGET>")
    low: float | None = Field(None, description="lowest value the reporting allows "
                              "(None: no lower bound)")
    high: float | None = Field(None, description="highest value the reporting allows "
                               "(None: no upper bound)")
    scale: float | None = Field(None, gt=0, description="what one unit of distance is, in "
                                "the statistic's unit; default the band's width")
    source: str = Field(min_length=3, description="the reporting, and how it was read")

    @model_validator(mode="after")
    def _band(self) -> Target:
        if self.low is None and self.high is None:
            raise ValueError("a target needs low, high or both")
        for end in (self.low, self.high):
            if end is not None and not math.isfinite(end):
                raise ValueError("low and high must be finite (leave one out for an open band)")
        if self.low is not None and self.high is not None and not self.high > self.low:
            raise ValueError(f"high {self.high:g} must be greater than low {self.low:g}")
        if self.scale is None and (self.low is None or self.high is None):
            raise ValueError("a band open at one end needs a scale")
        _parts(self.statistic)
        return self

    @property
    def width(self) -> float:
        return self.scale if self.scale is not None else float(self.high - self.low)

    def distance(self, value: float) -> float:
        """How far ``value`` lies outside the band, in units of ``scale`` (0 inside)."""
        below = self.low - value if self.low is not None else 0.0
        above = value - self.high if self.high is not None else 0.0
        return max(0.0, below, above) / self.width

    @property
    def centre(self) -> float:
        """The band's middle (or its closed end), for tables and figures."""
        if self.low is not None and self.high is not None:
            return (self.low + self.high) / 2
        return float(self.low if self.low is not None else self.high)


def _parts(statistic: str) -> tuple[str, list[str]]:
    """A statistic's family and nation names; ValueError for an unknown one."""
    if statistic in METRICS:
        return statistic, []
    family, _, rest = statistic.partition(".")
    names = rest.split(".") if rest else []
    if family not in FAMILIES or len(names) != FAMILIES[family] or not all(names):
        raise ValueError(f"unknown statistic {statistic!r}; choose a metric "
                         f"({', '.join(METRICS)}), losses.<NATION>, killed_share.<NATION>, "
                         "largest_incident_killed.<SHOOTER>.<TARGET> or "
                         "language_share.<SHOOTER>.<TARGET>")
    return family, names


def nations_named(statistic: str) -> list[str]:
    """The nation names a statistic refers to (to check them against a scenario)."""
    return _parts(statistic)[1]


def statistic(name: str, metrics: dict[str, float], by_nation: dict[str, dict],
              incidents: list[dict[str, Any]]) -> float:
    """One statistic of one replication (module rules), from its metrics, nation totals and
    incident rows (``ReplicationResult`` fields)."""
    family, names = _parts(name)
    if not names:
        return float(metrics[name])
    if family in ("losses", "killed_share"):
        n = by_nation[names[0]]
        lost = n["killed"] + n["wounded"]
        if family == "losses":
            return lost / n["initial"] if n["initial"] else 0.0
        return n["killed"] / lost if lost else 0.0
    shooter, target = names
    rows = [r for r in incidents
            if r["shooter_nation"] == shooter and r["target_nation"] == target]
    if not rows:
        return 0.0
    if family == "largest_incident_killed":
        return float(max(r["killed"] for r in rows))
    return sum(1 for r in rows if str(r["cause"]) in LANGUAGE_CAUSES) / len(rows)


def band_distance(targets: dict[str, Target], values: dict[str, float]) -> float:
    """The band distance of ``values`` (by target name) from ``targets`` (module rules)."""
    return float(sum(t.distance(float(values[k])) for k, t in sorted(targets.items())))


def mean_statistics(targets: dict[str, Target], results: list) -> dict[str, float]:
    """Each target's statistic, the mean over ``results`` (``ReplicationResult`` objects)."""
    return {k: float(np.mean([statistic(t.statistic, r.metrics, r.by_nation, r.incidents)
                              for r in results]))
            for k, t in sorted(targets.items())}
