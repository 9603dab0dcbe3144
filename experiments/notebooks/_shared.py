"""Scale, seed and parallel runs shared by the experiment notebooks (no model code here).

Every notebook reads ``SIM_NOTEBOOK_SCALE``:

- ``full`` (the default): the scenarios as configured (kursk_2024: 12,000 KP
  troops, 120 days) and enough replications for useful confidence intervals;
- ``small``: the same questions on a tiny world (a tenth of the 80 km front,
  10 days with KP at the front from hour 48, a few replications) so that the
  test suite can execute every notebook in well under a minute each. Small-mode
  numbers only show that the notebook works; they answer nothing.

``SIM_NOTEBOOK_WORKERS`` sets the processes used for independent runs
(default: up to 2). Data come only from :mod:`sim.api`.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import matplotlib as mpl

# The package's progress bars import tqdm.auto, which warns in a kernel without ipywidgets.
warnings.filterwarnings("ignore", message="IProgress not found")

from sim import api  # noqa: E402
from sim.experiment.stats import COUNT, SHARE, describe, paired_difference  # noqa: E402

__all__ = ["COUNT", "SCALE", "SHARE", "SMALL", "SEED", "WORKERS", "api", "by_scale", "ci_text",
           "describe", "overrides", "paired_difference", "run_many", "scale_note"]

SCALE: str = os.environ.get("SIM_NOTEBOOK_SCALE", "full").strip().lower()
if SCALE not in ("small", "full"):
    raise ValueError(f"SIM_NOTEBOOK_SCALE={SCALE!r}: expected 'small' or 'full'")
SMALL: bool = SCALE == "small"

#: Master seed of every notebook run (the calibration's seed): all arms and sweep points
#: share replication seeds, so differences between them are paired (common random numbers).
SEED: int = 2024

WORKERS: int = int(os.environ.get("SIM_NOTEBOOK_WORKERS", min(2, os.cpu_count() or 1)))

#: kursk_2024 shrunk for small mode, the documented way (``scale`` below 1, sim/scaling.py):
#: a quarter of the front, 20 km, with the unit mix of the full scenario (20 KP and 18 RU
#: companies interleaved, an Akhmat pair after them, 20 UA opposite) and a quarter of its
#: interpreters and fires; 10 days, KP at the front from hour 48.
SMALL_OVERRIDES: tuple[str, ...] = (
    "scale=0.25",
    "scenario.horizon_h=240",
    "scenario.units.kp.front_from_h=48",
)

mpl.rcParams.update({
    "figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
    "axes.spines.right": False, "figure.autolayout": False,
})


def by_scale(full, small):
    """``full`` at full scale, ``small`` in small mode."""
    return small if SMALL else full


def overrides(*extra: str, replications: int) -> list[str]:
    """Overrides for one run: the scale, the notebooks' seed, ``replications`` and ``extra``."""
    out = [*(SMALL_OVERRIDES if SMALL else ()), f"seed={SEED}", f"replications={replications}",
           "progress=false"]
    return out + list(extra)


def scale_note() -> str:
    """One line saying which scale this notebook ran at (printed under its first run)."""
    if SMALL:
        return ("SMALL MODE (SIM_NOTEBOOK_SCALE=small): a tiny world for testing; "
                "the numbers below answer nothing.")
    return "Full scale (SIM_NOTEBOOK_SCALE=full): the scenarios as configured."


def run_many(points: Sequence[Sequence[str]]) -> list[api.Results]:
    """``api.run(*p)`` for every override list ``p``, ``WORKERS`` at a time; results in order.

    Worker processes come from a fork server that has imported :mod:`sim.api` (no fork of
    the kernel's threads) and end with the call, also when a run fails.
    """
    if WORKERS <= 1 or len(points) <= 1:
        return [api.run(*p) for p in points]
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.api"])
    with ProcessPoolExecutor(max_workers=min(WORKERS, len(points)), mp_context=ctx) as pool:
        futures = [pool.submit(api.run, *p) for p in points]
        try:
            return [f.result() for f in futures]
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def ci_text(d: dict, f: str = ".1%") -> str:
    """``mean [low, high]`` of a :func:`describe` result in format ``f``, or ``mean (no
    interval)`` where there is none (one replication, or all alike)."""
    if d["ci95_low"] == d["ci95_high"]:
        return f"{d['mean']:{f}} (no interval)"
    return f"{d['mean']:{f}} [{d['ci95_low']:{f}}, {d['ci95_high']:{f}}]"
