"""What the terminal shows after a run: the answer, with units, from the run's summary.

- The first line is the run in one line: scenario, intervention, replications, friendly-fire
  incidents, fratricide share and coalition casualties (mean [95% CI]), the directory. A
  sweep point prints only this line, prefixed by the point (the overrides that vary across
  the sweep, and a design point's values), and with ``compare_to`` followed by the paired
  effect on friendly-fire casualties.
- A single run then prints what one replication is (a campaign of the scenario's horizon),
  every metric with its unit, the incidents by cause, and with ``compare_to`` the paired
  effect on every metric (this run minus the counterfactual, on the same seeds).
- An interval is ``[low, high]``; where there is none (one replication, or all alike) the
  line says so (:func:`sim.experiment.stats.no_interval_reason`).
"""

from __future__ import annotations

from pathlib import Path

from sim.experiment.metrics import LABELS, METRICS, SHARES
from sim.experiment.stats import no_interval_reason


def _num(x: float, signed: bool = False) -> str:
    """A number as the terminal shows it: no more digits than the data carry."""
    sign = "+" if signed else ""
    if abs(x) >= 100:
        return f"{x:{sign},.0f}"
    if abs(x) >= 10 or x == 0:
        return f"{x:{sign}.1f}"
    return f"{x:{sign}#.2g}" if abs(x) < 1 else f"{x:{sign}.2f}"


def _value(metric: str, x: float, signed: bool = False) -> str:
    """A metric's value: a share in % (a difference of shares in percentage points, the
    unit saying so), a count as it is."""
    if metric in SHARES:
        return _num(100.0 * x, signed) + ("" if signed else "%")
    return _num(x, signed)


def _none(d: dict) -> bool:
    return d.get("ci95_method") == "none" or d["ci95_low"] == d["ci95_high"]


def estimate(metric: str, d: dict, n: int, *, key: str = "mean", signed: bool = False,
             unit: str = "", brief: bool = False) -> str:
    """``mean [low, high] unit`` of a summary entry, or ``mean unit, no interval (...)``;
    ``brief``: ``mean (no interval: ...)``, and the mean alone for one replication (the
    line then says it once)."""
    mean = _value(metric, d[key], signed)
    unit = f" {unit}" if unit else ""
    if _none(d):
        if brief:
            return mean if n < 2 else f"{mean} (no interval: all {n} replications equal)"
        return f"{mean}{unit}" if n < 2 else f"{mean}{unit}, {no_interval_reason(n)}"
    low, high = (_value(metric, d[end], signed) for end in ("ci95_low", "ci95_high"))
    return f"{mean} [{low}, {high}]{unit}"


def campaign(horizon_h: float) -> str:
    """What one replication is: ``120-day campaign`` (or ``36-h`` when not whole days)."""
    days = horizon_h / 24.0
    return f"{days:g}-day campaign" if days == int(days) else f"{horizon_h:g}-h campaign"


#: The metrics of the one-line result.
ONE_LINE = ("friendly_fire_incidents", "fratricide_share", "total_casualties")


def one_line(summary: dict, out_dir: Path, point: str | None = None) -> str:
    """The run in one line (module rules)."""
    m, n = summary["metrics"], summary["replications"]
    line = f"{summary['scenario']}/{summary['intervention']} x{n}: " + ", ".join(
        f"{LABELS[k][0]} {estimate(k, m[k], n, brief=True)}" for k in ONE_LINE)
    if point is not None:
        line = f"point {point}: {line}"
        comp = summary.get("comparison")
        if comp is not None:
            d = comp["metrics"]["friendly_fire_casualties"]
            line += (f"; minus {comp['counterfactual']}: friendly-fire casualties "
                     + estimate("friendly_fire_casualties", d, n, key="mean_diff", signed=True,
                                brief=True))
    if n < 2:
        line += f", {no_interval_reason(n)}"
    return f"{line} -> {out_dir}"


def report(summary: dict, out_dir: Path, horizon_h: float) -> str:
    """The lines printed after a single run (module rules), without a final newline."""
    from sim.model.records import CAUSES  # the model is loaded by now; not at start-up

    m, n = summary["metrics"], summary["replications"]
    width = max(len(LABELS[k][0]) for k in METRICS)
    what = (f"mean [95% CI] over {n} replications" if n > 1
            else f"one replication, {no_interval_reason(n)}")
    lines = [one_line(summary, out_dir),
             f"  per {campaign(horizon_h)}, {what}; casualties = killed + wounded"]
    if summary.get("uncertainty", {}).get("parameters") == "posterior":
        lines.append("  (each replication drew its parameters from the posterior: the interval "
                     "is of the posterior-predictive mean)")
    for k in METRICS:
        label, unit = LABELS[k]
        lines.append(f"  {label:<{width}}  {estimate(k, m[k], n, unit=unit)}")
    total = sum(summary["by_cause"].values())
    lines.append("  incidents by cause, mean per campaign (% of incidents; all but "
                 "misidentification are communication failures):")
    cw = max(len(str(c)) for c in CAUSES)
    for c in CAUSES:
        v = summary["by_cause"][str(c)]
        share = f"{100.0 * v / total:.0f}%" if total > 0 else "-"
        lines.append(f"    {str(c):<{cw}}  {_num(v):>7} incidents  ({share})")
    comp = summary.get("comparison")
    if comp is not None:
        what = ("on the same seed, no interval (1 replication)" if n < 2
                else f"on the same {n} seeds, mean [95% CI]")
        lines.append(f"  paired effect, {summary['intervention']} minus "
                     f"{comp['counterfactual']} {what}:")
        for k in METRICS:
            label, unit = LABELS[k]
            d = comp["metrics"][k]
            unit = f"percentage points {unit}" if k in SHARES else unit
            text = estimate(k, d, n, key="mean_diff", signed=True, unit=unit)
            lines.append(f"    {label:<{width}}  {text}")
    return "\n".join(lines)
