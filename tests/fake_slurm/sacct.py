#!/usr/bin/env python3
"""Fake ``sacct -o JobID,State,NodeList --parsable2 -j JOB ...``: the states the fake sbatch wrote.

One line per array task (``4242_0|COMPLETED|localhost``). A task still PENDING or RUNNING
whose runner process is gone is reported NODE_FAIL, a final state, as SLURM reports a
node that died under its job: every task ends, so submitit never waits forever.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def alive(pid_file: Path) -> bool:
    """Whether the runner whose pid is in ``pid_file`` is still running (a zombie is not)."""
    try:
        text = pid_file.read_text().strip()
    except FileNotFoundError:
        return False
    if not text:
        return True          # sbatch has not answered yet (it writes the pid before it does)
    try:
        stat = Path(f"/proc/{int(text)}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def main(argv: list[str]) -> None:
    jobs = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "-j"]
    states = Path(os.environ["FAKE_SLURM_DIR"]) / "state"
    print("JobID|State|NodeList")
    for job in jobs:
        runner_alive = alive(states / f"{job}.runner")
        tasks = sorted(states.glob(f"{job}_*"), key=lambda p: int(p.name.split("_")[1]))
        for path in tasks:
            state = path.read_text().strip()
            if state in ("PENDING", "RUNNING") and not runner_alive:
                state = "NODE_FAIL"
            print(f"{path.name}|{state}|localhost")


if __name__ == "__main__":
    main(sys.argv[1:])
