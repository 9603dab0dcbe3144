"""Message routing, compiled: every message of a batch along its route, hop by hop.

The rules are those of :mod:`sim.model.comms` (delivery, latency, translation
pools, comprehension, retransmission); this module holds the tables the kernel
reads and the kernel itself.

- A translation pool serves one link, both directions together, first come
  first served at its capacity; a message that would wait longer than the
  link's ``max_queue_h`` is turned away and costs the pool nothing.
- A message that is not acknowledged (lost on a hop, turned away by a pool,
  or misunderstood and noticed, so the receiver asks for it again) is sent
  again ``retry_h`` after the previous attempt left, up to ``max_attempts``
  attempts in all; every attempt crosses the hops and queues at the pools
  afresh, so repeats use radio and interpreter capacity like first sends.
  A message that arrives garbled without anyone noticing is acknowledged, and
  is not repeated.
- Approximation: the messages of a batch are queued attempt by attempt and hop
  by hop, so a repeat or a relayed message queues behind the batch's first
  attempts at that pool whatever their times.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit


class Messages(NamedTuple):
    """A batch of messages: message ``i`` goes from HQ ``src[i]`` to HQ ``dst[i]``, leaving
    at ``start[i]`` h."""

    src: np.ndarray
    dst: np.ndarray
    start: np.ndarray


class RouteTable(NamedTuple):
    """The network as the routing kernel reads it (H HQs, K directed hops, P pools)."""

    route_len: np.ndarray          # (H, H) int64, hops on the route a -> b; -1: no route
    route_hops: np.ndarray         # (H, H, L) int64, hop l of the route a -> b (-1: none)
    direct: np.ndarray             # (H, H) bool, a's units report to HQ b over a shared net
    hop_delivery: np.ndarray       # (K,) P(a message crosses the hop), jamming included
    hop_latency: np.ndarray        # (K,) mean latency, h
    hop_comprehension: np.ndarray  # (K,) P(understood)
    hop_pool: np.ndarray           # (K,) int64, the translation pool of the hop's link (-1: none)
    pool_per_message: np.ndarray   # (P,) h of pool time per message
    pool_max_queue: np.ndarray     # (P,) h, longest wait before a message is turned away
    net_delivery: float            # P(a message crosses a shared net), jamming included
    net_latency: float             # mean latency of a shared net, h
    garble_noticed: float          # P(a misunderstood message is noticed and dropped)
    max_attempts: int              # attempts at a message, first send included
    retry_h: float                 # h between attempts


class PoolLoad(NamedTuple):
    """State of every translation pool (P,), changed in place by the kernel."""

    free_at: np.ndarray            # h, when the pool clears its queue
    served: np.ndarray             # int64, messages translated so far
    turned_away: np.ndarray        # int64, messages turned away so far


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
def send_along_routes(messages, u, net, pools, urgent):
    """Every message along its route, repeated until acknowledged (rules above).

    ``u`` holds four uniforms per hop of the longest route per attempt, (A x 4L, n).
    Returns (arrive, delivered, garbled, attempts); an undelivered message's ``arrive``
    is when its last attempt would have arrived had every hop delivered it.
    """
    n = messages.src.size
    width = 4 * net.route_hops.shape[2]
    arrive = np.full(n, np.nan)
    delivered = np.zeros(n, np.bool_)
    garbled = np.zeros(n, np.bool_)
    attempts = np.zeros(n, np.int64)
    pending = np.ones(n, np.bool_)
    for i in range(n):
        if net.route_len[messages.src[i], messages.dst[i]] < 0:
            pending[i] = False                     # no route: nothing to repeat
            arrive[i] = messages.start[i]
    for a in range(net.max_attempts):
        idx = np.flatnonzero(pending)
        if idx.size == 0:
            break
        start = messages.start[idx] + a * net.retry_h
        got, ok, bad = _attempt(messages.src[idx], messages.dst[idx], start,
                                u[a * width:(a + 1) * width][:, idx], net, pools, urgent)
        for k in range(idx.size):
            i = idx[k]
            attempts[i] = a + 1
            arrive[i] = got[k]
            if ok[k]:
                delivered[i], garbled[i], pending[i] = True, bad[k], False
    return arrive, delivered, garbled, attempts


@njit(cache=True)
def _attempt(src, dst, start, u, net, pools, urgent):
    """One attempt at each message, hop by hop: (arrive, delivered, garbled)."""
    n = src.size
    arrive = start.copy()
    delivered = np.ones(n, np.bool_)
    garbled = np.zeros(n, np.bool_)
    length = np.empty(n, np.int64)
    for i in range(n):
        length[i] = net.route_len[src[i], dst[i]]
        if net.direct[src[i], dst[i]]:             # a shared net: no hops, no translation
            delivered[i] = u[0, i] < net.net_delivery
            arrive[i] -= net.net_latency * np.log1p(-u[1, i])
            length[i] = 0
    hop = np.full(n, -1, np.int64)
    pool = np.full(n, -1, np.int64)
    for level in range(net.route_hops.shape[2]):
        for i in range(n):
            hop[i], pool[i] = -1, -1
            if length[i] > level:
                hop[i] = net.route_hops[src[i], dst[i], level]
                pool[i] = net.hop_pool[hop[i]]
                if u[4 * level, i] >= net.hop_delivery[hop[i]]:
                    delivered[i] = False
                arrive[i] -= net.hop_latency[hop[i]] * np.log1p(-u[4 * level + 1, i])
        for p in range(net.pool_per_message.size):   # one pool per link, first come first served
            rows = np.flatnonzero((pool == p) & delivered)
            if rows.size == 0:
                continue
            if urgent:                             # waits for the backlog, takes no capacity
                wait = _backlog_wait(arrive[rows], pools.free_at[p], net.pool_max_queue[p])
            else:
                order = rows[np.argsort(arrive[rows], kind="mergesort")]
                wait, pools.free_at[p] = _serve(arrive[order], pools.free_at[p],
                                                net.pool_per_message[p], net.pool_max_queue[p])
                rows = order
            for k in range(rows.size):
                if np.isfinite(wait[k]):
                    arrive[rows[k]] += wait[k]
                    if not urgent:
                        pools.served[p] += 1
                else:
                    delivered[rows[k]] = False
                    if not urgent:
                        pools.turned_away[p] += 1
        for i in range(n):
            if hop[i] >= 0 and delivered[i] and \
                    u[4 * level + 2, i] >= net.hop_comprehension[hop[i]]:
                if u[4 * level + 3, i] < net.garble_noticed:
                    delivered[i] = False           # misunderstood, noticed and dropped
                else:
                    garbled[i] = True              # misunderstood unnoticed: a wrong grid
    return arrive, delivered, garbled
