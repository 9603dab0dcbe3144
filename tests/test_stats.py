"""Statistics over replications (sim/experiment/stats.py): means with Student-t 95% intervals.

Exact cases use Student-t quantiles from the tables (t_{0.975, 1} = 12.7062047362,
t_{0.975, 3} = 3.18244630528, t_{0.975, 4} = 2.77644510520), not scipy, so a change of
quantile, of degrees of freedom or of the standard deviation's divisor shows. The
coverage of the interval is checked on normal samples with a fixed seed, within ``Z = 4``
binomial standard errors of 95%.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiment.stats import describe, paired_difference

Z = 4.0
T975 = {1: 12.7062047362, 3: 3.18244630528, 4: 2.77644510520}


def test_mean_sample_sd_and_t_interval_of_five_values():
    d = describe([1.0, 2.0, 3.0, 4.0, 5.0])
    sd = math.sqrt(2.5)                               # divisor n - 1
    half = T975[4] * sd / math.sqrt(5)
    assert d["mean"] == pytest.approx(3.0, rel=1e-12)
    assert d["std"] == pytest.approx(sd, rel=1e-12)
    assert d["ci95_low"] == pytest.approx(3.0 - half, rel=1e-9)
    assert d["ci95_high"] == pytest.approx(3.0 + half, rel=1e-9)


def test_two_values_use_one_degree_of_freedom():
    d = describe(np.array([2.0, 4.0]))
    assert d["std"] == pytest.approx(math.sqrt(2.0), rel=1e-12)
    # half width t_{0.975,1} x sqrt(2) / sqrt(2)
    assert (d["ci95_low"], d["ci95_high"]) == pytest.approx((3.0 - T975[1], 3.0 + T975[1]),
                                                             rel=1e-9)


@pytest.mark.parametrize("values", [[7.25], np.array([-3.0])])
def test_one_replication_has_sd_zero_and_the_interval_mean_mean(values):
    d = describe(values)
    m = float(np.asarray(values)[0])
    assert d == {"mean": m, "std": 0.0, "ci95_low": m, "ci95_high": m}


def test_no_value_and_equal_values_are_never_nan():
    assert describe([]) == {"mean": 0.0, "std": 0.0, "ci95_low": 0.0, "ci95_high": 0.0}
    d = describe([2.5, 2.5, 2.5])
    assert d == {"mean": 2.5, "std": 0.0, "ci95_low": 2.5, "ci95_high": 2.5}
    d = paired_difference([1.0], [3.0])
    assert d == {"mean_diff": -2.0, "ci95_low": -2.0, "ci95_high": -2.0}


def test_paired_difference_is_the_t_interval_of_the_differences():
    a = [10.0, 12.0, 14.0, 16.0]
    b = [9.0, 12.0, 12.0, 17.0]                       # differences 1, 0, 2, -1
    d = paired_difference(a, b)
    half = T975[3] * math.sqrt(5.0 / 3.0) / 2.0
    assert d["mean_diff"] == pytest.approx(0.5, rel=1e-12)
    assert d["ci95_low"] == pytest.approx(0.5 - half, rel=1e-9)
    assert d["ci95_high"] == pytest.approx(0.5 + half, rel=1e-9)
    assert set(d) == {"mean_diff", "ci95_low", "ci95_high"}


def test_pairing_removes_what_the_replications_share():
    """b is a shifted by 2 in every replication: the paired interval is [2, 2], however
    widely a itself varies (an unpaired comparison would see that variance)."""
    a = np.random.default_rng(5).normal(100.0, 30.0, 12)
    d = paired_difference(a, a - 2.0)
    assert d["mean_diff"] == pytest.approx(2.0, rel=1e-12)
    assert d["ci95_low"] == pytest.approx(2.0, rel=1e-9)
    assert d["ci95_high"] == pytest.approx(2.0, rel=1e-9)
    assert paired_difference(a, a[::-1])["ci95_high"] - paired_difference(
        a, a[::-1])["ci95_low"] > 10.0                 # unpaired order: the variance is back


@pytest.mark.parametrize("n", [3, 5])
def test_the_interval_covers_the_true_mean_95_percent_of_the_time(n):
    """Small normal samples (where a normal quantile, 1.96, or the n divisor would cover
    less): coverage within Z binomial standard errors of 0.95."""
    trials = 4000
    rng = np.random.default_rng(20240 + n)
    samples = rng.normal(1.0, 2.0, (trials, n))
    covered = 0
    for x in samples:
        d = describe(x)
        covered += d["ci95_low"] <= 1.0 <= d["ci95_high"]
    assert abs(covered / trials - 0.95) < Z * math.sqrt(0.95 * 0.05 / trials), covered
