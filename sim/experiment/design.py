"""Sampled experimental designs: many runs spread over parameter ranges, beyond grids.

A design is a table: one row (a *design point*) per run, one column per
*factor*, a dotted config key such as ``scenario.links.RU_KP.delivery``. A
sweep runs it with ``design_point=range(N)``: each job takes the factor values
of its row and sets them in its config before validation.

The Latin hypercube (McKay, Beckman & Conover 1979, Technometrics 21:239;
``scipy.stats.qmc.LatinHypercube``) cuts each factor's range into N equal
strata and puts exactly one point in each, so N points cover every factor's
whole range evenly whatever the number of factors (a grid needs
levels ** factors runs).

Rules:
- Factors are sorted by key before sampling: the design does not depend on the
  order they are written in. The sample comes from
  ``numpy.random.default_rng(seed)``: the same spec gives the same design.
- A factor is ``{low, high}`` (uniform), with ``log: true`` log-uniform
  (``low > 0``), with ``integer: true`` the integers low..high inclusive, each
  equally likely; or ``{values: [...]}``, a categorical factor whose levels
  each take an equal share of the points.
- ``digits`` rounds continuous values (readable tables; stratification holds
  up to the rounding).
- Every point runs on the same master ``seed`` (common random numbers across
  points) unless ``seed`` is itself a factor or swept.
- A design file (``design.json``: the spec and every point) is written beside
  the sweep's results; each point's ``status.json`` records the values it took.
  ``method: file`` reads the points from such a file (or a CSV table, one
  column per key) instead of sampling them.
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.experiment.atomic import write_json

DESIGN_FILE = "design.json"
#: Top-level keys a design may not set: its own, and Hydra's.
RESERVED_KEYS = ("design", "design_point", "hydra")

Scalar = str | bool | int | float


class DesignError(ValueError):
    """A design that cannot be built or applied; one line per problem (``key = value: rule``)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


class Factor(BaseModel):
    """One varied config key: a numeric range or a list of levels."""

    model_config = ConfigDict(extra="forbid")

    low: float | None = Field(None, description="lower end of the range")
    high: float | None = Field(None, description="upper end of the range (inclusive for integers)")
    log: bool = Field(False, description="sample log-uniformly (needs low > 0)")
    integer: bool = Field(False, description="integers low..high inclusive")
    values: list[Scalar] | None = Field(
        None, min_length=1, description="categorical levels instead of a range")

    @model_validator(mode="after")
    def _range_or_values(self) -> Factor:
        if self.values is not None:
            if self.low is not None or self.high is not None or self.log or self.integer:
                raise ValueError("give either values or low/high (with log/integer), not both")
            return self
        if self.low is None or self.high is None:
            raise ValueError("a factor needs low and high, or values")
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("low and high must be finite")
        if self.high < self.low:
            raise ValueError(f"high {self.high} must be >= low {self.low}")
        if self.log and self.low <= 0:
            raise ValueError(f"log needs low > 0, got {self.low}")
        if self.integer and (self.low != int(self.low) or self.high != int(self.high)):
            raise ValueError("integer factors need whole-number low and high")
        return self

    def scale(self, u: np.ndarray, digits: int | None) -> list[Scalar]:
        """Map uniform numbers ``u`` in [0, 1) onto this factor's range or levels."""
        if self.values is not None:
            idx = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return [self.values[i] for i in idx]
        lo, hi = float(self.low), float(self.high)
        if self.integer:
            if self.log:
                x = np.exp(np.log(lo) + u * (np.log(hi + 1.0) - np.log(lo)))
            else:
                x = lo + u * (hi - lo + 1.0)
            return [int(v) for v in np.clip(np.floor(x), lo, hi)]
        x = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo))) if self.log else lo + u * (hi - lo)
        x = np.clip(x, lo, hi)
        if digits is not None:
            x = np.round(x, digits)
        return [float(v) for v in x]


class DesignSpec(BaseModel):
    """How to make a design: sample a Latin hypercube, or read the points from a file."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["lhs", "file"] = Field("lhs", description="lhs: Latin hypercube; file: "
                                           "read the points from `file`")
    n: int | None = Field(None, ge=1, le=1_000_000, description="number of design points")
    seed: int = Field(0, ge=0, description="seed of the sample (not of the simulation)")
    factors: dict[str, Factor] = Field(default_factory=dict,
                                       description="dotted config key -> range or levels")
    optimization: Literal["random-cd", "lloyd"] | None = Field(
        None, description="scipy's space-filling improvement of the hypercube (optional)")
    digits: int | None = Field(None, ge=0, le=15,
                               description="round continuous values to this many decimals")
    file: str | None = Field(None, description="method=file: a design.json or CSV table")

    @model_validator(mode="after")
    def _complete(self) -> DesignSpec:
        if self.method == "lhs":
            if not self.factors:
                raise ValueError("method lhs needs at least one factor")
            if self.n is None:
                raise ValueError("method lhs needs n, the number of points")
        elif not self.file:
            raise ValueError("method file needs file, the path of a design file")
        for key in self.factors:
            _check_key(key)
        return self


@dataclass(frozen=True)
class Design:
    """A design: its spec and its points (one dict of factor values per point)."""

    spec: DesignSpec
    points: list[dict[str, Scalar]]

    @property
    def factors(self) -> list[str]:
        return sorted({k for p in self.points for k in p})

    def point(self, index: int) -> dict[str, Scalar]:
        """The factor values of point ``index`` (0-based)."""
        if not 0 <= index < len(self.points):
            raise DesignError([f"design_point = {index}: out of range; the design has "
                               f"{len(self.points)} points (use design_point=range("
                               f"{len(self.points)}))"])
        return dict(self.points[index])

    def table(self) -> pd.DataFrame:
        """The points as a table, one row per point (column ``design_point`` first)."""
        df = pd.DataFrame(self.points, columns=self.factors)
        df.insert(0, "design_point", range(len(df)))
        return df


def _check_key(key: str) -> None:
    parts = key.split(".")
    if not key or any(p == "" for p in parts):
        raise ValueError(f"factor key {key!r} is not a dotted config key")
    if parts[0] in RESERVED_KEYS:
        raise ValueError(f"factor key {key!r}: a design cannot set {parts[0]!r}")


def parse_spec(data: dict[str, Any] | DesignSpec) -> DesignSpec:
    """Validate a design spec (e.g. the ``design`` config key); :class:`DesignError` if bad."""
    if isinstance(data, DesignSpec):
        return data
    try:
        return DesignSpec.model_validate(data)
    except ValidationError as err:
        lines = []
        for e in err.errors():
            loc = ".".join(str(p) for p in ("design", *e["loc"]))
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                msg = "unknown key (not in the design schema)"
            value = e.get("input")
            shown = "{...}" if isinstance(value, dict) else repr(value)
            lines.append(f"{loc} = {shown}: {msg}")
        raise DesignError(lines) from err


def latin_hypercube(spec: DesignSpec) -> list[dict[str, Scalar]]:
    """``spec.n`` points of a Latin hypercube over ``spec.factors`` (see the module rules)."""
    from scipy.stats import qmc  # imported here: scipy.stats takes 0.5 s, only designs use it

    keys = sorted(spec.factors)
    # scipy >= 1.15 names the generator argument `rng`; older releases call it `seed`.
    keyword = "rng" if "rng" in inspect.signature(qmc.LatinHypercube).parameters else "seed"
    engine = qmc.LatinHypercube(d=len(keys), optimization=spec.optimization,
                                **{keyword: np.random.default_rng(spec.seed)})
    u = engine.random(spec.n)
    columns = {k: spec.factors[k].scale(u[:, j], spec.digits) for j, k in enumerate(keys)}
    return [{k: columns[k][i] for k in keys} for i in range(spec.n)]


def make_design(spec: dict[str, Any] | DesignSpec, base: Path | None = None) -> Design:
    """Build the design ``spec`` describes (sample it, or read its file relative to ``base``)."""
    spec = parse_spec(spec)
    if spec.method == "lhs":
        return Design(spec, latin_hypercube(spec))
    path = Path(spec.file)
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    points = load_design(path).points
    if spec.n is not None and spec.n != len(points):
        raise DesignError([f"design.n = {spec.n}: the file {path} holds {len(points)} points"])
    return Design(spec, points)


def save_design(path: Path, design: Design) -> Path:
    """Write ``design`` as JSON (spec, factor names, points; keys sorted), atomically."""
    return write_json(Path(path), {
        "schema_version": 1,
        "spec": design.spec.model_dump(mode="json"),
        "factors": design.factors,
        "n": len(design.points),
        "points": design.points,
    })


def load_design(path: Path) -> Design:
    """Read a design file: our ``design.json``, or a CSV table (one column per key)."""
    path = Path(path)
    if not path.is_file():
        raise DesignError([f"design.file = {str(path)!r}: no such file"])
    if path.suffix.lower() == ".csv":
        df = pd.read_csv(path)
        if "design_point" in df:
            df = df.sort_values("design_point").drop(columns="design_point")
        if df.isna().any().any():
            raise DesignError([f"design.file = {str(path)!r}: empty cells in the table"])
        points = [{k: _scalar(v) for k, v in row.items()} for row in df.to_dict("records")]
        spec = DesignSpec(method="file", file=str(path), n=len(points))
    else:
        try:
            data = json.loads(path.read_text())
            points = [dict(p) for p in data["points"]]
            spec = parse_spec(data.get("spec") or {"method": "file", "file": str(path)})
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DesignError([f"design.file = {str(path)!r}: not a design file ({exc})"]) from exc
    for key in {k for p in points for k in p}:
        try:
            _check_key(key)
        except ValueError as exc:
            raise DesignError([f"design.file = {str(path)!r}: {exc}"]) from exc
    if not points:
        raise DesignError([f"design.file = {str(path)!r}: the design has no points"])
    return Design(spec, points)


def _scalar(value: Any) -> Scalar:
    if isinstance(value, np.generic):
        return value.item()
    return value


def apply_point(data: dict[str, Any], point: dict[str, Scalar]) -> dict[str, Any]:
    """A copy of the config ``data`` with each dotted key of ``point`` set to its value.

    A key the composed config leaves out (a schema default) is added; the
    schema then rejects any key it does not know, so a typo fails that point
    with the key named. List items are addressed by index (``scenario.languages.0``)
    and must exist.
    """
    out = copy.deepcopy(data)
    bad = []
    for key, value in sorted(point.items()):
        *parents, leaf = key.split(".")
        node: Any = out
        try:
            for part in parents:
                if isinstance(node, list):
                    node = node[int(part)]
                else:
                    node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
            if isinstance(node, list):
                node[int(leaf)] = value
            elif isinstance(node, dict):
                node[leaf] = value
            else:
                raise TypeError(leaf)
        except (KeyError, IndexError, ValueError, TypeError):
            bad.append(f"design.factors.{key} = {value!r}: no such config key")
    if bad:
        raise DesignError(bad)
    return out


def resolve_design(data: dict[str, Any], base: Path | None = None,
                   ) -> tuple[dict[str, Any], dict[str, Scalar] | None]:
    """Apply the design point a config asks for; return the config and the point's values.

    A config without a ``design`` is returned unchanged with ``None``. A config
    with one must name its ``design_point``.
    """
    spec = data.get("design")
    index = data.get("design_point")
    if spec is None:
        if index is not None:
            raise DesignError([f"design_point = {index!r}: no design to take it from (add "
                               "+design=NAME, see configs/design/)"])
        return data, None
    if index is None:
        raise DesignError(["design_point = None: a design needs a point index; sweep it with "
                           "design_point=range(N)"])
    if isinstance(index, bool) or not isinstance(index, int):
        raise DesignError([f"design_point = {index!r}: must be an integer >= 0"])
    point = _cached_design(json.dumps(spec, sort_keys=True, default=str),
                           None if base is None else str(base)).point(index)
    return apply_point(data, point), point


@functools.lru_cache(maxsize=8)
def _cached_design(spec_json: str, base: str | None) -> Design:
    """One design per spec per process: a sweep's parent screens every point of the same one."""
    return make_design(json.loads(spec_json), None if base is None else Path(base))
