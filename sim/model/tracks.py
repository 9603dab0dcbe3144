"""Contact memory: the tracks a unit keeps of contacts it has identified.

Rules (times in hours):
- A unit that identifies a contact keeps it as a track: by seeing its true side
  (visual identification), by an answered challenge (a friend), or by
  correlating it with a friend entry of its HQ's picture (taken for a friend,
  rightly or not).
- While the track lasts, the unit judges that contact as the track says, with
  no new correlation, identification or challenge: a friend track is not fired
  on, an enemy track is engaged as an identified enemy.
- The unit keeps the track while it sees the contact: each step the contact is
  detected again renews it; a track not renewed for ``track_memory_h`` is
  forgotten (0: no memory, every contact judged afresh each step).
- Familiarity: two allied units of linked nations that stand within the link's
  ``lateral_range_km`` of each other accumulate hours side by side; visual
  identification of one by the other fails with its usual probability times
  exp(-hours / ``familiarity_h``) (:mod:`sim.model.seams` counts the hours,
  :mod:`sim.model.sensing` uses them).
- Tracks are kept per (observer, target) pair of units, in one table sorted by
  the pair's key ``observer x N + target``, so a look finds a pair's track by
  binary search and the table grows with the contacts, not with N^2.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

#: Identity codes of a contact as judged this step (and of a track).
UNKNOWN, FRIEND, ENEMY = -1, 0, 1


class TrackTable(NamedTuple):
    """Every unit's tracks, sorted by key (kernels read it by name)."""

    key: np.ndarray       # int64, observer x N + target
    friend: np.ndarray    # bool, the track says friend (else enemy)
    seen_h: np.ndarray    # h, when the observer last saw the contact


class Familiarity(NamedTuple):
    """Hours each ordered pair of units has spent side by side, sorted by key."""

    key: np.ndarray       # int64, observer x N + target
    hours: np.ndarray     # h


def empty() -> TrackTable:
    return TrackTable(np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0))


def no_familiarity() -> Familiarity:
    return Familiarity(np.zeros(0, np.int64), np.zeros(0))


def side_by_side(table: Familiarity, observer: np.ndarray, target: np.ndarray, n: int,
                 dt: float) -> Familiarity:
    """``table`` with ``dt`` hours added for every pair (observer, target) given (each
    pair once)."""
    return Familiarity(*_added(table.key, table.hours, observer * n + target, dt))


@njit(cache=True)
def _added(key, hours, new_key, dt):
    """The sorted table ``key`` with ``dt`` hours added to the rows ``new_key`` (distinct;
    a key not in the table joins it with ``dt``)."""
    new_key = np.sort(new_key)
    out_key = np.empty(key.size + new_key.size, np.int64)
    out_hours = np.empty(key.size + new_key.size)
    i = j = k = 0
    while i < key.size or j < new_key.size:
        if j < new_key.size and (i >= key.size or new_key[j] <= key[i]):
            if i < key.size and key[i] == new_key[j]:
                out_key[k], out_hours[k] = key[i], hours[i] + dt
                i += 1
            else:
                out_key[k], out_hours[k] = new_key[j], dt
            j += 1
        else:
            out_key[k], out_hours[k] = key[i], hours[i]
            i += 1
        k += 1
    return out_key[:k], out_hours[:k]


def remember(tracks: TrackTable, observer: np.ndarray, target: np.ndarray,
             identity: np.ndarray, n: int, t: float, memory_h: float) -> TrackTable:
    """The tracks after a look at time ``t``: this step's identified contacts (identity
    FRIEND or ENEMY) renewed or added, then every track older than ``memory_h`` dropped.
    A pair given twice keeps its last identity."""
    if memory_h <= 0:
        return tracks
    known = identity != UNKNOWN
    key = observer[known] * n + target[known]
    friend = identity[known] == FRIEND
    return TrackTable(*_merged(tracks.key, tracks.friend, tracks.seen_h, key, friend, t,
                               memory_h))


@njit(cache=True)
def _merged(key, friend, seen, new_key, new_friend, t, memory_h):
    """The sorted table ``key`` with the rows ``new_key`` (seen at ``t``; the last of equal
    new keys wins, and a new row replaces an old one) merged in, keeping the rows seen
    within ``memory_h`` of ``t``."""
    order = np.argsort(new_key, kind="mergesort")
    m = key.size + new_key.size
    out_key = np.empty(m, np.int64)
    out_friend = np.empty(m, np.bool_)
    out_seen = np.empty(m)
    i = j = k = 0
    while i < key.size or j < order.size:
        if j < order.size and (i >= key.size or new_key[order[j]] <= key[i]):
            r = order[j]
            while j + 1 < order.size and new_key[order[j + 1]] == new_key[r]:
                j += 1                                  # the last of equal new keys
                r = order[j]
            if i < key.size and key[i] == new_key[r]:
                i += 1                                  # renewed: the old row goes
            out_key[k], out_friend[k], out_seen[k] = new_key[r], new_friend[r], t
            j += 1
        else:
            out_key[k], out_friend[k], out_seen[k] = key[i], friend[i], seen[i]
            i += 1
        if t - out_seen[k] < memory_h:
            k += 1
    return out_key[:k], out_friend[:k], out_seen[:k]
