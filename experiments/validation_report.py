"""Validation report (issue 4): regenerate docs/validation.md and docs/figures/validation_*.png.

What it checks, every number computed by this run (DESIGN.md gives the figures
and their sources):

1. ``lanchester_duel`` keeps Lanchester's square law: for several force ratios
   the mean trajectory's invariant b B^2 - a R^2 stays at its initial value,
   and BLUE's mean survivors match sqrt(B0^2 - (a/b) R0^2) within sampling
   error (|z| at most the Student-t quantile of the two-sided 3-sigma level,
   0.27%, which is about 3 for many replications). The horizon is long enough
   for RED to be destroyed in every replication (doubled until it is).
2. ``single_nation`` (one nation, one language) has no language-caused
   incidents (``report_garbled``, ``challenge_failed``), some
   misidentification, and a lower fratricide share than ``kursk_2024``
   (unpaired: Welch's 95% interval of the difference).
3. ``kursk_2024``'s fratricide share beside the historical figures, the
   mechanics behind it, and the baseline beside the reported Kursk figures.
4. Every intervention's paired effect against the baseline ``none`` on the
   same replication seeds (common random numbers).

Pairing: the first intervention runs with ``compare_to=none`` (so the
baseline arm is the library's own counterfactual); the others run alone and
are paired with that baseline by ``sim.experiment.summary.build_summary``,
the same code ``compare_to=none`` uses, so the baseline is simulated once.
tests/test_validation.py checks that this equals a ``compare_to=none`` run.

Usage: python experiments/validation_report.py [--replications N] [--quick]
(``make validation``). ``--quick`` uses tiny forces and horizons and a few
replications: a smoke test, not a validation.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from sim import api  # noqa: E402
from sim.experiment.atomic import save_figure, write_atomic  # noqa: E402
from sim.experiment.stats import describe  # noqa: E402
from sim.experiment.summary import build_summary  # noqa: E402
from sim.experiment.tables import incidents_table  # noqa: E402
from sim.model.records import CAUSES  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO / "docs" / "validation.md"
INTERVENTION_DIR = REPO / "configs" / "intervention"
SCRIPT = "experiments/validation_report.py"
#: The files that decide the numbers (the command line, sweeps and launchers do not).
RESULT_SOURCES = ("sim/model/*.py", "sim/schema.py", "sim/interventions.py",
                  "sim/experiment/replication.py", "sim/experiment/runner.py",
                  "sim/experiment/stats.py", "sim/experiment/summary.py",
                  "sim/experiment/tables.py", "configs/config.yaml", "configs/front/*.yaml",
                  "configs/scenario/*.yaml", "configs/intervention/*.yaml")

#: Metrics whose paired change each intervention is judged on.
EFFECT_METRICS = ("friendly_fire_incidents", "friendly_fire_casualties", "total_casualties",
                  "enemy_casualties")
ALL_CAUSES = tuple(str(c) for c in CAUSES)
LANGUAGE_CAUSES = tuple(str(c) for c in CAUSES if c.is_language)
#: Two-sided level of the Lanchester tolerance: the 3-sigma level of a normal law.
THREE_SIGMA = 0.0027

#: Tiny forces and horizons for --quick (a smoke test of the report, not a validation).
QUICK_KURSK = ("scenario.units.kp.count=4", "scenario.units.ru.count=4",
               "scenario.units.akhmat.count=1", "scenario.units.ua.count=6",
               "scenario.horizon_h=72", "scenario.units.kp.front_from_h=12")
QUICK_SINGLE = ("scenario.units.ru.count=9", "scenario.units.ua.count=6",
                "scenario.horizon_h=72")

#: Historical fratricide figures, quoted from DESIGN.md with their sources:
#: (label, low, high, the figure as quoted, what it is a share of, source).
#: A single figure has low == high.
HISTORICAL = (
    ("Shrader, US wars", 0.0, 0.02, "perhaps less than 2%", "casualties",
     'C. R. Shrader, "Amicicide" (1982)'),
    ("OTA, typical", 0.10, 0.20, "10-20% more typical", "casualties",
     'US Congress OTA, "Who Goes There" (1993)'),
    ("WWII", 0.16, 0.16, "~16%", "casualties", "OTA (1993)"),
    ("Vietnam", 0.11, 0.14, "11-14%", "casualties", "OTA (1993)"),
    ("Panama 1989", 0.13, 0.13, "13%", "casualties", "OTA (1993)"),
    ("Desert Storm, killed", 35 / 148, 35 / 148, "35 of 148 US killed (24%), 28 incidents",
     "killed", "OTA (1993)"),
    ("Desert Storm, wounded", 72 / 467, 72 / 467, "72 of 467 US wounded (15%)", "wounded",
     "OTA (1993)"),
    ("UK NAO", 0.10, 0.15, "10-15%", "casualties", "UK National Audit Office (2002)"),
    ("NTC exercises", 0.01, 0.03, "ground-to-ground 1-3%", "blue kills",
     "RAND, National Training Center data"),
)


@dataclass(frozen=True)
class Settings:
    """What the report runs: replications, seeds, and the overrides of --quick."""

    replications: int = 16
    lanchester_replications: int = 32
    seed: int = 2024
    workers: int = 2
    red_strengths: tuple[int, ...] = (500, 700, 850)
    kursk_overrides: tuple[str, ...] = ()
    single_overrides: tuple[str, ...] = ()
    quick: bool = False
    command: str = f"python {SCRIPT}"


@dataclass
class Arm:
    """One configuration's replications: table, incidents, and summary."""

    name: str
    reps: pd.DataFrame
    incidents: pd.DataFrame
    summary: dict
    comparison: dict | None = None
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- statistics


def crit_3sigma(n: int) -> float:
    """Student-t quantile for a two-sided 0.27% test with n replications (3.0 as n grows)."""
    return float(stats.t.ppf(1 - THREE_SIGMA / 2, max(n - 1, 1)))


def welch(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Mean of a minus mean of b, unpaired, with Welch's 95% interval."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    diff = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return {"mean_diff": diff, "ci95_low": diff, "ci95_high": diff}
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    half = float(stats.t.ppf(0.975, df)) * se
    return {"mean_diff": diff, "ci95_low": diff - half, "ci95_high": diff + half}


def pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


def ci_pct(d: dict, digits: int = 1) -> str:
    return f"{pct(d['mean'], digits)} [{pct(d['ci95_low'], digits)}, {pct(d['ci95_high'], digits)}]"


def num(x: float) -> str:
    """A count or casualty figure: no decimals from 100 up, else up to two."""
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def ci_num(d: dict) -> str:
    return f"{num(d['mean'])} [{num(d['ci95_low'])}, {num(d['ci95_high'])}]"


def diff_num(d: dict) -> str:
    return f"{num(d['mean_diff'])} [{num(d['ci95_low'])}, {num(d['ci95_high'])}]"


def mark(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


# --------------------------------------------------------------------------- 1. Lanchester


def lanchester(settings: Settings) -> dict:
    """Run the duel at every force ratio; survivors against theory and the invariant."""
    sc = api.config("scenario=lanchester_duel").scenario
    blue_key = next(k for k, g in sc.units.items() if g.nation == "BLUE")
    red_key = next(k for k, g in sc.units.items() if g.nation == "RED")
    blue, red = sc.units[blue_key], sc.units[red_key]
    b, a = blue.lethality, red.lethality          # b: on RED per BLUE soldier; a: on BLUE
    b0 = blue.strength * blue.count
    n = settings.lanchester_replications
    crit = crit_3sigma(n)
    rows, curves = [], {}
    for r0 in settings.red_strengths:
        r_total = r0 * red.count
        if b * b0 ** 2 <= a * r_total ** 2:
            raise ValueError(f"RED strength {r0}: BLUE must win for this check")
        t_star = math.atanh(math.sqrt(a / b) * r_total / b0) / math.sqrt(a * b)
        horizon = math.ceil(1.5 * t_star / sc.record_every_h) * sc.record_every_h
        for _ in range(4):
            res = api.run("scenario=lanchester_duel", f"scenario.units.{red_key}.strength={r0}",
                          f"scenario.horizon_h={horizon}", f"replications={n}",
                          f"seed={settings.seed}", f"workers={settings.workers}")
            wide = res.timeseries.pivot_table(index=["replication", "time_h"], columns="nation",
                                              values="strength").reset_index()
            final = wide[wide["time_h"] == wide["time_h"].max()].sort_values("replication")
            if (final["RED"] == 0).all():
                break
            horizon *= 2
        destroyed = int((final["RED"] == 0).sum())
        survivors = final["BLUE"].to_numpy(float)
        theory = math.sqrt(b0 ** 2 - (a / b) * r_total ** 2)
        d = describe(survivors)
        se = d["std"] / math.sqrt(n)
        z = (d["mean"] - theory) / se if se > 0 else (0.0 if d["mean"] == theory else math.inf)
        t_dead = wide[wide["RED"] == 0].groupby("replication")["time_h"].min()
        # invariant: of the mean trajectory (plotted), and per replication (its sampling error)
        wide["inv"] = b * wide["BLUE"].astype(float) ** 2 - a * wide["RED"].astype(float) ** 2
        inv0 = b * b0 ** 2 - a * r_total ** 2
        g = wide.groupby("time_h")
        mean_b, mean_r = g["BLUE"].mean(), g["RED"].mean()
        inv_mean_traj = (b * mean_b ** 2 - a * mean_r ** 2) / inv0
        inv_se = g["inv"].std(ddof=1) / math.sqrt(n) / inv0
        inv_ci = g["inv"].apply(lambda v: pd.Series(describe(v.to_numpy()))).unstack() / inv0
        later = inv_se.index > 0
        dev = (inv_mean_traj - 1.0)[later]
        tol = crit * inv_se[later]
        worst = float(dev.abs().idxmax())
        inv_ok = bool((dev.abs() <= tol).all())
        rows.append({
            "B0": b0, "R0": r_total, "a": a, "b": b, "horizon_h": horizon, "replications": n,
            "theory": theory, "mean": d["mean"], "std": d["std"], "ci95_low": d["ci95_low"],
            "ci95_high": d["ci95_high"], "z": z, "tolerance": crit, "destroyed": destroyed,
            "pass": bool(abs(z) <= crit and destroyed == n),
            "t_theory": t_star, "t_mean": float(t_dead.mean()), "t_max": float(t_dead.max()),
            "inv_max_dev": float(dev.loc[worst]), "inv_max_dev_time": worst,
            "inv_tol_at_worst": float(tol.loc[worst]), "inv_pass": inv_ok,
        })
        t = mean_b.index.to_numpy(float)
        k = math.sqrt(a * b)
        ode_b = np.where(t < t_star, b0 * np.cosh(k * t)
                         - math.sqrt(a / b) * r_total * np.sinh(k * t), theory)
        ode_r = np.where(t < t_star, r_total * np.cosh(k * t)
                         - math.sqrt(b / a) * b0 * np.sinh(k * t), 0.0)
        curves[r0] = pd.DataFrame({"time_h": t, "blue": mean_b.to_numpy(),
                                   "red": mean_r.to_numpy(), "ode_blue": ode_b,
                                   "ode_red": ode_r, "inv_rel": inv_mean_traj.to_numpy(),
                                   "inv_low": inv_ci["ci95_low"].to_numpy(),
                                   "inv_high": inv_ci["ci95_high"].to_numpy()})
        log(f"lanchester R0={r0}: survivors {d['mean']:.1f} vs {theory:.1f}, z={z:+.2f}")
    return {"rows": rows, "curves": curves, "dt_h": sc.dt_h, "a": a, "b": b, "B0": b0}


def lanchester_figure(lan: dict):
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


# --------------------------------------------------------------------------- Kursk arms


def run_arm(name: str, overrides: list[str], baseline: Arm | None = None) -> Arm:
    res = api.run(*overrides)
    comparison = res.summary.get("comparison")
    if baseline is not None:
        s = build_summary(res.replications, scenario=res.summary["scenario"],
                          intervention=res.summary["intervention"], seed=res.summary["seed"],
                          counterfactual=baseline.reps, counterfactual_name=baseline.name)
        comparison = s["comparison"]
    arm = Arm(name, res.replications, res.incidents, res.summary, comparison)
    if res.counterfactual is not None:
        cf = res.experiment.counterfactual
        cf_summary = build_summary(res.counterfactual, scenario=res.summary["scenario"],
                                   intervention=res.config.compare_to, seed=res.summary["seed"])
        arm.extra["counterfactual"] = Arm(res.config.compare_to, res.counterfactual,
                                          incidents_table(cf), cf_summary)
    return arm


def interventions() -> list[str]:
    """Every intervention config but the baseline; perfect_comms first."""
    names = sorted(p.stem for p in INTERVENTION_DIR.glob("*.yaml") if p.stem != "none")
    return sorted(names, key=lambda n: (n != "perfect_comms", n))


def kursk_arms(settings: Settings) -> tuple[Arm, dict[str, Arm]]:
    """The kursk_2024 baseline and every intervention, paired on the same seeds."""
    common = ["scenario=kursk_2024", f"seed={settings.seed}",
              f"replications={settings.replications}", f"workers={settings.workers}",
              *settings.kursk_overrides]
    names = interventions()
    first = run_arm(names[0], [*common, f"intervention={names[0]}", "compare_to=none"])
    baseline = first.extra.pop("counterfactual")
    arms = {names[0]: first}
    log(f"kursk_2024: none and {names[0]} done")
    for name in names[1:]:
        arms[name] = run_arm(name, [*common, f"intervention={name}"], baseline)
        log(f"kursk_2024: {name} done")
    return baseline, arms


def single_nation(settings: Settings) -> Arm:
    arm = run_arm("single_nation", ["scenario=single_nation", f"seed={settings.seed}",
                                    f"replications={settings.replications}",
                                    f"workers={settings.workers}", *settings.single_overrides])
    log("single_nation done")
    return arm


def coalition_nations(arm: Arm) -> list[str]:
    return [n for n, v in arm.summary["by_nation"].items() if v["side"] == "coalition"]


def per_replication(arm: Arm) -> pd.DataFrame:
    """Derived per-replication quantities: shares of killed and wounded, KP figures."""
    reps = arm.reps.sort_values("replication").set_index("replication")
    inc = arm.incidents
    out = pd.DataFrame(index=reps.index)
    coal = coalition_nations(arm)
    killed = sum(reps[f"nation.{n}.killed"] for n in coal)
    wounded = sum(reps[f"nation.{n}.wounded"] for n in coal)
    by_rep = inc.groupby("replication")[["killed", "wounded"]].sum().reindex(reps.index,
                                                                            fill_value=0)
    out["ff_killed_share"] = np.where(killed > 0, by_rep["killed"] / killed.clip(lower=1), 0.0)
    out["ff_wounded_share"] = np.where(wounded > 0, by_rep["wounded"] / wounded.clip(lower=1),
                                       0.0)
    ff, enemy = reps["friendly_fire_casualties"], reps["enemy_casualties"]
    out["ff_of_inflicted"] = np.where(ff + enemy > 0, ff / (ff + enemy).clip(lower=1), 0.0)
    out["language_incidents"] = sum(reps[f"cause.{c}"] for c in LANGUAGE_CAUSES)
    if "KP" in coal and "RU" in coal:
        kp_cas = reps["nation.KP.killed"] + reps["nation.KP.wounded"]
        out["kp_loss_share"] = kp_cas / reps["nation.KP.initial"]
        out["kp_killed"] = reps["nation.KP.killed"]
        out["kp_casualties"] = kp_cas
        out["kp_wounded_per_killed"] = np.where(
            reps["nation.KP.killed"] > 0,
            reps["nation.KP.wounded"] / reps["nation.KP.killed"].clip(lower=1), np.nan)
        pair = inc["shooter_nation"].isin(["KP", "RU"]) & inc["target_nation"].isin(["KP", "RU"])
        pair &= inc["shooter_nation"] != inc["target_nation"]
        out["kp_ru_incidents"] = inc[pair].groupby("replication").size().reindex(
            reps.index, fill_value=0)
        on_akhmat = (inc["shooter_nation"] == "KP") & inc["target_unit"].str.startswith("akhmat")
        out["kp_on_akhmat"] = inc[on_akhmat].groupby("replication").size().reindex(
            reps.index, fill_value=0)
        out["kp_on_akhmat_killed"] = inc[on_akhmat].groupby("replication")["killed"].sum(
        ).reindex(reps.index, fill_value=0)
    return out


def mechanics(arm: Arm, dt_h: float) -> dict:
    """How incidents play out in an arm: duration, casualties per incident, causes, fire."""
    inc = arm.incidents.copy()
    n_reps = len(arm.reps)
    if inc.empty:
        return {"n": 0}
    inc["casualties"] = inc["killed"] + inc["wounded"]
    inc["duration_h"] = inc["end_h"] - inc["time_h"]
    ff = inc["casualties"].sum()
    out = {
        "n": len(inc), "per_rep": len(inc) / n_reps,
        "dur_median": float(inc["duration_h"].median()),
        "dur_p90": float(inc["duration_h"].quantile(0.9)),
        "dur_le_step": float((inc["duration_h"] <= dt_h + 1e-9).mean()),
        "cas_mean": float(inc["casualties"].mean()),
        "zero_cas": float((inc["casualties"] == 0).mean()),
        "max_killed": int(inc["killed"].max()),
        "ge8_killed_per_rep": float((inc["killed"] >= 8).sum() / n_reps),
        "cause_inc": {c: float((inc["cause"] == c).mean()) for c in ALL_CAUSES},
        "cause_cas": {c: float(inc.loc[inc["cause"] == c, "casualties"].sum() / ff) if ff else 0.0
                      for c in ALL_CAUSES},
        "fire_inc": {f: float((inc["fire"] == f).mean()) for f in ("direct", "indirect")},
        "fire_cas": {f: float(inc.loc[inc["fire"] == f, "casualties"].sum() / ff) if ff else 0.0
                     for f in ("direct", "indirect")},
        "dur_cas": {},
    }
    for label, sel in (("within one step", inc["duration_h"] <= dt_h + 1e-9),
                       ("1 to 6 h", (inc["duration_h"] > dt_h + 1e-9)
                        & (inc["duration_h"] <= 6)),
                       ("over 6 h", inc["duration_h"] > 6)):
        out["dur_cas"][label] = (float(sel.mean()),
                                 float(inc.loc[sel, "casualties"].sum() / ff) if ff else 0.0)
    return out


# --------------------------------------------------------------------------- figures


def single_vs_kursk_figure(base: Arm, single: Arm):
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


def fratricide_figure(model_rows: list[tuple[str, dict]]):
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
    ax.set_title("model (red, 95% CI) beside historical figures (grey, DESIGN.md)", fontsize=9)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def interventions_figure(arms: dict[str, Arm]):
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


# --------------------------------------------------------------------------- the document


def git_revision() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, check=True,
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", *RESULT_SOURCES],
                               cwd=REPO, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + (" (with uncommitted changes to the model or configs)" if dirty.strip() else "")


def source_digest(settings: Settings) -> str:
    """A digest of what decides the numbers: the model code and every resolved configuration.

    Compared at the start and the end of the run, to notice a change made meanwhile.
    """
    h = hashlib.sha256()
    files = [p for pattern in RESULT_SOURCES if pattern.endswith(".py")
             for p in REPO.glob(pattern) if p.is_file()]
    for path in sorted(files):
        h.update(str(path.relative_to(REPO)).encode())
        h.update(path.read_bytes())
    runs = [["scenario=lanchester_duel"], ["scenario=single_nation", *settings.single_overrides]]
    runs += [["scenario=kursk_2024", f"intervention={name}", *settings.kursk_overrides]
             for name in ["none", *interventions()]]
    for overrides in runs:
        h.update(api.config(*overrides).model_dump_json().encode())
    return h.hexdigest()


def where(d: dict, lo: float, hi: float) -> str:
    """Where a mean and its 95% interval lie against a range [lo, hi] (lo == hi: a point)."""
    if d["ci95_high"] < lo:
        return "below"
    if d["ci95_low"] > hi:
        return "above"
    if lo < hi and lo <= d["mean"] <= hi:
        return "within"
    side = "below" if d["mean"] < lo else "above"
    return f"{side}, 95% CI overlapping"


def render(settings: Settings, lan: dict, base: Arm, single: Arm, arms: dict[str, Arm],
           figures: dict[str, str], runtime_s: float, revision: str,
           changed: bool) -> tuple[str, list[tuple[str, bool]]]:
    cfg = api.config("scenario=kursk_2024", *settings.kursk_overrides).scenario
    dt_h = cfg.dt_h
    base_pr, single_pr = per_replication(base), per_replication(single)
    mech = mechanics(base, dt_h)
    single_mech = mechanics(single, dt_h)
    checks: list[tuple[str, bool]] = []
    L: list[str] = []
    w = L.append

    w("# Validation report")
    w("")
    w("Regenerate this document and its figures (every number below comes from that run, "
      "except the historical figures quoted from DESIGN.md with their sources):")
    w("")
    w("```bash")
    w(settings.command)
    w("```")
    w("")
    w(f"(`make validation` runs `python {SCRIPT}` with its defaults.) "
      f"Seed {settings.seed}; {settings.replications} replications per kursk_2024 and "
      f"single_nation configuration, {settings.lanchester_replications} per Lanchester force "
      f"ratio; {settings.workers} worker processes. Code revision {revision}. "
      f"This run took {runtime_s / 60:.1f} min.")
    if changed:
        w("")
        w("**Warning**: the model or its configs changed while this report ran; its "
          "configurations may not all have run on the same code. Regenerate it.")
    if settings.quick:
        w("")
        w("**Quick mode**: tiny forces and horizons (" + ", ".join(
            f"`{o}`" for o in settings.kursk_overrides) + ") and a few replications. This "
          "checks that the report is produced; its Kursk numbers validate nothing.")
    w("")
    summary_at = len(L)

    # ---- 1. Lanchester
    w("## 1. Lanchester's square law (`lanchester_duel`)")
    w("")
    w(f"BLUE (B0 = {lan['B0']}) against RED at several strengths R0 "
      f"(`scenario.units.red.strength`), aimed fire with a = {lan['a']}/h (BLUE casualties "
      f"per RED soldier per hour) and b = {lan['b']}/h, time step {lan['dt_h']} h. Theory: "
      "b B² - a R² is conserved, RED is destroyed at t* = atanh(√(a/b) R0/B0)/√(ab) and BLUE "
      "keeps √(B0² - (a/b) R0²). The horizon is 1.5 t* (doubled if RED survived anywhere). "
      "A row passes when RED is destroyed in every replication and |z| is at most the "
      "Student-t quantile of the two-sided 3-sigma level (0.27%), z = (mean - theory) / "
      "(std/√n).")
    w("")
    w("| R0 | horizon, h | RED destroyed | BLUE survivors: theory | mean | 95% CI | std | z | "
      "tolerance \\|z\\| ≤ | result |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in lan["rows"]:
        w(f"| {r['R0']} | {r['horizon_h']:g} | {r['destroyed']}/{r['replications']} | "
          f"{r['theory']:.1f} | {r['mean']:.1f} | [{r['ci95_low']:.1f}, {r['ci95_high']:.1f}] | "
          f"{r['std']:.1f} | {r['z']:+.2f} | {r['tolerance']:.2f} | {mark(r['pass'])} |")
        checks.append((f"Lanchester survivors, R0 = {r['R0']} (z = {r['z']:+.2f})", r["pass"]))
    w("")
    w("The invariant of the mean trajectory, b B̄(t)² - a R̄(t)², relative to its initial "
      "value; it passes when at every recorded time its deviation from 1 is within the same "
      "t quantile times the standard error of the per-replication invariant:")
    w("")
    w("| R0 | largest deviation of the invariant | at t, h | tolerance there | RED destroyed "
      "at: theory t*, h | mean, h | latest, h | result |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in lan["rows"]:
        w(f"| {r['R0']} | {r['inv_max_dev']:+.2%} | {r['inv_max_dev_time']:g} | "
          f"±{r['inv_tol_at_worst']:.2%} | {r['t_theory']:.1f} | {r['t_mean']:.1f} | "
          f"{r['t_max']:.0f} | {mark(r['inv_pass'])} |")
        checks.append((f"Lanchester invariant, R0 = {r['R0']} "
                       f"(largest deviation {r['inv_max_dev']:+.2%})", r["inv_pass"]))
    w("")
    w("Destruction times are read at the recorded times, so the mean is late by up to one "
      "recording interval. The model's attrition is stochastic and in discrete steps (each "
      "step a binomial draw whose mean is the Lanchester rate), so the deterministic law holds "
      "for the mean up to small terms that shrink with the step and grow as the duel gets "
      "closer and longer.")
    w("")
    w(f"![Lanchester]({figures['lanchester']})")
    w("")

    # ---- 2. single_nation vs kursk_2024
    n_b, n_s = len(base.reps), len(single.reps)
    w("## 2. One nation against a coalition: `single_nation` beside `kursk_2024`")
    w("")
    w("`single_nation` holds the same front with one nation, one language and one radio net. "
      "Language-caused causes (`report_garbled`, `challenge_failed`) cannot occur there; "
      "misidentification can; lost or stale reports within one nation can. The two scenarios "
      "draw different random numbers, so the differences are unpaired (Welch's 95% interval).")
    w("")
    w(f"| per replication (mean [95% CI]) | kursk_2024 ({n_b} reps) | single_nation ({n_s} reps)"
      " | difference single - kursk (Welch) |")
    w("| --- | --- | --- | --- |")
    rows = [(f"incidents: {c}", base.reps[f"cause.{c}"], single.reps[f"cause.{c}"], num)
            for c in ALL_CAUSES]
    rows += [("language-caused incidents", base_pr["language_incidents"],
              single_pr["language_incidents"], num),
             ("friendly_fire_incidents", base.reps["friendly_fire_incidents"],
              single.reps["friendly_fire_incidents"], num),
             ("friendly_fire_casualties", base.reps["friendly_fire_casualties"],
              single.reps["friendly_fire_casualties"], num),
             ("total_casualties", base.reps["total_casualties"],
              single.reps["total_casualties"], num),
             ("enemy_casualties", base.reps["enemy_casualties"],
              single.reps["enemy_casualties"], num),
             ("miscommunication_share", base.reps["miscommunication_share"],
              single.reps["miscommunication_share"], pct),
             ("fratricide_share", base.reps["fratricide_share"],
              single.reps["fratricide_share"], pct)]
    diffs = {}
    for label, xb, xs, fmt in rows:
        db, ds = describe(xb.to_numpy()), describe(xs.to_numpy())
        dd = welch(xs.to_numpy(), xb.to_numpy())
        diffs[label] = dd
        w(f"| {label} | {fmt(db['mean'])} [{fmt(db['ci95_low'])}, {fmt(db['ci95_high'])}] | "
          f"{fmt(ds['mean'])} [{fmt(ds['ci95_low'])}, {fmt(ds['ci95_high'])}] | "
          f"{fmt(dd['mean_diff'])} [{fmt(dd['ci95_low'])}, {fmt(dd['ci95_high'])}] |")
    w("")
    no_lang = bool((single_pr["language_incidents"] == 0).all())
    some_misid = bool(single.reps["cause.misidentification"].sum() > 0)
    lower = diffs["fratricide_share"]["ci95_high"] < 0
    checks += [
        ("single_nation: no language-caused incident in any replication", no_lang),
        ("single_nation: some misidentification "
         f"({num(single.reps['cause.misidentification'].mean())} per replication)", some_misid),
        ("single_nation: fratricide share below kursk_2024 (Welch 95% CI of the difference "
         f"{pct(diffs['fratricide_share']['ci95_low'])} to "
         f"{pct(diffs['fratricide_share']['ci95_high'])})", lower)]
    w(f"- No language-caused incident in any single_nation replication: {mark(no_lang)}.")
    w(f"- Some misidentification in single_nation "
      f"({int(single.reps['cause.misidentification'].sum())} incidents over {n_s} "
      f"replications): {mark(some_misid)}.")
    w(f"- Fratricide share lower in single_nation (the whole 95% interval of the difference "
      f"below 0): {mark(lower)}.")
    if single_mech["n"]:
        w(f"- In single_nation, {pct(single_mech['cause_inc']['misidentification'])} of the "
          f"incidents are misidentification and "
          f"{pct(single_mech['cause_inc']['report_lost'] + single_mech['cause_inc']['report_stale'])}"
          " lost or stale reports within the one nation.")
    w("")
    w(f"![single_nation beside kursk_2024]({figures['single']})")
    w("")

    # ---- 3. Kursk fratricide share and the reported figures
    share = describe(base.reps["fratricide_share"].to_numpy())
    k_share = describe(base_pr["ff_killed_share"].to_numpy())
    wd_share = describe(base_pr["ff_wounded_share"].to_numpy())
    inflicted = describe(base_pr["ff_of_inflicted"].to_numpy())
    single_share = describe(single.reps["fratricide_share"].to_numpy())
    w("## 3. `kursk_2024`: the fratricide share beside the historical record")
    w("")
    w("| source | figure | share of | model (kursk_2024 baseline, mean [95% CI]) | model lies |")
    w("| --- | --- | --- | --- | --- |")
    for label, lo, hi, quoted, of, src in HISTORICAL:
        if label.startswith("Desert Storm, killed"):
            m = k_share
        elif label.startswith("Desert Storm, wounded"):
            m = wd_share
        elif label.startswith("NTC"):
            m = inflicted
        else:
            m = share
        w(f"| {src} | {label}: {quoted} | {of} | {ci_pct(m)} | {where(m, lo, hi)} |")
    w("")
    w("Model columns: the share of coalition killed + wounded caused by coalition fire "
      "(`fratricide_share`), against Desert Storm the shares of the coalition's killed and "
      "of its wounded separately, and against the NTC figure the share of all casualties "
      "inflicted by the coalition that fell on its own side (`friendly_fire_casualties` / "
      "(`friendly_fire_casualties` + `enemy_casualties`), direct and indirect fire together, "
      "where NTC counts ground-to-ground fire only).")
    w("")
    w(f"![fratricide share beside history]({figures['fratricide']})")
    w("")
    w("### Where it lands, and why")
    w("")
    ota = where(share, 0.10, 0.20)
    shr = where(share, 0.0, 0.02)
    para = [f"The kursk_2024 baseline puts {ci_pct(share)} of coalition casualties down to "
            f"friendly fire. Against the OTA's 10-20% band it lies {ota}; against Shrader's "
            f"'less than 2%', {shr}. single_nation, the same front without the coalition, "
            f"gives {ci_pct(single_share)}."]
    placed: dict[str, list[str]] = {}
    for label, lo, hi, _, of, _ in HISTORICAL:
        if of == "casualties":
            placed.setdefault(where(share, lo, hi).split(",")[0], []).append(label)
    para[-1] += (" Beside the figures that are shares of all casualties, the mean lies "
                 + "; ".join(f"{k} {', '.join(v)}" for k, v in placed.items()) + ".")
    overlap = (k_share["ci95_low"] <= wd_share["ci95_high"]
               and wd_share["ci95_low"] <= k_share["ci95_high"])
    para.append(
        f"The share of the killed ({ci_pct(k_share)}) and of the wounded ({ci_pct(wd_share)}) "
        f"{'overlap' if overlap else 'differ'}: every casualty, whatever the fire, is killed "
        f"with the one probability `killed_fraction` = {cfg.killed_fraction}, so the two are "
        f"equal in expectation and the model cannot show Desert Storm's pattern (a larger "
        f"share of the killed than of the wounded, i.e. deadlier friendly fire). Against NTC's 1-3% of blue kills, {ci_pct(inflicted)} of "
        f"the casualties the coalition inflicted fell on its own side "
        f"({where(inflicted, 0.01, 0.03)}).")
    if mech["n"]:
        dur = mech["dur_cas"]
        top_inc = max(ALL_CAUSES, key=lambda c: mech["cause_inc"][c])
        top_cas = max(ALL_CAUSES, key=lambda c: mech["cause_cas"][c])
        para.append(
            f"The share comes from many small incidents, not a few large ones: "
            f"{num(mech['per_rep'])} incidents per replication over the "
            f"{cfg.horizon_h / 24:.0f}-day campaign, median duration {mech['dur_median']:g} h "
            f"(90th percentile {mech['dur_p90']:g} h; {pct(mech['dur_le_step'])} end within one "
            f"{dt_h:g} h step), {mech['cas_mean']:.2f} casualties per incident on average, "
            f"{pct(mech['zero_cas'])} with none. Incidents lasting over 6 h are "
            f"{pct(dur['over 6 h'][0])} of incidents and carry {pct(dur['over 6 h'][1])} of "
            f"friendly-fire casualties. The largest incident in {n_b} replications killed "
            f"{mech['max_killed']}; incidents killing 8 or more (the size of the reported Akhmat "
            f"incident) occur {num(mech['ge8_killed_per_rep'])} times per replication: the "
            f"model's incidents are many and small, where the reporting names one large one.")
        causes_txt = ", ".join(f"`{c}` {pct(mech['cause_inc'][c])} of incidents / "
                               f"{pct(mech['cause_cas'][c])} of casualties" for c in ALL_CAUSES)
        top = (f"The most frequent and costliest cause is `{top_inc}`" if top_inc == top_cas
               else f"The most frequent cause is `{top_inc}`, the costliest `{top_cas}`")
        para.append(
            f"By recorded cause: {causes_txt}. {top}. Direct fire accounts for "
            f"{pct(mech['fire_inc']['direct'])} of incidents and "
            f"{pct(mech['fire_cas']['direct'])} of friendly-fire casualties, indirect fire "
            f"(calls for fire with a garbled grid, or cleared against a wrong picture) for the "
            f"rest. Shrader's record puts about a third of fratricide on artillery and another "
            f"third on aircraft; the model folds drones and artillery into indirect fire and "
            f"has no aircraft.")
    pc = arms.get("perfect_comms")
    if pc is not None:
        d = pc.comparison["metrics"]["friendly_fire_casualties"]
        base_ff = base.summary["metrics"]["friendly_fire_casualties"]["mean"]
        rel = d["mean_diff"] / base_ff if base_ff else 0.0
        para.append(
            f"The causal share of miscommunication (paired `perfect_comms` minus `none`): "
            f"friendly-fire casualties change by {diff_num(d)} per replication, "
            f"{pct(rel)} of the baseline's {num(base_ff)}; the ordered cause tally calls "
            f"{pct(base.summary['metrics']['miscommunication_share']['mean'])} of incidents "
            f"communication failures. The two need not agree (CONTRACT.md).")
    kp, link = cfg.nations.get("KP"), next(iter(cfg.links.values()), None)
    ident = cfg.identification
    if kp is not None and link is not None:
        para.append(
            "What is assumption rather than report: the incident count and the share are "
            "not calibrated (only the enemy's fire intensity is, to the KP loss figure); they "
            "follow from assumed parameters, chiefly KP training "
            f"{kp.training} and markings {kp.markings}, KP's ROE "
            f"(engage unidentified contacts in the own zone {kp.roe.engage_unidentified}/h, "
            f"after a failed challenge {kp.roe.engage_failed_challenge}), the RU-KP link "
            f"(delivery {link.delivery}, {link.interpreters:g} interpreters at proficiency "
            f"{link.interpreter_proficiency}, shared challenge signal {link.challenge_signal}), "
            f"the correlation gate {ident.gate_km} km, a garbled grid off by "
            f"{ident.garble_error_km} km, and self-recognition {ident.self_recognition_per_h}/h. "
            "The historical figures are shares of casualties over whole wars with different "
            "weapons and reporting, so a match within their spread is as much as this "
            "comparison can show.")
    for p in para:
        w(p)
        w("")

    # ---- Kursk baseline beside the reported figures
    if "kp_loss_share" in base_pr:
        kp_share = describe(base_pr["kp_loss_share"].to_numpy())
        kwk = describe(base_pr["kp_wounded_per_killed"].dropna().to_numpy())
        kpru = base_pr["kp_ru_incidents"]
        every = bool((kpru > 0).all())
        share_ok = 0.30 <= kp_share["mean"] <= 0.40
        ratio_ok = 3 <= kwk["mean"] <= 9
        w("### The kursk_2024 baseline beside the reported Kursk figures")
        w("")
        w("| figure | reported (DESIGN.md: claims by belligerents and intelligence services) | "
          "model, mean [95% CI] | |")
        w("| --- | --- | --- | --- |")
        w(f"| KP killed + wounded / initial force | ~30-40% in ~3 months of combat | "
          f"{ci_pct(kp_share)} | {mark(share_ok)} (calibrated: docs/calibration.md) |")
        w(f"| KP killed + wounded | ~4,000 (mid-Jan 2025), ~4,700 (30 Apr 2025) | "
          f"{ci_num(describe(base_pr['kp_casualties'].to_numpy()))} | |")
        w(f"| KP killed | ~300 (13 Jan 2025), ~600 (30 Apr 2025) | "
          f"{ci_num(describe(base_pr['kp_killed'].to_numpy()))} | |")
        w(f"| KP wounded per killed | 3-9 | {ci_num(kwk)} | {mark(ratio_ok)} (follows "
          f"`killed_fraction` {cfg.killed_fraction}) |")
        w(f"| KP-RU friendly-fire incidents | at least one (KP fired on Akhmat vehicles, 8 "
          f"killed, Dec 2024) | {ci_num(describe(kpru.to_numpy()))} per replication; in "
          f"{int((kpru > 0).sum())} of {len(kpru)} replications | {mark(every)} |")
        w(f"| KP fire on the Akhmat unit | one reported incident, 8 killed | "
          f"{ci_num(describe(base_pr['kp_on_akhmat'].to_numpy()))} incidents, "
          f"{ci_num(describe(base_pr['kp_on_akhmat_killed'].to_numpy()))} killed per "
          f"replication | |")
        w("")
        checks += [("kursk_2024: KP killed + wounded 30-40% of initial (calibrated)", share_ok),
                   ("kursk_2024: KP wounded per killed within 3-9", ratio_ok),
                   ("kursk_2024: KP-RU incidents in every replication", every)]

    # ---- 4. Interventions
    base_m = base.summary["metrics"]
    w("## 4. Interventions against the baseline (paired by seed)")
    w("")
    w(f"Each intervention on the kursk_2024 baseline's {n_b} replication seeds; the figure is "
      "the intervention minus `none` per replication, mean and 95% t-interval of the paired "
      "differences (as `sim run intervention=X compare_to=none` reports it in "
      "`summary['comparison']`). `perfect_comms` is the counterfactual, not a remedy. "
      "Baseline means: " + ", ".join(f"{m} {num(base_m[m]['mean'])}" for m in EFFECT_METRICS)
      + ".")
    w("")
    w("| intervention | " + " | ".join(EFFECT_METRICS) + " |")
    w("| --- |" + " --- |" * len(EFFECT_METRICS))
    for name, arm in arms.items():
        cells = []
        for m in EFFECT_METRICS:
            d = arm.comparison["metrics"][m]
            b0 = base_m[m]["mean"]
            rel = f" ({d['mean_diff'] / b0:+.0%})" if b0 else ""
            cells.append(diff_num(d) + rel)
        w(f"| {name} | " + " | ".join(cells) + " |")
    w("")
    ranked = sorted((n for n in arms if n != "perfect_comms"),
                    key=lambda n: arms[n].comparison["metrics"]["friendly_fire_casualties"]
                    ["mean_diff"])
    if ranked:
        best = ranked[0]
        d = arms[best].comparison["metrics"]
        sig = [n for n in ranked
               if arms[n].comparison["metrics"]["friendly_fire_casualties"]["ci95_high"] < 0]
        w(f"Among the remedies, `{best}` cuts friendly-fire casualties the most "
          f"({diff_num(d['friendly_fire_casualties'])} per replication); its change in enemy "
          f"casualties inflicted is {diff_num(d['enemy_casualties'])}. Remedies whose whole "
          f"95% interval of the change in friendly-fire casualties lies below zero: "
          + (", ".join(f"`{n}`" for n in sig) if sig else "none") + ".")
        if "strict_roe" in arms:
            s = arms["strict_roe"].comparison["metrics"]
            w("")
            w(f"`strict_roe` changes friendly-fire incidents by "
              f"{diff_num(s['friendly_fire_incidents'])} and enemy casualties inflicted by "
              f"{diff_num(s['enemy_casualties'])} per replication: the price of holding fire.")
    w("")
    w(f"![interventions]({figures['interventions']})")
    w("")

    # ---- checks summary at the top
    block = ["## Summary of checks", "", "| check | result |", "| --- | --- |"]
    block += [f"| {label} | {mark(ok)} |" for label, ok in checks]
    block.append("")
    L[summary_at:summary_at] = block
    return "\n".join(L).rstrip() + "\n", checks


# --------------------------------------------------------------------------- main


def log(msg: str) -> None:
    print(f"[validation] {msg}", file=sys.stderr, flush=True)


def settings_from(argv: list[str] | None) -> tuple[Settings, Path]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=None,
                    help="replications per kursk_2024 / single_nation configuration "
                         "(default 16; 3 with --quick)")
    ap.add_argument("--lanchester-replications", type=int, default=None,
                    help="replications per Lanchester force ratio (default 32; 5 with --quick)")
    ap.add_argument("--seed", type=int, default=Settings.seed)
    ap.add_argument("--workers", type=int, default=Settings.workers)
    ap.add_argument("--quick", action="store_true",
                    help="tiny forces and horizons, few replications (a smoke test, < 60 s)")
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                    help="the markdown file; figures go to its folder's figures/")
    args = ap.parse_args(argv)
    s = Settings(seed=args.seed, workers=args.workers)
    if args.quick:
        s = replace(s, replications=3, lanchester_replications=5, quick=True,
                    kursk_overrides=QUICK_KURSK, single_overrides=QUICK_SINGLE)
    if args.replications is not None:
        s = replace(s, replications=args.replications)
    if args.lanchester_replications is not None:
        s = replace(s, lanchester_replications=args.lanchester_replications)
    if s.replications < 2 or s.lanchester_replications < 2:
        ap.error("replications must be at least 2 (confidence intervals need them)")
    cmd = [f"python {SCRIPT}"]
    if args.quick:
        cmd.append("--quick")
    for flag, value, default in (("--replications", args.replications, None),
                                 ("--lanchester-replications", args.lanchester_replications,
                                  None),
                                 ("--seed", args.seed, Settings.seed),
                                 ("--workers", args.workers, Settings.workers)):
        if value is not None and value != default:
            cmd.append(f"{flag} {value}")
    if args.output.resolve() != DEFAULT_OUTPUT:
        cmd.append(f"--output {args.output}")
    return replace(s, command=" ".join(cmd)), args.output


def main(argv: list[str] | None = None) -> dict:
    """Run every check, write the document and figures; return what was computed."""
    settings, output = settings_from(argv)
    start = time.perf_counter()
    revision, digest = git_revision(), source_digest(settings)
    lan = lanchester(settings)
    single = single_nation(settings)
    base, arms = kursk_arms(settings)
    fig_dir = output.parent / "figures"
    model_rows = [
        ("kursk_2024, casualties", describe(base.reps["fratricide_share"].to_numpy())),
        ("kursk_2024, killed", describe(per_replication(base)["ff_killed_share"].to_numpy())),
        ("kursk_2024, wounded",
         describe(per_replication(base)["ff_wounded_share"].to_numpy())),
        ("kursk_2024, of coalition-inflicted",
         describe(per_replication(base)["ff_of_inflicted"].to_numpy())),
        ("single_nation, casualties", describe(single.reps["fratricide_share"].to_numpy())),
    ]
    drawn = {"lanchester": lanchester_figure(lan),
             "single": single_vs_kursk_figure(base, single),
             "fratricide": fratricide_figure(model_rows),
             "interventions": interventions_figure(arms)}
    figures = {}
    for key, fig in drawn.items():
        path = fig_dir / f"validation_{key}.png"
        save_figure(path, fig)
        figures[key] = f"{fig_dir.name}/{path.name}"
    runtime = time.perf_counter() - start
    changed = source_digest(settings) != digest
    if changed:
        log("WARNING: the model or configs changed during the run; regenerate the report")
    text, checks = render(settings, lan, base, single, arms, figures, runtime, revision,
                          changed)
    write_atomic(output, lambda p: p.write_text(text))
    log(f"wrote {output} and {len(figures)} figures in {runtime:.0f} s; "
        f"{sum(ok for _, ok in checks)}/{len(checks)} checks pass")
    return {"settings": settings, "lanchester": lan, "baseline": base, "single": single,
            "interventions": arms, "checks": checks, "output": output,
            "figures": [fig_dir / Path(f).name for f in figures.values()], "runtime_s": runtime}


if __name__ == "__main__":
    main()
