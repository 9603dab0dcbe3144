"""The Hydra application behind ``sim run``: a thin ``@hydra.main`` around :func:`run_job`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.cli.paths import config_dir

#: Records of the jobs run in this process (single runs), read by ``sim.cli.main``.
JOB_RECORDS: list[dict] = []


def debug_enabled() -> bool:
    return os.environ.get("SIM_DEBUG", "") not in ("", "0")


def launch(args: list[str]) -> None:
    """Run Hydra on ``args`` as if they were the command line."""

    @hydra.main(config_path=str(config_dir()), config_name="config", version_base="1.3")
    def _entry(cfg: DictConfig) -> dict:
        from sim.cli.job import run_job  # the model's imports (2-3 s) after compose, not before

        hc = HydraConfig.get()
        out_dir = Path(hc.runtime.output_dir)
        multirun = hc.mode == RunMode.MULTIRUN
        data = OmegaConf.to_container(cfg, resolve=True)
        point = None
        if multirun:
            from sim.cli.sweep import point_name

            point = point_name(list(hc.overrides.task), Path(hc.sweep.dir))
        record = run_job(data, out_dir, debug=debug_enabled(), resume=multirun, point=point)
        if not multirun:
            JOB_RECORDS.append(record)
        if record["status"] == "ok":
            print(("(already complete) " if record.get("skipped") else "")
                  + record.get("report", record["one_line"]), flush=True)
        else:
            print(f"error: {record['error']}", file=sys.stderr)
        return record

    saved = sys.argv
    sys.argv = ["sim run", *args]
    try:
        _entry()
    finally:
        sys.argv = saved
