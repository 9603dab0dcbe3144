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
- Nations on the common net send reports straight to each other's HQs as data
  (no translation: a digital position report needs no language).
- Challenges between soldiers of two nations are understood with the best of
  their shared-language proficiency and the link's agreed signal.
- ``perfect_comms``: every message is delivered at once and understood.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from numba import njit

from sim.schema import LiaisonLink, Scenario


def shared_proficiency(a: dict[str, float], b: dict[str, float]) -> float:
    """Best common language between two speakers: max over languages of the weaker proficiency."""
    common = sorted(set(a) & set(b))
    return max((min(a[lang], b[lang]) for lang in common), default=0.0)


@dataclass
class Hop:
    """One directed hop of a route: a liaison link used from one HQ to another."""

    delivery: float
    latency_h: float
    comprehension: float
    translated: bool
    capacity_per_h: float
    max_queue_h: float
    free_at: float = 0.0  # when the translation pool clears its queue, h

    def queue(self, arrive: np.ndarray, reserve: bool = True) -> np.ndarray:
        """Wait (h) of messages reaching the pool at ``arrive``; inf for a message turned away.

        First come, first served at ``capacity_per_h``: message k of the sorted
        arrivals finishes at max(free_at + (k+1)/c, max_{m<=k}(arrive_m + (k-m+1)/c)).
        A message that would wait longer than ``max_queue_h`` is turned away and
        costs the pool nothing, so an overloaded pool runs with a backlog of about
        ``max_queue_h`` and delivers late, stale reports. Updates ``free_at``
        unless ``reserve`` is False (urgent traffic that jumps the queue, e.g.
        a cease-fire call, still waits for the backlog but takes no capacity).
        """
        wait = np.zeros_like(arrive, dtype=float)
        if not self.translated or arrive.size == 0:
            return wait
        if not reserve:
            return _backlog_wait(arrive.astype(float), self.free_at, self.max_queue_h)
        order = np.argsort(arrive, kind="stable")
        wait[order], self.free_at = _serve(arrive[order], self.free_at,
                                           1.0 / self.capacity_per_h, self.max_queue_h)
        return wait


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
def _route(src, dst, start, u, route_len, route_hops, direct, hop_delivery, hop_latency,
           hop_comprehension, hop_translated, hop_per, hop_max_queue, free_at, net_delivery,
           net_latency, garble_noticed, urgent):
    """Messages along their routes, hop by hop (rules above); ``u`` holds four uniforms per
    hop of the longest route for each message. Updates ``free_at`` (one per hop)."""
    n = src.size
    arrive = start.copy()
    delivered = np.ones(n, np.bool_)
    garbled = np.zeros(n, np.bool_)
    length = np.empty(n, np.int64)
    for i in range(n):
        length[i] = route_len[src[i], dst[i]]
        if length[i] < 0:
            delivered[i] = False
        elif direct[src[i], dst[i]]:          # the common net: no hops, no translation
            delivered[i] = u[0, i] < net_delivery
            arrive[i] -= net_latency * np.log1p(-u[1, i])
            length[i] = 0
    hop = np.full(n, -1, np.int64)
    for level in range(route_hops.shape[2]):
        for i in range(n):
            hop[i] = -1
            if length[i] > level:
                hop[i] = route_hops[src[i], dst[i], level]
                if u[4 * level, i] >= hop_delivery[hop[i]]:
                    delivered[i] = False
                arrive[i] -= hop_latency[hop[i]] * np.log1p(-u[4 * level + 1, i])
        for h in range(hop_delivery.size):        # translation pools, first come first served
            if not hop_translated[h]:
                continue
            rows = np.flatnonzero((hop == h) & delivered)
            if rows.size == 0:
                continue
            if urgent:                             # waits for the backlog, takes no capacity
                wait = _backlog_wait(arrive[rows], free_at[h], hop_max_queue[h])
            else:
                order = rows[np.argsort(arrive[rows], kind="mergesort")]
                wait, free_at[h] = _serve(arrive[order], free_at[h], hop_per[h],
                                          hop_max_queue[h])
                rows = order
            for k in range(rows.size):
                if np.isfinite(wait[k]):
                    arrive[rows[k]] += wait[k]
                else:
                    delivered[rows[k]] = False
        for i in range(n):
            if hop[i] >= 0 and delivered[i] and u[4 * level + 2, i] >= hop_comprehension[hop[i]]:
                if u[4 * level + 3, i] < garble_noticed:
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
    """HQs as nodes, liaison links and the common net as routes; sends messages."""

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
        members = {self.nations.index(m) for m in scenario.common_net.members}
        self.net = scenario.common_net
        self.on_net = np.array([i in members for i in range(h)])
        self.routes: dict[tuple[int, int], list[Hop] | None] = {}
        for a in range(h):
            for b in range(h):
                if a == b or (self.on_net[a] and self.on_net[b]):
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
        """Routes as arrays, so messages on many routes are sent in one batch."""
        self.hop_list: list[Hop] = list(self._hops.values())
        ids = {id(hop): k for k, hop in enumerate(self.hop_list)}
        longest = max((len(r) for r in self.routes.values() if r), default=0)
        #: route_hops[a, b, l]: index in hop_list of hop l of the route a -> b (-1: none)
        self.route_hops = np.full((h, h, max(longest, 1)), -1, np.int64)
        #: route_len[a, b]: hops on the route a -> b; -1 when there is no route
        self.route_len = np.full((h, h), -1, np.int64)
        for (a, b), route in self.routes.items():
            if route is not None:
                self.route_len[a, b] = len(route)
                self.route_hops[a, b, :len(route)] = [ids[id(hop)] for hop in route]
        self.longest_route = longest
        self.hop_delivery = np.array([hop.delivery for hop in self.hop_list])
        self.hop_latency = np.array([hop.latency_h for hop in self.hop_list])
        self.hop_comprehension = np.array([hop.comprehension for hop in self.hop_list])
        self.hop_translated = np.array([hop.translated for hop in self.hop_list], bool)
        self.hop_per_message = np.array([1.0 / hop.capacity_per_h if hop.translated else 0.0
                                         for hop in self.hop_list])
        self.hop_max_queue = np.array([hop.max_queue_h for hop in self.hop_list])
        #: direct[a, b]: reports from a's units reach HQ b over the common net
        self.direct = self.on_net[:, None] & self.on_net[None, :] & ~np.eye(h, dtype=bool)

    def _agreed_signal(self, scenario: Scenario, a: int, b: int) -> float:
        names = {self.nations[a], self.nations[b]}
        return max((lk.challenge_signal for lk in scenario.links.values()
                    if {lk.a, lk.b} == names), default=0.0)

    def send(self, src: int, dst: int, start: np.ndarray, rng: np.random.Generator,
             urgent: bool = False) -> Delivery:
        """Send messages from HQ ``src`` to HQ ``dst`` leaving at times ``start``.

        ``urgent`` messages jump translation queues (see :meth:`Hop.queue`).
        """
        n = start.size
        return self.send_batch(np.full(n, src, np.int64), np.full(n, dst, np.int64), start,
                               rng, urgent)

    def send_batch(self, src: np.ndarray, dst: np.ndarray, start: np.ndarray,
                   rng: np.random.Generator, urgent: bool = False) -> Delivery:
        """Send message ``i`` from HQ ``src[i]`` to HQ ``dst[i]``, leaving at ``start[i]``.

        All messages are handled at once, hop by hop along their routes; messages
        reaching one translation pool at the same hop of their routes queue together,
        first come first served (see the approximation in the module docstring).
        Draws a fixed block of random numbers per message (four per hop of the
        longest route) so paired runs stay in step.
        """
        n = start.size
        if self.perfect or n == 0:
            return Delivery(start.astype(float).copy(), np.ones(n, bool), np.zeros(n, bool))
        u = rng.random((4 * max(self.longest_route, 1), n))
        free_at = np.array([hop.free_at for hop in self.hop_list])
        arrive, delivered, garbled = _route(
            src, dst, start.astype(float), u, self.route_len, self.route_hops, self.direct,
            self.hop_delivery * (1 - self.jamming), self.hop_latency, self.hop_comprehension,
            self.hop_translated, self.hop_per_message, self.hop_max_queue, free_at,
            self.net.delivery * (1 - self.jamming), self.net.latency_h, self.garble_noticed,
            urgent)
        for hop, free in zip(self.hop_list, free_at.tolist(), strict=True):
            hop.free_at = free
        return Delivery(arrive, delivered, garbled)

    def garble(self, xy: np.ndarray, garbled: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Grids as misunderstood: garbled rows moved by an exponential distance, random bearing."""
        u = rng.random((2, len(xy)))
        out = np.array(xy, dtype=float)
        for i in np.flatnonzero(garbled):
            out[i] = garble_point(out[i, 0], out[i, 1], u[0, i], u[1, i], self.garble_error_km)
        return out
