"""Global sensitivity: Sobol' indices of a run's headline outputs over a prior set.

Which unknowns matter? Sobol' indices split the variance of an output, over the joint
prior of the parameters, into the parts due to each (Saltelli et al. 2010, Computer
Physics Communications 181:259; SALib, Herman & Usher 2017). For each parameter i:

- the first-order index S1_i: the share of the output's variance that parameter i
  explains alone (how much fixing it would cut the variance, on average);
- the total index ST_i: its share including every interaction with the others (a
  parameter with ST_i near 0 can be fixed anywhere in its prior without changing the
  answer). ST_i >= S1_i; the sum of S1 over the parameters is at most 1, and the gap
  is what interactions explain.

Rules:
- The design is SALib's Sobol' sample (scrambled with ``seed``) of N base points over
  the unit hypercube of the D priors, sorted by key, for first-order and total indices:
  N (D + 2) points. Each coordinate is mapped through its prior's quantile function
  (:meth:`sim.priors.Prior.quantile`), so the points follow the priors.
- Each point is a run of the configuration with those values set (a design point,
  :mod:`sim.experiment.design`), every point on the same master seed (common random
  numbers): differences between points are the parameters' doing, plus the Monte Carlo
  error of the point's own replications.
- The outputs, each from a point's ``summary.json`` (means over its replications):
  a metric's name (``friendly_fire_casualties``, ``fratricide_share``, ...: docs/contract.md);
  ``miscommunication_effect``, the friendly-fire casualties that miscommunication causes
  (the paired difference against ``compare_to=perfect_comms``, which it needs); and
  ``losses.<NATION>``, that nation's killed and wounded as a share of its initial force.
- The indices and their 95% intervals come from SALib's estimator with ``resamples``
  bootstrap resamples (seeded). Every point must have run: a design with a failed or
  missing point is not analysed, and the points are named.
- A parameter drives an output when the lower end of its total index's 95% interval is
  above ``NEGLIGIBLE`` (1% of the variance, a common screening threshold); the others are,
  at this design size, not told apart from no effect.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.experiment.atomic import pyplot, save_figure, write_atomic, write_json, write_parquet
from sim.experiment.metrics import METRICS
from sim.priors import Prior

#: The design and its settings, in the sweep directory.
SPEC_FILE = "sensitivity.json"
TABLE_FILE = "sensitivity.parquet"
FIGURE_FILE = "sensitivity.png"
READING_FILE = "sensitivity.md"
#: A total index whose interval's lower end is at most this is not told apart from none.
NEGLIGIBLE = 0.01
#: The output that needs ``compare_to=perfect_comms``.
MISCOMMUNICATION = "miscommunication_effect"


class SensitivitySpec(BaseModel):
    """How to run a sensitivity analysis (the ``sensitivity`` config key)."""

    model_config = ConfigDict(extra="forbid")

    n: int = Field(64, ge=2, le=2**16, description="base sample size N, a power of 2; the "
                   "design has N x (D + 2) points for D priors")
    seed: int = Field(2024, ge=0, description="seed of the Sobol' sequence's scrambling and "
                      "of the bootstrap (not of the simulation)")
    outputs: list[str] = Field(
        default_factory=lambda: ["friendly_fire_casualties", "fratricide_share"],
        min_length=1, description="outputs analysed: metric names, miscommunication_effect, "
        "losses.<NATION>")
    resamples: int = Field(1000, ge=10, le=100_000,
                           description="bootstrap resamples of the confidence intervals")

    @field_validator("n")
    @classmethod
    def _power_of_two(cls, n: int) -> int:
        if n & (n - 1):
            raise ValueError(f"must be a power of 2 (Sobol' sequences balance only then); "
                             f"nearest: {2 ** round(math.log2(n))}")
        return n

    @field_validator("outputs")
    @classmethod
    def _known_outputs(cls, outputs: list[str]) -> list[str]:
        for name in outputs:
            if name not in METRICS and name != MISCOMMUNICATION and not (
                    name.startswith("losses.") and len(name) > len("losses.")):
                raise ValueError(f"unknown output {name!r}; choose metrics "
                                 f"({', '.join(METRICS)}), {MISCOMMUNICATION} or "
                                 "losses.<NATION>")
        if len(set(outputs)) != len(outputs):
            raise ValueError("an output is named twice")
        return outputs


class SensitivityError(ValueError):
    """A sensitivity analysis that cannot be set up or analysed; one line per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def parse_spec(data: dict[str, Any] | None) -> SensitivitySpec:
    """The ``sensitivity`` config key as a spec; :class:`SensitivityError` naming bad keys."""
    try:
        return SensitivitySpec.model_validate(data or {})
    except ValidationError as err:
        lines = []
        for e in err.errors():
            loc = ".".join(str(p) for p in ("sensitivity", *e["loc"]))
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                msg = "unknown key (the spec has n, seed, outputs, resamples)"
            lines.append(f"{loc} = {e.get('input')!r}: {msg}")
        raise SensitivityError(lines) from err


def check_outputs(spec: SensitivitySpec, nations: list[str], compare_to: str | None) -> None:
    """Outputs the run can give: a nation that exists; the miscommunication effect only
    with ``compare_to=perfect_comms``."""
    lines = []
    for name in spec.outputs:
        if name.startswith("losses.") and name.split(".", 1)[1] not in nations:
            lines.append(f"sensitivity.outputs = {name!r}: no nation "
                         f"{name.split('.', 1)[1]!r} (the scenario has {', '.join(nations)})")
        if name == MISCOMMUNICATION and compare_to != "perfect_comms":
            lines.append(f"sensitivity.outputs = {name!r}: needs compare_to=perfect_comms, "
                         f"got compare_to={compare_to}")
    if lines:
        raise SensitivityError(lines)


@dataclass(frozen=True)
class Problem:
    """The D priors of an analysis, sorted by key, as SALib's problem over the unit cube."""

    priors: dict[str, Prior]

    @property
    def names(self) -> list[str]:
        return sorted(self.priors)

    def salib(self) -> dict[str, Any]:
        return {"num_vars": len(self.names), "names": self.names,
                "bounds": [[0.0, 1.0]] * len(self.names)}

    def values(self, unit: np.ndarray) -> list[dict[str, float | int]]:
        """The design points: each row of ``unit`` (in [0, 1]^D) through the priors."""
        columns = {k: self.priors[k].quantile(unit[:, j]) for j, k in enumerate(self.names)}
        return [{k: columns[k][i].item() for k in self.names} for i in range(unit.shape[0])]


def sobol_design(problem: Problem, spec: SensitivitySpec) -> tuple[np.ndarray, list[dict]]:
    """SALib's Sobol' sample for first-order and total indices (module rules): the unit
    sample (N (D + 2), D) and the design points."""
    from SALib.sample import sobol

    unit = sobol.sample(problem.salib(), spec.n, calc_second_order=False, scramble=True,
                        seed=spec.seed)
    return unit, problem.values(unit)


def output_value(name: str, summary: dict[str, Any]) -> float:
    """One output of a run (module rules) from its ``summary.json``."""
    if name == MISCOMMUNICATION:
        return float(summary["comparison"]["metrics"]["friendly_fire_casualties"]["mean_diff"])
    if name.startswith("losses."):
        nation = summary["by_nation"][name.split(".", 1)[1]]
        return float((nation["killed"] + nation["wounded"]) / nation["initial"])
    return float(summary["metrics"][name]["mean"])


def indices(problem: Problem, outputs: dict[str, np.ndarray], spec: SensitivitySpec
            ) -> pd.DataFrame:
    """The first-order and total indices with 95% intervals, one row per output and
    parameter (SALib's estimator, its bootstrap seeded)."""
    from SALib.analyze import sobol

    rows = []
    for name, y in outputs.items():
        spread = {"output_mean": float(np.mean(y)), "output_sd": float(np.std(y)),
                  "output_min": float(np.min(y)), "output_max": float(np.max(y))}
        if np.ptp(y) == 0:               # no variance to split: every index is 0
            si = {k: np.zeros(len(problem.names)) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            si = sobol.analyze(problem.salib(), np.asarray(y, float), calc_second_order=False,
                               num_resamples=spec.resamples, conf_level=0.95, seed=spec.seed)
        for j, key in enumerate(problem.names):
            s1, s1c, st, stc = (float(si[k][j]) for k in ("S1", "S1_conf", "ST", "ST_conf"))
            rows.append({"output": name, "parameter": key, "S1": s1,
                         "S1_low": s1 - s1c, "S1_high": s1 + s1c,
                         "ST": st, "ST_low": st - stc, "ST_high": st + stc, **spread})
    return pd.DataFrame(rows)


def save_spec(path: Path, spec: SensitivitySpec, problem: Problem, unit: np.ndarray,
              points: list[dict]) -> Path:
    """The analysis's settings, priors and design, written atomically as JSON."""
    return write_json(path, {
        "schema_version": 1, "spec": spec.model_dump(mode="json"),
        "priors": {k: p.model_dump(mode="json") for k, p in sorted(problem.priors.items())},
        "n_points": len(points), "unit_sample": unit.tolist(), "points": points})


def design_file(path: Path, points: list[dict]) -> Path:
    """The points as a design file the sweep's jobs read (``design.method=file``)."""
    return write_json(path, {"schema_version": 1,
                             "spec": {"method": "file", "file": str(path), "n": len(points)},
                             "factors": sorted({k for p in points for k in p}),
                             "n": len(points), "points": points})


def load_spec(sweep_dir: Path) -> tuple[SensitivitySpec, Problem, int]:
    data = json.loads((Path(sweep_dir) / SPEC_FILE).read_text())
    priors = {k: Prior.model_validate(v) for k, v in data["priors"].items()}
    return SensitivitySpec.model_validate(data["spec"]), Problem(priors), int(data["n_points"])


def collect_outputs(sweep_dir: Path, spec: SensitivitySpec, n_points: int
                    ) -> dict[str, np.ndarray]:
    """Each output at every design point, in design order; :class:`SensitivityError` naming
    the points that did not run ok."""
    from sim.experiment.sweep import sweep_table

    df = sweep_table(sweep_dir)
    by_point = {}
    for _, row in df.iterrows():
        if row.get("design_point") is not None and not pd.isna(row.get("design_point")):
            by_point[int(row["design_point"])] = row
    bad = [f"design_point={i} ({by_point[i]['status'] if i in by_point else 'missing'})"
           for i in range(n_points)
           if i not in by_point or by_point[i]["status"] != "ok"]
    if bad:
        shown = ", ".join(bad[:10]) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
        raise SensitivityError([f"{sweep_dir}: {len(bad)} of {n_points} design points have no "
                                f"result: {shown}; run the sweep again into the same directory "
                                "to finish them"])
    out = {name: np.empty(n_points) for name in spec.outputs}
    for i in range(n_points):
        summary = json.loads((Path(sweep_dir) / by_point[i]["point"] / "summary.json")
                             .read_text())
        for name in spec.outputs:
            out[name][i] = output_value(name, summary)
    return out


def figure(table: pd.DataFrame, top: int = 12):
    """Bars of S1 and ST with their 95% intervals, the ``top`` parameters by ST, per output."""
    plt = pyplot()
    outputs = list(dict.fromkeys(table["output"]))
    cols = min(2, len(outputs))
    rows_n = math.ceil(len(outputs) / cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(6.4 * cols, (0.32 * top + 1.4) * rows_n),
                             squeeze=False)
    for ax in axes.flat[len(outputs):]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, outputs, strict=False):
        rows = table[table["output"] == name].sort_values("ST", ascending=True).tail(top)
        y = np.arange(len(rows))
        for offset, key, colour, label in ((-0.2, "ST", "tab:blue", "total ST"),
                                           (0.2, "S1", "tab:orange", "first-order S1")):
            err = np.vstack([rows[key] - rows[f"{key}_low"], rows[f"{key}_high"] - rows[key]])
            ax.barh(y + offset, rows[key], height=0.4, xerr=err.clip(min=0), color=colour,
                    capsize=2, label=label)
        ax.set_yticks(y, [p.removeprefix("scenario.") for p in rows["parameter"]], fontsize=7)
        ax.axvline(0, color="k", lw=0.6)
        ax.set_title(name.replace("_", " "), fontsize=9)
        ax.set_xlabel("Sobol' index (95% interval)")
    axes.flat[0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def reading(table: pd.DataFrame, n_points: int, spec: SensitivitySpec, top: int = 3) -> str:
    """A plain-language account of what drives each output (module rules)."""
    lines = [f"# What drives the answer: Sobol' indices over {table['parameter'].nunique()} "
             f"priors", "",
             f"{n_points} runs (N = {spec.n} base points x (D + 2)); 95% intervals from "
             f"{spec.resamples} bootstrap resamples. A total index ST is the share of the "
             "output's variance over the priors that a parameter explains with all its "
             "interactions; S1 the share it explains alone.", ""]
    for name in dict.fromkeys(table["output"]):
        rows = table[table["output"] == name].sort_values("ST", ascending=False)
        first = rows.iloc[0]
        where = (f"Over the priors it ranges from {first.output_min:.4g} to "
                 f"{first.output_max:.4g} (mean {first.output_mean:.4g}, sd "
                 f"{first.output_sd:.4g}).")
        if first.output_max == first.output_min:
            lines.append(f"- **{name.replace('_', ' ')}**: the same, {first.output_mean:.4g}, "
                         "at every point: no parameter moved it at this design size.")
            continue
        clear = rows[rows["ST_low"] > NEGLIGIBLE]
        drivers = "; ".join(f"{r.parameter.removeprefix('scenario.')} (ST {r.ST:.2f} "
                            f"[{r.ST_low:.2f}, {r.ST_high:.2f}], S1 {r.S1:.2f})"
                            for r in clear.head(top).itertuples())
        lead = (f"Driven most by {drivers}." if drivers else
                "No parameter's total index is clearly above 0 at this design size.")
        s1_sum = float(rows["S1"].clip(lower=0).sum())
        lines.append(f"- **{name.replace('_', ' ')}**: {where} {lead} "
                     f"The first-order indices add up to {s1_sum:.2f}, so interactions "
                     f"explain about {max(0.0, 1 - s1_sum):.2f} of the variance. "
                     f"{len(rows) - len(clear)} of {len(rows)} parameters have a total index "
                     f"whose interval reaches {NEGLIGIBLE:g}: at this design size they are "
                     "not told apart from no effect.")
    return "\n".join(lines) + "\n"


def write_analysis(sweep_dir: Path) -> tuple[pd.DataFrame, str]:
    """Analyse a finished sensitivity sweep: its table, figure and reading (written)."""
    sweep_dir = Path(sweep_dir)
    spec, problem, n_points = load_spec(sweep_dir)
    table = indices(problem, collect_outputs(sweep_dir, spec, n_points), spec)
    write_parquet(sweep_dir / TABLE_FILE, table)
    save_figure(sweep_dir / FIGURE_FILE, figure(table))
    text = reading(table, n_points, spec)
    write_atomic(sweep_dir / READING_FILE, lambda p: Path(p).write_text(text))
    return table, text
