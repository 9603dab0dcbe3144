"""Priors: what is believed about each parameter a scenario marks as an assumption.

A prior set is the config group ``priors`` (``configs/priors/<scenario>.yaml``, added to a
run with ``+priors=<name>``): for each parameter, named by its config key such as
``scenario.links.RU_KP.interpreters``, a distribution over a range and one line of
reasoning or a source. It is written nested as the config is (so
``priors.scenario.links.RU_KP.interpreters.high=48`` changes one from the command line);
a dotted key (``scenario.links.RU_KP: {interpreters: ...}``) means the same. A prior is a
mapping with a ``distribution``. Sensitivity analysis samples the set, calibration starts
from it.

Rules:
- ``uniform``: every value in [low, high] equally likely; with ``integer: true`` the
  integers low..high, each equally likely.
- ``loguniform``: uniform in log(value) over [low, high], low > 0 (for rates and counts
  known only to within a factor).
- ``triangular``: density rising linearly from low to ``mode`` and falling to high
  (a most likely value, with bounds).
- The key must exist: every part of its path is a field of the schema, and every
  entry of a mapping (a nation, a link, a unit group, a weapon) is in the composed
  config. A field left to its schema default counts as existing.
- The key must name a number (not a flag, a name or a list); a field of whole numbers
  needs an ``integer`` prior.
- The range must lie within the field's own range: the config must validate with the
  value at ``low`` and at ``high`` (the schema's rules decide, as they do for any
  override).
- The scenario's own value must lie within [low, high]: the prior says what is plausible,
  and the value the scenario runs with is one such.
- Every problem is one line ``priors.<key> = <value>: <rule>``; the command line prints
  them and exits 2 before any work, like every other config error.
"""

from __future__ import annotations

import copy
import math
import typing
from typing import Any, Literal

import annotated_types
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo

from sim.schema import RunConfig, unwrap


class Prior(BaseModel):
    """One parameter's prior: a distribution over [low, high], and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    distribution: Literal["uniform", "loguniform", "triangular"] = Field(
        description="uniform, loguniform (low > 0) or triangular (with mode)")
    low: float = Field(description="lowest plausible value, in the field's unit")
    high: float = Field(description="highest plausible value, in the field's unit")
    mode: float | None = Field(None, description="triangular only: the most likely value")
    integer: bool = Field(False, description="uniform only: the integers low..high")
    reason: str = Field(min_length=3, description="one line of reasoning, or a source")

    @model_validator(mode="after")
    def _consistent(self) -> Prior:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("low and high must be finite")
        if not self.high > self.low:
            raise ValueError(f"high {self.high:g} must be greater than low {self.low:g}")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError(f"loguniform needs low > 0, got {self.low:g}")
        if (self.mode is not None) != (self.distribution == "triangular"):
            raise ValueError("mode is given for a triangular prior, and only for one")
        if self.mode is not None and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode {self.mode:g} must lie within [{self.low:g}, {self.high:g}]")
        if self.integer and (self.distribution != "uniform" or self.low != int(self.low)
                             or self.high != int(self.high)):
            raise ValueError("integer needs a uniform prior with whole-number low and high")
        return self

    def scipy_args(self) -> tuple:
        """The prior as a ``scipy.stats`` distribution's name and arguments (what
        :meth:`frozen` builds, and what pyabc's ``RV`` takes)."""
        lo, width = self.low, self.high - self.low
        if self.integer:
            return ("randint", int(self.low), int(self.high) + 1)
        if self.distribution == "uniform":
            return ("uniform", lo, width)
        if self.distribution == "loguniform":
            return ("loguniform", self.low, self.high)
        return ("triang", (self.mode - lo) / width, lo, width)

    def frozen(self):
        """The prior as a frozen ``scipy.stats`` distribution."""
        from scipy import stats  # 0.5 s of imports: only when priors are sampled

        name, *args = self.scipy_args()
        return getattr(stats, name)(*args)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The values at probabilities ``u`` in [0, 1] (the inverse of the prior's CDF):
        maps a uniform sample, such as a Sobol sequence, onto the prior, within
        [low, high]."""
        x = self.frozen().ppf(np.clip(np.asarray(u, float), 0.0, 1.0))
        if self.integer:
            return np.clip(x, self.low, self.high).astype(np.int64)
        return np.clip(x, self.low, self.high)


class PriorError(ValueError):
    """Priors that cannot be used; one line per problem (``priors.<key> = value: rule``)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def flatten(raw: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The priors of a nested set by dotted key: a mapping with a ``distribution``, or one
    whose values are not all mappings, is a prior; any other mapping holds more keys."""
    out = {}
    for name, value in raw.items():
        key = f"{prefix}.{name}" if prefix else str(name)
        if (isinstance(value, dict) and value and "distribution" not in value
                and all(isinstance(v, dict) for v in value.values())):
            out.update(flatten(value, key))
        else:
            out[key] = value
    return out


def parse_priors(raw: dict[str, Any]) -> dict[str, Prior]:
    """Each prior of a set (nested or by dotted key) as a :class:`Prior`, keys sorted;
    :class:`PriorError` naming every bad one."""
    out, lines = {}, []
    flat = flatten(raw)
    if not flat:
        raise PriorError(["priors = {}: a prior set needs at least one prior"])
    for key in sorted(flat):
        try:
            out[key] = Prior.model_validate(flat[key])
        except ValidationError as err:
            for e in err.errors():
                where = ".".join(str(p) for p in e["loc"])
                msg = e["msg"].removeprefix("Value error, ")
                if e["type"] == "extra_forbidden":
                    msg = "unknown key (a prior has distribution, low, high, mode, integer, reason)"
                value = e.get("input")
                shown = (_compact(value) if isinstance(value, dict) else repr(value))
                lines.append(f"priors.{key}{'.' + where if where else ''} = {shown}: {msg}")
    if lines:
        raise PriorError(lines)
    return out


def _compact(value: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in value.items() if k != "reason") + "}"


def check_priors(data: dict[str, Any], raw: dict[str, Any]) -> dict[str, Prior]:
    """The prior set ``raw`` of the composed config ``data`` (a plain dict, before
    validation), checked against the schema and the config (module rules); returns the
    priors by key or raises :class:`PriorError`."""
    priors = parse_priors(raw)
    lines = []
    base = {k: v for k, v in data.items() if k not in ("hydra", "priors")}
    for key, prior in priors.items():
        problem = _key_problem(base, key, prior)
        if problem is None:
            problem = _range_problem(base, key, prior)
        if problem is not None:
            lines.append(f"priors.{key} = {_shown(prior)}: {problem}")
    if lines:
        raise PriorError(lines)
    return priors


def _shown(prior: Prior) -> str:
    extra = f", mode {prior.mode:g}" if prior.mode is not None else ""
    return f"{prior.distribution}[{prior.low:g}, {prior.high:g}{extra}]"


def field_at(key: str, data: dict[str, Any]) -> tuple[FieldInfo, Any]:
    """The pydantic field a dotted ``key`` of the run config names, and the type it holds
    (``Annotated`` and ``| None`` unwrapped). ``data`` is the composed config: it resolves
    the entries of mappings (a link's name, a nation's). Raises KeyError saying which part
    names nothing."""
    node: Any = data
    kind: Any = RunConfig
    info: FieldInfo | None = None
    path: list[str] = []
    for part in key.split("."):
        kind = unwrap(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            if part not in kind.model_fields:
                where = ".".join(path) or "the config"
                raise KeyError(f"no such key: {where} has no field {part!r}")
            info = kind.model_fields[part]
            kind = info.annotation
            node = node.get(part) if isinstance(node, dict) else None
        elif typing.get_origin(kind) is dict:
            entries = sorted(node) if isinstance(node, dict) else []
            if part not in entries:
                raise KeyError(f"no such key: {'.'.join(path)} has no entry {part!r} (it has "
                               f"{', '.join(map(str, entries)) or 'none'})")
            kind = typing.get_args(kind)[1]
            node = node[part]
        else:
            raise KeyError(f"no such key: {'.'.join(path)} is not a mapping")
        path.append(part)
    if info is None:
        raise KeyError("no such key: an empty key")
    return info, unwrap(kind)


def bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    """The (lower, upper) bounds of a field from its constraints (pydantic gathers the
    type's and the field's own in ``metadata``; ``gt``/``lt`` count as their limit;
    None: unbounded)."""
    low = high = None
    for m in info.metadata:
        if isinstance(m, (annotated_types.Ge, annotated_types.Gt)):
            value = float(m.ge if isinstance(m, annotated_types.Ge) else m.gt)
            low = value if low is None else max(low, value)
        elif isinstance(m, (annotated_types.Le, annotated_types.Lt)):
            value = float(m.le if isinstance(m, annotated_types.Le) else m.lt)
            high = value if high is None else min(high, value)
    return low, high


def _key_problem(data: dict[str, Any], key: str, prior: Prior) -> str | None:
    """Why ``key`` names no number of the config, or None (module rules)."""
    try:
        _info, kind = field_at(key, data)
    except KeyError as err:
        return err.args[0]
    if kind not in (float, int) or kind is bool:
        return f"not a number: the field holds {getattr(kind, '__name__', kind)}"
    if kind is int and not prior.integer:
        return ("the field holds whole numbers: give a uniform prior with integer: true "
                "(samples of this one would not be whole)")
    return None


def set_value(data: dict[str, Any], key: str, value: float) -> dict[str, Any]:
    """A copy of the config ``data`` with the dotted ``key`` set to ``value``."""
    out = copy.deepcopy(data)
    *parents, leaf = key.split(".")
    node = out
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    return out


def validated_with(data: dict[str, Any], values: dict[str, float]) -> RunConfig:
    """The validated run config of ``data`` with each dotted key set to its value."""
    for key, value in values.items():
        data = set_value(data, key, value)
    return RunConfig.model_validate(data)


def value_at(data: dict[str, Any], key: str) -> Any:
    """The value of dotted ``key`` in the config dict ``data``, or None where it has none."""
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def current_value(data: dict[str, Any], key: str) -> Any:
    """The value dotted ``key`` takes in a run of ``data``: the config's own, or where the
    config leaves it out, the schema's default (read from the validated config)."""
    value = value_at(data, key)
    if value is None:
        value = value_at(RunConfig.model_validate(data).model_dump(), key)
    return value


def _range_problem(data: dict[str, Any], key: str, prior: Prior) -> str | None:
    """Why the prior's range does not fit the field (or the scenario's value lies outside
    it), or None."""
    for end, value in (("low", prior.low), ("high", prior.high)):
        value = int(value) if prior.integer else value
        try:
            RunConfig.model_validate(set_value(data, key, value))
        except ValidationError as err:
            rule = next((e["msg"] for e in err.errors()
                         if ".".join(map(str, e["loc"])) == key), err.errors()[0]["msg"])
            return f"{end} {value:g} is outside the field's range: {rule}"
    current = current_value(data, key)
    if isinstance(current, (int, float)) and not prior.low <= current <= prior.high:
        return (f"the scenario's value {current:g} lies outside the prior's range "
                f"[{prior.low:g}, {prior.high:g}]")
    return None
