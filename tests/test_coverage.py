"""Coverage check (sim/experiment/coverage.py, sim/cli/coverage.py): calibrations on figures
simulated from known truths cover the truth at the nominal rate, and the command runs as a
user runs it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SIM, TINY, run_sim
from scipy.stats import binom

from sim.experiment import calibration as cal
from sim.experiment import coverage as cov
from sim.experiment.targets import Target
from sim.priors import Prior

COVERAGE = [str(SIM), "coverage"]
PRIORS = {"theta": Prior(distribution="uniform", low=0.0, high=10.0, reason="a test")}


def _noisy(spec: cal.CalibrationSpec):
    """A stochastic 'model': x = theta + N(0, 0.5), its noise seeded by the particle."""

    def simulate(parameters) -> dict[str, float]:
        values = {k: float(parameters[k]) for k in parameters}
        rng = np.random.default_rng(cal.particle_seed(spec.seed, values))
        return {"x": values["theta"] + rng.normal(0.0, 0.5)}

    return simulate


def test_the_repetitions_bands_are_the_simulated_statistic_plus_an_error_within_half_a_band():
    targets = {"x": Target(statistic="losses.KP", low=0.3, high=0.4, source="a test"),
               "y": Target(statistic="largest_incident_killed.KP.RU", low=5, scale=8,
                           source="a test")}
    rng = np.random.default_rng(0)
    got = [cov.simulated_targets(targets, {"x": 0.5, "y": 2.0}, rng) for _ in range(400)]
    centres_x = np.array([t["x"].centre for t in got])
    assert all(t["x"].width == pytest.approx(0.1) and t["y"].width == pytest.approx(8.0)
               for t in got)
    assert centres_x.min() >= 0.45 and centres_x.max() <= 0.55       # 0.5 +- half of 0.1
    assert abs(centres_x.mean() - 0.5) < 4 * 0.1 / np.sqrt(12) / np.sqrt(400)


@pytest.mark.slow
def test_calibrations_on_simulated_figures_cover_the_truth_at_the_nominal_rate(tmp_path):
    """10 calibrations (theta ~ U(0, 10), x = theta + N(0, 0.5), a band 2 wide): the exact
    posterior's 90% interval holds the truth with probability 0.9, so 7 or more of 10
    (P(6 or fewer) = 0.013)."""
    spec = cal.CalibrationSpec(targets={"x": Target(statistic="losses.KP", low=4, high=6,
                                                    source="a test")},
                               population=40, generations=10, alpha=0.3, seed=1)
    check = cov.CoverageSpec(repetitions=10, level=0.9, seed=3)
    table = cov.run_coverage(tmp_path, check, spec, PRIORS, _noisy, progress=lambda _: None)
    assert len(table) == 10 and table["converged"].all()
    k = int(table["covered"].sum())
    assert binom.cdf(6, 10, 0.9) < 0.02
    assert k >= 7, table
    rates = cov.rates(table, 0.9)
    assert rates.loc[0, "covered"] == k and rates.loc[0, "passes"] == (
        rates.loc[0, "rate_low"] <= 0.9 <= rates.loc[0, "rate_high"])
    # the truths follow the prior, and each repetition kept its own calibration
    assert table["truth"].between(0, 10).all() and table["truth"].nunique() == 10
    assert all((tmp_path / f"rep_{r}" / cal.DB_FILE).is_file() for r in range(10))


def test_a_calibration_that_ignores_the_figures_is_caught():
    """A posterior that is only the prior's central 10% covers a prior-drawn truth 10% of the
    time: the check's interval for 2 of 20 excludes 0.9."""
    table = pd.DataFrame({"repetition": range(20), "parameter": "theta",
                          "covered": [True, True] + [False] * 18})
    rates = cov.rates(table, 0.9)
    assert not rates.loc[0, "passes"] and rates.loc[0, "rate_high"] < 0.9


@pytest.mark.slow
def test_sim_coverage_runs_calibrations_on_the_model_and_continues(tmp_path):
    out = tmp_path / "cov"
    args = [*TINY, "calibration.population=5", "calibration.generations=1",
            "calibration.workers=1",
            "calibration.parameters=[scenario.nations.UA.fire_missions_per_h]",
            "coverage.repetitions=2", f"hydra.run.dir={out}"]
    rc, stdout, stderr = run_sim(args, tmp_path, command=COVERAGE)
    assert rc in (0, 1), stderr
    table = pd.read_parquet(out / cov.TABLE_FILE)
    assert list(table["repetition"]) == [0, 1]
    assert (table["low"] <= table["high"]).all()
    assert table["truth"].between(2.0, 16.0).all()
    assert "# Coverage check: 2 calibrations" in stdout
    assert "coverage: repetition 2/2" in stderr
    # one more repetition into the same directory: the first two are read back
    rc, stdout, stderr = run_sim([*args, "coverage.repetitions=3"], tmp_path, command=COVERAGE)
    assert rc in (0, 1), stderr
    again = pd.read_parquet(out / cov.TABLE_FILE)
    pd.testing.assert_frame_equal(again.iloc[:2], table)
    assert len(again) == 3 and "ABC INFO: t: 0" in stderr          # only rep_2 started anew
    assert stderr.count("ABC INFO: t: 0,") == 1
