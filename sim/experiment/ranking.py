"""Remedies ranked over a sweep of interventions: the probability that each is the best at
cutting friendly-fire casualties, and what it costs in enemy casualties not inflicted.

A sweep is ranked (``remedies.json``, ``remedies.md``, ``remedies.png`` beside
``sweep.parquet``) when its ok points differ in ``intervention`` alone, one of them is the
baseline ``none``, at least one is a remedy (the counterfactuals ``perfect_comms`` and its
parts are not remedies and are left out), and every point ran the same replication seeds.
Then replication k of every arm ran on the same seed and, with ``posterior``, with the
same particle (:mod:`sim.experiment.posterior`): the arms are paired, world by world.

Rules:
- **Best.** In replication k, the best remedy is the one with the fewest friendly-fire
  casualties; remedies tied at the fewest share the win equally. ``p_best`` is a
  remedy's share of wins over the n replications, with its 95% Jeffreys interval
  (Beta(w + 1/2, n - w + 1/2) quantiles; 0 below when w = 0, 1 above when w = n). With a
  posterior, each replication drew its parameters, so ``p_best`` is the posterior-
  predictive probability that the remedy does best in one campaign (parameters' uncertainty
  and chance together); without one, the probability over chance alone at the scenario's
  values.
- **Effect.** ``friendly_fire_change``: remedy minus baseline friendly-fire casualties,
  paired by replication (mean and its 95% t-interval; with a posterior also p05, p50, p95
  of single replications).
- **Cost.** ``enemy_not_inflicted``: baseline minus remedy enemy casualties, paired the same
  way; above 0, the remedy leaves enemies unhurt that the baseline would have hit.
- Remedies are listed by ``p_best`` (highest first), then by their mean effect.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiment import posterior
from sim.experiment.atomic import pyplot, save_figure, write_atomic, write_json
from sim.experiment.metrics import effect_colour
from sim.experiment.stats import difference_interval, no_interval_reason
from sim.interventions import COUNTERFACTUALS

BASELINE = "none"
METRIC = "friendly_fire_casualties"
COST = "enemy_casualties"
JSON_FILE = "remedies.json"
TABLE_FILE = "remedies.md"
FIGURE_FILE = "remedies.png"
FILES = (JSON_FILE, TABLE_FILE, FIGURE_FILE)


@dataclass(frozen=True)
class Arms:
    """The paired replications of a sweep's baseline and remedies (module rules)."""

    baseline: pd.DataFrame
    remedies: dict[str, pd.DataFrame]
    left_out: tuple[str, ...]      #: counterfactuals in the sweep, not ranked
    posterior: bool


def arms(sweep_dir: Path, table: pd.DataFrame) -> Arms | None:
    """The sweep's arms when it can be ranked (module rules), else None."""
    from sim.experiment.sweep import varied_keys

    ok = table[table["status"] == "ok"]
    if "intervention" not in ok or varied_keys(ok) != ["intervention"]:
        return None
    reps = {str(name): pd.read_parquet(Path(sweep_dir) / point / "replications.parquet")
            for name, point in zip(ok["intervention"], ok["point"], strict=True)}
    if BASELINE not in reps:
        return None
    base = reps.pop(BASELINE)
    remedies = {n: r for n, r in sorted(reps.items()) if n not in COUNTERFACTUALS}
    paired = all(r["seed"].tolist() == base["seed"].tolist() for r in remedies.values())
    if not remedies or not paired:
        return None
    return Arms(base, remedies, tuple(sorted(set(reps) - set(remedies))),
                "posterior.particle" in base)


def wins(ff: np.ndarray) -> np.ndarray:
    """Wins per remedy: ``ff`` is (remedies, replications); per replication, the remedies at
    the fewest casualties share one win."""
    best = ff == ff.min(axis=0, keepdims=True)
    return (best / best.sum(axis=0, keepdims=True)).sum(axis=1)


def jeffreys(w: float, n: int) -> tuple[float, float]:
    """The 95% Jeffreys interval of a share, ``w`` wins in ``n`` trials."""
    from scipy import stats

    lo = 0.0 if w <= 0 else float(stats.beta.ppf(0.025, w + 0.5, n - w + 0.5))
    hi = 1.0 if w >= n else float(stats.beta.ppf(0.975, w + 0.5, n - w + 0.5))
    return lo, hi


def _paired(d: np.ndarray, predictive: bool) -> dict[str, float | str]:
    out = difference_interval(d, method=True)
    return {**out, **posterior.quantiles(d)} if predictive else out


def rank(a: Arms) -> dict:
    """The ranking of ``a``'s remedies (module rules), as written to remedies.json."""
    names = list(a.remedies)
    n = len(a.baseline)
    ff = np.vstack([a.remedies[r][METRIC].to_numpy(float) for r in names])
    won = wins(ff)
    rows = []
    for i, name in enumerate(names):
        lo, hi = jeffreys(float(won[i]), n)
        rows.append({
            "remedy": name, "p_best": float(won[i]) / n, "p_best_low": lo, "p_best_high": hi,
            "friendly_fire_change": _paired(ff[i] - a.baseline[METRIC].to_numpy(float),
                                            a.posterior),
            "enemy_not_inflicted": _paired(a.baseline[COST].to_numpy(float)
                                           - a.remedies[name][COST].to_numpy(float),
                                           a.posterior)})
    rows.sort(key=lambda r: (-r["p_best"], r["friendly_fire_change"]["mean_diff"]))
    return {"baseline": BASELINE, "metric": METRIC, "cost": COST, "replications": n,
            "parameters": "posterior" if a.posterior else "scenario",
            "baseline_mean": {METRIC: float(a.baseline[METRIC].mean()),
                              COST: float(a.baseline[COST].mean())},
            "left_out": list(a.left_out), "remedies": rows}


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _interval(d: dict, n: int) -> str:
    if d.get("ci95_method") == "none" or d["ci95_low"] == d["ci95_high"]:
        text = f"{_num(d['mean_diff'])}, {no_interval_reason(n)}"
    else:
        text = f"{_num(d['mean_diff'])} [{_num(d['ci95_low'])}, {_num(d['ci95_high'])}]"
    return text + (f"; one campaign {_num(d['p05'])} to {_num(d['p95'])}" if "p05" in d else "")


def table(r: dict) -> str:
    """remedies.md: the ranking as a table and a reading."""
    where = ("each replication drew its parameters from the posterior, so P(best) is the "
             "posterior-predictive probability (parameters and chance)"
             if r["parameters"] == "posterior" else
             "at the scenario's values, so P(best) reflects chance alone")
    lines = [
        "# Remedies ranked", "",
        f"Paired with `{r['baseline']}` on the same {r['replications']} replication seeds; "
        f"{where}. Baseline: {_num(r['baseline_mean'][METRIC])} friendly-fire casualties and "
        f"{_num(r['baseline_mean'][COST])} enemy casualties per campaign. Change: mean "
        "[95% interval of the mean]" + ("; one campaign: central 90% of single replications"
                                        if r["parameters"] == "posterior" else "") + ".", "",
        "| remedy | P(best) [95%] | friendly-fire casualties, change | enemy casualties "
        "not inflicted |", "| --- | --- | --- | --- |"]
    n = r["replications"]
    for row in r["remedies"]:
        lines.append(f"| {row['remedy']} | {row['p_best']:.2f} [{row['p_best_low']:.2f}, "
                     f"{row['p_best_high']:.2f}] | {_interval(row['friendly_fire_change'], n)} | "
                     f"{_interval(row['enemy_not_inflicted'], n)} |")
    best = r["remedies"][0]
    lines += ["", f"`{best['remedy']}` is the best at cutting friendly-fire casualties in "
              f"{best['p_best']:.0%} of the replications, at a mean cost of "
              f"{_num(best['enemy_not_inflicted']['mean_diff'])} enemy casualties not "
              "inflicted."]
    if r["left_out"]:
        lines.append(f"Counterfactuals left out (not remedies): {', '.join(r['left_out'])}.")
    return "\n".join(lines) + "\n"


def figure(r: dict):
    """P(best), the effect and the cost of each remedy, with their intervals."""
    plt = pyplot()
    rows = r["remedies"][::-1]
    y = np.arange(len(rows))
    fig, axes = plt.subplots(1, 3, figsize=(11, 0.45 * len(rows) + 1.6), sharey=True)
    p = np.array([row["p_best"] for row in rows])
    axes[0].barh(y, p, color="tab:blue", alpha=0.7)
    axes[0].errorbar(p, y, xerr=np.vstack([p - [row["p_best_low"] for row in rows],
                                           [row["p_best_high"] for row in rows] - p]),
                     fmt="none", color="k", capsize=3)
    axes[0].set_xlim(0, 1)
    axes[0].set_title("P(best at cutting friendly fire)", fontsize=9)
    axes[0].set_xlabel("probability (95% interval)", fontsize=8)
    for ax, key, title in ((axes[1], "friendly_fire_change", "friendly-fire casualties, change"),
                           (axes[2], "enemy_not_inflicted", "enemy casualties not inflicted")):
        d = [row[key] for row in rows]
        m = np.array([x["mean_diff"] for x in d])
        if "p05" in d[0]:
            ax.hlines(y, [x["p05"] for x in d], [x["p95"] for x in d], color="0.7", lw=5,
                      label="one campaign (90%)")
        # green: good for the coalition (friendly fire down; enemy casualties "not
        # inflicted" down), red: bad, grey: the interval spans 0
        colours = [effect_colour(key, x, more_is_better=False) for x in d]
        err = np.vstack([m - [x["ci95_low"] for x in d],
                         [x["ci95_high"] for x in d] - m]).clip(min=0)
        for k in range(len(d)):
            ax.errorbar(m[k], y[k], xerr=err[:, k:k + 1], fmt="o", color=colours[k],
                        capsize=3, label="mean (95%)" if k == 0 else None)
        ax.axvline(0, color="0.4", lw=0.8)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("killed + wounded per campaign, remedy minus baseline", fontsize=8)
        ax.legend(fontsize=7, loc="best")
    axes[0].set_yticks(y, [row["remedy"] for row in rows])
    for ax in axes:
        ax.grid(alpha=0.3, axis="x")
    fig.suptitle(f"remedies against `{r['baseline']}`, {r['replications']} paired replications"
                 f" ({r['parameters']} parameters); green: better for the coalition, red: "
                 "worse, grey: the interval spans 0", fontsize=9)
    fig.tight_layout()
    return fig


def write(sweep_dir: Path, sweep: pd.DataFrame) -> dict | None:
    """Rank the sweep's remedies and write the files, or remove stale ones; the ranking."""
    sweep_dir = Path(sweep_dir)
    a = arms(sweep_dir, sweep)
    if a is None:
        for name in FILES:
            (sweep_dir / name).unlink(missing_ok=True)
        return None
    r = rank(a)
    write_json(sweep_dir / JSON_FILE, r)
    write_atomic(sweep_dir / TABLE_FILE, lambda p: p.write_text(table(r)))
    save_figure(sweep_dir / FIGURE_FILE, figure(r))
    return r


def read(sweep_dir: Path) -> dict:
    """A sweep's remedies.json."""
    return json.loads((Path(sweep_dir) / JSON_FILE).read_text())
