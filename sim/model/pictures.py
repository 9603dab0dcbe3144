"""HQ pictures: where each HQ believes the friendly units are.

Rules:
- A picture is kept per HQ (one per nation), never per unit: units read their
  HQ's *published* picture, a copy refreshed every ``picture_refresh_h``.
- Entries are fed only by position reports (see :mod:`sim.model.comms`). An
  entry records the reported position, when it was observed, whether it came
  garbled, and whether the last report about that unit was lost (or had no
  route). An entry older than ``entry_expiry_h`` is no longer current.
- Under ``perfect_reports`` (:mod:`sim.model.ideal`) every unit reports its
  current position to every HQ of its side at every step and the report arrives at
  once: every entry is current and every picture is published every step. Across a
  language barrier a report still arrives garbled with P
  ``Network.route_garble_at_once`` (its grid moved as any garbled grid is); with
  ``no_language_barrier`` too (``perfect_comms``) every picture is the truth.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.model.comms import Network, first_through, garble_point
from sim.model.forces import Forces, position
from sim.model.routing import Messages, send_along_routes
from sim.model.spatial import GroupedPoints
from sim.schema import Scenario

#: Cell size of the picture index, km (about the correlation gate).
INDEX_CELL_KM = 0.5

#: Columns of the table of reports in transit (all float; HQ, unit and garbled are whole).
PENDING_COLUMNS = ("arrive", "x", "y", "observed", "hq", "unit", "garbled")
ARRIVE, X, Y, OBSERVED, HQ, UNIT, GARBLED = range(len(PENDING_COLUMNS))


class Picture(NamedTuple):
    """Entries of every HQ about every unit: arrays (H, N), changed in place."""

    pos: np.ndarray        # (H, N, 2) km, the reported position
    time: np.ndarray       # (H, N) h, when the reported position was observed (-inf: never)
    garbled: np.ndarray    # (H, N) bool, the entry came garbled
    lost: np.ndarray       # (H, N) bool, the last report about the unit was lost or had no route

    @classmethod
    def empty(cls, h: int, n: int) -> Picture:
        return cls(np.zeros((h, n, 2)), np.full((h, n), -np.inf), np.zeros((h, n), bool),
                   np.zeros((h, n), bool))

    def copy_from(self, other: Picture, rows: np.ndarray) -> None:
        for mine, theirs in zip(self, other, strict=True):
            mine[rows] = theirs[rows]


class Reports(NamedTuple):
    """Messages of one batch of position reports (arrays of one length)."""

    arrive: np.ndarray     # h, when each reaches its HQ
    hq: np.ndarray         # int64, the HQ it goes to
    unit: np.ndarray       # int64, the unit it reports on
    delivered: np.ndarray  # bool
    garbled: np.ndarray    # bool


class Pictures:
    """Live and published pictures, the report traffic that feeds them, and lookups."""

    def __init__(self, forces: Forces, network: Network, scenario: Scenario) -> None:
        self.forces = forces
        self.network = network
        h, n = len(forces.nation_names), forces.n
        self.h = h
        self.expiry_h = scenario.identification.entry_expiry_h
        self.jamming = scenario.environment.jamming
        # report phase spreads units' reports over the interval (golden-ratio sequence)
        self.phase = ((np.arange(n) * 0.6180339887) % 1.0) * forces.report_interval
        #: member[h, j]: unit j is a friend of HQ h and belongs in its picture
        self.member = forces.nations.coalition[:, None] == forces.coalition[None, :]
        #: how many HQs each unit reports to
        self._audience = self.member.sum(axis=0)
        self.live = Picture.empty(h, n)
        self.published = Picture.empty(h, n)
        self.next_publish = np.zeros(h)
        #: current friend entries of every HQ's published picture (one group per HQ)
        self._index = GroupedPoints(np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros(0),
                                    INDEX_CELL_KM)
        self._now = 0.0               # time of the last exchange: entries current then count
        self._indexed_alive = -1      # units alive when the index was built
        #: reports in transit, one row per message; columns ARRIVE .. GARBLED
        self._pending = np.zeros((0, len(PENDING_COLUMNS)))

    # --- report traffic -------------------------------------------------------------
    def exchange(self, t: float, dt: float, rng: np.random.Generator) -> None:
        """Send due reports, deliver arrived ones, publish pictures that are due."""
        f = self.forces
        if self.network.ideal.perfect_reports:
            self._set_truth(t)
            self._garble_current(rng)
            self._publish(t, np.arange(self.h))
            return
        alive = f.strength > 0
        interval = f.report_interval
        due = alive & (np.floor((t - self.phase) / interval)
                       > np.floor((t - dt - self.phase) / interval))
        self._send(t, dt, due, rng)
        self._deliver(t)
        rows = np.flatnonzero(self.next_publish <= t + 1e-9)
        self._publish(t, rows)

    def _send(self, t: float, dt: float, due: np.ndarray, rng: np.random.Generator) -> None:
        """Every due unit reports to every HQ whose picture it belongs in, in one batch: over
        its radio to its own HQ (repeated until acknowledged), then along the route (or
        straight over a shared net). Draws, in order: when in the step each unit observed
        its position, its radio hop's block (one per unit), then each message's route block
        and its garbled grid's two uniforms."""
        f, net = self.forces, self.network
        # not under perfect_reports (exchange sets the truth instead), so every message takes
        # its route as Network.send_batch sends it without an ideal part
        assert not net.ideal.perfect_reports
        observed = rng.random(f.n)
        radio = rng.random((2 * net.messaging.max_attempts, f.n))
        m = int(self._audience[due].sum())          # one message per (HQ, unit)
        if m == 0:
            return
        draws = ReportDraws(observed, radio, rng.random((net.block_rows, m)),
                            rng.random((2, m)))
        self._pending = _sent(f.view, draws, Sending(t, dt, self.jamming, net.messaging.retry_h,
                                                     net.garble_error_km),
                              self.member, due, net.table, net.load, self.live.lost,
                              self._pending)

    def _deliver(self, t: float) -> None:
        """Reports that have arrived by ``t`` update the live pictures, newest observation
        last (an older report arriving late does not overwrite a newer one)."""
        p = self._pending
        due = p[:, ARRIVE] <= t
        if due.any():
            self._pending = _write_newest(p, due, self.live)

    def _set_truth(self, t: float) -> None:
        pos = self.forces.pos
        self.live.pos[:] = pos[None, :, :]
        self.live.time[:] = np.where(self.member, t, -np.inf)
        self.live.garbled[:] = False
        self.live.lost[:] = False

    def _garble_current(self, rng: np.random.Generator) -> None:
        """Under ``perfect_reports``: this step's report of unit j to HQ h arrives garbled with
        P ``route_garble_at_once[nation of j, h]``, its grid moved by an exponential distance
        (mean ``garble_error_km``) in a random direction. Draws three uniforms per entry, and
        none where no report can be garbled (no language barrier on any route)."""
        p = self.network.route_garble_at_once[self.forces.nation, :].T     # (H, N)
        if not p.any():
            return
        u = rng.random((3, *p.shape))
        hit = self.member & (u[0] < p)
        h, j = np.nonzero(hit)
        dist = -self.network.garble_error_km * np.log1p(-u[1][hit])
        angle = 2 * np.pi * u[2][hit]
        self.live.pos[h, j, 0] += dist * np.cos(angle)
        self.live.pos[h, j, 1] += dist * np.sin(angle)
        self.live.garbled[h, j] = True

    def _publish(self, t: float, rows: np.ndarray) -> None:
        """Publish the live picture of HQs ``rows``. The index of friend entries is rebuilt
        when a picture changed or a unit was destroyed; entries that expire between
        publications are skipped at query time (``_now``)."""
        self.published.copy_from(self.live, rows)
        self.next_publish[rows] = t + self.forces.nations.refresh_h[rows]
        self._now = t
        alive = self.forces.strength > 0
        # a destroyed unit never comes back (only withdrawn units are refilled), so the
        # number alive changes exactly when the set does
        if rows.size or alive.sum() != self._indexed_alive:
            hq, unit = np.nonzero(self.member & alive[None, :]
                                  & np.isfinite(self.published.time))
            self._index = GroupedPoints(hq, self.published.pos[hq, unit],
                                        self.published.time[hq, unit], INDEX_CELL_KM)
            self._indexed_alive = alive.sum()

    def current(self, t: float) -> np.ndarray:
        """current[h, j]: HQ h's published picture holds a current entry for friend j."""
        return self.member & (self.published.time >= t - self.expiry_h)

    def correlates(self, hq: np.ndarray, contact: np.ndarray, gate: float) -> np.ndarray:
        """For contacts seen by units of HQ ``hq`` at ``contact`` (M, 2): a friend entry within the gate?"""
        return self._index.any_within(hq, contact, gate, since=self._now - self.expiry_h)

    def friend_index(self) -> tuple[tuple, float]:
        """The index of friend entries (for kernels) and the observation time from which an
        entry is current."""
        return self._index.arrays, self._now - self.expiry_h


class ReportDraws(NamedTuple):
    """The uniforms of one step's reports (:meth:`Pictures._send`), in the order drawn."""

    observed: np.ndarray   # (N,) when in the step each unit observed its position
    radio: np.ndarray      # (2 x max_attempts, N) each unit's radio hop (comms.radio_hop)
    route: np.ndarray      # (Network.block_rows, M) each message along its route
    garble: np.ndarray     # (2, M) distance and bearing of a garbled grid


class Sending(NamedTuple):
    """The numbers of one step's reports besides the tables."""

    t: float               # h, now: reports are of positions observed in the dt before
    dt: float              # h
    jamming: float         # share of radio sends jammed
    retry_h: float         # h between sends of a message not acknowledged
    garble_km: float       # mean error of a garbled grid


@njit(cache=True)
def _sent(units, draws, sending, member, due, route, load, lost, pending):
    """Kernel of :meth:`Pictures._send`: each due unit observed at ``t - dt x u``, its
    radio hop (:func:`sim.model.comms.radio_hop`'s rule), one message to each HQ whose
    picture it belongs in (HQ by HQ, unit by unit), each along its route from the hop's
    arrival (from the observation over a shared net); a message lost on either leg marks the
    entry lost, a delivered one joins the reports in transit (returned)."""
    n = due.size
    observed = sending.t - sending.dt * draws.observed
    p_radio = units.report_delivery * (1 - sending.jamming)
    through, delay = first_through(draws.radio, p_radio, units.report_latency,
                                    sending.retry_h)
    m = draws.route.shape[1]
    hq = np.empty(m, np.int64)
    unit = np.empty(m, np.int64)
    k = 0
    for h in range(member.shape[0]):
        for j in range(n):
            if member[h, j] and due[j]:
                hq[k], unit[k] = h, j
                k += 1
    src = units.nation[unit]
    direct = np.empty(m, np.bool_)
    start = np.empty(m)
    for i in range(m):
        j = unit[i]
        direct[i] = route.direct[src[i], hq[i]]
        start[i] = observed[j] if direct[i] else observed[j] + delay[j]
    arrive, delivered, garbled, _ = send_along_routes(Messages(src, hq, start), draws.route,
                                                      route, load, False)
    ok = delivered & (direct | through[unit])
    for i in range(m):
        if not ok[i]:
            lost[hq[i], unit[i]] = True
    return _in_transit(pending, Reports(arrive, hq, unit, ok, garbled), units, observed,
                       draws.garble, sending.garble_km)


@njit(cache=True)
def _in_transit(pending, reports, units, observed, u, garble_km):
    """The table of reports in transit with the delivered ``reports`` appended, each
    carrying its unit's current position, observed at ``observed[unit]``; a garbled
    report's grid is moved by an exponential distance (mean ``garble_km``) in a random
    direction (``u``: two uniforms per message), as :meth:`Network.garble` does."""
    m = int(reports.delivered.sum())
    out = np.empty((pending.shape[0] + m, pending.shape[1]))
    out[:pending.shape[0]] = pending
    k = pending.shape[0]
    for i in range(reports.arrive.size):
        if not reports.delivered[i]:
            continue
        j = reports.unit[i]
        x, y = position(units, j)
        if reports.garbled[i]:
            x, y = garble_point(x, y, u[0, i], u[1, i], garble_km)
        out[k, ARRIVE], out[k, X], out[k, Y] = reports.arrive[i], x, y
        out[k, OBSERVED], out[k, HQ], out[k, UNIT] = observed[j], reports.hq[i], j
        out[k, GARBLED] = 1.0 if reports.garbled[i] else 0.0
        k += 1
    return out


@njit(cache=True)
def _write_newest(pending, due, picture):
    """Write the ``due`` reports into the live ``picture``, oldest observation first, so the
    newest wins; returns the reports still in transit."""
    pos, time, garbled, lost = picture.pos, picture.time, picture.garbled, picture.lost
    rows = np.flatnonzero(due)
    rows = rows[np.argsort(pending[rows, OBSERVED], kind="mergesort")]
    for r in rows:
        h, j = int(pending[r, HQ]), int(pending[r, UNIT])
        if pending[r, OBSERVED] > time[h, j]:
            pos[h, j, 0], pos[h, j, 1] = pending[r, X], pending[r, Y]
            time[h, j] = pending[r, OBSERVED]
            garbled[h, j] = pending[r, GARBLED] > 0
            lost[h, j] = False
    return pending[~due]
