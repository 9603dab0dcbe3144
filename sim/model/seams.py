"""Seams: adjacent allied units of two nations tell each other where they are.

Rules (per step of ``dt`` hours):
- Two fighting units of allied nations joined by a liaison link, closer than
  the link's ``lateral_range_km``, exchange positions at a contact point
  (runners, a field telephone, a liaison at the seam) with P
  ``lateral_exchange_per_h`` per hour (1 - (1 - p)^dt per step), understood with
  the two nations' challenge probability (shared language or agreed signal).
- An exchange understood gives each unit a friend track of the other
  (:mod:`sim.model.tracks`), renewed at every exchange and kept, like any
  track, for ``track_memory_h`` after the last one: neighbours who talk know
  who is next to them.
- Units of one nation need no lateral link: they share their HQ's picture.
- Every step two such units spend within ``lateral_range_km`` of each other adds
  to their familiarity (:mod:`sim.model.tracks`): they learn to recognise each
  other, whether or not they exchange positions.
"""

from __future__ import annotations

import numpy as np

from sim.model import keyed, tracks
from sim.model.comms import Network
from sim.model.forces import Forces
from sim.model.sensing import Sensing
from sim.model.spatial import pairs_within
from sim.schema import Scenario


class Seams:
    """The lateral links of a scenario, as per-nation-pair tables."""

    def __init__(self, scenario: Scenario, forces: Forces, network: Network,
                 sensing: Sensing) -> None:
        h = len(forces.nation_names)
        index = {name: k for k, name in enumerate(forces.nation_names)}
        self.forces, self.network, self.sensing = forces, network, sensing
        self.memory_h = scenario.identification.track_memory_h
        #: rate[a, b]: P(per hour) adjacent units of nations a and b exchange positions
        self.rate = np.zeros((h, h))
        #: reach[a, b]: km, how close they must be
        self.reach = np.zeros((h, h))
        for link in scenario.links.values():
            a, b = index[link.a], index[link.b]
            for x, y in ((a, b), (b, a)):
                self.rate[x, y] = link.lateral_exchange_per_h
                self.reach[x, y] = link.lateral_range_km
        self.familiarity_h = scenario.identification.familiarity_h
        exchanging = bool((self.rate > 0).any()) and self.memory_h > 0
        self.active = bool((self.reach > 0).any()) and (exchanging or self.familiarity_h > 0)
        self.max_reach = float(self.reach.max(initial=0.0))

    def exchange(self, t: float, dt: float, rng: np.random.Generator) -> None:
        """This step at the seams: hours side by side, and friend tracks for the units that
        told each other where they are (rules above). A pair's two uniforms (exchange,
        understood) are keyed by the pair (:mod:`sim.model.keyed`)."""
        f = self.forces
        if not self.active:
            return
        units = np.flatnonzero(f.fighting)
        pairs = units[pairs_within(f.pos[units], self.max_reach)]
        if len(pairs) == 0:
            return
        a, b = pairs[:, 0], pairs[:, 1]
        key = keyed.keys(rng, 1)[0]
        u = keyed.block(keyed.pair_keys(key, a, b), 0, 2)
        na, nb = f.nation[a], f.nation[b]
        d = np.hypot(*(f.pos[a] - f.pos[b]).T)
        near = (d < self.reach[na, nb]) & (na != nb)
        if self.familiarity_h > 0:
            s = self.sensing
            s.familiarity = tracks.side_by_side(s.familiarity, np.concatenate([a[near], b[near]]),
                                                np.concatenate([b[near], a[near]]), f.n, dt)
        if self.memory_h <= 0:
            return
        p = 1.0 - (1.0 - self.rate[na, nb]) ** dt
        told = near & (u[0] < p) & (u[1] < self.network.challenge[na, nb])
        obs = np.concatenate([a[told], b[told]])
        tgt = np.concatenate([b[told], a[told]])
        self.sensing.tracks = tracks.remember(self.sensing.tracks, obs, tgt,
                                              np.full(obs.size, tracks.FRIEND), f.n, t,
                                              self.memory_h)


def allied_seams(forces: Forces) -> int:
    """How many seams the lay-down has: pairs of coalition units next to each other along
    the front (their front places sorted by y, at one x) that belong to different nations.
    Every unit counts, wherever it stands at the moment (the lay-down, not the battle).
    Per pair of nations: :func:`sim.model.laydown.seams_by_pair` (the run's laydown.json)."""
    coalition = np.flatnonzero(forces.coalition)
    if coalition.size < 2:
        return 0
    place = forces.front_place[coalition]
    order = np.lexsort((place[:, 0], place[:, 1]))
    nation = forces.nation[coalition][order]
    return int(np.count_nonzero(nation[1:] != nation[:-1]))
