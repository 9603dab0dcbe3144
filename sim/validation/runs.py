"""The validation report's runs, through :mod:`sim.api`: the Lanchester duel and the arms.

- :func:`lanchester`: ``lanchester_duel`` at each RED strength, with a horizon
  of 1.5 t* (the square law's destruction time) doubled until RED is destroyed
  in every replication (at most three times); judged by
  :mod:`sim.validation.checks`.
- :func:`granularity`: ``lanchester_duel`` cut into n units per side (the same
  total forces, 0.05 km apart so that every unit is within weapon and sensor
  range of every enemy) at each time step, over the horizon of 1.5 t*: the
  square-law checks in each case, and total casualties against the first case.
- :func:`single_nation` and :func:`kursk_arms`: ``single_nation``, and
  ``kursk_2024`` under the baseline ``none`` and every intervention config
  (the counterfactuals ``perfect_comms`` and its three parts first), then the
  baseline's split of ``perfect_comms`` into its parts
  (:mod:`sim.validation.decomposition`, in ``baseline.extra["decomposition"]``),
  running only the combinations of parts no config ran.
- :func:`laydowns`: the kursk_2024 lay-down variants under ``none``, alone, on the same
  seed and replications (section 7).
- :func:`exercise`: ``tri_nation_exercise`` under the baseline ``none``, on the same seed
  and replications (section 6's ground-to-ground row; :mod:`sim.validation.incidents`).

Pairing: the first intervention runs with ``compare_to=none`` (so the
baseline arm is the library's own counterfactual); the others run alone and
are paired with that baseline by ``sim.experiment.summary.build_summary``,
the same code ``compare_to=none`` uses, so the baseline is simulated once.
tests/test_validation.py checks that this equals a ``compare_to=none`` run.

:func:`source_digest` and :func:`git_revision` record what decides the
numbers (:data:`RESULT_SOURCES`), to notice a change made during the run.
"""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim import api
from sim.experiment.decomposition import label
from sim.experiment.summary import build_summary
from sim.experiment.tables import incidents_table
from sim.schema import PARTS
from sim.validation.checks import (
    invariant_trajectory,
    lanchester_invariant,
    lanchester_survivors,
    square_law,
    totals_agree,
)
from sim.validation.decomposition import baseline_decomposition
from sim.validation.derived import coalition_nations, per_replication

if TYPE_CHECKING:
    from sim.schema import Scenario

REPO = Path(__file__).resolve().parents[2]
INTERVENTION_DIR = REPO / "configs" / "intervention"
SCRIPT = "experiments/validation_report.py"
#: The files that decide the numbers (the command line, sweeps and launchers do not; nor
#: does sim/validation, which decides pass or fail and runs in the parent process only).
#: A pattern that matches no file is harmless.
RESULT_SOURCES = ("sim/model/*.py", "sim/schema.py", "sim/interventions.py", "sim/scaling.py",
                  "sim/build.py", "sim/experiment/replication.py", "sim/experiment/runner.py",
                  "sim/experiment/stats.py", "sim/experiment/summary.py",
                  "sim/experiment/decomposition.py",
                  "sim/experiment/tables.py", "configs/config.yaml", "configs/front/*.yaml",
                  "configs/scenario/*.yaml", "configs/intervention/*.yaml")


@dataclass(frozen=True)
class Settings:
    """What the report runs: replications, seeds, and the overrides of --quick."""

    replications: int = 16
    lanchester_replications: int = 32
    seed: int = 2024
    workers: int = 2
    red_strengths: tuple[int, ...] = (500, 700, 850)
    #: units per side and time steps (h) of the granularity cases; the first of each is
    #: the reference case (the configured duel: 1 unit per side, dt 0.25 h)
    granularity_units: tuple[int, ...] = (1, 10, 100)
    granularity_dt_h: tuple[float, ...] = (0.25, 0.5, 1.0)
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

    def per_replication(self) -> pd.DataFrame:
        """:func:`sim.validation.derived.per_replication` of this arm."""
        return per_replication(self.reps, self.incidents, coalition_nations(self.summary))


def log(msg: str) -> None:
    """A progress line on stderr."""
    print(f"[validation] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- 1. Lanchester


def _sides(sc: Scenario) -> tuple[str, str]:
    """The duel's BLUE and RED unit groups."""
    return (next(k for k, g in sc.units.items() if g.nation == "BLUE"),
            next(k for k, g in sc.units.items() if g.nation == "RED"))


def _strengths(res: api.Results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """BLUE and RED strength per replication and recorded time, and at the horizon."""
    wide = res.timeseries.pivot_table(index=["replication", "time_h"], columns="nation",
                                      values="strength").reset_index()
    return wide, wide[wide["time_h"] == wide["time_h"].max()].sort_values("replication")


def lanchester(settings: Settings) -> dict:
    """Run the duel at every force ratio; survivors against theory and the invariant.

    Returns:
        ``rows`` (one dict of figures and verdicts per RED strength), ``curves`` (per RED
        strength, the mean trajectory beside the square law, for the figure), ``dt_h``,
        ``a``, ``b`` and ``B0``.
    """
    sc = api.config("scenario=lanchester_duel").scenario
    blue_key, red_key = _sides(sc)
    blue, red = sc.units[blue_key], sc.units[red_key]
    b, a = blue.lethality, red.lethality          # b: on RED per BLUE soldier; a: on BLUE
    b0 = blue.strength * blue.count
    n = settings.lanchester_replications
    rows, curves = [], {}
    for r0 in settings.red_strengths:
        r_total = r0 * red.count
        law = square_law(b0, r_total, a, b)
        horizon = math.ceil(1.5 * law.t_star / sc.record_every_h) * sc.record_every_h
        for _ in range(4):
            res = api.run("scenario=lanchester_duel", f"scenario.units.{red_key}.strength={r0}",
                          f"scenario.horizon_h={horizon}", f"replications={n}",
                          f"seed={settings.seed}", f"workers={settings.workers}")
            wide, final = _strengths(res)
            if (final["RED"] == 0).all():
                break
            horizon *= 2
        surv = lanchester_survivors(final["BLUE"].to_numpy(float), final["RED"].to_numpy(),
                                    law.survivors)
        traj = invariant_trajectory(wide, law)
        inv = lanchester_invariant(traj, n)
        t_dead = wide[wide["RED"] == 0].groupby("replication")["time_h"].min()
        rows.append({
            "B0": b0, "R0": r_total, "a": a, "b": b, "horizon_h": horizon, "replications": n,
            "theory": surv.theory, "mean": surv.mean, "std": surv.std,
            "ci95_low": surv.ci95_low, "ci95_high": surv.ci95_high, "z": surv.z,
            "tolerance": surv.tolerance, "destroyed": surv.destroyed, "pass": surv.passed,
            "t_theory": law.t_star, "t_mean": float(t_dead.mean()), "t_max": float(t_dead.max()),
            "inv_max_dev": inv.max_dev, "inv_max_dev_time": inv.at_time_h,
            "inv_tol_at_worst": inv.tolerance_there, "inv_pass": inv.passed,
        })
        t = traj.index.to_numpy(float)
        ode_b, ode_r = law.trajectory(t)
        curves[r0] = pd.DataFrame({"time_h": t, "blue": traj["blue"].to_numpy(),
                                   "red": traj["red"].to_numpy(), "ode_blue": ode_b,
                                   "ode_red": ode_r, "inv_rel": traj["inv_rel"].to_numpy(),
                                   "inv_low": traj["inv_low"].to_numpy(),
                                   "inv_high": traj["inv_high"].to_numpy()})
        log(f"lanchester R0={r0}: survivors {surv.mean:.1f} vs {law.survivors:.1f}, "
            f"z={surv.z:+.2f}")
    return {"rows": rows, "curves": curves, "dt_h": sc.dt_h, "a": a, "b": b, "B0": b0}


#: Distance between neighbouring units in the granularity cases, km: 100 units span 5 km,
#: within the duel's 10 km weapon range and 100 km sensor range (detection P >= 0.997).
GRANULARITY_SPACING_KM = 0.05


def duel_case(units: int, dt_h: float) -> list[str]:
    """Overrides of ``lanchester_duel`` as ``units`` units per side of 1/units of each
    side's force (which must divide), at a step of ``dt_h`` hours."""
    sc = api.config("scenario=lanchester_duel").scenario
    out = ["scenario=lanchester_duel", f"scenario.dt_h={dt_h}",
           f"scenario.slot_spacing_km={GRANULARITY_SPACING_KM}"]
    for key in _sides(sc):
        force = sc.units[key].strength * sc.units[key].count
        if force % units:
            raise ValueError(f"{key}: {force} soldiers do not divide into {units} units")
        out += [f"scenario.units.{key}.count={units}",
                f"scenario.units.{key}.strength={force // units}"]
    return out


def granularity(settings: Settings) -> dict:
    """The duel cut into units and stepped differently: the square law in every case, and
    total casualties (both sides) against the first case's.

    Returns:
        ``rows`` (one dict of figures and verdicts per case, units per side and time step
        in settings order), ``totals`` (:func:`sim.validation.checks.totals_agree`'s
        verdict), ``horizon_h``, ``B0``, ``R0``, ``a``, ``b``, ``t_star`` and ``theory``
        (BLUE's survivors).
    """
    sc = api.config("scenario=lanchester_duel").scenario
    blue_key, red_key = _sides(sc)
    blue, red = sc.units[blue_key], sc.units[red_key]
    b0, r0 = blue.strength * blue.count, red.strength * red.count
    law = square_law(b0, r0, red.lethality, blue.lethality)
    horizon = math.ceil(1.5 * law.t_star / sc.record_every_h) * sc.record_every_h
    n = settings.lanchester_replications
    rows, totals = [], {}
    for units in settings.granularity_units:
        for dt in settings.granularity_dt_h:
            res = api.run(*duel_case(units, dt), f"scenario.horizon_h={horizon}",
                          f"replications={n}", f"seed={settings.seed}",
                          f"workers={settings.workers}")
            wide, final = _strengths(res)
            surv = lanchester_survivors(final["BLUE"].to_numpy(float),
                                        final["RED"].to_numpy(), law.survivors)
            inv = lanchester_invariant(invariant_trajectory(wide, law), n)
            label = f"{units} x {b0 // units} vs {units} x {r0 // units}, dt {dt:g} h"
            totals[label] = (b0 + r0 - final["BLUE"] - final["RED"]).to_numpy(float)
            rows.append({
                "case": label, "units": units, "dt_h": dt, "blue_strength": b0 // units,
                "red_strength": r0 // units, "replications": n, "destroyed": surv.destroyed,
                "mean": surv.mean, "ci95_low": surv.ci95_low, "ci95_high": surv.ci95_high,
                "z": surv.z, "tolerance": surv.tolerance, "pass": surv.passed,
                "inv_max_dev": inv.max_dev, "inv_max_dev_time": inv.at_time_h,
                "inv_tol_at_worst": inv.tolerance_there, "inv_pass": inv.passed,
            })
            log(f"granularity {label}: survivors {surv.mean:.1f} vs {law.survivors:.1f}, "
                f"z={surv.z:+.2f}, total casualties {totals[label].mean():.1f}")
    return {"rows": rows, "totals": totals_agree(totals, next(iter(totals))),
            "horizon_h": horizon, "B0": b0, "R0": r0, "a": law.a, "b": law.b,
            "t_star": law.t_star, "theory": law.survivors}


# --------------------------------------------------------------------------- Kursk arms


def run_arm(name: str, overrides: list[str], baseline: Arm | None = None) -> Arm:
    """Run one configuration; pair it with ``baseline`` (same seeds) when given.

    With ``compare_to`` among the overrides, the counterfactual becomes
    ``arm.extra["counterfactual"]``, an :class:`Arm` of its own.
    """
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
    """Every intervention config but the baseline; perfect_comms first, then its parts (in
    ``PARTS`` order), then the remedies."""
    names = sorted(p.stem for p in INTERVENTION_DIR.glob("*.yaml") if p.stem != "none")
    order = ("perfect_comms", *PARTS)
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


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
    baseline.extra["decomposition"] = baseline_decomposition(
        baseline, arms, lambda parts: _with_parts(common, parts).reps)
    return baseline, arms


def _with_parts(common: list[str], parts: tuple[str, ...]) -> Arm:
    """The baseline with the counterfactual ``parts`` switched on, on the same seeds."""
    arm = run_arm(label(parts), [*common, "intervention=none",
                                 *(f"+intervention.{p}=true" for p in parts)])
    log(f"kursk_2024: none with {label(parts)} done")
    return arm


def _alone(settings: Settings, scenario: str, overrides: tuple[str, ...]) -> Arm:
    """``scenario`` under the baseline ``none`` on the report's seed and replications, alone
    (its random numbers differ from kursk_2024's)."""
    arm = run_arm(scenario, [f"scenario={scenario}", "intervention=none",
                             f"seed={settings.seed}", f"replications={settings.replications}",
                             f"workers={settings.workers}", *overrides])
    log(f"{scenario} done")
    return arm


def single_nation(settings: Settings) -> Arm:
    """The single_nation scenario, alone (its random numbers differ from kursk_2024's)."""
    return _alone(settings, "single_nation", settings.single_overrides)


def exercise(settings: Settings) -> Arm:
    """The tri_nation_exercise scenario under ``none``, alone, on the same seed and
    replications as the other arms (section 6's ground-to-ground row); as configured, also
    in quick mode (240 h: a few seconds a replication)."""
    return _alone(settings, "tri_nation_exercise", ())


def laydowns(settings: Settings) -> dict[str, Arm]:
    """The kursk_2024 lay-down variants (:data:`sim.validation.laydown.LAYDOWNS` after the
    baseline) under ``none``, each alone, on the report's seed and replications (with
    --quick's kursk overrides)."""
    from sim.validation.laydown import LAYDOWNS

    return {name: _alone(settings, name, settings.kursk_overrides)
            for name, _ in LAYDOWNS[1:]}


def kursk_scenario(settings: Settings) -> Scenario:
    """The kursk_2024 scenario as the report runs it (for the parameters it quotes)."""
    return api.config("scenario=kursk_2024", *settings.kursk_overrides).scenario


# --------------------------------------------------------------------------- provenance


def git_revision() -> str:
    """The short commit, noting uncommitted changes to :data:`RESULT_SOURCES`."""
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
    runs = [["scenario=lanchester_duel"], ["scenario=single_nation", *settings.single_overrides],
            ["scenario=tri_nation_exercise", "intervention=none"],
            *([f"scenario={name}", "intervention=none", *settings.kursk_overrides]
              for name in ("kursk_2024_sectors", "kursk_2024_embedded"))]
    runs += [["scenario=kursk_2024", f"intervention={name}", *settings.kursk_overrides]
             for name in ["none", *interventions()]]
    for overrides in runs:
        h.update(api.config(*overrides).model_dump_json().encode())
    return h.hexdigest()
