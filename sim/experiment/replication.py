"""One replication: build the model, run it, reduce it to metrics and tables.

Metric definitions (docs/contract.md; their names: :mod:`sim.experiment.metrics`), per
replication, coalition only:
- ``friendly_fire_incidents``: coalition-on-coalition engagements started;
- ``friendly_fire_casualties``: coalition killed + wounded by coalition fire;
- ``hostile_fire_casualties``: coalition killed + wounded by enemy fire (also split into
  direct and indirect fire: ``ReplicationResult.hostile_fire``);
- ``total_casualties``: coalition killed + wounded, all causes;
- ``fratricide_share``: friendly / total (0 where total is 0);
- ``miscommunication_share``: incidents with a communication cause / incidents
  (0 where there are none);
- ``enemy_casualties``: enemy killed + wounded by coalition fire.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from sim.build import build_model
from sim.model.model import CoalitionModel
from sim.model.records import CAUSES
from sim.schema import Intervention, RunConfig


@dataclass
class ReplicationResult:
    """What one replication produced."""

    replication: int
    seed: int
    metrics: dict[str, float]
    by_nation: dict[str, dict]
    by_cause: dict[str, int]
    incidents: list[dict] = field(default_factory=list)
    timeseries: dict[str, list] = field(default_factory=dict)
    links: dict[str, list] = field(default_factory=dict)
    engagements: int = 0
    missions: int = 0
    drone_strikes: int = 0
    #: median and 90th percentile of the replication's incident durations, h (0: none)
    duration_h: dict[str, float] = field(default_factory=dict)
    #: coalition casualties by enemy fire, by direct and indirect fire (artillery, drones)
    hostile_fire: dict[str, float] = field(default_factory=dict)
    #: with ``posterior``: the particle drawn and its values by key (else empty)
    posterior: dict[str, float] = field(default_factory=dict)


def run_replication(config: RunConfig, lever: Intervention, seed: np.random.SeedSequence,
                    replication: int, seed_label: int, progress=None) -> ReplicationResult:
    """Run ``config`` under ``lever`` on ``seed`` and reduce it to a result (the model is
    built by :func:`sim.build.build_model`)."""
    model = build_model(config, replication, lever=lever, seed=seed).run(progress)
    return summarise(model, replication, seed_label)


def summarise(model: CoalitionModel, replication: int, seed_label: int) -> ReplicationResult:
    """Reduce a finished model to metrics, nation totals, causes and tables."""
    f, ledger = model.forces, model.ledger
    coal = f.coalition
    incidents = [asdict(i) for i in ledger.incidents]
    for row in incidents:
        row["cause"] = str(row["cause"])
        row["fire"] = str(row["fire"])
    n_inc = len(incidents)
    durations = np.array([i.duration_h for i in ledger.incidents], dtype=float)
    by_cause = {str(c): sum(1 for r in incidents if r["cause"] == c) for c in CAUSES}
    comms = sum(by_cause[str(c)] for c in CAUSES if c.is_communication)
    ff = int(ledger.friendly_fire[coal].sum())
    hostile = int(ledger.hostile_fire[coal].sum())
    hostile_indirect = int(ledger.hostile_indirect[coal].sum())
    total = int(f.killed[coal].sum() + f.wounded[coal].sum())
    metrics = {
        "friendly_fire_incidents": float(n_inc),
        "friendly_fire_casualties": float(ff),
        "hostile_fire_casualties": float(hostile),
        "total_casualties": float(total),
        "fratricide_share": ff / total if total else 0.0,
        "miscommunication_share": comms / n_inc if n_inc else 0.0,
        "enemy_casualties": float(ledger.inflicted[~coal].sum()),
    }
    by_nation = {}
    for k, name in enumerate(f.nation_names):
        rows = f.nation == k
        by_nation[name] = {
            "side": model.world.nations[name].side,
            "initial": int(f.initial[rows & (f.arrive_h <= 0)].sum()),   # there at time 0
            "deployed": int(f.deployed[rows].sum()),
            "killed": int(f.killed[rows].sum()),
            "wounded": int(f.wounded[rows].sum()),
            "friendly_fire_casualties": int(ledger.friendly_fire[rows].sum()),
        }
    return ReplicationResult(
        replication=replication, seed=seed_label, metrics=metrics, by_nation=by_nation,
        by_cause=by_cause, incidents=incidents, timeseries=model.timeline.rows,
        links=model.timeline.link_rows,
        duration_h={"median": float(np.median(durations)) if n_inc else 0.0,
                    "p90": float(np.quantile(durations, 0.9)) if n_inc else 0.0},
        hostile_fire={"direct": float(hostile - hostile_indirect),
                      "indirect": float(hostile_indirect)},
        engagements=model.direct_fire.engagements_started,
        missions=model.indirect_fire.missions_fired, drone_strikes=model.drones.strikes)
