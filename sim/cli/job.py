"""The work of one Hydra job (a single run or one sweep point): plain function, no Hydra import.

A job applies its design point (if any), validates its config, runs the
replications and writes the run directory. It never raises: it returns a
record with its status, so a sweep goes on past a failing point and Hydra's
end-of-sweep callback still runs.

In a sweep (``resume=True``) the job keeps ``status.json`` in its directory:
``running`` while it works (a job killed by the cluster stays ``running``, so
the sweep table shows it as not done), then ``ok`` or ``failed`` with the
error. A point whose status is ``ok`` for the same config hash is skipped, so
re-running a sweep into the same directory only runs what is missing.
Every file is written atomically (temporary name, then rename).
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import time
import traceback
from pathlib import Path
from typing import Any

from sim.cli import lines
from sim.cli.validate import ConfigError, validate_config
from sim.experiment.atomic import write_json
from sim.experiment.design import DesignError, resolve_design
from sim.experiment.sweep import STATUS_FILE

#: Keys that do not change results (or, for a design, are replaced by the values they set).
UNHASHED_KEYS = ("hydra", "progress", "workers", "design", "design_point", "priors",
                 "sensitivity", "calibration", "coverage")


#: Keys added since sweeps were first hashed: they count only when set, so a sweep made
#: before them still resumes.
LATER_KEYS = ("posterior",)


def config_hash(data: dict[str, Any]) -> str:
    """A stable hash of a job's resolved config (after its design point is applied)."""
    clean = {k: v for k, v in data.items() if k not in UNHASHED_KEYS
             and not (k in LATER_KEYS and v is None)}
    return hashlib.sha256(json.dumps(clean, sort_keys=True, default=str).encode()).hexdigest()


def run_job(data: dict[str, Any], out_dir: Path, *, debug: bool = False,
            resume: bool = False, point: str | None = None) -> dict[str, Any]:
    """Validate ``data``, run it, write ``out_dir``; return a status record.

    Args:
        data: the job's resolved config (Hydra's own keys may be present; ignored).
        out_dir: the run directory.
        debug: re-raise runtime errors instead of recording them.
        resume: a sweep point: keep ``status.json`` and skip a point already done.
        point: a sweep point's name (the overrides that vary across the sweep), which its
            line starts with; a design point's values are added to it.

    Returns:
        ``status``, ``error``, ``config_hash``, and when ok ``one_line`` (what a sweep
        prints for the point) and ``report`` (what a single run prints;
        :mod:`sim.cli.lines`).
    """
    out_dir = Path(out_dir)
    status_path = out_dir / STATUS_FILE
    record: dict[str, Any] = {"status": "failed", "error": None,
                              "config_hash": config_hash(data)}
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    try:
        data, parameters = resolve_design(data)
        record["config_hash"] = config_hash(data)
        if parameters is not None:
            record["parameters"] = parameters
        if resume and is_complete(status_path, record["config_hash"]):
            return {**json.loads(status_path.read_text()), "skipped": True}
        cfg = validate_config(data)
        # the model and its outputs (2-3 s of imports) load once the config is known good
        from sim.experiment.rundir import write_run
        from sim.experiment.runner import run_experiment

        if resume:
            write_json(status_path, {**record, "status": "running"})
        start = time.perf_counter()
        exp = run_experiment(cfg, show_progress=_progress(cfg.progress, resume))
        summary = write_run(exp, out_dir, time.perf_counter() - start)
        if resume:
            record.update(status="ok", one_line=lines.one_line(
                summary, out_dir, _point_name(point, parameters)))
        else:
            record.update(status="ok", one_line=lines.one_line(summary, out_dir),
                          report=lines.report(summary, out_dir, cfg.scenario.horizon_h))
    except (ConfigError, DesignError) as err:
        record["error"] = "; ".join(err.lines)
        record["kind"] = "config"
        if not resume:  # a single run with a bad config writes nothing (docs/contract.md)
            return record
    except KeyboardInterrupt:
        _record_interrupt(status_path, record)
        raise
    except Exception as exc:  # noqa: BLE001 - a job reports, never raises
        if interrupted(exc):
            # Ctrl-C inside a compiled kernel reaches Python as numba's SystemError
            # ("returned a result with an exception set") caused by the KeyboardInterrupt
            _record_interrupt(status_path, record)
            raise KeyboardInterrupt from exc
        if debug:
            raise
        record["error"] = f"{type(exc).__name__}: {exc}"
        record["kind"] = "runtime"
        record["traceback"] = traceback.format_exc()
    write_json(status_path, record)
    return record


def interrupted(exc: BaseException) -> bool:
    """The exception is, or was caused by, an interrupt (Ctrl-C, or SIGTERM turned into one),
    however many wrappers (numba's SystemError, a worker pool's error) lie between."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _record_interrupt(status_path: Path, record: dict[str, Any]) -> None:
    """``status.json`` says interrupted (best effort: the run is stopping anyway)."""
    try:
        if status_path.parent.is_dir():
            write_json(status_path, {**record, "status": "interrupted",
                                     "error": "interrupted (Ctrl-C or a stop signal)"})
    except OSError:
        pass


def _progress(enabled: bool, sweep: bool) -> bool | None:
    """Replication bars: as configured, but never from a sweep's worker processes.

    Parallel launchers (joblib) run points in worker processes that share the
    terminal; their bars would overwrite each other. ``None`` lets the runner
    decide (shown only on a terminal).
    """
    if not enabled:
        return False
    if sweep and multiprocessing.current_process().name != "MainProcess":
        return False
    return None


def is_complete(status_path: Path, digest: str) -> bool:
    """True if the point of ``status_path`` finished ok for the config hashed ``digest``."""
    if not status_path.is_file():
        return False
    try:
        rec = json.loads(status_path.read_text())
    except json.JSONDecodeError:
        return False
    return (rec.get("status") == "ok" and rec.get("config_hash") == digest
            and (status_path.parent / "summary.json").is_file())


def _point_name(point: str | None, parameters: dict[str, Any] | None) -> str:
    """A sweep point's name: its varying overrides, then a design point's values."""
    name = point or ""
    if parameters:
        values = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in parameters.items())
        name = f"{name} ({values})" if name else values
    return name or "(no varying override)"
