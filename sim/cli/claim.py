"""A single run's directory is its own: claimed before Hydra writes into it.

Rules:
- A run claims its directory by creating the file ``.sim-run`` in it with ``O_EXCL``
  (atomic: of two runs, exactly one succeeds), before Hydra writes anything there.
- The default directory, ``outputs/<scenario>/<date>_<time>``, gets a suffix ``_2``,
  ``_3``, ... when another run holds it (two runs started in the same second).
- A directory given with ``hydra.run.dir`` that another run holds (its ``.sim-run``,
  or a ``summary.json`` or ``status.json`` written before claims existed) is refused:
  exit 2 naming it, nothing written. ``--overwrite`` removes that run's files first
  (what a run writes: its tables, summary, status, figures, Hydra's record) and then
  claims it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

CLAIM_FILE = ".sim-run"
#: what a run writes into its directory (removed by overwrite=true)
RUN_FILES = ("summary.json", "status.json", "run_info.json", "laydown.json", "app.log")
RUN_GLOBS = ("*.parquet", "*.png", "*.md")


class Taken(Exception):
    """The directory holds another run."""


def held(directory: Path) -> bool:
    """Another run holds ``directory`` (module rules)."""
    return any((directory / f).exists() for f in (CLAIM_FILE, "summary.json", "status.json"))


def claim(directory: Path) -> None:
    """Claim ``directory`` (creating it); raises Taken if another run holds it."""
    directory.mkdir(parents=True, exist_ok=True)
    if held(directory) and not (directory / CLAIM_FILE).exists():
        raise Taken(str(directory))
    try:
        fd = os.open(directory / CLAIM_FILE, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError as exc:
        raise Taken(str(directory)) from exc
    with os.fdopen(fd, "w") as f:
        json.dump({"pid": os.getpid(), "started": time.strftime("%Y-%m-%dT%H:%M:%S")}, f)


def claim_default(base: Path) -> Path:
    """Claim ``base``, or ``base_2``, ``base_3``, ... the first that is free."""
    for k in range(1, 1000):
        candidate = base if k == 1 else base.with_name(f"{base.name}_{k}")
        try:
            claim(candidate)
            return candidate
        except Taken:
            continue
    raise Taken(f"{base} and 998 suffixed directories")


def clear(directory: Path) -> None:
    """Remove what a run wrote into ``directory`` (and its claim): ``--overwrite``."""
    for name in (*RUN_FILES, CLAIM_FILE):
        (directory / name).unlink(missing_ok=True)
    for pattern in RUN_GLOBS:
        for path in directory.glob(pattern):
            path.unlink()
    shutil.rmtree(directory / ".hydra", ignore_errors=True)
