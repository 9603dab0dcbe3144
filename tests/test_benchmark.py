"""The benchmark command (experiments/benchmark.py) in ``--quick`` mode.

Performance targets live in the script and are never asserted here (the
machine is shared and timings vary). These tests check that each section
prints its table and its target line, that the ``--json`` numbers agree with
each other, and that the two comparisons the benchmark makes (fast look vs
the plain Mesa reference; serial vs parallel replications) report identical
results, and could report a difference.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SUBPROCESS_TIMEOUT_S

from sim.model.sensing import Contacts

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "experiments" / "benchmark.py"
PROBE = REPO / "experiments" / "benchmark_probe.py"

#: The header row of each section's table, by section name.
TABLES = {
    "kursk": "| horizon h | steps | units | replications | median s |",
    "scaling": "| units | steps | wall s | ms/step | us per unit-step |",
    "reference": "| look | units | looks timed | median ms per look |",
    "parallel": "| n_jobs | backend | replications | horizon h | wall s |",
    "memory": "| measurement | run | MB |",
    "startup": "| measurement | best s | target s |",
    "overhead": "| scale | units | steps | ms/step | fit a + b N |",
}


def _bench(tmp_path: Path, *sections: str) -> tuple[str, dict]:
    """Run ``benchmark.py --quick --only SECTIONS --json``; return (stdout, the JSON)."""
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--only", ",".join(sections),
                           "--json", str(out)], cwd=tmp_path, capture_output=True, text=True,
                          check=False, timeout=SUBPROCESS_TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, json.loads(out.read_text())


def _check_sections(stdout: str, data: dict, sections: tuple[str, ...]) -> None:
    assert "| CPU |" in stdout and "| Python |" in stdout
    assert data["quick"] is True and data["machine"]["cores"] >= 1
    assert sorted(data["sections"]) == sorted(sections)
    for name in sections:
        assert TABLES[name] in stdout, name
        assert data["sections"][name]["target"] in stdout
        assert data["sections"][name]["other_cores"] >= 0
    verdicts = [line for line in stdout.splitlines() if line.startswith("target: ")]
    assert len(verdicts) == len(sections)
    assert all(": met" in line or ": missed" in line for line in verdicts)
    assert set(TABLES) - set(sections) == {name for name in TABLES if TABLES[name] not in stdout}


def test_scaling_reference_and_overhead_sections(tmp_path):
    sections = ("scaling", "reference", "overhead")
    stdout, data = _bench(tmp_path, *sections)
    _check_sections(stdout, data, sections)

    rows = data["sections"]["scaling"]["rows"]
    assert [row["units"] for row in rows] == pytest.approx([1_000, 2_000], rel=0.01)

    ref = data["sections"]["reference"]
    assert "identical: yes" in stdout
    assert ref["identical"] and ref["pairs"] and ref["hostile"] and ref["challenge_failed"]
    assert 0 < ref["hostile"] < ref["contacts"]             # the comparison is not vacuous

    fixed = data["sections"]["overhead"]
    assert [row["units"] for row in fixed["rows"]] == [240, 480, 960]
    assert fixed["fixed_share"] == pytest.approx(
        fixed["a_ms"] / (fixed["a_ms"] + 240 * fixed["b_ms_per_unit"]))


@pytest.mark.slow
def test_kursk_parallel_and_memory_sections(tmp_path):
    sections = ("kursk", "parallel", "memory")
    stdout, data = _bench(tmp_path, *sections)
    _check_sections(stdout, data, sections)

    kursk = data["sections"]["kursk"]
    assert kursk["steps"] == kursk["horizon_h"] and kursk["units"] == 240
    assert kursk["min_s"] <= kursk["median_s"]

    par = data["sections"]["parallel"]
    assert "identical metrics: yes" in stdout and par["identical"]

    mem = data["sections"]["memory"]
    assert mem["peak"]["peak_mb"] >= mem["peak"]["imports_mb"] > 0


def test_the_startup_section_times_a_fresh_sim_run_to_its_first_step(tmp_path):
    stdout, data = _bench(tmp_path, "startup")
    _check_sections(stdout, data, ("startup",))
    best = data["sections"]["startup"]["best"]
    assert 0 < best["imports_compose_s"] < best["first_step_s"] <= best["process_s"]


def test_the_probe_times_replications_in_process_and_through_sim_run():
    """The probe the baseline section runs on each side (here on this checkout only: the
    baseline's environment is made with a network install, not in the test suite)."""
    proc = subprocess.run([sys.executable, str(PROBE), "--replications", "2",
                           "--cli-replications", "1", "--horizon", "12"], cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.splitlines()[-1])
    single, cli = out["single"], out["cli"]
    assert single["steps"] == 12 and single["units"] == 240 and len(single["wall_s"]) == 2
    assert single["replications_per_s"] == pytest.approx(2 / sum(single["wall_s"]))
    assert cli["replications"] == 1
    assert cli["replications_per_s"] == pytest.approx(1 / cli["wall_s"])


def test_an_unknown_section_is_refused(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--only", "scaling,speed"],
                          cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 2
    assert "unknown section(s) speed" in proc.stderr


@pytest.fixture(scope="module")
def benchmark_module():
    """The script imported as a module (registered while loading: its dataclasses need it)."""
    name = "experiments_benchmark"
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


def _contacts(hostile: list[bool], shift_km: float = 0.0) -> Contacts:
    n = len(hostile)
    return Contacts(observer=np.arange(n), target=np.arange(n)[::-1].copy(),
                    distance=np.linspace(0.5, 1.0, n) + shift_km,
                    seen_at=np.zeros((n, 2)) + shift_km, hostile=np.array(hostile),
                    challenge_failed=np.zeros(n, dtype=bool))


def test_the_contact_comparison_notices_a_difference(benchmark_module):
    compare = benchmark_module.compare_contacts
    a = _contacts([True, False, True])
    assert compare(a, _contacts([True, False, True]))["identical"]
    flipped = compare(a, _contacts([True, True, True]))
    assert flipped["pairs"] and not flipped["hostile"] and not flipped["identical"]
    assert not compare(a, _contacts([True, False, True], shift_km=1e-9))["identical"]
    fewer = compare(a, _contacts([True, False]))
    assert not fewer["pairs"] and not fewer["identical"]


def test_the_fixed_cost_is_the_intercept_of_a_least_squares_line(benchmark_module):
    fit = benchmark_module.fit_fixed_cost
    assert fit([240, 480, 960], [1.5 + 0.002 * n for n in (240, 480, 960)]) == pytest.approx(
        (1.5, 0.002))
    a, b = fit([100, 200, 300], [1.0, 3.0, 2.0])     # not on a line: the least-squares one
    assert (a, b) == pytest.approx((1.0, 0.005))
