"""Benchmark: wall time per model step as the force grows (prints a table).

Scales every unit group of kursk_2024 by a factor (the sector grows with it,
so density stays the same) and times one replication of a fixed number of
steps. Per-step work is vectorised (one cKDTree per step, array operations),
so time per step should grow about linearly with the number of units, not
quadratically. Performance targets live here, never as timed test assertions.

Usage: python experiments/benchmark.py [--steps 400] [--factors 0.5,1,2,4]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sim import api
from sim.interventions import apply_intervention
from sim.model.model import CoalitionModel

GROUPS = {"kp": 80, "ru": 72, "akhmat": 8, "ua": 80}


def time_steps(factor: float, steps: int) -> tuple[int, float]:
    overrides = ["scenario=kursk_2024", "scenario.units.kp.front_from_h=0"]
    overrides += [f"scenario.units.{g}.count={max(1, round(n * factor))}"
                  for g, n in GROUPS.items()]
    overrides.append(f"scenario.units.akhmat.interleave={2 * round(72 * factor) + 1}")
    cfg = api.config(*overrides)
    world = apply_intervention(cfg.scenario, cfg.intervention)
    model = CoalitionModel(world, np.random.SeedSequence(1))
    start = time.perf_counter()
    model.run_for(steps)
    return model.forces.n, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--factors", default="0.5,1,2,4")
    args = ap.parse_args()
    print("| scale | units | steps | wall s | ms/step | us/step/unit |")
    print("| --- | --- | --- | --- | --- | --- |")
    for f in (float(x) for x in args.factors.split(",")):
        n, wall = time_steps(f, args.steps)
        ms = 1000 * wall / args.steps
        print(f"| {f:g} | {n} | {args.steps} | {wall:.2f} | {ms:.2f} | {1000 * ms / n:.1f} |")


if __name__ == "__main__":
    main()
