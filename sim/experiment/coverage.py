"""Coverage check of a calibration: does ABC-SMC find the truth when there is one?

Simulation-based calibration (Talts et al. 2018, arXiv:1804.06788): draw parameters from
the prior, simulate reported figures from them, calibrate on those figures, and count how
often the truth lies inside the posterior's central credible interval. A calibration that
is right covers the truth at the interval's level (90% of the time for a 90% interval).

Rules:
- Repetition r draws the truth theta* from the calibrated parameters' priors and runs the
  model at theta* (the calibration's own simulator and seeds), giving statistics x*.
- The reported figure of each target is y* = x* + e, e uniform on [-h, h], where h is half
  the target's band width (its ``scale``'s half for an open band); the target's band for
  this repetition is [y* - h, y* + h]. Under that error model the band distance at epsilon
  0 keeps exactly the posterior (:mod:`sim.experiment.targets`), so a calibration that
  reaches epsilon 0 should cover at the nominal rate; one that stops above 0 keeps a wider
  posterior and covers more often.
- Each repetition is a calibration of its own (its own ``abc.db`` in ``rep_<r>/``, so an
  interrupted check continues); the truth and the noise come from
  ``SeedSequence([seed, r])``.
- The result is each parameter's coverage over the repetitions with its exact (Clopper-
  Pearson) 95% interval: the check passes for a parameter when that interval contains the
  nominal level.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from sim.experiment import calibration as cal
from sim.experiment.atomic import write_atomic, write_json, write_parquet
from sim.experiment.targets import Target
from sim.priors import Prior

TABLE_FILE = "coverage.parquet"
READING_FILE = "coverage.md"
TRUTH_FILE = "truth.json"


class CoverageSpec(BaseModel):
    """How to run a coverage check (the ``coverage`` config key)."""

    model_config = ConfigDict(extra="forbid")

    repetitions: int = Field(20, ge=1, le=10_000, description="calibrations on simulated "
                             "figures")
    level: float = Field(cal.CREDIBLE, gt=0, lt=1, description="credible level checked")
    seed: int = Field(7, ge=0, description="seed of the truths and of the figures' errors")


def truth(spec: CoverageSpec, r: int, priors: dict[str, Prior],
          keys: list[str]) -> tuple[dict[str, float], np.random.Generator]:
    """Repetition ``r``'s true parameter values, and its generator for the figures' errors."""
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, r]))
    u = rng.random(len(keys))
    return {k: priors[k].quantile(u[i]).item() for i, k in enumerate(keys)}, rng


def simulated_targets(targets: dict[str, Target], x: dict[str, float],
                      rng: np.random.Generator) -> dict[str, Target]:
    """The bands of a repetition: each centred on the simulated statistic plus a uniform
    error of half the band's width (module rules)."""
    out = {}
    for name, t in sorted(targets.items()):
        h = t.width / 2
        y = float(x[name]) + float(rng.uniform(-h, h))
        out[name] = Target(statistic=t.statistic, low=y - h, high=y + h,
                           source=f"simulated: {t.statistic} at the repetition's truth plus "
                           f"an error uniform on +-{h:g}")
    return out


def run_coverage(directory: Path, spec: CoverageSpec, calibration: cal.CalibrationSpec,
                 priors: dict[str, Prior], make_simulator, progress=print) -> pd.DataFrame:
    """Run (or continue) every repetition into ``directory``; one row per repetition and
    parameter. ``make_simulator(spec)`` gives the simulator of a calibration spec."""
    directory = Path(directory)
    keys = cal.calibrated(calibration, priors)
    rows = []
    for r in range(spec.repetitions):
        theta, rng = truth(spec, r, priors, keys)
        x = make_simulator(calibration)(theta)
        targets = simulated_targets(calibration.targets, x, rng)
        rep_spec = calibration.model_copy(update={"targets": targets})
        rep_dir = directory / f"rep_{r}"
        write_json(rep_dir / TRUTH_FILE, {"truth": theta, "statistics": x,
                                          "targets": {k: t.model_dump(mode="json")
                                                      for k, t in targets.items()}})
        state = cal.run_abc(rep_dir, rep_spec, priors, make_simulator(rep_spec))
        posterior, _ = cal.tables(rep_dir)
        lo, hi = (1 - spec.level) / 2, (1 + spec.level) / 2
        for k in keys:
            q_lo, q_hi = cal.weighted_quantile(posterior[k], posterior["weight"], [lo, hi])
            rows.append({"repetition": r, "parameter": k, "truth": theta[k],
                         "low": float(q_lo), "high": float(q_hi),
                         "covered": bool(q_lo <= theta[k] <= q_hi),
                         "epsilon": state["epsilon"], "converged": state["stopped"] == "converged",
                         "simulations": state["simulations"]})
        covered = sum(row["covered"] for row in rows[-len(keys):])
        progress(f"coverage: repetition {r + 1}/{spec.repetitions}: {covered}/{len(keys)} "
                 f"parameters covered, epsilon {state['epsilon']:.3g}, "
                 f"{state['simulations']} simulations")
    table = pd.DataFrame(rows)
    write_parquet(directory / TABLE_FILE, table)
    return table


def rates(table: pd.DataFrame, level: float) -> pd.DataFrame:
    """Per parameter: repetitions, covered, the rate and its exact 95% interval, and whether
    the interval holds the nominal level."""
    from scipy.stats import binomtest

    rows = []
    for key, g in table.groupby("parameter", sort=True):
        n, k = len(g), int(g["covered"].sum())
        ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
        rows.append({"parameter": key, "repetitions": n, "covered": k, "rate": k / n,
                     "rate_low": float(ci.low), "rate_high": float(ci.high),
                     "passes": bool(ci.low <= level <= ci.high)})
    return pd.DataFrame(rows)


def reading(table: pd.DataFrame, spec: CoverageSpec, calibration: cal.CalibrationSpec) -> str:
    """The check in plain language."""
    by = rates(table, spec.level)
    reps = table.drop_duplicates("repetition")
    lines = [f"# Coverage check: {len(reps)} calibrations on simulated figures", "",
             f"Each drew its truth from the priors, simulated the targets there, added an "
             f"error uniform over each band's half-width, and calibrated ({calibration.population} "
             f"particles, at most {calibration.generations} generations). "
             f"{int(reps['converged'].sum())} of {len(reps)} reached epsilon 0; "
             f"{int(reps['simulations'].sum())} simulations in all.", "",
             f"| parameter | truth inside the {spec.level:.0%} interval | rate [95%] | "
             "nominal inside |", "| --- | --- | --- | --- |"]
    for r in by.itertuples():
        lines.append(f"| {r.parameter} | {r.covered} of {r.repetitions} | {r.rate:.2f} "
                     f"[{r.rate_low:.2f}, {r.rate_high:.2f}] | {'yes' if r.passes else 'NO'} |")
    ok = bool(by["passes"].all())
    lines += ["", ("Every parameter covers its truth at a rate consistent with "
                   f"{spec.level:.0%}." if ok else
                   "Some parameter covers its truth at a rate inconsistent with "
                   f"{spec.level:.0%}: the calibration is not to be trusted for it."), ""]
    return "\n".join(lines)


def write_reading(directory: Path, table: pd.DataFrame, spec: CoverageSpec,
                  calibration: cal.CalibrationSpec) -> str:
    text = reading(table, spec, calibration)
    write_atomic(Path(directory) / READING_FILE, lambda p: Path(p).write_text(text))
    return text


def save_spec(path: Path, spec: CoverageSpec, calibration: cal.CalibrationSpec,
              priors: dict[str, Prior], base: dict[str, Any]) -> Path:
    return write_json(path, {"schema_version": 1, "coverage": spec.model_dump(mode="json"),
                             "spec": calibration.model_dump(mode="json"),
                             "priors": {k: p.model_dump(mode="json")
                                        for k, p in sorted(priors.items())},
                             "config": base})


def load_saved(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text())
