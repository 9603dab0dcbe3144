"""Result tables (pandas) with explicit pyarrow schemas, so empty tables keep their columns.

- replications: one row per replication: ``replication``, ``seed``, every metric,
  ``cause.<CAUSE>`` incident counts and ``nation.<NATION>.<FIELD>`` totals; with a
  posterior, ``posterior.particle`` and ``posterior.<KEY>``, the parameters it ran with;
- incidents: one row per friendly-fire incident;
- timeseries: long format, one row per replication, record time and nation;
- links: long format, one row per replication, record time and translation pool
  (liaison link): messages translated and turned away so far, backlog in hours.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from sim.experiment.metrics import METRICS
from sim.experiment.replication import ReplicationResult
from sim.model.records import CAUSES

NATION_FIELDS = ("initial", "deployed", "killed", "wounded", "friendly_fire_casualties")

INCIDENT_SCHEMA = pa.schema([
    ("replication", pa.int64()), ("time_h", pa.float64()), ("shooter_unit", pa.string()),
    ("shooter_nation", pa.string()), ("target_unit", pa.string()),
    ("target_nation", pa.string()), ("cause", pa.string()), ("fire", pa.string()),
    ("distance_km", pa.float64()), ("x_km", pa.float64()), ("y_km", pa.float64()),
    ("end_h", pa.float64()), ("killed", pa.int64()), ("wounded", pa.int64()),
    ("weapon", pa.string()), ("paused_h", pa.float64()),
])

LINKS_SCHEMA = pa.schema([
    ("replication", pa.int64()), ("time_h", pa.float64()), ("link", pa.string()),
    ("served", pa.int64()), ("turned_away", pa.int64()), ("backlog_h", pa.float64()),
])

TIMESERIES_SCHEMA = pa.schema([
    ("replication", pa.int64()), ("time_h", pa.float64()), ("nation", pa.string()),
    ("strength", pa.int64()), ("killed", pa.int64()), ("wounded", pa.int64()),
    ("friendly_fire_casualties", pa.int64()), ("hostile_fire_casualties", pa.int64()),
    ("deployed", pa.int64()),
])


def replications_table(results: list[ReplicationResult]) -> pd.DataFrame:
    """One row per replication (see module docstring)."""
    rows = []
    for r in results:
        row: dict = {"replication": r.replication, "seed": r.seed}
        row.update({m: float(r.metrics[m]) for m in METRICS})
        row.update({f"cause.{c}": int(r.by_cause[str(c)]) for c in CAUSES})
        for nation, vals in r.by_nation.items():
            row[f"nation.{nation}.side"] = vals["side"]
            for fld in NATION_FIELDS:
                row[f"nation.{nation}.{fld}"] = int(vals[fld])
        for q, value in r.duration_h.items():
            row[f"incident_duration.{q}_h"] = float(value)
        for fire, value in r.hostile_fire.items():
            row[f"hostile_fire.{fire}"] = float(value)
        row["engagements"] = r.engagements
        row["fire_missions"] = r.missions
        row["drone_strikes"] = r.drone_strikes
        for key, value in r.posterior.items():
            row[f"posterior.{key}"] = int(value) if key == "particle" else float(value)
        rows.append(row)
    return pd.DataFrame(rows)


def incidents_table(results: list[ReplicationResult]) -> pd.DataFrame:
    rows = [row for r in results for row in r.incidents]
    cols = INCIDENT_SCHEMA.names
    return pa.Table.from_pylist([{c: row[c] for c in cols} for row in rows],
                                schema=INCIDENT_SCHEMA).to_pandas()


def timeseries_table(results: list[ReplicationResult]) -> pd.DataFrame:
    frames = []
    for r in results:
        df = pd.DataFrame(r.timeseries)
        df.insert(0, "replication", r.replication)
        frames.append(df)
    if not frames:
        return TIMESERIES_SCHEMA.empty_table().to_pandas()
    df = pd.concat(frames, ignore_index=True)
    return pa.Table.from_pandas(df[TIMESERIES_SCHEMA.names], schema=TIMESERIES_SCHEMA,
                                preserve_index=False).to_pandas()


def links_table(results: list[ReplicationResult]) -> pd.DataFrame:
    rows = [{"replication": r.replication, **dict(zip(r.links, values, strict=True))}
            for r in results for values in zip(*r.links.values(), strict=True)]
    return pa.Table.from_pylist(rows, schema=LINKS_SCHEMA).to_pandas()


def counts_per_replication(frame: pd.DataFrame | None, by: str, replications: int
                           ) -> pd.DataFrame:
    """Rows of ``frame`` (a table with a ``replication`` column, such as the incidents)
    counted per replication and value of ``by``: one row per replication 0..N-1, those
    with no rows included (zeros), one column per value seen."""
    reps = pd.Index(range(replications), name="replication")
    if frame is None or frame.empty:
        return pd.DataFrame(index=reps)
    counts = frame.groupby(["replication", by], observed=True).size().unstack(by)
    return counts.reindex(reps, fill_value=0).fillna(0).astype(int)
