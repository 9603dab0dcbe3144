"""The grouped-points index (sim/model/spatial.py) against a brute-force search."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from sim.model.spatial import BAND_SLACK_KM, GroupedPoints, along_y, in_band, pairs_within


def _brute(group, xy, stamp, q_group, q_xy, radius, since):
    d2 = ((xy[None, :, :] - q_xy[:, None, :]) ** 2).sum(axis=2)
    ok = (group[None, :] == q_group[:, None]) & (stamp[None, :] >= since) & (d2 < radius ** 2)
    return ok.any(axis=1)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), points=st.integers(0, 300), groups=st.integers(1, 4),
       radius=st.floats(0.01, 3.0), cell=st.floats(0.1, 2.0), since=st.floats(-1.0, 11.0))
def test_any_within_matches_brute_force(seed, points, groups, radius, cell, since):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, points)
    xy = np.column_stack([rng.normal(0, 2, points), rng.uniform(-40, 40, points)])
    stamp = rng.uniform(0, 10, points)
    index = GroupedPoints(group, xy, stamp, cell)
    q_group = rng.integers(0, groups + 1, 200)          # includes a group with no points
    q_xy = np.column_stack([rng.normal(0, 3, 200), rng.uniform(-45, 45, 200)])
    got = index.any_within(q_group, q_xy, radius, since)
    np.testing.assert_array_equal(got, _brute(group, xy, stamp, q_group, q_xy, radius, since))


def test_the_radius_is_exclusive_and_groups_do_not_see_each_other():
    index = GroupedPoints(np.array([0, 1]), np.array([[0.0, 0.0], [0.2, 0.0]]), np.zeros(2), 0.5)
    q = np.array([[0.0, 0.3], [0.0, 0.2999]])
    np.testing.assert_array_equal(index.any_within(np.array([0, 0]), q, 0.3), [False, True])
    assert not index.any_within(np.array([1]), np.array([[0.0, 0.0]]), 0.1)[0]


def test_an_empty_index_finds_nothing():
    index = GroupedPoints(np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros(0), 0.5)
    assert not index.any_within(np.array([0, 1]), np.zeros((2, 2)), 5.0).any()


@pytest.mark.parametrize(("n", "radius"), [(0, 1.0), (1, 1.0), (240, 3.0), (500, 0.7),
                                           (50, 100.0), (30, 0.0)])
def test_pairs_within_finds_the_pairs_a_kd_tree_finds(n, radius):
    """Every pair i < j no farther apart than the radius, once, sorted by i then j."""
    xy = np.random.default_rng(n).uniform(0, 20, (n, 2)) * [1, 4]
    got = pairs_within(xy, radius)
    want = (cKDTree(xy).query_pairs(radius, output_type="ndarray") if n and radius > 0
            else np.zeros((0, 2), np.int64))
    want = want[np.lexsort((want[:, 1], want[:, 0]))]
    assert got.shape[1] == 2 and np.array_equal(got, want)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), points=st.integers(0, 200), y=st.floats(-50, 50),
       half=st.floats(0.0, 20.0))
def test_a_band_holds_the_points_within_it_in_row_order(seed, points, y, half):
    """Every point whose y is within the half width, none farther than the slack beyond it,
    in increasing row order."""
    rng = np.random.default_rng(seed)
    xy = np.column_stack([rng.normal(0, 2, points), rng.uniform(-40, 40, points)])
    xy[: points // 4, 1] = np.round(xy[: points // 4, 1])     # ties in y
    rows = in_band(*along_y(xy), y, half)
    assert np.all(np.diff(rows) > 0)
    inside = np.flatnonzero(np.abs(xy[:, 1] - y) <= half)
    assert set(inside) <= set(rows)
    assert np.all(np.abs(xy[rows, 1] - y) <= half + 2 * BAND_SLACK_KM)


def test_a_point_exactly_at_the_band_edge_is_in_it():
    xy = np.array([[0.0, 1.0], [0.0, 3.0], [0.0, 3.5]])
    np.testing.assert_array_equal(in_band(*along_y(xy), 2.0, 1.0), [0, 1])
