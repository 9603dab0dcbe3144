#!/usr/bin/env python3
"""Fake ``sbatch``: runs an array job's tasks on this machine, each under a time limit.

Like SLURM it answers at once (``Submitted batch job 4242``) and runs the tasks in the
background: submitit moves each task's pickle into place only after sbatch has answered,
so the tasks cannot run inside this call. Like SLURM it keeps a copy of the batch script
as submitted (submitit renames the file it passed as soon as sbatch answers). A detached
runner runs the tasks as SLURM would (``SLURM_*`` variables, the copied batch script with
its set-up lines), at most ``%N`` at once, and writes every task's state where the fake
``sacct`` reads it:

- PENDING, then RUNNING, then one final state: COMPLETED (exit 0), FAILED (any other
  exit), or TIMEOUT (killed, with its whole process group, after
  ``$FAKE_SLURM_TASK_TIMEOUT_S`` seconds);
- a task the runner never finished (the runner died) is reported NODE_FAIL by sacct.

So a launcher that polls sacct always sees every task end: nothing here waits forever.
The batch script's own output goes to ``$FAKE_SLURM_DIR/<job>_<task>.batch.log``; the
job's output goes where the fake ``srun`` is told (submitit's log files).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

#: Seconds a task may run before it is killed and reported TIMEOUT.
TASK_TIMEOUT_S = float(os.environ.get("FAKE_SLURM_TASK_TIMEOUT_S", "300"))
#: Job ids start here and go up by one per submission (4242 for the first).
FIRST_JOB_ID = 4242


def state_dir() -> Path:
    path = Path(os.environ["FAKE_SLURM_DIR"]) / "state"
    path.mkdir(parents=True, exist_ok=True)
    return path


def set_state(job: str, task: int, state: str) -> None:
    """Write a task's state atomically (sacct never reads half a file)."""
    tmp = state_dir() / f".{job}_{task}.tmp"
    tmp.write_text(state)
    tmp.replace(state_dir() / f"{job}_{task}")


def run_task(job: str, task: int, script: str) -> None:
    env = dict(os.environ, SLURM_JOB_ID=str(int(job) * 100 + task), SLURM_ARRAY_JOB_ID=job,
               SLURM_ARRAY_TASK_ID=str(task), SLURM_NTASKS="1", SLURM_PROCID="0",
               SLURM_LOCALID="0", SLURM_NODEID="0", SLURM_JOB_NUM_NODES="1",
               SLURM_JOB_NODELIST="localhost")
    log = Path(os.environ["FAKE_SLURM_DIR"]) / f"{job}_{task}.batch.log"
    set_state(job, task, "RUNNING")
    state = "FAILED"
    try:
        with open(log, "ab") as out:
            proc = subprocess.Popen(["bash", script], env=env, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                rc = proc.wait(timeout=TASK_TIMEOUT_S)
                state = "COMPLETED" if rc == 0 else "FAILED"
                out.write(f"\n[fake sbatch] task {task} exited {rc}\n".encode())
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
                state = "TIMEOUT"
                out.write(f"\n[fake sbatch] task {task} killed after {TASK_TIMEOUT_S} s\n"
                          .encode())
    finally:
        set_state(job, task, state)


def run_array(job: str, script: str, first: int, last: int, parallel: int) -> None:
    """The detached runner: every task, at most ``parallel`` at once; each ends in a state."""
    tasks = range(first, last + 1)
    try:
        with ThreadPoolExecutor(max(1, parallel)) as pool:
            list(pool.map(lambda t: run_task(job, t, script), tasks))
    finally:
        for task in tasks:   # a task the pool never reached (or lost) must still end
            path = state_dir() / f"{job}_{task}"
            if path.read_text() in ("PENDING", "RUNNING"):
                set_state(job, task, "FAILED")


def submit(script: str) -> str:
    text = Path(script).read_text()
    m = re.search(r"^#SBATCH --array=(\d+)-(\d+)%(\d+)", text, re.M)
    first, last, parallel = (int(g) for g in m.groups()) if m else (0, 0, 1)
    log = Path(os.environ["FAKE_SLURM_DIR"]) / "sbatch.log"
    with open(log, "a") as f:
        f.write(text + "\n")
    job = str(FIRST_JOB_ID + len(list(state_dir().glob("*.runner"))))
    runner = state_dir() / f"{job}.runner"
    runner.write_text("")            # reserves the id until the runner's pid is known
    # SLURM keeps the script as it was at submission; so must we: submitit renames the file
    # it passed right after sbatch answers (then links the old name to the new one), and a
    # task started in between found no script (bash exit 127, no result: issue 17's hang)
    copy = state_dir() / f"{job}.batch.sh"
    copy.write_text(text)
    for task in range(first, last + 1):
        set_state(job, task, "PENDING")
    runner_log = Path(os.environ["FAKE_SLURM_DIR"]) / f"{job}.runner.log"
    with open(runner_log, "ab") as out:
        proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--run-array", job,
                                 str(copy), str(first), str(last), str(parallel)],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    runner.write_text(str(proc.pid))   # sacct: a task of a dead runner is NODE_FAIL
    return job


def main(argv: list[str]) -> None:
    if argv[:1] == ["--run-array"]:
        job, script, first, last, parallel = argv[1:]
        run_array(job, script, int(first), int(last), int(parallel))
    else:
        print(f"Submitted batch job {submit(argv[-1])}")


if __name__ == "__main__":
    main(sys.argv[1:])
