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
    key = np.concatenate([table.key, observer * n + target])
    hours = np.concatenate([table.hours, np.full(observer.size, dt)])
    uniq, inverse = np.unique(key, return_inverse=True)
    return Familiarity(uniq, np.bincount(inverse, weights=hours, minlength=uniq.size)
                       .astype(float))   # (float64 even when empty)


def holds_enemy(tracks: TrackTable, observer: np.ndarray, target: np.ndarray,
                n: int) -> np.ndarray:
    """For each pair (observer[k], target[k]): does the observer hold an enemy track of the
    target?"""
    key = observer * n + target
    i = np.searchsorted(tracks.key, key)
    found = i < tracks.key.size
    found[found] = tracks.key[i[found]] == key[found]
    out = np.zeros(key.size, bool)
    out[found] = ~tracks.friend[i[found]]
    return out


def remember(tracks: TrackTable, observer: np.ndarray, target: np.ndarray,
             identity: np.ndarray, n: int, t: float, memory_h: float) -> TrackTable:
    """The tracks after a look at time ``t``: this step's identified contacts (identity
    FRIEND or ENEMY) renewed or added, then every track older than ``memory_h`` dropped."""
    if memory_h <= 0:
        return tracks
    known = identity != UNKNOWN
    key = np.concatenate([tracks.key, observer[known] * n + target[known]])
    friend = np.concatenate([tracks.friend, identity[known] == FRIEND])
    seen = np.concatenate([tracks.seen_h, np.full(int(known.sum()), t)])
    # the newest entry of each key wins: sort by key, then by recency (new rows come last)
    order = np.lexsort((np.arange(key.size), key))
    key, friend, seen = key[order], friend[order], seen[order]
    last = np.append(key[1:] != key[:-1], True) if key.size else np.zeros(0, bool)
    keep = last & (t - seen < memory_h)
    return TrackTable(key[keep], friend[keep], seen[keep])
