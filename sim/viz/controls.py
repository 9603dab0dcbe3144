"""The page's controls, read from the schema: never a range, default or help text typed twice.

Rules:
- Two selects: the scenario (``configs/scenario/``) and the intervention
  (``configs/intervention/``).
- The seed, a whole-number box (any seed is as good as another, so no range).
- Sliders for the main levers and uncertainties of the selected scenario, in this order:
  for each liaison link, its interpreters and liaison officers (the levers
  the remedies change); for each coalition nation, P(engage an unidentified contact
  beyond the front line) (its rule of engagement); then the parameters its calibration
  (``configs/calibration/<scenario>.yaml``) fits, when it has one (the uncertainties
  the reporting speaks to).
- A slider's range is the field's own (``ge``/``gt``/``le``/``lt`` of the pydantic
  field). Where the field has no upper bound, the top is the high end of the
  scenario's prior for that key (``configs/priors/<scenario>.yaml``), else 4x the
  scenario's value (at least 10). Where the field has no lower bound (a position),
  the bottom is the prior's low end, else the value less 4x its size (at most -1).
- Its default is the composed scenario's value (so the command line's overrides show).
- Its label names the key, and its tooltip is the field's description, with the
  prior and its reason where the scenario has one.
- Whole-number fields get whole-number sliders (step 1); others a power-of-ten step of
  about a hundredth of the range, made finer until the value lies on a step (a slider
  snaps to its steps: a coarser one would change the scenario's value unasked).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from omegaconf import OmegaConf

from sim.cli.paths import config_dir, group_options
from sim.priors import bounds, current_value, field_at

__all__ = ["Slider", "bounds", "field_at", "interventions", "scenarios", "slider",
           "slider_keys", "sliders"]


@dataclass(frozen=True)
class Slider:
    """One numeric setting on the page.

    Attributes:
        key: dotted config key (``scenario.links.RU_KP.interpreters``).
        label: short label shown beside the slider.
        help: the tooltip: the field's description (and its prior, where one is set).
        value: the default, the composed config's value.
        low, high: the slider's range (module rules).
        step: the slider's step.
        integer: the field holds whole numbers.
    """

    key: str
    label: str
    help: str
    value: float
    low: float
    high: float
    step: float
    integer: bool


def _step(low: float, high: float, value: float) -> float:
    """A power of ten near (high - low) / 100 on which ``value`` (and ``low``) lie."""
    span = high - low
    if span <= 0:
        return 1.0
    k = math.floor(math.log10(span / 100.0))
    for _ in range(6):
        step = 10.0 ** k
        if all(abs(x / step - round(x / step)) < 1e-6 for x in (value, low)):
            return step
        k -= 1
    return 10.0 ** k


def _config(group: str, name: str) -> dict[str, Any]:
    path = config_dir() / group / f"{name}.yaml"
    if not path.is_file():
        return {}
    return OmegaConf.to_container(OmegaConf.load(path), resolve=True) or {}


def _flat(tree: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    out = {}
    for k, v in tree.items():
        if isinstance(v, dict) and "distribution" in v:
            out[prefix + k] = v
        elif isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
    return out


def slider(key: str, data: dict[str, Any], prior: dict[str, Any] | None = None) -> Slider:
    """The slider of dotted ``key`` of the composed config ``data`` (module rules)."""
    info, kind = field_at(key, data)
    integer = kind is int
    value = float(current_value(data, key))
    low, high = bounds(info)
    if high is None:
        high = float(prior["high"]) if prior else max(4.0 * abs(value), 10.0)
    if low is None:
        low = float(prior["low"]) if prior else min(value - 4.0 * abs(value), -1.0)
    high, low = max(high, value), min(low, value)
    step = 1.0 if integer else _step(low, high, value)
    text = info.description or ""
    if prior:
        text += (f". Prior: {prior['distribution']} [{prior['low']:g}, {prior['high']:g}]"
                 f" ({prior.get('reason', 'no reason given')})")
    label = key.removeprefix("scenario.")
    return Slider(key, label, text, value, low, high, step, integer)


def slider_keys(data: dict[str, Any]) -> list[str]:
    """The keys of the sliders for the composed config ``data`` (module rules, in order)."""
    scenario = data["scenario"]
    keys = []
    for link in sorted(scenario.get("links") or {}):
        keys += [f"scenario.links.{link}.interpreters", f"scenario.links.{link}.liaison_officers"]
    for nation, spec in sorted((scenario.get("nations") or {}).items()):
        if spec.get("side") == "coalition":
            keys.append(f"scenario.nations.{nation}.roe.engage_unidentified")
    for key in _config("calibration", scenario.get("name", "")).get("parameters", []):
        if key not in keys:
            keys.append(key)
    return keys


def sliders(data: dict[str, Any]) -> list[Slider]:
    """Every slider for the composed config ``data`` (module rules)."""
    priors = _flat(_config("priors", data["scenario"].get("name", "")))
    out = []
    for key in slider_keys(data):
        try:
            out.append(slider(key, data, priors.get(key)))
        except KeyError:
            continue          # a calibration parameter this scenario's config lacks
    return out


def scenarios() -> list[str]:
    """The scenario select's options."""
    return group_options("scenario")


def interventions() -> list[str]:
    """The intervention select's options."""
    return group_options("intervention")
