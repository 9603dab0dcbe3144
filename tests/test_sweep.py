"""Sweeps lose nothing: the sweep table, failing points, resume, progress, figures.

The table and the figures are tested on synthetic point directories (no
simulation); jobs and resume on tiny runs in this process; the whole chain
(Hydra, the callback, the sweeper plugin, ``sim report``) through the real
``sim`` script.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import SIM, TINY, run_sim
from omegaconf import OmegaConf

from sim.cli.job import is_complete, run_job
from sim.cli.sweep import SweepProgress, planned_jobs, point_name
from sim.cli.validate import compose_config
from sim.experiment.metrics import METRICS
from sim.experiment.sweep import (
    FIGURES,
    failed_points,
    figure_keys,
    read_plan,
    sweep_figures,
    sweep_table,
    varied_keys,
    write_plan,
    write_sweep,
)

PNG = b"\x89PNG\r\n\x1a\n"


def make_point(sweep: Path, overrides: list[str], status: str = "ok", *,
               value: float = 1.0, parameters: dict | None = None,
               error: str | None = None) -> Path:
    """A synthetic point directory: .hydra/overrides.yaml, status.json, summary.json if ok."""
    point = sweep / ",".join(overrides)
    (point / ".hydra").mkdir(parents=True)
    (point / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    rec = {"status": status, "error": error, "config_hash": "x"}
    if parameters:
        rec["parameters"] = parameters
    (point / "status.json").write_text(json.dumps(rec))
    if status == "ok":
        metrics = {m: {"mean": value, "std": 0.1, "ci95_low": value - 0.5,
                       "ci95_high": value + 0.5} for m in METRICS}
        (point / "summary.json").write_text(json.dumps({"replications": 2, "metrics": metrics}))
    return point


# ---- the table --------------------------------------------------------------------------------

def test_table_lists_every_point_sorted_numerically_with_status(tmp_path):
    for v in ("10", "2", "0.5", "1"):
        make_point(tmp_path, [f"scenario.links.RU_KP.delivery={v}", "seed=3"], value=float(v))
    make_point(tmp_path, ["scenario.links.RU_KP.delivery=1.5", "seed=3"], "failed",
               error="scenario.links.RU_KP.delivery = 1.5: Input should be less than or equal to 1")
    df = write_sweep(tmp_path)
    assert list(df["scenario.links.RU_KP.delivery"]) == [0.5, 1.0, 1.5, 2.0, 10.0]
    assert df["scenario.links.RU_KP.delivery"].dtype == float
    assert list(df["status"]) == ["ok", "ok", "failed", "ok", "ok"]
    bad = df[df["status"] == "failed"].iloc[0]
    assert np.isnan(bad["fratricide_share.mean"]) and "less than or equal" in bad["error"]
    for m in METRICS:
        for stat in ("mean", "ci95_low", "ci95_high"):
            assert f"{m}.{stat}" in df.columns
    assert varied_keys(df) == ["scenario.links.RU_KP.delivery"]  # seed is fixed
    back = pd.read_parquet(tmp_path / "sweep.parquet")
    pd.testing.assert_frame_equal(back, df)
    assert failed_points(df) == [("scenario.links.RU_KP.delivery=1.5",
                                  "[failed] " + bad["error"])]


def test_planned_points_that_never_ran_are_listed_as_missing(tmp_path):
    make_point(tmp_path, ["seed=1"])
    write_plan(tmp_path, [["seed=1"], ["seed=2"]])
    assert read_plan(tmp_path) == [["seed=1"], ["seed=2"]]
    df = sweep_table(tmp_path)
    assert list(df["seed"]) == [1, 2]
    assert list(df["status"]) == ["ok", "missing"]
    assert "never ran" in df["error"].iloc[1]


def test_a_point_left_running_is_not_ok(tmp_path):
    make_point(tmp_path, ["seed=1"])
    make_point(tmp_path, ["seed=2"], "running")  # a job killed by the cluster stays here
    df = sweep_table(tmp_path)
    assert failed_points(df) == [("seed=2", "[running]")]


def test_parameters_of_mixed_types_are_written_as_text(tmp_path):
    make_point(tmp_path, ["x=1"])
    make_point(tmp_path, ["x=abc"], "failed", error="bad")
    make_point(tmp_path, ["x=true"])
    df = write_sweep(tmp_path)
    assert sorted(df["x"]) == ["1", "True", "abc"]
    assert len(pd.read_parquet(tmp_path / "sweep.parquet")) == 3


def test_design_parameters_come_from_the_status_file(tmp_path):
    for i, (a, b) in enumerate([(0.1, 3), (0.7, 1), (0.4, 2)]):
        make_point(tmp_path, ["+design=lhs", f"design_point={i}"],
                   parameters={"scenario.a": a, "scenario.b": b}, value=a)
    df = sweep_table(tmp_path)
    assert list(df["design_point"]) == [0, 1, 2]
    assert list(df["scenario.a"]) == [0.1, 0.7, 0.4]
    assert figure_keys(df) == ["scenario.a", "scenario.b"]  # not the index


# ---- figures ----------------------------------------------------------------------------------

def _figures(d: Path) -> list[str]:
    return sorted(p.name for p in d.glob("sweep_*.png"))


@pytest.mark.parametrize("values", [["0.5", "1", "10"], ["none", "strict_roe", "iff_markings"],
                                    ["true", "false"]])
def test_one_varied_key_gives_response_curves(tmp_path, values):
    for i, v in enumerate(values):
        make_point(tmp_path, [f"k={v}"], value=float(i))
    make_point(tmp_path, ["k=bad"], "failed", error="x")
    write_sweep(tmp_path)
    assert _figures(tmp_path) == ["sweep_response.png"]
    assert (tmp_path / "sweep_response.png").read_bytes()[:8] == PNG


def test_two_keys_on_a_grid_give_heatmaps_and_stale_figures_go(tmp_path):
    (tmp_path / "sweep_response.png").write_bytes(PNG)  # from an earlier, different sweep
    for a in (1, 2, 10):
        for b in ("x", "y"):
            status = "failed" if (a, b) == (10, "y") else "ok"  # a grey cell
            make_point(tmp_path, [f"a={a}", f"b={b}"], status, value=a)
    write_sweep(tmp_path)
    assert _figures(tmp_path) == ["sweep_heatmap.png"]


def test_three_keys_or_a_scattered_design_give_scatter_panels(tmp_path):
    rng = np.random.default_rng(1)
    for i in range(8):
        make_point(tmp_path, ["+design=lhs", f"design_point={i}"], value=float(i),
                   parameters={"p.x": float(rng.random()), "p.y": float(rng.random())})
    df = write_sweep(tmp_path)
    assert figure_keys(df) == ["p.x", "p.y"]
    assert _figures(tmp_path) == ["sweep_scatter.png"]
    assert set(FIGURES) >= set(_figures(tmp_path))


def test_no_figure_when_nothing_is_ok(tmp_path):
    make_point(tmp_path, ["k=1"], "failed", error="x")
    make_point(tmp_path, ["k=2"], "failed", error="x")
    assert sweep_figures(tmp_path, sweep_table(tmp_path)) == []
    assert _figures(tmp_path) == []


# ---- planning and progress --------------------------------------------------------------------

def test_a_point_is_named_by_the_overrides_that_vary_across_the_sweep(tmp_path):
    write_plan(tmp_path, [["seed=3", "replications=2", "scenario.x=0.5", "intervention=none"],
                          ["seed=3", "replications=2", "scenario.x=0.9", "intervention=none"],
                          ["seed=3", "replications=2", "scenario.x=0.5", "intervention=iff"]])
    task = ["seed=3", "replications=2", "scenario.x=0.9", "intervention=none", "workers=2",
            "hydra.launcher.n_jobs=2"]
    assert point_name(task, tmp_path) == "scenario.x=0.9,intervention=none"
    # no plan (another sweeper), or nothing varies: all the point's own overrides
    assert point_name(task, tmp_path / "elsewhere") == (
        "seed=3,replications=2,scenario.x=0.9,intervention=none")


def test_planned_jobs_expand_like_the_basic_sweeper():
    cfg = OmegaConf.create({"hydra": {
        "sweeper": {"_target_": "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
                    "params": {"c": "5,6"}},
        "overrides": {"task": ["a=1,2", "b=x", "+d=range(2)"]}}})
    jobs = planned_jobs(cfg)
    assert len(jobs) == 8
    assert ["c=5", "a=1", "b=x", "+d=0"] in jobs
    cfg.hydra.sweeper._target_ = "some.OtherSweeper"
    assert planned_jobs(cfg) is None


def test_progress_counts_points_finished_during_the_sweep(tmp_path):
    make_point(tmp_path, ["seed=1"])                       # ok before: will be skipped: done
    old = make_point(tmp_path, ["seed=2"], "failed", error="x")  # failed before: will rerun
    past = time.time() - 100
    for p in tmp_path.glob("*/status.json"):
        os.utime(p, (past, past))
    progress = SweepProgress(tmp_path, total=4, enabled=True)
    progress._ok_before = {tmp_path / "seed=1" / "status.json"}
    progress._start = time.time()
    assert progress.done() == 1
    make_point(tmp_path, ["seed=3"], "running")
    assert progress.done() == 1
    (tmp_path / "seed=3" / "status.json").write_text(json.dumps({"status": "ok"}))
    (old / "status.json").write_text(json.dumps({"status": "failed"}))
    assert progress.done() == 3


def test_progress_is_quiet_when_disabled(tmp_path, capsys):
    progress = SweepProgress(tmp_path, total=3, enabled=False)
    progress.start()
    progress.stop()
    assert capsys.readouterr().err == ""


# ---- jobs: status, resume, atomic files -------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_data() -> dict:
    data = OmegaConf.to_container(compose_config([*TINY, "replications=1", "seed=3"]),
                                  resolve=True)
    data.pop("hydra", None)
    return data


def test_job_resume_skips_complete_points_and_reruns_the_rest(tmp_path, tiny_data):
    point = tmp_path / "p"
    first = run_job(tiny_data, point, resume=True)
    assert first["status"] == "ok" and not first.get("skipped")
    summary = point / "summary.json"
    stamp = summary.stat().st_mtime_ns
    assert is_complete(point / "status.json", first["config_hash"])
    again = run_job(tiny_data, point, resume=True)
    assert again["skipped"] and summary.stat().st_mtime_ns == stamp
    # a job killed while running left "running": it runs again
    status = json.loads((point / "status.json").read_text())
    (point / "status.json").write_text(json.dumps({**status, "status": "running"}))
    assert not run_job(tiny_data, point, resume=True).get("skipped")
    # a changed config is a different point: it runs again
    changed = run_job({**tiny_data, "seed": 4}, point, resume=True)
    assert not changed.get("skipped") and changed["config_hash"] != first["config_hash"]
    # progress and workers do not change results, so not the hash either
    assert run_job({**tiny_data, "seed": 4, "progress": False}, point, resume=True)["skipped"]
    assert not list(point.rglob("*.tmp")), "a temporary file was left behind"


def test_job_config_error_is_recorded_in_a_sweep_and_written_nowhere_alone(tmp_path, tiny_data):
    bad = {**tiny_data, "replications": 0}
    rec = run_job(bad, tmp_path / "sweep_point", resume=True)
    assert rec["status"] == "failed" and rec["kind"] == "config"
    assert "replications" in json.loads((tmp_path / "sweep_point" / "status.json").read_text()
                                        )["error"]
    rec = run_job(bad, tmp_path / "single", resume=False)
    assert rec["status"] == "failed"
    assert not (tmp_path / "single").exists()


# ---- end to end -------------------------------------------------------------------------------

DELIVERY = "scenario.links.RU_KP.delivery"


def test_sweep_with_a_failing_point_goes_on_resumes_and_reports(tmp_path):
    sweep = tmp_path / "sweep"
    args = ["-m", *TINY, "seed=3", f"{DELIVERY}=0.5,1.5", f"hydra.sweep.dir={sweep}"]
    rc, out, err = run_sim(args, tmp_path)
    assert rc == 1, err[-2000:]
    assert "Traceback" not in err
    assert "sweep: 1 of 2 points ok, 1 not ok" in out
    # the point's line names it by what varies across the sweep (not "kursk_2024/none x2")
    assert f"point {DELIVERY}=0.5: kursk_2024/none x2: friendly-fire incidents" in out, out
    assert (f"failed point {DELIVERY}=1.5: [failed] {DELIVERY} = 1.5: Input should be less "
            "than or equal to 1") in err
    assert f"1 sweep point(s) failed: {DELIVERY}=1.5" in err
    table = pd.read_parquet(sweep / "sweep.parquet")
    assert list(table[DELIVERY]) == [0.5, 1.5]
    assert list(table["status"]) == ["ok", "failed"]
    assert table["fratricide_share.mean"].notna().tolist() == [True, False]
    assert (sweep / "sweep_response.png").read_bytes()[:8] == PNG
    assert json.loads((sweep / "sweep_plan.json").read_text())["jobs"][1][-1] == f"{DELIVERY}=1.5"
    good = sweep / table["point"].iloc[0]
    stamp = (good / "summary.json").stat().st_mtime_ns

    # resume: the same command into the same directory skips the complete point
    rc, out, err = run_sim(args, tmp_path)
    assert rc == 1
    assert f"(already complete) point {DELIVERY}=0.5: kursk_2024/none x2:" in out, out
    assert (good / "summary.json").stat().st_mtime_ns == stamp
    pd.testing.assert_frame_equal(pd.read_parquet(sweep / "sweep.parquet"), table)

    # sim report rebuilds the table and figures without simulating; exit 1 for the failed point
    (sweep / "sweep.parquet").unlink()
    (sweep / "sweep_response.png").unlink()
    rc, out, err = run_sim([str(sweep)], tmp_path, command=[str(SIM), "report"])
    assert rc == 1 and "(1 failed)" in out
    pd.testing.assert_frame_equal(pd.read_parquet(sweep / "sweep.parquet"), table)
    assert (sweep / "sweep_response.png").is_file()
    assert not list(sweep.rglob("*.tmp"))


def test_sweeper_plugin_records_uncomposable_points_and_shortens_long_names(tmp_path):
    # hydra/sweeper=sim: a point Hydra cannot compose fails alone (the basic sweeper aborts the
    # whole sweep); a point directory name past the file system's limit gets a short one.
    sweep = tmp_path / "sweep"
    long = [f"scenario.nations.{n}.report_latency_h=0.25" for n in ("RU", "KP", "UA")]
    args = ["-m", *TINY, "replications=1", "seed=3", *long, "hydra/sweeper=sim",
            "intervention=no_such_thing,interpreters_x2", f"hydra.sweep.dir={sweep}"]
    rc, out, err = run_sim(args, tmp_path)
    assert rc == 1, err[-2000:]
    assert "Traceback" not in err
    table = pd.read_parquet(sweep / "sweep.parquet")
    assert list(table["intervention"]) == ["interpreters_x2", "no_such_thing"]
    assert list(table["status"]) == ["ok", "failed"]
    assert "intervention = 'no_such_thing': no such option" in table["error"].iloc[1]
    names = [p.name for p in sweep.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(names) == 2 and all(len(n.encode()) <= 240 for n in names)
    assert all("__" in n for n in names)  # shortened, with a stable hash
    assert (sweep / table["point"].iloc[0] / "summary.json").is_file()

    # resume: nothing is launched again; the failed point is still failed
    rc, out, err = run_sim(args, tmp_path)
    assert rc == 1
    assert "(already complete) point intervention=interpreters_x2: kursk_2024/interpreters_x2" in out
    assert "Launching" not in out + err
    assert sorted(p.name for p in sweep.iterdir() if p.is_dir() and p.name[0] != ".") \
        == sorted(names)
