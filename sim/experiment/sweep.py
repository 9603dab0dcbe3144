"""Sweep directories: one table row per point, and response figures.

``sweep.parquet`` lists every point of a sweep directory (a subdirectory with
a ``status.json``): the overridden parameters as columns, ``status`` and
``error``, then each metric's mean and 95% interval (``<metric>.mean``,
``<metric>.ci95_low``, ``<metric>.ci95_high``). Failed points keep their row
with empty metrics.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

from sim.experiment.atomic import save_figure, write_parquet  # noqa: E402
from sim.experiment.replication import METRICS  # noqa: E402

STATUS_FILE = "status.json"
FIGURE_METRICS = ("friendly_fire_incidents", "fratricide_share", "total_casualties",
                  "enemy_casualties")


def point_dirs(sweep_dir: Path) -> list[Path]:
    """Sweep points: subdirectories holding a status file, sorted by name."""
    return sorted(p.parent for p in Path(sweep_dir).glob(f"*/{STATUS_FILE}"))


def _overrides(point: Path) -> dict[str, object]:
    path = point / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return {}
    out: dict[str, object] = {}
    for item in yaml.safe_load(path.read_text()) or []:
        key, _, value = str(item).partition("=")
        key = key.lstrip("+~")
        if key in ("progress", "workers") or key.startswith("hydra"):
            continue
        parsed = yaml.safe_load(value) if value else None
        out[key] = parsed if isinstance(parsed, int | float | str | bool) else value
    return out


def sweep_table(sweep_dir: Path) -> pd.DataFrame:
    """The table of every point of ``sweep_dir`` (see module docstring)."""
    rows = []
    for point in point_dirs(sweep_dir):
        status = json.loads((point / STATUS_FILE).read_text())
        row: dict = {"point": point.name, **_overrides(point),
                     "status": status.get("status", "unknown"), "error": status.get("error")}
        summary_path = point / "summary.json"
        if row["status"] == "ok" and summary_path.is_file():
            summary = json.loads(summary_path.read_text())
            row["replications"] = summary["replications"]
            for m in METRICS:
                for stat in ("mean", "ci95_low", "ci95_high"):
                    row[f"{m}.{stat}"] = summary["metrics"][m][stat]
        rows.append(row)
    df = pd.DataFrame(rows)
    for m in METRICS:
        for stat in ("mean", "ci95_low", "ci95_high"):
            if f"{m}.{stat}" not in df:
                df[f"{m}.{stat}"] = np.nan
    return df


def varied_keys(df: pd.DataFrame) -> list[str]:
    """Overridden parameters that take more than one value across the points."""
    fixed = {"point", "status", "error", "replications"}
    keys = [c for c in df.columns if c not in fixed and "." not in c.split("/")[-1][-5:]
            and not any(c.startswith(f"{m}.") for m in METRICS)]
    return [k for k in keys if df[k].astype(str).nunique() > 1]


def sweep_figures(sweep_dir: Path, df: pd.DataFrame) -> list[Path]:
    """Response curves with CI bands for one varied key, heatmaps for two."""
    ok = df[df["status"] == "ok"]
    keys = varied_keys(df)
    if ok.empty or not keys:
        return []
    if len(keys) == 1:
        return [save_figure(Path(sweep_dir) / "sweep_response.png", _response(ok, keys[0]))]
    return [save_figure(Path(sweep_dir) / "sweep_heatmap.png", _heatmap(ok, keys[0], keys[1]))]


def _response(ok: pd.DataFrame, key: str):
    ok = ok.sort_values(key, key=lambda s: pd.to_numeric(s, errors="coerce").fillna(0)
                        if pd.api.types.is_numeric_dtype(s) else s.astype(str))
    x = np.arange(len(ok))
    numeric = pd.api.types.is_numeric_dtype(ok[key])
    xs = ok[key].to_numpy(float) if numeric else x
    fig, axes = plt.subplots(1, len(FIGURE_METRICS), figsize=(3.6 * len(FIGURE_METRICS), 3.2))
    for ax, m in zip(axes, FIGURE_METRICS, strict=True):
        ax.plot(xs, ok[f"{m}.mean"], "o-")
        ax.fill_between(xs, ok[f"{m}.ci95_low"], ok[f"{m}.ci95_high"], alpha=0.25)
        ax.set_title(m.replace("_", " "), fontsize=9)
        ax.set_xlabel(key, fontsize=8)
        if not numeric:
            ax.set_xticks(x, ok[key].astype(str), rotation=45, ha="right", fontsize=7)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def _heatmap(ok: pd.DataFrame, k1: str, k2: str):
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, m in zip(axes, ("fratricide_share", "friendly_fire_incidents"), strict=True):
        grid = ok.pivot_table(index=k1, columns=k2, values=f"{m}.mean", aggfunc="mean")
        im = ax.imshow(grid.to_numpy(float), origin="lower", aspect="auto", cmap="magma")
        ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns], fontsize=7)
        ax.set_yticks(range(grid.shape[0]), [str(r) for r in grid.index], fontsize=7)
        ax.set_xlabel(k2, fontsize=8)
        ax.set_ylabel(k1, fontsize=8)
        ax.set_title(m.replace("_", " "))
        fig.colorbar(im, ax=ax)
    fig.tight_layout()
    return fig


def write_sweep(sweep_dir: Path) -> pd.DataFrame:
    """Write ``sweep.parquet`` and the sweep figures; return the table."""
    df = sweep_table(sweep_dir)
    write_parquet(Path(sweep_dir) / "sweep.parquet", df)
    sweep_figures(sweep_dir, df)
    return df
