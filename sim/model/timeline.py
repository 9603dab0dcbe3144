"""Time series: nation totals, and the load of every translation pool, at fixed record
times, 0 to the horizon inclusive.

Every replication records the same times (also after a side is destroyed),
so means over replications are not biased. Per pool (one per liaison link that
translates, both directions together) it records the messages translated and
turned away so far, and the backlog: hours until the pool clears its queue.
"""

from __future__ import annotations

import numpy as np

from sim.model.comms import Network
from sim.model.forces import Forces
from sim.model.ledger import Ledger

COLUMNS = ("time_h", "nation", "strength", "killed", "wounded", "friendly_fire_casualties",
           "hostile_fire_casualties", "deployed")
LINK_COLUMNS = ("time_h", "link", "served", "turned_away", "backlog_h")


class Timeline:
    """Records nation totals whenever the clock reaches the next record time."""

    def __init__(self, forces: Forces, ledger: Ledger, network: Network, every_h: float,
                 end_h: float) -> None:
        self.forces, self.ledger, self.network = forces, ledger, network
        times = np.arange(0.0, end_h, every_h)
        self.times = np.unique(np.append(times, end_h))
        self._next = 0
        self.rows: dict[str, list] = {c: [] for c in COLUMNS}
        self.link_rows: dict[str, list] = {c: [] for c in LINK_COLUMNS}

    def record(self, t: float) -> None:
        """Record every record time reached by ``t`` (h) with the current totals."""
        while self._next < self.times.size and t >= self.times[self._next] - 1e-9:
            self._snapshot(float(self.times[self._next]))
            self._next += 1

    def _snapshot(self, time_h: float) -> None:
        f, n_nat = self.forces, len(self.forces.nation_names)

        def by_nation(values: np.ndarray) -> np.ndarray:
            return np.bincount(f.nation, weights=values, minlength=n_nat).astype(np.int64)

        cols = {
            "strength": by_nation(f.strength), "killed": by_nation(f.killed),
            "wounded": by_nation(f.wounded),
            "friendly_fire_casualties": by_nation(self.ledger.friendly_fire),
            "hostile_fire_casualties": by_nation(self.ledger.hostile_fire),
            "deployed": by_nation(f.deployed),
        }
        for k, name in enumerate(f.nation_names):
            self.rows["time_h"].append(time_h)
            self.rows["nation"].append(name)
            for c, v in cols.items():
                self.rows[c].append(int(v[k]))
        load = self.network.load
        for p, pool in enumerate(self.network.pools):
            for c, v in (("time_h", time_h), ("link", pool.link),
                         ("served", int(load.served[p])),
                         ("turned_away", int(load.turned_away[p])),
                         ("backlog_h", max(float(load.free_at[p]) - time_h, 0.0))):
                self.link_rows[c].append(v)
