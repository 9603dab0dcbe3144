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
# # 03 — The friction surface of the RU-KP seam
#
# **Question.** How does fratricide depend jointly on the two properties of the liaison link
# between the Russian and North Korean HQs, and where does Kursk 2024 sit?
#
# **Axes.** Every report crossing the seam first has to *arrive* and then be *translated*:
#
# - `scenario.links.RU_KP.delivery`: P(a message crosses the link) before jamming, the
#   technical side (incompatible radios, relays, couriers); baseline 0.85 (assumption);
# - `scenario.links.RU_KP.interpreters`: interpreters working the link, each translating
#   6 messages/h; the linguistic capacity; baseline 8 (a reported plan of 1 interpreter per
#   30 KP soldiers, of whom an assumed 8 work the HQ reporting channel).
#
# Why this pair rather than, say, interpreter accuracy: the two interact. The interpreters
# form a queue (first come, first served; a message waiting more than 6 h is dropped), so
# the more reports the radios deliver, the longer the queue and the staler what comes out.
# Better radios can make things *worse* when translation is the bottleneck, and more
# interpreters matter only as long as they are one. A one-at-a-time analysis misses that;
# a surface shows it. (Notebook 04 ranks the other parameters, interpreter accuracy and the
# challenge signal among them.)
#
# Every point of the grid runs on the same replication seeds (common random numbers), so
# neighbouring cells differ by the parameter change, not by luck.
#
# Data come from `sim.api` only. Set `SIM_NOTEBOOK_SCALE=small` for a quick test run.

# %%
import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from _shared import SMALL, api, by_scale, overrides, run_many, scale_note
from IPython.display import Markdown, display

REPLICATIONS = by_scale(4, 2)
LINK = "scenario.links.RU_KP"
DELIVERY = by_scale([0.4, 0.55, 0.7, 0.85, 1.0], [0.7, 0.85, 1.0])
INTERPRETERS = by_scale([4, 8, 12, 16, 24], [4, 8, 16])
base_link = api.config(*overrides(replications=1)).scenario.links["RU_KP"]
BASE = (base_link.delivery, base_link.interpreters)
x2 = api.config(*overrides("intervention=interpreters_x2", replications=1)).intervention
X2 = (base_link.delivery, base_link.interpreters * x2.interpreter_multiplier)
assert BASE[0] in DELIVERY and BASE[1] in INTERPRETERS, "the baseline must lie on the grid"
print(f"Kursk baseline: delivery {BASE[0]}, {BASE[1]:g} interpreters; "
      f"interpreters_x2: {X2[1]:g}")

# %% [markdown]
# ## The sweep

# %%
grid = list(itertools.product(DELIVERY, INTERPRETERS))
results = run_many([overrides(f"{LINK}.delivery={d}", f"{LINK}.interpreters={i}",
                              replications=REPLICATIONS) for d, i in grid])
rows = []
for (d, i), res in zip(grid, results, strict=True):
    row = {"delivery": d, "interpreters": i}
    for metric in ("fratricide_share", "friendly_fire_incidents", "friendly_fire_casualties",
                   "miscommunication_share"):
        m = res.summary["metrics"][metric]
        row |= {metric: m["mean"], f"{metric} lo": m["ci95_low"], f"{metric} hi": m["ci95_high"]}
    row |= {f"cause.{c}": v for c, v in res.summary["by_cause"].items()}
    rows.append(row)
surface = pd.DataFrame(rows)
print(scale_note())
print(f"{len(grid)} grid points x {REPLICATIONS} replications")

# %% [markdown]
# ## 1. The surface
#
# Mean over replications in each cell (95% CI half-width below the fratricide share). The
# outlined cell is the Kursk 2024 baseline; the diamond is `intervention=interpreters_x2`.

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 5.2))
for ax, metric, title, scale, fmt_ in (
        (axes[0], "fratricide_share", "Fratricide share of coalition casualties (%)", 100,
         "{:.1f}"),
        (axes[1], "friendly_fire_incidents", "Friendly-fire incidents per campaign", 1,
         "{:.0f}")):
    piv = surface.pivot(index="delivery", columns="interpreters", values=metric) * scale
    lo = surface.pivot(index="delivery", columns="interpreters", values=f"{metric} lo") * scale
    hi = surface.pivot(index="delivery", columns="interpreters", values=f"{metric} hi") * scale
    im = ax.imshow(piv.to_numpy(), origin="lower", aspect="auto", cmap="magma_r")
    cbar = fig.colorbar(im, ax=ax)
    cbar.set_label(title)
    vmid = np.nanmean([np.nanmin(piv.to_numpy()), np.nanmax(piv.to_numpy())])
    for r, dv in enumerate(piv.index):
        for c, iv in enumerate(piv.columns):
            v = piv.loc[dv, iv]
            half = (hi.loc[dv, iv] - lo.loc[dv, iv]) / 2
            ax.text(c, r, f"{fmt_.format(v)}\n±{fmt_.format(half)}", ha="center", va="center",
                    fontsize=8, color="white" if v > vmid else "black")
    ax.set_xticks(range(len(piv.columns)), [f"{v:g}" for v in piv.columns])
    ax.set_yticks(range(len(piv.index)), [f"{v:g}" for v in piv.index])
    ax.set_xlabel("interpreters on the RU-KP link (persons, 6 messages/h each)")
    ax.set_ylabel("RU-KP link delivery, P(message crosses) before jamming")
    ax.set_title(title)
    r0, c0 = list(piv.index).index(BASE[0]), list(piv.columns).index(BASE[1])
    ax.add_patch(plt.Rectangle((c0 - 0.5, r0 - 0.5), 1, 1, fill=False, ec="tab:cyan", lw=3))
    ax.annotate("Kursk 2024", (c0, r0 + 0.5), xytext=(0, 6), textcoords="offset points",
                ha="center", color="tab:cyan", fontsize=9, fontweight="bold")
    if X2[1] in list(piv.columns):
        ax.plot(list(piv.columns).index(X2[1]), r0 + 0.32, "D", color="tab:cyan", ms=7)
        ax.annotate("interpreters_x2", (list(piv.columns).index(X2[1]), r0 + 0.32),
                    xytext=(0, 7), textcoords="offset points", ha="center", fontsize=7,
                    color="tab:cyan")
fig.suptitle("Friction surface of the RU-KP seam (mean of "
             f"{REPLICATIONS} replications per cell, ± 95% CI half-width)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 2. Slices with their confidence intervals
#
# The same fratricide share, one line per delivery level, against the number of interpreters
# (bands: 95% CI over replications).

# %%
fig, ax = plt.subplots(figsize=(8, 4.5))
colours = plt.cm.viridis(np.linspace(0, 0.9, len(DELIVERY)))
for d, colour in zip(DELIVERY, colours, strict=True):
    s = surface[surface["delivery"] == d].sort_values("interpreters")
    ax.plot(s["interpreters"], 100 * s["fratricide_share"], "o-", color=colour,
            label=f"delivery {d:g}" + (" (Kursk)" if d == BASE[0] else ""),
            lw=2.5 if d == BASE[0] else 1.2)
    ax.fill_between(s["interpreters"], 100 * s["fratricide_share lo"],
                    100 * s["fratricide_share hi"], color=colour, alpha=0.15)
b = surface[(surface["delivery"] == BASE[0]) & (surface["interpreters"] == BASE[1])].iloc[0]
ax.plot(BASE[1], 100 * b["fratricide_share"], "k*", ms=15, label="Kursk 2024 baseline",
        zorder=5)
ax.axhspan(10, 20, color="grey", alpha=0.1, label="historical 10-20% (OTA 1993)")
ax.set_xlabel("interpreters on the RU-KP link (persons)")
ax.set_ylabel("fratricide share of coalition casualties (%)")
ax.set_title("Fratricide share against interpreters, by link delivery (95% CI)")
ax.legend(fontsize=8, ncol=2)
ax.set_ylim(bottom=0)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 3. What changes across the surface: the recorded causes
#
# Incidents per campaign by recorded cause along the baseline's delivery row. More
# interpreters turn lost reports into delivered ones; what is left is stale and garbled
# reports (a delivered report can still be late or mistranslated) and misidentification,
# which more interpreters barely touch.

# %%
CAUSES = ["report_lost", "report_stale", "report_garbled", "challenge_failed",
          "misidentification"]
row = surface[surface["delivery"] == BASE[0]].sort_values("interpreters")
fig, ax = plt.subplots(figsize=(8, 4))
bottom = np.zeros(len(row))
for cause, colour in zip(CAUSES, ["tab:blue", "tab:cyan", "tab:purple", "tab:orange",
                                  "tab:grey"], strict=True):
    ax.bar(np.arange(len(row)), row[f"cause.{cause}"], bottom=bottom, color=colour,
           label=cause.replace("_", " "))
    bottom += row[f"cause.{cause}"].to_numpy()
ax.set_xticks(np.arange(len(row)), [f"{v:g}" + ("\n(Kursk)" if v == BASE[1] else "")
                                    for v in row["interpreters"]])
ax.set_xlabel(f"interpreters on the RU-KP link (delivery {BASE[0]:g})")
ax.set_ylabel("incidents per campaign (mean)")
ax.set_title("Friendly-fire incidents by recorded cause along the Kursk delivery row")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Reading
#
# Generated from this run's numbers.

# %%
best = surface.loc[surface["fratricide_share"].idxmin()]
worst = surface.loc[surface["fratricide_share"].idxmax()]
kursk_row = surface[surface["delivery"] == BASE[0]].set_index("interpreters")
more = kursk_row.loc[kursk_row.index.max()]
step = kursk_row[kursk_row.index > BASE[1]]
step = step.iloc[0] if len(step) else None
col_base = surface[surface["interpreters"] == BASE[1]].set_index("delivery")
lines = [
    f"- **Kursk 2024** (delivery {BASE[0]:g}, {BASE[1]:g} interpreters): fratricide share "
    f"{b['fratricide_share']:.1%} [{b['fratricide_share lo']:.1%}, "
    f"{b['fratricide_share hi']:.1%}], {b['friendly_fire_incidents']:.0f} incidents per "
    "campaign.",
    f"- **Lowest on the grid:** {best['fratricide_share']:.1%} at delivery "
    f"{best['delivery']:g} with {best['interpreters']:g} interpreters; **highest:** "
    f"{worst['fratricide_share']:.1%} at delivery {worst['delivery']:g} with "
    f"{worst['interpreters']:g}.",
    "- **More interpreters at Kursk's delivery:** "
    + (f"{step.name:g} interpreters (one grid step up) give {step['fratricide_share']:.1%} "
       f"[{step['fratricide_share lo']:.1%}, {step['fratricide_share hi']:.1%}]; "
       if step is not None else "")
    + f"{kursk_row.index.max():g} give {more['fratricide_share']:.1%} "
    f"[{more['fratricide_share lo']:.1%}, {more['fratricide_share hi']:.1%}].",
    f"- **Better radios at Kursk's interpreters:** delivery {col_base.index.max():g} gives "
    f"{col_base.loc[col_base.index.max(), 'fratricide_share']:.1%}, delivery "
    f"{col_base.index.min():g} gives {col_base.loc[col_base.index.min(), 'fratricide_share']:.1%}"
    " (with the translation pool the bottleneck, delivering more reports can lengthen the "
    "queue rather than improve the picture).",
]
if SMALL:
    lines.append("\n*Small mode: a test run, not a result.*")
display(Markdown("\n".join(lines)))
