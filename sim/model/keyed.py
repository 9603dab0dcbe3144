"""Keyed random numbers: counter-based draws for compiled loops.

Rule: a number drawn in a compiled loop is the hash of a key and a counter, not the next
number of a stream. The i-th uniform of the thing a key names (a step's pair of units, a
drone sortie, an artillery mission) is ``uniform(mix(key, i))``. So the numbers of one
thing do not depend on how many other things drew before it (common random numbers
between paired runs stay in step), and a loop draws without building a generator. A
step's keys are drawn from the mechanism's own stream (:func:`keys`,
:mod:`sim.model.streams`).

The hash is the SplitMix64 finaliser (Steele, Lea and Flood 2014, "Fast splittable
pseudorandom number generators"), whose output passes BigCrush as a counter-based
generator. Deviates other than uniforms are made from uniforms by exact methods:
normal pairs by Box-Muller, Poisson counts by inversion, binomial counts by inversion
(small means) or as sums of Bernoulli trials.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: Poisson means above this are drawn as a sum of pieces no larger (inversion stays exact
#: and short: e^-32 is far from underflow).
_POISSON_PIECE = 32.0
#: Binomial counts of mean (of the rarer outcome) up to this are drawn by inversion, larger
#: ones as sums of trials.
_INVERSION_MEAN = 30.0


#: Keys are uniform integers in [0, KEY_SPAN): numpy's ``integers(0, 2**63 - 1)``.
KEY_SPAN = 2**63 - 1
#: A 64-bit draw x is redrawn when (x * KEY_SPAN) mod 2^64 falls below this (Lemire 2019).
_KEY_REJECT = (2**64 - KEY_SPAN) % KEY_SPAN
_LOW_64 = 2**64 - 1
#: Bit generators whose ``random_raw`` gives the 64-bit draws numpy's integers use
#: (MT19937's gives 32-bit ones).
_RAW_64 = (np.random.Philox, np.random.PCG64, np.random.PCG64DXSM, np.random.SFC64)


def keys(rng: np.random.Generator, k: int) -> np.ndarray:
    """``k`` keys (uint64) drawn from a mechanism's stream for this step: the numbers of
    ``rng.integers(0, 2**63 - 1, size=k, dtype=np.int64)``, which maps each 64-bit draw x
    to the high 64 bits of x * KEY_SPAN and redraws the rare x whose low 64 bits fall
    below ``_KEY_REJECT`` (Lemire's method, as numpy's bounded integers), with the stream
    left where numpy leaves it, in about 5 us instead of numpy's 13 (its bounds checks
    of Python integers)."""
    if not isinstance(rng.bit_generator, _RAW_64):
        raise TypeError(f"keys need a bit generator of 64-bit draws, not {rng.bit_generator}")
    raw = rng.bit_generator.random_raw
    drawn = raw(k).tolist()
    out: list[int] = []
    i = 0
    while len(out) < k:
        if i == len(drawn):
            drawn.append(int(raw()))
        product = drawn[i] * KEY_SPAN
        i += 1
        if product & _LOW_64 >= _KEY_REJECT:
            out.append(product >> 64)
    return np.array(out, dtype=np.uint64)


@njit(cache=True, inline="always")
def scramble(x):
    """SplitMix64: a well-mixed 64-bit integer from one 64-bit integer."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def uniform(x):
    """A uniform in [0, 1) from one 64-bit integer (53 bits of its SplitMix64 hash)."""
    return np.float64(scramble(x) >> np.uint64(11)) * (1.0 / 2**53)


@njit(cache=True, inline="always")
def mix(key, i):
    """The key of the ``i``-th thing under ``key`` (a sortie of a step, a draw of a
    sortie): distinct counters give unrelated keys."""
    return scramble(key ^ scramble(np.uint64(i)))


@njit(cache=True, inline="always")
def normal_pair(u1, u2):
    """Two independent standard normal deviates from two uniforms in [0, 1) (Box-Muller)."""
    radius = math.sqrt(-2.0 * math.log1p(-u1))
    angle = 2.0 * math.pi * u2
    return radius * math.cos(angle), radius * math.sin(angle)


@njit(cache=True)
def poisson(mean, key):
    """A Poisson(``mean``) count keyed by ``key``: inversion of one uniform per piece of
    the mean no larger than 32 (a sum of independent Poisson counts is Poisson)."""
    total, piece, rest = 0, 0, mean
    while rest > 0:
        m = min(rest, _POISSON_PIECE)
        rest -= m
        u = uniform(mix(key, piece))
        piece += 1
        k, p = 0, math.exp(-m)
        cdf = p
        while u >= cdf and p > 0:
            k += 1
            p *= m / k
            cdf += p
        total += k
    return total


@njit(cache=True)
def binomial(n, p, key):
    """A Binomial(``n``, ``p``) count keyed by ``key``. With n x min(p, 1 - p) up to 30:
    inversion of one uniform, ``uniform(key)``, by the recurrence of the probabilities
    from 0 (of the rarer outcome); above: the trials whose uniform ``uniform(mix(key, i))``
    falls below ``p``."""
    if p <= 0.0 or n <= 0:
        return 0
    if p >= 1.0:
        return n
    q = min(p, 1.0 - p)
    if n * q > _INVERSION_MEAN:
        k = 0
        for i in range(n):
            if uniform(mix(key, i)) < p:
                k += 1
        return k
    u = uniform(key)
    ratio = q / (1.0 - q)
    prob = math.exp(n * math.log1p(-q))
    cdf, k = prob, 0
    while u >= cdf and k < n:
        prob *= ratio * (n - k) / (k + 1)
        k += 1
        cdf += prob
    return k if q == p else n - k


@njit(cache=True)
def hash_uniform(x: np.ndarray) -> np.ndarray:
    """:func:`uniform` of each 64-bit integer of ``x``."""
    out = np.empty(x.size)
    for i in range(x.size):
        out[i] = uniform(x[i])
    return out


@njit(cache=True)
def block(key: np.ndarray, base: int, rows: int) -> np.ndarray:
    """A (rows, len(key)) block of uniforms: column i is thing ``key[i]``'s draws
    ``base`` .. ``base + rows - 1`` (for code that takes a block of uniforms, such as
    :meth:`sim.model.comms.Network.send_batch`)."""
    out = np.empty((rows, key.size))
    for i in range(key.size):
        for r in range(rows):
            out[r, i] = uniform(mix(key[i], base + r))
    return out


@njit(cache=True)
def choose(owner, means, count_key, order_key):
    """Random subsets of rows by owner: for each owner k (0 .. len(means) - 1, in order)
    Poisson(``means[k]``) of the rows ``owner == k`` (all of them when fewer), those of
    least uniform ``uniform(mix(order_key, row))`` first. Each owner's count is keyed by
    ``mix(count_key, k)``. Returns (rows, their owner, their rank within the owner)."""
    u = np.empty(owner.size)
    for r in range(owner.size):
        u[r] = uniform(mix(order_key, r))
    rows = np.empty(owner.size, np.int64)
    who = np.empty(owner.size, np.int64)
    rank = np.empty(owner.size, np.int64)
    k = 0
    for nation in range(means.size):
        n = poisson(means[nation], mix(count_key, nation))
        mine = np.flatnonzero(owner == nation)
        mine = mine[np.argsort(u[mine], kind="mergesort")][:n]
        for j in range(mine.size):
            rows[k], who[k], rank[k] = mine[j], nation, j
            k += 1
    return rows[:k], who[:k], rank[:k]


@njit(cache=True, inline="always")
def pair_key(key, first, second):
    """The key of the pair (``first``, ``second``) of non-negative numbers below 2^31 (a
    nation and its sortie's number; two units) under ``key``: ``mix(key, first x 2^32 +
    second)``."""
    return mix(key, (first << 32) + second)


@njit(cache=True)
def pair_keys(key, first, second):
    """:func:`pair_key` of each pair (``first[i]``, ``second[i]``)."""
    out = np.empty(first.size, np.uint64)
    for i in range(first.size):
        out[i] = pair_key(key, first[i], second[i])
    return out
