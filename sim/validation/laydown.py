"""Section 7 of the validation report: the headline numbers under each lay-down.

Where the KP companies stood beside the Russian ones is an uncertainty (docs/model.md,
"Lay-down"), spanned by three scenarios that differ only in it: ``kursk_2024``
(interleaved, the baseline), ``kursk_2024_sectors`` (a sector each, one seam) and
``kursk_2024_embedded`` (the baseline's places, KP companies with embedded RU teams).
This section runs each under ``none`` on the report's seed and replications and sets
their headline numbers side by side: the seams of the lay-down
(:func:`sim.model.seams.allied_seams`), KP's losses, the friendly-fire incidents and
casualties, the fratricide share, and the incident signature of section 6 (casualties per
incident with any, the largest, the chance of an 8-killed incident, the indirect share).
Each scenario states its lay-down as declarations of its unit groups
(``units.<G>.laydown``, :mod:`sim.model.laydown`); the table shows them beside the
seams they make. Nothing here is judged: the lay-down is not a model output to validate
but an input whose range the answer must be read over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from sim import api
from sim.experiment.stats import describe
from sim.model import laydown
from sim.model.forces import build_forces
from sim.model.seams import allied_seams
from sim.validation.fmt import ci_num, ci_pct, num, pct
from sim.validation.incidents import (
    casualties_per_incident,
    indirect_share,
    large_incident_probability,
)

if TYPE_CHECKING:
    from sim.validation.runs import Arm

Write = Callable[[str], None]

#: The lay-downs in the order the table shows them: scenario, what it is.
LAYDOWNS: tuple[tuple[str, str], ...] = (
    ("kursk_2024", "interleaved: KP and RU companies alternate (the baseline)"),
    ("kursk_2024_sectors", "a sector each: KP the southern 40 km, RU the rest"),
    ("kursk_2024_embedded", "interleaved, each KP company with an embedded RU team"),
)


def seams(scenario: str, *overrides: str) -> int:
    """The lay-down's KP-RU seams: :func:`sim.model.seams.allied_seams` of its forces."""
    cfg = api.config(f"scenario={scenario}", *overrides).scenario
    return allied_seams(build_forces(cfg, np.random.default_rng(0)))


def declared(scenario: str, *overrides: str) -> str:
    """The coalition groups' declared places, as the table writes them: groups with the
    same declaration together ("kp, ru, akhmat: interleaved [kp, ru, akhmat]"), a group
    without one as ``explicit`` stride/interleave."""
    cfg = api.config(f"scenario={scenario}", *overrides).scenario
    coalition = [name for name, grp in cfg.units.items()
                 if cfg.nations[grp.nation].side == "coalition"]
    by_place: dict[str, list[str]] = {}
    for name in coalition:
        lay = cfg.units[name].laydown
        if lay is None:
            what = "explicit stride/interleave"
        elif lay.place == "sector":
            what = "sector"
        else:
            what = f"{lay.place} [{', '.join(lay.groups)}]"
            if lay.within is not None:
                net = laydown.radios(cfg)[cfg.units[name].nation]
                what += f" within {lay.within} (on the {net} net)"
        by_place.setdefault(what, []).append(name)
    return "; ".join(f"{', '.join(names)}: {what}" for what, names in by_place.items())


def headline(arm: Arm) -> dict[str, str]:
    """The row of one lay-down's arm, as the table writes it."""
    per = arm.per_replication()
    reps = arm.reps
    ids = reps["replication"].tolist()
    per_inc = casualties_per_incident(arm.incidents, ids)
    large = large_incident_probability(arm.incidents, ids)
    indirect = indirect_share(arm.incidents, ids)
    return {
        "kp_loss": ci_pct(describe(per["kp_loss_share"])),
        "incidents": ci_num(describe(reps["friendly_fire_incidents"])),
        "ff": ci_num(describe(reps["friendly_fire_casualties"])),
        "share": ci_pct(describe(reps["fratricide_share"]), 2),
        "per_incident": num(per_inc.value) if np.isfinite(per_inc.value) else "-",
        "largest": str(int(large.stats["max_killed"])),
        "large": f"{int(large.stats['with_large'])}/{int(large.stats['replications'])}",
        "indirect": pct(indirect.value) if np.isfinite(indirect.value) else "-",
    }


def laydown_section(w: Write, arms: Mapping[str, Arm], seam_counts: Mapping[str, int],
                    number: int) -> None:
    """Section ``number``: the table of :data:`LAYDOWNS` (``arms`` and ``seam_counts`` by
    scenario name) and what it shows."""
    rows = {name: headline(arms[name]) for name, _ in LAYDOWNS}
    n = len(arms[LAYDOWNS[0][0]].reps)
    w(f"## {number}. The lay-down: headline numbers for each (`none`, paired seeds)")
    w("")
    w("Where the KP companies stood beside the Russian ones is not in the public reporting "
      "at company level; docs/model.md (\"Lay-down\") gives the evidence both ways and the "
      "three scenarios that span it. Each runs under `none` on the report's seed, "
      f"{n} replications; they differ only in the lay-down (and, for the embedded one, "
      "in what the embedded teams carry: the RU net, which joins the two HQs as "
      "`common_radio_net` does). Means with 95% intervals; the "
      "incident figures are section 6's, pooled over replications. Nothing is judged here: "
      "the lay-down is an input whose range the answer must be read over.")
    w("")
    w("| lay-down | declared (`units.<G>.laydown`) | KP-RU seams | KP killed + wounded / initial | friendly-fire incidents "
      "per replication | friendly-fire casualties per replication | fratricide share | "
      "casualties per incident with any | largest, killed | campaigns with an incident "
      "killing 8+ | incidents by indirect fire |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, what in LAYDOWNS:
        r = rows[name]
        w(f"| `{name}`: {what} | {declared(name)} | {seam_counts[name]:,} | {r['kp_loss']} | {r['incidents']} | "
          f"{r['ff']} | {r['share']} | {r['per_incident']} | {r['largest']} | {r['large']} | "
          f"{r['indirect']} |")
    w("")
    ff = {name: float(arms[name].reps["friendly_fire_casualties"].mean())
          for name, _ in LAYDOWNS}
    kp = [float(arms[name].per_replication()["kp_loss_share"].mean()) for name, _ in LAYDOWNS]
    low, high = min(ff, key=ff.get), max(ff, key=ff.get)
    w(f"Across the three, friendly-fire casualties per campaign range from {num(ff[low])} "
      f"(`{low}`) to {num(ff[high])} (`{high}`), and KP's losses from {pct(min(kp))} to "
      f"{pct(max(kp))} of the initial force. The answer to \"how much does coalition "
      "friction cost\" is to be read over this range, not from the baseline alone.")
    w("")
