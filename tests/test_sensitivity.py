"""Sobol' sensitivity (sim/experiment/sensitivity.py, sim/cli/sensitivity.py): the design and
indices against functions whose indices are known, the outputs read from a run, the spec's
rules, and the command as a user runs it on a tiny scenario."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import SIM, TINY, run_sim

from sim.cli.sensitivity import DESIGN_NAME
from sim.experiment import sensitivity as sa
from sim.priors import Prior

U = {"distribution": "uniform", "reason": "a test"}


def _problem(**priors) -> sa.Problem:
    return sa.Problem({k: Prior.model_validate({**U, **p}) for k, p in priors.items()})


def test_the_design_has_n_times_d_plus_2_points_that_follow_the_priors():
    problem = _problem(b={"low": 2.0, "high": 4.0},
                       a={"distribution": "loguniform", "low": 1.0, "high": 100.0},
                       c={"low": 1, "high": 3, "integer": True})
    unit, points = sa.sobol_design(problem, sa.SensitivitySpec(n=256, seed=1))
    assert unit.shape == (256 * 5, 3) and len(points) == 256 * 5
    assert problem.names == ["a", "b", "c"] and list(points[0]) == ["a", "b", "c"]
    a = np.array([p["a"] for p in points])
    b = np.array([p["b"] for p in points])
    c = np.array([p["c"] for p in points])
    np.testing.assert_allclose(a, 100.0 ** unit[:, 0], rtol=1e-12)        # log-uniform
    np.testing.assert_allclose(b, 2.0 + 2.0 * unit[:, 1], rtol=1e-12)
    assert set(c.tolist()) == {1, 2, 3} and all(isinstance(p["c"], int) for p in points)
    again = sa.sobol_design(problem, sa.SensitivitySpec(n=256, seed=1))[1]
    assert again == points                                           # seeded: the same design


def _analyse(problem: sa.Problem, f, n: int = 2048) -> pd.DataFrame:
    spec = sa.SensitivitySpec(n=n, seed=7, outputs=["friendly_fire_casualties"],
                              resamples=200)
    _, points = sa.sobol_design(problem, spec)
    y = np.array([f(p) for p in points])
    return sa.indices(problem, {"friendly_fire_casualties": y}, spec).set_index("parameter")


def _within_error(table: pd.DataFrame, column: str, truth: dict[str, float]) -> None:
    """Each estimate within twice its 95% half-width of the truth (about 4 standard errors
    of the bootstrap: the estimator's sampling error, not a tuned tolerance)."""
    for key, value in truth.items():
        est, low, high = table.loc[key, [column, f"{column}_low", f"{column}_high"]]
        assert abs(est - value) <= 2 * (high - low) / 2 + 1e-9, (key, column, est, value)


def test_an_additive_function_has_its_variance_shares_as_indices():
    """Y = 2 x1 + log(x2), x1 ~ U(0, 1), x2 ~ logU(1, e): variances 4/12 and 1/12, so S1 =
    ST = 0.8 and 0.2 (no interaction); the log-uniform prior's quantiles are used."""
    problem = _problem(x1={"low": 0.0, "high": 1.0},
                       x2={"distribution": "loguniform", "low": 1.0, "high": math.e})
    table = _analyse(problem, lambda p: 2 * p["x1"] + math.log(p["x2"]))
    for column in ("S1", "ST"):
        _within_error(table, column, {"x1": 0.8, "x2": 0.2})
    assert table["output_sd"].iloc[0] == pytest.approx(math.sqrt(5 / 12), rel=0.05)


def test_the_ishigami_function_has_its_known_indices():
    """Ishigami (a = 7, b = 0.1) on U(-pi, pi)^3: S1 = 0.314, 0.442, 0; ST = 0.558, 0.442,
    0.244 (Saltelli et al. 2008, Global Sensitivity Analysis: The Primer): x3 acts only
    through its interaction with x1."""
    box = {"low": -math.pi, "high": math.pi}
    problem = _problem(x1=box, x2=box, x3=box)

    def ishigami(p):
        return (math.sin(p["x1"]) + 7 * math.sin(p["x2"]) ** 2
                + 0.1 * p["x3"] ** 4 * math.sin(p["x1"]))

    table = _analyse(problem, ishigami, n=4096)
    _within_error(table, "S1", {"x1": 0.3139, "x2": 0.4424, "x3": 0.0})
    _within_error(table, "ST", {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437})


def test_an_output_that_never_changes_has_zero_indices_and_says_so():
    problem = _problem(x1={"low": 0.0, "high": 1.0})
    spec = sa.SensitivitySpec(n=4, outputs=["fratricide_share"])
    table = sa.indices(problem, {"fratricide_share": np.full(12, 0.25)}, spec)
    assert (table[["S1", "ST"]] == 0).all().all()
    assert "the same, 0.25, at every point" in sa.reading(table, 12, spec)


def test_outputs_are_read_from_a_summary():
    summary = {"metrics": {"fratricide_share": {"mean": 0.1}},
               "comparison": {"metrics": {"friendly_fire_casualties": {"mean_diff": 12.5}}},
               "by_nation": {"KP": {"killed": 30.0, "wounded": 90.0, "initial": 400.0}}}
    assert sa.output_value("fratricide_share", summary) == 0.1
    assert sa.output_value("miscommunication_effect", summary) == 12.5
    assert sa.output_value("losses.KP", summary) == 0.3


@pytest.mark.parametrize(("data", "rule"), [
    ({"n": 48}, "must be a power of 2"),
    ({"outputs": ["friendly_fire"]}, "unknown output 'friendly_fire'"),
    ({"outputs": ["fratricide_share", "fratricide_share"]}, "named twice"),
    ({"sobol": True}, "unknown key"),
])
def test_a_bad_spec_is_refused_naming_the_key(data, rule):
    with pytest.raises(sa.SensitivityError) as err:
        sa.parse_spec(data)
    assert err.value.lines[0].startswith("sensitivity.") and rule in err.value.lines[0]


def test_outputs_must_be_ones_the_run_gives():
    spec = sa.SensitivitySpec(outputs=["losses.XX", "miscommunication_effect"])
    with pytest.raises(sa.SensitivityError) as err:
        sa.check_outputs(spec, ["KP", "RU", "UA"], None)
    assert [line.split(": ", 1)[1] for line in err.value.lines] == [
        "no nation 'XX' (the scenario has KP, RU, UA)",
        "needs compare_to=perfect_comms, got compare_to=None"]


# --- the command ------------------------------------------------------------------------

#: Two of the channel's priors (the others deleted with Hydra's ``~``), N = 2: 8 tiny runs.
SMALL = [*TINY, "replications=1", "+priors=kursk_2024_links", "sensitivity.n=2",
         *(f"~priors.scenario.links.RU_KP.{k}" for k in ("delivery", "latency_h",
                                                        "interpreter_proficiency",
                                                        "lateral_exchange_per_h")),
         "sensitivity.outputs=[friendly_fire_casualties,losses.KP]", "sensitivity.resamples=50"]


@pytest.mark.parametrize(("extra", "message"), [
    (["sensitivity.n=3"], "error: sensitivity.n = 3: must be a power of 2"),
    (["sensitivity.outputs=[losses.XX]"], "error: sensitivity.outputs = 'losses.XX': no nation"),
    (["priors.scenario.links.RU_KP.challenge_signal.high=1.5"], "error: priors.scenario."
     "links.RU_KP.challenge_signal = uniform[0.3, 1.5]: high 1.5 is outside the field's range"),
    (["-m"], "error: sim sensitivity runs its own sweep; leave out -m"),
])
def test_a_bad_analysis_exits_2_before_any_run(tmp_path, extra, message):
    rc, out, err = run_sim(["sensitivity", *SMALL, f"hydra.sweep.dir={tmp_path}/sa", *extra],
                           tmp_path, command=[str(SIM)])
    assert rc == 2, err
    assert err.startswith(message), err
    assert not (tmp_path / "sa").exists()


def test_a_scenario_without_priors_is_told_where_to_write_them(tmp_path):
    rc, _, err = run_sim(["sensitivity", "scenario=lanchester_duel"], tmp_path,
                         command=[str(SIM)])
    assert rc == 2
    assert "no prior set for scenario 'lanchester_duel'" in err
    assert "configs/priors/lanchester_duel.yaml" in err


@pytest.mark.slow
def test_the_command_runs_the_design_and_writes_the_analysis(tmp_path):
    """2 priors, N = 2: 8 tiny runs; then the same command into the same directory resumes
    (nothing to run), a different design there is refused, and ``sim report`` redoes the
    analysis from the saved results."""
    sim = [str(SIM)]
    sweep = tmp_path / "sa"
    rc, out, err = run_sim(["sensitivity", *SMALL, f"hydra.sweep.dir={sweep}"], tmp_path,
                           command=sim)
    assert rc == 0, err
    assert "sensitivity: 2 priors, 8 runs (N = 2 x (D + 2))" in out
    assert "# What drives the answer: Sobol' indices over 2 priors" in out
    table = pd.read_parquet(sweep / sa.TABLE_FILE)
    assert len(table) == 2 * 2
    assert set(table["parameter"]) == {"scenario.links.RU_KP.challenge_signal",
                                       "scenario.links.RU_KP.interpreters"}
    assert set(table["output"]) == {"friendly_fire_casualties", "losses.KP"}
    assert (sweep / sa.FIGURE_FILE).stat().st_size > 0
    assert (sweep / sa.READING_FILE).read_text() in out
    spec = json.loads((sweep / sa.SPEC_FILE).read_text())
    design = json.loads((sweep / DESIGN_NAME).read_text())
    assert spec["points"] == design["points"] and len(design["points"]) == 8
    status = [json.loads(p.read_text()) for p in sweep.glob("*/status.json")]
    assert len(status) == 8 and all(s["status"] == "ok" for s in status)
    # every point ran with its own values of the priors, on the same master seed
    point = next(s for s in status if s["parameters"] == design["points"][5])
    assert point["parameters"]["scenario.links.RU_KP.interpreters"] > 0

    rc, out, err = run_sim(["sensitivity", *SMALL, f"hydra.sweep.dir={sweep}"], tmp_path,
                           command=sim)
    assert rc == 0, err
    assert out.count("(already complete)") == 8

    rc, _, err = run_sim(["sensitivity", *SMALL, "sensitivity.seed=5",
                          f"hydra.sweep.dir={sweep}"], tmp_path, command=sim)
    assert rc == 2 and "holds a different sensitivity analysis" in err

    (sweep / sa.TABLE_FILE).unlink()
    rc, out, err = run_sim(["report", str(sweep)], tmp_path, command=sim)
    assert rc == 0, err
    assert pd.read_parquet(sweep / sa.TABLE_FILE).equals(table)


def test_the_reading_names_as_drivers_only_parameters_clearly_above_negligible():
    rows = [("a", 0.50, 0.40, 0.60, 0.45), ("b", 0.05, 0.02, 0.08, 0.04),
            ("c", 0.02, -0.01, 0.05, 0.00)]
    table = pd.DataFrame([{"output": "fratricide_share", "parameter": p, "ST": st,
                           "ST_low": lo, "ST_high": hi, "S1": s1, "S1_low": s1, "S1_high": s1,
                           "output_mean": 0.1, "output_sd": 0.01, "output_min": 0.05,
                           "output_max": 0.2} for p, st, lo, hi, s1 in rows])
    text = sa.reading(table, 20, sa.SensitivitySpec(n=4, outputs=["fratricide_share"]))
    assert "Driven most by a (ST 0.50 [0.40, 0.60], S1 0.45); b (ST 0.05" in text
    assert "c (ST" not in text
    assert "1 of 3 parameters have a total index whose interval reaches 0.01" in text
    assert "add up to 0.49, so interactions explain about 0.51" in text
