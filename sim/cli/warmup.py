"""Compile the model's numba kernels now, so the first real run does not wait for them.

The kernels compile the first time they run on a machine (about 15 s for all of
them) and are cached beside the source (one directory per version of the model's
source: :mod:`sim.model.kernel_cache`); every later process,
and every worker, loads them in well under a second. ``make setup`` calls this
once after installing: ``python -m sim.cli.warmup``. It runs a small kursk_2024
(``scale=0.15``: a dozen units of each group, KP at the front from the start) long
enough to use every kernel, and prints how long that took.
"""

from __future__ import annotations

import sys
import time

from sim.build import build_model
from sim.cli.validate import compose_config, validate_config

OVERRIDES = ["scenario=kursk_2024", "scale=0.15", "scenario.units.kp.front_from_h=0"]


def warm_up(steps: int = 120) -> float:
    """Run the small model for ``steps`` steps; returns the wall time, s."""
    cfg = validate_config(compose_config(OVERRIDES))
    start = time.perf_counter()
    build_model(cfg).run_for(steps)
    return time.perf_counter() - start


def main() -> None:
    print("compiling the model's kernels (first time on this machine: about 15 s) ...",
          file=sys.stderr, flush=True)
    print(f"kernels ready in {warm_up():.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
