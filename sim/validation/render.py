"""The validation report as a Markdown document, from the runs and the checks' verdicts.

:func:`render` writes the header (how to regenerate, settings, revision,
run time), the summary of checks, and the seven sections: Lanchester, one
nation beside the coalition, kursk_2024 beside the historical record (with
the prose of :mod:`sim.validation.record`), the interventions, the duel
at other unit sizes and time steps, the incidents beside the shape of real
fratricide (:mod:`sim.validation.incidents`), and the headline numbers under each
lay-down (:mod:`sim.validation.laydown`). It formats; the verdicts come from
:mod:`sim.validation.checks`. After the summary goes the section on what changed in the
headline numbers since a pinned earlier report (:mod:`sim.validation.headline`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sim.experiment.stats import describe
from sim.validation.checks import (
    EFFECT_METRICS,
    no_language_cause,
    rank_remedies,
    share_lower,
    some_misidentification,
    welch,
)
from sim.validation.decomposition import decomposition_section
from sim.validation.derived import ALL_CAUSES, mechanics
from sim.validation.fmt import diff_num, mark, num, pct
from sim.validation.incidents import evaluate, incidents_section
from sim.validation.laydown import laydown_section
from sim.validation.record import record_section
from sim.validation.runs import SCRIPT

if TYPE_CHECKING:
    from sim.schema import Scenario
    from sim.validation.runs import Arm, Settings

Check = tuple[str, bool]
Write = Callable[[str], None]


def render(settings: Settings, cfg: Scenario, lan: dict, gran: dict, base: Arm, single: Arm,
           arms: dict[str, Arm], figures: dict[str, str], runtime_s: float, revision: str,
           changed: bool, changes: Sequence[str] = (), *, exercise: Arm,
           laydowns: dict[str, Arm], seam_counts: dict[str, int]
           ) -> tuple[str, list[Check]]:
    """The document and the list of (check, passed) it summarises.

    Args:
        settings: what the report ran.
        cfg: the kursk_2024 scenario as run (for the parameters the prose quotes).
        lan: :func:`sim.validation.runs.lanchester`'s result.
        gran: :func:`sim.validation.runs.granularity`'s result.
        base: the kursk_2024 baseline ``none``.
        single: the single_nation arm.
        arms: every intervention, paired with ``base``.
        figures: figure key -> path relative to the document.
        runtime_s: wall time of the run.
        revision: the code revision (:func:`sim.validation.runs.git_revision`).
        changed: whether what decides the numbers changed during the run.
        changes: the lines of the section on what changed in the headline numbers
            (:func:`sim.validation.headline.changes_section`), put after the summary.
        exercise: the tri_nation_exercise arm under ``none`` (section 6).
        laydowns: the kursk_2024 lay-down variants under ``none`` by scenario (section 7).
        seam_counts: every lay-down's KP-RU seams, the baseline's included (section 7).
    """
    checks: list[Check] = []
    L: list[str] = []
    w = L.append

    w("# Validation report")
    w("")
    w("Regenerate this document and its figures (every number below comes from that run, "
      "except the historical figures quoted from docs/model.md with their sources):")
    w("")
    w("```bash")
    w(settings.command)
    w("```")
    w("")
    w(f"(`make validation` runs `python {SCRIPT}` with its defaults.) "
      f"Seed {settings.seed}; {settings.replications} replications per kursk_2024, "
      f"single_nation and tri_nation_exercise configuration, "
      f"{settings.lanchester_replications} per Lanchester force "
      f"ratio and per unit size and time step; {settings.workers} worker processes. Code revision {revision}. "
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

    _lanchester(w, checks, lan, figures)
    _single_nation(w, checks, base, single, figures, cfg.dt_h)
    record_section(w, checks, cfg, base, single, arms, figures)
    _interventions(w, base, arms, figures)
    decomposition_section(w, base)
    _granularity(w, checks, gran, settings.seed)
    incidents_section(w, checks, evaluate(base, exercise, cfg.dt_h), 6,
                      {"kursk_2024": len(base.reps), "tri_nation_exercise": len(exercise.reps)})
    laydown_section(w, {"kursk_2024": base, **laydowns}, seam_counts, 7)

    block = ["## Summary of checks", "", "| check | result |", "| --- | --- |"]
    block += [f"| {label} | {mark(ok)} |" for label, ok in checks]
    block.append("")
    L[summary_at:summary_at] = block + list(changes)
    return "\n".join(L).rstrip() + "\n", checks


def _lanchester(w: Write, checks: list[Check], lan: dict, figures: dict[str, str]) -> None:
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


def _single_nation(w: Write, checks: list[Check], base: Arm, single: Arm,
                   figures: dict[str, str], dt_h: float) -> None:
    base_pr, single_pr = base.per_replication(), single.per_replication()
    single_mech = mechanics(single.incidents, len(single.reps), dt_h)
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
              single_pr["language_incidents"], num)]
    rows += [(m, base.reps[m], single.reps[m], fmt)
             for m, fmt in (("friendly_fire_incidents", num), ("friendly_fire_casualties", num),
                            ("total_casualties", num), ("enemy_casualties", num),
                            ("miscommunication_share", pct), ("fratricide_share", pct))]
    for label, xb, xs, fmt in rows:
        db, ds = describe(xb.to_numpy()), describe(xs.to_numpy())
        dd = welch(xs.to_numpy(), xb.to_numpy())
        w(f"| {label} | {fmt(db['mean'])} [{fmt(db['ci95_low'])}, {fmt(db['ci95_high'])}] | "
          f"{fmt(ds['mean'])} [{fmt(ds['ci95_low'])}, {fmt(ds['ci95_high'])}] | "
          f"{fmt(dd['mean_diff'])} [{fmt(dd['ci95_low'])}, {fmt(dd['ci95_high'])}] |")
    w("")
    no_lang = no_language_cause(single_pr["language_incidents"].to_numpy())
    misid = some_misidentification(single.reps["cause.misidentification"].to_numpy())
    lower = share_lower(single.reps["fratricide_share"].to_numpy(),
                        base.reps["fratricide_share"].to_numpy())
    checks += [
        ("single_nation: no language-caused incident in any replication", no_lang.passed),
        ("single_nation: some misidentification "
         f"({num(single.reps['cause.misidentification'].mean())} per replication)",
         misid.passed),
        ("single_nation: fratricide share below kursk_2024 (Welch 95% CI of the difference "
         f"{pct(lower.ci95_low)} to {pct(lower.ci95_high)})", lower.passed)]
    w(f"- No language-caused incident in any single_nation replication: {mark(no_lang.passed)}.")
    w(f"- Some misidentification in single_nation "
      f"({int(single.reps['cause.misidentification'].sum())} incidents over {n_s} "
      f"replications): {mark(misid.passed)}.")
    w(f"- Fratricide share lower in single_nation (the whole 95% interval of the difference "
      f"below 0): {mark(lower.passed)}.")
    if single_mech["n"]:
        lost_stale = single_mech["cause_inc"]["report_lost"] + single_mech["cause_inc"][
            "report_stale"]
        w(f"- In single_nation, {pct(single_mech['cause_inc']['misidentification'])} of the "
          f"incidents are misidentification and {pct(lost_stale)}"
          " lost or stale reports within the one nation.")
    w("")
    w(f"![single_nation beside kursk_2024]({figures['single']})")
    w("")


def _interventions(w: Write, base: Arm, arms: dict[str, Arm], figures: dict[str, str]) -> None:
    base_m = base.summary["metrics"]
    n_b = len(base.reps)
    w("## 4. Interventions against the baseline (paired by seed)")
    w("")
    w(f"Each intervention on the kursk_2024 baseline's {n_b} replication seeds; the figure is "
      "the intervention minus `none` per replication, mean and 95% t-interval of the paired "
      "differences (as `sim run intervention=X compare_to=none` reports it in "
      "`summary['comparison']`). `perfect_comms` and its three parts are counterfactuals, "
      "not remedies. "
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
    ranking = rank_remedies({n: a.comparison["metrics"] for n, a in arms.items()})
    if ranking.ranked:
        best = ranking.ranked[0]
        d = arms[best].comparison["metrics"]
        sig = ranking.below_zero
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


def _granularity(w: Write, checks: list[Check], gran: dict, seed: int) -> None:
    rows, tot = gran["rows"], gran["totals"]
    first = rows[0]
    w("## 5. Unit size and time step: `lanchester_duel` cut into units")
    w("")
    w(f"The duel of section 1 at R0 = {gran['R0']} with each side cut into n units of "
      f"B0/n and R0/n soldiers, 0.05 km apart (every unit within weapon and sensor range of "
      f"every enemy), at several time steps dt; {first['replications']} replications per "
      f"case on seed {seed}, over {gran['horizon_h']:g} h (1.5 t*). A shooter spreads its "
      "fire over the targets it holds in proportion to their strength, so each target "
      "soldier is equally exposed however the force is cut (docs/model.md, direct fire). A "
      "case passes when RED is destroyed in every replication, |z| of BLUE's survivors is "
      "within the tolerance of section 1 and so is the invariant of the mean trajectory at "
      f"every recorded time. Total casualties (both sides, over the run) must lie within "
      f"{pct(tot.tolerance, 0)} of the first case's ({tot.reference}) in every case, judged "
      "on the means; beside each is the standard error of that ratio.")
    w("")
    w(f"| units per side | soldiers per unit, BLUE / RED | dt, h | RED destroyed | BLUE "
      f"survivors (theory {gran['theory']:.1f}): mean [95% CI] | z | tolerance \\|z\\| ≤ "
      "| invariant: largest deviation (at t, h) | tolerance there | total casualties: mean "
      "| against the first case ± se | result |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        ok = r["pass"] and r["inv_pass"]
        w(f"| {r['units']} | {r['blue_strength']} / {r['red_strength']} | {r['dt_h']:g} | "
          f"{r['destroyed']}/{r['replications']} | {r['mean']:.1f} [{r['ci95_low']:.1f}, "
          f"{r['ci95_high']:.1f}] | {r['z']:+.2f} | {r['tolerance']:.2f} | "
          f"{r['inv_max_dev']:+.2%} ({r['inv_max_dev_time']:g}) | ±{r['inv_tol_at_worst']:.2%} | "
          f"{tot.mean[r['case']]:.1f} | {tot.rel_diff[r['case']]:+.2%} ± "
          f"{tot.rel_se[r['case']]:.2%} | {mark(ok)} |")
        per_side = f"{r['units']} unit{'s' if r['units'] > 1 else ''} per side"
        checks.append((f"Square law at {per_side}, dt {r['dt_h']:g} h "
                       f"(z = {r['z']:+.2f}, invariant {r['inv_max_dev']:+.2%})", ok))
    w("")
    checks.append((f"Total casualties at every unit size and time step within "
                   f"{pct(tot.tolerance, 0)} of the first case's (largest "
                   f"{tot.rel_diff[tot.worst]:+.2%}: {tot.worst})", tot.passed))
    w(f"Largest difference in total casualties from {tot.reference}: "
      f"{tot.rel_diff[tot.worst]:+.2%} ± {tot.rel_se[tot.worst]:.2%} ({tot.worst}): "
      f"{mark(tot.passed)}. A step's own error (Euler steps of dt, each a binomial draw "
      "whose mean is the Lanchester rate) shrinks the invariant by about a b dt t after t "
      f"hours: {gran['a'] * gran['b'] * max(r['dt_h'] for r in rows) * gran['t_star']:.2%} "
      f"at dt = {max(r['dt_h'] for r in rows):g} h by t* = {gran['t_star']:.1f} h.")
    w("")
