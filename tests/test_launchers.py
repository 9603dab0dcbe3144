"""Launchers are chosen by config alone and do not change results.

The same sweep (the same seeds, one point failing validation) runs on Hydra's
basic launcher, joblib with two workers and submitit's local executor: every
good point's summary.json is byte-identical across them, the failing point is
recorded and the sweep exits non-zero on each (the end-of-sweep callback runs
in the launching process and reads what the workers left on disk).

The SLURM config (configs/hydra/launcher/slurm_cluster.yaml) runs end to end
on a fake SLURM (tests/fake_slurm/): ``sbatch``/``srun``/``sacct`` stand-ins that
run the array tasks on this machine as SLURM would (environment variables, the
batch script with its set-up lines), so the real submitit launcher, the sbatch
script it writes from our config, and the venv activation line are all exercised.
The fake cannot hang the launcher (issue 17): every task runs under a time limit
and ends in a state the fake ``sacct`` reports (COMPLETED, FAILED, TIMEOUT, or
NODE_FAIL if the fake's runner dies), which is what submitit polls for; the tests
at the end check that of the fake itself.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import CONFIGS, TINY, run_sim_many

DELIVERY = "scenario.links.RU_KP.delivery"
#: Two good points and one that fails validation (delivery 1.5 > 1), on seed 3.
SWEEP = ["-m", *TINY, "seed=3", f"{DELIVERY}=0.7,0.9,1.5"]
LAUNCHERS = {
    "basic": [],
    "joblib": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    "submitit_local": ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10"],
    "slurm_cluster": ["hydra/launcher=slurm_cluster", "hydra.launcher.partition=short",
                      "hydra.launcher.array_parallelism=2"],
}


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The same sweep on every launcher (run concurrently; each is a separate process)."""
    calls, dirs = [], {}
    slurm = fake_slurm(tmp_path_factory.mktemp("fake_slurm"))
    for name, extra in LAUNCHERS.items():
        cwd = tmp_path_factory.mktemp(f"cwd_{name}")
        dirs[name] = cwd / "sweep"
        env = {"PYTHONHASHSEED": str(len(name)), **(slurm if name == "slurm_cluster" else {})}
        calls.append(([*SWEEP, *extra, f"hydra.sweep.dir={dirs[name]}"], cwd, env))
    results = run_sim_many(calls, workers=len(calls))
    out = {name: {"dir": dirs[name], "rc": rc, "out": out, "err": err}
           for name, (rc, out, err) in zip(LAUNCHERS, results, strict=True)}
    out["slurm_cluster"]["sbatch"] = Path(slurm["FAKE_SLURM_DIR"]) / "sbatch.log"
    out["slurm_cluster"]["env"] = slurm
    out["slurm_cluster"]["venv"] = slurm["SIM_VENV"]
    return out


def _summaries(sweep: Path) -> dict[str, bytes]:
    return {p.parent.name: p.read_bytes() for p in sweep.glob("*/summary.json")}


@pytest.mark.parametrize("launcher", list(LAUNCHERS))
def test_each_launcher_records_the_failing_points_and_exits_nonzero(sweeps, launcher):
    run = sweeps[launcher]
    assert run["rc"] == 1, run["err"][-2000:]
    assert "Traceback" not in run["err"]
    assert f"1 sweep point(s) failed: {DELIVERY}=1.5" in run["err"]
    table = pd.read_parquet(run["dir"] / "sweep.parquet")
    assert list(zip(table[DELIVERY], table["status"], strict=True)) == [
        (0.7, "ok"), (0.9, "ok"), (1.5, "failed")]
    assert table.loc[table["status"] == "failed", "error"].str.contains(DELIVERY).all()


def test_same_seeds_give_byte_identical_summaries_on_every_launcher(sweeps):
    basic = _summaries(sweeps["basic"]["dir"])
    assert len(basic) == 2
    for name in LAUNCHERS:
        assert _summaries(sweeps[name]["dir"]) == basic, name
    tables = [pd.read_parquet(s["dir"] / "sweep.parquet").drop(columns="error")
              for s in sweeps.values()]
    for t in tables[1:]:
        pd.testing.assert_frame_equal(t, tables[0])


def test_launcher_keys_stay_out_of_the_root_config():
    root = yaml.safe_load((CONFIGS / "config.yaml").read_text())
    assert "launcher" not in (root.get("hydra") or {})
    assert not any("launcher" in str(d) for d in root.get("defaults", []))


# ---- SLURM, through a fake sbatch ---------------------------------------------------------------

#: The fakes (tests/fake_slurm/*.py), installed under these names.
FAKES = Path(__file__).parent / "fake_slurm"
#: Seconds a fake SLURM task may run before it is killed and reported TIMEOUT (a tiny sweep
#: point takes a few seconds alone, well under a minute on a loaded 2-core machine).
FAKE_TASK_TIMEOUT_S = 240


def fake_slurm(tmp_path: Path, task_timeout_s: float = FAKE_TASK_TIMEOUT_S) -> dict[str, str]:
    """Fake sbatch/srun/sacct/scancel in ``tmp_path``; the environment that puts them on PATH."""
    bin_dir = tmp_path / "fake_bin"
    bin_dir.mkdir()
    for name in ("sbatch", "srun", "sacct"):
        source = (FAKES / f"{name}.py").read_text()
        path = bin_dir / name
        path.write_text(f"#!{sys.executable}\n" + source.split("\n", 1)[1])
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    scancel = bin_dir / "scancel"
    scancel.write_text("#!/bin/sh\n")
    scancel.chmod(scancel.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_SLURM_DIR": str(tmp_path),
            "FAKE_SLURM_TASK_TIMEOUT_S": str(task_timeout_s),
            "SIM_VENV": str(Path(sys.executable).parents[1])}


def test_slurm_cluster_config_writes_the_batch_script_we_document(sweeps):
    run = sweeps["slurm_cluster"]
    script = run["sbatch"].read_text()
    for line in ("#SBATCH --partition=short", "#SBATCH --array=0-2%2",
                 "#SBATCH --cpus-per-task=1", "#SBATCH --time=120", "#SBATCH --mem=4GB",
                 "#SBATCH --job-name=sim", "export OMP_NUM_THREADS=1",
                 f"source {run['venv']}/bin/activate"):
        assert line in script, line


def test_every_fake_slurm_task_ran_and_completed(sweeps):
    """The sweep's three array tasks each ran to a result (COMPLETED in the fake sacct)."""
    env = sweeps["slurm_cluster"]["env"]
    assert _sacct(env, "4242") == {f"4242_{i}": "COMPLETED" for i in range(3)}


# ---- the fake itself: every task ends in a final state, whatever it does ------------------------

TERMINAL_WAIT_S = 60


def _sbatch(env: dict[str, str], tmp_path: Path, body: str, array: str) -> str:
    """Submit a batch script, then remove it at once, as submitit renames it (SLURM has a copy)."""
    script = tmp_path / "job.sh"
    script.write_text(f"#!/bin/bash\n#SBATCH --array={array}\n{body}\n")
    done = subprocess.run([f"{tmp_path}/fake_bin/sbatch", str(script)], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60, check=True)
    script.unlink()
    assert done.stdout.startswith("Submitted batch job "), done.stdout
    return done.stdout.split()[-1]


def _sacct(env: dict[str, str], job: str) -> dict[str, str]:
    done = subprocess.run([f"{env['FAKE_SLURM_DIR']}/fake_bin/sacct", "-o", "JobID,State,NodeList",
                           "--parsable2", "-j", job], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60, check=True)
    header, *rows = done.stdout.splitlines()
    assert header == "JobID|State|NodeList"
    return {row.split("|")[0]: row.split("|")[1] for row in rows}


def _final_states(env: dict[str, str], job: str, tasks: int) -> dict[str, str]:
    """Poll sacct (as submitit does) until every task is in a final state; fail after a minute."""
    deadline = time.monotonic() + TERMINAL_WAIT_S
    while time.monotonic() < deadline:
        states = _sacct(env, job)
        if len(states) == tasks and not {"PENDING", "RUNNING"} & set(states.values()):
            return states
        time.sleep(0.2)
    pytest.fail(f"fake SLURM job {job} still not finished after {TERMINAL_WAIT_S} s: {states}")


def test_fake_slurm_reports_a_final_state_for_a_task_that_exits_fails_or_hangs(tmp_path):
    env = fake_slurm(tmp_path, task_timeout_s=3)
    body = ('case "$SLURM_ARRAY_TASK_ID" in\n'
            '  0) srun --output out_%A_%a_%t.log --error err_%A_%a_%t.log '
            'sh -c "echo out; echo err >&2" ;;\n'
            '  1) exit 3 ;;\n'
            '  2) echo $$ > hung.pid; sleep 600 ;;\n'
            'esac')
    started = time.monotonic()
    job = _sbatch(env, tmp_path, f"cd {tmp_path}\n{body}", "0-2%3")
    states = _final_states(env, job, 3)
    assert states == {f"{job}_0": "COMPLETED", f"{job}_1": "FAILED", f"{job}_2": "TIMEOUT"}
    assert time.monotonic() - started < 30
    # srun fills in %A, %a and %t as SLURM does (submitit reads these logs)
    assert (tmp_path / f"out_{job}_0_0.log").read_text() == "out\n"
    assert (tmp_path / f"err_{job}_0_0.log").read_text() == "err\n"
    # the hung task was killed with its process group, not left behind
    with pytest.raises(ProcessLookupError):
        os.kill(int((tmp_path / "hung.pid").read_text()), 0)


def test_fake_slurm_reports_node_fail_when_its_runner_dies(tmp_path):
    env = fake_slurm(tmp_path, task_timeout_s=600)
    job = _sbatch(env, tmp_path, f"echo $$ > {tmp_path}/task_$SLURM_ARRAY_TASK_ID.pid; sleep 600",
                  "0-1%1")
    runner = int((tmp_path / "state" / f"{job}.runner").read_text())
    deadline = time.monotonic() + TERMINAL_WAIT_S
    while not (tmp_path / "task_0.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert _sacct(env, job) == {f"{job}_0": "RUNNING", f"{job}_1": "PENDING"}
        os.kill(runner, signal.SIGKILL)
        assert _final_states(env, job, 2) == {f"{job}_0": "NODE_FAIL", f"{job}_1": "NODE_FAIL"}
    finally:
        os.killpg(int((tmp_path / "task_0.pid").read_text()), signal.SIGKILL)
