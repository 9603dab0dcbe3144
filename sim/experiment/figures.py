"""Figures of a run directory, drawn from its saved tables only.

- ``casualties_over_time.png``: mean cumulative casualties per nation, split by
  cause (friendly fire, enemy fire), with the 95% band over replications (a count's
  interval, never below 0: :mod:`sim.experiment.stats`);
- ``incidents_by_cause.png``: mean incidents per replication by cause, and
  where incidents happened;
- ``comparison.png`` (with ``compare_to``): paired differences with 95% intervals (a
  difference without one, all replications alike, is marked "no interval");
- ``decomposition.png`` (with ``decompose``): the effect of miscommunication and each
  part's Shapley value, with 95% intervals.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.experiment.atomic import save_figure  # noqa: E402
from sim.experiment.stats import COUNT, describe  # noqa: E402
from sim.model.records import CAUSES, incident_durations  # noqa: E402


def mean_band(ts: pd.DataFrame, column: str) -> pd.DataFrame:
    """Mean and 95% interval of ``column`` (a count, >= 0) over replications, per nation and
    time."""
    rows = []
    for (nation, t), grp in ts.groupby(["nation", "time_h"], sort=True):
        d = describe(grp[column].to_numpy(), COUNT)
        rows.append({"nation": nation, "time_h": t, **d})
    return pd.DataFrame(rows)


def casualties_over_time(ts: pd.DataFrame, title: str):
    ts = ts.copy()
    ts["casualties"] = ts["killed"] + ts["wounded"]
    ts["other_fire"] = ts["casualties"] - ts["friendly_fire_casualties"]
    nations = list(dict.fromkeys(ts["nation"]))
    fig, axes = plt.subplots(1, max(1, len(nations)), figsize=(4.2 * max(1, len(nations)), 3.6),
                             sharey=True, squeeze=False)
    for ax, nation in zip(axes[0], nations, strict=False):
        for col, label, style in (("casualties", "all causes", "-"),
                                  ("other_fire", "enemy fire", "--"),
                                  ("friendly_fire_casualties", "friendly fire", ":")):
            band = mean_band(ts[ts["nation"] == nation], col)
            days = band["time_h"] / 24.0
            ax.plot(days, band["mean"], style, label=label)
            ax.fill_between(days, band["ci95_low"], band["ci95_high"], alpha=0.2)
        ax.set_title(nation)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("killed + wounded (cumulative, mean)")
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title)
    return fig


def incidents_figure(summary: dict, incidents: pd.DataFrame):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    causes = [str(c) for c in CAUSES]
    ax1.bar(range(len(causes)), [summary["by_cause"][c] for c in causes], color="tab:red")
    ax1.set_xticks(range(len(causes)), [c.replace("_", "\n") for c in causes], fontsize=8)
    ax1.set_ylabel("incidents per replication (mean)")
    ax1.set_title("friendly-fire incidents by cause")
    if len(incidents):
        for cause in causes:
            sel = incidents[incidents["cause"] == cause]
            if len(sel):
                ax2.scatter(sel["y_km"], sel["x_km"], s=8, label=cause, alpha=0.6)
        ax2.legend(fontsize=7)
    ax2.set_xlabel("along the front, km")
    ax2.set_ylabel("depth, km (front line at 0)")
    ax2.set_title("where incidents happened (all replications)")
    ax2.grid(alpha=0.3)
    return fig


def durations_figure(incidents: pd.DataFrame, title: str):
    """How long friendly-fire incidents lasted (end_h - time_h - paused_h), by fire type."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    dur = incident_durations(incidents)
    edges = np.array([0, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128])
    labels = ["<3 min", "3-6 min", "6-15 min", "15-30 min", "0.5-1 h", "1-2 h", "2-4 h",
              "4-8 h", "8-16 h", "16-32 h", "32-64 h", ">64 h"]
    bottom = np.zeros(len(labels))
    for fire, colour in (("direct", "tab:red"), ("indirect", "tab:blue")):
        sel = dur[(incidents["fire"] == fire).to_numpy()].to_numpy()
        counts = np.histogram(np.clip(sel, 0, edges[-1] - 1e-9), bins=edges)[0]
        ax.bar(range(len(labels)), counts, bottom=bottom, color=colour, label=fire)
        bottom += counts
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("incidents (all replications)")
    ax.set_title(f"how long friendly fire lasted: {title}", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def comparison_figure(summary: dict):
    comp = summary["comparison"]
    names = list(comp["metrics"])
    fig, axes = plt.subplots(1, len(names), figsize=(2.1 * len(names), 3.2))
    for ax, name in zip(np.atleast_1d(axes), names, strict=True):
        m = comp["metrics"][name]
        ax.errorbar([0], [m["mean_diff"]], yerr=[[m["mean_diff"] - m["ci95_low"]],
                                                  [m["ci95_high"] - m["mean_diff"]]],
                    fmt="o", capsize=5)
        if m.get("ci95_method") == "none":
            ax.annotate("no interval", (0, m["mean_diff"]), textcoords="offset points",
                        xytext=(6, 0), fontsize=7, va="center")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xticks([])
        ax.set_title(name.replace("_", "\n"), fontsize=8)
    fig.suptitle(f"{summary['intervention']} minus {comp['counterfactual']} "
                 "(paired by seed, 95% CI)")
    fig.tight_layout()
    return fig


def decomposition_figure(summary: dict):
    """Per metric: the effect (this run minus all parts perfect) and each part's share."""
    dec = summary["decomposition"]
    names = list(dec["metrics"])
    rows = ["effect", *dec["parts"]]
    fig, axes = plt.subplots(1, len(names), figsize=(2.3 * len(names), 3.8), sharey=False)
    for ax, name in zip(np.atleast_1d(axes), names, strict=True):
        m = dec["metrics"][name]
        cells = [m["effect"], *(m["shapley"][p] for p in dec["parts"])]
        for k, d in enumerate(cells):
            ax.errorbar([k], [d["mean_diff"]], yerr=[[d["mean_diff"] - d["ci95_low"]],
                                                      [d["ci95_high"] - d["mean_diff"]]],
                        fmt="s" if k == 0 else "o", capsize=4,
                        color="black" if k == 0 else f"C{k - 1}")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xticks(range(len(rows)), [r.replace("_", "\n") for r in rows], fontsize=6,
                      rotation=90)
        ax.set_title(name.replace("_", "\n"), fontsize=8)
    fig.suptitle(f"{summary['intervention']}: effect of miscommunication and its parts "
                 "(Shapley values, paired by seed, 95% CI)", fontsize=9)
    fig.tight_layout()
    return fig


def run_figures(out_dir: Path, summary: dict) -> list[Path]:
    """Draw every figure of a run directory from its tables; return the paths."""
    out_dir = Path(out_dir)
    ts = pd.read_parquet(out_dir / "timeseries.parquet")
    inc = pd.read_parquet(out_dir / "incidents.parquet")
    title = f"{summary['scenario']} / {summary['intervention']} ({summary['replications']} reps)"
    paths = [save_figure(out_dir / "casualties_over_time.png", casualties_over_time(ts, title)),
             save_figure(out_dir / "incidents_by_cause.png", incidents_figure(summary, inc)),
             save_figure(out_dir / "incident_durations.png", durations_figure(inc, title))]
    if "comparison" in summary:
        paths.append(save_figure(out_dir / "comparison.png", comparison_figure(summary)))
    if "decomposition" in summary:
        paths.append(save_figure(out_dir / "decomposition.png", decomposition_figure(summary)))
    return paths
