"""Keyed random numbers (sim/model/keyed.py): uniforms, deviates and subsets from keys.

Moments are checked over many keys, with tolerances of Z standard errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.model import keyed

Z = 4.0
KEYS = keyed.keys(np.random.default_rng(11), 4000)


def _u(key, i):
    """``uniform(mix(key, i))`` called from Python (a compiled function returns a uint64
    as a Python int)."""
    return keyed.uniform(np.uint64(keyed.mix(key, i)))


def test_uniforms_of_distinct_counters_are_uniform_and_unrelated():
    u = np.array([_u(KEYS[0], i) for i in range(20000)])
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < Z / np.sqrt(u.size)


def test_the_same_key_and_counter_give_the_same_number():
    assert _u(KEYS[3], 17) == _u(KEYS[3], 17)
    assert keyed.mix(KEYS[3], 17) != keyed.mix(KEYS[3], 18)
    assert keyed.mix(KEYS[3], 17) != keyed.mix(KEYS[4], 17)


@pytest.mark.parametrize("mean", [0.0, 0.3, 4.0, 31.0, 75.0])
def test_poisson_counts_have_the_poisson_mean_and_variance(mean):
    """Inversion, piece by piece above 32: mean = variance = ``mean``."""
    x = np.array([keyed.poisson(mean, k) for k in KEYS])
    n = x.size
    if mean == 0:
        assert not x.any()
        return
    assert abs(x.mean() - mean) < Z * np.sqrt(mean / n)
    assert abs(x.var() - mean) < Z * mean * np.sqrt(2 / n + 1 / (mean * n))
    assert abs((x == 0).mean() - np.exp(-mean)) < Z * np.sqrt(np.exp(-mean) / n) + 1e-12


@pytest.mark.parametrize(("n", "p"), [(0, 0.5), (10, 0.0), (10, 1.0), (120, 0.25), (7, 0.6),
                                    (100, 0.97), (12000, 0.001), (400, 0.5)])
def test_binomial_counts_have_the_binomial_moments(n, p):
    """Inversion up to a mean of 30 of the rarer outcome (the first five non-trivial
    cases), Bernoulli sums above (400 x 0.5)."""
    x = np.array([keyed.binomial(n, p, k) for k in KEYS])
    assert x.min() >= 0 and x.max() <= n
    mean, var = n * p, n * p * (1 - p)
    if var == 0:
        assert (x == mean).all()
        return
    assert abs(x.mean() - mean) < Z * np.sqrt(var / x.size)
    assert abs(x.var() - var) < Z * var * np.sqrt(2 / x.size) + Z / x.size
    p0 = (1 - p) ** n
    assert abs((x == 0).mean() - p0) < Z * np.sqrt(p0 * (1 - p0) / x.size) + 1e-12


def test_box_muller_gives_standard_normal_pairs():
    z = np.array([keyed.normal_pair(_u(k, 0), _u(k, 1)) for k in KEYS])
    assert stats.kstest(z[:, 0], "norm").pvalue > 1e-3
    assert stats.kstest(z[:, 1], "norm").pvalue > 1e-3
    assert abs(np.corrcoef(z.T)[0, 1]) < Z / np.sqrt(len(z))


def test_a_block_holds_each_things_draws_in_its_column():
    u = keyed.block(KEYS[:3], 100, 5)
    assert u.shape == (5, 3)
    assert u[2, 1] == _u(KEYS[1], 102)


def test_choose_takes_poisson_rows_per_owner_least_uniform_first():
    owner = np.array([1, 0, 1, 1, 2, 1])
    means = np.array([0.0, 2.0, 50.0])
    counts = np.zeros(3)
    first = []
    for k in range(2000):
        rows, who, rank = keyed.choose(owner, means, KEYS[k], KEYS[k + 1])
        assert (owner[rows] == who).all() and np.array_equal(who, np.sort(who))
        for nation in range(3):
            mine = rows[who == nation]
            counts[nation] += mine.size
            assert np.array_equal(rank[who == nation], np.arange(mine.size))
            u = [_u(KEYS[k + 1], r) for r in mine]
            assert u == sorted(u)
        if (who == 1).any():
            first.append(rows[who == 1][0])
    assert counts[0] == 0 and counts[2] == 2000          # one row, Poisson(50) >= 1
    p_some = 1 - np.exp(-2.0)
    expected = 2000 * sum(min(k, 4) * stats.poisson.pmf(k, 2.0) for k in range(60))
    assert abs(counts[1] - expected) < Z * np.sqrt(2000 * 4.0)
    assert abs(len(first) / 2000 - p_some) < Z * np.sqrt(p_some * (1 - p_some) / 2000)
    share = np.bincount(first, minlength=6)[[0, 2, 3, 5]] / len(first)
    assert np.allclose(share, 0.25, atol=Z * np.sqrt(0.25 * 0.75 / len(first)))


def test_an_owners_count_does_not_depend_on_the_other_owners_rows():
    """Common random numbers: owner 0's count is keyed by its own number."""
    for k in range(200):
        alone = keyed.choose(np.zeros(30, np.int64), np.array([3.0, 3.0]), KEYS[k], KEYS[k + 1])
        mixed = keyed.choose(np.array([0] * 30 + [1] * 5), np.array([3.0, 3.0]), KEYS[k],
                             KEYS[k + 1])
        assert alone[0].size == (mixed[1] == 0).sum()


def test_pair_keys_are_keyed_by_both_numbers():
    keys = keyed.pair_keys(KEYS[0], np.array([0, 0, 1]), np.array([0, 1, 0]))
    assert keys[0] == keyed.mix(KEYS[0], 0) and keys[2] == keyed.mix(KEYS[0], 2**32)
    assert len(set(keys.tolist())) == 3


def test_keys_are_numpys_bounded_integers_and_leave_the_stream_where_numpy_does():
    for seed in range(200):
        ours = np.random.Generator(np.random.Philox(key=np.array([seed, 3], np.uint64)))
        numpys = np.random.Generator(np.random.Philox(key=np.array([seed, 3], np.uint64)))
        k = 1 + seed % 4
        want = numpys.integers(0, 2**63 - 1, size=k, dtype=np.int64).astype(np.uint64)
        np.testing.assert_array_equal(keyed.keys(ours, k), want)
        assert ours.random() == numpys.random()


def test_a_draw_below_the_rejection_threshold_is_drawn_again():
    class Raw(np.random.PCG64):                  # its 64-bit draws, scripted
        def __init__(self, values):
            super().__init__(0)
            self.values = list(values)

        def random_raw(self, size=None):
            if size is None:
                return np.uint64(self.values.pop(0))
            out, self.values = self.values[:size], self.values[size:]
            return np.array(out, dtype=np.uint64)

    class Stub:
        def __init__(self, values):
            self.bit_generator = Raw(values)

    # x = 0 gives a low product of 0, below the threshold of 2: numpy draws again
    got = keyed.keys(Stub([0, 5, 2**63, 11]), 3)
    want = [(x * keyed.KEY_SPAN) >> 64 for x in (5, 2**63, 11)]
    assert got.tolist() == want


def test_keys_refuse_a_bit_generator_of_32_bit_draws():
    with pytest.raises(TypeError, match="64-bit"):
        keyed.keys(np.random.Generator(np.random.MT19937(0)), 2)
