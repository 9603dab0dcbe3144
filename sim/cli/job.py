"""The work of one Hydra job (a single run or one sweep point): plain function, no Hydra import.

A job validates its config, runs the replications and writes the run
directory. It never raises: it returns a record with its status, so a sweep
goes on past a failing point and Hydra's end-of-sweep callback still runs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import traceback
from pathlib import Path
from typing import Any

from sim.cli.validate import ConfigError, validate_config
from sim.experiment.atomic import write_json
from sim.experiment.rundir import write_run
from sim.experiment.runner import run_experiment

STATUS_FILE = "status.json"


def config_hash(data: dict[str, Any]) -> str:
    """A stable hash of a job's resolved config (without Hydra's keys)."""
    clean = {k: v for k, v in data.items() if k not in ("hydra", "progress", "workers")}
    return hashlib.sha256(json.dumps(clean, sort_keys=True, default=str).encode()).hexdigest()


def run_job(data: dict[str, Any], out_dir: Path, *, debug: bool = False,
            resume: bool = False) -> dict[str, Any]:
    """Validate ``data``, run it, write ``out_dir``; return a status record."""
    out_dir = Path(out_dir)
    digest = config_hash(data)
    status_path = out_dir / STATUS_FILE
    if resume and _complete(status_path, digest):
        return {**json.loads(status_path.read_text()), "skipped": True}
    record: dict[str, Any] = {"status": "failed", "config_hash": digest, "error": None}
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    try:
        cfg = validate_config(data)
        start = time.perf_counter()
        exp = run_experiment(cfg)
        summary = write_run(exp, out_dir, time.perf_counter() - start)
        record.update(status="ok", one_line=one_line(summary, out_dir))
    except ConfigError as err:
        record["error"] = "; ".join(err.lines)
        record["kind"] = "config"
    except Exception as exc:  # noqa: BLE001 - a job reports, never raises
        if debug:
            raise
        record["error"] = f"{type(exc).__name__}: {exc}"
        record["kind"] = "runtime"
        record["traceback"] = traceback.format_exc()
    write_json(status_path, record)
    return record


def _complete(status_path: Path, digest: str) -> bool:
    if not status_path.is_file():
        return False
    try:
        rec = json.loads(status_path.read_text())
    except json.JSONDecodeError:
        return False
    return (rec.get("status") == "ok" and rec.get("config_hash") == digest
            and (status_path.parent / "summary.json").is_file())


def one_line(summary: dict, out_dir: Path) -> str:
    """A one-line result: incidents, fratricide share, casualties, where the files are."""
    m = summary["metrics"]

    def ci(name: str, pct: bool = False) -> str:
        k = 100.0 if pct else 1.0
        unit = "%" if pct else ""
        return (f"{m[name]['mean'] * k:.1f}{unit} "
                f"[{m[name]['ci95_low'] * k:.1f}, {m[name]['ci95_high'] * k:.1f}]")

    return (f"{summary['scenario']}/{summary['intervention']} x{summary['replications']}: "
            f"friendly-fire incidents {ci('friendly_fire_incidents')}, "
            f"fratricide share {ci('fratricide_share', True)}, "
            f"coalition casualties {ci('total_casualties')} -> {out_dir}")
