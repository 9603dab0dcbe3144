"""Where the compiled kernels are cached: one directory per version of the model's source.

numba caches a compiled function beside its source and notices when that file changes,
but not when a compiled function it calls from another file changes: a kernel in
``drones.py`` that calls ``keyed.binomial`` would go on running the old binomial after
``keyed.py`` was edited, and two checkouts of different commits could give different
numbers for one seed. So the kernels are cached in a directory named by a hash of every
source file of the model (``sim/model/*.py``): any change to the model compiles every
kernel afresh (about 30 s, once), and a process never runs a kernel built from other
code.

Rules:
- The directory is ``sim/model/__pycache__/numba-<hash>``, or, where the package cannot
  be written to, ``~/.cache/coalition-friction/numba-<hash>``.
- Directories of other versions not used for an hour are removed when a new one is made.
- A cache directory chosen by the user (the environment variable ``NUMBA_CACHE_DIR``) is
  left as it is.
- This is numba's process-wide setting: other numba code in the same process caches
  there too.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import numba

MODEL = Path(__file__).resolve().parent
#: other versions' directories idle for longer than this are removed, s
STALE_S = 3600.0


def source_hash(folder: Path = MODEL) -> str:
    """A hash of the names and contents of the ``*.py`` files of ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cache_root(folder: Path = MODEL) -> Path:
    """Where the versions' directories live: beside the source if it can be written."""
    here = folder / "__pycache__"
    if os.access(here if here.exists() else folder, os.W_OK):
        return here
    return Path.home() / ".cache" / "coalition-friction"


def configure(folder: Path = MODEL) -> Path | None:
    """Point numba's cache at this version's directory (rules above); returns it, or None
    when ``NUMBA_CACHE_DIR`` is set."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    root = cache_root(folder)
    path = root / f"numba-{source_hash(folder)}"
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True)
        _prune(root, keep=path)
    numba.config.CACHE_DIR = str(path)
    return path


def _prune(root: Path, keep: Path) -> None:
    """Remove the other versions' directories idle for longer than ``STALE_S``."""
    now = time.time()
    for old in root.glob("numba-*"):
        if old != keep and old.is_dir() and now - old.stat().st_mtime > STALE_S:
            shutil.rmtree(old, ignore_errors=True)


configure()
