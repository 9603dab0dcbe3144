"""Run the replications of one configuration, optionally beside a counterfactual.

Rules:
- Replication seeds are ``SeedSequence(seed).spawn(replications)``; replication
  k of the run, of its counterfactual and of every combination of ``decompose``
  shares seed k (common random numbers).
- With ``decompose``, the run's intervention is also run with every non-empty
  subset of the parts of perfect communication switched on
  (:mod:`sim.experiment.decomposition`); a combination that builds the same model
  as an arm already run (the run itself, its counterfactual, another combination)
  is not simulated again.
- With ``posterior``, replication k runs with the parameters its seed draws from the
  posterior, in every arm alike (:mod:`sim.experiment.posterior`).
- Replications run in this process, or in a pool of ``workers`` processes;
  results are sorted by replication, so the outcome does not depend on workers.
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from tqdm.auto import tqdm

from sim.experiment import posterior
from sim.experiment.decomposition import label, simulation_key, subsets, with_parts
from sim.experiment.replication import ReplicationResult, run_replication
from sim.model.streams import replication_seeds, seed_label
from sim.schema import Intervention, RunConfig


@dataclass
class Experiment:
    """All replications of a run, of its counterfactual when one was asked for, and of each
    combination of parts (keyed by its label) with ``decompose``."""

    config: RunConfig
    results: list[ReplicationResult]
    counterfactual: list[ReplicationResult] | None = None
    decomposition: dict[str, list[ReplicationResult]] | None = None


def _one(args: tuple[RunConfig, Intervention, object, int, int, dict]) -> ReplicationResult:
    config, lever, seq, k, label, drawn = args
    result = run_replication(config, lever, seq, k, label)
    result.posterior = drawn
    return result


def _jobs(cfg: RunConfig, lever: Intervention) -> list[tuple]:
    """One job per replication; with a posterior, each runs with the particle its seed
    draws (:mod:`sim.experiment.posterior`), the same in every arm."""
    seeds = replication_seeds(cfg.seed, cfg.replications)
    post = posterior.load(cfg.posterior) if cfg.posterior is not None else None
    jobs = []
    for k, seq in enumerate(seeds):
        run_cfg, drawn = cfg, {}
        if post is not None:
            i, values = post.draw(seq)
            run_cfg, drawn = posterior.with_values(cfg, values), {"particle": i, **values}
        jobs.append((run_cfg, lever, seq, k, seed_label(seq), drawn))
    return jobs


def _arm(cfg: RunConfig, lever: Intervention, desc: str, show: bool) -> list[ReplicationResult]:
    jobs = _jobs(cfg, lever)
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
    """Run ``cfg``'s replications (and its ``counterfactual``'s and, with ``decompose``, every
    combination's, on the same seeds)."""
    show = cfg.progress and sys.stderr.isatty() if show_progress is None else show_progress
    results = _arm(cfg, cfg.intervention, cfg.intervention.name, show)
    done = {simulation_key(cfg.intervention): results}
    counter = None
    if cfg.counterfactual is not None:
        counter = _arm(cfg, cfg.counterfactual, f"vs {cfg.counterfactual.name}", show)
        done.setdefault(simulation_key(cfg.counterfactual), counter)
    parts = _decomposition(cfg, show, done) if cfg.decompose else None
    return Experiment(cfg, results, counter, parts)


def _decomposition(cfg: RunConfig, show: bool,
                   done: dict[str, list[ReplicationResult]]) -> dict[str, list[ReplicationResult]]:
    """Every non-empty combination of parts on top of the run's intervention, each simulated
    unless an arm in ``done`` (keyed by :func:`simulation_key`) builds the same model."""
    out = {}
    for subset in subsets()[1:]:
        lever = with_parts(cfg.intervention, subset)
        key = simulation_key(lever)
        if key not in done:
            done[key] = _arm(cfg, lever, f"+{label(subset)}", show)
        out[label(subset)] = done[key]
    return out
