"""Hydra callback of a sweep: plan, design file and progress at the start; the table at the end.

Runs in the process that launched the sweep, whatever the launcher (basic,
joblib, submitit, ray), and learns what the jobs did from the files they
left (``status.json``), so it works when jobs run in other processes or on
other machines that share the file system.

- Start: records the overrides of every planned job (``sweep_plan.json``),
  writes the design file (``design.json``) when the sweep runs a design, and
  shows a progress bar over points (only on a terminal, and with ``progress``).
- End: writes ``sweep.parquet`` and the figures, lists every point that is not
  ok with its error on stderr, and leaves the failed points in
  :data:`LAST_SWEEP` (``sim run`` exits non-zero if there are any).

:func:`screen_batch` is the work of the sweeper plugin (``hydra/sweeper=sim``,
``hydra_plugins/sim_sweeper``): before launch, a job that cannot be composed
becomes a failed point of its own, a complete point is not launched again, and
an over-long point directory name is shortened.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra._internal.config_loader_impl import get_overrides_dirname
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict, read_write
from tqdm.auto import tqdm

from sim.cli.job import STATUS_FILE, config_hash, is_complete
from sim.experiment import ranking
from sim.experiment.atomic import write_atomic, write_json
from sim.experiment.design import DESIGN_FILE, DesignError, make_design, resolve_design, save_design
from sim.experiment.sweep import (
    NOT_PARAMETERS,
    failed_points,
    read_plan,
    write_plan,
    write_sweep,
)

#: The last sweep of this process: ``dir`` (set at its start), then at its end ``points``,
#: ``failed`` (labels of the points that are not ok) and ``errors`` (label -> error).
LAST_SWEEP: dict[str, Any] = {}
#: Progress bars of the sweeps running in this process (not on the callback: it is pickled).
_PROGRESS: dict[str, SweepProgress] = {}
_FINAL = ("ok", "failed")


class SweepTable(Callback):
    """Plans, watches and tabulates a multirun (see module docstring)."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        LAST_SWEEP.clear()
        LAST_SWEEP["dir"] = str(sweep_dir)  # known even if the launcher fails mid-sweep
        jobs = planned_jobs(config)
        if jobs is not None:
            write_plan(sweep_dir, jobs)
        _write_design(config, sweep_dir, jobs)
        progress = SweepProgress(sweep_dir, total=len(jobs) if jobs is not None else None,
                                 enabled=bool(config.get("progress", True))
                                 and sys.stderr.isatty())
        _PROGRESS[str(sweep_dir)] = progress
        progress.start()

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        finish_sweep(Path(config.hydra.sweep.dir))


def finish_sweep(sweep_dir: Path) -> dict[str, Any]:
    """Stop the progress bar, write the table and figures, list what is not ok; fill LAST_SWEEP.

    Called at the end of every sweep; also safe to call after a launcher failed
    mid-sweep (the points that finished are tabulated, the others show as
    ``running`` or ``missing``).
    """
    sweep_dir = Path(sweep_dir)
    progress = _PROGRESS.pop(str(sweep_dir), None)
    if progress is not None:
        progress.stop()
    df = write_sweep(sweep_dir)
    failed = failed_points(df)
    LAST_SWEEP.update(dir=str(sweep_dir), points=len(df), failed=[label for label, _ in failed],
                      errors={label: error for label, error in failed})
    ok = len(df) - len(failed)
    print(f"sweep: {ok} of {len(df)} points ok" + (f", {len(failed)} not ok" if failed else "")
          + f" -> {sweep_dir}/sweep.parquet", flush=True)
    for label, error in failed:
        print(f"  failed point {label}: {error}", file=sys.stderr, flush=True)
    if (sweep_dir / ranking.TABLE_FILE).is_file():
        print((sweep_dir / ranking.TABLE_FILE).read_text(), end="", flush=True)
    return LAST_SWEEP


def planned_jobs(config: DictConfig) -> list[list[str]] | None:
    """The overrides of every job the sweep will launch, as Hydra's basic sweeper expands them.

    None for another sweeper (its jobs are not known in advance).
    """
    sweeper = config.hydra.sweeper
    if not str(sweeper.get("_target_", "")).endswith((".BasicSweeper", ".PointSweeper")):
        return None
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    params = sweeper.get("params") or {}
    args = [f"{k}={v}" for k, v in params.items()]
    args += list(OmegaConf.to_container(config.hydra.overrides.task, resolve=False))
    hydra = GlobalHydra.instance()
    loader = hydra.config_loader() if hydra.is_initialized() else None
    try:
        parsed = OverridesParser.create(config_loader=loader).parse_overrides(args)
        batches = BasicSweeper.split_arguments(parsed, None)
    except Exception:  # noqa: BLE001 - the plan is a courtesy; Hydra reports bad overrides
        return None
    return [list(job) for job in batches[0]]


def _write_design(config: DictConfig, sweep_dir: Path, jobs: list[list[str]] | None) -> None:
    """Write the sweep's design beside its results, unless the design itself is swept."""
    spec = config.get("design")
    if spec is None:
        return
    swept = _swept_keys(jobs or [])
    if any(k == "design" or k.startswith("design.") for k in swept):
        print("sweep: the design itself is swept; each point records its values in "
              "status.json (no design.json)", file=sys.stderr)
        return
    try:
        design = make_design(OmegaConf.to_container(spec, resolve=True))
    except DesignError as err:  # every point will fail with the same error; say it once here
        print(f"sweep: bad design: {err}", file=sys.stderr)
        return
    save_design(sweep_dir / DESIGN_FILE, design)
    indices = {v for job in jobs or [] for k, v in map(_split, job) if k == "design_point"}
    n = len(design.points)
    note = ""
    if jobs is not None and indices != {str(i) for i in range(n)}:
        note = f" (this sweep runs {len(indices)} of them; design_point=range({n}) runs all)"
    print(f"sweep: design of {n} points over {len(design.factors)} factors -> "
          f"{sweep_dir / DESIGN_FILE}{note}", flush=True)


def point_name(task: Sequence[str], sweep_dir: Path) -> str:
    """A sweep point's name for its line: its overrides whose values vary across the sweep
    (from ``sweep_plan.json``), in the order given; all its own overrides when the plan is
    not known or nothing varies (Hydra's keys, ``progress`` and ``workers`` left out).

    Args:
        task: the job's overrides (``hydra.overrides.task``).
        sweep_dir: the sweep directory (where the plan is).
    """
    own = [o for o in task if not _split(o)[0].startswith("hydra")
           and _split(o)[0] not in NOT_PARAMETERS]
    varying = _swept_keys(read_plan(sweep_dir))
    shown = [o for o in own if _split(o)[0] in varying]
    return ",".join(shown or own)


def _split(override: str) -> tuple[str, str]:
    key, _, value = override.partition("=")
    return key.lstrip("+~"), value


def _swept_keys(jobs: list[list[str]]) -> set[str]:
    values: dict[str, set[str]] = {}
    for job in jobs:
        for key, value in map(_split, job):
            values.setdefault(key, set()).add(value)
    return {k for k, v in values.items() if len(v) > 1}


class SweepProgress:
    """A progress bar over sweep points, fed by the points' status files (any launcher).

    A point counts as done when its ``status.json`` is final (ok or failed) and
    was written during this sweep, or was already ok when the sweep started
    (it will be skipped). The bar is drawn on stderr, only when enabled.
    """

    def __init__(self, sweep_dir: Path, total: int | None, enabled: bool,
                 interval_s: float = 0.5) -> None:
        self.sweep_dir = Path(sweep_dir)
        self.total = total
        self.enabled = enabled
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bar: tqdm | None = None
        self._cache: dict[Path, tuple[float, str]] = {}
        self._start = time.time()
        self._ok_before: set[Path] = set()

    def start(self) -> None:
        if not self.enabled:
            return
        self._start = time.time()
        self._ok_before = {p for p, s in self._statuses().items() if s[1] == "ok"}
        self._bar = tqdm(total=self.total, desc="sweep", unit="point", dynamic_ncols=True)
        self._thread = threading.Thread(target=self._run, name="sweep-progress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None or self._bar is None:
            return
        self._stop.set()
        self._thread.join(timeout=5)
        self._update()
        self._bar.close()

    def done(self) -> int:
        """Points done so far (see class docstring)."""
        return sum(1 for p, (mtime, status) in self._statuses().items()
                   if status in _FINAL and (mtime >= self._start - 1 or p in self._ok_before))

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._update()

    def _update(self) -> None:
        assert self._bar is not None
        n = self.done()
        self._bar.n = min(n, self.total) if self.total is not None else n
        self._bar.refresh()

    def _statuses(self) -> dict[Path, tuple[float, str]]:
        out = {}
        for path in self.sweep_dir.glob(f"*/{STATUS_FILE}"):
            try:
                mtime = path.stat().st_mtime
            except OSError:
                continue
            cached = self._cache.get(path)
            if cached is None or cached[0] != mtime:
                try:
                    status = json.loads(path.read_text()).get("status", "")
                except (OSError, json.JSONDecodeError):
                    continue
                cached = self._cache[path] = (mtime, status)
            out[path] = cached
        return out


# ---- screening jobs before launch (the sweeper plugin) -----------------------------------------

#: Longest point directory name kept as Hydra makes it (most file systems allow 255 bytes).
MAX_NAME_BYTES = 240


def screen_batch(master: DictConfig, loader: Any,
                 batch: Sequence[Sequence[str]]) -> list[list[str]]:
    """The jobs of ``batch`` to launch (see module docstring), each as a list of overrides.

    Args:
        master: the sweep's config (Hydra's ``multirun`` config).
        loader: Hydra's config loader (``hydra_context.config_loader``).
        batch: the jobs, each a list of ``key=value`` overrides.
    """
    todo = []
    for job in batch:
        job = list(job)
        try:
            sweep_cfg = loader.load_sweep_config(master, job)
        except Exception as exc:  # noqa: BLE001 - a point that cannot be composed fails alone
            _record_unlaunchable(master, job, exc)
            continue
        subdir = _subdir(sweep_cfg)
        if subdir is not None and _bad_name(subdir):
            job.append(f"hydra.sweep.subdir='{_short_name(subdir)}'")
            subdir = _short_name(subdir)
        point = Path(master.hydra.sweep.dir) / subdir if subdir is not None else None
        if point is not None and _already_complete(sweep_cfg, point):
            continue
        todo.append(job)
    return todo


def _subdir(cfg: DictConfig) -> str | None:
    """The point directory name Hydra will give this job (None if it cannot be resolved)."""
    saved = HydraConfig.instance().cfg
    try:
        HydraConfig.instance().set_config(cfg)
        value = OmegaConf.select(cfg, "hydra.sweep.subdir")
        return None if value is None else str(value)
    except Exception:  # noqa: BLE001 - the launcher will resolve it (or report) itself
        return None
    finally:
        HydraConfig.instance().cfg = saved


def _bad_name(subdir: str) -> bool:
    return os.sep in subdir or len(subdir.encode()) > MAX_NAME_BYTES


def _short_name(name: str) -> str:
    """A stable, safe, short stand-in for an over-long or nesting directory name."""
    digest = hashlib.sha1(name.encode()).hexdigest()[:12]
    safe = re.sub(r"[^A-Za-z0-9._=,+-]", "_", name)[:MAX_NAME_BYTES - 14]
    return f"{safe}__{digest}"


def _already_complete(cfg: DictConfig, point: Path) -> bool:
    """True if ``point`` already holds this job's results (same config hash); says so."""
    if not (point / STATUS_FILE).is_file():
        return False
    try:
        task = copy.deepcopy(cfg)
        with read_write(task), open_dict(task):
            del task["hydra"]
        data, _ = resolve_design(OmegaConf.to_container(task, resolve=True))
        if not is_complete(point / STATUS_FILE, config_hash(data)):
            return False
        line = json.loads((point / STATUS_FILE).read_text()).get("one_line", point.name)
    except Exception:  # noqa: BLE001 - when in doubt, launch: the job checks again
        return False
    print(f"(already complete) {line}", flush=True)
    return True


def _record_unlaunchable(master: DictConfig, job: list[str], exc: Exception) -> None:
    """Write the point of a job that cannot be composed: its overrides and a failed status."""
    from sim.cli.validate import _hydra_error  # the same messages as for a single run

    try:
        lines = _hydra_error(exc, job)
    except Exception:  # noqa: BLE001
        lines = [str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__]
    name = _unlaunchable_name(master, job)
    point = Path(master.hydra.sweep.dir) / name
    text = OmegaConf.to_yaml(OmegaConf.create(job))
    write_atomic(point / ".hydra" / "overrides.yaml", lambda p: p.write_text(text))
    write_json(point / STATUS_FILE, {"status": "failed", "kind": "config", "config_hash": None,
                                     "error": "; ".join(lines)})
    print(f"error: a sweep point cannot be composed: {'; '.join(lines)} -> {point}",
          file=sys.stderr, flush=True)


def _unlaunchable_name(master: DictConfig, job: list[str]) -> str:
    """The directory Hydra would have given the job, computed from its overrides alone."""
    fallback = f"failed_{hashlib.sha1(' '.join(job).encode()).hexdigest()[:12]}"
    template = OmegaConf.to_container(master.hydra.sweep, resolve=False).get("subdir", "")
    if "override_dirname" not in str(template):
        return fallback
    try:
        parsed = OverridesParser.create().parse_overrides(job)
        conf = master.hydra.job.config.override_dirname
        dirname = get_overrides_dirname(overrides=parsed, exclude_keys=list(conf.exclude_keys),
                                        item_sep=conf.item_sep, kv_sep=conf.kv_sep)
        cfg = copy.deepcopy(master)
        with read_write(cfg.hydra), open_dict(cfg.hydra):
            cfg.hydra.job.override_dirname = dirname
        name = _subdir(cfg)
    except Exception:  # noqa: BLE001
        return fallback
    if not name:
        return fallback
    return _short_name(name) if _bad_name(name) else name
