"""``sim settings [PREFIX]`` and ``sim run --help``: every setting of the schema, with its
meaning, unit, range and default, grouped by the config group or section it lives in.

Rules:
- Every field of :class:`~sim.schema.RunConfig`, walked depth first in the schema's
  order. Entries of a mapping (a nation, a link, a unit group) are written with a
  placeholder, ``scenario.nations.<NATION>.training``; items of a list,
  ``scenario.units.<UNIT>.waves[i].at_h``.
- The groups are the config groups that fill a part (``scenario=``, ``intervention=``),
  then each nested section; a group's header lists its options where it is one.
- The unit is read from the key's name: ``_h`` hours, ``_km`` km, ``_kmh`` km/h,
  ``_per_h`` per hour; shares and probabilities show their range [0, 1].
- The range is the field's constraints (``ge``, ``gt``, ``le``, ``lt``); the default is
  the schema's (``required``: the config must give it, as the scenario files do), and,
  where the default config (``configs/config.yaml``: kursk_2024, no intervention) sets
  another value, that value too: what a plain ``sim run`` uses.
- PREFIX keeps the settings whose key starts with it.
"""

from __future__ import annotations

import textwrap
import typing
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sim.cli.paths import group_options
from sim.priors import bounds, value_at
from sim.schema import RunConfig, unwrap

#: config groups whose options fill a part of the config
GROUPS = ("scenario", "intervention", "priors", "design", "sensitivity", "calibration",
          "coverage")
UNITS = (("_per_h", "per hour"), ("_kmh", "km/h"), ("_km", "km"), ("_h", "h"))
WIDTH = 100


def unit_of(name: str) -> str:
    """The unit a key's name says (module rules), or ''."""
    for suffix, unit in UNITS:
        if name.endswith(suffix):
            return unit
    return ""


def range_of(info: FieldInfo) -> str:
    """The field's constraints, e.g. '[0, 1]', '>= 0', '> 0', or ''."""
    low, high = bounds(info)
    strict_low = any(isinstance(m, annotated_types.Gt) for m in info.metadata)
    strict_high = any(isinstance(m, annotated_types.Lt) for m in info.metadata)
    if low is not None and high is not None:
        return f"{'(' if strict_low else '['}{low:g}, {high:g}{')' if strict_high else ']'}"
    if low is not None:
        return f"{'>' if strict_low else '>='} {low:g}"
    if high is not None:
        return f"{'<' if strict_high else '<='} {high:g}"
    return ""


def default_of(info: FieldInfo) -> str:
    if info.default_factory is not None:
        value = info.default_factory()
        return "(empty)" if value in ({}, []) else repr(value)
    if info.default is PydanticUndefined:
        return "required"
    if info.default is None:
        return "none"
    return repr(info.default) if isinstance(info.default, str) else str(info.default)


def _type_name(kind: Any) -> str:
    kind = unwrap(kind)
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in args)
    if origin is dict:
        return f"map of {_type_name(args[0])} to {_type_name(args[1])}"
    if origin in (list, tuple):
        inner = ", ".join(_type_name(a) for a in args if a is not Ellipsis)
        return f"{origin.__name__} of {inner}"
    if origin is not None:
        return " | ".join(_type_name(a) for a in args)
    return getattr(kind, "__name__", str(kind))


def _model(kind: Any) -> type[BaseModel] | None:
    """The config block a type holds, or None."""
    kind = unwrap(kind)
    return kind if isinstance(kind, type) and issubclass(kind, BaseModel) else None


def walk(model: type[BaseModel], prefix: str = ""):
    """(section, key, field info, type) of every leaf setting under ``model``."""
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        kind = unwrap(info.annotation)
        origin, args = typing.get_origin(kind), typing.get_args(kind)
        if _model(kind):
            yield from walk(_model(kind), key + ".")
        elif origin is dict and args and _model(args[1]):
            yield from walk(_model(args[1]), f"{key}.<{name.rstrip('s').upper()}>.")
        elif origin is list and args and _model(args[0]):
            yield from walk(_model(args[0]), f"{key}[i].")
        else:
            yield prefix.rstrip(".") or "run", key, info, kind


def _composed() -> dict[str, Any]:
    from omegaconf import OmegaConf

    from sim.cli.validate import compose_config

    data = OmegaConf.to_container(compose_config([]), resolve=True)
    data.pop("hydra", None)
    return data


def lines(prefix: str = "") -> list[str]:
    """The listing (module rules), for keys starting with ``prefix``; [] if none does."""
    sections: dict[str, list[str]] = {"run": []}
    count = 0
    composed = _composed()
    for section, key, info, kind in walk(RunConfig):
        if not key.startswith(prefix) or key.split(".")[0] == "counterfactual":
            continue       # filled in by the command line from compare_to
        unit = unit_of(key.split(".")[-1])
        default = default_of(info)
        facts = [_type_name(kind), range_of(info), unit, f"default {default}"]
        value = value_at(composed, key)
        if value is not None and not isinstance(value, dict) and \
                default not in (str(value), repr(value)):
            facts.append(f"sim run: {value!r}")
        rows = sections.setdefault(section, [])
        rows.append(f"  {key}  ({'; '.join(f for f in facts if f)})")
        if info.description:
            rows += textwrap.wrap(info.description, WIDTH, initial_indent="      ",
                                  subsequent_indent="      ")
        count += 1
    if not count:
        return []
    out = [f"{count} settings{f' under {prefix!r}' if prefix else ''}; set any with "
           "KEY=VALUE on the command line (<NAME>: an entry of the scenario's own, e.g. "
           "scenario.links.RU_KP.interpreters=16):"]
    for section, rows in sections.items():
        if not rows:
            continue
        if section in GROUPS:
            head = f"{section}  (a config group: {section}=NAME, one of "\
                   f"{', '.join(group_options(section))})"
        elif section == "run":
            head = "run  (the run's own settings)"
        else:
            head = section
        out += ["", head, *rows]
    return out


def settings_command(args: list[str]) -> int:
    import sys

    if len(args) > 1 or any(a.startswith("-") for a in args):
        print("usage: sim settings [PREFIX]   (e.g. sim settings scenario.links)",
              file=sys.stderr)
        return 2
    prefix = args[0] if args else ""
    found = lines(prefix)
    if not found:
        print(f"error: no setting starts with {prefix!r}; `sim settings` lists them all",
              file=sys.stderr)
        return 2
    print("\n".join(found))
    return 0
