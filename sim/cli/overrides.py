"""Reading and completing a command's Hydra overrides (``sim sensitivity``, ``sim calibrate``)."""

from __future__ import annotations

from pathlib import Path

from sim.cli.paths import config_dir


def key(override: str) -> str:
    """The key an override sets: ``+priors=kursk_2024`` -> ``priors``."""
    return override.lstrip("+~").split("=", 1)[0]


def given(overrides: list[str], group: str) -> bool:
    """Whether the overrides choose ``group`` (or set a key in it)."""
    return any(key(o) == group for o in overrides)


def default_choice(overrides: list[str], group: str, scenario: str) -> list[str]:
    """``+group=<scenario>`` (or ``default``) unless the overrides choose one."""
    if given(overrides, group):
        return []
    for name in (scenario, "default"):
        if (config_dir() / group / f"{name}.yaml").is_file():
            return [f"+{group}={name}"]
    return []


def added_group(overrides: list[str], group: str) -> list[str]:
    """``group=NAME`` as ``+group=NAME``: the group is not in the root config's defaults, so
    Hydra needs the ``+`` (the user may leave it out)."""
    return [f"+{o}" if key(o) == group and o.startswith(f"{group}=") else o
            for o in overrides]


def given_dir(overrides: list[str], name: str) -> Path | None:
    """The directory a Hydra key such as ``hydra.run.dir`` is set to, or None."""
    for o in overrides:
        if key(o) == name:
            return Path(o.split("=", 1)[1])
    return None
