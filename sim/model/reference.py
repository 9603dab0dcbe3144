"""Reference detection and identification: the slow, plain Mesa way.

This module is a second, deliberately simple implementation of the step in
:mod:`sim.model.sensing` (rules 1-6 of its module docstring). It follows the
mesa-frames pattern: implement a model twice, once plainly and once
vectorised, and check one against the other. The model never uses it; the
tests compare the two (``tests/model/test_reference.py``) and a benchmark
measures the speed-up of the fast step.

How it works, the way a Mesa tutorial would write it:

- The model's :class:`~sim.model.agents.Unit` agents are placed in a bounded
  :class:`mesa.space.ContinuousSpace` (not a torus) and moved to their current
  positions before each look (:meth:`ReferenceSensing.sync`).
- Each fighting unit, in order of its row index, asks the space for the
  agents within its sensor range; every fighting neighbour is a candidate
  contact, handled one pair at a time in plain Python.
- Correlation loops over the observer's HQ published picture entry by entry.

The rules, per ordered pair (observer i, target j) of fighting units with
distance d <= R_i (the observer's sensor range):

1. Detected when u0 < visibility x (1 - cover_j) x (1 - (d/R_i)^2).
2. Sensed at pos_j + sigma x (z1, z2), sigma = position_error_km x (1 + d/R_i)
   / visibility, (z1, z2) normal deviates from (u1, u2) by Box-Muller
   (``keyed.normal_pair``).
2a. Remembered when the model's track table (``model.sensing.tracks``) holds a
   track of (i, j) seen within ``track_memory_h``: judged as the track says
   (friend: not engaged; enemy: engaged), skipping rules 3-6.
3. Correlated when some entry of HQ(i)'s published picture is within
   ``gate_km`` of the sensed position, counting only entries for friends of
   the HQ that are current (observed at or after t - ``entry_expiry_h``) and
   whose unit is still alive. A correlated contact is never engaged.
4. Otherwise identified when v0 < training_i x markings_j x visibility x
   exp(-d / visual_range_km), or, for neighbours H hours side by side, when
   v0 < 1 - (1 - that) x exp(-H / familiarity_h); identification reveals the
   true side.
5. An unidentified contact closer than ``challenge_range_km`` is challenged;
   it fails unless it is a friend and v1 < challenge[nation_i, nation_j].
6. Engaged: an identified enemy; otherwise (unidentified) when v2 < p, with
   p per step = 1 - (1 - p_h)^dt of the observer's ROE: ``engage_failed_challenge``
   after a failed challenge, 0 after an answered one, else ``engage_forward``
   when sensed beyond the front line in the enemy's zone, else
   ``engage_unidentified``.

Random numbers (common random numbers, as in the fast step): u0, u1, u2 are
``_hash_uniform(cell ^ key_r)`` with ``cell = i * N + j`` and three keys drawn
from ``sense_rng``; v0, v1, v2 likewise with three keys from ``ident_rng``.

Boundary conventions, matched to the fast step: the sensor range includes
its edge (d <= R), the correlation gate excludes it (distance < gate, as
the fast step's picture index, ``sim.model.spatial.point_within``), and an observer with no sensor
range sees nothing. Two units at exactly the same point do see each other:
neighbours are asked for with ``include_center=True`` and the asking agent is
dropped, because ``include_center=False`` would also drop every *other*
agent standing on that point (see the note in Mesa's ``get_neighbors``).

Cost: each ``get_neighbors`` call scans every agent, so a look is O(N^2)
plus O(contacts x picture entries) for correlation, all in Python loops.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import mesa
import numpy as np

from sim.model.agents import Unit
from sim.model.forces import PATROL_RELAX_H
from sim.model.keyed import hash_uniform as _hash_uniform
from sim.model.keyed import keys as _keys
from sim.model.keyed import normal_pair as _normal_pair
from sim.model.sensing import Contacts

#: Padding of the space around every place a unit can be sent, km. Space size
#: costs nothing in a ContinuousSpace (neighbour search scans all agents).
PAD_KM = 1000.0
#: Padding in stationary patrol spreads (the wander is normal around its place).
PAD_SPREADS = 100.0


@dataclass(frozen=True)
class Decision:
    """Why one detected contact was judged as it was (for tests and inspection)."""

    observer: int
    target: int
    distance: float            # km
    seen_at: tuple[float, float]
    correlated: bool           # taken for a friend in the observer's HQ picture
    remembered: bool           # judged as the observer's track of the contact says
    identified: bool           # visual identification succeeded
    challenged: bool
    challenge_failed: bool
    hostile: bool              # judged hostile and engaged under the ROE


class ReferenceSensing:
    """Looks, correlates, identifies and applies the ROE one agent and one pair at a time.

    Places the model's Unit agents in a ``mesa.space.ContinuousSpace`` of its
    own (one ReferenceSensing per model: an agent is in one space at a time).

    Args:
        model: a :class:`~sim.model.model.CoalitionModel`; its forces, pictures,
            network (challenge probabilities) and scenario are read, never changed.
    """

    def __init__(self, model: mesa.Model) -> None:
        self.model = model
        self.forces = model.forces
        self.pictures = model.pictures
        self.network = model.network
        world = model.world
        self.scenario = world
        ident = world.identification
        self.gate_km = ident.gate_km
        self.position_error_km = ident.position_error_km
        self.visual_range_km = ident.visual_range_km
        self.challenge_range_km = ident.challenge_range_km
        self.entry_expiry_h = ident.entry_expiry_h
        self.track_memory_h = ident.track_memory_h
        self.familiarity_h = ident.familiarity_h
        self._familiar: dict[int, float] = {}
        self._now = 0.0
        self._tracks: dict[int, tuple[bool, float]] = {}
        self.front_x = world.front_line_x_km
        dt = world.dt_h
        #: per nation name: (engage_forward, engage_unidentified, engage_failed_challenge)
        #: as probabilities per step of dt hours
        self.roe = {name: tuple(1.0 - (1.0 - p) ** dt for p in (
                        nat.roe.engage_forward, nat.roe.engage_unidentified,
                        nat.roe.engage_failed_challenge))
                    for name, nat in world.nations.items()}
        self.units: list[Unit] = sorted((a for a in model.agents if isinstance(a, Unit)),
                                        key=lambda a: a.index)
        if [a.index for a in self.units] != list(range(self.forces.n)):
            raise ValueError("the model's Unit agents must name rows 0..N-1 of its forces")
        self.space = self._make_space()
        with warnings.catch_warnings():
            # Mesa warns when an agent placed in a space already has a ``pos``; a Unit's
            # ``pos`` is always its position in the unit table, which is where it goes
            warnings.filterwarnings("ignore", message="(?s).*already having the position")
            for agent in self.units:
                self.space.place_agent(agent, self._position(agent))
        #: the decisions of the last look, in the order of its contacts
        self.decisions: list[Decision] = []

    def _make_space(self) -> mesa.space.ContinuousSpace:
        """A bounded space holding every place a unit can be sent and any patrol wander."""
        f = self.forces
        pts = np.concatenate([f.front_place, f.rear_place, f.pos]).reshape(-1, 2)
        spread = float(f.patrol.max(initial=0.0)) * math.sqrt(PATROL_RELAX_H / 2)
        pad = PAD_KM + PAD_SPREADS * spread
        lo = pts.min(axis=0, initial=0.0) - pad
        hi = pts.max(axis=0, initial=0.0) + pad
        return mesa.space.ContinuousSpace(float(hi[0]), float(hi[1]), torus=False,
                                          x_min=float(lo[0]), y_min=float(lo[1]))

    def _position(self, agent: Unit) -> tuple[float, float]:
        x, y = self.forces.pos[agent.index]
        return float(x), float(y)

    def sync(self) -> None:
        """Move every agent in the space to its unit's current position."""
        for agent in self.units:
            self.space.move_agent(agent, self._position(agent))

    def visibility(self, t: float) -> float:
        """1 by day; ``night_visibility`` during the ``night_hours`` centred on midnight."""
        env = self.scenario.environment
        hour = t % 24.0
        half = env.night_hours / 2.0
        night = hour < half or hour >= 24.0 - half
        return env.night_visibility if night else 1.0

    def look(self, t: float, sense_rng: np.random.Generator,
             ident_rng: np.random.Generator) -> Contacts:
        """All contacts detected at time ``t`` (h), judged under rules 1-6 above.

        Syncs the space first. Returns contacts sorted by observer then target;
        the reasons are kept in :attr:`decisions`.
        """
        self.sync()
        self._now = t
        familiar = self.model.sensing.familiarity
        self._familiar = dict(zip(familiar.key.tolist(), familiar.hours.tolist(), strict=True))
        tracks = self.model.sensing.tracks
        self._tracks = dict(zip(tracks.key.tolist(), zip(tracks.friend.tolist(),
                                                         tracks.seen_h.tolist(), strict=True),
                                strict=True))
        f = self.forces
        n = f.n
        fighting = f.fighting
        vis = self.visibility(t)
        sense_keys = list(_keys(sense_rng, 3))     # drawn as the fast step draws them
        ident_keys = list(_keys(ident_rng, 3))
        entries = self._usable_entries(t)
        self.decisions = []
        for agent in self.units:
            i = agent.index
            reach = float(f.sensor_range[i])
            if not fighting[i] or reach <= 0.0:
                continue
            around = self.space.get_neighbors(agent.pos, radius=reach, include_center=True)
            for other in sorted(around, key=lambda a: a.index):
                j = other.index
                if other is agent or not fighting[j]:
                    continue
                d = self.space.get_distance(agent.pos, other.pos)
                u = _uniforms(sense_keys, i * n + j)
                p_detect = vis * (1 - float(f.cover[j])) * (1 - (d / reach) ** 2)
                if not u[0] < p_detect:
                    continue
                sigma = self.position_error_km * (1 + d / reach) / max(vis, 1e-6)
                z1, z2 = _normal_pair(float(u[1]), float(u[2]))
                seen_at = (other.pos[0] + z1 * sigma, other.pos[1] + z2 * sigma)
                self.decisions.append(self._judge(
                    agent, other, d, seen_at, vis, entries[int(f.nation[i])],
                    _uniforms(ident_keys, i * n + j)))
        return _contacts(self.decisions)

    def _usable_entries(self, t: float) -> list[list[tuple[float, float]]]:
        """Per HQ: positions of the published entries a contact can correlate with."""
        f, p = self.forces, self.pictures
        out = []
        for h in range(p.member.shape[0]):
            rows = []
            for j in range(f.n):
                current = p.published.time[h, j] >= t - self.entry_expiry_h
                if p.member[h, j] and current and f.strength[j] > 0:
                    rows.append((float(p.published.pos[h, j, 0]),
                                 float(p.published.pos[h, j, 1])))
            out.append(rows)
        return out

    def _judge(self, agent: Unit, other: Unit, d: float, seen_at: tuple[float, float],
               vis: float, entries: list[tuple[float, float]], v: np.ndarray) -> Decision:
        """Correlate, identify, challenge and apply the observer's ROE (rules 3-6)."""
        f = self.forces
        i, j = agent.index, other.index
        friend = bool(f.coalition[i] == f.coalition[j])
        track = self._track(i, j)
        if track is not None:
            return Decision(i, j, d, seen_at, False, True, False, False, False, not track)
        correlated = any(math.hypot(seen_at[0] - x, seen_at[1] - y) < self.gate_km
                         for x, y in entries)
        identified = challenged = failed = hostile = False
        if not correlated:
            observer = self.scenario.nations[agent.nation]
            target = self.scenario.nations[other.nation]
            p_identify = (observer.training * target.markings * vis
                          * math.exp(-d / max(self.visual_range_km, 1e-9)))
            hours = self._familiar.get(i * self.forces.n + j, 0.0)
            if self.familiarity_h > 0 and hours > 0:
                p_identify = 1.0 - (1.0 - p_identify) * math.exp(-hours / self.familiarity_h)
            identified = bool(v[0] < p_identify)
            if identified:
                hostile = not friend
            else:
                challenged = d < self.challenge_range_km
                understood = v[1] < self.network.challenge[f.nation[i], f.nation[j]]
                failed = challenged and not (friend and understood)
                forward_p, unidentified_p, failed_p = self.roe[agent.nation]
                if failed:
                    p_engage = failed_p
                elif challenged:
                    p_engage = 0.0
                else:
                    beyond = (seen_at[0] > self.front_x if f.coalition[i]
                              else seen_at[0] < self.front_x)
                    p_engage = forward_p if beyond else unidentified_p
                hostile = bool(v[2] < p_engage)
        return Decision(i, j, d, seen_at, correlated, False, identified, challenged,
                        bool(failed), hostile)

    def _track(self, i: int, j: int) -> bool | None:
        """The observer's track of the contact: True (friend), False (enemy), or None when
        it keeps none that is still remembered."""
        friend, seen = self._tracks.get(i * self.forces.n + j, (None, -math.inf))
        return friend if self._now - seen < self.track_memory_h else None


def _uniforms(keys: list[np.uint64], cell: int) -> np.ndarray:
    """The pair's uniforms, one per key: ``_hash_uniform(cell ^ key)``."""
    return _hash_uniform(np.array([np.uint64(cell) ^ key for key in keys], dtype=np.uint64))


def _contacts(decisions: list[Decision]) -> Contacts:
    """Contacts (arrays) from decisions already in observer-then-target order."""
    return Contacts(
        observer=np.array([x.observer for x in decisions], dtype=np.int64),
        target=np.array([x.target for x in decisions], dtype=np.int64),
        distance=np.array([x.distance for x in decisions], dtype=float),
        seen_at=np.array([x.seen_at for x in decisions], dtype=float).reshape(-1, 2),
        hostile=np.array([x.hostile for x in decisions], dtype=bool),
        challenge_failed=np.array([x.challenge_failed for x in decisions], dtype=bool),
    )
