#!/usr/bin/env python3
"""Fake ``srun --output OUT --error ERR [--opts] COMMAND...``: run COMMAND with its output there.

``%A``, ``%a``, ``%j`` and ``%t`` in the file names are filled in from the task's
``SLURM_*`` variables as srun does, so submitit finds the task's log files (and quotes
their tail when a task ends without a result).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
    files = {}
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt in ("--output", "--error"):
            files[opt] = argv.pop(0)
    env = os.environ
    for opt, pattern in files.items():
        path = (pattern.replace("%A", env.get("SLURM_ARRAY_JOB_ID", ""))
                .replace("%a", env.get("SLURM_ARRAY_TASK_ID", ""))
                .replace("%j", env.get("SLURM_JOB_ID", ""))
                .replace("%t", env.get("SLURM_PROCID", "0")))
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 1 if opt == "--output" else 2)
        os.close(fd)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
