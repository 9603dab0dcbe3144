# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 — Which remedy buys the most?
#
# **Question.** On the Kursk 2024 baseline, how many friendly-fire incidents and casualties
# does each remedy avoid, at what price in enemy casualties not inflicted, and what does one
# more interpreter or liaison officer on the RU-KP link buy?
#
# **Method.** Every intervention is run as `intervention=X compare_to=none`: the same
# replication seeds under X and under the baseline (common random numbers), so
# `summary["comparison"]` holds X minus baseline per metric, paired by seed, with a 95%
# t-interval. Paired intervals are much narrower than the difference of two independent
# means. `perfect_comms` is not a remedy but the counterfactual that measures what
# miscommunication causes in all: the most any communication remedy could buy.
#
# The lever sweeps change one number on the RU-KP link (`scenario.links.RU_KP.interpreters`,
# `scenario.links.RU_KP.liaison_officers`; the latter is not in the scenario's YAML, hence
# Hydra's `++` add-or-override prefix) on the same seeds as the baseline, and are paired
# with it by seed.
#
# Data come from `sim.api` only. Set `SIM_NOTEBOOK_SCALE=small` for a quick test run.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from _shared import SMALL, api, by_scale, overrides, paired_difference, run_many, scale_note
from IPython.display import Markdown, display

REPLICATIONS = by_scale(8, 2)
INTERVENTIONS = ["perfect_comms", "interpreters_x2", "liaison_officers", "common_radio_net",
                 "shared_language", "iff_markings", "strict_roe"]
LINK = "scenario.links.RU_KP"
base_cfg = api.config(*overrides(replications=REPLICATIONS))
BASE_INTERPRETERS = base_cfg.scenario.links["RU_KP"].interpreters
BASE_OFFICERS = base_cfg.scenario.links["RU_KP"].liaison_officers
INTERPRETERS = by_scale([4, 8, 12, 16, 24, 32], [8, 16])
OFFICERS = by_scale([0, 1, 2, 4, 8], [0, 4])
METRICS = ["friendly_fire_incidents", "friendly_fire_casualties", "total_casualties",
           "fratricide_share", "enemy_casualties"]

# %% [markdown]
# ## The runs
#
# One baseline run, one paired run per intervention, and one run per sweep value (the
# baseline's own value is the baseline run). All on seed 2024.

# %%
arms = {"none": overrides("intervention=none", replications=REPLICATIONS)}
arms |= {x: overrides(f"intervention={x}", "compare_to=none", replications=REPLICATIONS)
         for x in INTERVENTIONS}
sweep = {("interpreters", v): overrides(f"{LINK}.interpreters={v}", replications=REPLICATIONS)
         for v in INTERPRETERS if v != BASE_INTERPRETERS}
sweep |= {("liaison_officers", v): overrides(f"++{LINK}.liaison_officers={v}",
                                             replications=REPLICATIONS)
          for v in OFFICERS if v != BASE_OFFICERS}
results = run_many(list(arms.values()) + list(sweep.values()))
runs = dict(zip(arms, results[:len(arms)], strict=True))
sweep_runs = dict(zip(sweep, results[len(arms):], strict=True))
base = runs["none"]
print(scale_note())
print(f"{len(arms)} arms and {len(sweep)} sweep points, {REPLICATIONS} replications each; "
      f"baseline link RU_KP: {BASE_INTERPRETERS:g} interpreters, {BASE_OFFICERS:g} liaison "
      "officers")

# The pairing is only valid if each run's counterfactual arm is the baseline itself.
for x in INTERVENTIONS:
    cf = runs[x].counterfactual.sort_values("replication")
    assert list(cf["seed"]) == list(base.replications["seed"]), x
    assert np.allclose(cf[METRICS].to_numpy(), base.replications[METRICS].to_numpy()), \
        f"{x}: the compare_to=none arm differs from the baseline run on the same seeds"
print("every compare_to=none arm reproduces the baseline run exactly (common random numbers)")

# %% [markdown]
# ## 1. Every remedy against the baseline
#
# "Avoided" is baseline minus remedy (positive = better); the interval is the paired 95% CI.
# Enemy casualties: the change in UA killed + wounded inflicted by the coalition (negative =
# fewer enemy hit: the price of holding fire).

# %%
bm = base.summary["metrics"]


def avoided(x: str, metric: str) -> tuple[float, float, float]:
    """Baseline minus ``x`` for ``metric``: mean and 95% CI (from X minus baseline)."""
    d = runs[x].summary["comparison"]["metrics"][metric]
    return -d["mean_diff"], -d["ci95_high"], -d["ci95_low"]


rows = []
for x in INTERVENTIONS:
    row = {"intervention": x}
    for metric, label in (("friendly_fire_incidents", "incidents avoided"),
                          ("friendly_fire_casualties", "friendly-fire casualties avoided"),
                          ("total_casualties", "coalition casualties avoided")):
        row[label], row[f"{label} lo"], row[f"{label} hi"] = avoided(x, metric)
    d = runs[x].summary["comparison"]["metrics"]["enemy_casualties"]
    row["enemy casualties change"] = d["mean_diff"]
    row["enemy casualties change lo"], row["enemy casualties change hi"] = \
        d["ci95_low"], d["ci95_high"]
    d = runs[x].summary["comparison"]["metrics"]["fratricide_share"]
    row["fratricide share change (pp)"] = 100 * d["mean_diff"]
    row["fratricide share change lo"], row["fratricide share change hi"] = \
        100 * d["ci95_low"], 100 * d["ci95_high"]
    rows.append(row)
effects = pd.DataFrame(rows).set_index("intervention")
effects = effects.sort_values("incidents avoided", ascending=False)


def fmt(mean: float, lo: float, hi: float, f: str = ".0f") -> str:
    """``mean [lo, hi]`` (no "-0")."""
    def g(v: float) -> str:
        text = f"{v:{f}}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text
    if lo == hi:  # every paired replication alike (or one): sim.experiment.stats gives none
        return f"{g(mean)} (no interval)"
    return f"{g(mean)} [{g(lo)}, {g(hi)}]"


table = pd.DataFrame({
    "incidents avoided": [fmt(*effects.loc[x, ["incidents avoided", "incidents avoided lo",
                                                "incidents avoided hi"]]) for x in effects.index],
    "% of baseline incidents": [
        f"{100 * effects.loc[x, 'incidents avoided'] / max(bm['friendly_fire_incidents']['mean'], 1e-9):.0f}%"
        for x in effects.index],
    "friendly-fire casualties avoided": [
        fmt(*effects.loc[x, ["friendly-fire casualties avoided",
                             "friendly-fire casualties avoided lo",
                             "friendly-fire casualties avoided hi"]]) for x in effects.index],
    "coalition casualties avoided (all causes)": [
        fmt(*effects.loc[x, ["coalition casualties avoided", "coalition casualties avoided lo",
                             "coalition casualties avoided hi"]]) for x in effects.index],
    "fratricide share change (pp)": [
        fmt(*effects.loc[x, ["fratricide share change (pp)", "fratricide share change lo",
                             "fratricide share change hi"]], ".1f") for x in effects.index],
    "enemy casualties change": [
        fmt(*effects.loc[x, ["enemy casualties change", "enemy casualties change lo",
                             "enemy casualties change hi"]]) for x in effects.index],
}, index=effects.index)
print(f"Baseline per campaign: {bm['friendly_fire_incidents']['mean']:.0f} incidents, "
      f"{bm['friendly_fire_casualties']['mean']:.0f} friendly-fire casualties, "
      f"{bm['total_casualties']['mean']:.0f} coalition casualties, "
      f"fratricide share {bm['fratricide_share']['mean']:.1%}, "
      f"{bm['enemy_casualties']['mean']:.0f} enemy casualties inflicted")
display(table)

# %%
panels = [("incidents avoided", "friendly-fire incidents avoided\nper campaign"),
          ("friendly-fire casualties avoided", "friendly-fire casualties avoided\n"
           "(killed + wounded per campaign)"),
          ("coalition casualties avoided", "coalition casualties avoided, all causes\n"
           "(killed + wounded per campaign)"),
          ("enemy casualties change", "change in enemy casualties inflicted\n"
           "(killed + wounded per campaign)")]
fig, axes = plt.subplots(1, len(panels), figsize=(15, 4.2), sharey=True)
y = np.arange(len(effects))[::-1]
for ax, (col, title) in zip(axes, panels, strict=True):
    mean = effects[col].to_numpy()
    lo, hi = effects[f"{col} lo"].to_numpy(), effects[f"{col} hi"].to_numpy()
    significant = (lo > 0) | (hi < 0)
    colour = np.where(significant, np.where(mean > 0, "tab:green", "tab:red"), "tab:grey")
    if col == "enemy casualties change":
        colour = np.where(significant, np.where(mean < 0, "tab:red", "tab:green"), "tab:grey")
    ax.errorbar(mean, y, xerr=[mean - lo, hi - mean], fmt="none", ecolor="k", capsize=3,
                lw=1)
    ax.scatter(mean, y, c=colour, zorder=3, s=36)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_title(title, fontsize=9)
    ax.axhspan(y[effects.index.get_loc("perfect_comms")] - 0.5,
               y[effects.index.get_loc("perfect_comms")] + 0.5, color="tab:blue", alpha=0.07)
axes[0].set_yticks(y, [f"{x}\n(counterfactual)" if x == "perfect_comms" else x
                       for x in effects.index])
fig.suptitle("Each remedy minus the Kursk baseline, paired by seed "
             f"({REPLICATIONS} replications, 95% CI; grey: interval includes 0)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 2. One more interpreter, one more liaison officer
#
# Friendly-fire incidents per campaign as the RU-KP link's interpreters and liaison officers
# change (everything else at the baseline). Interpreters each translate 6 messages/h at 80%
# accuracy; a liaison officer relays 10 messages/h at 97% (`configs/scenario/kursk_2024.yaml`,
# `sim/schema.py`). Every difference is paired by seed: against the baseline ("avoided") and
# between neighbouring sweep values ("per extra person": the marginal value of one more).

# %%
LEVERS = (("interpreters", INTERPRETERS, BASE_INTERPRETERS),
          ("liaison_officers", OFFICERS, BASE_OFFICERS))


def reps_at(lever: str, value: float, base_value: float) -> pd.DataFrame:
    res = base if value == base_value else sweep_runs[(lever, value)]
    r = res.replications.sort_values("seed")
    assert list(r["seed"]) == list(base.replications.sort_values("seed")["seed"])
    return r


def saved(before: pd.DataFrame, after: pd.DataFrame, metric: str, per: float = 1.0) -> dict:
    """``before`` minus ``after`` for ``metric`` (paired by seed), divided by ``per``."""
    d = paired_difference(before[metric].to_numpy(), after[metric].to_numpy())
    lo, hi = sorted((d["ci95_low"] / per, d["ci95_high"] / per))
    return {"mean": d["mean_diff"] / per, "lo": lo, "hi": hi}


lever_rows = []
for lever, values, base_value in LEVERS:
    b_reps = reps_at(lever, base_value, base_value)
    values = sorted(values)
    for k, v in enumerate(values):
        r = reps_at(lever, v, base_value)
        row = {"lever": lever, "value": v, "added": v - base_value,
               "incidents": r["friendly_fire_incidents"].mean()}
        for metric, label in (("friendly_fire_incidents", "incidents"),
                              ("friendly_fire_casualties", "casualties")):
            a = saved(b_reps, r, metric)
            row |= {f"{label} avoided": a["mean"], f"{label} avoided lo": a["lo"],
                    f"{label} avoided hi": a["hi"]}
            if k:
                m = saved(reps_at(lever, values[k - 1], base_value), r, metric,
                          per=v - values[k - 1])
                row |= {f"{label} per extra person": m["mean"],
                        f"{label} per extra person lo": m["lo"],
                        f"{label} per extra person hi": m["hi"]}
        lever_rows.append(row)
levers = pd.DataFrame(lever_rows)
base_inc = bm["friendly_fire_incidents"]

fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
for ax, (lever, _, base_value), colour in zip(axes, LEVERS, ("tab:blue", "tab:orange"),
                                              strict=False):
    d = levers[levers["lever"] == lever]
    # CI of each point's incidents = the baseline's CI shifted by the paired difference's CI
    ax.plot(d["value"], d["incidents"], "o-", color=colour)
    ax.fill_between(d["value"], base_inc["mean"] - d["incidents avoided hi"],
                    base_inc["mean"] - d["incidents avoided lo"], color=colour, alpha=0.25,
                    label="95% CI of the difference from the baseline")
    ax.plot([base_value], [base_inc["mean"]], "k*", ms=14, label="Kursk baseline")
    ax.set_xlabel(f"{lever.replace('_', ' ')} on the RU-KP link (persons)")
    ax.set_ylabel("friendly-fire incidents per campaign")
    ax.set_title(f"Incidents against {lever.replace('_', ' ')}")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
ax = axes[2]
for lever, colour in (("interpreters", "tab:blue"), ("liaison_officers", "tab:orange")):
    d = levers[(levers["lever"] == lever)].dropna(subset=["incidents per extra person"])
    prev = levers.loc[d.index - 1, "value"].to_numpy()  # the previous value of the lever
    mid = (d["value"] + prev) / 2
    ax.errorbar(mid, d["incidents per extra person"],
                xerr=(d["value"] - prev) / 2,
                yerr=[d["incidents per extra person"] - d["incidents per extra person lo"],
                      d["incidents per extra person hi"] - d["incidents per extra person"]],
                fmt="o", color=colour, capsize=3, label=lever.replace("_", " "))
ax.axhline(0, color="k", lw=0.8)
ax.set_xlabel("persons on the RU-KP link (horizontal bar: the step)")
ax.set_ylabel("incidents avoided per campaign\nper extra person in the step")
ax.set_title("Marginal value of one more person (paired, 95% CI)")
ax.legend(fontsize=8)
fig.suptitle("RU-KP liaison link: what each person buys")
fig.tight_layout()
plt.show()


def cell(row: pd.Series, col: str, f: str = ".0f") -> str:
    if pd.isna(row.get(col)):
        return ""
    return fmt(row[col], row[f"{col} lo"], row[f"{col} hi"], f)


display(pd.DataFrame({
    "lever": levers["lever"], "persons": levers["value"],
    "incidents per campaign": levers["incidents"].round(0),
    "incidents avoided vs baseline": [cell(r, "incidents avoided") for _, r in levers.iterrows()],
    "casualties avoided vs baseline": [cell(r, "casualties avoided")
                                       for _, r in levers.iterrows()],
    "incidents avoided per extra person (step from the row above)": [
        cell(r, "incidents per extra person", ".1f") for _, r in levers.iterrows()],
    "casualties avoided per extra person": [cell(r, "casualties per extra person", ".1f")
                                            for _, r in levers.iterrows()],
}).set_index(["lever", "persons"]))

# %% [markdown]
# ## Reading
#
# Generated from this run's numbers (see the tables above for every interval).

# %%
real = effects.drop(index="perfect_comms")
best = real["incidents avoided"].idxmax()
best_cas = real["coalition casualties avoided"].idxmax()
pc = effects.loc["perfect_comms"]
sr = effects.loc["strict_roe"] if "strict_roe" in effects.index else None
lines = [
    f"- **Ceiling.** Perfect communication would avoid {pc['incidents avoided']:.0f} "
    f"[{pc['incidents avoided lo']:.0f}, {pc['incidents avoided hi']:.0f}] of "
    f"{bm['friendly_fire_incidents']['mean']:.0f} incidents per campaign: what "
    "miscommunication causes, and the most any communication remedy can buy.",
    f"- **Most incidents avoided:** `{best}`, {real.loc[best, 'incidents avoided']:.0f} "
    f"[{real.loc[best, 'incidents avoided lo']:.0f}, "
    f"{real.loc[best, 'incidents avoided hi']:.0f}] per campaign "
    f"({100 * real.loc[best, 'incidents avoided'] / max(pc['incidents avoided'], 1e-9):.0f}% "
    "of the ceiling).",
    f"- **Most coalition casualties avoided (all causes):** `{best_cas}`, "
    f"{real.loc[best_cas, 'coalition casualties avoided']:.0f} "
    f"[{real.loc[best_cas, 'coalition casualties avoided lo']:.0f}, "
    f"{real.loc[best_cas, 'coalition casualties avoided hi']:.0f}] killed + wounded"
    + (" (its interval includes 0: no remedy is shown to save coalition casualties "
       "overall at this number of replications)."
       if real.loc[best_cas, "coalition casualties avoided lo"] <= 0 else "."),
]
if sr is not None:
    lines.append(
        f"- **The price of a strict ROE:** it avoids {sr['incidents avoided']:.0f} incidents but "
        f"changes enemy casualties inflicted by {sr['enemy casualties change']:+.0f} "
        f"[{sr['enemy casualties change lo']:+.0f}, {sr['enemy casualties change hi']:+.0f}] "
        f"and coalition casualties by {-sr['coalition casualties avoided']:+.0f} "
        f"[{-sr['coalition casualties avoided hi']:+.0f}, "
        f"{-sr['coalition casualties avoided lo']:+.0f}] per campaign.")
for lever, _, _ in LEVERS:
    d = levers[levers["lever"] == lever].reset_index(drop=True)
    steps = [f"{d.loc[k - 1, 'value']:g}→{d.loc[k, 'value']:g}: "
             f"{d.loc[k, 'incidents per extra person']:.1f}" for k in range(1, len(d))]
    lines.append(f"- **Incidents avoided per extra {lever.replace('_', ' ')[:-1]}**, step by "
                 f"step: " + "; ".join(steps) + ".")
if SMALL:
    lines.append("\n*Small mode: a test run, not a result.*")
display(Markdown("\n".join(lines)))
