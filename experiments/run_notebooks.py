"""Execute the experiment notebooks (and keep the committed .ipynb in step with their .py).

The reviewed form of each notebook is ``experiments/notebooks/NN_name.py`` (jupytext,
percent format); ``NN_name.ipynb`` beside it is generated from it and committed without
outputs. This script:

- executes every notebook from a clean kernel running *this* interpreter (a kernelspec is
  registered in a temporary directory, so nothing is installed anywhere), with
  ``SIM_NOTEBOOK_SCALE`` set, and writes the executed notebooks to ``--out`` (never over the
  committed ones);
- ``--sync`` regenerates the .ipynb files from the .py sources (outputs stripped);
- ``--check`` exits 1 if an .ipynb is missing, out of step with its .py, or holds outputs.

Usage::

    python experiments/run_notebooks.py                 # small mode (quick test), outputs/notebooks/small
    python experiments/run_notebooks.py --full          # full size, outputs/notebooks/full
    python experiments/run_notebooks.py --full --out DIR --only 02,03
    python experiments/run_notebooks.py --sync          # regenerate the .ipynb from the .py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jupytext
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "experiments" / "notebooks"
KERNEL_NAME = "coalition-friction"
#: Per-cell timeout, seconds (a full-size sweep cell runs for many minutes on 2 cores).
TIMEOUT = {"small": 600, "full": 4 * 3600}


def sources(only: list[str] | None = None) -> list[Path]:
    """Notebook sources ``NN_*.py`` (helpers such as ``_shared.py`` are not notebooks)."""
    paths = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    if only:
        paths = [p for p in paths if any(p.name.startswith(o) for o in only)]
    return paths


def to_notebook(py: Path) -> nbformat.NotebookNode:
    """The notebook of ``py`` as committed: no outputs, no execution counts, stable cell ids."""
    nb = jupytext.read(py)
    for k, cell in enumerate(nb.cells):
        cell.id = f"cell-{k:02d}"  # jupytext draws random ids: keep regenerated files stable
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def sync(py: Path) -> Path:
    """Write ``py``'s .ipynb beside it; return its path."""
    out = py.with_suffix(".ipynb")
    jupytext.write(to_notebook(py), out, fmt="ipynb")
    return out


def out_of_step(py: Path) -> str | None:
    """Why ``py``'s committed .ipynb is not what ``sync`` would write, or None."""
    ipynb = py.with_suffix(".ipynb")
    if not ipynb.is_file():
        return f"{ipynb.name} is missing"
    committed = nbformat.read(ipynb, as_version=4)
    expected = to_notebook(py)
    if [(c.cell_type, c.source) for c in committed.cells] != \
            [(c.cell_type, c.source) for c in expected.cells]:
        return f"{ipynb.name} differs from {py.name} (run with --sync)"
    if any(c.get("outputs") or c.get("execution_count") for c in committed.cells
           if c.cell_type == "code"):
        return f"{ipynb.name} holds outputs (run with --sync)"
    return None


@contextmanager
def kernelspec() -> Iterator[KernelSpecManager]:
    """A kernelspec for this interpreter, installed into a temporary prefix for the session."""
    with tempfile.TemporaryDirectory(prefix="cf-kernel-") as tmp:
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", tmp,
                        "--name", KERNEL_NAME, "--display-name", "coalition-friction (venv)"],
                       check=True, capture_output=True)
        yield KernelSpecManager(kernel_dirs=[str(Path(tmp) / "share" / "jupyter" / "kernels")])


def execute(py: Path, scale: str, ksm: KernelSpecManager, timeout: int | None = None,
            nb: nbformat.NotebookNode | None = None) -> nbformat.NotebookNode:
    """Execute ``py``'s notebook (or ``nb``, in place) top to bottom in a clean kernel.

    Raises ``nbclient.exceptions.CellExecutionError`` on the first failing cell; ``nb`` then
    holds the outputs up to it.
    """
    nb = to_notebook(py) if nb is None else nb
    env_before = os.environ.get("SIM_NOTEBOOK_SCALE")
    os.environ["SIM_NOTEBOOK_SCALE"] = scale  # inherited by the kernel process
    try:
        km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)
        client = NotebookClient(nb, km=km, timeout=timeout or TIMEOUT[scale],
                                kernel_name=KERNEL_NAME,
                                resources={"metadata": {"path": str(NOTEBOOKS)}})
        client.execute()
    finally:
        if env_before is None:
            os.environ.pop("SIM_NOTEBOOK_SCALE", None)
        else:
            os.environ["SIM_NOTEBOOK_SCALE"] = env_before
    return nb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="full size (default: small mode)")
    ap.add_argument("--out", type=Path, default=None,
                    help="directory for executed notebooks (default outputs/notebooks/<scale>)")
    ap.add_argument("--only", default="", help="comma-separated prefixes, e.g. 01,03")
    ap.add_argument("--sync", action="store_true", help="regenerate the .ipynb from the .py")
    ap.add_argument("--check", action="store_true",
                    help="check the .ipynb are in step with the .py and hold no outputs")
    args = ap.parse_args(argv)
    only = [o for o in args.only.split(",") if o] or None
    paths = sources(only)
    if not paths:
        print("no notebooks matched", file=sys.stderr)
        return 1
    if args.sync:
        for py in paths:
            print(f"wrote {sync(py).relative_to(REPO)}")
        return 0
    if args.check:
        problems = [p for p in map(out_of_step, paths) if p]
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    scale = "full" if args.full else "small"
    out = (args.out or REPO / "outputs" / "notebooks" / scale).resolve()
    if out == NOTEBOOKS.resolve():
        print("--out must not be the notebooks' own directory", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    with kernelspec() as ksm:
        for py in paths:
            t0 = time.perf_counter()
            nb = to_notebook(py)
            try:
                execute(py, scale, ksm, nb=nb)
                status = "ok"
            except Exception as exc:  # report and go on with the other notebooks
                status, failed = f"FAILED: {type(exc).__name__}", failed + 1
                print(str(exc)[-3000:], file=sys.stderr)
            dt = time.perf_counter() - t0
            nbformat.write(nb, out / py.with_suffix(".ipynb").name)
            print(f"{py.stem:<24} {scale:<5} {dt:8.1f} s  {status}", flush=True)
    print(f"executed notebooks in {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
