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
  staffs' best shared language. The pool has a capacity (messages/h); messages
  queue first come first served, and one waiting longer than ``max_queue_h``
  is dropped. (Approximation: messages sent together are queued hop by hop, so
  a relayed message reaching a pool on its second hop queues behind the batch's
  messages for which that pool is the first hop, whatever their times.) A misunderstood message (P = 1 - comprehension) is noticed and
  dropped with P ``garble_noticed``, otherwise it arrives garbled: its grid is
  off by an exponential distance of mean ``garble_error_km`` in a random
  direction.
- Allied nations on the same radio system (``nations.<N>.radio``) share a net:
  their units' reports go straight to each other's HQs as data over it
  (``common_net.delivery`` times ``1 - jamming``, latency exponential with mean
  ``common_net.latency_h``; no liaison link and no translation: a digital
  position report needs no language).
- Challenges between soldiers of two nations are understood with the best of
  their shared-language proficiency and the link's agreed signal.
- ``perfect_comms``: every message is delivered at once and understood.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import networkx as nx
import numpy as np
from numba import njit

from sim.schema import LiaisonLink, Scenario


def shared_proficiency(a: dict[str, float], b: dict[str, float]) -> float:
    """Best common language between two speakers: max over languages of the weaker proficiency."""
    common = sorted(set(a) & set(b))
    return max((min(a[lang], b[lang]) for lang in common), default=0.0)


@dataclass(frozen=True, eq=False)
class Hop:
    """One directed hop of a route: a liaison link used from one HQ to another.

    A translated hop's pool serves ``capacity_per_h`` messages per hour, first come
    first served (:func:`_serve`); a message that would wait longer than
    ``max_queue_h`` is turned away and costs the pool nothing, so an overloaded pool
    runs with a backlog of about ``max_queue_h`` and delivers late, stale reports.
    Urgent traffic (a cease-fire call) waits for the backlog but takes no capacity
    (:func:`_backlog_wait`). When the pool is next free is kept by the network
    (:attr:`Network.free_at`).
    """

    delivery: float
    latency_h: float
    comprehension: float
    translated: bool
    capacity_per_h: float
    max_queue_h: float


class Messages(NamedTuple):
    """A batch of messages: message ``i`` goes from HQ ``src[i]`` to HQ ``dst[i]``, leaving
    at ``start[i]`` h."""

    src: np.ndarray
    dst: np.ndarray
    start: np.ndarray


class RouteTable(NamedTuple):
    """The network as the routing kernel reads it (H HQs, K directed hops)."""

    route_len: np.ndarray          # (H, H) int64, hops on the route a -> b; -1: no route
    route_hops: np.ndarray         # (H, H, L) int64, hop l of the route a -> b (-1: none)
    direct: np.ndarray             # (H, H) bool, a's units report to HQ b over a shared net
    hop_delivery: np.ndarray       # (K,) P(a message crosses the hop), jamming included
    hop_latency: np.ndarray        # (K,) mean latency, h
    hop_comprehension: np.ndarray  # (K,) P(understood)
    hop_translated: np.ndarray     # (K,) bool, a translation pool serves the hop
    hop_per_message: np.ndarray    # (K,) h of pool time per message (0: no pool)
    hop_max_queue: np.ndarray      # (K,) h, longest wait before a message is turned away
    net_delivery: float            # P(a message crosses the shared net), jamming included
    net_latency: float             # mean latency of the shared net, h
    garble_noticed: float          # P(a misunderstood message is noticed and dropped)


@njit(cache=True)
def _serve(arrive: np.ndarray, free_at: float, per: float, max_queue_h: float):
    """First come, first served with turn-away, over sorted ``arrive``: waits (inf for a
    message turned away) and the time the pool is next free. A loop: each message's
    start depends on the one before."""
    wait = np.empty(arrive.size)
    free = free_at
    for i in range(arrive.size):
        start = max(free, arrive[i])
        if start - arrive[i] > max_queue_h:
            wait[i] = np.inf
        else:
            wait[i] = start - arrive[i]
            free = start + per
    return wait, free


@njit(cache=True)
def _backlog_wait(arrive, free_at, max_queue_h):
    """Waits of urgent messages: the pool's backlog, taking no capacity; inf for a message
    that would wait longer than ``max_queue_h`` (turned away)."""
    wait = np.maximum(free_at - arrive, 0.0)
    for i in range(wait.size):
        if wait[i] > max_queue_h:
            wait[i] = np.inf
    return wait


@njit(cache=True)
def _route(messages, u, net, free_at, urgent):
    """Messages along their routes, hop by hop (rules above); ``u`` holds four uniforms per
    hop of the longest route for each message. Updates ``free_at`` (one per hop)."""
    src, dst = messages.src, messages.dst
    n = src.size
    arrive = messages.start.copy()
    delivered = np.ones(n, np.bool_)
    garbled = np.zeros(n, np.bool_)
    length = np.empty(n, np.int64)
    for i in range(n):
        length[i] = net.route_len[src[i], dst[i]]
        if length[i] < 0:
            delivered[i] = False
        elif net.direct[src[i], dst[i]]:      # a shared net: no hops, no translation
            delivered[i] = u[0, i] < net.net_delivery
            arrive[i] -= net.net_latency * np.log1p(-u[1, i])
            length[i] = 0
    hop = np.full(n, -1, np.int64)
    for level in range(net.route_hops.shape[2]):
        for i in range(n):
            hop[i] = -1
            if length[i] > level:
                hop[i] = net.route_hops[src[i], dst[i], level]
                if u[4 * level, i] >= net.hop_delivery[hop[i]]:
                    delivered[i] = False
                arrive[i] -= net.hop_latency[hop[i]] * np.log1p(-u[4 * level + 1, i])
        for h in range(net.hop_delivery.size):    # translation pools, first come first served
            if not net.hop_translated[h]:
                continue
            rows = np.flatnonzero((hop == h) & delivered)
            if rows.size == 0:
                continue
            if urgent:                             # waits for the backlog, takes no capacity
                wait = _backlog_wait(arrive[rows], free_at[h], net.hop_max_queue[h])
            else:
                order = rows[np.argsort(arrive[rows], kind="mergesort")]
                wait, free_at[h] = _serve(arrive[order], free_at[h], net.hop_per_message[h],
                                          net.hop_max_queue[h])
                rows = order
            for k in range(rows.size):
                if np.isfinite(wait[k]):
                    arrive[rows[k]] += wait[k]
                else:
                    delivered[rows[k]] = False
        for i in range(n):
            if hop[i] >= 0 and delivered[i] and \
                    u[4 * level + 2, i] >= net.hop_comprehension[hop[i]]:
                if u[4 * level + 3, i] < net.garble_noticed:
                    delivered[i] = False           # misunderstood, noticed and dropped
                else:
                    garbled[i] = True              # misunderstood unnoticed: a wrong grid
    return arrive, delivered, garbled


@njit(cache=True)
def garble_point(x: float, y: float, u1: float, u2: float, error_km: float):
    """A grid as misunderstood: (x, y) moved by an exponential distance of mean
    ``error_km`` in a uniformly random direction (``u1``, ``u2``: uniforms in [0, 1))."""
    dist = -error_km * np.log1p(-u1)
    angle = 2 * np.pi * u2
    return x + dist * np.cos(angle), y + dist * np.sin(angle)


def _hop(link: LiaisonLink, pa: dict[str, float], pb: dict[str, float]) -> Hop:
    shared = shared_proficiency(pa, pb)
    rate_i = link.interpreters * link.messages_per_interpreter_h
    rate_o = link.liaison_officers * link.messages_per_officer_h
    capacity = rate_i + rate_o
    pool = ((rate_i * link.interpreter_proficiency + rate_o * link.liaison_proficiency) / capacity
            if capacity > 0 else 0.0)
    translated = capacity > 0 and pool > shared
    return Hop(delivery=link.delivery, latency_h=link.latency_h,
               comprehension=pool if translated else shared, translated=translated,
               capacity_per_h=capacity, max_queue_h=link.max_queue_h)


@dataclass
class Delivery:
    """Outcome of sending messages: arrival time, delivered, garbled (arrays of one length).

    For a message that is not delivered, ``arrive`` is when it would have arrived had
    every hop delivered it (each hop's latency, without translation queues): when its
    sender, hearing nothing, retries (:mod:`sim.model.attribution`).
    """

    arrive: np.ndarray
    delivered: np.ndarray
    garbled: np.ndarray


class Network:
    """HQs as nodes, liaison links and shared radio nets as routes; sends messages."""

    def __init__(self, scenario: Scenario, perfect: bool) -> None:
        self.perfect = perfect
        self.nations = list(scenario.nations)
        self.jamming = scenario.environment.jamming
        self.garble_noticed = scenario.identification.garble_noticed
        self.garble_error_km = scenario.identification.garble_error_km
        h = len(self.nations)
        nat = scenario.nations
        graph = nx.Graph()
        graph.add_nodes_from(range(h))
        self._hops: dict[tuple[int, int], Hop] = {}
        for name in sorted(scenario.links):
            link = scenario.links[name]
            a, b = self.nations.index(link.a), self.nations.index(link.b)
            graph.add_edge(a, b)
            self._hops[(a, b)] = _hop(link, nat[link.a].languages, nat[link.b].languages)
            self._hops[(b, a)] = _hop(link, nat[link.b].languages, nat[link.a].languages)
        self.net = scenario.common_net
        #: direct[a, b]: a and b are allies on the same radio system, so reports from a's
        #: units reach HQ b straight over their shared net
        self.direct = np.array([[a != b and nat[x].side == nat[y].side
                                 and nat[x].radio == nat[y].radio
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
                if a != b and not perfect:
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
        hops = self.hop_list
        self.table = RouteTable(
            route_len=route_len, route_hops=route_hops, direct=self.direct,
            hop_delivery=np.array([hop.delivery for hop in hops], dtype=float)
            * (1 - self.jamming),
            hop_latency=np.array([hop.latency_h for hop in hops], dtype=float),
            hop_comprehension=np.array([hop.comprehension for hop in hops], dtype=float),
            hop_translated=np.array([hop.translated for hop in hops], dtype=bool),
            hop_per_message=np.array([1.0 / hop.capacity_per_h if hop.translated else 0.0
                                      for hop in hops], dtype=float),
            hop_max_queue=np.array([hop.max_queue_h for hop in hops], dtype=float),
            net_delivery=self.net.delivery * (1 - self.jamming),
            net_latency=self.net.latency_h, garble_noticed=self.garble_noticed)
        #: free_at[k]: when the translation pool of hop k (``hop_list[k]``) clears its queue, h
        self.free_at = np.zeros(len(hops))

    def _agreed_signal(self, scenario: Scenario, a: int, b: int) -> float:
        names = {self.nations[a], self.nations[b]}
        return max((lk.challenge_signal for lk in scenario.links.values()
                    if {lk.a, lk.b} == names), default=0.0)

    def send_batch(self, src: np.ndarray, dst: np.ndarray, start: np.ndarray,
                   rng: np.random.Generator, urgent: bool = False) -> Delivery:
        """Send message ``i`` from HQ ``src[i]`` to HQ ``dst[i]``, leaving at ``start[i]``.

        All messages are handled at once, hop by hop along their routes; messages
        reaching one translation pool at the same hop of their routes queue together,
        first come first served (see the approximation in the module docstring).
        ``urgent`` messages wait for a pool's backlog but take none of its capacity.
        Draws a fixed block of random numbers per message (four per hop of the
        longest route) so paired runs stay in step.
        """
        n = start.size
        if self.perfect or n == 0:
            return Delivery(start.astype(float).copy(), np.ones(n, bool), np.zeros(n, bool))
        u = rng.random((4 * max(self.longest_route, 1), n))
        messages = Messages(np.asarray(src, np.int64), np.asarray(dst, np.int64),
                            start.astype(float))
        arrive, delivered, garbled = _route(messages, u, self.table, self.free_at, urgent)
        return Delivery(arrive, delivered, garbled)

    def garble(self, xy: np.ndarray, garbled: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Grids as misunderstood: garbled rows moved by an exponential distance, random bearing."""
        u = rng.random((2, len(xy)))
        out = np.array(xy, dtype=float)
        for i in np.flatnonzero(garbled):
            out[i] = garble_point(out[i, 0], out[i, 1], u[0, i], u[1, i], self.garble_error_km)
        return out
