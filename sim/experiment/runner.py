"""Run the replications of one configuration, optionally beside a counterfactual.

Rules:
- Replication seeds are ``SeedSequence(seed).spawn(replications)``; replication
  k of the run and of its counterfactual share seed k (common random numbers).
- Replications run in this process, or in a pool of ``workers`` processes;
  results are sorted by replication, so the outcome does not depend on workers.
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from tqdm.auto import tqdm

from sim.experiment.replication import ReplicationResult, run_replication
from sim.model.streams import replication_seeds, seed_label
from sim.schema import Intervention, RunConfig


@dataclass
class Experiment:
    """All replications of a run, and of its counterfactual when one was asked for."""

    config: RunConfig
    results: list[ReplicationResult]
    counterfactual: list[ReplicationResult] | None = None


def _one(args: tuple[RunConfig, Intervention, object, int, int]) -> ReplicationResult:
    config, lever, seq, k, label = args
    return run_replication(config, lever, seq, k, label)


def _arm(cfg: RunConfig, lever: Intervention, desc: str, show: bool) -> list[ReplicationResult]:
    seeds = replication_seeds(cfg.seed, cfg.replications)
    jobs = [(cfg, lever, seq, k, seed_label(seq)) for k, seq in enumerate(seeds)]
    bar = tqdm(total=len(jobs), desc=desc, unit="rep", disable=not show, leave=False)
    try:
        if cfg.workers > 1 and len(jobs) > 1:
            with ProcessPoolExecutor(max_workers=min(cfg.workers, len(jobs))) as pool:
                out = []
                for res in pool.map(_one, jobs):
                    out.append(res)
                    bar.update()
        else:
            out = []
            for job in jobs:
                out.append(_one(job))
                bar.update()
    finally:
        bar.close()
    return sorted(out, key=lambda r: r.replication)


def run_experiment(cfg: RunConfig, show_progress: bool | None = None) -> Experiment:
    """Run ``cfg``'s replications (and its ``counterfactual``'s, on the same seeds)."""
    show = cfg.progress and sys.stderr.isatty() if show_progress is None else show_progress
    results = _arm(cfg, cfg.intervention, cfg.intervention.name, show)
    counter = None
    if cfg.counterfactual is not None:
        counter = _arm(cfg, cfg.counterfactual, f"vs {cfg.counterfactual.name}", show)
    return Experiment(cfg, results, counter)
