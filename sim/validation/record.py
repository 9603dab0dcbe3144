"""Section 3 of the validation report: ``kursk_2024`` beside the historical record.

The fratricide share of the kursk_2024 baseline (and the shares of the
killed, of the wounded, and of the casualties the coalition inflicted) beside
the historical figures of :data:`sim.validation.checks.HISTORICAL`, placed by
:func:`sim.validation.checks.placement`; the mechanics behind the share; and
the baseline beside the reported Kursk figures, where KP's losses must lie in
:data:`~sim.validation.checks.KP_LOSS_BAND` and its wounded per killed in
:data:`~sim.validation.checks.WOUNDED_PER_KILLED_BAND` (judged on the mean), and
every replication must have a KP-RU incident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING

from sim.experiment.stats import describe
from sim.validation.checks import (
    HISTORICAL,
    KP_LOSS_BAND,
    WOUNDED_PER_KILLED_BAND,
    in_every_replication,
    mean_in_band,
    placement,
)
from sim.validation.derived import ALL_CAUSES, mechanics
from sim.validation.fmt import ci_num, ci_pct, diff_num, hours, mark, num, pct

if TYPE_CHECKING:
    import pandas as pd

    from sim.schema import Scenario
    from sim.validation.runs import Arm

Check = tuple[str, bool]
Write = Callable[[str], None]


def record_section(w: Write, checks: list[Check], cfg: Scenario, base: Arm, single: Arm,
                   arms: dict[str, Arm], figures: dict[str, str]) -> None:
    """Write section 3 with ``w``; append its checks (the reported Kursk figures) to ``checks``.

    Args:
        w: appends one line to the document.
        checks: the report's (check, passed) list.
        cfg: the kursk_2024 scenario as run.
        base: the kursk_2024 baseline.
        single: the single_nation arm.
        arms: the interventions (``perfect_comms`` gives the causal share of miscommunication).
        figures: figure key -> path relative to the document.
    """
    base_pr = base.per_replication()
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
        w(f"| {src} | {label}: {quoted} | {of} | {ci_pct(m)} | {placement(m, lo, hi)} |")
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
    for p in _why(cfg, base, arms, share, single_share, k_share, wd_share, inflicted):
        w(p)
        w("")
    if "kp_loss_share" in base_pr:
        _reported(w, checks, cfg, base_pr)


def _why(cfg: Scenario, base: Arm, arms: dict[str, Arm], share: dict, single_share: dict,
         k_share: dict, wd_share: dict, inflicted: dict) -> list[str]:
    """The paragraphs on where the share lands and what produces it."""
    dt_h = cfg.dt_h
    n_b = len(base.reps)
    mech = mechanics(base.incidents, n_b, dt_h)
    ota = placement(share, 0.10, 0.20)
    shr = placement(share, 0.0, 0.02)
    para = [f"The kursk_2024 baseline puts {ci_pct(share)} of coalition casualties down to "
            f"friendly fire. Against the OTA's 10-20% band it lies {ota}; against Shrader's "
            f"'less than 2%', {shr}. single_nation, the same front without the coalition, "
            f"gives {ci_pct(single_share)}."]
    placed: dict[str, list[str]] = {}
    for label, lo, hi, _, of, _ in HISTORICAL:
        if of == "casualties":
            placed.setdefault(placement(share, lo, hi).split(",")[0], []).append(label)
    para[-1] += (" Beside the figures that are shares of all casualties, the mean lies "
                 + "; ".join(f"{k} {', '.join(v)}" for k, v in placed.items()) + ".")
    overlap = (k_share["ci95_low"] <= wd_share["ci95_high"]
               and wd_share["ci95_low"] <= k_share["ci95_high"])
    ff_ahead = k_share["ci95_low"] > wd_share["ci95_high"]
    para.append(
        f"The share of the killed ({ci_pct(k_share)}) and of the wounded ({ci_pct(wd_share)}) "
        f"{'overlap' if overlap else 'differ'}: a casualty is killed with the killed fraction "
        f"of the fire that caused it, higher for soldiers caught in the open by fire they did "
        f"not expect (indirect fire: {cfg.indirect_fire.killed_fraction_exposed} in the open, "
        f"{cfg.indirect_fire.killed_fraction} in cover), so friendly fire, which surprises "
        f"its victims, can be deadlier than enemy fire, as in Desert Storm (24% of the "
        f"killed, 15% of the wounded). Here the share of the killed "
        f"{'lies above' if ff_ahead else 'does not lie clearly above'} that of the wounded. "
        f"Against NTC's 1-3% of blue kills, {ci_pct(inflicted)} of "
        f"the casualties the coalition inflicted fell on its own side "
        f"({placement(inflicted, 0.01, 0.03)}).")
    if mech["n"]:
        dur = mech["dur_cas"]
        top_inc = max(ALL_CAUSES, key=lambda c: mech["cause_inc"][c])
        top_cas = max(ALL_CAUSES, key=lambda c: mech["cause_cas"][c])
        para.append(
            f"The share comes from many small incidents, not a few large ones: "
            f"{num(mech['per_rep'])} incidents per replication over the "
            f"{cfg.horizon_h / 24:.0f}-day campaign, median duration {hours(mech['dur_median'])} "
            f"(90th percentile {hours(mech['dur_p90'])}; {pct(mech['dur_le_step'])} end within one "
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
            f"(artillery missions and drone strikes on calls for fire that were on a misjudged "
            f"friend, garbled or late, and hunting drones that met a friend their HQ's picture "
            f"did not show) for the rest. "
            f"Shrader's record puts about a third of fratricide on artillery and another third "
            f"on aircraft; at Kursk drones took the aircraft's role, and section 6 sets the "
            f"model's mix against the record's.")
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
            f"communication failures. The two need not agree (docs/contract.md).")
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
            f"{ident.garble_error_km} km, self-recognition {ident.self_recognition_per_h}/h, "
            f"and the weapon systems' P(hit) tables and rates, the units' protection in "
            f"cover and the {cfg.surprise.exposed_h:g} h surprised soldiers stay in the "
            f"open (configs/front/kursk.yaml). "
            "The historical figures are shares of casualties over whole wars with different "
            "weapons and reporting, so a match within their spread is as much as this "
            "comparison can show.")
    return para


def _reported(w: Write, checks: list[Check], cfg: Scenario, base_pr: pd.DataFrame) -> None:
    """The kursk_2024 baseline beside the reported Kursk figures, and their three checks."""
    kp_loss = mean_in_band(base_pr["kp_loss_share"].to_numpy(), KP_LOSS_BAND)
    kwk = mean_in_band(base_pr["kp_wounded_per_killed"].dropna().to_numpy(),
                       WOUNDED_PER_KILLED_BAND)
    kpru = base_pr["kp_ru_incidents"]
    every = in_every_replication(kpru.to_numpy())
    kp_share, share_ok, ratio_ok = asdict(kp_loss), kp_loss.passed, kwk.passed
    w("### The kursk_2024 baseline beside the reported Kursk figures")
    w("")
    w("| figure | reported (docs/model.md: claims by belligerents and intelligence services) | "
      "model, mean [95% CI] | |")
    w("| --- | --- | --- | --- |")
    w(f"| KP killed + wounded / initial force | ~30-40% in ~3 months of combat | "
      f"{ci_pct(kp_share)} | {mark(share_ok)} (calibrated: docs/calibration.md) |")
    w(f"| KP killed + wounded | ~4,000 (mid-Jan 2025), ~4,700 (30 Apr 2025) | "
      f"{ci_num(describe(base_pr['kp_casualties'].to_numpy()))} | |")
    w(f"| KP killed | ~300 (13 Jan 2025), ~600 (30 Apr 2025) | "
      f"{ci_num(describe(base_pr['kp_killed'].to_numpy()))} | |")
    w(f"| KP wounded per killed | 3-9 | {ci_num(asdict(kwk))} | {mark(ratio_ok)} (follows "
      f"the killed fractions of the fire, in cover and in the open) |")
    w(f"| KP-RU friendly-fire incidents | at least one (KP fired on Akhmat vehicles, 8 "
      f"killed, Dec 2024) | {ci_num(describe(kpru.to_numpy()))} per replication; in "
      f"{every.replications_with} of {every.replications} replications | "
      f"{mark(every.passed)} |")
    w(f"| KP fire on the Akhmat unit | one reported incident, 8 killed | "
      f"{ci_num(describe(base_pr['kp_on_akhmat'].to_numpy()))} incidents, "
      f"{ci_num(describe(base_pr['kp_on_akhmat_killed'].to_numpy()))} killed per "
      f"replication | |")
    w("")
    checks.extend([("kursk_2024: KP killed + wounded 30-40% of initial (calibrated)", share_ok),
                   ("kursk_2024: KP wounded per killed within 3-9", ratio_ok),
                   ("kursk_2024: KP-RU incidents in every replication", every.passed)])

