"""Casualty accounting: who lost whom to whose fire.

Rules:
- Casualties are split into killed and wounded, each casualty killed with the
  probability of the fire that caused it (its weapon system's, in cover or caught in
  the open; the scenario's ``killed_fraction`` for aimed fire), drawn by the mechanism
  that fired (:mod:`sim.model.keyed`); the wounded are evacuated and stay out.
  So for every unit, strength + killed + wounded = deployed.
- A coalition casualty is *friendly fire* when the shooter is a coalition
  unit (or coalition artillery) and *hostile fire* when it is the enemy; hostile
  fire is tallied by direct and indirect fire (artillery and drones).
- Incident totals (killed, wounded) accumulate on the incident's record, so
  the friendly-fire casualties equal the sum over incidents by construction.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.model import views
from sim.model.forces import Forces
from sim.model.records import Fire, Incident


class Ledger:
    """Per-unit casualty tallies and the incident log of one replication."""

    def __init__(self, forces: Forces, replication: int) -> None:
        self.forces = forces
        self.replication = replication
        n = forces.n
        #: per-unit tallies of who lost whom to whose fire
        self.tallies = Tallies(np.zeros(n, np.int64), np.zeros(n, np.int64),
                               np.zeros(n, np.int64), np.zeros(n, np.int64))
        self.friendly_fire, self.hostile_fire, self.inflicted, self.hostile_indirect = \
            self.tallies
        self._tallies_view = views.view_of(self.tallies)     # the same arrays, for kernels
        self.incidents: list[Incident] = []

    def hit(self, target: np.ndarray, casualties: np.ndarray, killed: np.ndarray,
            shooter_coalition: np.ndarray, incident: np.ndarray,
            indirect: bool = False) -> None:
        """Apply ``casualties`` to units ``target``, ``killed`` of them killed and the rest
        wounded (arrays of one length; may repeat units; 0 <= killed <= casualties).

        ``incident`` holds the index of the incident each hit belongs to (-1: none).
        ``indirect``: the hits are of indirect fire (artillery and drones; else direct
        fire). The caller guarantees the hits on one unit never exceed its strength.
        """
        casualties, killed = np.asarray(casualties, np.int64), np.asarray(killed, np.int64)
        logged = _tally(Hits(target, casualties, killed, np.asarray(shooter_coalition, bool),
                             np.full(target.size, indirect)), incident, self.forces.view,
                        self._tallies_view)
        for k in logged:
            rec = self.incidents[int(incident[k])]
            rec.killed += int(killed[k])
            rec.wounded += int(casualties[k] - killed[k])

    def open(self, incident: Incident) -> int:
        """Log a new incident and return its index."""
        self.incidents.append(incident)
        return len(self.incidents) - 1

    def open_indirect(self, t: float, shooter_nation: np.ndarray, victims: np.ndarray,
                      causes: list, origin: np.ndarray, weapon: str, shooter: str) -> np.ndarray:
        """Log one indirect-fire incident per victim (units ``victims``, fired on by
        ``shooter_nation``'s ``weapon``, with ``causes``), each at its victim's position and
        ``origin`` (K, 2) km away (the impact, or the point a drone searched); the shooting
        unit is named ``<nation>-<shooter>``. Returns their indices."""
        f = self.forces
        out = np.empty(victims.size, np.int64)
        for k, (j, nation, cause) in enumerate(zip(victims.tolist(), shooter_nation.tolist(),
                                                   causes, strict=True)):
            name = f.nation_names[nation]
            x, y = f.pos[j]
            out[k] = self.open(Incident(
                replication=self.replication, time_h=t, shooter_unit=f"{name}-{shooter}",
                shooter_nation=name, target_unit=f.names[j],
                target_nation=f.nation_names[f.nation[j]], cause=cause, fire=Fire.INDIRECT,
                distance_km=float(np.hypot(x - origin[k, 0], y - origin[k, 1])),
                x_km=float(x), y_km=float(y), end_h=t, weapon=weapon))
        return out


class Hits(NamedTuple):
    """Casualties inflicted this step (arrays of one length; a unit may appear often)."""

    target: np.ndarray             # int64, the unit hit
    casualties: np.ndarray         # int64, killed + wounded
    killed: np.ndarray             # int64
    shooter_coalition: np.ndarray  # bool, the fire came from the coalition
    indirect: np.ndarray           # bool, indirect fire (artillery, drones), else direct


class Tallies(NamedTuple):
    """Per-unit casualty tallies by whose fire (int64 arrays, N rows)."""

    friendly_fire: np.ndarray  # coalition casualties by coalition fire
    hostile_fire: np.ndarray   # coalition casualties by enemy fire
    inflicted: np.ndarray      # enemy casualties by coalition fire
    hostile_indirect: np.ndarray  # coalition casualties by enemy indirect fire (of hostile_fire)


TalliesViewType, TalliesView = views.define(Tallies, __name__)


@njit(cache=True)
def _tally(hits, incident, units, tallies):
    """Add each hit to its unit's strength, killed and wounded, and to the tallies; returns
    the hits with casualties that belong to an incident (``incident`` >= 0), in order."""
    logged = np.empty(hits.target.size, np.int64)
    m = 0
    for i in range(hits.target.size):
        if incident[i] >= 0 and hits.casualties[i] > 0:
            logged[m] = i
            m += 1
        j, c = hits.target[i], hits.casualties[i]
        units.strength[j] -= c
        units.killed[j] += hits.killed[i]
        units.wounded[j] += c - hits.killed[i]
        if units.coalition[j] and hits.shooter_coalition[i]:
            tallies.friendly_fire[j] += c
        elif units.coalition[j]:
            tallies.hostile_fire[j] += c
            if hits.indirect[i]:
                tallies.hostile_indirect[j] += c
        elif hits.shooter_coalition[i]:
            tallies.inflicted[j] += c
    return logged[:m]
