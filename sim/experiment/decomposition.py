"""The effect of miscommunication split into the parts of ``perfect_comms`` (``decompose=true``).

Rules (per metric, per replication, docs/contract.md):
- The parts are ``sim.schema.PARTS``: ``perfect_reports``, ``no_language_barrier`` and
  ``instant_check_fire`` (what each makes perfect: :mod:`sim.model.ideal`). For every
  subset S of them, v(S) is the metric of the run's own intervention with the parts in S
  switched on as well, on the run's replication seeds (common random numbers). v of the
  empty set is the run itself; v of all three is the run under ``perfect_comms``.
- The effect is v(none) - v(all three): what miscommunication causes, with the sign of
  ``comparison`` under ``compare_to=perfect_comms``.
- The Shapley value of part i is the average, over the 3! orders in which the parts can
  be made perfect one by one, of the change when part i is made perfect:
  phi_i = sum over S not holding i of |S|! (n - |S| - 1)! / n! x (v(S) - v(S + i)).
  The three values sum to the effect in every replication (efficiency); a part that
  changes nothing gets 0; parts that act alike get the same value (symmetry).
  Interactions (two parts that each remove the same incidents) are shared equally.
- Means and 95% intervals over replications of the per-replication values, by the same
  function as the paired comparison (:mod:`sim.experiment.stats`): Student-t, within
  [-1, 1] for a share (a difference of shares, and so each Shapley value, lies there);
  none where every replication gives the same value.
- Two configurations that build the same model (the same levers, the same parts on, names
  aside) are simulated once (:func:`simulation_key`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from sim.experiment.stats import REAL, difference_bounds, difference_interval, paired_difference
from sim.schema import PARTS, Intervention

#: The run directory's table of every combination's replications (docs/contract.md).
DECOMPOSITION_FILE = "decomposition_replications.parquet"
#: Column of the decomposition table naming each row's combination of parts.
COMBINATION = "combination"
#: The label of the empty combination: no part switched on (the run itself).
NO_PART = "none"


def subsets(parts: Sequence[str] = PARTS) -> list[tuple[str, ...]]:
    """Every subset of ``parts``, smallest first, each in ``parts`` order."""
    return [c for k in range(len(parts) + 1) for c in combinations(parts, k)]


def label(subset: Sequence[str]) -> str:
    """A combination's name: its parts joined by ``+`` (``none`` for the empty one)."""
    return "+".join(subset) if subset else NO_PART


def with_parts(lever: Intervention, subset: Sequence[str]) -> Intervention:
    """``lever`` with the parts in ``subset`` switched on as well, named ``NAME+PARTS``."""
    if not subset:
        return lever
    update: dict[str, object] = {p: True for p in subset}
    update["name"] = f"{lever.name}+{label(subset)}"
    return Intervention.model_validate({**lever.model_dump(), **update})


def simulation_key(lever: Intervention) -> str:
    """What decides the model a lever builds: its levers and the parts it switches on (not its
    name, description, or how the parts are spelled). Equal keys, equal simulations."""
    data = lever.model_dump(exclude={"name", "description", "perfect_comms", *PARTS})
    data["parts"] = list(lever.parts())
    return json.dumps(data, sort_keys=True)


def shapley(values: Mapping[frozenset[str], np.ndarray], parts: Sequence[str] = PARTS
            ) -> dict[str, np.ndarray]:
    """Shapley value of each part (rules above), elementwise over replications.

    Args:
        values: v(S) for every subset S of ``parts`` (as a frozenset), arrays of one length
            (or floats): the metric with the parts in S made perfect.
        parts: the players.

    Returns:
        Per part, sum over S not holding it of |S|! (n - |S| - 1)! / n! (v(S) - v(S + part)).
    """
    n = len(parts)
    out = {}
    for part in parts:
        others = [p for p in parts if p != part]
        total = np.zeros_like(np.asarray(values[frozenset()], dtype=float))
        for subset in subsets(others):
            s = frozenset(subset)
            weight = math.factorial(len(s)) * math.factorial(n - len(s) - 1) / math.factorial(n)
            total = total + weight * (np.asarray(values[s], float)
                                      - np.asarray(values[s | {part}], float))
        out[part] = total
    return out


def decomposition_table(arms: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The replications tables of the combinations, one below the other, each row named by
    its combination (column ``combination`` first), in the order given."""
    frames = [df.assign(**{COMBINATION: name})[[COMBINATION, *df.columns]]
              for name, df in arms.items()]
    return pd.concat(frames, ignore_index=True)


def split_table(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The inverse of :func:`decomposition_table`: per combination, its replications table."""
    return {str(name): grp.drop(columns=COMBINATION).reset_index(drop=True)
            for name, grp in table.groupby(COMBINATION, sort=False)}


def summarise(reps: pd.DataFrame, arms: Mapping[str, pd.DataFrame],
              metrics: Sequence[str], parts: Sequence[str] = PARTS,
              ranges: Mapping[str, tuple[float, float]] | None = None) -> dict:
    """summary.json's ``decomposition`` (docs/contract.md).

    Args:
        reps: the run's replications table (the empty combination).
        arms: per non-empty combination's :func:`label`, its replications table, on the
            run's seeds.
        metrics: the metrics to decompose.
        parts: the parts, in order.
        ranges: per metric, the range of one replication's value (unbounded if absent).

    Returns:
        ``{"parts": [...], "metrics": {METRIC: {"effect": DIFF, "shapley": {PART: DIFF},
        "combinations": {LABEL: mean}}}}``, DIFF being ``{"mean_diff", "ci95_low",
        "ci95_high", "ci95_method"}`` over replications.
    """
    tables = {frozenset(): reps.sort_values("replication")}
    for subset in subsets(parts)[1:]:
        df = arms[label(subset)].sort_values("replication")
        if list(df["seed"]) != list(tables[frozenset()]["seed"]):
            raise ValueError(f"decomposition arm {label(subset)!r} does not share the run's "
                             "seeds")
        tables[frozenset(subset)] = df
    full = frozenset(parts)
    out: dict = {"parts": list(parts), "metrics": {}}
    for m in metrics:
        values = {s: df[m].to_numpy(float) for s, df in tables.items()}
        phi = shapley(values, parts)
        rng = (ranges or {}).get(m, REAL)
        out["metrics"][m] = {
            "effect": paired_difference(values[frozenset()], values[full], rng, method=True),
            "shapley": {p: difference_interval(phi[p], difference_bounds(rng), method=True)
                        for p in parts},
            "combinations": {label([p for p in parts if p in s]): float(v.mean())
                             for s, v in values.items()},
        }
    return out
