"""Hydra callback: at the end of a sweep, write sweep.parquet and its figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.experiment.sweep import write_sweep

#: The last sweep finished in this process: its directory and the failed points.
LAST_SWEEP: dict[str, Any] = {}


class SweepTable(Callback):
    """Builds the sweep table when every job of a multirun has returned."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        df = write_sweep(sweep_dir)
        failed = df.loc[df["status"] != "ok", "point"].tolist()
        LAST_SWEEP.update(dir=str(sweep_dir), failed=failed, points=len(df))
        print(f"sweep: {len(df) - len(failed)} of {len(df)} points ok -> {sweep_dir}/sweep.parquet")
