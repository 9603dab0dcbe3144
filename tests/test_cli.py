"""The command line, end to end through the real ``sim`` script (docs/contract.md).

Error paths: exit 2, one line on stderr naming the key and the value, no
traceback, nothing written. A good tiny run: exit 0, a one-line summary naming
the output directory, and a run directory that keeps the contract (checked here
in full, and by the shared checker when it is present). ``sim report``
rebuilds the summary byte for byte and the figures.
"""

from __future__ import annotations

import json
import math
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import (
    CAUSES,
    CHECKER,
    COMMS_CAUSES,
    INCIDENT_COLUMNS,
    METRICS,
    NATION_KEYS,
    RUN_FILES,
    SIM,
    STATS,
    TIMESERIES_COLUMNS,
    TINY,
    TINY_SEED,
    run_sim,
    run_sim_many,
)

from sim.build import build_world
from sim.cli.validate import ConfigError, compose_config, validate_config
from sim.experiment.metrics import SHARES
from sim.schema import RunConfig

# (override, the key its error line must name, the value it must show)
ERROR_CASES = [
    ("replications=0", "replications", "0"),
    ("seed=abc", "seed", "abc"),
    ("scale=0", "scale", "0"),
    ("intervention=no_such_thing", "intervention", "no_such_thing"),
    ("+no_such_key=1", "no_such_key", "1"),
    ("scenario.links.RU_KP.delivery=1.5", "scenario.links.RU_KP.delivery", "1.5"),
    ("scenario=nope", "scenario", "nope"),
    ("compare_to=nope", "compare_to", "nope"),
    ("scenario.units.kp.nation=XX", "scenario.units.kp.nation", "XX"),
]


@pytest.fixture(scope="module")
def error_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Every error case run once, and ``sim run --help`` (concurrently: none simulates)."""
    cases = []
    for override, _, _ in ERROR_CASES:
        cwd = tmp_path_factory.mktemp("err")
        cases.append((override, [*TINY, override, f"hydra.run.dir={cwd / 'out'}"], cwd))
    cases.append(("--help", ["--help"], tmp_path_factory.mktemp("help")))
    results = run_sim_many([(args, cwd) for _, args, cwd in cases])
    return {label: {"rc": rc, "out": out, "err": err, "cwd": cwd}
            for (label, _, cwd), (rc, out, err) in zip(cases, results, strict=True)}


@pytest.mark.parametrize("override, key, value", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_config_error_exits_2_with_one_line_naming_the_key(error_runs, override, key, value):
    r = error_runs[override]
    assert r["rc"] == 2, (r["out"], r["err"])
    lines = [ln for ln in r["err"].splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {r['err']!r}"
    assert key in lines[0]
    assert value in lines[0]
    assert "Traceback" not in r["err"] + r["out"]
    assert not (r["cwd"] / "out").exists(), "a failed config must write nothing"
    assert list(r["cwd"].iterdir()) == [], "a failed config must create no directory at all"


@pytest.mark.parametrize("override, key, value", [
    *ERROR_CASES,
    ("scenario.units.kp.no_such_field=1", "scenario.units.kp.no_such_field", "1"),
    ("scenario.horizon_h=-5", "scenario.horizon_h", "-5"),
    ("workers=0", "workers", "0"),
])
def test_compose_and_validate_errors_in_process(override, key, value):
    # the same checks as the command line makes before launching, without a subprocess
    with pytest.raises(ConfigError) as info:
        validate_config(compose_config([*TINY, override]))
    assert len(info.value.lines) == 1
    assert key in info.value.lines[0]
    assert value in info.value.lines[0]


def test_sim_run_help_is_hydras(error_runs):
    r = error_runs["--help"]
    assert r["rc"] == 0, r["err"]
    assert "scenario" in r["out"] and "intervention" in r["out"]
    assert list(r["cwd"].iterdir()) == []


def test_python_m_sim_help(tmp_path):
    rc, out, err = run_sim([], tmp_path, command=[sys.executable, "-m", "sim", "--help"])
    assert rc == 0, err
    assert "sim run" in out and "sim report" in out


def test_sim_run_starts_without_scipy_stats(tmp_path):
    """What ``sim run`` imports before its first step leaves out scipy.stats (0.5 s of
    start-up): intervals import it once replications are done, designs when they are
    built."""
    code = ("import sys; from sim.cli import app, sweep; from sim.cli.validate import "
            "compose_config; print('scipy.stats' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_sim_run_launches_before_importing_the_model_or_matplotlib(tmp_path):
    """Up to Hydra's launch, ``sim run`` imports only what composes and validates the config
    (Hydra, pydantic, the schema): the model (Mesa, numba, pandas) loads in the job, after
    compose, and matplotlib only when figures are drawn."""
    code = ("import sys\n"
            "import sim.cli as cli, sim.cli.app as app\n"
            "def launch(args):\n"
            "    print(sorted(m for m in ('sim.model', 'mesa', 'numba', 'pandas', 'matplotlib')\n"
            "                 if m in sys.modules))\n"
            "app.launch = launch\n"
            "cli.main(['run', 'replications=1'])\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_unknown_command_exits_2(tmp_path):
    rc, out, err = run_sim([], tmp_path, command=[str(SIM), "frobnicate"])
    assert rc == 2
    assert "Traceback" not in err


def test_report_on_a_directory_that_is_no_run_exits_2(tmp_path):
    rc, out, err = run_sim([str(tmp_path)], tmp_path, command=[str(SIM), "report"])
    assert rc == 2
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


# ---- a good tiny run ---------------------------------------------------------------------------

def test_good_run_exits_0_with_a_one_line_summary_then_the_answer(tiny_run):
    """The first line is the run in one line (ending with its directory); the indented lines
    under it say what a replication is, every metric with its unit, the causes
    (sim/cli/lines.py)."""
    assert tiny_run["rc"] == 0, tiny_run["stderr"]
    assert "Traceback" not in tiny_run["stderr"]
    lines = [ln for ln in tiny_run["stdout"].splitlines() if ln.strip()]
    assert lines[0].endswith(str(tiny_run["dir"]))
    assert "kursk_2024" in lines[0]
    assert all(ln.startswith("  ") for ln in lines[1:]), tiny_run["stdout"]
    text = tiny_run["stdout"]
    assert ("per 2-day campaign, mean [95% CI] over 2 replications; casualties = killed + "
            "wounded") in text
    assert re.search(r"friendly-fire incidents +[\d.]+ .*incidents", text), text
    assert re.search(r"fratricide share +[\d.]+% .*of coalition casualties", text), text
    assert "incidents by cause" in text
    for cause in CAUSES:
        assert re.search(rf"^    {cause} +[\d.]+ incidents", text, re.M), (cause, text)
    assert "paired effect" not in text


def test_compare_to_prints_the_paired_effect_and_one_replication_says_no_interval(tmp_path):
    """compare_to=perfect_comms: the effect of every metric, with its unit, is printed; with
    one replication every value says there is no interval, and the summary marks it."""
    (rc, out, err), (rc1, out1, err1) = run_sim_many([
        ([*TINY, "seed=3", "compare_to=perfect_comms", f"hydra.run.dir={tmp_path / 'cmp'}"],
         tmp_path),
        ([*TINY, "seed=3", "replications=1", f"hydra.run.dir={tmp_path / 'one'}"], tmp_path)])
    assert rc == 0, err
    assert "paired effect, none minus perfect_comms on the same 2 seeds, mean [95% CI]:" in out
    summary = json.loads((tmp_path / "cmp" / "summary.json").read_text())
    effect = summary["comparison"]["metrics"]
    assert re.search(r"^    friendly-fire casualties +[+-][\d.]+.* coalition killed \+ wounded",
                     out, re.M), out
    assert re.search(r"^    fratricide share +[+-][\d.]+.* percentage points of coalition "
                     r"casualties", out, re.M), out
    assert all(effect[m]["ci95_method"] in ("t", "logit_t", "none") for m in METRICS)
    assert rc1 == 0, err1
    first = out1.splitlines()[0]
    assert first.endswith(f", no interval (1 replication) -> {tmp_path / 'one'}"), first
    assert "per 2-day campaign, one replication, no interval (1 replication)" in out1
    assert "[" not in out1.split("\n", 1)[1], out1          # no interval printed anywhere
    one = json.loads((tmp_path / "one" / "summary.json").read_text())
    assert {one["metrics"][m]["ci95_method"] for m in METRICS} == {"none"}


def test_good_run_dir_passes_the_shared_checker(tiny_run):
    if not CHECKER.is_file():
        pytest.skip(f"{CHECKER} not present (clean clone)")
    proc = subprocess.run([sys.executable, str(CHECKER), str(tiny_run["dir"])],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "contract holds" in proc.stdout


def test_good_run_dir_keeps_the_contract(tiny_run):
    assert tiny_run["rc"] == 0, tiny_run["stderr"]
    check_run_dir(tiny_run["dir"])
    summary = json.loads((tiny_run["dir"] / "summary.json").read_text())
    assert summary["seed"] == TINY_SEED
    assert summary["replications"] == 2
    assert summary["scenario"] == "kursk_2024"
    assert summary["intervention"] == "none"
    assert set(summary["by_nation"]) == {"RU", "KP", "UA"}
    assert "comparison" not in summary


def test_good_run_writes_provenance_to_run_info_only(tiny_run):
    info = json.loads((tiny_run["dir"] / "run_info.json").read_text())
    text = json.dumps(info)
    assert platform.python_version() in text
    assert any(k in info for k in ("wall_time_s", "wall_time")), info.keys()
    assert any(k in info for k in ("package_version", "version")), info.keys()


def test_good_run_writes_its_laydown_and_seams(tiny_run):
    """laydown.json: the lay-down as fought (scaled to 4 KP, 4 RU and 1 Akhmat companies):
    the declared places, the radio nets and the KP-RU seams (KP and RU alternate over 8
    slots, then the Akhmat unit on RU's side: 7 seams)."""
    lay = json.loads((tiny_run["dir"] / "laydown.json").read_text())
    assert lay["seams"] == {"KP-RU": 7}
    assert lay["groups"]["kp"] == {"nation": "KP", "place": "interleaved",
                                   "groups": ["kp", "ru", "akhmat"], "within": None,
                                   "stride": 2, "interleave": 0}
    assert lay["groups"]["akhmat"]["interleave"] == 1 + 2 * 4
    assert lay["groups"]["ua"]["place"] == "explicit"
    assert lay["radios"] == {"KP": "kp_legacy", "RU": "ru_r168", "UA": "ua_mesh"}


def test_report_rebuilds_summary_and_figures(tiny_run, tmp_path):
    run_dir = tmp_path / "copy"
    shutil.copytree(tiny_run["dir"], run_dir)
    before = (run_dir / "summary.json").read_bytes()
    figures = sorted(p.name for p in run_dir.glob("*.png"))
    assert figures
    (run_dir / "summary.json").unlink()
    for name in figures:
        (run_dir / name).unlink()
    rc, out, err = run_sim([str(run_dir)], tmp_path, command=[str(SIM), "report"])
    assert rc == 0, err
    assert (run_dir / "summary.json").read_bytes() == before
    assert sorted(p.name for p in run_dir.glob("*.png")) == figures
    for name in figures:
        assert (run_dir / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sweep_with_a_failing_point_records_it_and_exits_nonzero(tmp_path):
    sweep_dir = tmp_path / "sweep"
    args = [o for o in TINY if not o.startswith("replications=")]
    rc, out, err = run_sim(["-m", *args, "seed=3", "replications=0,1",
                            f"hydra.sweep.dir={sweep_dir}"], tmp_path)
    assert rc != 0
    assert "Traceback" not in err
    table = pd.read_parquet(sweep_dir / "sweep.parquet")
    assert len(table) == 2
    by_reps = {int(r["replications"]): r for _, r in table.iterrows()}
    assert by_reps[0]["status"] != "ok"
    assert "replications" in str(by_reps[0]["error"])
    assert by_reps[1]["status"] == "ok"
    for m in METRICS:
        assert f"{m}.mean" in table.columns
    # the good point is a full run directory; with one replication, std 0 and a point interval
    good = [p.parent for p in sweep_dir.glob("*/summary.json")]
    assert len(good) == 1
    check_run_dir(good[0])
    summary = json.loads((good[0] / "summary.json").read_text())
    for m in METRICS:
        s = summary["metrics"][m]
        assert s["std"] == 0.0
        assert s["ci95_low"] == s["mean"] == s["ci95_high"]
        assert s["ci95_method"] == "none"


def test_sweep_with_an_unknown_group_option_records_the_point_and_runs_the_others(tmp_path):
    # docs/contract.md: "In a sweep, a point that fails (validation or otherwise) is recorded as
    # failed with its error and the other points go on; sweep.parquet lists every point".
    sweep_dir = tmp_path / "sweep"
    args = [o for o in TINY if not o.startswith("replications=")]
    rc, out, err = run_sim(["-m", *args, "seed=3", "replications=1",
                            "intervention=none,no_such_thing", f"hydra.sweep.dir={sweep_dir}"],
                           tmp_path)
    assert rc != 0
    assert "Traceback" not in err
    assert (sweep_dir / "sweep.parquet").is_file(), \
        f"no sweep.parquet; the good point did not run. stderr: {err[-600:]}"
    table = pd.read_parquet(sweep_dir / "sweep.parquet")
    assert len(table) == 2
    assert sorted(table["status"] == "ok") == [False, True]
    bad = table[table["status"] != "ok"].iloc[0]
    assert "no_such_thing" in str(bad["error"])


# ---- the contract, checked by the project's own code -------------------------------------------

def _number(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def check_run_dir(d: Path) -> None:
    """Assert that run directory ``d`` keeps docs/contract.md: files, keys, columns, consistency."""
    d = Path(d)
    for name in RUN_FILES:
        assert (d / name).is_file(), f"missing {name}"
    assert list(d.glob("*.png")), "no PNG figure"

    cfg = yaml.safe_load((d / ".hydra" / "config.yaml").read_text())
    cfg.pop("hydra", None)
    run = RunConfig.model_validate(cfg)  # the full resolved config
    scenario = run.scenario
    fought = build_world(run)

    s = json.loads((d / "summary.json").read_text())
    for key in ("schema_version", "scenario", "intervention", "seed", "replications", "metrics",
                "by_nation", "by_cause"):
        assert key in s, f"summary.json lacks {key}"
    assert isinstance(s["schema_version"], int)
    assert s["scenario"] == scenario.name
    assert s["intervention"] == run.intervention.name
    assert s["seed"] == run.seed
    assert s["replications"] == run.replications
    assert set(s["metrics"]) >= set(METRICS)
    for m in METRICS:
        st = s["metrics"][m]
        assert set(st) >= set(STATS), m
        assert all(_number(st[k]) for k in STATS), (m, st)
        assert st["std"] >= 0
        assert st["ci95_low"] <= st["mean"] + 1e-9 <= st["ci95_high"] + 2e-9, (m, st)
        # within the metric's range: a count >= 0, a share in [0, 1]
        assert st["ci95_low"] >= 0 and (m not in SHARES or st["ci95_high"] <= 1), (m, st)
        assert st["ci95_method"] in ("log_t", "logit_t", "none"), (m, st)
        assert (st["ci95_method"] == "none") == (st["std"] == 0), (m, st)
    assert set(s["by_cause"]) == set(CAUSES)
    assert all(_number(v) and v >= 0 for v in s["by_cause"].values())
    assert set(s["by_nation"]) == set(scenario.nations)
    for nation, row in s["by_nation"].items():
        assert set(row) >= set(NATION_KEYS), nation
        assert row["side"] == scenario.nations[nation].side
        for k in NATION_KEYS[1:]:
            assert _number(row[k]) and row[k] >= 0, (nation, k, row[k])
        assert row["initial"] <= row["deployed"] + 1e-9
        assert row["killed"] + row["wounded"] <= row["deployed"] + 1e-9
        # the forces as fought: after the intervention and the scale (sim.build)
        initial = sum(g.strength * (sum(w.count for w in g.waves if w.at_h <= 0) if g.waves
                                    else g.count)
                      for g in fought.units.values() if g.nation == nation)
        assert row["initial"] == pytest.approx(initial), nation

    # replications.parquet: one row per replication, its seed and every metric
    reps = pd.read_parquet(d / "replications.parquet")
    assert len(reps) == s["replications"]
    for col in ("seed", *METRICS):
        assert col in reps.columns, f"replications.parquet lacks {col}"
    assert reps["seed"].nunique() == len(reps), "replication seeds must differ"
    for m in METRICS:
        assert s["metrics"][m]["mean"] == pytest.approx(reps[m].mean(), rel=1e-9, abs=1e-12), m
        std = float(reps[m].std(ddof=1)) if len(reps) > 1 else 0.0
        assert s["metrics"][m]["std"] == pytest.approx(std, rel=1e-9, abs=1e-12), m
    rep_ids = list(reps["replication"]) if "replication" in reps else list(range(len(reps)))
    assert sorted(rep_ids) == list(range(len(reps)))

    coalition = [n for n, nat in scenario.nations.items() if nat.side == "coalition"]
    enemy = [n for n, nat in scenario.nations.items() if nat.side == "enemy"]
    total = sum(s["by_nation"][n]["killed"] + s["by_nation"][n]["wounded"] for n in coalition)
    assert s["metrics"]["total_casualties"]["mean"] == pytest.approx(total)
    inflicted = sum(s["by_nation"][n]["killed"] + s["by_nation"][n]["wounded"] for n in enemy)
    assert s["metrics"]["enemy_casualties"]["mean"] == pytest.approx(inflicted)
    ff = sum(s["by_nation"][n]["friendly_fire_casualties"] for n in coalition)
    assert s["metrics"]["friendly_fire_casualties"]["mean"] == pytest.approx(ff)
    for _, r in reps.iterrows():
        assert r["friendly_fire_casualties"] + r["hostile_fire_casualties"] \
            <= r["total_casualties"] + 1e-9
        share = r["friendly_fire_casualties"] / r["total_casualties"] \
            if r["total_casualties"] else 0.0
        assert r["fratricide_share"] == pytest.approx(share)

    # incidents.parquet: one row per incident, consistent with the per-replication counts
    inc = pd.read_parquet(d / "incidents.parquet")
    for col in INCIDENT_COLUMNS:
        assert col in inc.columns, f"incidents.parquet lacks {col}"
    assert set(inc["cause"]) <= set(CAUSES)
    assert set(inc["shooter_nation"]) <= set(coalition)
    assert set(inc["target_nation"]) <= set(coalition)
    assert (inc["time_h"] >= 0).all() and (inc["time_h"] <= scenario.horizon_h).all()
    for k, rep in enumerate(rep_ids):
        mine = inc[inc["replication"] == rep]
        row = reps.iloc[k]
        assert len(mine) == row["friendly_fire_incidents"], f"replication {rep}"
        assert (mine["killed"] + mine["wounded"]).sum() == row["friendly_fire_casualties"]
        comms = mine["cause"].isin(COMMS_CAUSES).sum()
        share = comms / len(mine) if len(mine) else 0.0
        assert row["miscommunication_share"] == pytest.approx(share)
    n = len(reps)
    for cause in CAUSES:
        assert s["by_cause"][cause] == pytest.approx((inc["cause"] == cause).sum() / n), cause
    assert sum(s["by_cause"].values()) == pytest.approx(
        s["metrics"]["friendly_fire_incidents"]["mean"])

    # timeseries.parquet: every replication x recorded time x nation, from 0 to the horizon
    ts = pd.read_parquet(d / "timeseries.parquet")
    for col in TIMESERIES_COLUMNS:
        assert col in ts.columns, f"timeseries.parquet lacks {col}"
    times = sorted(ts["time_h"].unique())
    assert times[0] == 0.0
    assert times[-1] == pytest.approx(scenario.horizon_h)
    expected = np.arange(0.0, scenario.horizon_h + 1e-9, scenario.record_every_h)
    assert np.allclose(times, expected), times
    assert set(ts["nation"]) == set(scenario.nations)
    assert set(ts["replication"]) == set(rep_ids)
    assert len(ts) == len(rep_ids) * len(times) * len(scenario.nations)
    assert not ts.duplicated(["replication", "time_h", "nation"]).any()
    assert (ts["strength"] >= 0).all()
    start = ts[ts["time_h"] == 0.0]
    assert (start[["killed", "wounded", "friendly_fire_casualties"]] == 0).all().all()
    for (_, nation), g in ts.sort_values("time_h").groupby(["replication", "nation"]):
        for col in ("killed", "wounded", "friendly_fire_casualties"):
            assert g[col].is_monotonic_increasing, (nation, col)
    end = ts[ts["time_h"] == times[-1]]
    for nation in scenario.nations:
        last = end[end["nation"] == nation]
        for col in ("killed", "wounded", "friendly_fire_casualties"):
            assert last[col].mean() == pytest.approx(s["by_nation"][nation][col]), (nation, col)
