"""``sim report DIR``: rebuild the tables and figures of a run or a sweep from saved files."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from sim.experiment import calibration, ranking, sensitivity
from sim.experiment.rundir import rebuild
from sim.experiment.sweep import point_dirs, write_sweep


def _rebuild_run(run_dir: Path) -> None:
    cfg = yaml.safe_load((run_dir / ".hydra" / "config.yaml").read_text())
    rebuild(run_dir, scenario=cfg["scenario"]["name"], intervention=cfg["intervention"]["name"],
            seed=int(cfg["seed"]), counterfactual_name=cfg.get("compare_to"),
            decompose=bool(cfg.get("decompose", False)))


def report(path: str) -> int:
    """Rebuild ``path`` (a run directory or a sweep directory); exit status."""
    d = Path(path)
    if (d / calibration.SPEC_FILE).is_file():
        try:
            calibration.write_analysis(d)
        except calibration.CalibrationError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        print(f"rebuilt {d}/{calibration.POSTERIOR_FILE}, {calibration.GENERATIONS_FILE}, "
              f"figures and {calibration.READING_FILE}")
        return 0
    if (d / "replications.parquet").is_file():
        _rebuild_run(d)
        print(f"rebuilt {d}/summary.json and figures")
        return 0
    points = point_dirs(d)
    if not points:
        print(f"error: {d} is neither a run directory (replications.parquet) nor a sweep "
              "directory (points with status.json)", file=sys.stderr)
        return 2
    for point in points:
        if (point / "replications.parquet").is_file():
            _rebuild_run(point)
    df = write_sweep(d)
    failed = int((df["status"] != "ok").sum())
    print(f"rebuilt {len(points)} points and {d}/sweep.parquet ({failed} failed)")
    if (d / ranking.TABLE_FILE).is_file():
        print(f"rebuilt {d}/{ranking.JSON_FILE}, {ranking.TABLE_FILE} and {ranking.FIGURE_FILE}")
    if (d / sensitivity.SPEC_FILE).is_file():
        try:
            sensitivity.write_analysis(d)
        except sensitivity.SensitivityError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        print(f"rebuilt {d}/{sensitivity.TABLE_FILE}, {sensitivity.FIGURE_FILE} and "
              f"{sensitivity.READING_FILE}")
    return 1 if failed else 0
