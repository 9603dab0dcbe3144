"""The Python API for notebooks and scripts: compose, run, and get tables back.

Example::

    from sim import api
    res = api.run("scenario=kursk_2024", "replications=4", "compare_to=perfect_comms")
    res.summary["comparison"]["metrics"]["friendly_fire_incidents"]
    res.per_replication("cause").mean()      # incidents by cause, mean per replication
    saved = api.read_run(api.latest_run())   # the newest run directory sim run wrote

``run`` and ``read_run`` return the same type, :class:`Results`. Its tables hold every
replication (a ``replication`` column says which); ``summary`` holds per-replication
means and intervals, so compare it with :meth:`Results.per_replication`, not with a
plain ``groupby`` over the whole table.

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
from sim.experiment.rundir import COUNTERFACTUAL_FILE
from sim.experiment.runner import Experiment, run_experiment
from sim.experiment.summary import build_summary
from sim.experiment.tables import (
    counts_per_replication,
    incidents_table,
    links_table,
    replications_table,
    timeseries_table,
)
from sim.schema import RunConfig


class NotARunDirectory(FileNotFoundError):
    """``read_run`` was given a path that holds no run ``sim run`` wrote."""


@dataclass
class Results:
    """Tables and summary of one run: from :func:`run`, or read back from a run directory
    by :func:`read_run` (the same content; the tables hold every replication).

    ``results["summary"]`` and the other table names also work, as they did when
    :func:`read_run` returned a dict.
    """

    config: RunConfig | None
    summary: dict
    replications: pd.DataFrame
    incidents: pd.DataFrame
    timeseries: pd.DataFrame
    counterfactual: pd.DataFrame | None
    #: the replications' model objects (``run`` only; None when read from a directory)
    experiment: Experiment | None
    #: load of every translation pool over time (one row per replication, time and link)
    links: pd.DataFrame | None = None
    #: with ``decompose=true``: every combination's replications, named in ``combination``
    decomposition: pd.DataFrame | None = None
    #: the run directory it was read from (None: from ``run``, nothing written)
    run_dir: Path | None = None

    _KEYS = ("summary", "replications", "incidents", "timeseries", "links", "decomposition",
             "counterfactual")

    def __getitem__(self, key: str):
        if key not in self._KEYS:
            raise KeyError(f"{key!r}: a run has {', '.join(self._KEYS)}")
        return getattr(self, key)

    @property
    def n_replications(self) -> int:
        """Replications in the run."""
        return int(len(self.replications))

    def per_replication(self, by: str = "cause", table: str = "incidents") -> pd.DataFrame:
        """Rows counted per replication: one row per replication (every one, also those with
        no rows in the table), one column per value of ``by``. ``.mean()`` of it is the
        per-replication mean that ``summary.json`` reports (for incidents by cause, the
        summary's ``by_cause``)."""
        return counts_per_replication(getattr(self, table), by, self.n_replications)


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


def latest_run(scenario: str = "kursk_2024", root: str | Path = "outputs") -> Path:
    """The newest run directory ``sim run`` wrote for ``scenario`` under ``root`` (relative
    to the current directory, as ``sim run``'s default is). Raises NotARunDirectory."""
    base = Path(root) / scenario
    runs = sorted(p.parent for p in base.glob("*/summary.json")) if base.is_dir() else []
    if not runs:
        raise NotARunDirectory(f"no run of {scenario!r} under {base.resolve()}: `sim run "
                               f"scenario={scenario}` writes one there")
    return max(runs, key=lambda p: (p / "summary.json").stat().st_mtime)


def read_run(run_dir: str | Path) -> Results:
    """Load a run directory written by ``sim run`` (the path it printed): its summary and
    tables as :class:`Results`. Raises NotARunDirectory, naming the path and what is
    missing, when it holds no run."""
    import json

    d = Path(run_dir)
    if not d.is_dir():
        raise NotARunDirectory(f"read_run: {str(d)!r} is not a directory (from "
                               f"{Path.cwd()}); give the directory `sim run` printed")
    missing = [f for f in ("summary.json", "replications.parquet", "incidents.parquet",
                           "timeseries.parquet") if not (d / f).is_file()]
    if missing:
        raise NotARunDirectory(f"read_run: {str(d)!r} holds no complete run: "
                               f"{', '.join(missing)} missing")

    def optional(name: str) -> pd.DataFrame | None:
        return pd.read_parquet(d / name) if (d / name).exists() else None

    cfg = None
    saved = d / ".hydra" / "config.yaml"
    if saved.is_file():
        from omegaconf import OmegaConf

        from sim.cli.validate import ConfigError

        try:
            cfg = validate_config(OmegaConf.load(saved))
        except ConfigError:
            cfg = None          # written by an older schema: the tables still read
    return Results(cfg, json.loads((d / "summary.json").read_text()),
                   pd.read_parquet(d / "replications.parquet"),
                   pd.read_parquet(d / "incidents.parquet"),
                   pd.read_parquet(d / "timeseries.parquet"),
                   optional(COUNTERFACTUAL_FILE), None, optional("links.parquet"),
                   optional(DECOMPOSITION_FILE), d)
