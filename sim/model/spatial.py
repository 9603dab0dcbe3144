"""A spatial index of points by group: "is there a point of group g within r of here?"

Each HQ's picture is one group of points (its current friend entries). The
index is a cell list: points are sorted by (group, cell row, cell column) on a
grid of ``cell_km`` squares, so a query looks only at the cells a circle of
radius r overlaps. Building is O(P log P), a query O(points nearby). Distances
are Euclidean, compared squared (``dx^2 + dy^2 < r^2``) as scipy's k-d tree does.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit


class PointIndex(NamedTuple):
    """The arrays of a :class:`GroupedPoints` index, as kernels take them."""

    keys: np.ndarray      # int64 (P,), sorted (group, cell row, cell column) keys
    points: np.ndarray    # (P, 2) km, in key order
    stamp: np.ndarray     # (P,) h, in key order
    cell: float           # km
    origin: np.ndarray    # int64 (2,), grid cell of the lowest column and row
    shape: np.ndarray     # int64 (2,), grid columns and rows


class GroupedPoints:
    """Points ``xy`` (P, 2) km, each in group ``group`` (P,) and stamped with a time
    ``stamp`` (P,) h, indexed on a ``cell_km`` grid. Queries may ignore points stamped
    before a given time (so the index outlives the expiry of some of its points)."""

    def __init__(self, group: np.ndarray, xy: np.ndarray, stamp: np.ndarray,
                 cell_km: float) -> None:
        self.cell = float(cell_km)
        self.size = len(group)
        if self.size == 0:
            self.arrays = PointIndex(np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros(0),
                                     self.cell, np.zeros(2, np.int64), np.zeros(2, np.int64))
            return
        keys, points, stamps, origin, shape = _build(
            np.asarray(group, np.int64), np.asarray(xy, dtype=float),
            np.asarray(stamp, dtype=float), self.cell)
        #: the index, for kernels that call :func:`point_within`
        self.arrays = PointIndex(keys, points, stamps, self.cell, origin, shape)

    def any_within(self, group: np.ndarray, xy: np.ndarray, radius: float,
                   since: float = -np.inf) -> np.ndarray:
        """found[i]: some point of group ``group[i]`` stamped at ``since`` or later lies
        closer than ``radius`` to ``xy[i]``."""
        if self.size == 0 or len(group) == 0:
            return np.zeros(len(group), bool)
        return _any_within(np.asarray(group, np.int64), np.asarray(xy, dtype=float),
                           float(radius), float(since), self.arrays)


@njit(cache=True)
def _build(group, xy, stamp, cell):
    """Sort points by (group, cell row, cell column): keys, points, stamps, grid origin and
    shape (columns, rows)."""
    cells = np.floor(xy / cell).astype(np.int64)
    origin = np.array([cells[:, 0].min(), cells[:, 1].min()])
    shape = np.array([cells[:, 0].max(), cells[:, 1].max()]) - origin + 1
    key = (group * shape[1] + (cells[:, 1] - origin[1])) * shape[0] + (cells[:, 0] - origin[0])
    order = np.argsort(key, kind="mergesort")
    return key[order], xy[order], stamp[order], origin, shape


@njit(cache=True)
def _any_within(group, xy, radius, since, index):
    found = np.zeros(group.size, np.bool_)
    for i in range(group.size):
        found[i] = point_within(group[i], xy[i, 0], xy[i, 1], radius, since, index)
    return found


@njit(cache=True, inline="always")
def point_within(group, x, y, radius, since, index):
    """Is a point of ``group`` stamped at ``since`` or later closer than ``radius`` to
    (x, y)? ``index`` is :attr:`GroupedPoints.arrays` (for use inside other kernels)."""
    keys, points, stamp = index.keys, index.points, index.stamp
    cell, origin, shape = index.cell, index.origin, index.shape
    if keys.size == 0:
        return False
    reach = int(np.ceil(radius / cell))
    r2 = radius * radius
    cx = int(np.floor(x / cell)) - origin[0]
    cy = int(np.floor(y / cell)) - origin[1]
    lo_col, hi_col = max(cx - reach, 0), min(cx + reach, shape[0] - 1)
    if lo_col > hi_col:
        return False
    for row in range(max(cy - reach, 0), min(cy + reach + 1, shape[1])):
        base = (group * shape[1] + row) * shape[0]
        lo = np.searchsorted(keys, base + lo_col)
        hi = np.searchsorted(keys, base + hi_col, side="right")
        for k in range(lo, hi):
            if stamp[k] < since:
                continue
            dx = points[k, 0] - x
            dy = points[k, 1] - y
            if dx * dx + dy * dy < r2:
                return True
    return False
