"""The Python API for notebooks and scripts: compose, run, and get tables back.

Example::

    from sim import api
    res = api.run("scenario=kursk_2024", "replications=4", "compare_to=perfect_comms")
    res.summary["comparison"]["metrics"]["friendly_fire_incidents"]
    res.incidents.groupby("cause").size()

Overrides are the same strings as on the command line. Composition goes
through the command-line layer (Hydra's compose API), so a notebook sees the
same defaults and the same validation errors as ``sim run``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.cli.validate import compose_config, validate_config
from sim.experiment.decomposition import DECOMPOSITION_FILE, decomposition_table
from sim.experiment.runner import Experiment, run_experiment
from sim.experiment.summary import build_summary
from sim.experiment.tables import (
    incidents_table,
    links_table,
    replications_table,
    timeseries_table,
)
from sim.schema import RunConfig


@dataclass
class Results:
    """Tables and summary of one run (the same content as a run directory)."""

    config: RunConfig
    summary: dict
    replications: pd.DataFrame
    incidents: pd.DataFrame
    timeseries: pd.DataFrame
    counterfactual: pd.DataFrame | None
    experiment: Experiment
    #: load of every translation pool over time (one row per replication, time and link)
    links: pd.DataFrame | None = None
    #: with ``decompose=true``: every combination's replications, named in ``combination``
    decomposition: pd.DataFrame | None = None


def config(*overrides: str) -> RunConfig:
    """The validated configuration for ``overrides`` (raises ConfigError when invalid)."""
    return validate_config(compose_config(list(overrides)))


def run(*overrides: str, progress: bool = False) -> Results:
    """Run the configuration given by ``overrides`` and return its tables and summary."""
    cfg = config(*overrides)
    exp = run_experiment(cfg, show_progress=progress)
    reps = replications_table(exp.results)
    cf = replications_table(exp.counterfactual) if exp.counterfactual is not None else None
    arms = ({name: replications_table(res) for name, res in exp.decomposition.items()}
            if exp.decomposition is not None else None)
    summary = build_summary(reps, scenario=cfg.scenario.name, intervention=cfg.intervention.name,
                            seed=cfg.seed, counterfactual=cf,
                            counterfactual_name=cfg.compare_to, decomposition=arms)
    return Results(cfg, summary, reps, incidents_table(exp.results),
                   timeseries_table(exp.results), cf, exp, links_table(exp.results),
                   decomposition_table(arms) if arms is not None else None)


def read_run(run_dir: str | Path) -> dict[str, object]:
    """Load a run directory written by ``sim run``: summary and tables."""
    import json

    d = Path(run_dir)
    return {
        "summary": json.loads((d / "summary.json").read_text()),
        "replications": pd.read_parquet(d / "replications.parquet"),
        "incidents": pd.read_parquet(d / "incidents.parquet"),
        "timeseries": pd.read_parquet(d / "timeseries.parquet"),
        "links": (pd.read_parquet(d / "links.parquet") if (d / "links.parquet").exists()
                  else None),
        "decomposition": (pd.read_parquet(d / DECOMPOSITION_FILE)
                          if (d / DECOMPOSITION_FILE).exists() else None),
    }
