"""Benchmark: performance and scale of the model (issue 7); prints markdown tables.

Eight sections, each a table and a ``target: ... -> met/missed`` line. The
targets live here and only here: the test suite never asserts on time.

0. ``baseline``: this commit against the pinned baseline ``BASELINE`` (30d89ec, the
   model before the model issues), side by side in one run on the same machine:
   replications per second per core on kursk_2024, in one process and through
   ``sim run replications=8 workers=1`` (experiments/benchmark_probe.py, run in each
   checkout's own environment: the baseline's source and virtual environment are made
   once under ``.benchmarks/baseline-<commit>`` with its own ``make setup``). The two
   alternate, round after round, so a change in the machine's load hits both.
   Target (issue 14): at least 3x the baseline's replications/s, both ways.

1. ``kursk``: wall time of one full kursk_2024 replication (build and run the
   model), median and min over a few replications. Target: median <= 3 s.
2. ``scaling``: cost per unit-step as the force grows from about 1,000 to
   20,000 units. ``sim.scaling.scale_scenario`` scales kursk_2024 at constant
   density (240 units at factor 1), every group at the front from the start,
   so the steps timed are combat steps. Targets: us per unit-step grows less
   than 1.5x from 1,000 to 20,000 units, and is <= 5 us at 10,000.
3. ``reference``: the fast look (``Sensing.look``: a cell list and numba) against
   the plain Mesa reference (``sim.model.reference.ReferenceSensing``:
   ContinuousSpace neighbours, one pair at a time) at 5,000 units, same step,
   identically seeded generators. The reference look includes its ``sync()``
   of agent positions into the Mesa space (timed alone too). Target: speed-up
   >= 30x, with identical contacts.
4. ``parallel``: replications per second with joblib ``Parallel(n_jobs=1)``
   and ``Parallel(n_jobs=2)`` (loky) over ``run_replication`` (kursk_2024
   shortened to 720 h to keep it quick), workers started before timing.
   Target: speed-up >= 1.7x, with identical metrics.
5. ``memory``: peak RSS of a 20,000-unit run in a fresh process, and RSS
   growth across 100 small replications in one fresh process. Target: no
   growth (< 2 MB between replication 10 and 100: the allocator's granularity).

6. ``startup``: a fresh ``sim run`` (the default kursk_2024 run, with one replication)
   in a new interpreter, best of a few: its imports plus compose (what ``sim run`` does
   before Hydra launches the job: compose and validate the overrides; the model's modules
   are imported by the job, after that), and the time to its first model step (Hydra's
   launch, the model's imports and build included; the child stops there). Targets
   (issue 14): imports plus compose <= 1 s, first step <= 1.5 s.

7. ``overhead``: the fixed cost of a step, from a least-squares fit of ms per step
   t(N) = a + b N over kursk_2024 scaled 1, 2, 4, 8 and 16 times (240 to 3,840 units,
   every group at the front from the start): a is what a step costs whatever the number
   of units (Python, call and set-up overhead), b the cost per unit. Target (issue 14):
   a under 20% of a 240-unit step, a + 240 b.

Every timing section first runs a short untimed warm-up, because the numba
kernels compile (or load from their cache) on first use. ``--quick`` shrinks
every section (few steps, at most ~2,000 units, few replications) so a test
can run it in well under a minute; its numbers are indicative only. Each
section also says how many cores other processes kept busy meanwhile (from
/proc/stat): on a shared machine its timings are fair only when that is near 0.

Usage: python experiments/benchmark.py [--quick]
       [--only baseline,kursk,scaling,reference,parallel,memory,startup,overhead]
       [--json PATH]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import mesa
import numba
import numpy as np
import scipy
from joblib import Parallel, delayed

from sim import api
from sim.build import build_model
from sim.cli.warmup import warm_up
from sim.experiment.replication import ReplicationResult, run_replication
from sim.model.model import CoalitionModel
from sim.model.reference import ReferenceSensing
from sim.model.sensing import Contacts
from sim.model.streams import replication_seeds, seed_label
from sim.schema import RunConfig, Scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIO = "scenario=kursk_2024"
#: Master seed of every replication timed here.
SEED = 1
#: Steps of the untimed warm-up run (every kernel is used at least once).
WARMUP_STEPS = 24
#: Distance and sensed-position agreement of the two looks, km (as tests/model/test_reference.py).
TOL_KM = 1e-12
MB = 2**20

# Targets (issue 7).
KURSK_MAX_S = 3.0
GROWTH_MAX = 1.5
UNIT_STEP_MAX_US = 5.0
UNIT_STEP_AT = 10_000
SPEEDUP_MIN = 30.0
PARALLEL_MIN = 1.7
RSS_GROWTH_MAX_MB = 2.0
# Targets (issue 14).
BASELINE = "30d89ec"
BASELINE_RATIO_MIN = 3.0
STARTUP_MAX_S = 1.0
FIRST_STEP_MAX_S = 1.5
FIXED_SHARE_MAX = 0.20
BENCH_DIR = REPO / ".benchmarks"
PROBE = REPO / "experiments" / "benchmark_probe.py"


@dataclass(frozen=True)
class Settings:
    """Sizes of every section (``FULL`` or ``QUICK``)."""

    quick: bool = False
    kursk_replications: int = 3
    kursk_horizon_h: float | None = None       # None: the full campaign
    scaling_units: tuple[int, ...] = (1_000, 2_500, 5_000, 10_000, 20_000)
    scaling_steps: int = 100
    warmup_steps: int = 2                      # steps run before a timed stretch
    reference_units: int = 5_000
    reference_after_steps: int = 3             # so that HQ pictures hold entries
    reference_looks: int = 3
    fast_looks: int = 50
    parallel_replications: int = 8
    parallel_horizon_h: float = 720.0
    peak_units: int = 20_000
    peak_steps: int = 200
    growth_replications: int = 100
    growth_first: int = 10
    growth_horizon_h: float = 48.0
    baseline_rounds: int = 2                   # probe runs of each side, alternating
    baseline_replications: int = 3             # whole replications per probe, in-process
    baseline_cli_replications: int = 8         # replications of the probe's ``sim run``
    baseline_horizon_h: float | None = None    # None: the full campaign
    startup_rounds: int = 3                    # fresh ``sim run`` processes, best counts
    overhead_scales: tuple[int, ...] = (1, 2, 4, 8, 16)   # kursk_2024 scale factors fitted
    overhead_steps: int = 200                  # steps timed at each scale


FULL = Settings()
QUICK = replace(FULL, quick=True, kursk_replications=1, kursk_horizon_h=96.0,
                scaling_units=(1_000, 2_000), scaling_steps=10, reference_units=1_000,
                reference_looks=1, fast_looks=10, parallel_replications=4,
                parallel_horizon_h=240.0, peak_units=2_000, peak_steps=20,
                growth_replications=30, baseline_rounds=1, baseline_replications=1,
                baseline_cli_replications=2, baseline_horizon_h=96.0, startup_rounds=1,
                overhead_scales=(1, 2, 4), overhead_steps=10)


@dataclass
class Section:
    """One section's outcome: a markdown table, notes, its target and the raw numbers."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    target: str                 # what is aimed at
    measured: str               # what was measured against it
    met: bool
    notes: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    wall_s: float = 0.0
    other_cores: float | None = None   # CPU used meanwhile by other processes, cores


# --- building models ----------------------------------------------------------------------


def config(*overrides: str) -> RunConfig:
    """kursk_2024 with ``overrides``, validated as ``sim run`` sees it."""
    return api.config(SCENARIO, *overrides)


def front_now() -> Scenario:
    """kursk_2024 with every group at the front from the start (KP's rear phase skipped)."""
    scenario = config("scenario.units.kp.front_from_h=0").scenario
    late = [name for name, grp in scenario.units.items() if grp.front_from_h > 0]
    if late:
        raise ValueError(f"groups {late} still start in the rear: override them too")
    return scenario


def scaled_model(scenario: Scenario, units: int, seed: int = SEED) -> CoalitionModel:
    """A model of ``scenario`` scaled to about ``units`` units at constant density (built by
    :func:`sim.build.build_model`: the intervention first, then the scale)."""
    base = sum(grp.count for grp in scenario.units.values())
    cfg = RunConfig(scenario=scenario, intervention=config().intervention, seed=seed,
                    scale=units / base)
    return build_model(cfg)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """(wall s, result) of ``fn()``, after collecting garbage left by earlier work."""
    gc.collect()
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


# --- 0. baseline -------------------------------------------------------------------------


def baseline_checkout(commit: str = BASELINE) -> Path:
    """The baseline's source tree with its own virtual environment, made once (``git
    archive`` of ``commit``, then its ``make setup``: its pinned stack and its kernels)."""
    src = BENCH_DIR / f"baseline-{commit}"
    if (src / ".venv" / ".installed-stamp").exists():
        return src
    if not (src / "Makefile").exists():
        src.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", commit],
                                 capture_output=True, check=True, timeout=120).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True, timeout=120)
    print(f"setting up the baseline {commit} in {src} (once; a few minutes) ...",
          file=sys.stderr, flush=True)
    subprocess.run(["make", "-C", str(src), "setup"], check=True, timeout=3600,
                   stdout=sys.stderr)
    return src


def probe(python: Path | str, cwd: Path, s: Settings) -> dict:
    """One run of experiments/benchmark_probe.py with ``python`` in checkout ``cwd``."""
    horizon = [] if s.baseline_horizon_h is None else ["--horizon", f"{s.baseline_horizon_h:g}"]
    env = {**os.environ, "PYTHONPATH": str(cwd)}     # each side imports its own sim
    done = subprocess.run(
        [str(python), str(PROBE), "--replications", str(s.baseline_replications),
         "--cli-replications", str(s.baseline_cli_replications), *horizon],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=7200, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark probe failed in {cwd}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_baseline(s: Settings) -> Section:
    """Replications/s per core of this commit against the pinned baseline."""
    src = baseline_checkout()
    sides = {"baseline": (src / ".venv" / "bin" / "python", src), "this": (sys.executable, REPO)}
    runs: dict[str, list[dict]] = {name: [] for name in sides}
    for _ in range(s.baseline_rounds):
        for name, (python, cwd) in sides.items():
            runs[name].append(probe(python, cwd, s))

    def best(name: str, way: str) -> float:           # the least disturbed round
        return max(r[way]["replications_per_s"] for r in runs[name])

    rows, ratios = [], {}
    for way, label in (("single", "one process, whole replications"),
                       ("cli", f"sim run replications={s.baseline_cli_replications} "
                               "workers=1 (fresh process)")):
        base, this = best("baseline", way), best("this", way)
        ratios[way] = this / base
        rows.append((label, f"{base:.3f}", f"{this:.3f}", f"{ratios[way]:.2f}x"))
    steps = {name: runs[name][0]["single"]["steps"] for name in sides}
    units = {name: runs[name][0]["single"]["units"] for name in sides}
    per_step = {name: 1000 / best(name, "single") / steps[name] for name in sides}
    rows.append(("ms per step (one process)", f"{per_step['baseline']:.2f}",
                 f"{per_step['this']:.2f}", f"{per_step['baseline'] / per_step['this']:.2f}x"))
    worst = min(ratios.values())
    return Section(
        title=f"0. Against the baseline ({BASELINE}): kursk_2024 replications per second "
              "per core",
        columns=("measurement", f"baseline {BASELINE}", "this commit", "ratio"),
        rows=rows,
        target=f">= {BASELINE_RATIO_MIN:g}x the baseline's replications/s per core, both ways",
        measured=", ".join(f"{way} {r:.2f}x" for way, r in ratios.items()),
        met=worst >= BASELINE_RATIO_MIN,
        notes=[f"Each side runs experiments/benchmark_probe.py in its own checkout and "
               f"environment ({src.relative_to(REPO)} for the baseline), {s.baseline_rounds} "
               "round(s), alternating; the best round of each counts. Each side runs its "
               "own kursk_2024 (the baseline's lacks the mechanisms of the model issues): "
               f"{units['baseline']} and {units['this']} units, {steps['this']:,} steps.",
               "rounds (replications/s, one process | sim run): " + "; ".join(
                   f"{name}: " + ", ".join(f"{r['single']['replications_per_s']:.3f} | "
                                          f"{r['cli']['replications_per_s']:.3f}"
                                          for r in runs[name]) for name in sides)],
        data={"baseline": BASELINE, "runs": runs, "ratios": ratios})


# --- 1. kursk -----------------------------------------------------------------------------


def bench_kursk(s: Settings) -> Section:
    """Wall time of whole kursk_2024 replications (model built and run)."""
    horizon = [] if s.kursk_horizon_h is None else [f"scenario.horizon_h={s.kursk_horizon_h:g}"]
    cfg = config(*horizon)
    warm = warm_up(WARMUP_STEPS)
    walls = []
    for k in range(s.kursk_replications):
        wall, model = timed(lambda k=k: build_model(cfg.model_copy(update={"seed": SEED}),
                                                    k).run())
        walls.append(wall)
    steps, units = model.n_steps, model.forces.n
    median, best = statistics.median(walls), min(walls)
    horizon_h = cfg.scenario.horizon_h
    label = "full campaign" if s.kursk_horizon_h is None else "shortened"
    return Section(
        title="1. Kursk replication (kursk_2024, baseline)",
        columns=("horizon h", "steps", "units", "replications", "median s", "min s", "max s",
                 "ms/step (median)"),
        rows=[(f"{horizon_h:g} ({label})", f"{steps:,}", f"{units:,}", str(len(walls)),
               f"{median:.2f}", f"{best:.2f}", f"{max(walls):.2f}",
               f"{1000 * median / steps:.2f}")],
        target=f"median <= {KURSK_MAX_S:g} s per full replication",
        measured=f"median {median:.2f} s",
        met=median <= KURSK_MAX_S,
        notes=[f"Untimed warm-up first ({WARMUP_STEPS} steps of sim.cli.warmup, a small kursk_2024 at the front, {warm:.2f} s: "
               "numba kernels compile or load from cache on first use). Each time is "
               "sim.build.build_model(...) plus .run().",
               "times s: " + ", ".join(f"{w:.2f}" for w in walls)],
        data={"horizon_h": horizon_h, "steps": steps, "units": units, "wall_s": walls,
              "median_s": median, "min_s": best, "warmup_s": warm})


# --- 2. scaling ---------------------------------------------------------------------------


def bench_scaling(s: Settings) -> Section:
    """Cost per unit-step at constant density, every unit at the front."""
    scenario = front_now()
    warm_up(WARMUP_STEPS)
    rows, data = [], []
    for target_units in s.scaling_units:
        model = scaled_model(scenario, target_units)
        model.run_for(s.warmup_steps)
        wall, _ = timed(lambda model=model: model.run_for(s.scaling_steps))
        n = model.forces.n
        del model
        data.append({"units": n, "steps": s.scaling_steps, "wall_s": wall,
                     "ms_per_step": 1000 * wall / s.scaling_steps,
                     "us_per_unit_step": 1e6 * wall / s.scaling_steps / n})
    first = data[0]["us_per_unit_step"]
    for row in data:
        row["ratio"] = row["us_per_unit_step"] / first
        rows.append((f"{row['units']:,}", str(row["steps"]), f"{row['wall_s']:.2f}",
                     f"{row['ms_per_step']:.2f}", f"{row['us_per_unit_step']:.2f}",
                     f"{row['ratio']:.2f}"))
    growth = data[-1]["ratio"]
    at = min(data, key=lambda r: abs(r["units"] - UNIT_STEP_AT))
    return Section(
        title="2. Cost per unit-step vs number of units",
        columns=("units", "steps", "wall s", "ms/step", "us per unit-step",
                 "ratio to first row"),
        rows=rows,
        target=(f"us per unit-step grows < {GROWTH_MAX:g}x from ~1,000 to ~20,000 units; "
                f"<= {UNIT_STEP_MAX_US:g} us at ~{UNIT_STEP_AT:,}"),
        measured=(f"{growth:.2f}x from {data[0]['units']:,} to {data[-1]['units']:,}; "
                  f"{at['us_per_unit_step']:.2f} us at {at['units']:,}"),
        met=growth < GROWTH_MAX and at["us_per_unit_step"] <= UNIT_STEP_MAX_US,
        notes=[f"kursk_2024 scaled at constant density (sim.scaling.scale_scenario), every "
               f"group at the front from the start; {s.warmup_steps} untimed steps, then "
               f"model.run_for({s.scaling_steps}) timed."],
        data={"rows": data, "growth": growth})


# --- 3. reference -------------------------------------------------------------------------


def _median_wall(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Median wall time of ``repeats`` calls of ``fn`` (s) and the last call's result."""
    walls, out = [], None
    for _ in range(repeats):
        wall, out = timed(fn)
        walls.append(wall)
    return statistics.median(walls), out


def compare_contacts(fast: Contacts, slow: Contacts) -> dict:
    """Whether two looks found the same contacts and judged them alike."""
    same_pairs = (np.array_equal(fast.observer, slow.observer)
                  and np.array_equal(fast.target, slow.target))
    out = {"pairs": same_pairs,
           "hostile": same_pairs and np.array_equal(fast.hostile, slow.hostile),
           "challenge_failed": same_pairs and np.array_equal(fast.challenge_failed,
                                                             slow.challenge_failed)}
    out["max_distance_diff_km"] = (float(np.abs(fast.distance - slow.distance).max(initial=0))
                                   if same_pairs else float("nan"))
    out["max_seen_at_diff_km"] = (float(np.abs(fast.seen_at - slow.seen_at).max(initial=0))
                                  if same_pairs else float("nan"))
    out["identical"] = bool(out["hostile"] and out["challenge_failed"]
                            and out["max_distance_diff_km"] <= TOL_KM
                            and out["max_seen_at_diff_km"] <= TOL_KM)
    return out


def bench_reference(s: Settings) -> Section:
    """The fast look against the plain Mesa reference, on one state, same generators."""
    warm_up(WARMUP_STEPS)
    model = scaled_model(front_now(), s.reference_units)
    model.run_for(s.reference_after_steps)
    ref = ReferenceSensing(model)
    k, t, streams = model.steps, model.time_h, model.streams

    def generators() -> tuple[np.random.Generator, np.random.Generator]:
        return streams.at("sensing", k), streams.at("identification", k)

    def look_fast() -> Contacts:
        return model.sensing.look(t, *generators())

    def look_slow() -> Contacts:
        return ref.look(t, *generators())

    fast_s, fast = _median_wall(look_fast, s.fast_looks)
    slow_s, slow = _median_wall(look_slow, s.reference_looks)
    sync_s, _ = _median_wall(ref.sync, max(3, s.reference_looks))
    same = compare_contacts(fast, slow)
    n, contacts, hostile = model.forces.n, len(fast), int(fast.hostile.sum())
    speedup, speedup_no_sync = slow_s / fast_s, (slow_s - sync_s) / fast_s
    return Section(
        title="3. Fast look vs plain-Mesa reference",
        columns=("look", "units", "looks timed", "median ms per look", "contacts", "hostile"),
        rows=[("reference: ContinuousSpace, pair by pair (incl. sync)", f"{n:,}",
               str(s.reference_looks), f"{1000 * slow_s:.1f}", f"{len(slow):,}",
               f"{int(slow.hostile.sum()):,}"),
              ("reference sync() alone (agents moved into the space)", f"{n:,}",
               str(max(3, s.reference_looks)), f"{1000 * sync_s:.1f}", "", ""),
              ("fast: cell list + numba (Sensing.look)", f"{n:,}", str(s.fast_looks),
               f"{1000 * fast_s:.2f}", f"{contacts:,}", f"{hostile:,}")],
        target=f"speed-up >= {SPEEDUP_MIN:g}x with identical contacts",
        measured=f"{speedup:.0f}x, identical: {'yes' if same['identical'] else 'no'}",
        met=speedup >= SPEEDUP_MIN and same["identical"],
        notes=[f"Both look at step {k} (t = {t:g} h) of a {n:,}-unit model run "
               f"{s.reference_after_steps} steps, each call on fresh generators "
               "streams.at('sensing'|'identification', step); untimed warm-up first.",
               f"speed-up: {speedup:.0f}x (reference without its sync: {speedup_no_sync:.0f}x)",
               f"identical: {'yes' if same['identical'] else 'no'} (observer/target pairs "
               f"{_yes(same['pairs'])}, hostile {_yes(same['hostile'])}, challenge_failed "
               f"{_yes(same['challenge_failed'])}; max |distance diff| "
               f"{same['max_distance_diff_km']:.1e} km, max |seen_at diff| "
               f"{same['max_seen_at_diff_km']:.1e} km, tolerance {TOL_KM:.0e} km)"],
        data={"units": n, "step": k, "contacts": contacts, "hostile": hostile,
              "reference_s": slow_s, "sync_s": sync_s, "fast_s": fast_s, "speedup": speedup,
              "speedup_without_sync": speedup_no_sync, **same})


def _yes(flag: bool) -> str:
    return "equal" if flag else "DIFFER"


# --- 4. parallel --------------------------------------------------------------------------


def _replicate(cfg: RunConfig, seeds: Sequence[np.random.SeedSequence],
               n_jobs: int) -> list[ReplicationResult]:
    """``run_replication`` over ``seeds`` with joblib (loky), sorted by replication."""
    jobs = (delayed(run_replication)(cfg, cfg.intervention, seq, k, seed_label(seq))
            for k, seq in enumerate(seeds))
    out = Parallel(n_jobs=n_jobs, backend="loky")(jobs)
    return sorted(out, key=lambda r: r.replication)


def _outcomes(results: Sequence[ReplicationResult]) -> list[tuple]:
    """What two runs of the same replications must agree on."""
    return [(r.replication, r.seed, r.metrics, r.by_cause, r.by_nation, r.incidents)
            for r in results]


def bench_parallel(s: Settings) -> Section:
    """Replications per second on one process and on two loky workers."""
    from joblib.externals.loky import get_reusable_executor

    cfg = config(f"scenario.horizon_h={s.parallel_horizon_h:g}")
    seeds = replication_seeds(SEED, s.parallel_replications)
    warm_up(WARMUP_STEPS)
    tiny = config("scenario.horizon_h=24")
    startup, _ = timed(lambda: _replicate(tiny, replication_seeds(SEED, 2), 2))
    serial_s, serial = timed(lambda: _replicate(cfg, seeds, 1))
    par_s, par = timed(lambda: _replicate(cfg, seeds, 2))
    get_reusable_executor().shutdown(wait=True)
    same = _outcomes(serial) == _outcomes(par)
    n = len(seeds)
    speedup = serial_s / par_s
    return Section(
        title="4. Parallel replications (joblib)",
        columns=("n_jobs", "backend", "replications", "horizon h", "wall s",
                 "replications/s", "speed-up"),
        rows=[("1", "sequential, in this process", str(n), f"{s.parallel_horizon_h:g}",
               f"{serial_s:.2f}", f"{n / serial_s:.2f}", "1.00"),
              ("2", "loky (2 worker processes)", str(n), f"{s.parallel_horizon_h:g}",
               f"{par_s:.2f}", f"{n / par_s:.2f}", f"{speedup:.2f}")],
        target=f"speed-up >= {PARALLEL_MIN:g}x on 2 workers, identical metrics",
        measured=f"{speedup:.2f}x, identical metrics: {'yes' if same else 'no'}",
        met=speedup >= PARALLEL_MIN and same,
        notes=[f"kursk_2024 shortened to horizon_h={s.parallel_horizon_h:g} (the full "
               "campaign is 2,880 h), run_replication on seeds replication_seeds"
               f"({SEED}, {n}).",
               f"Workers started before timing (first call, 2 replications of 24 h: "
               f"{startup:.2f} s untimed: process start, imports, kernels from cache).",
               f"identical metrics: {'yes' if same else 'no'} (metrics, causes, nations and "
               "incidents of every replication)"],
        data={"replications": n, "horizon_h": s.parallel_horizon_h, "serial_s": serial_s,
              "parallel_s": par_s, "speedup": speedup, "startup_s": startup,
              "identical": same})


# --- 5. memory ----------------------------------------------------------------------------


def max_rss_mb() -> float:
    """Peak resident set size of this process so far, MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Resident set size of this process now, MB."""
    import psutil

    return psutil.Process().memory_info().rss / MB


def child_peak(units: int, steps: int) -> dict:
    """(In a fresh process) RSS of a scaled run of ``units`` units for ``steps`` steps,
    measured from after the warm-up (kernels loaded, config composed)."""
    warm_up(WARMUP_STEPS)
    gc.collect()
    after_imports = rss_mb()
    model = scaled_model(front_now(), units)
    start = time.perf_counter()
    model.run_for(steps)
    return {"units": model.forces.n, "steps": steps, "wall_s": time.perf_counter() - start,
            "imports_mb": after_imports, "end_mb": rss_mb(), "peak_mb": max_rss_mb()}


def child_growth(replications: int, first: int, horizon_h: float) -> dict:
    """(In a fresh process) RSS after replication ``first`` and after the last one, MB."""
    cfg = config(f"scenario.horizon_h={horizon_h:g}")
    rss = {}
    for k, seq in enumerate(replication_seeds(SEED, replications)):
        run_replication(cfg, cfg.intervention, seq, k, seed_label(seq))
        gc.collect()
        if k + 1 in (first, replications):
            rss[k + 1] = rss_mb()
    return {"replications": replications, "first": first, "horizon_h": horizon_h,
            "rss_first_mb": rss[first], "rss_last_mb": rss[replications]}


CHILDREN: dict[str, Callable[..., dict]] = {"peak": child_peak, "growth": child_growth}


def in_fresh_process(task: str, **kwargs) -> dict:
    """Run ``CHILDREN[task](**kwargs)`` in a new interpreter; return its dict."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child",
           json.dumps({"task": task, **kwargs})]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child {task} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_memory(s: Settings) -> Section:
    """Peak RSS of a large run, and RSS growth over many small replications."""
    peak = in_fresh_process("peak", units=s.peak_units, steps=s.peak_steps)
    growth = in_fresh_process("growth", replications=s.growth_replications,
                              first=s.growth_first, horizon_h=s.growth_horizon_h)
    grew = growth["rss_last_mb"] - growth["rss_first_mb"]
    model_mb = peak["end_mb"] - peak["imports_mb"]
    return Section(
        title="5. Memory",
        columns=("measurement", "run", "MB"),
        rows=[("peak RSS (ru_maxrss)", f"{peak['units']:,} units, {peak['steps']} steps, "
               "fresh process", f"{peak['peak_mb']:.0f}"),
              ("RSS after imports and warm-up, before the model", "",
               f"{peak['imports_mb']:.0f}"),
              ("RSS at the end of the run", "", f"{peak['end_mb']:.0f}"),
              ("the run's share (end - before)",
               f"{1024 * model_mb / peak['units']:.1f} KB per unit", f"{model_mb:.0f}"),
              (f"RSS after replication {growth['first']}",
               f"kursk_2024, horizon {growth['horizon_h']:g} h, one process, gc.collect()",
               f"{growth['rss_first_mb']:.1f}"),
              (f"RSS after replication {growth['replications']}", "",
               f"{growth['rss_last_mb']:.1f}"),
              ("growth", "", f"{grew:+.1f}")],
        target=(f"no growth over replications (< {RSS_GROWTH_MAX_MB:g} MB from replication "
                f"{growth['first']} to {growth['replications']})"),
        measured=f"{grew:+.1f} MB",
        met=grew < RSS_GROWTH_MAX_MB,
        notes=["Both measured in fresh subprocesses: RSS from psutil (after gc.collect() "
               "for replications), peak from resource.getrusage (it includes any transient "
               "peak while importing). The peak run has every group at the front from the "
               "start."],
        data={"peak": peak, "growth": growth, "growth_mb": grew, "model_mb": model_mb})


# --- 6. start-up ------------------------------------------------------------------------

#: A child that runs ``sim run`` as the console script does, noting when the imports and
#: the compose are done (Hydra is about to launch the job) and when the first model step
#: ends; then it stops (os._exit: the run directory is left half-written, in a temporary
#: directory).
STARTUP_CHILD = """
import time
t0 = time.perf_counter()
import json, os, sys
import sim.cli as cli
marks = {}
def launched(launch):
    def wrapper(args):
        marks["imports_compose_s"] = time.perf_counter() - t0
        import sim.model.model as model
        step = model.CoalitionModel.step
        def first(self):
            step(self)
            marks["first_step_s"] = time.perf_counter() - t0
            print(json.dumps(marks), flush=True)
            os._exit(0)
        model.CoalitionModel.step = first
        return launch(args)
    return wrapper
import sim.cli.app as app   # noqa: E402 (patched before sim run imports it)
app.launch = launched(app.launch)
sys.exit(cli.main(["run", "replications=1", "hydra.run.dir=" + sys.argv[1]]))
"""


def child_startup(run_dir: Path) -> dict:
    """One fresh ``sim run`` up to its first step (``STARTUP_CHILD``): its marks, and the
    process's wall time from its launch (the interpreter's own start included)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", STARTUP_CHILD, str(run_dir)], cwd=run_dir,
                          capture_output=True, text=True, check=False, timeout=600)
    wall = time.perf_counter() - start
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(f"start-up child failed:\n{proc.stderr[-3000:]}")
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "process_s": wall}


def bench_startup(s: Settings) -> Section:
    """Imports plus compose, and time to the first step, of a fresh ``sim run``."""
    import tempfile

    runs = []
    for _ in range(s.startup_rounds):
        with tempfile.TemporaryDirectory(prefix="sim-startup-") as tmp:
            runs.append(child_startup(Path(tmp)))
    best = {key: min(r[key] for r in runs) for key in runs[0]}
    rows = [("imports plus compose (sim run, before Hydra launches the job)",
             f"{best['imports_compose_s']:.2f}", f"<= {STARTUP_MAX_S:g}"),
            ("to the end of the first model step", f"{best['first_step_s']:.2f}",
             f"<= {FIRST_STEP_MAX_S:g}"),
            ("the process, launch to first step (interpreter start included)",
             f"{best['process_s']:.2f}", "")]
    met = (best["imports_compose_s"] <= STARTUP_MAX_S
           and best["first_step_s"] <= FIRST_STEP_MAX_S)
    return Section(
        title="6. Start-up of sim run",
        columns=("measurement", "best s", "target s"), rows=rows,
        target=f"imports plus compose <= {STARTUP_MAX_S:g} s and first step <= "
               f"{FIRST_STEP_MAX_S:g} s",
        measured=f"{best['imports_compose_s']:.2f} s and {best['first_step_s']:.2f} s",
        met=met,
        notes=[f"Best of {s.startup_rounds} fresh process(es) running `sim run "
               "replications=1` (kernels from numba's cache); times from the child's first "
               "line of Python."],
        data={"runs": runs, "best": best})


# --- 7. overhead ---------------------------------------------------------------------------


def fit_fixed_cost(units: Sequence[int], ms_per_step: Sequence[float]) -> tuple[float, float]:
    """(a ms, b ms per unit) of the least-squares line t(N) = a + b N."""
    b, a = np.polyfit(np.asarray(units, float), np.asarray(ms_per_step, float), 1)
    return float(a), float(b)


def bench_overhead(s: Settings) -> Section:
    """The fixed cost of a step: t(N) = a + b N over kursk_2024 at a few scales."""
    scenario = front_now()
    base = sum(grp.count for grp in scenario.units.values())
    warm_up(WARMUP_STEPS)
    data = []
    for k in s.overhead_scales:
        model = scaled_model(scenario, base * k)
        model.run_for(s.warmup_steps)
        wall, _ = timed(lambda model=model: model.run_for(s.overhead_steps))
        data.append({"scale": k, "units": model.forces.n, "steps": s.overhead_steps,
                     "ms_per_step": 1000 * wall / s.overhead_steps})
        del model
    a, b = fit_fixed_cost([r["units"] for r in data], [r["ms_per_step"] for r in data])
    step = a + b * base
    share = a / step
    rows = [(str(r["scale"]), f"{r['units']:,}", str(r["steps"]), f"{r['ms_per_step']:.2f}",
             f"{a + b * r['units']:.2f}") for r in data]
    return Section(
        title="7. Fixed cost per step",
        columns=("scale", "units", "steps", "ms/step", "fit a + b N"),
        rows=rows,
        target=f"fixed cost a < {FIXED_SHARE_MAX:.0%} of a {base}-unit step",
        measured=f"a = {a:.2f} ms, b = {1000 * b:.2f} us per unit: a is {share:.0%} of "
                 f"{step:.2f} ms",
        met=share < FIXED_SHARE_MAX,
        notes=[f"kursk_2024 scaled by each factor (sim.scaling.scale_scenario), every group at "
               f"the front from the start; {s.warmup_steps} untimed steps, then "
               f"model.run_for({s.overhead_steps}) timed; a and b from a least-squares line."],
        data={"rows": data, "a_ms": a, "b_ms_per_unit": b, "fixed_share": share})


# --- report -------------------------------------------------------------------------------


def cpu_seconds() -> tuple[float, float] | None:
    """(CPU s busy on all cores, CPU s of this process and its reaped children) so far;
    None where /proc/stat is missing (not Linux)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    busy = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    own = sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))
    return busy, own


def run_section(name: str, s: Settings) -> Section:
    """Run one section, noting its wall time and how busy other processes kept the CPUs
    meanwhile (timings on a shared machine are only fair when that is near 0)."""
    before = cpu_seconds()
    wall, section = timed(lambda: SECTIONS[name](s))
    after = cpu_seconds()
    section.wall_s = wall
    if before is not None and after is not None:
        other = (after[0] - before[0]) - (after[1] - before[1])
        section.other_cores = max(0.0, other) / wall
    return section

SECTIONS: dict[str, Callable[[Settings], Section]] = {
    "baseline": bench_baseline, "kursk": bench_kursk, "scaling": bench_scaling, "reference": bench_reference,
    "parallel": bench_parallel, "memory": bench_memory, "startup": bench_startup,
    "overhead": bench_overhead}


def machine() -> dict:
    """What the benchmark ran on (for the README table)."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)),
            "platform": platform.platform(), "python": platform.python_version(),
            "numpy": np.__version__, "numba": numba.__version__, "mesa": mesa.__version__,
            "scipy": scipy.__version__, "commit": _commit(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def _commit() -> str:
    """Short commit of the repository, marked when sim/ has uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                              check=False).stdout.strip()
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" + uncommitted changes in sim/" if git("status", "--porcelain", "sim")
                     else "")


def render_machine(info: dict, s: Settings) -> str:
    mode = ("quick (--quick: shrunk sizes, numbers indicative only)" if s.quick else "full")
    rows = [("CPU", info["cpu"]),
            ("cores", f"{info['cores']} ({info['usable_cores']} usable)"),
            ("platform", info["platform"]),
            ("Python", info["python"]),
            ("numpy / numba / scipy / mesa",
             f"{info['numpy']} / {info['numba']} / {info['scipy']} / {info['mesa']}"),
            ("code", info["commit"]),
            ("load average at start", " ".join(str(x) for x in info["load_average"])),
            ("mode", mode)]
    return "\n".join(["# coalition-friction benchmark", "", "| machine | |", "| --- | --- |",
                      *(f"| {k} | {v} |" for k, v in rows), ""])


def render(section: Section, quick: bool) -> str:
    """The section as markdown: title, notes, table, target line."""
    verdict = "met" if section.met else "missed"
    if quick:
        verdict += " (quick settings: indicative only)"
    lines = [f"## {section.title}", ""]
    lines += [f"| {' | '.join(section.columns)} |",
              f"| {' | '.join('---' for _ in section.columns)} |"]
    lines += [f"| {' | '.join(row)} |" for row in section.rows]
    lines += ["", *section.notes, "",
              f"target: {section.target} -> {section.measured}: {verdict}",
              f"(section wall time {section.wall_s:.1f} s{_load(section)})", ""]
    return "\n".join(lines)


def _load(section: Section) -> str:
    if section.other_cores is None:
        return ""
    return (f"; other processes kept {section.other_cores:.2f} cores busy on average "
            "meanwhile")


def to_json(info: dict, s: Settings, sections: dict[str, Section]) -> dict:
    return {"machine": info, "quick": s.quick,
            "sections": {name: {"title": sec.title, "target": sec.target,
                                "measured": sec.measured, "met": sec.met,
                                "wall_s": sec.wall_s, "other_cores": sec.other_cores,
                                **sec.data}
                         for name, sec in sections.items()}}


def _section_names(text: str) -> list[str]:
    names = [x.strip() for x in text.split(",") if x.strip()]
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown section(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {','.join(SECTIONS)}")
    return [name for name in SECTIONS if name in names]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="shrink every section (seconds, not minutes; indicative numbers)")
    ap.add_argument("--only", type=_section_names, default=list(SECTIONS),
                    metavar=",".join(SECTIONS), help="comma-separated sections to run")
    ap.add_argument("--json", type=Path, metavar="PATH", help="also write the numbers here")
    ap.add_argument("--child", help=argparse.SUPPRESS)       # internal: one memory task
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        task = json.loads(args.child)
        print(json.dumps(CHILDREN[task.pop("task")](**task)))
        return 0
    settings = QUICK if args.quick else FULL
    info = machine()
    print(render_machine(info, settings), flush=True)
    done: dict[str, Section] = {}
    for name in args.only:
        section = run_section(name, settings)
        done[name] = section
        print(render(section, settings.quick), flush=True)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(to_json(info, settings, done), indent=2,
                                        sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
