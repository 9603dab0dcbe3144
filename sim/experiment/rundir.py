"""The run directory: write a run's files (docs/contract.md) and rebuild them from the tables.

Files: summary.json, replications.parquet, incidents.parquet,
timeseries.parquet, links.parquet (load of each translation pool over time),
run_info.json, laydown.json (the lay-down as fought: every group's declared place, every
nation's radio net, the seams per pair of coalition nations; deterministic, from the
configuration alone), figures (PNG); with a counterfactual also
counterfactual_replications.parquet (the same seeds under the counterfactual);
with ``decompose`` also decomposition_replications.parquet (the same seeds under
every non-empty combination of the parts of perfect communication, one block of
rows per combination, named in its ``combination`` column).
Hydra writes .hydra/config.yaml itself.
"""

from __future__ import annotations

import getpass
import platform
import socket
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from sim import build
from sim.experiment.atomic import write_json, write_parquet
from sim.experiment.decomposition import DECOMPOSITION_FILE, decomposition_table, split_table
from sim.experiment.runner import Experiment
from sim.experiment.summary import build_summary
from sim.experiment.tables import (
    incidents_table,
    links_table,
    replications_table,
    timeseries_table,
)
from sim.model import laydown
from sim.model.forces import build_forces

COUNTERFACTUAL_FILE = "counterfactual_replications.parquet"
LAYDOWN_FILE = "laydown.json"
LIBRARIES = ("coalition-friction", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic",
             "hydra-core", "matplotlib", "networkx", "numba")


def write_run(exp: Experiment, out_dir: Path, wall_time_s: float) -> dict:
    """Write every file of the run directory; return the summary."""
    out_dir = Path(out_dir)
    reps = replications_table(exp.results)
    write_parquet(out_dir / "replications.parquet", reps)
    write_parquet(out_dir / "incidents.parquet", incidents_table(exp.results))
    write_parquet(out_dir / "timeseries.parquet", timeseries_table(exp.results))
    write_parquet(out_dir / "links.parquet", links_table(exp.results))
    if exp.counterfactual is not None:
        write_parquet(out_dir / COUNTERFACTUAL_FILE, replications_table(exp.counterfactual))
    if exp.decomposition is not None:
        write_parquet(out_dir / DECOMPOSITION_FILE, decomposition_table(
            {name: replications_table(res) for name, res in exp.decomposition.items()}))
    write_json(out_dir / "run_info.json", run_info(wall_time_s))
    write_json(out_dir / LAYDOWN_FILE, laydown_info(exp))
    return rebuild(out_dir, scenario=exp.config.scenario.name,
                   intervention=exp.config.intervention.name, seed=exp.config.seed,
                   counterfactual_name=(exp.config.counterfactual.name
                                        if exp.config.counterfactual else None),
                   decompose=exp.decomposition is not None)


def rebuild(out_dir: Path, *, scenario: str, intervention: str, seed: int,
            counterfactual_name: str | None, decompose: bool = False) -> dict:
    """(Re)build summary.json and the figures from the saved tables alone."""
    out_dir = Path(out_dir)
    reps = pd.read_parquet(out_dir / "replications.parquet")
    cf_path = out_dir / COUNTERFACTUAL_FILE
    cf = pd.read_parquet(cf_path) if cf_path.exists() and counterfactual_name else None
    dec_path = out_dir / DECOMPOSITION_FILE
    dec = split_table(pd.read_parquet(dec_path)) if decompose and dec_path.exists() else None
    summary = build_summary(reps, scenario=scenario, intervention=intervention, seed=seed,
                            counterfactual=cf, counterfactual_name=counterfactual_name,
                            decomposition=dec)
    write_json(out_dir / "summary.json", summary)
    from sim.experiment import figures  # matplotlib loads when figures are drawn, not at start-up

    figures.run_figures(out_dir, summary)
    return summary


def laydown_info(exp: Experiment) -> dict:
    """The lay-down of the run's world as fought (its intervention applied, scaled):
    :func:`sim.model.laydown.describe`. Front places do not depend on the seed."""
    world = build.build_world(exp.config)
    return laydown.describe(world, build_forces(world, np.random.default_rng(0)))


def run_info(wall_time_s: float) -> dict:
    """Provenance: versions, git revision, host, wall time (never in summary.json)."""
    versions = {}
    for lib in LIBRARIES:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            versions[lib] = None
    return {
        "package_version": versions["coalition-friction"],
        "git_revision": _git_revision(),
        "python": platform.python_version(),
        "libraries": versions,
        "wall_time_s": round(wall_time_s, 3),
        "host": socket.gethostname(),
        "user": _user(),
        "platform": platform.platform(),
    }


def _git_revision() -> str | None:
    root = Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user database in some containers
        return None
