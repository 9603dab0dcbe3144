"""summary.json: the deterministic digest of a run (docs/contract.md).

Built from the replications table alone (so ``sim report`` can rebuild it):
means and 95% intervals of every metric (:mod:`sim.experiment.stats`: within the metric's
range, with the method named, ``none`` where there is no interval), nation totals and incident causes
averaged over replications, the paired comparison when a counterfactual
was run on the same seeds, and the decomposition into the parts of perfect
communication when the combinations were (:mod:`sim.experiment.decomposition`), and, for
a run whose replications drew their parameters from a posterior, which interval is which
(``uncertainty``) and the central 90% of single replications (``predictive``).
No timestamps, paths or durations.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sim.experiment import decomposition as decomp
from sim.experiment import posterior
from sim.experiment.metrics import METRICS, bounds
from sim.experiment.stats import COUNT, interval, paired_difference
from sim.experiment.tables import NATION_FIELDS
from sim.model.records import CAUSES
from sim.schema import SCHEMA_VERSION


def nations_in(reps: pd.DataFrame) -> list[str]:
    """Nation names in the table, in column order."""
    out: list[str] = []
    for col in reps.columns:
        if col.startswith("nation.") and col.endswith(".side"):
            out.append(col[len("nation."):-len(".side")])
    return out


def build_summary(reps: pd.DataFrame, *, scenario: str, intervention: str, seed: int,
                  counterfactual: pd.DataFrame | None = None,
                  counterfactual_name: str | None = None,
                  decomposition: Mapping[str, pd.DataFrame] | None = None) -> dict:
    """The summary dictionary of docs/contract.md (keys sorted when written).

    ``decomposition``: per non-empty combination of parts (its label), the replications
    table of the run with those parts switched on, on the same seeds.
    """
    reps = reps.sort_values("replication")
    out: dict = {
        "schema_version": SCHEMA_VERSION, "scenario": scenario, "intervention": intervention,
        "seed": int(seed), "replications": int(len(reps)),
        "metrics": {m: interval(reps[m], bounds(m)) for m in METRICS},
        "by_cause": {str(c): float(reps[f"cause.{c}"].mean()) for c in CAUSES},
        "by_nation": {},
    }
    durations = {q: interval(reps[f"incident_duration.{q}_h"], COUNT) for q in ("median", "p90")
                 if f"incident_duration.{q}_h" in reps}
    if durations:
        out["incident_duration_h"] = durations
    by_fire = {fire: interval(reps[f"hostile_fire.{fire}"], COUNT) for fire in ("direct", "indirect")
               if f"hostile_fire.{fire}" in reps}
    if by_fire:
        out["hostile_fire_casualties_by_fire"] = by_fire
    for nation in nations_in(reps):
        row: dict = {"side": str(reps[f"nation.{nation}.side"].iloc[0])}
        for fld in NATION_FIELDS:
            row[fld] = float(reps[f"nation.{nation}.{fld}"].mean())
        out["by_nation"][nation] = row
    if counterfactual is not None:
        cf = counterfactual.sort_values("replication")
        if list(cf["seed"]) != list(reps["seed"]):
            raise ValueError("counterfactual replications do not share the run's seeds")
        out["comparison"] = {
            "counterfactual": counterfactual_name,
            "metrics": {m: paired_difference(reps[m].to_numpy(), cf[m].to_numpy(), bounds(m),
                                             method=True) for m in METRICS},
        }
    if decomposition is not None:
        out["decomposition"] = decomp.summarise(reps, decomposition, METRICS,
                                                  ranges={m: bounds(m) for m in METRICS})
    if "posterior.particle" in reps:
        out["uncertainty"] = {
            "parameters": "posterior", "intervals": posterior.INTERVALS,
            "particles_drawn": int(reps["posterior.particle"].nunique())}
        out["predictive"] = {m: posterior.quantiles(reps[m]) for m in METRICS}
        if counterfactual is not None:
            out["comparison"]["predictive"] = {
                m: posterior.quantiles(reps[m].to_numpy() - cf[m].to_numpy()) for m in METRICS}
    return out
