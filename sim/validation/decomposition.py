"""The validation report's split of ``perfect_comms`` into its parts, for the kursk_2024 baseline.

- :func:`baseline_decomposition`: the baseline ``none`` on its seeds under every
  combination of ``perfect_reports``, ``no_language_barrier`` and
  ``instant_check_fire`` (:mod:`sim.model.ideal`), decomposed by
  :func:`sim.experiment.decomposition.summarise` (Shapley values, as
  ``sim run decompose=true`` reports them). A combination that builds the same
  model as an arm the report already ran (``perfect_comms``, each part's own
  config) reuses it; only the others are run.
- :func:`decomposition_section`: the sub-section of section 4 that shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import pandas as pd

from sim.cli.validate import load_intervention
from sim.experiment import decomposition as decomp
from sim.experiment.metrics import METRICS
from sim.validation.fmt import diff_num, num, pct

if TYPE_CHECKING:
    from sim.validation.runs import Arm

#: The metrics the section shows.
SHOWN = ("friendly_fire_casualties", "friendly_fire_incidents")


def baseline_decomposition(base: Arm, arms: Mapping[str, Arm],
                           run: Callable[[tuple[str, ...]], pd.DataFrame]) -> dict:
    """The decomposition of the baseline ``base`` (summary.json's ``decomposition``), with
    ``ran``: the combinations that had to be run.

    Args:
        base: the baseline ``none``.
        arms: the interventions already run on the same seeds, by config name.
        run: runs the baseline with the parts of a combination switched on; returns its
            replications table.
    """
    none = load_intervention(base.name)
    known = {decomp.simulation_key(load_intervention(name)): arm.reps
             for name, arm in arms.items()}
    tables, ran = {}, []
    for subset in decomp.subsets()[1:]:
        key = decomp.simulation_key(decomp.with_parts(none, subset))
        if key not in known:
            known[key] = run(subset)
            ran.append(decomp.label(subset))
        tables[decomp.label(subset)] = known[key]
    return {**decomp.summarise(base.reps, tables, METRICS), "ran": ran}


def decomposition_section(w: Callable[[str], None], base: Arm) -> None:
    """Section 4's sub-section on the parts of ``perfect_comms`` (nothing when it was not
    computed: ``base.extra["decomposition"]``)."""
    dec = base.extra.get("decomposition")
    if dec is None:
        return
    parts, metrics = dec["parts"], dec["metrics"]
    w("### The effect of miscommunication in three parts")
    w("")
    w("`perfect_comms` switches off three things at once; each is also a counterfactual of its "
      "own (docs/model.md, sim/model/ideal.py): `perfect_reports` (every message delivered at "
      "once, never lost or queued, though still garbled across a language barrier), "
      "`no_language_barrier` (comprehension 1 on every hop, challenge and call; messages still "
      "lost or late) and `instant_check_fire` (fire on a friend stops at once). The baseline "
      f"ran on its {len(base.reps)} seeds under all 2^3 combinations (`none`, the three parts "
      "and `perfect_comms` from the table above; " + _ran(dec["ran"]) + "). The effect, `none` "
      "minus `perfect_comms` per replication, is split into the parts' Shapley values: the "
      "drop when a part is made perfect, averaged over the six orders in which the parts can "
      "be made perfect, so the three add up to the total in every replication and an overlap "
      "(two parts removing the same incidents) is shared equally. Mean and 95% t-interval over "
      "replications, as `sim run decompose=true` reports them in `summary['decomposition']`.")
    w("")
    w("The check-fire call is itself a message: `perfect_reports` delivers it at once and "
      "`no_language_barrier` has it understood, so the three parts overlap on how long an "
      "incident lasts, and `instant_check_fire` gets its share of that overlap only. "
      + _largest(parts, metrics[SHOWN[0]], SHOWN[0]))
    w("")
    w("| part | " + " | ".join(f"{m} | share" for m in SHOWN) + " |")
    w("| --- |" + " --- | --- |" * len(SHOWN))
    for p in parts:
        w(f"| `{p}` | " + " | ".join(_cell(metrics[m]["shapley"][p], metrics[m]["effect"])
                                    for m in SHOWN) + " |")
    w("| total: `none` - `perfect_comms` | " + " | ".join(
        _cell(metrics[m]["effect"], metrics[m]["effect"]) for m in SHOWN) + " |")
    w("")
    w("Mean per replication under each combination of parts made perfect:")
    w("")
    w("| parts made perfect | " + " | ".join(SHOWN) + " |")
    w("| --- |" + " --- |" * len(SHOWN))
    for name in metrics[SHOWN[0]]["combinations"]:
        shown = name.replace("+", " + ")
        w(f"| {shown} | " + " | ".join(num(metrics[m]["combinations"][name]) for m in SHOWN)
          + " |")
    w("")


def _cell(d: Mapping[str, float], total: Mapping[str, float]) -> str:
    """A Shapley value with its interval, and its share of the mean total."""
    share = pct(d["mean_diff"] / total["mean_diff"], 0) if total["mean_diff"] else "-"
    return f"{diff_num(d)} | {share}"


def _largest(parts: list[str], m: Mapping, name: str) -> str:
    """A sentence naming the part with the largest Shapley value of metric ``name``."""
    total = m["effect"]["mean_diff"]
    if not total:
        return f"Here {name} are the same on average with and without `perfect_comms`."
    best = max(parts, key=lambda p: m["shapley"][p]["mean_diff"] / total)
    return (f"Of the difference in {name} between `none` and `perfect_comms`, `{best}` "
            f"accounts for the largest share ({pct(m['shapley'][best]['mean_diff'] / total, 0)}).")


def _ran(ran: list[str]) -> str:
    if not ran:
        return "no combination needed a run of its own"
    return "run for this section: " + ", ".join(f"`{r}`" for r in ran)
