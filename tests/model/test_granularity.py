"""Attrition does not depend on unit size or time step (sim/model/combat.py, aimed fire).

``lanchester_duel`` (BLUE 1000 against RED 700, a = b = 0.01/h) cut into n units per side
of 1000/n and 700/n soldiers, 0.05 km apart so that every unit is within weapon and sensor
range of every enemy (:func:`sim.validation.runs.duel_case`), at time steps dt, over 132 h
(1.5 times the square law's destruction time of RED, t* = 86.7 h).

Tolerances, fixed before running (the validation report's, :mod:`sim.validation.checks`):

- in every case, RED is destroyed in every replication and BLUE's mean survivors lie
  within the Student-t quantile of the two-sided 3-sigma level (0.27%) of the standard
  error over the replications from the square law's 714.1 (|z| <= about 3);
- in every case, the invariant b B^2 - a R^2 of the mean trajectory stays within the same
  quantile times its standard error of the initial value, at every recorded time;
- the mean total casualties (both sides, over the run) of every case lie within 2% of the
  reference case's (1 unit per side at dt = 0.25 h, the configured duel).

Replications run on fixed master seeds (so every case here is deterministic), in a pool
of two spawned processes with a timeout on each replication. The default cases (1 and 10 units per side at dt
0.25 and 1 h, and the model-level checks) take about 30 s on two cores; the 100-unit
cases and dt = 0.5 h are marked slow (about 6 min).
"""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.build import build_model
from sim.experiment.replication import run_replication
from sim.model.combat import Engagements, volley
from sim.model.streams import replication_seeds, seed_label
from sim.validation import checks
from sim.validation.runs import duel_case

B0, R0, LETHALITY = 1000, 700, 0.01
HORIZON_H = 132.0
SEED = 12
#: replications per case: the reference case and the cheap cases run more, so that the
#: standard error of a ratio of mean totals stays below a third of the 2% tolerance
REPS = {1: 32, 10: 32, 100: 16}
TIMEOUT_S = 900
REFERENCE = (1, 0.25)
LAW = checks.square_law(B0, R0, LETHALITY, LETHALITY)


@pytest.fixture(scope="module")
def case():
    """``case(units, dt, red_units=None)``: BLUE and RED strength per replication and
    recorded time (wide) of one case, each case run once, in two spawned processes."""
    cache: dict[tuple, pd.DataFrame] = {}
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        def run(units: int, dt: float, red_units: int | None = None) -> pd.DataFrame:
            key = (units, dt, red_units)
            if key not in cache:
                cache[key] = _run(pool, units, dt, red_units)
            return cache[key]
        yield run


def _run(pool: ProcessPoolExecutor, units: int, dt: float,
         red_units: int | None) -> pd.DataFrame:
    overrides = [*duel_case(units, dt), f"scenario.horizon_h={HORIZON_H}"]
    if red_units is not None:
        overrides += [f"scenario.units.red.count={red_units}",
                      f"scenario.units.red.strength={R0 // red_units}"]
    cfg = api.config(*overrides, f"seed={SEED}")
    futures = [pool.submit(run_replication, cfg, cfg.intervention, seq, k, seed_label(seq))
               for k, seq in enumerate(replication_seeds(SEED, REPS[units]))]
    series = [f.result(timeout=TIMEOUT_S).timeseries for f in futures]
    ts = pd.concat([pd.DataFrame(s).assign(replication=k) for k, s in enumerate(series)])
    return ts.pivot_table(index=["replication", "time_h"], columns="nation",
                          values="strength").reset_index()


def _final(wide: pd.DataFrame) -> pd.DataFrame:
    return wide[wide["time_h"] == wide["time_h"].max()].sort_values("replication")


def _assert_square_law(wide: pd.DataFrame) -> None:
    final = _final(wide)
    n = len(final)
    surv = checks.lanchester_survivors(final["BLUE"].to_numpy(float), final["RED"].to_numpy(),
                                       LAW.survivors)
    assert surv.passed, surv
    inv = checks.lanchester_invariant(checks.invariant_trajectory(wide, LAW), n)
    assert inv.passed, inv


def _totals(case, cases: list[tuple[int, float]]) -> checks.TotalsCheck:
    totals = {}
    for units, dt in [REFERENCE, *cases]:
        final = _final(case(units, dt))
        totals[f"{units} per side, dt {dt:g} h"] = (B0 + R0 - final["BLUE"] - final["RED"])
    return checks.totals_agree(totals, next(iter(totals)))


# --- the model: fire on targets held together is one unit's fire -----------------------------

@pytest.mark.parametrize("units", [10, 100])
def test_every_target_soldier_is_equally_exposed_whatever_the_cut(units):
    """After one step every BLUE unit holds (nearly) every RED unit, and every RED soldier
    runs the probability of the single-unit duel, 1 - exp(-b B dt / R)."""
    model = build_model(api.config(*duel_case(units, 0.25)))
    model.step()
    fire, f = model.direct_fire, model.forces
    blue = np.flatnonzero(f.coalition)
    held = [np.count_nonzero(fire.shooter == s) for s in blue]
    assert min(held) >= 0.9 * units and max(held) == units
    # hold every pair, as the model does after a few steps, and compare with one unit
    red = np.flatnonzero(~f.coalition)
    pairs = [(s, g) for s in blue for g in red]
    s, g = np.array(pairs).T
    zero = np.zeros(len(s))
    e = Engagements(s, g, zero, zero, zero, np.ones(len(s)))
    p = volley(e, f.view, fire.arsenal, 0.25).p
    b_total, r_total = f.strength[blue].sum(), f.strength[red].sum()
    expected = 1 - math.exp(-LETHALITY * b_total * 0.25 / r_total)
    assert p[red] == pytest.approx(np.full(red.size, expected), rel=1e-12)


# --- the square law at every unit size and step -----------------------------------------------

FAST = [(1, 0.25), (1, 1.0), (10, 0.25), (10, 1.0)]
SLOW = [(1, 0.5), (10, 0.5), (100, 0.25), (100, 0.5), (100, 1.0)]


@pytest.mark.parametrize(("units", "dt"), FAST)
def test_square_law_holds_on_the_mean_trajectory(case, units, dt):
    _assert_square_law(case(units, dt))


@pytest.mark.slow
@pytest.mark.parametrize(("units", "dt"), SLOW)
def test_square_law_holds_on_the_mean_trajectory_slow(case, units, dt):
    _assert_square_law(case(units, dt))


def test_total_casualties_agree_within_two_percent(case):
    res = _totals(case, FAST[1:])
    assert res.passed, (res.rel_diff, res.rel_se)


@pytest.mark.slow
def test_total_casualties_agree_within_two_percent_slow(case):
    res = _totals(case, FAST[1:] + SLOW)
    assert res.passed, (res.rel_diff, res.rel_se)


@pytest.mark.slow
def test_one_large_unit_against_many_small_ones_keeps_the_square_law(case):
    """1 BLUE unit of 1000 against 100 RED units of 7 at dt = 1 h: under nearest-target fire
    BLUE's hazard of 10/h on one 7-man unit was mostly lost and RED was not destroyed."""
    wide = case(1, 1.0, red_units=100)
    _assert_square_law(wide)
