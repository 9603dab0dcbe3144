"""Sweep directories: one table row per point, and response figures.

``sweep.parquet`` lists every point of a sweep directory: each subdirectory
holding a ``status.json``, and each point of the sweep's plan
(``sweep_plan.json``, the overrides of every job the sweep launched) that
never got a directory (status ``missing``). Columns: ``point`` (the
directory name), the parameters (the point's overrides, and for a design
point the factor values it took), ``status`` (``ok``, ``failed``,
``running`` for a job that died or is still at work, ``missing``) and
``error``, ``replications``, then each metric's mean and 95% interval
(``<metric>.mean``, ``<metric>.ci95_low``, ``<metric>.ci95_high``). Points
that are not ok keep their row with empty metrics. Rows are sorted by their
parameters (numbers numerically).

Figures (from the ok points): one varied parameter gives response curves
with 95% bands (``sweep_response.png``; categories as points with error
bars); two varied on a grid give heatmaps (``sweep_heatmap.png``, missing
cells grey); more, or a sampled design, give one panel per parameter and
metric with every point and its interval (``sweep_scatter.png``).

A sweep of interventions against the baseline ``none`` on the same seeds also ranks its
remedies (``remedies.json``, ``remedies.md``, ``remedies.png``; :mod:`sim.experiment.ranking`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.experiment.atomic import pyplot, save_figure, write_json, write_parquet
from sim.experiment.metrics import LABELS, METRICS, axis_label, scaled

STATUS_FILE = "status.json"
PLAN_FILE = "sweep_plan.json"
TABLE_FILE = "sweep.parquet"
FIGURES = ("sweep_response.png", "sweep_heatmap.png", "sweep_scatter.png")
STATS = ("mean", "ci95_low", "ci95_high")
FIXED_COLUMNS = ("point", "status", "error", "replications")
FIGURE_METRICS = ("friendly_fire_incidents", "friendly_fire_casualties", "fratricide_share",
                  "total_casualties", "enemy_casualties")
#: A level drawn first on a categorical axis: the baseline the others are read against.
BASELINES = ("none",)
#: Overrides that are not parameters of the model (they change no result).
NOT_PARAMETERS = ("progress", "workers")
#: A parameter that only indexes a design: not plotted when its factors are.
INDEX_KEYS = ("design_point",)
#: Most parameters drawn in one scatter figure, and most levels of a heatmap axis.
MAX_PANELS = 6
MAX_LEVELS = 25


def point_dirs(sweep_dir: Path) -> list[Path]:
    """Sweep points: subdirectories holding a status file, sorted by name."""
    return sorted(p.parent for p in Path(sweep_dir).glob(f"*/{STATUS_FILE}"))


def write_plan(sweep_dir: Path, jobs: list[list[str]]) -> Path:
    """Record the overrides of every job a sweep launches (so none can go missing unseen)."""
    return write_json(Path(sweep_dir) / PLAN_FILE, {"jobs": [list(j) for j in jobs]})


def read_plan(sweep_dir: Path) -> list[list[str]]:
    path = Path(sweep_dir) / PLAN_FILE
    if not path.is_file():
        return []
    try:
        return [list(j) for j in json.loads(path.read_text())["jobs"]]
    except (json.JSONDecodeError, KeyError, TypeError):
        return []


def parse_override(item: str) -> tuple[str, Any] | None:
    """``key=value`` as (key, parsed value); None for Hydra's keys and non-parameters."""
    key, sep, value = str(item).partition("=")
    key = key.lstrip("+~")
    if not sep or key in NOT_PARAMETERS or key.startswith("hydra"):
        return None
    try:
        parsed = yaml.safe_load(value) if value else None
    except yaml.YAMLError:
        parsed = value
    return key, parsed if isinstance(parsed, int | float | str | bool) or parsed is None else value


def _overrides(point: Path) -> list[str]:
    path = point / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return []
    return [str(o) for o in yaml.safe_load(path.read_text()) or []]


def _parameters(overrides: list[str]) -> dict[str, Any]:
    return dict(p for p in map(parse_override, overrides) if p is not None)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def sweep_table(sweep_dir: Path) -> pd.DataFrame:
    """The table of every point of ``sweep_dir`` (see module docstring)."""
    sweep_dir = Path(sweep_dir)
    rows, seen = [], set()
    for point in point_dirs(sweep_dir):
        overrides = _overrides(point)
        seen.add(frozenset(overrides))
        status = _read_json(point / STATUS_FILE)
        row: dict = {"point": point.name, **_parameters(overrides),
                     **(status.get("parameters") or {}),
                     "status": status.get("status", "unknown"), "error": status.get("error")}
        summary = _read_json(point / "summary.json") if row["status"] == "ok" else {}
        if summary:
            row["replications"] = summary["replications"]
            for m in METRICS:
                for stat in STATS:
                    row[f"{m}.{stat}"] = summary["metrics"][m][stat]
        rows.append(row)
    for job in read_plan(sweep_dir):
        if frozenset(job) not in seen:
            rows.append({"point": ",".join(job), **_parameters(job), "status": "missing",
                         "error": "never ran: no point directory (job not started or lost)"})
    df = pd.DataFrame(rows, columns=list(FIXED_COLUMNS[:1])) if not rows else pd.DataFrame(rows)
    for col in ("status", "error", "replications"):
        if col not in df:
            df[col] = None if col != "replications" else np.nan
    for m in METRICS:
        for stat in STATS:
            if f"{m}.{stat}" not in df:
                df[f"{m}.{stat}"] = np.nan
    params = parameter_columns(df)
    for key in params:
        df[key] = _uniform_column(df[key])
    df = df[["point", *params, "status", "error", "replications",
             *[f"{m}.{s}" for m in METRICS for s in STATS]]]
    order = sorted(range(len(df)), key=lambda i: (*[_sort_key(df[k].iat[i]) for k in params],
                                                  str(df["point"].iat[i])))
    return df.iloc[order].reset_index(drop=True)


def _uniform_column(col: pd.Series) -> pd.Series:
    """One type per column (parquet needs it): numbers, booleans, or else text."""
    values = [v for v in col if not _is_missing(v)]
    if all(isinstance(v, bool) for v in values):
        return col.astype(object)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        if all(isinstance(v, int) for v in values) and len(values) == len(col):
            return col.astype("int64")
        return pd.to_numeric(col, errors="coerce").astype(float)
    return col.map(lambda v: None if _is_missing(v) else str(v)).astype(object)


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _sort_key(v: Any) -> tuple:
    if _is_missing(v):
        return (2, 0.0, "")
    if isinstance(v, bool | np.bool_):
        return (0, float(v), "")
    if isinstance(v, int | float | np.integer | np.floating):
        return (0, float(v), "")
    return (1, 0.0, str(v))


def parameter_columns(df: pd.DataFrame) -> list[str]:
    """The table's parameter columns: everything but the fixed and metric columns."""
    metric = {f"{m}.{s}" for m in METRICS for s in STATS}
    return [c for c in df.columns if c not in FIXED_COLUMNS and c not in metric]


def varied_keys(df: pd.DataFrame) -> list[str]:
    """Parameters that take more than one value across the points."""
    return [k for k in parameter_columns(df)
            if df[k].map(lambda v: "<none>" if _is_missing(v) else repr(v)).nunique() > 1]


def figure_keys(df: pd.DataFrame) -> list[str]:
    """The varied parameters worth drawing: a design's index only when nothing else varies."""
    keys = varied_keys(df)
    real = [k for k in keys if k not in INDEX_KEYS]
    return real or keys


def _is_numeric(col: pd.Series) -> bool:
    values = [v for v in col if not _is_missing(v)]
    return bool(values) and all(isinstance(v, int | float | np.integer | np.floating)
                                and not isinstance(v, bool | np.bool_) for v in values)


def _levels(col: pd.Series) -> list:
    """The column's distinct values in order, a baseline (``BASELINES``) first."""
    seen = {repr(v): v for v in col if not _is_missing(v)}
    return sorted(seen.values(), key=lambda v: (v not in BASELINES, _sort_key(v)))


def sweep_figures(sweep_dir: Path, df: pd.DataFrame) -> list[Path]:
    """Draw the sweep's figures (see module docstring); remove stale ones; return the paths."""
    sweep_dir = Path(sweep_dir)
    ok = df[df["status"] == "ok"]
    keys = figure_keys(df)
    written: list[Path] = []
    if not ok.empty and keys:
        if len(keys) == 1:
            written.append(save_figure(sweep_dir / "sweep_response.png", _response(ok, keys[0])))
        elif len(keys) == 2 and _grid_like(df, *keys):
            written.append(save_figure(sweep_dir / "sweep_heatmap.png",
                                       _heatmap(ok, keys[0], keys[1])))
        else:
            written.append(save_figure(sweep_dir / "sweep_scatter.png",
                                       _scatter(ok, keys[:MAX_PANELS])))
    for name in FIGURES:
        if sweep_dir / name not in written:
            (sweep_dir / name).unlink(missing_ok=True)
    return written


def _grid_like(df: pd.DataFrame, k1: str, k2: str) -> bool:
    """Two parameters crossed on a grid (few levels, most cells filled), not a scatter."""
    n1, n2 = len(_levels(df[k1])), len(_levels(df[k2]))
    if n1 > MAX_LEVELS or n2 > MAX_LEVELS:
        return False
    cells = {(repr(a), repr(b)) for a, b in zip(df[k1], df[k2], strict=True)}
    return len(cells) >= 0.5 * n1 * n2


def _positions(col: pd.Series) -> tuple[np.ndarray, list | None]:
    """x positions of a column: its values if numeric, else level indices (and the levels)."""
    if _is_numeric(col):
        return col.to_numpy(float), None
    levels = _levels(col)
    index = {repr(v): i for i, v in enumerate(levels)}
    return np.array([index.get(repr(v), np.nan) for v in col], float), levels


def _yerr(rows: pd.DataFrame, m: str) -> np.ndarray:
    mean = scaled(m, rows[f"{m}.mean"].to_numpy(float))
    return np.vstack([mean - scaled(m, rows[f"{m}.ci95_low"].to_numpy(float)),
                      scaled(m, rows[f"{m}.ci95_high"].to_numpy(float)) - mean]).clip(min=0)


def _label(m: str) -> str:
    return LABELS[m][0] if m in LABELS else m.replace("_", " ")


def _response(ok: pd.DataFrame, key: str):
    plt = pyplot()
    x, levels = _positions(ok[key])
    rows = ok.assign(_x=x).dropna(subset=["_x"]).sort_values("_x", kind="stable")
    fig, axes = plt.subplots(1, len(FIGURE_METRICS), figsize=(3.6 * len(FIGURE_METRICS), 3.6))
    for ax, m in zip(axes, FIGURE_METRICS, strict=True):
        xs = rows["_x"].to_numpy(float)
        mean = scaled(m, rows[f"{m}.mean"].to_numpy(float))
        if levels is None:
            ax.plot(xs, mean, "o-", ms=4)
            ax.fill_between(xs, scaled(m, rows[f"{m}.ci95_low"].to_numpy(float)),
                            scaled(m, rows[f"{m}.ci95_high"].to_numpy(float)), alpha=0.25,
                            lw=0)
        else:
            ax.errorbar(xs, mean, yerr=_yerr(rows, m), fmt="o", capsize=3)
            ax.set_xticks(range(len(levels)), [str(v) for v in levels], rotation=30,
                          ha="right", fontsize=7)
            ax.set_xlim(-0.5, len(levels) - 0.5)
            if levels[0] in BASELINES:
                ax.axvspan(-0.5, 0.5, color="0.9", zorder=0)      # the baseline, first
        ax.set_title(_label(m), fontsize=9)
        ax.set_ylabel(axis_label(m), fontsize=7)
        ax.set_xlabel(key, fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle("mean and 95% interval over replications, per campaign"
                 + (" (baseline shaded, first)" if levels and levels[0] in BASELINES else ""),
                 fontsize=9)
    fig.tight_layout()
    return fig


def _heatmap(ok: pd.DataFrame, k1: str, k2: str):
    plt = pyplot()
    rows_l, cols_l = _levels(ok[k1]), _levels(ok[k2])
    ri = {repr(v): i for i, v in enumerate(rows_l)}
    ci = {repr(v): i for i, v in enumerate(cols_l)}
    ncols = 3
    nrows = -(-len(FIGURE_METRICS) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * (2.6 + 0.45 * len(cols_l)),
                                                    nrows * (1.6 + 0.5 * len(rows_l))),
                             squeeze=False)
    for ax in axes.flat[len(FIGURE_METRICS):]:
        ax.set_visible(False)
    for ax, m in zip(axes.flat, FIGURE_METRICS, strict=False):
        total = np.zeros((len(rows_l), len(cols_l)))
        count = np.zeros_like(total)
        for a, b, v in zip(ok[k1], ok[k2], ok[f"{m}.mean"], strict=True):
            if repr(a) in ri and repr(b) in ci and not _is_missing(v):
                total[ri[repr(a)], ci[repr(b)]] += scaled(m, v)
                count[ri[repr(a)], ci[repr(b)]] += 1
        grid = np.ma.masked_invalid(np.divide(total, count, out=np.full_like(total, np.nan),
                                              where=count > 0))
        cmap = plt.get_cmap("magma").with_extremes(bad="lightgrey")
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap=cmap)
        if len(rows_l) * len(cols_l) <= 120:
            lo, hi = (float(grid.min()), float(grid.max())) if grid.count() else (0.0, 1.0)
            for (i, j), v in np.ndenumerate(grid.filled(np.nan)):
                if not np.isnan(v):
                    light = hi > lo and (v - lo) / (hi - lo) < 0.6
                    ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=6,
                            color="white" if light else "black")
        ax.set_xticks(range(len(cols_l)), [str(c) for c in cols_l], fontsize=7, rotation=30,
                      ha="right")
        ax.set_yticks(range(len(rows_l)), [str(r) for r in rows_l], fontsize=7)
        ax.set_xlabel(k2, fontsize=8)
        ax.set_ylabel(k1, fontsize=8)
        ax.set_title(f"{_label(m)} (mean)", fontsize=9)
        fig.colorbar(im, ax=ax).set_label(axis_label(m).replace("\n", " "), fontsize=7)
    fig.tight_layout()
    return fig


def _scatter(ok: pd.DataFrame, keys: list[str]):
    plt = pyplot()
    fig, axes = plt.subplots(len(FIGURE_METRICS), len(keys),
                             figsize=(3.2 * len(keys), 2.5 * len(FIGURE_METRICS)), squeeze=False)
    for j, key in enumerate(keys):
        x, levels = _positions(ok[key])
        for i, m in enumerate(FIGURE_METRICS):
            ax = axes[i, j]
            ax.errorbar(x, scaled(m, ok[f"{m}.mean"].to_numpy(float)), yerr=_yerr(ok, m),
                        fmt="o", ms=3, alpha=0.7, elinewidth=0.8)
            if levels is not None:
                ax.set_xticks(range(len(levels)), [str(v) for v in levels], rotation=30,
                              ha="right", fontsize=7)
            if i == len(FIGURE_METRICS) - 1:
                ax.set_xlabel(key, fontsize=8)
            if j == 0:
                ax.set_ylabel(axis_label(m), fontsize=7)
            ax.grid(alpha=0.3)
    fig.suptitle("each point: mean and 95% interval over replications", fontsize=9)
    fig.tight_layout()
    return fig


def failed_points(df: pd.DataFrame) -> list[tuple[str, str]]:
    """(label, error) of every point that is not ok; the label names its varied parameters."""
    keys = varied_keys(df)
    out = []
    for _, row in df[df["status"] != "ok"].iterrows():
        parts = [f"{k}={row[k]}" for k in keys if not _is_missing(row[k])]
        label = ",".join(parts) if parts else str(row["point"])
        error = row["error"] if not _is_missing(row["error"]) else ""
        out.append((label, f"[{row['status']}] {error}".strip()))
    return out


def write_sweep(sweep_dir: Path) -> pd.DataFrame:
    """Write ``sweep.parquet``, the sweep figures and, for a sweep of interventions against
    ``none``, the remedies' ranking (:mod:`sim.experiment.ranking`); return the table."""
    from sim.experiment import ranking

    df = sweep_table(sweep_dir)
    write_parquet(Path(sweep_dir) / TABLE_FILE, df)
    sweep_figures(sweep_dir, df)
    ranking.write(sweep_dir, df)
    return df
