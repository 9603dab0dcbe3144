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
# # 04 — What drives fratricide? A Morris screening
#
# **Question.** Of the uncertain inputs and levers of the Kursk 2024 scenario, which move the
# fratricide share (and the number of incidents) most, and which barely matter?
#
# **Method.** Morris elementary effects (SALib): `r` random one-at-a-time trajectories
# through a 4-level grid over the ranges below; each step changes one factor by 2/3 of its
# range, and the change in the output divided by that step (2/3) is the factor's
# *elementary effect*: the change in the output across the factor's whole range, estimated
# from one step. Per factor: `mu*` (mean absolute effect, with a bootstrap 95% CI) ranks
# importance; `mu` (mean signed effect) gives the direction; `sigma` (spread of the effects)
# flags non-linearity or interaction with other factors. The ranking depends on the ranges:
# they are stated below, chosen as plausible bounds for Kursk, not as equal percentages.
#
# **Noise floor.** The model is stochastic. Every run uses the same master seed (common
# random numbers), except that the seed itself is a factor: a *dummy* whose elementary
# effects are pure replication noise. A factor whose `mu*` is not clearly above the seed's
# cannot be told apart from chance at this design size.
#
# Data come from `sim.api` only. Set `SIM_NOTEBOOK_SCALE=small` for a quick test run.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from _shared import SEED, SMALL, api, by_scale, overrides, run_many, scale_note
from IPython.display import Markdown, display
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample

TRAJECTORIES = by_scale(10, 2)
LEVELS = 4
REPLICATIONS = 1  # per design point; the seed dummy measures what that costs

# name, override key(s), range, integer?, why; baselines are read from the config below.
FACTORS = [
    ("link delivery", ["scenario.links.RU_KP.delivery"], (0.55, 1.0), False,
     "RU-KP link: P(message crosses) before jamming"),
    ("interpreters", ["scenario.links.RU_KP.interpreters"], (4, 22), True,
     "RU-KP link: translation capacity, 6 messages/h each"),
    ("interpreter accuracy", ["scenario.links.RU_KP.interpreter_proficiency"], (0.6, 0.99),
     False, "RU-KP link: P(an interpreter renders a message correctly)"),
    ("challenge signal", ["scenario.links.RU_KP.challenge_signal"], (0.3, 0.9), False,
     "P(an agreed challenge/password is understood between RU and KP soldiers)"),
    ("KP markings", ["scenario.nations.KP.markings"], (0.2, 0.8), False,
     "how recognisable KP troops are to others (IFF, uniforms)"),
    ("ROE permissiveness", ["++scenario.nations.RU.roe.engage_unidentified",
                            "scenario.nations.KP.roe.engage_unidentified"], (0.0, 0.015), False,
     "RU and KP: P(engage)/h of an unidentified contact in the own zone"),
    ("jamming", ["scenario.environment.jamming"], (0.0, 0.3), False,
     "fraction of all radio messages lost to electronic warfare"),
    ("UA fire missions", ["scenario.nations.UA.fire_missions_per_h"], (0.2, 0.8), False,
     "enemy drone and artillery missions/h, the calibrated parameter"),
    ("seed (dummy)", ["seed"], (0, 3), True, "replication noise: master seed 2024 + value"),
]
OUTPUTS = {"fratricide_share": "fratricide share (percentage points)",
           "friendly_fire_incidents": "friendly-fire incidents per campaign",
           "enemy_casualties": "enemy casualties inflicted per campaign"}

base = api.config(*overrides(replications=1))


def baseline_of(key: str) -> object:
    """The Kursk value of an override key (read from the composed config)."""
    if key == "seed":
        return 0
    obj = base
    for part in key.lstrip("+").split("."):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


problem = {"num_vars": len(FACTORS), "names": [f[0] for f in FACTORS],
           "bounds": [list(f[2]) for f in FACTORS]}
display(pd.DataFrame([{"factor": name, "override": ", ".join(k.lstrip("+") for k in keys),
                       "range": f"{lo:g} - {hi:g}",
                       "Kursk value": " / ".join(f"{baseline_of(k):g}" for k in keys),
                       "meaning": why} for name, keys, (lo, hi), _, why in FACTORS])
        .set_index("factor"))

# %% [markdown]
# ## The design and the runs

# %%
X = morris_sample.sample(problem, N=TRAJECTORIES, num_levels=LEVELS, seed=SEED)


def point(x: np.ndarray) -> list[str]:
    """Overrides for one design point (the seed dummy shifts the master seed)."""
    extra = []
    for (_, keys, _, integer, _), v in zip(FACTORS, x, strict=True):
        value = round(float(v)) if integer else round(float(v), 6)
        for key in keys:
            extra.append(f"seed={SEED + value}" if key == "seed" else f"{key}={value}")
    return [o for o in overrides(replications=REPLICATIONS) if not o.startswith("seed=")] + extra


results = run_many([point(x) for x in X])
Y = pd.DataFrame([{m: r.summary["metrics"][m]["mean"] for m in OUTPUTS} for r in results])
Y["fratricide_share"] *= 100  # percentage points
print(scale_note())
print(f"{len(X)} runs: {TRAJECTORIES} trajectories x {len(FACTORS) + 1} points, "
      f"{REPLICATIONS} replication each")

# %%
indices = {}
for m in OUTPUTS:
    si = morris_analyze.analyze(problem, X, Y[m].to_numpy(), num_levels=LEVELS,
                                conf_level=0.95, num_resamples=1000, seed=SEED)
    indices[m] = pd.DataFrame({"mu_star": si["mu_star"], "mu_star_conf": si["mu_star_conf"],
                               "mu": si["mu"], "sigma": si["sigma"]},
                              index=problem["names"])
main = indices["fratricide_share"].sort_values("mu_star", ascending=False)
noise = main.loc["seed (dummy)", "mu_star"]
display(main.round(3))

# %% [markdown]
# ## 1. Importance ranking
#
# `mu*` with its bootstrap 95% CI for each output; the dashed line is the seed dummy's `mu*`
# (replication noise). Bars in colour are above the noise floor (their CI's lower end clears
# it); grey ones are not.

# %%
fig, axes = plt.subplots(1, len(OUTPUTS), figsize=(16, 4.6))
for ax, (m, label) in zip(axes, OUTPUTS.items(), strict=True):
    d = indices[m].sort_values("mu_star")
    floor = d.loc["seed (dummy)", "mu_star"]
    clear = (d["mu_star"] - d["mu_star_conf"]) > floor
    mixed = d["mu"].abs() < 0.5 * d["mu_star"]
    colour = np.where(d.index == "seed (dummy)", "k",
                      np.where(~clear, "0.7", np.where(mixed, "tab:purple",
                                                       np.where(d["mu"] < 0, "tab:green",
                                                                "tab:red"))))
    ax.barh(d.index, d["mu_star"], xerr=d["mu_star_conf"], color=colour, capsize=3)
    ax.axvline(floor, color="k", ls="--", lw=0.8)
    ax.set_xlabel(f"mu*: mean |change| in {label}\nacross the factor's range")
    ax.set_title(label, fontsize=10)
fig.suptitle("Morris screening on Kursk 2024 (red: raising the factor raises the output, "
             "green: lowers it, purple: either way; grey: within the noise; dashed: seed "
             "dummy)", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 2. Linear or not? `mu*` against `sigma`
#
# A factor far above the diagonal (`sigma` > `mu*`) acts non-linearly or through
# interactions (its effect depends on where the other factors are); one near the horizontal
# axis acts the same everywhere.

# %%
fig, ax = plt.subplots(figsize=(7.5, 5.5))
pos = main[(main["mu_star"] > 0) & (main["sigma"] > 0)].sort_values("mu_star")
ax.scatter(pos["mu_star"], pos["sigma"], s=40,
           color=["k" if n == "seed (dummy)" else "tab:purple" for n in pos.index])
for k, (name, r) in enumerate(pos.iterrows()):
    ax.annotate(name, (r["mu_star"], r["sigma"]), xytext=(5, 8 if k % 2 else -12),
                textcoords="offset points", fontsize=8)
lo = 0.5 * min(pos["mu_star"].min(), pos["sigma"].min()) if len(pos) else 0.01
hi = 2 * max(pos["mu_star"].max(), pos["sigma"].max()) if len(pos) else 1
ax.plot([lo, hi], [lo, hi], "k:", lw=0.8, label="sigma = mu*")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlim(lo, hi)
ax.set_ylim(lo, hi)
ax.set_xlabel("mu* (percentage points of fratricide share, across the range)")
ax.set_ylabel("sigma (percentage points)")
ax.set_title("Fratricide share: importance (mu*) against non-linearity (sigma)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Reading, in plain language
#
# Generated from this run's indices. The direction ("raises" or "lowers") is the sign of
# `mu`, the mean signed effect of moving the factor *up* its range.

# %%
ranked = [n for n in main.index if n != "seed (dummy)"]
above = [n for n in ranked if main.loc[n, "mu_star"] - main.loc[n, "mu_star_conf"] > noise]
below = [n for n in ranked if n not in above]
meaning = {f[0]: f[4] for f in FACTORS}
ranges = {f[0]: f[2] for f in FACTORS}


def describe_factor(n: str) -> str:
    r = main.loc[n]
    if abs(r["mu"]) < 0.5 * r["mu_star"]:
        how = (f"moves the fratricide share by about {r['mu_star']:.1f} percentage points, up "
               "or down depending on the other factors")
    else:
        how = (f"{'raises' if r['mu'] > 0 else 'lowers'} the fratricide share by about "
               f"{r['mu_star']:.1f} percentage points on average")
    shape = (" (non-linear or interacting: its effects vary more than their mean)"
             if r["sigma"] > r["mu_star"] else "")
    return (f"**{n}** ({meaning[n]}): moving it from {ranges[n][0]:g} to {ranges[n][1]:g} "
            f"{how}{shape}")


lines = [f"With {TRAJECTORIES} trajectories, replication noise alone moves the fratricide "
         f"share by about {noise:.1f} points (the seed dummy's mu*)."]
if above:
    lines.append("Factors that clearly matter, most important first:")
    lines += [f"{k}. {describe_factor(n)}." for k, n in enumerate(above, 1)]
if below:
    lines.append("Within the noise at this design size: " + ", ".join(below) + ".")
inc = indices["friendly_fire_incidents"].drop(index="seed (dummy)")
enemy = indices["enemy_casualties"].drop(index="seed (dummy)")
lines.append(f"For the *number* of incidents the leading factor is **{inc['mu_star'].idxmax()}**;"
             f" for the enemy casualties the coalition inflicts it is "
             f"**{enemy['mu_star'].idxmax()}**.")
if SMALL:
    lines.append("\n*Small mode: a test run, not a result.*")
display(Markdown("\n\n".join(lines)))
