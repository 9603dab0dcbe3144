"""One side of the benchmark's comparison with a pinned baseline commit.

``experiments/benchmark.py`` runs this script twice, in this checkout's environment and
in the baseline's (its own source tree and virtual environment under ``.benchmarks/``),
so it uses only what both commits have: ``sim.api.config``, ``sim.cli.warmup`` and the
``sim run`` command. It prints one JSON object:

- ``single``: whole kursk_2024 replications (model built and run) in this one process,
  after an untimed warm-up (the numba kernels load from their cache): wall seconds each,
  the steps of one, replications per second;
- ``cli``: one ``python -m sim run replications=R workers=1`` in a fresh process, wall
  seconds from launch to exit (imports, compose, the runs, the outputs written),
  replications per second.

Both are on one core: ``workers=1``, and the single-process loop uses one core.

Usage: python experiments/benchmark_probe.py [--replications N] [--cli-replications R]
       [--horizon H] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def build(cfg, replication: int, seed: int):
    """The model of replication ``replication``, as the checkout builds one."""
    try:
        from sim.build import build_model
    except ImportError:                      # before sim.build (the baseline, 30d89ec)
        from sim.interventions import apply_intervention
        from sim.model.model import CoalitionModel
        world = apply_intervention(cfg.scenario, cfg.intervention)
        return CoalitionModel(world, np.random.SeedSequence(seed).spawn(replication + 1)[-1])
    return build_model(cfg.model_copy(update={"seed": seed}), replication)


def single(replications: int, overrides: list[str], seed: int) -> dict:
    """Wall time of ``replications`` whole replications in this process."""
    from sim import api
    from sim.cli.warmup import warm_up

    warm_up(24)
    cfg = api.config("scenario=kursk_2024", *overrides)
    walls, steps = [], 0
    for k in range(replications):
        start = time.perf_counter()
        model = build(cfg, k, seed).run()
        walls.append(time.perf_counter() - start)
        steps = model.steps
    return {"wall_s": walls, "steps": steps, "units": len(model.forces.names),
            "replications_per_s": replications / sum(walls)}


def cli(replications: int, overrides: list[str], seed: int) -> dict:
    """Wall time of one ``sim run`` in a fresh process."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "sim", "run", "scenario=kursk_2024",
               f"replications={replications}", "workers=1", f"seed={seed}", "progress=false",
               f"hydra.run.dir={out}/run", *overrides]
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600,
                              env={**os.environ, "PYTHONHASHSEED": "0"})
        wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"sim run failed ({done.returncode}): {done.stderr[-2000:]}")
    return {"wall_s": wall, "replications": replications,
            "replications_per_s": replications / wall}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=3)
    ap.add_argument("--cli-replications", type=int, default=8)
    ap.add_argument("--horizon", type=float, default=None, help="horizon_h, h (default: the scenario's)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    overrides = [] if args.horizon is None else [f"scenario.horizon_h={args.horizon:g}"]
    out = {"single": single(args.replications, overrides, args.seed)}
    if args.cli_replications > 0:
        out["cli"] = cli(args.cli_replications, overrides, args.seed)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
