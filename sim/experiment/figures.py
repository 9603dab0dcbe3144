"""Figures of a run directory, drawn from its saved tables only.

- ``casualties_over_time.png``: mean cumulative casualties per nation (all causes and
  enemy fire, top row), and friendly fire on its own axis (bottom row, coalition
  nations: under the enemy's scale it would be a flat line), each with the 95% band over
  replications (a count's interval, never below 0: :mod:`sim.experiment.stats`);
- ``incidents_by_cause.png``: mean incidents per replication by cause with 95% error
  bars, and where incidents happened;
- ``comparison.png`` (with ``compare_to``): paired differences with 95% intervals, each
  axis in its metric's unit (shares in percentage points), coloured green where the
  difference is good for the coalition (less friendly fire and fewer casualties, more
  enemy casualties inflicted) and its interval excludes 0, red where it is bad, grey
  where the interval spans 0 (a difference without one, all replications alike, is
  marked "no interval");
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
from sim.experiment.metrics import LABELS, axis_label, effect_colour, scaled  # noqa: E402
from sim.experiment.stats import COUNT, describe  # noqa: E402
from sim.experiment.tables import counts_per_replication  # noqa: E402
from sim.model.records import CAUSES, incident_durations  # noqa: E402


def mean_band(ts: pd.DataFrame, column: str) -> pd.DataFrame:
    """Mean and 95% interval of ``column`` (a count, >= 0) over replications, per nation and
    time."""
    rows = []
    for (nation, t), grp in ts.groupby(["nation", "time_h"], sort=True):
        d = describe(grp[column].to_numpy(), COUNT)
        rows.append({"nation": nation, "time_h": t, **d})
    return pd.DataFrame(rows)


def casualties_over_time(ts: pd.DataFrame, title: str, sides: dict[str, str] | None = None):
    """Module doc. ``sides``: nation -> side (coalition nations get a friendly-fire panel;
    default: every nation with friendly-fire casualties)."""
    ts = ts.copy()
    ts["casualties"] = ts["killed"] + ts["wounded"]
    ts["other_fire"] = ts["casualties"] - ts["friendly_fire_casualties"]
    nations = list(dict.fromkeys(ts["nation"]))
    n = max(1, len(nations))
    fig, axes = plt.subplots(2, n, figsize=(4.2 * n, 6.4), squeeze=False, sharex=True,
                             gridspec_kw={"height_ratios": [3, 2]})
    for k, nation in enumerate(nations):
        top, low = axes[0][k], axes[1][k]
        rows = ts[ts["nation"] == nation]
        for col, label, style, colour in (("casualties", "all causes", "-", "C0"),
                                          ("other_fire", "enemy fire", "--", "C1")):
            band = mean_band(rows, col)
            days = band["time_h"] / 24.0
            top.plot(days, band["mean"], style, color=colour, label=label)
            top.fill_between(days, band["ci95_low"], band["ci95_high"], color=colour, alpha=0.2)
        top.set_title(nation)
        top.set_ylabel("killed + wounded so far\n(mean, 95% band)")
        top.grid(alpha=0.3)
        coalition = (sides or {}).get(nation) == "coalition" if sides else \
            bool(rows["friendly_fire_casualties"].any())
        if coalition:
            band = mean_band(rows, "friendly_fire_casualties")
            days = band["time_h"] / 24.0
            low.plot(days, band["mean"], ":", color="C2", label="friendly fire")
            low.fill_between(days, band["ci95_low"], band["ci95_high"], color="C2", alpha=0.25)
            low.set_ylabel("friendly-fire killed +\nwounded so far")
            low.set_ylim(bottom=0)
            low.legend(fontsize=8, loc="upper left")
        else:
            low.text(0.5, 0.5, "enemy: no friendly fire counted", ha="center", va="center",
                     transform=low.transAxes, fontsize=8, color="0.4")
            low.set_yticks([])
        low.set_xlabel("day")
        low.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def incidents_figure(summary: dict, incidents: pd.DataFrame):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.5, 4.2))
    causes = [str(c) for c in CAUSES]
    counts = counts_per_replication(incidents, "cause", int(summary["replications"]))
    stats = [describe(counts[c].to_numpy(float) if c in counts else
                      np.zeros(len(counts)), COUNT) for c in causes]
    means = np.array([summary["by_cause"][c] for c in causes])
    err = np.vstack([means - [d["ci95_low"] for d in stats],
                     [d["ci95_high"] for d in stats] - means]).clip(min=0)
    ax1.bar(range(len(causes)), means, color="tab:red", alpha=0.8)
    if int(summary["replications"]) > 1:
        ax1.errorbar(range(len(causes)), means, yerr=err, fmt="none", color="k", capsize=4,
                     label="95% interval")
        ax1.legend(fontsize=8)
    ax1.set_xticks(range(len(causes)), [c.replace("_", " ") for c in causes], fontsize=8,
                   rotation=25, ha="right")
    ax1.set_ylabel("incidents per campaign\n(mean over replications)")
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
    fig, axes = plt.subplots(1, len(names), figsize=(2.3 * len(names), 3.6))
    for ax, name in zip(np.atleast_1d(axes), names, strict=True):
        m = comp["metrics"][name]
        mean, low, high = (scaled(name, m[k]) for k in ("mean_diff", "ci95_low", "ci95_high"))
        colour = effect_colour(name, m)
        ax.errorbar([0], [mean], yerr=[[max(mean - low, 0)], [max(high - mean, 0)]],
                    fmt="o", capsize=5, color=colour)
        if m.get("ci95_method") == "none":
            ax.annotate("no interval", (0, mean), textcoords="offset points",
                        xytext=(6, 0), fontsize=7, va="center")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xticks([])
        ax.set_ylabel(axis_label(name, difference=True), fontsize=7)
        ax.set_title(LABELS[name][0].replace(" ", "\n", 1), fontsize=8)
    fig.suptitle(f"{summary['intervention']} minus {comp['counterfactual']} "
                 "(paired by seed, 95% CI; green: better for the coalition, red: worse, "
                 "grey: the interval spans 0)", fontsize=9)
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


def _sides(out_dir: Path) -> dict[str, str] | None:
    """Nation -> side, from the run's saved config (None when it cannot be read)."""
    import yaml

    path = out_dir / ".hydra" / "config.yaml"
    try:
        nations = yaml.safe_load(path.read_text())["scenario"]["nations"]
        return {name: spec["side"] for name, spec in nations.items()}
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        return None


def run_figures(out_dir: Path, summary: dict) -> list[Path]:
    """Draw every figure of a run directory from its tables; return the paths."""
    out_dir = Path(out_dir)
    ts = pd.read_parquet(out_dir / "timeseries.parquet")
    inc = pd.read_parquet(out_dir / "incidents.parquet")
    title = f"{summary['scenario']} / {summary['intervention']} ({summary['replications']} reps)"
    sides = _sides(out_dir)
    paths = [save_figure(out_dir / "casualties_over_time.png",
                         casualties_over_time(ts, title, sides)),
             save_figure(out_dir / "incidents_by_cause.png", incidents_figure(summary, inc)),
             save_figure(out_dir / "incident_durations.png", durations_figure(inc, title))]
    if "comparison" in summary:
        paths.append(save_figure(out_dir / "comparison.png", comparison_figure(summary)))
    if "decomposition" in summary:
        paths.append(save_figure(out_dir / "decomposition.png", decomposition_figure(summary)))
    return paths
