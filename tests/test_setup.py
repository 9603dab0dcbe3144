"""The set-up installs what the docs' commands need (experiments/notebooks/README.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO

BIN = Path(sys.executable).parent


def test_make_lab_has_jupyterlab_in_the_venv():
    assert re.search(r"^lab: setup\n\t\$\(BIN\)/jupyter lab experiments/notebooks/",
                     (REPO / "Makefile").read_text(), re.M)
    out = subprocess.run([str(BIN / "jupyter"), "lab", "--version"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip().startswith("4.")


def test_the_notebook_commands_name_the_venvs_python():
    text = (REPO / "experiments" / "notebooks" / "README.md").read_text()
    runs = [line for line in text.splitlines() if "experiments/run_notebooks.py" in line
            and not line.startswith("`")]
    assert runs and all(line.lstrip().startswith(".venv/bin/python ") for line in runs
                        if line.lstrip().startswith(("python", ".venv")))
    assert not re.search(r"^python experiments/", text, re.M)
