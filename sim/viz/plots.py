"""The plots beside the map, drawn from a :class:`~sim.viz.session.Battle`.

- Casualties over time (killed + wounded so far), by nation: all fire, and friendly fire
  on its own axis (it would be a flat line under the enemy's scale).
- Friendly-fire casualties by cause over time, each incident's killed and wounded
  counted at its start (an incident's casualties accumulate while it lasts; the
  model keeps their total on the incident, not their times).
- Incidents by cause so far.
- Messages waiting at each translation pool (its backlog, hours, times its rate).
Every panel's x axis is days of model time; each y axis says its unit.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.model.records import Cause
from sim.viz.drawing import CAUSE, nation_colours
from sim.viz.session import Battle


def _colours(battle: Battle) -> dict[str, str]:
    m = battle.model
    names = list(m.forces.nation_names)
    return nation_colours(names, [m.world.nations[n].side for n in names])


def _days_axis(ax, days: np.ndarray) -> None:
    ax.set_xlim(0.0, max(1.0, float(days[-1]) if days.size else 1.0))
    ax.set_ylim(bottom=0.0)


def casualties_figure(battle: Battle, width_px: int = 480, height_px: int = 420) -> Figure:
    """Casualties so far by nation (all fire; friendly fire below), against days."""
    s, colours = battle.snapshot(), _colours(battle)
    days = np.asarray(s["time_h"]) / 24.0
    fig = Figure(figsize=(width_px / 100, height_px / 100), dpi=100)
    top, low = fig.subplots(2, 1, sharex=True)
    fig.subplots_adjust(left=0.2, right=0.97, top=0.93, bottom=0.12, hspace=0.15)
    total, ff = s["casualties"], s["friendly_fire"]
    for k, name in enumerate(battle.model.forces.nation_names):
        top.plot(days, total[:, k], color=colours[name], label=name)
        if battle.model.world.nations[name].side == "coalition":
            low.plot(days, ff[:, k], color=colours[name], label=name)
    top.set_ylabel("casualties so far\n(killed + wounded)")
    top.set_title("casualties by nation", fontsize=10, loc="left")
    top.legend(fontsize=8, frameon=False)
    low.set_ylabel("friendly-fire\ncasualties so far")
    low.set_xlabel("day")
    low.legend(fontsize=8, frameon=False)
    for ax in (top, low):
        _days_axis(ax, days)
        ax.set_ylim(top=max(ax.get_ylim()[1], 1.0))
    return fig


def _by_cause(battle: Battle, times: np.ndarray
              ) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Per cause: cumulative FF casualties at each of ``times``, and incident counts."""
    incidents = battle.model.ledger.incidents[:]
    start = np.array([i.time_h for i in incidents])
    hurt = np.array([i.killed + i.wounded for i in incidents])
    cause = np.array([str(i.cause) for i in incidents])
    curves, counts = {}, {}
    for c in Cause:
        sel = cause == str(c) if len(incidents) else np.zeros(0, bool)
        order = np.argsort(start[sel], kind="stable")
        cum = np.concatenate([[0], np.cumsum(hurt[sel][order])])
        curves[str(c)] = cum[np.searchsorted(start[sel][order], times, side="right")]
        counts[str(c)] = int(sel.sum())
    return curves, counts


def causes_figure(battle: Battle, width_px: int = 480, height_px: int = 420) -> Figure:
    """Friendly-fire casualties by cause over time, and incidents by cause."""
    times = battle.snapshot()["time_h"]
    curves, counts = _by_cause(battle, times)
    days = times / 24.0
    fig = Figure(figsize=(width_px / 100, height_px / 100), dpi=100)
    top, low = fig.subplots(2, 1)
    fig.subplots_adjust(left=0.2, right=0.97, top=0.97, bottom=0.14, hspace=0.6)
    labels = [c.replace("_", "\n") for c in curves]
    for c, y in curves.items():
        top.plot(days, y, color=CAUSE[Cause(c)], label=c.replace("_", " "))
    top.set_ylabel("friendly-fire casualties\nso far, by cause")
    top.set_xlabel("day (casualties counted at the incident's start)")
    top.legend(fontsize=7, frameon=False)
    _days_axis(top, days)
    top.set_ylim(top=max(top.get_ylim()[1], 1.0))
    low.bar(range(len(counts)), list(counts.values()),
            color=[CAUSE[Cause(c)] for c in counts])
    low.set_xticks(range(len(counts)), labels, fontsize=7)
    low.set_ylabel("incidents so far")
    low.set_ylim(0.0, max(1.0, max(counts.values()) * 1.1))
    low.set_title("friendly-fire incidents by cause", fontsize=10, loc="left")
    return fig


def queue_figure(battle: Battle, width_px: int = 480, height_px: int = 240) -> Figure:
    """Messages waiting at each translation pool, against days."""
    pools, s = battle.model.network.pools, battle.snapshot()
    days = s["time_h"] / 24.0
    fig = Figure(figsize=(width_px / 100, height_px / 100), dpi=100)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.2, right=0.97, top=0.88, bottom=0.2)
    if pools:
        q = s["queue"]
        for p, pool in enumerate(pools):
            ax.plot(days, q[:, p], label=f"{pool.link} ({pool.capacity_per_h:g} msg/h)")
        ax.legend(fontsize=8, frameon=False)
    else:
        ax.text(0.5, 0.5, "no translation pools in this scenario", ha="center",
                transform=ax.transAxes)
    _days_axis(ax, days)
    ax.set_ylim(top=max(ax.get_ylim()[1], 1.0))
    ax.set_ylabel("messages waiting")
    ax.set_xlabel("day")
    ax.set_title("queue at each interpreter pool", fontsize=10, loc="left")
    return fig


def png(fig: Figure) -> bytes:
    """A plot as PNG bytes (fastest compression: it is redrawn while the battle plays)."""
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
    return buf.getvalue()
