"""The sweeper behind ``sim run -m``: Hydra's basic sweeper, made to lose no point.

Hydra's basic sweeper composes every job before launching any, and one job
that cannot be composed (an unknown group option such as
``intervention=none,no_such_thing``, a bad key) aborts the whole sweep. This
sweeper expands the overrides exactly as the basic one does (cartesian
product, ``hydra.sweeper.params``, ``max_batch_size``), then screens each job
before launch (:func:`sim.cli.sweep.screen_batch`):

- a job that cannot be composed is recorded as a failed point (its directory
  with ``.hydra/overrides.yaml`` and ``status.json`` naming the key, the value
  and the rule) and the others go on;
- a job whose point is already complete for the same config (``status.json``
  ok, same config hash) is not launched again: re-running a sweep into the
  same directory, on any launcher, runs only what is missing or failed;
- a job whose directory name would be too long for the file system, or
  would nest (a ``/`` in a value), gets a short stable name instead.

Hydra only instantiates plugins from the ``hydra_plugins`` namespace, hence
this module; the work is done in :mod:`sim.cli.sweep` (imported lazily, so
Hydra's plugin scan stays cheap).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf


class PointSweeper(BasicSweeper):
    """Basic sweeper that screens each job before launch (see module docstring)."""

    def sweep(self, arguments: list[str]) -> Any:
        from sim.cli.sweep import screen_batch

        assert self.config is not None
        assert self.launcher is not None
        assert self.hydra_context is not None
        params_conf = [*self._parse_config(), *arguments]
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        self.overrides = self.split_arguments(parser.parse_overrides(params_conf),
                                              self.max_batch_size)
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")

        returns: list[Sequence[Any]] = []
        job_idx = 0
        while not self.is_done():
            batch = screen_batch(self.config, self.hydra_context.config_loader,
                                 self.get_job_batch())
            if not batch:
                continue
            results = self.launcher.launch(batch, initial_job_idx=job_idx)
            for r in results:
                _ = r.return_value  # re-raises a job's exception (only with SIM_DEBUG)
            job_idx += len(batch)
            returns.append(results)
        return returns
