"""Where the Hydra config tree lives: ``$SIM_CONFIG_DIR`` or the repository's ``configs/``."""

from __future__ import annotations

import os
from pathlib import Path


def config_dir() -> Path:
    """The ``configs/`` tree, found from any working directory (editable install)."""
    env = os.environ.get("SIM_CONFIG_DIR")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "configs"
    if not (path / "config.yaml").is_file():
        raise FileNotFoundError(
            f"config tree not found at {path} (install the repository with `pip install -e .` "
            "or set SIM_CONFIG_DIR)")
    return path


def group_options(group: str) -> list[str]:
    """Options of a config group, e.g. ``scenario`` -> ['kursk_2024', ...]."""
    return sorted(p.stem for p in (config_dir() / group).glob("*.yaml"))
