"""ABC-SMC calibration (sim/experiment/calibration.py, sim/cli/calibrate.py): the spec's rules,
the posterior of a problem whose answer is known, continuing a run from its database, the
particles' seeds, and the command as a user runs it on a tiny scenario."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import SIM, TINY, run_sim
from omegaconf import OmegaConf

from sim.cli import main
from sim.cli.validate import compose_config
from sim.experiment import calibration as cal
from sim.experiment.targets import Target
from sim.priors import Prior

CALIBRATE = [str(SIM), "calibrate"]
REPORT = [str(SIM), "report"]
U = {"distribution": "uniform", "reason": "a test"}
SRC = {"source": "a test"}


def _priors(**ranges) -> dict[str, Prior]:
    return {k: Prior.model_validate({**U, **r}) for k, r in ranges.items()}


def _spec(**fields) -> cal.CalibrationSpec:
    fields.setdefault("targets", {"x": Target(statistic="losses.KP", low=4, high=6, **SRC)})
    return cal.CalibrationSpec(**fields)


def _identity(parameters) -> dict[str, float]:
    """A 'model' whose statistic is its parameter: the exact posterior is the prior cut to
    the band."""
    return {"x": float(parameters["theta"])}


def test_the_posterior_of_a_known_problem_is_the_prior_cut_to_the_band(tmp_path):
    """theta ~ U(0, 10), statistic = theta, band [4, 6]: at epsilon 0 the posterior is
    U(4, 6). Every particle lies in the band, and its 5%, 50% and 95% quantiles (4.1, 5,
    5.9) are met within 4 standard errors of a quantile of ESS particles."""
    priors = _priors(theta={"low": 0.0, "high": 10.0})
    spec = _spec(population=200, generations=8, seed=11)
    state = cal.run_abc(tmp_path, spec, priors, _identity)
    assert state["stopped"] == "converged" and state["epsilon"] == 0.0
    posterior, generations = cal.tables(tmp_path)
    assert len(posterior) == 200 and posterior["weight"].sum() == pytest.approx(1.0)
    assert posterior["theta"].between(4, 6).all() and (posterior["distance"] == 0).all()
    np.testing.assert_allclose(posterior["stat.x"], posterior["theta"])
    ess = generations["ess"].iloc[-1]
    assert ess > 50
    for q, truth in ((0.05, 4.1), (0.5, 5.0), (0.95, 5.9)):
        se = math.sqrt(q * (1 - q) / ess) / 0.5            # density of U(4, 6) is 0.5
        got = cal.weighted_quantile(posterior["theta"], posterior["weight"], q)
        assert abs(got - truth) < 4 * se, (q, got)
    # the diagnostics: generation 0 takes every prior draw, epsilon falls to 0
    assert generations["epsilon"].iloc[0] == math.inf
    assert generations["acceptance_rate"].iloc[0] == 1.0
    assert list(generations["epsilon"]) == sorted(generations["epsilon"], reverse=True)
    assert generations["epsilon"].iloc[-1] == 0.0


def test_the_dask_sampler_runs_the_particles_on_a_clusters_workers(tmp_path):
    """calibration.scheduler: the same known problem, simulated by the workers of a Dask
    cluster (here two workers in this process: the same client, scheduler and pickling)."""
    from distributed import LocalCluster

    priors = _priors(theta={"low": 0.0, "high": 10.0})
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        spec = _spec(population=20, generations=2, seed=3, scheduler=cluster.scheduler_address)
        state = cal.run_abc(tmp_path, spec, priors, _identity)
    posterior, generations = cal.tables(tmp_path)
    assert state["generations"] == 2 and len(posterior) == 20
    assert list(generations["epsilon"]) == sorted(generations["epsilon"], reverse=True)
    # the workers' proposals are not seeded, so no epsilon can be pinned: the rule is that
    # every kept particle lies within the last epsilon, and was simulated at its own value
    assert (posterior["distance"] <= generations["epsilon"].iloc[-1]).all()
    np.testing.assert_allclose(posterior["stat.x"], posterior["theta"])


def test_a_scheduler_that_does_not_answer_is_named(monkeypatch):
    monkeypatch.setattr(cal, "SCHEDULER_TIMEOUT_S", 2)
    spec = _spec(population=4, generations=1, scheduler="tcp://127.0.0.1:9")
    with pytest.raises(cal.CalibrationError, match="calibration.scheduler = 'tcp://127.0.0.1:9'"):
        cal.make_sampler(spec)


def test_a_run_continues_from_its_database_and_keeps_the_generations_done(tmp_path):
    priors = _priors(theta={"low": 0.0, "high": 10.0})
    spec = _spec(population=30, generations=2, seed=5, alpha=0.8)
    first = cal.run_abc(tmp_path, spec, priors, _identity)
    assert first["generations"] == 2 and first["stopped"] == "generations done"
    _, before = cal.tables(tmp_path)
    calls = []

    def counted(parameters):
        calls.append(1)
        return _identity(parameters)

    more = cal.run_abc(tmp_path, spec.model_copy(update={"generations": 3}), priors, counted)
    _, after = cal.tables(tmp_path)
    assert more["generations"] == 3 and len(after) == 3
    pd.testing.assert_frame_equal(after.iloc[:2], before)     # the first two untouched
    # the third generation's epsilon is the 0.8 quantile of the second's distances, not a
    # fresh start from infinity, and only the third generation was simulated
    assert after["epsilon"].iloc[2] < after["epsilon"].iloc[1]
    assert len(calls) == after["simulations"].iloc[2]
    # nothing left to do: a third call simulates nothing
    calls.clear()
    cal.run_abc(tmp_path, spec.model_copy(update={"generations": 3}), priors, counted)
    assert calls == []


def test_the_same_seed_gives_the_same_particles_with_one_worker(tmp_path):
    priors = _priors(theta={"low": 0.0, "high": 10.0})
    spec = _spec(population=20, generations=2, seed=3)
    cal.run_abc(tmp_path / "a", spec, priors, _identity)
    cal.run_abc(tmp_path / "b", spec, priors, _identity)
    pd.testing.assert_frame_equal(cal.tables(tmp_path / "a")[0].drop(columns="particle"),
                                  cal.tables(tmp_path / "b")[0].drop(columns="particle"))


def test_a_particles_seed_follows_its_values_and_the_calibrations_seed():
    a = cal.particle_seed(1, {"x": 0.5, "y": 2.0})
    assert a.entropy == cal.particle_seed(1, {"y": 2.0, "x": 0.5}).entropy   # key order
    assert a.entropy != cal.particle_seed(2, {"x": 0.5, "y": 2.0}).entropy
    assert a.entropy != cal.particle_seed(1, {"x": 0.5000001, "y": 2.0}).entropy


PRIORS = _priors(**{"scenario.links.RU_KP.latency_h": {"low": 0.1, "high": 2.0},
                    "scenario.nations.UA.fire_missions_per_h": {"low": 2.0, "high": 16.0},
                    "scenario.environment.night_hours": {"low": 12, "high": 16,
                                                         "integer": True}})
TARGETS = {"losses": {"statistic": "losses.KP", "low": 0.3, "high": 0.4, **SRC}}


@pytest.mark.parametrize(("fields", "message"), [
    ({"parameters": ["scenario.links.RU_KP.delivery"]}, "not in the prior set"),
    ({"parameters": ["scenario.environment.night_hours"]}, "an integer prior cannot be"),
    ({}, "has integer priors (scenario.environment.night_hours)"),
    ({"parameters": ["scenario.links.RU_KP.latency_h"] * 2}, "named twice"),
    ({"parameters": ["scenario.links.RU_KP.latency_h"], "population": 2}, "population = 2"),
    ({"parameters": ["scenario.links.RU_KP.latency_h"], "targets": {
        "x": {"statistic": "losses.XX", "low": 0.1, "high": 0.2, **SRC}}}, "no nation 'XX'"),
    ({"parameters": ["scenario.links.RU_KP.latency_h"], "epochs": 3}, "unknown key"),
])
def test_a_spec_the_priors_or_scenario_cannot_serve_is_refused_naming_the_key(fields, message):
    data = {"targets": TARGETS, **fields}
    with pytest.raises(cal.CalibrationError) as err:
        cal.parse_spec(data, PRIORS, ["RU", "KP", "UA"])
    assert message in "\n".join(err.value.lines)
    assert all(line.startswith("calibration.") for line in err.value.lines)


def _base() -> dict:
    return OmegaConf.to_container(compose_config(TINY), resolve=True)


def test_the_simulator_runs_the_scenario_with_the_particles_values():
    spec = cal.parse_spec({"targets": TARGETS, "parameters": [
        "scenario.nations.UA.fire_missions_per_h"]}, PRIORS, ["RU", "KP", "UA"])
    sim = cal.Simulator(_base(), spec, {})
    cfg = sim.config({"scenario.nations.UA.fire_missions_per_h": 9.5})
    assert cfg.scenario.nations["UA"].fire_missions_per_h == 9.5
    assert cfg.progress is False and cfg.compare_to is None
    out = sim({"scenario.nations.UA.fire_missions_per_h": 9.5})
    assert set(out) == {"losses"} and 0 <= out["losses"] <= 1
    assert sim({"scenario.nations.UA.fire_missions_per_h": 9.5}) == out       # re-run exactly


def test_priors_not_calibrated_are_drawn_within_their_priors_from_the_particles_stream():
    others = _priors(**{"scenario.links.RU_KP.latency_h": {"low": 0.1, "high": 2.0}})
    spec = _spec(parameters=["scenario.nations.UA.fire_missions_per_h"], others="prior")
    sim = cal.Simulator(_base(), spec, others)
    draws = [sim.nuisance(cal.particle_seed(0, {"a": float(i)}))[
        "scenario.links.RU_KP.latency_h"] for i in range(200)]
    assert min(draws) >= 0.1 and max(draws) <= 2.0
    # uniform on [0.1, 2.0]: mean 1.05, sd 0.55; 200 draws, 4 standard errors
    assert abs(np.mean(draws) - 1.05) < 4 * 0.55 / math.sqrt(200)
    again = sim.nuisance(cal.particle_seed(0, {"a": 0.0}))["scenario.links.RU_KP.latency_h"]
    assert again == draws[0]


CAL = ["calibration.population=6", "calibration.generations=1", "calibration.workers=1",
       "calibration.parameters=[scenario.nations.UA.fire_missions_per_h,"
       "scenario.links.RU_KP.latency_h]"]


@pytest.mark.slow
def test_sim_calibrate_writes_a_posterior_continues_and_refuses_another_calibration(tmp_path):
    out = tmp_path / "cal"
    args = [*TINY, *CAL, f"hydra.run.dir={out}"]
    rc, stdout, stderr = run_sim(args, tmp_path, command=CALIBRATE)
    assert rc == 0, stderr
    for name in (cal.SPEC_FILE, cal.DB_FILE, cal.POSTERIOR_FILE, cal.GENERATIONS_FILE,
                 cal.MARGINALS_FILE, cal.PAIRS_FILE, cal.READING_FILE):
        assert (out / name).is_file(), name
    posterior = pd.read_parquet(out / cal.POSTERIOR_FILE)
    assert len(posterior) == 6 and posterior["weight"].sum() == pytest.approx(1.0)
    assert {"scenario.nations.UA.fire_missions_per_h", "scenario.links.RU_KP.latency_h",
            "stat.kp_losses", "distance"} <= set(posterior.columns)
    assert posterior["scenario.nations.UA.fire_missions_per_h"].between(2.0, 16.0).all()
    generations = pd.read_parquet(out / cal.GENERATIONS_FILE)
    assert list(generations["generation"]) == [0]
    assert "# Calibration: ABC-SMC posterior" in stdout and "| kp_losses |" in stdout
    assert "ABC INFO: t: 0" in stderr                             # progress per generation
    # a second generation into the same directory: only it is run
    rc, _, stderr = run_sim([*args, "calibration.generations=2"], tmp_path, command=CALIBRATE)
    assert rc == 0, stderr
    assert list(pd.read_parquet(out / cal.GENERATIONS_FILE)["generation"]) == [0, 1]
    assert "t: 0," not in stderr and "ABC INFO: t: 1" in stderr
    # another population is another calibration
    rc, _, stderr = run_sim([*args, "calibration.population=7"], tmp_path, command=CALIBRATE)
    assert rc == 2 and "holds a different calibration" in stderr
    # sim report rebuilds the analysis from the database
    (out / cal.READING_FILE).unlink()
    rc, stdout, stderr = run_sim([str(out)], tmp_path, command=REPORT)
    assert rc == 0, stderr
    assert (out / cal.READING_FILE).read_text().startswith("# Calibration")
    saved = json.loads((out / cal.SPEC_FILE).read_text())
    assert saved["spec"]["population"] == 6 and "scenario" in saved["config"]


@pytest.mark.parametrize(("extra", "message"), [
    (["calibration.parameters=[scenario.links.RU_KP.nope]"], "not in the prior set"),
    (["calibration.population=1"], "calibration.population = 1"),
    (["calibration.scheduler=my-laptop"], "calibration.scheduler = 'my-laptop'"),
    (["priors.scenario.links.RU_KP.latency_h.low=-1"], "priors.scenario.links.RU_KP.latency_h"),
    (["calibration=nope"], "calibration = 'nope': no such option"),
    (["-m"], "leave out -m"),
])
def test_sim_calibrate_refuses_a_bad_setting_before_any_work(tmp_path, capsys, extra, message):
    out = tmp_path / "cal"
    rc = main(["calibrate", *TINY, *CAL, *extra, f"hydra.run.dir={out}"])
    stderr = capsys.readouterr().err
    assert rc == 2 and message in stderr, stderr
    assert all(line.startswith("error: ") for line in stderr.splitlines())
    assert not out.exists()
