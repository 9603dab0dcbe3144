"""Shared fixtures: tiny Hydra overrides, a CLI runner, and one tiny run shared by test modules.

Every end-to-end test runs the real ``sim`` console script in a subprocess, from
a temporary working directory, with ``TINY`` overrides (a few units, two days,
two replications) so a run costs a few seconds.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from omegaconf import OmegaConf

#: The venv's ``sim`` script, beside the interpreter running the tests (works in CI's fresh venv).
SIM = Path(sys.executable).parent / "sim"
#: The repository root and its Hydra config tree.
REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"
#: The shared contract checker; absent in a clean clone (tests that use it skip).
CHECKER = REPO.parent / "shared" / "tools" / "check_run_dir.py"

#: Overrides that make kursk_2024 tiny and fast: the documented way to shrink a scenario,
#: ``scale`` below 1 (sim/scaling.py: 4 KP, 4 RU, 1 Akhmat and 4 UA companies on 4 km of
#: front, with interpreters and fires scaled alike), 48 h with KP at the front from hour 12,
#: two replications.
TINY: list[str] = [
    "scale=0.05",
    "scenario.horizon_h=48",
    "scenario.units.kp.front_from_h=12",
    "replications=2",
]
#: The seed of the shared tiny run (not 0, so a dropped seed would show).
TINY_SEED = 3

METRICS = ("friendly_fire_incidents", "friendly_fire_casualties", "hostile_fire_casualties",
           "total_casualties", "fratricide_share", "miscommunication_share", "enemy_casualties")
STATS = ("mean", "std", "ci95_low", "ci95_high")
CAUSES = ("report_lost", "report_stale", "report_garbled", "challenge_failed",
          "misidentification")
COMMS_CAUSES = CAUSES[:4]
NATION_KEYS = ("side", "initial", "deployed", "killed", "wounded", "friendly_fire_casualties")
INCIDENT_COLUMNS = ("replication", "time_h", "shooter_unit", "shooter_nation", "target_unit",
                    "target_nation", "cause", "killed", "wounded")
TIMESERIES_COLUMNS = ("replication", "time_h", "nation", "strength", "killed", "wounded",
                      "friendly_fire_casualties")
RUN_FILES = ("summary.json", "replications.parquet", "incidents.parquet", "timeseries.parquet",
             "run_info.json", ".hydra/config.yaml")


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SIM_DEBUG"}
    env.update(extra or {})
    return env


#: Seconds a test's ``sim`` (or script) subprocess may take before it is killed and the test
#: fails: about 5x the slowest one seen (~100 s serially), below pytest-timeout's per-test
#: limit (pyproject.toml), so the subprocess's own timeout fires first and names the command.
SUBPROCESS_TIMEOUT_S = 480


def run_sim(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None,
            command: Sequence[str] | None = None) -> tuple[int, str, str]:
    """Run ``sim run ARGS`` (or ``COMMAND ARGS``) in ``cwd``; return (returncode, stdout, stderr).
    Killed after ``SUBPROCESS_TIMEOUT_S`` seconds (``subprocess.TimeoutExpired``)."""
    cmd = [*(command if command is not None else [str(SIM), "run"]), *args]
    proc = subprocess.run(cmd, cwd=cwd, env=_env(env), capture_output=True, text=True,
                          check=False, timeout=SUBPROCESS_TIMEOUT_S)
    return proc.returncode, proc.stdout, proc.stderr


def run_sim_many(calls: Sequence[tuple], workers: int = 3) -> list[tuple[int, str, str]]:
    """Several ``run_sim(args, cwd[, env])`` calls at once; results in the order of ``calls``."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda c: run_sim(*c), calls))


def kursk_data() -> dict:
    """The composed default config (kursk_2024, intervention none) as a plain dict."""
    from sim.cli.validate import compose_config

    data = OmegaConf.to_container(compose_config([]), resolve=True)
    data.pop("hydra", None)
    return data


_KURSK: dict | None = None


@pytest.fixture
def kursk() -> dict:
    """A fresh deep copy of the composed kursk_2024 config (composed once per session)."""
    global _KURSK
    if _KURSK is None:
        _KURSK = kursk_data()
    return copy.deepcopy(_KURSK)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One good tiny run: its directory, exit status and output (read-only for tests)."""
    cwd = tmp_path_factory.mktemp("tiny_cwd")
    out = cwd / "run"
    rc, stdout, stderr = run_sim([*TINY, f"seed={TINY_SEED}", f"hydra.run.dir={out}"], cwd,
                                 env={"PYTHONHASHSEED": "1"})
    return {"dir": out, "rc": rc, "stdout": stdout, "stderr": stderr, "cwd": cwd}
