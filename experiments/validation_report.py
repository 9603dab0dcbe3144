"""Validation report (issue 4): regenerate docs/validation.md and docs/figures/validation_*.png.

What it checks, every number computed by this run (docs/model.md gives the figures
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
3. ``kursk_2024``'s fratricide share beside the historical figures (placed
   below, within or above each, not judged), the mechanics behind it, and the
   baseline beside the reported Kursk figures: KP killed + wounded 30-40% of
   its initial force (the calibration target) and 3-9 wounded per killed, both
   on the mean, and a KP-RU incident in every replication.
4. Every intervention's paired effect against the baseline ``none`` on the
   same replication seeds (common random numbers), and the baseline's effect of
   miscommunication (``none`` minus ``perfect_comms``) split into its three parts
   by Shapley values over the 2^3 combinations (sim/validation/decomposition.py;
   only the three pairs of parts are run for it, the rest are arms run anyway).
5. ``lanchester_duel`` cut into 1, 10 and 100 units per side (the same total
   forces, every unit in range of every enemy) at time steps of 0.25, 0.5 and
   1 h: the square law holds in every case (the tolerances of 1), and total
   casualties lie within 2% of the configured duel's (1 unit per side, 0.25 h).
6. The incidents beside the shape of real fratricide (issue 13 item 6,
   sim/validation/incidents.py, bands stated before any run): on the kursk_2024
   baseline, casualties per incident with any, the killed share of friendly
   fire over that of enemy fire, the share of incidents by indirect fire,
   incident durations, and the probability per campaign of an incident
   killing 8 or more; and on ``tri_nation_exercise`` (``none``, same seed and
   replications) direct-fire friendly-fire casualties as a share of those the
   coalition inflicted (NTC's 1-3%). The exercise is cheap (240 h) and runs
   as configured, also with ``--quick``.
7. The lay-down (issue 13 item 4, sim/validation/laydown.py): kursk_2024,
   kursk_2024_sectors and kursk_2024_embedded under ``none`` side by side, with
   their seams; not judged (the lay-down is an uncertainty of the input).

After the summary of checks, the report sets its headline figures beside a pinned
earlier report, with a note on why each moved (``sim.validation.headline``), and
leaves its own figures in ``experiments/results/validation_headline.json`` for the
next comparison.

Pairing: the first intervention runs with ``compare_to=none`` (so the
baseline arm is the library's own counterfactual); the others run alone and
are paired with that baseline by ``sim.experiment.summary.build_summary``,
the same code ``compare_to=none`` uses, so the baseline is simulated once.
tests/test_validation.py checks that this equals a ``compare_to=none`` run.

This script is the command line; the work is in ``sim.validation``: ``runs``
(the arms, through ``sim.api``), ``checks`` (the verdicts, pure, with their
bands and tolerances), ``derived`` (figures derived from the tables),
``incidents`` (section 6: its rules as data, figures, verdicts and prose),
``figures`` (matplotlib), ``render``, ``record`` and ``fmt`` (the Markdown).

Usage: python experiments/validation_report.py [--replications N] [--quick]
(``make validation``). ``--quick`` uses tiny forces and horizons and a few
replications: a smoke test, not a validation.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from sim.experiment.atomic import write_atomic  # noqa: E402
from sim.validation.figures import write_figures  # noqa: E402
from sim.validation.headline import changes_section, headline, load_before, write_latest  # noqa: E402
from sim.validation.laydown import LAYDOWNS, seams  # noqa: E402
from sim.validation.render import render  # noqa: E402
from sim.validation.runs import (  # noqa: E402
    REPO,
    RESULT_SOURCES,
    SCRIPT,
    Arm,
    Settings,
    exercise,
    git_revision,
    granularity,
    kursk_arms,
    kursk_scenario,
    lanchester,
    laydowns,
    log,
    run_arm,
    single_nation,
    source_digest,
)

__all__ = ["DEFAULT_OUTPUT", "QUICK_GRANULARITY", "QUICK_KURSK", "QUICK_SINGLE",
           "RESULT_SOURCES", "Arm", "Settings", "exercise", "kursk_arms", "lanchester", "main",
           "run_arm", "settings_from", "single_nation"]

DEFAULT_OUTPUT = REPO / "docs" / "validation.md"

#: Tiny forces and horizons for --quick (a smoke test of the report, not a validation).
#: (shrunk the documented way, ``scale`` below 1: sim/scaling.py)
QUICK_KURSK = ("scale=0.05", "scenario.horizon_h=72", "scenario.units.kp.front_from_h=12")
QUICK_SINGLE = ("scale=0.05", "scenario.horizon_h=72")
#: Units per side and time steps of the granularity cases in --quick (100 units per side at
#: dt 0.25 h cost about 30 s a replication).
QUICK_GRANULARITY = ((1, 10), (0.25, 1.0))


def settings_from(argv: list[str] | None) -> tuple[Settings, Path]:
    """The settings and the output path from the command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=None,
                    help="replications per kursk_2024 / single_nation / "
                         "tri_nation_exercise configuration "
                         "(default 16; 3 with --quick)")
    ap.add_argument("--lanchester-replications", type=int, default=None,
                    help="replications per Lanchester force ratio and per unit size and "
                         "time step (default 32; 5 with --quick)")
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
                    kursk_overrides=QUICK_KURSK, single_overrides=QUICK_SINGLE,
                    granularity_units=QUICK_GRANULARITY[0], granularity_dt_h=QUICK_GRANULARITY[1])
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
    gran = granularity(settings)
    single = single_nation(settings)
    base, arms = kursk_arms(settings)
    drill = exercise(settings)
    variants = laydowns(settings)
    seam_counts = {name: seams(name) for name, _ in LAYDOWNS}    # the full lay-down
    fig_dir = output.parent / "figures"
    figures = write_figures(lan, base, single, arms, fig_dir)
    runtime = time.perf_counter() - start
    changed = source_digest(settings) != digest
    if changed:
        log("WARNING: the model or configs changed during the run; regenerate the report")
    scenario = kursk_scenario(settings)
    now, changes = headline(base, single, arms, scenario.dt_h), []
    changes_section(changes.append, now, load_before())
    if not settings.quick and output.resolve() == DEFAULT_OUTPUT:
        write_latest(now, revision)       # the "before" of the next change to the model
    text, checks = render(settings, scenario, lan, gran, base, single, arms,
                          figures, runtime, revision, changed, changes, exercise=drill,
                          laydowns=variants, seam_counts=seam_counts)
    write_atomic(output, lambda p: p.write_text(text))
    log(f"wrote {output} and {len(figures)} figures in {runtime:.0f} s; "
        f"{sum(ok for _, ok in checks)}/{len(checks)} checks pass")
    return {"settings": settings, "lanchester": lan, "granularity": gran, "baseline": base,
            "single": single, "interventions": arms, "exercise": drill,
            "laydowns": variants, "checks": checks,
            "output": output, "headline": now,
            "figures": [fig_dir / Path(f).name for f in figures.values()], "runtime_s": runtime}


if __name__ == "__main__":
    main()
