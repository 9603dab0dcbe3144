"""HQ pictures: where each HQ believes the friendly units are.

Rules:
- A picture is kept per HQ (one per nation), never per unit: units read their
  HQ's *published* picture, a copy refreshed every ``picture_refresh_h``.
- Entries are fed only by position reports (see :mod:`sim.model.comms`). An
  entry records the reported position, when it was observed, whether it came
  garbled, and whether the last report about that unit was lost (or had no
  route). An entry older than ``entry_expiry_h`` is no longer current.
- With ``perfect_comms`` every picture is the truth at every step.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from sim.model.comms import Network
from sim.model.forces import Forces
from sim.schema import Scenario


class Picture:
    """Entries of every HQ about every unit: arrays (H, N)."""

    def __init__(self, h: int, n: int) -> None:
        self.pos = np.zeros((h, n, 2))
        self.time = np.full((h, n), -np.inf)
        self.garbled = np.zeros((h, n), bool)
        self.lost = np.zeros((h, n), bool)

    def copy_from(self, other: Picture, rows: np.ndarray) -> None:
        for name in ("pos", "time", "garbled", "lost"):
            getattr(self, name)[rows] = getattr(other, name)[rows]


class Pictures:
    """Live and published pictures, the report traffic that feeds them, and lookups."""

    def __init__(self, forces: Forces, network: Network, scenario: Scenario) -> None:
        self.forces = forces
        self.network = network
        h, n = len(forces.nation_names), forces.n
        self.h = h
        nations = [scenario.nations[name] for name in forces.nation_names]
        self.interval = np.array([nations[k].report_interval_h for k in forces.nation])
        self.hop1_delivery = np.array([nations[k].report_delivery for k in forces.nation])
        self.hop1_latency = np.array([nations[k].report_latency_h for k in forces.nation])
        self.refresh_h = np.array([nat.picture_refresh_h for nat in nations])
        self.expiry_h = scenario.identification.entry_expiry_h
        self.jamming = scenario.environment.jamming
        # report phase spreads units' reports over the interval (golden-ratio sequence)
        self.phase = ((np.arange(n) * 0.6180339887) % 1.0) * self.interval
        coalition_hq = np.array([nat.side == "coalition" for nat in nations])
        #: member[h, j]: unit j is a friend of HQ h and belongs in its picture
        self.member = coalition_hq[:, None] == forces.coalition[None, :]
        self.live = Picture(h, n)
        self.published = Picture(h, n)
        self.next_publish = np.zeros(h)
        self._trees: list[tuple[cKDTree | None, np.ndarray]] = [(None, np.zeros(0, int))] * h
        #: reports in transit, one row per message (columns of one length)
        self._pending: dict[str, np.ndarray] = {
            "arrive": np.zeros(0), "x": np.zeros(0), "y": np.zeros(0), "obs": np.zeros(0),
            "hq": np.zeros(0, np.int64), "unit": np.zeros(0, np.int64),
            "garbled": np.zeros(0, bool)}

    # --- report traffic -------------------------------------------------------------
    def exchange(self, t: float, dt: float, rng: np.random.Generator) -> None:
        """Send due reports, deliver arrived ones, publish pictures that are due."""
        f = self.forces
        if self.network.perfect:
            self._set_truth(t)
            self._publish(t, np.arange(self.h))
            return
        alive = f.strength > 0
        due = alive & (np.floor((t - self.phase) / self.interval)
                       > np.floor((t - dt - self.phase) / self.interval))
        self._send(t, dt, due, rng)
        self._deliver(t)
        rows = np.flatnonzero(self.next_publish <= t + 1e-9)
        self._publish(t, rows)

    def _send(self, t: float, dt: float, due: np.ndarray, rng: np.random.Generator) -> None:
        f = self.forces
        n = f.n
        # fixed-size draws: hop 1 for every unit, then one block per destination HQ
        u = rng.random((2, n))
        obs = t - dt * u[0]                      # observed at some moment within the step
        hop1_ok = u[1] < self.hop1_delivery * (1 - self.jamming)
        hop1_arrive = obs - self.hop1_latency * np.log1p(-rng.random(n))
        pos = f.pos
        for dst in range(self.h):
            draw = rng.spawn(1)[0]
            for src in range(self.h):
                idx = np.flatnonzero(due & (f.nation == src) & self.member[dst])
                if idx.size == 0:
                    continue
                if self.network.direct_net(src, dst):
                    out = self.network.send(src, dst, obs[idx], draw)
                else:
                    out = self.network.send(src, dst, hop1_arrive[idx], draw)
                    out.delivered &= hop1_ok[idx]
                xy = self.network.garble(pos[idx], out.garbled, draw)
                lost = idx[~out.delivered]
                self.live.lost[dst, lost] = True
                ok = out.delivered
                self._queue(out.arrive[ok], dst, idx[ok], xy[ok], obs[idx][ok], out.garbled[ok])

    def _queue(self, arrive, dst, units, xy, obs, garbled) -> None:
        new = {"arrive": arrive, "x": xy[:, 0], "y": xy[:, 1], "obs": obs,
               "hq": np.full(units.size, dst, np.int64), "unit": units, "garbled": garbled}
        p = self._pending
        for k, v in new.items():
            p[k] = np.concatenate([p[k], v])

    def _deliver(self, t: float) -> None:
        p = self._pending
        due = p["arrive"] <= t
        if not due.any():
            return
        order = np.flatnonzero(due)
        order = order[np.argsort(p["obs"][order], kind="stable")]  # newest written last
        hq, unit, obs = p["hq"][order], p["unit"][order], p["obs"][order]
        newer = obs > self.live.time[hq, unit]
        hq, unit, order = hq[newer], unit[newer], order[newer]
        self.live.pos[hq, unit, 0] = p["x"][order]
        self.live.pos[hq, unit, 1] = p["y"][order]
        self.live.time[hq, unit] = p["obs"][order]
        self.live.garbled[hq, unit] = p["garbled"][order]
        self.live.lost[hq, unit] = False
        keep = ~due
        for k in p:
            p[k] = p[k][keep]

    def _set_truth(self, t: float) -> None:
        pos = self.forces.pos
        self.live.pos[:] = pos[None, :, :]
        self.live.time[:] = np.where(self.member, t, -np.inf)
        self.live.garbled[:] = False
        self.live.lost[:] = False

    def _publish(self, t: float, rows: np.ndarray) -> None:
        """Publish the live picture of HQs ``rows``; re-index every HQ's current entries
        (entries expire between publications too)."""
        self.published.copy_from(self.live, rows)
        self.next_publish[rows] = t + self.refresh_h[rows]
        usable = self.current(t) & (self.forces.strength > 0)[None, :]
        for h in range(self.h):
            idx = np.flatnonzero(usable[h])
            tree = cKDTree(self.published.pos[h, idx]) if idx.size else None
            self._trees[h] = (tree, idx)

    # --- lookups ---------------------------------------------------------------------
    def current(self, t: float) -> np.ndarray:
        """current[h, j]: HQ h's published picture holds a current entry for friend j."""
        return self.member & (self.published.time >= t - self.expiry_h)

    def correlates(self, hq: np.ndarray, contact: np.ndarray, gate: float) -> np.ndarray:
        """For contacts seen by units of HQ ``hq`` at ``contact`` (M, 2): a friend entry within the gate?"""
        found = np.zeros(len(hq), bool)
        for h in np.unique(hq):
            tree, _ = self._trees[h]
            if tree is None:
                continue
            rows = np.flatnonzero(hq == h)
            d, _ = tree.query(contact[rows], distance_upper_bound=gate)
            found[rows] = np.isfinite(d)
        return found

    def near_friend(self, hq: int, point: np.ndarray, radius: float) -> bool:
        """Does HQ ``hq``'s published picture hold a friend within ``radius`` of ``point``?"""
        tree, _ = self._trees[hq]
        if tree is None:
            return False
        d, _ = tree.query(point, distance_upper_bound=radius)
        return bool(np.isfinite(d))
