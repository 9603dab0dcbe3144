"""Spatial queries: points by group ("is there a point of group g within r of here?"),
the pairs of points within a distance of each other, and the points in a band of y
(the candidates near an impact or a drone's point: the front runs along y).

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

from sim.model import views


class PointIndex(NamedTuple):
    """The arrays of a :class:`GroupedPoints` index, as kernels take them."""

    keys: np.ndarray      # int64 (P,), sorted (group, cell row, cell column) keys
    points: np.ndarray    # (P, 2) km, in key order
    stamp: np.ndarray     # (P,) h, in key order
    cell: float           # km
    origin: np.ndarray    # int64 (2,), grid cell of the lowest column and row
    shape: np.ndarray     # int64 (2,), grid columns and rows


PointIndexViewType, PointIndexView = views.define(PointIndex, __name__)


class GroupedPoints:
    """Points ``xy`` (P, 2) km, each in group ``group`` (P,) and stamped with a time
    ``stamp`` (P,) h, indexed on a ``cell_km`` grid. Queries may ignore points stamped
    before a given time (so the index outlives the expiry of some of its points)."""

    def __init__(self, group: np.ndarray, xy: np.ndarray, stamp: np.ndarray,
                 cell_km: float) -> None:
        self.cell = float(cell_km)
        self.size = len(group)
        if self.size == 0:
            table = PointIndex(np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros(0),
                               self.cell, np.zeros(2, np.int64), np.zeros(2, np.int64))
        else:
            keys, points, stamps, origin, shape = _build(
                np.asarray(group, np.int64), np.asarray(xy, dtype=float),
                np.asarray(stamp, dtype=float), self.cell)
            table = PointIndex(keys, points, stamps, self.cell, origin, shape)
        #: the index as kernels that call :func:`point_within` take it (a view,
        #: :mod:`sim.model.views`)
        self.arrays = views.view_of(table)

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
        last = base + hi_col
        k = np.searchsorted(keys, base + lo_col)   # then the few points of the row's cells
        while k < keys.size and keys[k] <= last:
            if stamp[k] >= since:
                dx = points[k, 0] - x
                dy = points[k, 1] - y
                if dx * dx + dy * dy < r2:
                    return True
            k += 1
    return False


@njit(cache=True)
def pairs_within(xy, radius):
    """The index pairs (i, j), i < j, of the points ``xy`` (P, 2) km no farther apart than
    ``radius`` km, sorted by i then j: a cell list of ``radius`` squares (points sorted by
    cell with a counting sort), each point checked against the points of its own and the
    eight neighbouring cells."""
    n = xy.shape[0]
    if n < 2 or not radius > 0:
        return np.zeros((0, 2), np.int64)
    cx = np.empty(n, np.int64)
    cy = np.empty(n, np.int64)
    for i in range(n):
        cx[i] = int(np.floor(xy[i, 0] / radius))
        cy[i] = int(np.floor(xy[i, 1] / radius))
    x0, y0 = cx.min(), cy.min()
    width, height = cx.max() - x0 + 1, cy.max() - y0 + 1
    start = np.zeros(width * height + 1, np.int64)     # the cell's first member
    for i in range(n):
        start[(cy[i] - y0) * width + (cx[i] - x0) + 1] += 1
    for c in range(width * height):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    members = np.empty(n, np.int64)                    # by cell, then index
    for i in range(n):
        c = (cy[i] - y0) * width + (cx[i] - x0)
        members[fill[c]] = i
        fill[c] += 1
    r2 = radius * radius
    out = np.empty((8 * n, 2), np.int64)
    near = np.empty(n, np.int64)                       # the partners of one point
    m = 0
    for i in range(n):
        c = 0
        gx, gy = cx[i] - x0, cy[i] - y0
        for row in range(max(gy - 1, 0), min(gy + 2, height)):
            for q in range(start[row * width + max(gx - 1, 0)],
                           start[row * width + min(gx + 1, width - 1) + 1]):
                j = members[q]
                if j > i:
                    dx, dy = xy[j, 0] - xy[i, 0], xy[j, 1] - xy[i, 1]
                    if dx * dx + dy * dy <= r2:
                        k = c                          # insertion: partners in order
                        while k > 0 and near[k - 1] > j:
                            near[k] = near[k - 1]
                            k -= 1
                        near[k] = j
                        c += 1
        if m + c > out.shape[0]:
            grown = np.empty((2 * (m + c), 2), np.int64)
            grown[:m] = out[:m]
            out = grown
        for k in range(c):
            out[m, 0], out[m, 1] = i, near[k]
            m += 1
    return out[:m]


#: Slack (km) on each side of a band of y: the band may hold a few points more than needed
#: (each is then checked exactly), never fewer, whatever the rounding of y - r and y + r.
BAND_SLACK_KM = 1e-9


@njit(cache=True)
def along_y(xy):
    """The points ``xy`` (P, 2) km sorted by y, for :func:`in_band`: (their rows, their y)."""
    order = np.argsort(xy[:, 1], kind="mergesort")
    return order, xy[:, 1][order]


@njit(cache=True)
def in_band(order, ys, y, half_width):
    """The rows, in increasing order, of the points of :func:`along_y` whose y lies within
    ``half_width`` km of ``y`` (a superset by at most ``BAND_SLACK_KM``): the candidates of
    a search for points within ``half_width`` of a point at height y, O(log P + found)."""
    lo = np.searchsorted(ys, y - half_width - BAND_SLACK_KM, side="left")
    hi = np.searchsorted(ys, y + half_width + BAND_SLACK_KM, side="right")
    return np.sort(order[lo:hi])
