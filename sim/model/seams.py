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
from numba import njit

from sim.model import keyed, tracks
from sim.model.comms import Network
from sim.model.forces import Forces, position
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
        key = keyed.keys(rng, 1)[0]
        near_obs, near_tgt, told_obs, told_tgt = _at_the_seams(
            pairs, f.view, self.reach, 1.0 - (1.0 - self.rate) ** dt, self.network.challenge,
            key)
        if self.familiarity_h > 0:
            s = self.sensing
            s.familiarity = tracks.side_by_side(s.familiarity, near_obs, near_tgt, f.n, dt)
        if self.memory_h <= 0:
            return
        self.sensing.tracks = tracks.remember(self.sensing.tracks, told_obs, told_tgt,
                                              np.full(told_obs.size, tracks.FRIEND), f.n, t,
                                              self.memory_h)


@njit(cache=True)
def _at_the_seams(pairs, units, reach, p_exchange, challenge, key):
    """For the pairs (a, b) of fighting units (rows of ``pairs``), by the rules above: the
    pairs of units of two nations closer than their link's ``reach`` (near), and those of
    them that exchanged positions this step (with P ``p_exchange`` of their nations, the
    pair's uniform 0) and understood each other (with P ``challenge``, uniform 1; the
    pair's uniforms keyed ``pair_key(key, a, b)``). Each comes out in both directions,
    (observer, target): first every (a, b), then every (b, a), in row order."""
    nation = units.nation
    m = pairs.shape[0]
    near = np.zeros(m, np.bool_)
    told = np.zeros(m, np.bool_)
    for i in range(m):
        a, b = pairs[i, 0], pairs[i, 1]
        na, nb = nation[a], nation[b]
        ax, ay = position(units, a)
        bx, by = position(units, b)
        near[i] = np.hypot(ax - bx, ay - by) < reach[na, nb] and na != nb
        if near[i]:
            pair = keyed.pair_key(key, a, b)
            told[i] = (keyed.uniform(keyed.mix(pair, 0)) < p_exchange[na, nb]
                       and keyed.uniform(keyed.mix(pair, 1)) < challenge[na, nb])
    return _both_ways(pairs, near) + _both_ways(pairs, told)


@njit(cache=True)
def _both_ways(pairs, keep):
    """The pairs kept, as (observer, target): every (a, b), then every (b, a)."""
    k = int(keep.sum())
    obs = np.empty(2 * k, np.int64)
    tgt = np.empty(2 * k, np.int64)
    j = 0
    for i in range(pairs.shape[0]):
        if keep[i]:
            obs[j], tgt[j] = pairs[i, 0], pairs[i, 1]
            obs[k + j], tgt[k + j] = pairs[i, 1], pairs[i, 0]
            j += 1
    return obs, tgt


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
