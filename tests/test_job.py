"""sim/cli/job.py: an interrupt is an interrupt, however it arrives (issue 18, item 3)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
from conftest import SIM, TINY, _env, kursk_data

from sim.cli import job


def _systemerror_from_interrupt() -> SystemError:
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as inner:
            raise SystemError("CPUDispatcher(<function _look>) returned a result with an "
                              "exception set") from inner
    except SystemError as outer:
        return outer


def test_an_interrupt_is_found_under_its_wrappers():
    assert job.interrupted(KeyboardInterrupt())
    assert job.interrupted(_systemerror_from_interrupt())
    wrapped = RuntimeError("pool failed")
    wrapped.__cause__ = _systemerror_from_interrupt()
    assert job.interrupted(wrapped)
    assert not job.interrupted(SystemError("a real bug"))
    assert not job.interrupted(ValueError("x"))


@pytest.mark.parametrize("raised", [KeyboardInterrupt, _systemerror_from_interrupt])
def test_a_run_interrupted_in_a_kernel_is_recorded_interrupted_and_reraised(
        tmp_path, monkeypatch, raised):
    from sim.experiment import runner

    def boom(*_a, **_k):
        raise raised()

    monkeypatch.setattr(runner, "run_experiment", boom)
    data = kursk_data()
    with pytest.raises(KeyboardInterrupt):
        job.run_job(data, tmp_path, resume=True)
    status = json.loads((tmp_path / job.STATUS_FILE).read_text())
    assert status["status"] == "interrupted"


def test_ctrl_c_during_a_run_exits_130_with_status_interrupted(tmp_path):
    out = tmp_path / "run"
    args = [str(SIM), "run", *[o for o in TINY if not o.startswith(("replications",
                                                                      "scenario.horizon_h"))],
            "scenario.horizon_h=2880", "replications=6", f"hydra.run.dir={out}"]
    proc = subprocess.Popen(args, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while not (out / "app.log").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2.0)                          # inside the replications by now
    os.killpg(proc.pid, signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    status = json.loads((out / "status.json").read_text())
    assert status["status"] == "interrupted"
    assert not (out / "summary.json").exists()          # no half-truth on disk
