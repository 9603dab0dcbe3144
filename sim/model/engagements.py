"""Engagements under way and broken off: which open, which go on, which resume.

The bookkeeping of direct fire (:mod:`sim.model.combat`), compiled: each step's
engagements are arrays (one row per engagement), and those broken off are a table
sorted by pair key, so a step opens, ends and resumes every engagement in a few loops
instead of a Python loop per engagement.

Rules:
- One engagement per (shooter, target) pair; the pair's key is ``shooter x N + target``
  (N units).
- An engagement opens on a contact judged hostile by a unit at the front, within the
  unit's weapon range and its reach on that target (:func:`sim.model.weapons.reach_on`),
  unless the pair is engaged already (:func:`opening`).
- An engagement goes on while shooter and target are both at the front and alive, the
  target is within the shooter's reach on it, and (for a friend) the shooter has not yet
  recognised it (``t < until``, :func:`going`).
- An engagement that ends before its shooter recognises a friend (``t < until``) is
  broken off: kept with when it first opened (``start``), ``until``, its incident and
  when it ended, for ``resume_h`` hours; one broken off again replaces the pair's entry
  (:func:`pause`).
- A pair that opens again within ``resume_h`` of breaking off resumes that engagement
  (its ``start``, ``until`` and incident go on), unless its shooter was told of its
  mistake meanwhile (``t >= until``): then it does not open. Either way the entry is used
  up; an entry older than ``resume_h`` is no use and is dropped (:func:`resume`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.model.forces import position
from sim.model.records import Posture
from sim.model.weapons import reach_on

FRONT = int(Posture.FRONT)


class Paused(NamedTuple):
    """Engagements broken off (not by recognition), kept to be resumed; sorted by ``key``."""

    key: np.ndarray       # int64, pair key shooter x N + target
    start: np.ndarray     # h, when the engagement first opened
    until: np.ndarray     # h, when its shooter learns it fires on a friend (inf: never)
    incident: np.ndarray  # int64, ledger index, -1 if not friendly fire
    ended: np.ndarray     # h, when it was broken off


def no_pauses() -> Paused:
    """An empty table of engagements broken off."""
    return Paused(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, np.int64),
                  np.zeros(0))


class Resumed(NamedTuple):
    """For each engagement about to open (:func:`resume`; arrays of one length)."""

    start: np.ndarray     # h, when the engagement it resumes first opened; NaN: a new one
    until: np.ndarray     # h, that engagement's ``until``; inf for a new one
    incident: np.ndarray  # int64, that engagement's incident; -1 for a new one or none
    told: np.ndarray      # bool, its shooter was told meanwhile: it does not open
    broken_h: np.ndarray  # h, how long it was broken off (0 for a new one)


@njit(cache=True)
def opening(observer, target, distance, hostile, units, arsenal, engaged):
    """The contacts on which an engagement opens (rules above), in contact order:
    ``engaged`` holds the pair keys of the engagements under way, sorted."""
    n = units.strength.size
    out = np.empty(observer.size, np.int64)
    m = 0
    for i in range(observer.size):
        s, g = observer[i], target[i]
        if not hostile[i] or units.posture[s] != FRONT or units.strength[s] <= 0:
            continue
        if distance[i] > units.weapon_range[s] or distance[i] > reach_on(units, arsenal, s, g):
            continue
        key = s * n + g
        j = np.searchsorted(engaged, key)
        if j < engaged.size and engaged[j] == key:
            continue
        out[m] = i
        m += 1
    return out[:m]


@njit(cache=True)
def going(shooter, target, until, units, arsenal, t):
    """Engagements that go on (rules above)."""
    posture, strength = units.posture, units.strength
    out = np.zeros(shooter.size, np.bool_)
    for k in range(shooter.size):
        s, g = shooter[k], target[k]
        at_front = posture[s] == FRONT and strength[s] > 0
        fighting = posture[g] == FRONT and strength[g] > 0
        if at_front and fighting and t < until[k]:
            sx, sy = position(units, s)
            gx, gy = position(units, g)
            dist = np.hypot(gx - sx, gy - sy)
            out[k] = dist <= reach_on(units, arsenal, s, g)
    return out


@njit(cache=True)
def resume(keys, paused, t, resume_h):
    """The engagements ``keys`` (distinct pair keys: :func:`opening` gives each ordered
    pair of units once) about to open, looked up among those
    broken off: (:class:`Resumed` fields, the table without the entries used up)."""
    m = keys.size
    start = np.full(m, np.nan)
    until = np.full(m, np.inf)
    incident = np.full(m, -1, np.int64)
    told = np.zeros(m, np.bool_)
    broken_h = np.zeros(m)
    used = np.zeros(paused.key.size, np.bool_)
    for k in range(m):
        j = np.searchsorted(paused.key, keys[k])
        if j >= paused.key.size or paused.key[j] != keys[k]:
            continue
        used[j] = True
        if t - paused.ended[j] > resume_h:
            continue
        if t >= paused.until[j]:
            told[k] = True
            continue
        start[k], until[k], incident[k] = paused.start[j], paused.until[j], paused.incident[j]
        broken_h[k] = t - paused.ended[j]
    keep = ~used
    left = (paused.key[keep], paused.start[keep], paused.until[keep], paused.incident[keep],
            paused.ended[keep])
    return (start, until, incident, told, broken_h), left


@njit(cache=True)
def pause(paused, keys, start, until, incident, t, resume_h):
    """The table with the engagements ``keys`` (distinct) broken off at ``t`` added (an
    entry of the same pair replaced), and entries older than ``resume_h`` dropped."""
    order = np.argsort(keys, kind="mergesort")
    old, new = paused.key.size, keys.size
    out_key = np.empty(old + new, np.int64)
    out_start, out_until = np.empty(old + new), np.empty(old + new)
    out_incident, out_ended = np.empty(old + new, np.int64), np.empty(old + new)
    a = b = m = 0
    while a < old or b < new:
        take_new = b < new and (a >= old or keys[order[b]] <= paused.key[a])
        if take_new:
            k = order[b]
            if a < old and paused.key[a] == keys[k]:
                a += 1                                    # replaced
            out_key[m], out_start[m], out_until[m] = keys[k], start[k], until[k]
            out_incident[m], out_ended[m] = incident[k], t
            b += 1
            m += 1
        else:
            if t - paused.ended[a] <= resume_h:
                out_key[m], out_start[m], out_until[m] = (paused.key[a], paused.start[a],
                                                          paused.until[a])
                out_incident[m], out_ended[m] = paused.incident[a], paused.ended[a]
                m += 1
            a += 1
    return (out_key[:m], out_start[:m], out_until[:m], out_incident[:m], out_ended[:m])
