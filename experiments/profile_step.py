"""Where a step's time goes: CPU time per step of each mechanism of the model step.

Wraps each mechanism the step calls (campaign, movement, report traffic, look, contact
memory, seams, direct fire, indirect fire, drones, random streams, time series) with a
timer of the process's CPU time (so a busy machine does not inflate the figures), runs one
untimed warm-up model (numba kernels load on first use), then one full
replication, and prints a table of microseconds per step. The README's
before/after table by mechanism comes from this script (run on the old commit
for "before"). For a call tree, use pyinstrument (dev extra):
``pyinstrument experiments/profile_step.py``.

Usage: python experiments/profile_step.py [overrides ...]   (default: scenario=kursk_2024)
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable

import numpy as np

import sim.model.model as model_module
from sim import api
from sim.build import build_model
from sim.model.combat import DirectFire
from sim.model.drones import DroneStrikes
from sim.model.forces import Forces
from sim.model.indirect import IndirectFire
from sim.model.pictures import Pictures
from sim.model.seams import Seams
from sim.model.sensing import Sensing
from sim.model.streams import Streams
from sim.model.timeline import Timeline

#: (owner, attribute, label): what the step calls, by mechanism
MECHANISMS = [
    (model_module, "update_postures", "campaign"),
    (Forces, "move", "movement"),
    (Pictures, "exchange", "reports (send, deliver, publish)"),
    (Sensing, "look", "look (detect, correlate, identify, ROE)"),
    (Sensing, "remember", "contact memory"),
    (Seams, "exchange", "seams (neighbours tell each other)"),
    (DirectFire, "step", "direct fire"),
    (IndirectFire, "step", "indirect fire (calls, missions)"),
    (DroneStrikes, "answer", "drones answering calls"),
    (DroneStrikes, "hunt", "drones hunting"),
    (Forces, "remember_fire", "under-fire memory"),
    (Streams, "at", "random streams"),
    (Timeline, "record", "time series"),
]


def timed(fn: Callable, label: str, spent: Counter) -> Callable:
    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - start
    return wrapper


def main(overrides: list[str]) -> None:
    cfg = api.config(*(overrides or ["scenario=kursk_2024"]))
    spent: Counter = Counter()
    for owner, name, label in MECHANISMS:
        setattr(owner, name, timed(getattr(owner, name), label, spent))
    build_model(cfg, seed=np.random.SeedSequence(99)).run_for(40)      # warm-up
    spent.clear()
    start = time.process_time()
    model = build_model(cfg, seed=np.random.SeedSequence(0)).run()
    wall = time.process_time() - start
    steps = model.n_steps
    print(f"{cfg.scenario.name}: {model.forces.n} units, {steps} steps, {wall:.2f} s, "
          f"{1e3 * wall / steps:.3f} ms/step\n")
    print("| mechanism | us/step | share |")
    print("| --- | --- | --- |")
    for label, seconds in spent.most_common():
        print(f"| {label} | {1e6 * seconds / steps:.0f} | {seconds / wall:.0%} |")
    rest = wall - sum(spent.values())
    print(f"| rest (Mesa's step loop, set-up) | {1e6 * rest / steps:.0f} | {rest / wall:.0%} |")


if __name__ == "__main__":
    main(sys.argv[1:])
