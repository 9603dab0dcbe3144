"""Command and communication: the HQ network, messages, interpreter queues.

Rules (units: hours, probabilities per message):
- Each nation has one HQ. A unit reports its position to its HQ every
  ``report_interval_h`` over its own radio (``report_delivery`` times
  ``1 - jamming``; latency exponential with mean ``report_latency_h``).
- HQs of allied nations exchange reports over liaison links (a graph, routed
  by networkx shortest path, so a report may cross a third HQ). Each link
  hop: delivered with ``delivery * (1 - jamming)``, latency exponential with
  mean ``latency_h``.
- Across a language barrier a message is translated by the link's pool of
  interpreters and liaison officers if the pool renders it better than the
  staffs' best shared language. One pool serves the link in both directions:
  its capacity (messages/h, interpreters' and officers' together) is shared by
  the traffic both ways, first come first served, and a message that would
  wait longer than ``max_queue_h`` is turned away. A misunderstood message
  (P = 1 - comprehension) is noticed and dropped with P ``garble_noticed``,
  otherwise it arrives garbled: its grid is off by an exponential distance of
  mean ``garble_error_km`` in a random direction.
- Messages are acknowledged: one lost on a hop, turned away by a pool, or
  misunderstood and noticed is sent again after ``messaging.retry_h``, up to
  ``messaging.max_attempts`` sends, each using the radios and the pools again
  (:mod:`sim.model.routing`).
- Allied nations on the same radio system (``nations.<N>.radio``; for a nation whose
  groups are embedded in another nation's, the host's: :mod:`sim.model.laydown`) share a net:
  their units' reports go straight to each other's HQs as data over it
  (``common_net.delivery`` times ``1 - jamming``, latency exponential with mean
  ``common_net.latency_h``; no liaison link and no translation: a digital
  position report needs no language).
- Challenges between soldiers of two nations are understood with the best of
  their shared-language proficiency and the link's agreed signal.
- Counterfactual parts (:mod:`sim.model.ideal`): under ``perfect_reports`` every
  message arrives at once, never lost or queued (garbled only across a language
  barrier); under ``no_language_barrier`` every hop and challenge is understood and
  nothing is translated. Both together (``perfect_comms``): every message is
  delivered at once and understood.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from numba import njit

from sim.model import laydown
from sim.model.ideal import AS_IS, Idealised
from sim.model.routing import Messages, PoolLoad, RouteTable, send_along_routes
from sim.schema import LiaisonLink, Messaging, Scenario


def shared_proficiency(a: dict[str, float], b: dict[str, float]) -> float:
    """Best common language between two speakers: max over languages of the weaker proficiency."""
    common = sorted(set(a) & set(b))
    return max((min(a[lang], b[lang]) for lang in common), default=0.0)


@dataclass(frozen=True, eq=False)
class Hop:
    """One directed hop of a route: a liaison link used from one HQ to another.

    ``pool`` is the index of the link's translation pool (``Network.pools``), shared by
    both directions, or -1 when the hop is not translated (the staffs' shared language
    does at least as well, or the link has no interpreters or liaison officers).
    """

    delivery: float
    latency_h: float
    comprehension: float
    pool: int

    @property
    def translated(self) -> bool:
        return self.pool >= 0


@dataclass(frozen=True)
class Pool:
    """The interpreters and liaison officers of one link: both directions queue at it."""

    link: str
    capacity_per_h: float      # messages per hour, interpreters' and officers' together
    max_queue_h: float


@njit(cache=True)
def garble_point(x: float, y: float, u1: float, u2: float, error_km: float):
    """A grid as misunderstood: (x, y) moved by an exponential distance of mean
    ``error_km`` in a uniformly random direction (``u1``, ``u2``: uniforms in [0, 1))."""
    dist = -error_km * np.log1p(-u1)
    angle = 2 * np.pi * u2
    return x + dist * np.cos(angle), y + dist * np.sin(angle)


def _pool_of(link: LiaisonLink) -> tuple[float, float]:
    """(capacity, messages/h; comprehension) of a link's pool of interpreters and officers."""
    rate_i = link.interpreters * link.messages_per_interpreter_h
    rate_o = link.liaison_officers * link.messages_per_officer_h
    capacity = rate_i + rate_o
    quality = ((rate_i * link.interpreter_proficiency + rate_o * link.liaison_proficiency)
               / capacity if capacity > 0 else 0.0)
    return capacity, quality


def garbled_at_once(comprehension: float, noticed: float) -> float:
    """P(a message delivered at once is garbled on a hop of ``comprehension``) when every
    noticed misunderstanding (P ``noticed``) is asked again at once until the message is
    understood or misunderstood unnoticed (``perfect_reports``, :mod:`sim.model.ideal`);
    1 where nothing is understood and every misunderstanding is noticed."""
    unnoticed = (1.0 - comprehension) * (1.0 - noticed)
    settled = comprehension + unnoticed
    return unnoticed / settled if settled > 0 else 1.0


def radio_hop(p_through: np.ndarray, latency_h: np.ndarray, messaging: Messaging,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One radio hop per message (a unit and its HQ), repeated until acknowledged: the first
    of ``messaging.max_attempts`` sends that gets through (each with P ``p_through``)
    arrives after ``retry_h`` per failed send plus an exponential latency of mean
    ``latency_h`` (a message that never gets through: the first send's). Returns
    (through, delay h); draws 2 x max_attempts uniforms per message (arrays of one length).
    """
    k = messaging.max_attempts
    u = rng.random((2 * k, np.size(p_through)))
    return first_through(u, np.asarray(p_through, float), np.asarray(latency_h, float),
                          messaging.retry_h)


@njit(cache=True)
def first_through(u, p_through, latency_h, retry_h):
    """Kernel of :func:`radio_hop`: send a of message i gets through when ``u[a, i]`` is
    below its ``p_through``; its latency is drawn from ``u[k + a, i]`` (k sends)."""
    k, n = u.shape[0] // 2, u.shape[1]
    through = np.zeros(n, np.bool_)
    delay = np.empty(n)
    for i in range(n):
        first = 0
        for a in range(k):
            if u[a, i] < p_through[i]:
                first = a
                through[i] = True
                break
        delay[i] = first * retry_h + -latency_h[i] * np.log1p(-u[k + first, i])
    return through, delay


@dataclass
class Delivery:
    """Outcome of sending messages: arrival time, delivered, garbled (arrays of one length).

    For a message that is not delivered, ``arrive`` is when its last attempt would have
    arrived had every hop delivered it (each hop's latency, without translation queues).
    ``attempts`` counts the sends (1 = delivered, or given up, at the first).
    """

    arrive: np.ndarray
    delivered: np.ndarray
    garbled: np.ndarray
    attempts: np.ndarray


class Network:
    """HQs as nodes, liaison links and shared radio nets as routes; sends messages."""

    def __init__(self, scenario: Scenario, ideal: Idealised = AS_IS) -> None:
        #: the parts of communication made perfect (:mod:`sim.model.ideal`)
        self.ideal = ideal
        fluent = ideal.no_language_barrier
        self.nations = list(scenario.nations)
        self.jamming = scenario.environment.jamming
        self.garble_noticed = scenario.identification.garble_noticed
        self.garble_error_km = scenario.identification.garble_error_km
        self.messaging = scenario.messaging
        h = len(self.nations)
        nat = scenario.nations
        graph = nx.Graph()
        graph.add_nodes_from(range(h))
        self._hops: dict[tuple[int, int], Hop] = {}
        #: the translation pools, one per link that translates (both directions share it)
        self.pools: list[Pool] = []
        for name in sorted(scenario.links):
            link = scenario.links[name]
            a, b = self.nations.index(link.a), self.nations.index(link.b)
            graph.add_edge(a, b)
            shared = shared_proficiency(nat[link.a].languages, nat[link.b].languages)
            capacity, quality = _pool_of(link)
            pool = -1
            if capacity > 0 and quality > shared:
                pool = len(self.pools)
                self.pools.append(Pool(name, capacity, link.max_queue_h))
            for x, y in ((a, b), (b, a)):
                if fluent:                   # understood as it is: no pool translates it
                    self._hops[(x, y)] = Hop(link.delivery, link.latency_h, 1.0, -1)
                else:
                    self._hops[(x, y)] = Hop(link.delivery, link.latency_h,
                                             quality if pool >= 0 else shared, pool)
        self.net = scenario.common_net
        #: direct[a, b]: a and b are allies on the same radio system, so reports from a's
        #: units reach HQ b straight over their shared net (a nation whose groups are
        #: embedded in another's reports over the host's net: sim/model/laydown.py)
        radio = laydown.radios(scenario)
        self.direct = np.array([[a != b and nat[x].side == nat[y].side
                                 and radio[x] == radio[y]
                                 for b, y in enumerate(self.nations)]
                                for a, x in enumerate(self.nations)], dtype=bool).reshape(h, h)
        self.routes: dict[tuple[int, int], list[Hop] | None] = {}
        for a in range(h):
            for b in range(h):
                if a == b or self.direct[a, b]:
                    self.routes[(a, b)] = []
                elif nx.has_path(graph, a, b):
                    path = nx.shortest_path(graph, a, b)
                    self.routes[(a, b)] = [self._hops[(u, v)] for u, v in zip(path, path[1:],
                                                                               strict=False)]
                else:
                    self.routes[(a, b)] = None
        #: challenge[a, b]: P(a challenge between soldiers of nations a and b is understood)
        self.challenge = np.ones((h, h))
        for a in range(h):
            for b in range(h):
                if a != b and not fluent:
                    spoken = shared_proficiency(nat[self.nations[a]].languages,
                                                nat[self.nations[b]].languages)
                    self.challenge[a, b] = max(spoken, self._agreed_signal(scenario, a, b))
        self.no_route = np.array([[self.routes[(a, b)] is None for b in range(h)]
                                  for a in range(h)])
        self._index_routes(h)

    def _index_routes(self, h: int) -> None:
        """Routes as arrays (:class:`RouteTable`), so messages on many routes are sent in one
        batch."""
        self.hop_list: list[Hop] = list(self._hops.values())
        ids = {id(hop): k for k, hop in enumerate(self.hop_list)}
        longest = max((len(r) for r in self.routes.values() if r), default=0)
        route_hops = np.full((h, h, max(longest, 1)), -1, np.int64)
        route_len = np.full((h, h), -1, np.int64)
        for (a, b), route in self.routes.items():
            if route is not None:
                route_len[a, b] = len(route)
                route_hops[a, b, :len(route)] = [ids[id(hop)] for hop in route]
        self.longest_route = longest
        hops, pools = self.hop_list, self.pools
        self.table = RouteTable(
            route_len=route_len, route_hops=route_hops, direct=self.direct,
            hop_delivery=np.array([hop.delivery for hop in hops], dtype=float)
            * (1 - self.jamming),
            hop_latency=np.array([hop.latency_h for hop in hops], dtype=float),
            hop_comprehension=np.array([hop.comprehension for hop in hops], dtype=float),
            hop_pool=np.array([hop.pool for hop in hops], dtype=np.int64),
            pool_per_message=np.array([1.0 / p.capacity_per_h for p in pools], dtype=float),
            pool_max_queue=np.array([p.max_queue_h for p in pools], dtype=float),
            net_delivery=self.net.delivery * (1 - self.jamming),
            net_latency=self.net.latency_h, garble_noticed=self.garble_noticed,
            max_attempts=self.messaging.max_attempts, retry_h=self.messaging.retry_h)
        self._index_check_fire(h)
        self._index_garbling(h)
        #: every pool's queue and how much it has translated or turned away so far
        self.load = PoolLoad(np.zeros(len(pools)), np.zeros(len(pools), np.int64),
                             np.zeros(len(pools), np.int64))

    def _index_garbling(self, h: int) -> None:
        """The chances that a message delivered at once (``perfect_reports``) is garbled:
        ``garble_at_once[k]`` on hop k, ``route_garble_at_once[a, b]`` on any hop of the
        route from a's units to HQ b (0 with no hop: own HQ, a shared net, no route)."""
        self.garble_at_once = np.array(
            [garbled_at_once(hop.comprehension, self.garble_noticed) for hop in self.hop_list],
            dtype=float)
        self.route_garble_at_once = np.zeros((h, h))
        t = self.table
        for a in range(h):
            for b in range(h):
                hops = t.route_hops[a, b, :max(t.route_len[a, b], 0)]
                self.route_garble_at_once[a, b] = 1.0 - float(np.prod(
                    1.0 - self.garble_at_once[hops]))

    def _index_check_fire(self, h: int) -> None:
        """check_fire_through[a, b]: P(one send of a check-fire call crosses from HQ a to HQ b)
        on the priority channel: every hop delivers and understands it, no queue. Under
        ``perfect_reports`` every hop delivers it (even with no route), so only
        comprehension is left."""
        at_once = self.ideal.perfect_reports
        self.check_fire_through = np.zeros((h, h))
        for (a, b), path in self.routes.items():
            if path is None:
                if at_once:
                    self.check_fire_through[a, b] = 1.0
                continue
            if self.direct[a, b]:
                self.check_fire_through[a, b] = (1.0 if at_once
                                                 else self.net.delivery * (1 - self.jamming))
            else:
                self.check_fire_through[a, b] = float(np.prod(
                    [(1.0 if at_once else hop.delivery * (1 - self.jamming))
                     * hop.comprehension for hop in path]))

    def _agreed_signal(self, scenario: Scenario, a: int, b: int) -> float:
        names = {self.nations[a], self.nations[b]}
        return max((lk.challenge_signal for lk in scenario.links.values()
                    if {lk.a, lk.b} == names), default=0.0)

    @property
    def block_rows(self) -> int:
        """The uniforms :meth:`send_batch` draws per message (rows of its block ``u``)."""
        return self.messaging.max_attempts * 4 * max(self.longest_route, 1)

    def send_batch(self, src: np.ndarray, dst: np.ndarray, start: np.ndarray,
                   rng: np.random.Generator | None, urgent: bool = False,
                   u: np.ndarray | None = None) -> Delivery:
        """Send message ``i`` from HQ ``src[i]`` to HQ ``dst[i]``, leaving at ``start[i]``.

        All messages are handled at once, hop by hop along their routes; messages
        reaching one translation pool at the same hop of their routes queue together,
        first come first served (see the approximation in the module docstring).
        ``urgent`` messages wait for a pool's backlog but take none of its capacity.
        A message not acknowledged is sent again (:mod:`sim.model.routing`). Draws a
        fixed block of random numbers per message (four per hop of the longest route per
        attempt) so paired runs stay in step. Under ``perfect_reports`` every message
        arrives at once, garbled on a hop with P ``garble_at_once`` (the same block drawn;
        none under ``no_language_barrier`` too). ``u``: that block, (:attr:`block_rows`,
        len(src)), given instead of drawn from ``rng`` (keyed draws, :mod:`sim.model.keyed`).
        """
        n = start.size
        ideal = self.ideal
        if n == 0 or (ideal.perfect_reports and ideal.no_language_barrier):
            return _at_once(start, np.zeros(n, bool))
        if u is None:
            u = rng.random((self.block_rows, n))
        src, dst = np.asarray(src, np.int64), np.asarray(dst, np.int64)
        if ideal.perfect_reports:
            return _at_once(start, self._garbled_en_route(src, dst, u))
        messages = Messages(src, dst, start.astype(float))
        return Delivery(*send_along_routes(messages, u, self.table, self.load, urgent))

    def _garbled_en_route(self, src: np.ndarray, dst: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Which messages delivered at once arrive garbled: on hop l of its route a message is
        garbled when its first attempt's comprehension uniform (row 4l + 2 of ``u``) is below
        the hop's ``garble_at_once``."""
        t = self.table
        length = t.route_len[src, dst]                 # -1: no route, 0: own HQ or shared net
        garbled = np.zeros(src.size, bool)
        for level in range(self.longest_route):
            hop = t.route_hops[src, dst, level]
            p = np.where(level < length, self.garble_at_once[np.maximum(hop, 0)], 0.0)
            garbled |= u[4 * level + 2] < p
        return garbled

    def garble(self, xy: np.ndarray, garbled: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Grids as misunderstood: garbled rows moved by an exponential distance, random bearing."""
        return self.garbled_grids(xy, garbled, rng.random((2, len(xy))))

    def garbled_grids(self, xy: np.ndarray, garbled: np.ndarray, u: np.ndarray) -> np.ndarray:
        """:meth:`garble` with its uniforms given: ``u`` (2, len(xy)), distance and bearing."""
        return _garbled_grids(np.array(xy, dtype=float), np.asarray(garbled, np.bool_), u,
                              self.garble_error_km)


@njit(cache=True)
def _garbled_grids(xy, garbled, u, error_km):
    """Kernel of :meth:`Network.garbled_grids`: the garbled rows of ``xy`` (a copy, changed
    in place) moved by :func:`garble_point`."""
    for i in range(garbled.size):
        if garbled[i]:
            xy[i, 0], xy[i, 1] = garble_point(xy[i, 0], xy[i, 1], u[0, i], u[1, i], error_km)
    return xy


def _at_once(start: np.ndarray, garbled: np.ndarray) -> Delivery:
    """Every message delivered at its start time, on its first send."""
    n = start.size
    return Delivery(start.astype(float).copy(), np.ones(n, bool), garbled, np.ones(n, np.int64))
