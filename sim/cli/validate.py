"""Compose the config with Hydra's compose API and validate it with pydantic, before any work.

Errors become :class:`ConfigError` with one line per problem naming the key
path, the value and the rule; the command line prints them and exits 2.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException
from pydantic import ValidationError

from sim.cli.paths import config_dir, group_options
from sim.priors import PriorError, check_priors
from sim.schema import Intervention, RunConfig


class ConfigError(Exception):
    """A configuration that fails composition or validation (exit status 2)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def config_failed(err: Exception) -> int:
    """Report a config error the CLI's way and return its exit status, 2: one line per
    problem, ``error: KEY = VALUE: RULE`` (``err.lines``), after the traceback when
    ``SIM_DEBUG`` is set."""
    if os.environ.get("SIM_DEBUG", "") not in ("", "0"):
        traceback.print_exception(err, file=sys.stderr)
    for line in getattr(err, "lines", None) or [str(err)]:
        print(f"error: {line}", file=sys.stderr)
    return 2


def format_validation_error(err: ValidationError, prefix: str = "") -> list[str]:
    """One line per pydantic error: ``key.path = value: rule``."""
    lines = []
    for e in err.errors():
        parts = [*(prefix.split(".") if prefix else []), *e["loc"]]
        loc = ".".join(str(p) for p in parts if p != "")
        msg = e["msg"]
        if msg.startswith("Value error, "):
            inner = msg[len("Value error, "):]
            if re.match(r"[A-Za-z_][\w.\[\]]*:", inner):
                # cross-reference errors name their own path and value inside the block
                lines.append(f"{loc}.{inner}" if loc else inner)
                continue
            msg = inner                   # a field's own rule: KEY = VALUE: RULE below
        if e["type"] == "extra_forbidden":
            msg = "unknown key (not in the schema)"
        value = e.get("input")
        shown = repr(value) if not isinstance(value, dict) else "{...}"
        lines.append(f"{loc} = {shown}: {msg}")
    return lines


def _hydra_error(exc: Exception, overrides: list[str]) -> list[str]:
    text = str(exc).strip()
    if isinstance(exc, MissingConfigException):
        m = re.search(r"Could not find '([^/']+)/([^']*)'", text)
        if m:
            group, value = m.group(1), m.group(2)
            return [f"{group} = {value!r}: no such option; available: "
                    f"{', '.join(group_options(group))}"]
    m = re.search(r"Could not override '([^']+)'", text)
    if m:
        key = m.group(1)
        value = next((o.split("=", 1)[1] for o in overrides
                      if o.lstrip("+~").split("=", 1)[0] == key and "=" in o), None)
        return [f"{key} = {value!r}: unknown key (neither the config nor the schema has it; "
                "`sim settings` lists the settings)"]
    first = text.splitlines()[0] if text else type(exc).__name__
    return [f"config: {first}"]


def _compose(user: list[str]) -> DictConfig:
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            return compose(config_name="config", overrides=user)
    finally:
        GlobalHydra.instance().clear()


def compose_with_schema_keys(overrides: list[str]) -> tuple[DictConfig, list[str]]:
    """Compose ``config.yaml`` with ``overrides`` (Hydra's own keys left out), and the
    overrides as composed. A plain ``KEY=VALUE`` whose key the config files leave to the
    schema's default (``scenario.nations.RU.roe.engage_forward`` where RU's rules of
    engagement do not spell it out) is set as ``++KEY=VALUE``, so that its value is
    judged by the schema rather than refused as an unknown key; a key the schema lacks
    stays an error."""
    user = [o for o in overrides if not o.lstrip("+~").startswith(("hydra.", "hydra/"))]
    for _ in range(len(user) + 1):
        try:
            return _compose(user), user
        except (HydraException, OmegaConfBaseException, ValueError) as exc:
            fixed = _schema_key(exc, user)
            if fixed is None:
                raise ConfigError(_hydra_error(exc, user)) from exc
            user = fixed
    raise ConfigError([f"config: could not compose {user}"])


def _schema_key(exc: Exception, user: list[str]) -> list[str] | None:
    """``user`` with the override Hydra could not apply written ``++`` if the schema has its
    key (checked against the config composed without it), else None."""
    from sim.priors import field_at

    m = re.search(r"Could not override '([^']+)'", str(exc))
    if not m:
        return None
    key = m.group(1)
    at = next((i for i, o in enumerate(user) if "=" in o and not o.startswith(("+", "~"))
               and o.split("=", 1)[0] == key), None)
    if at is None:
        return None
    try:
        rest = OmegaConf.to_container(_compose(user[:at] + user[at + 1:]), resolve=False)
        field_at(key, rest)
    except (KeyError, HydraException, OmegaConfBaseException, ValueError):
        return None
    return [*user[:at], "++" + user[at], *user[at + 1:]]


def compose_config(overrides: list[str]) -> DictConfig:
    """Compose ``config.yaml`` with ``overrides`` (:func:`compose_with_schema_keys`)."""
    return compose_with_schema_keys(overrides)[0]


def load_intervention(name: str) -> Intervention:
    """The intervention ``name`` from ``configs/intervention/``."""
    path = config_dir() / "intervention" / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError([f"compare_to = {name!r}: no such intervention; available: "
                           f"{', '.join(group_options('intervention'))}"])
    data = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    try:
        return Intervention.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, f"intervention/{name}")) from err


def validate_config(cfg: DictConfig | dict[str, Any]) -> RunConfig:
    """The composed config as a validated :class:`RunConfig` (Hydra's own keys dropped)."""
    try:
        data = (OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
                if isinstance(cfg, DictConfig) else dict(cfg))
    except OmegaConfBaseException as exc:
        raise ConfigError([f"config: {str(exc).splitlines()[0]}"]) from exc
    data.pop("hydra", None)
    try:
        run = RunConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err)) from err
    if run.priors is not None:
        try:
            check_priors(data, run.priors)
        except PriorError as err:
            raise ConfigError(err.lines) from err
    if run.compare_to is not None:
        run.counterfactual = load_intervention(run.compare_to)
    if run.posterior is not None:
        from sim.experiment.posterior import InvalidParticle, PosteriorError, check

        try:
            check(run)
        except PosteriorError as err:
            raise ConfigError(err.lines) from err
        except InvalidParticle as bad:
            where = f"posterior = {run.posterior!r}: particle {bad.index} sets "
            raise ConfigError([where + line for line in format_validation_error(bad.error)]
                              ) from bad
    return run
