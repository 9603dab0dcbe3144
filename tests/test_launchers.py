"""Launchers are chosen by config alone and do not change results.

The same sweep (the same seeds, one point failing validation) runs on Hydra's
basic launcher, joblib with two workers and submitit's local executor: every
good point's summary.json is byte-identical across them, the failing point is
recorded and the sweep exits non-zero on each (the end-of-sweep callback runs
in the launching process and reads what the workers left on disk).

The SLURM config (configs/hydra/launcher/slurm_cluster.yaml) runs end to end
on a fake SLURM: ``sbatch``/``srun``/``sacct`` stand-ins that run the array
tasks on this machine as SLURM would (environment variables, the batch script
with its set-up lines), so the real submitit launcher, the sbatch script it
writes from our config, and the venv activation line are all exercised.
"""

from __future__ import annotations

import os
import stat
import sys
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

FAKE_SBATCH = r'''#!{python}
"""Fake sbatch: read the array range from the script, run each task in the background."""
import os, re, subprocess, sys
script = sys.argv[-1]
text = open(script).read()
m = re.search(r"^#SBATCH --array=(\d+)-(\d+)%(\d+)", text, re.M)
first, last, par = (int(g) for g in m.groups()) if m else (0, 0, 1)
log = os.path.join(os.environ["FAKE_SLURM_DIR"], "sbatch.log")
with open(log, "a") as f:
    f.write(text + "\n")
job = "4242"
runner = (
    "import os, subprocess, sys\n"
    "from concurrent.futures import ThreadPoolExecutor\n"
    "def task(i):\n"
    "    env = dict(os.environ, SLURM_JOB_ID=str(5000 + i), SLURM_ARRAY_JOB_ID=%r,\n"
    "               SLURM_ARRAY_TASK_ID=str(i), SLURM_NTASKS='1', SLURM_PROCID='0',\n"
    "               SLURM_LOCALID='0', SLURM_NODEID='0', SLURM_JOB_NUM_NODES='1',\n"
    "               SLURM_JOB_NODELIST='localhost')\n"
    "    subprocess.run(['bash', %r], env=env)\n"
    "with ThreadPoolExecutor(%d) as pool:\n"
    "    list(pool.map(task, range(%d, %d)))\n"
) % (job, script, par, first, last + 1)
subprocess.Popen([sys.executable, "-c", runner], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(f"Submitted batch job {job}")
'''

FAKE_SRUN = r'''#!/bin/bash
# Fake srun: drop the options, run the command.
while [[ "$1" == --* ]]; do
  case "$1" in --output|--error) shift 2 ;; *) shift ;; esac
done
exec "$@"
'''

FAKE_SACCT = r'''#!/bin/bash
# Fake sacct: no state known; submitit then waits for the result files.
echo "JobID|State|NodeList"
'''


def fake_slurm(tmp_path: Path) -> dict[str, str]:
    """Fake sbatch/srun/sacct in ``tmp_path``; the environment that puts them on PATH."""
    bin_dir = tmp_path / "fake_bin"
    bin_dir.mkdir()
    for name, text in (("sbatch", FAKE_SBATCH.replace("{python}", sys.executable)),
                       ("srun", FAKE_SRUN), ("sacct", FAKE_SACCT), ("scancel", "#!/bin/sh\n")):
        path = bin_dir / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_SLURM_DIR": str(tmp_path),
            "SIM_VENV": str(Path(sys.executable).parents[1])}


def test_slurm_cluster_config_writes_the_batch_script_we_document(sweeps):
    run = sweeps["slurm_cluster"]
    script = run["sbatch"].read_text()
    for line in ("#SBATCH --partition=short", "#SBATCH --array=0-2%2",
                 "#SBATCH --cpus-per-task=1", "#SBATCH --time=120", "#SBATCH --mem=4GB",
                 "#SBATCH --job-name=sim", "export OMP_NUM_THREADS=1",
                 f"source {run['venv']}/bin/activate"):
        assert line in script, line
