"""The validation report's figures (matplotlib; the caller picks the backend).

:func:`write_figures` draws the four figures and writes them as
``validation_<key>.png``: the Lanchester invariant and trajectories, the
causes and fratricide share of single_nation beside kursk_2024, the
fratricide share beside the historical figures, and every intervention's
paired effect.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from sim.experiment.atomic import save_figure
from sim.experiment.stats import describe
from sim.validation.checks import EFFECT_METRICS, HISTORICAL
from sim.validation.derived import ALL_CAUSES

if TYPE_CHECKING:
    from sim.validation.runs import Arm


def lanchester_figure(lan: dict) -> Figure:
    """The relative invariant (left) and the mean strengths beside the square law (right)."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for (r0, c), color in zip(lan["curves"].items(), plt.cm.viridis([0.1, 0.5, 0.85]),
                              strict=False):
        ax1.plot(c["time_h"], c["inv_rel"], color=color, label=f"R0 = {r0}")
        ax1.fill_between(c["time_h"], c["inv_low"], c["inv_high"], color=color, alpha=0.15)
        ax2.plot(c["time_h"], c["blue"], color=color, label=f"BLUE, R0 = {r0}")
        ax2.plot(c["time_h"], c["red"], color=color, ls="--")
        ax2.plot(c["time_h"], c["ode_blue"], color="grey", lw=0.8, ls=":")
        ax2.plot(c["time_h"], c["ode_red"], color="grey", lw=0.8, ls=":")
    ax1.axhline(1.0, color="black", lw=0.8)
    ax1.set_xlabel("time, h")
    ax1.set_ylabel("(b B² - a R²) / initial value")
    ax1.set_title("square-law invariant of the mean trajectory\n"
                  "(band: 95% CI of the per-replication invariant)", fontsize=9)
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3)
    ax2.set_xlabel("time, h")
    ax2.set_ylabel("strength (mean over replications)")
    ax2.set_title(f"BLUE (solid) and RED (dashed) against the square law (dotted), "
                  f"B0 = {lan['B0']}", fontsize=9)
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def single_vs_kursk_figure(base: Arm, single: Arm) -> Figure:
    """Incidents by cause (left) and the fratricide share (right) of the two scenarios."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [3, 1]})
    width = 0.38
    x = np.arange(len(ALL_CAUSES))
    for k, (arm, label, color) in enumerate(((base, "kursk_2024", "tab:red"),
                                            (single, "single_nation", "tab:blue"))):
        ds = [describe(arm.reps[f"cause.{c}"].to_numpy()) for c in ALL_CAUSES]
        means = np.array([d["mean"] for d in ds])
        err = np.array([[d["mean"] - d["ci95_low"] for d in ds],
                        [d["ci95_high"] - d["mean"] for d in ds]])
        ax1.bar(x + (k - 0.5) * width, means, width, yerr=err, capsize=3, color=color,
                label=label)
        d = describe(arm.reps["fratricide_share"].to_numpy())
        ax2.errorbar([k], [100 * d["mean"]], yerr=[[100 * (d["mean"] - d["ci95_low"])],
                                                   [100 * (d["ci95_high"] - d["mean"])]],
                     fmt="o", capsize=5, color=color)
    ax1.set_yscale("symlog", linthresh=1.0)
    ax1.set_xticks(x, [c.replace("_", "\n") for c in ALL_CAUSES], fontsize=8)
    ax1.set_ylabel("incidents per replication (mean, 95% CI)")
    ax1.set_title("friendly-fire incidents by recorded cause", fontsize=9)
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3, axis="y")
    ax2.set_xticks([0, 1], ["kursk_2024", "single_nation"], fontsize=8)
    ax2.set_xlim(-0.5, 1.5)
    ax2.set_ylabel("fratricide share of casualties, %")
    ax2.set_title("fratricide share (95% CI)", fontsize=9)
    ax2.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig


def model_shares(base: Arm, single: Arm) -> list[tuple[str, dict]]:
    """The model's fratricide shares (mean and 95% CI) drawn beside the historical figures."""
    base_pr = base.per_replication()
    return [
        ("kursk_2024, casualties", describe(base.reps["fratricide_share"].to_numpy())),
        ("kursk_2024, killed", describe(base_pr["ff_killed_share"].to_numpy())),
        ("kursk_2024, wounded", describe(base_pr["ff_wounded_share"].to_numpy())),
        ("kursk_2024, of coalition-inflicted", describe(base_pr["ff_of_inflicted"].to_numpy())),
        ("single_nation, casualties", describe(single.reps["fratricide_share"].to_numpy())),
    ]


def fratricide_figure(model_rows: list[tuple[str, dict]]) -> Figure:
    """Model shares (red, 95% CI) beside the historical figures (grey)."""
    fig, ax = plt.subplots(figsize=(8.5, 5))
    labels = []
    y = 0
    for label, lo, hi, *_ in reversed(HISTORICAL):
        if hi > lo:
            ax.plot([100 * lo, 100 * hi], [y, y], color="grey", lw=6, solid_capstyle="butt")
        else:
            ax.plot([100 * lo], [y], "s", color="grey", ms=7)
        labels.append(label)
        y += 1
    for label, d in reversed(model_rows):
        ax.errorbar([100 * d["mean"]], [y], xerr=[[100 * (d["mean"] - d["ci95_low"])],
                                                  [100 * (d["ci95_high"] - d["mean"])]],
                    fmt="o", color="tab:red", capsize=4)
        labels.append(f"model: {label}")
        y += 1
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("fratricide share, %")
    ax.set_title("model (red, 95% CI) beside historical figures (grey, docs/model.md)", fontsize=9)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def interventions_figure(arms: dict[str, Arm]) -> Figure:
    """Each intervention minus ``none``, paired by seed, one panel per effect metric."""
    names = list(arms)
    fig, axes = plt.subplots(1, len(EFFECT_METRICS), figsize=(3.4 * len(EFFECT_METRICS), 3.8),
                             sharey=True)
    y = np.arange(len(names))[::-1]
    for ax, metric in zip(axes, EFFECT_METRICS, strict=True):
        ds = [arms[n].comparison["metrics"][metric] for n in names]
        means = np.array([d["mean_diff"] for d in ds])
        err = np.array([[d["mean_diff"] - d["ci95_low"] for d in ds],
                        [d["ci95_high"] - d["mean_diff"] for d in ds]])
        colors = ["tab:green" if m < 0 else "tab:orange" for m in means]
        ax.barh(y, means, xerr=err, color=colors, capsize=3, alpha=0.85)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(metric.replace("_", " "), fontsize=9)
        ax.grid(alpha=0.3, axis="x")
        ax.tick_params(axis="x", labelsize=7)
    axes[0].set_yticks(y, names, fontsize=8)
    fig.suptitle("kursk_2024: intervention minus none, paired by seed (mean, 95% CI)",
                 fontsize=10)
    fig.tight_layout()
    return fig


def write_figures(lan: dict, base: Arm, single: Arm, arms: dict[str, Arm],
                  fig_dir: Path) -> dict[str, str]:
    """Draw every figure and write it to ``fig_dir/validation_<key>.png``.

    Returns:
        Per key (``lanchester``, ``single``, ``fratricide``, ``interventions``), the path
        relative to ``fig_dir``'s parent, as the document links it.
    """
    drawn = {"lanchester": lanchester_figure(lan),
             "single": single_vs_kursk_figure(base, single),
             "fratricide": fratricide_figure(model_shares(base, single)),
             "interventions": interventions_figure(arms)}
    figures = {}
    for key, fig in drawn.items():
        path = fig_dir / f"validation_{key}.png"
        save_figure(path, fig)
        figures[key] = f"{fig_dir.name}/{path.name}"
    return figures
