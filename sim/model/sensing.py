"""Detection and identification: from a sensor look to a decision to fire.

Rules, for every observer-contact pair within the observer's sensor range (pairs found
with a cell list per step, :func:`sim.model.spatial.pairs_within`, then handled in one
compiled numba kernel; :mod:`sim.model.reference` is the same step written the plain
Mesa way, and the tests check the two agree contact for contact):
1. Detection: P = visibility x (1 - target cover) x (1 - (d/R)^2), with R the
   observer's sensor range and visibility 1 by day, ``night_visibility`` at night.
2. The contact's position carries an error, normal per axis with standard
   deviation ``position_error_km`` x (1 + d/R) / visibility.
2a. Memory: a detected contact that the observer keeps a track of
   (:mod:`sim.model.tracks`: identified before, seen within ``track_memory_h``)
   is judged as the track says (friend: not engaged; enemy: engaged) and
   skips rules 3-6.
3. Correlation: a contact within ``gate_km`` of a current friend entry of the
   observer's HQ picture is taken for that friend and not engaged (an enemy
   there is a missed engagement).
4. Visual identification of an uncorrelated contact succeeds with
   P = training(observer) x markings(target) x visibility x exp(-d/visual_range);
   success reveals the true side. Between neighbours that have spent H hours
   side by side (:mod:`sim.model.seams`) it fails with that chance times
   exp(-H / ``familiarity_h``).
5. An unidentified contact closer than ``challenge_range_km`` is challenged:
   an enemy fails it; a friend answers, understood with the nations'
   challenge probability (shared language or agreed signal).
6. Rules of engagement: an identified enemy is engaged; a failed challenge is
   engaged with P ``engage_failed_challenge``; an unidentified, unchallenged
   contact with P ``engage_forward`` if it is beyond the front line in the
   enemy's zone (presumed hostile), else ``engage_unidentified``. These are
   per hour of observation: over a step of dt hours P = 1 - (1 - p)^dt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from sim.model import tracks, views
from sim.model.comms import Network
from sim.model.forces import Forces, position
from sim.model.keyed import keys as _keys
from sim.model.keyed import normal_pair as _normal_pair
from sim.model.keyed import uniform as _uniform
from sim.model.pictures import Pictures
from sim.model.spatial import pairs_within, point_within
from sim.schema import Scenario


@dataclass
class Contacts:
    """Detected contacts of one step (arrays of one length, sorted by observer then target)."""

    observer: np.ndarray
    target: np.ndarray
    distance: np.ndarray
    seen_at: np.ndarray           # (M, 2) contact position as sensed, km
    hostile: np.ndarray           # judged hostile and cleared to engage under the ROE
    challenge_failed: np.ndarray  # a challenge was made and failed
    #: identity as judged this step (sim.model.tracks: UNKNOWN, FRIEND, ENEMY)
    identity: np.ndarray | None = None

    def __len__(self) -> int:
        return self.observer.size


def visibility(t: float, scenario: Scenario) -> float:
    """Detection and identification factor at time ``t`` (h): 1 by day, lower at night."""
    env = scenario.environment
    hour = t % 24.0
    half = env.night_hours / 2.0
    night = hour < half or hour >= 24.0 - half
    return env.night_visibility if night else 1.0


class LookRules(NamedTuple):
    """What the look kernel needs besides the unit table: this step's conditions and rules."""

    visibility: float        # 1 by day, ``night_visibility`` at night
    position_error: float    # km, sensor error per axis at zero range by day
    gate: float              # km, correlation gate
    visual_range: float      # km, range scale of visual identification
    challenge_range: float   # km
    front_x: float           # km, the front line
    current_since: float     # h, a picture entry observed before this is not current
    challenge: np.ndarray    # (H, H), P(a challenge between two nations' soldiers is understood)
    keys: np.ndarray         # uint64 (6,), the step's hash keys: 3 sensing, 3 identification
    now: float               # h, the time of the look
    track_memory: float      # h, a track not renewed for this long is forgotten
    familiarity_h: float     # h, scale of familiarity between neighbours (0: none)
    familiarity: tracks.Familiarity  # hours each pair of neighbours spent side by side


#: the look kernel takes the rules as a view (one reference, :mod:`sim.model.views`)
LookRulesViewType, LookRulesView = views.define(LookRules, __name__)


class Sensing:
    """Looks, correlates, identifies and applies the ROE for every unit at once."""

    def __init__(self, scenario: Scenario, forces: Forces, pictures: Pictures,
                 network: Network) -> None:
        self.scenario = scenario
        self.ident = scenario.identification
        self.forces = forces
        self.pictures = pictures
        self.network = network
        self.front_x = scenario.front_line_x_km
        self.max_range = float(forces.sensor_range.max(initial=0.0))
        #: every unit's tracks of contacts it has identified (contact memory)
        self.tracks = tracks.empty()
        #: hours each pair of allied neighbours has spent side by side (sim.model.seams)
        self.familiarity = tracks.no_familiarity()

    def look(self, t: float, sense_rng: np.random.Generator,
             ident_rng: np.random.Generator) -> Contacts:
        """All contacts detected this step, with the identification decision for each."""
        f = self.forces
        active = np.flatnonzero(f.fighting)
        if active.size < 2 or self.max_range <= 0:
            return _no_contacts()
        pairs = pairs_within(f.pos[active], self.max_range)
        index, since = self.pictures.friend_index()
        rules = LookRules(
            visibility=visibility(t, self.scenario), position_error=self.ident.position_error_km,
            gate=self.ident.gate_km, visual_range=max(self.ident.visual_range_km, 1e-9),
            challenge_range=self.ident.challenge_range_km, front_x=self.front_x,
            current_since=since, challenge=self.network.challenge,
            keys=np.concatenate([_keys(sense_rng, 3), _keys(ident_rng, 3)]),
            now=t, track_memory=self.ident.track_memory_h,
            familiarity_h=self.ident.familiarity_h, familiarity=self.familiarity)
        obs, tgt, d, seen_at, hostile, failed, identity = _look(
            active[pairs], f.view, views.view_of(rules), index, self.tracks)
        return Contacts(obs, tgt, d, seen_at, hostile, failed, identity)

    def remember(self, t: float, contacts: Contacts) -> None:
        """Renew or add the tracks of the contacts identified in this step's look, and
        forget tracks not renewed for ``track_memory_h`` (:mod:`sim.model.tracks`)."""
        if contacts.identity is None:
            return
        self.tracks = tracks.remember(self.tracks, contacts.observer, contacts.target,
                                      contacts.identity, self.forces.n, t,
                                      self.ident.track_memory_h)


def first_per_observer(ok: np.ndarray, c: Contacts) -> np.ndarray:
    """Of the contacts where ``ok`` holds, each observer's nearest (ties: lowest target
    index), in observer order."""
    return _nearest_per_observer(c.observer, c.target, c.distance, ok)


@njit(cache=True)
def _nearest_per_observer(observer, target, distance, ok):
    out = np.empty(observer.size, np.int64)
    k = 0
    for i in range(observer.size):       # contacts are sorted by observer, then target
        if not ok[i]:
            continue
        if k > 0 and observer[out[k - 1]] == observer[i]:
            if distance[i] < distance[out[k - 1]]:
                out[k - 1] = i
        else:
            out[k] = i
            k += 1
    return out[:k]


def _no_contacts() -> Contacts:
    empty = np.zeros(0, np.int64)
    return Contacts(empty, empty, np.zeros(0), np.zeros((0, 2)), np.zeros(0, bool),
                    np.zeros(0, bool), np.zeros(0, np.int64))


@njit(cache=True)
def _look(pairs, units, rules, index, tracks):
    """Rules 1-6 for both directions of every unordered pair (i, j) of units within the
    largest sensor range, a remembered contact judged as its track says; contacts come
    out sorted by observer, then target, with the identity each was judged to have."""
    sensor_range, keys, vis = units.sensor_range, rules.keys, rules.visibility
    n = sensor_range.size
    m = pairs.shape[0]
    obs = np.empty(2 * m, np.int64)
    tgt = np.empty(2 * m, np.int64)
    dist = np.empty(2 * m)
    k = 0
    for p in range(m):                   # rule 1: detection
        a, b = pairs[p, 0], pairs[p, 1]
        ax, ay = position(units, a)
        bx, by = position(units, b)
        d = math.hypot(bx - ax, by - ay)
        for o, t in ((a, b), (b, a)):
            r = sensor_range[o]
            if d > r:
                continue
            p_det = vis * (1 - units.cover[t]) * (1 - (d / r) ** 2)
            if _uniform(_cell(o, t, n) ^ keys[0]) < p_det:
                obs[k], tgt[k], dist[k] = o, t, d
                k += 1
    order = _by_observer_then_target(obs[:k], tgt[:k], n)
    obs, tgt, dist = obs[order], tgt[order], dist[order]
    seen_at = np.empty((k, 2))
    hostile = np.zeros(k, np.bool_)
    failed = np.zeros(k, np.bool_)
    identity = np.full(k, -1, np.int64)               # UNKNOWN
    for i in range(k):
        o, t, d = obs[i], tgt[i], dist[i]
        cell = _cell(o, t, n)
        # rule 2: the sensed position's error grows with range and darkness
        sigma = rules.position_error * (1 + d / sensor_range[o]) / max(vis, 1e-6)
        z1, z2 = _normal_pair(_uniform(cell ^ keys[1]), _uniform(cell ^ keys[2]))
        tx, ty = position(units, t)
        seen_at[i, 0] = tx + z1 * sigma
        seen_at[i, 1] = ty + z2 * sigma
        # rule 2a: a contact the observer keeps a track of is judged as the track says
        j = np.searchsorted(tracks.key, o * n + t)
        if j < tracks.key.size and tracks.key[j] == o * n + t and \
                rules.now - tracks.seen_h[j] < rules.track_memory:
            identity[i] = 0 if tracks.friend[j] else 1
            hostile[i] = not tracks.friend[j]
            continue
        # rule 3: taken for the friend the observer's HQ picture shows there
        if point_within(units.nation[o], seen_at[i, 0], seen_at[i, 1], rules.gate,
                        rules.current_since, index):
            identity[i] = 0
            continue
        hostile[i], failed[i], identity[i] = _judge(o, t, d, seen_at[i, 0], units, rules)
    return obs, tgt, dist, seen_at, hostile, failed, identity


@njit(cache=True, inline="always")
def _judge(o, t, d, seen_x, units, rules):
    """Rules 4-6 for an uncorrelated contact of observer ``o`` on target ``t`` at distance
    ``d`` km, sensed at x = ``seen_x``: (judged hostile, challenge failed, identity)."""
    keys, vis = rules.keys, rules.visibility
    cell = _cell(o, t, units.nation.size)
    friend = units.coalition[o] == units.coalition[t]
    p_vid = units.training[o] * units.markings[t] * vis * math.exp(-d / rules.visual_range)
    if rules.familiarity_h > 0:                   # neighbours learn to recognise each other
        familiarity = rules.familiarity
        key = o * units.nation.size + t
        j = np.searchsorted(familiarity.key, key)
        if j < familiarity.key.size and familiarity.key[j] == key:
            p_vid = 1.0 - (1.0 - p_vid) * math.exp(-familiarity.hours[j] / rules.familiarity_h)
    if _uniform(cell ^ keys[3]) < p_vid:          # identified: its true side is seen
        return not friend, False, 0 if friend else 1
    if d < rules.challenge_range:                  # challenged
        if friend and _uniform(cell ^ keys[4]) < rules.challenge[units.nation[o],
                                                                 units.nation[t]]:
            return False, False, 0                 # answered: a friend
        return _uniform(cell ^ keys[5]) < units.engage_failed[o], True, -1
    # beyond the front line, seen from the observer's side: the enemy's zone
    forward = seen_x > rules.front_x if units.coalition[o] else seen_x < rules.front_x
    p_engage = units.engage_forward[o] if forward else units.engage_unidentified[o]
    return _uniform(cell ^ keys[5]) < p_engage, False, -1


@njit(cache=True)
def _by_observer_then_target(obs, tgt, n):
    """Stable order of contacts by observer, then target (a counting sort)."""
    start = np.zeros(n + 1, np.int64)
    for o in obs:
        start[o + 1] += 1
    start = np.cumsum(start)
    order = np.empty(obs.size, np.int64)
    fill = start[:-1].copy()
    for i in range(obs.size):
        order[fill[obs[i]]] = i
        fill[obs[i]] += 1
    for o in range(n):                             # few contacts per observer
        for a in range(start[o] + 1, start[o + 1]):
            j = a
            while j > start[o] and tgt[order[j - 1]] > tgt[order[j]]:
                order[j - 1], order[j] = order[j], order[j - 1]
                j -= 1
    return order


@njit(cache=True, inline="always")
def _cell(o, t, n):
    return np.uint64(o) * np.uint64(n) + np.uint64(t)
