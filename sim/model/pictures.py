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

from sim.model.comms import Network, garble_point, radio_hop
from sim.model.forces import Forces, position
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
        """Every due unit reports to every HQ whose picture it belongs in, in one batch."""
        f = self.forces
        # fixed-size draws for hop 1 (unit radio to its own HQ, repeated until acknowledged),
        # one per unit
        obs = t - dt * rng.random(f.n)           # observed at some moment within the step
        hop1_ok, hop1_delay = radio_hop(f.report_delivery * (1 - self.jamming),
                                        f.report_latency, self.network.messaging, rng)
        hop1_arrive = obs + hop1_delay
        hq, unit = np.nonzero(self.member & due[None, :])   # one message per (HQ, unit)
        if unit.size == 0:
            return
        src = f.nation[unit]
        direct = self.network.direct[src, hq]
        out = self.network.send_batch(src, hq, np.where(direct, obs[unit], hop1_arrive[unit]),
                                      rng)
        ok = out.delivered & (direct | hop1_ok[unit])
        self.live.lost[hq[~ok], unit[~ok]] = True
        self._pending = _in_transit(self._pending, Reports(out.arrive, hq, unit, ok, out.garbled),
                                    f.view, obs, rng.random((2, unit.size)),
                                    self.network.garble_error_km)

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
