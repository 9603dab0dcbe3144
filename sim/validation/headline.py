"""What changed in the headline numbers: this run beside a pinned earlier report.

:func:`headline` collects the report's headline figures from this run's arms (kursk_2024
baseline, single_nation, the interventions). The report writes them to
:data:`LATEST` after every run, so the next change of the model has its "before".
:func:`changes_section` sets them beside a pinned earlier record (:data:`BEFORE`): a JSON
file with the figures of an earlier report, the revision they came from, and a note per
figure on why it moved, written by whoever changed the model. A figure the earlier
record lacks is shown as "-"; the note says why or is left empty.

Rounding: figures the earlier record copied from a Markdown report carry that
report's rounding (a share to 0.1 percentage point, a count to 3 significant digits).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sim.experiment.atomic import write_atomic
from sim.validation.checks import COUNTERFACTUALS
from sim.validation.derived import ALL_CAUSES, mechanics
from sim.validation.fmt import num, pct

if TYPE_CHECKING:
    from sim.validation.runs import Arm

Write = Callable[[str], None]

RESULTS = Path(__file__).resolve().parents[2] / "experiments" / "results"
#: the earlier report the section compares with (kursk_2024 before drones hunted the grey
#: zone, code 0003dba; validation_headline_f85d281.json holds the one on issue 13's first
#: step, validation_headline_ea5cdd5.json the one before issue 13's weapon systems,
#: validation_headline_b26843a.json the one before issue 12's mechanics)
BEFORE = RESULTS / "validation_headline_0003dba.json"
#: where each run of the report leaves its own headline figures
LATEST = RESULTS / "validation_headline.json"


@dataclass(frozen=True)
class Figure:
    """One headline figure: its key in the record, how the report names and writes it."""

    key: str
    label: str
    kind: str = "num"      # "num", "int" (a whole count), "pct" (a share), "h" (hours),
    #                        "rel" (a change)


#: The headline figures, in the order of the table. Means per replication of the
#: kursk_2024 baseline unless the label says otherwise.
FIGURES = (
    Figure("fratricide_share", "fratricide share of coalition casualties", "pct"),
    Figure("friendly_fire_incidents", "friendly-fire incidents per replication"),
    Figure("friendly_fire_casualties", "friendly-fire casualties per replication"),
    Figure("total_casualties", "coalition casualties, all causes"),
    Figure("enemy_casualties", "enemy casualties inflicted"),
    Figure("kp_loss_share", "KP killed + wounded / initial (calibrated, 30-40%)", "pct"),
    Figure("kp_killed", "KP killed"),
    Figure("incident_duration_median_h", "median incident duration", "h"),
    Figure("casualties_per_incident", "casualties per incident"),
    Figure("incidents_without_casualties", "incidents without casualties", "pct"),
    Figure("largest_incident_killed", "largest incident, killed (all replications)", "int"),
    Figure("direct_fire_share_of_ff_casualties",
           "direct fire's share of friendly-fire casualties", "pct"),
    Figure("indirect_share_of_hostile",
           "enemy artillery and drones' share of casualties by enemy fire", "pct"),
    *(Figure(f"cause.{c}", f"incidents caused by `{c}`", "pct") for c in ALL_CAUSES),
    Figure("miscommunication_share", "incidents with a communication cause", "pct"),
    Figure("perfect_comms_effect", "`perfect_comms` minus `none`: friendly-fire casualties",
           "rel"),
    Figure("single_nation_fratricide_share", "single_nation's fratricide share", "pct"),
    *(Figure(f"remedy.{r}", f"`{r}` minus `none`: friendly-fire casualties", "rel")
      for r in ("common_radio_net", "shared_language", "liaison_officers", "interpreters_x2",
                "iff_markings", "strict_roe")),
    Figure("strict_roe_enemy_effect", "`strict_roe` minus `none`: enemy casualties", "rel"),
)


def headline(base: Arm, single: Arm, arms: Mapping[str, Arm], dt_h: float) -> dict[str, float]:
    """This run's headline figures (:data:`FIGURES`), keyed as there."""
    m = base.summary["metrics"]
    out = {k: m[k]["mean"] for k in ("fratricide_share", "friendly_fire_incidents",
                                     "friendly_fire_casualties", "total_casualties",
                                     "enemy_casualties", "miscommunication_share")}
    if "hostile_fire.indirect" in base.reps:
        hostile = base.reps["hostile_fire_casualties"].sum()
        out["indirect_share_of_hostile"] = (
            float(base.reps["hostile_fire.indirect"].sum() / hostile) if hostile else 0.0)
    pr = base.per_replication()
    if "kp_loss_share" in pr:
        out["kp_loss_share"] = float(pr["kp_loss_share"].mean())
        out["kp_killed"] = float(pr["kp_killed"].mean())
    mech = mechanics(base.incidents, len(base.reps), dt_h)
    if mech["n"]:
        out |= {"incident_duration_median_h": mech["dur_median"],
                "casualties_per_incident": mech["cas_mean"],
                "incidents_without_casualties": mech["zero_cas"],
                "largest_incident_killed": float(mech["max_killed"]),
                "direct_fire_share_of_ff_casualties": mech["fire_cas"]["direct"]}
        out |= {f"cause.{c}": mech["cause_inc"][c] for c in ALL_CAUSES}
    out["single_nation_fratricide_share"] = single.summary["metrics"]["fratricide_share"]["mean"]
    for name, arm in arms.items():
        if name in COUNTERFACTUALS and name != "perfect_comms":
            continue                 # its parts: in the decomposition section, not headline
        key = "perfect_comms_effect" if name == "perfect_comms" else f"remedy.{name}"
        out[key] = _relative(arm, base, "friendly_fire_casualties")
        if name == "strict_roe":
            out["strict_roe_enemy_effect"] = _relative(arm, base, "enemy_casualties")
    return out


def _relative(arm: Arm, base: Arm, metric: str) -> float:
    """The paired mean difference of ``metric`` as a share of the baseline's mean (0 if 0)."""
    b0 = base.summary["metrics"][metric]["mean"]
    return arm.comparison["metrics"][metric]["mean_diff"] / b0 if b0 else 0.0


def write_latest(figures: Mapping[str, float], revision: str, path: Path = LATEST) -> None:
    """Leave this run's figures for the next comparison (sorted keys, atomically)."""
    text = json.dumps({"revision": revision, "figures": dict(figures)}, indent=2,
                      sort_keys=True) + "\n"
    write_atomic(path, lambda p: p.write_text(text))


def load_before(path: Path = BEFORE) -> dict | None:
    """The pinned earlier record, or None when there is none."""
    return json.loads(path.read_text()) if path.is_file() else None


def _cell(fig: Figure, value: float | None) -> str:
    if value is None:
        return "-"
    if fig.kind == "pct":
        return pct(value)
    if fig.kind == "rel":
        return f"{100 * value:+.0f}%"
    if fig.kind == "int":
        return f"{value:,.0f}"
    if fig.kind == "h":
        return f"{value:g} h" if value >= 0.1 else f"{60 * value:.0f} min"
    return num(value)


def changes_section(w: Write, now: Mapping[str, float], before: Mapping | None) -> None:
    """Write the section "What changed in the headline numbers, and why" with ``w``."""
    w("## What changed in the headline numbers, and why")
    w("")
    if before is None:
        w(f"No earlier record to compare with ({BEFORE.name} is missing).")
        w("")
        return
    w(f"This run beside the report on code revision {before['revision']} "
      f"({before['source']}). {before['change']}")
    w("")
    w(f"| figure | {before['revision']} | this run | why it moved |")
    w("| --- | --- | --- | --- |")
    old, why = before["figures"], before.get("why", {})
    for fig in FIGURES:
        if fig.key not in now and fig.key not in old:
            continue
        w(f"| {fig.label} | {_cell(fig, old.get(fig.key))} | {_cell(fig, now.get(fig.key))} "
          f"| {why.get(fig.key, '')} |")
    w("")
    for para in before.get("summary", []):
        w(para)
        w("")
