"""Atomic file writes: write to a temporary name in the same directory, then rename.

An interrupted run never leaves a half-written file under a final name.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

_UMASK = os.umask(0)
os.umask(_UMASK)


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json(path: Path, data: dict) -> Path:
    """JSON with sorted keys and a final newline, written atomically."""
    text = json.dumps(data, sort_keys=True, indent=2) + "\n"
    return write_atomic(path, lambda p: p.write_text(text))


def write_parquet(path: Path, df: pd.DataFrame) -> Path:
    return write_atomic(path, lambda p: df.to_parquet(p, index=False))


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend, imported on first use (0.5 s that a
    run spends only when it draws its figures, not at start-up)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(path: Path, fig) -> Path:
    plt = pyplot()

    def _save(p: Path) -> None:
        fig.savefig(p, format="png", dpi=110, bbox_inches="tight")

    try:
        return write_atomic(path, _save)
    finally:
        plt.close(fig)
