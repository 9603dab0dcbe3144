"""The experiment notebooks (experiments/notebooks/NN_*.py, jupytext percent format).

- the committed .ipynb of each notebook is what its .py generates, without outputs;
- every notebook executes top to bottom from a clean kernel (this interpreter, through a
  kernelspec registered in a temporary directory) in small mode, without an error, drawing
  its figures and its generated reading;
- the runner refuses to write executed notebooks over the committed ones.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _load_runner():
    spec = importlib.util.spec_from_file_location("run_notebooks",
                                                  REPO / "experiments" / "run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_notebooks"] = module
    spec.loader.exec_module(module)
    return module


runner = _load_runner()
SOURCES = runner.sources()
#: Figures each notebook must draw (image outputs), at least.
MIN_FIGURES = {"01": 4, "02": 2, "03": 3, "04": 2}


def test_there_are_four_notebooks():
    assert [p.name[:2] for p in SOURCES] == ["01", "02", "03", "04"]


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_committed_ipynb_is_generated_from_source_without_outputs(py: Path):
    assert runner.out_of_step(py) is None


def test_runner_check_passes_and_refuses_to_overwrite_committed_notebooks(capsys):
    assert runner.main(["--check"]) == 0
    assert runner.main(["--out", str(runner.NOTEBOOKS), "--only", "01"]) == 2
    assert "must not be" in capsys.readouterr().err


@pytest.fixture(scope="module")
def kernelspec_manager():
    with runner.kernelspec() as ksm:
        spec = ksm.get_kernel_spec(runner.KERNEL_NAME)
        assert spec.argv[0] == sys.executable
        yield ksm


def _outputs(nb) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_notebook_executes_in_small_mode(py: Path, kernelspec_manager):
    nb = runner.execute(py, "small", kernelspec_manager)
    outputs = _outputs(nb)
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"), \
        "every code cell ran"
    text = "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")
    assert "SMALL MODE" in text, "SIM_NOTEBOOK_SCALE=small reached the kernel"
    assert "Traceback" not in text
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= MIN_FIGURES[py.name[:2]]
    readings = [o for o in outputs if "text/markdown" in o.get("data", {})]
    assert readings and "Small mode" in readings[-1]["data"]["text/markdown"]
