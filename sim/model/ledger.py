"""Casualty accounting: who lost whom to whose fire.

Rules:
- Casualties are split into killed and wounded, each casualty killed with
  probability ``killed_fraction``; the wounded are evacuated and stay out.
  So for every unit, strength + killed + wounded = deployed.
- A coalition casualty is *friendly fire* when the shooter is a coalition
  unit (or coalition artillery) and *hostile fire* when it is the enemy.
- Incident totals (killed, wounded) accumulate on the incident's record, so
  the friendly-fire casualties equal the sum over incidents by construction.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.model.forces import Forces
from sim.model.records import Incident


class Ledger:
    """Per-unit casualty tallies and the incident log of one replication."""

    def __init__(self, forces: Forces, killed_fraction: float, replication: int) -> None:
        self.forces = forces
        self.killed_fraction = killed_fraction
        self.replication = replication
        n = forces.n
        self.friendly_fire = np.zeros(n, np.int64)  # coalition casualties by coalition fire
        self.hostile_fire = np.zeros(n, np.int64)   # coalition casualties by enemy fire
        self.inflicted = np.zeros(n, np.int64)      # enemy casualties by coalition fire
        self.incidents: list[Incident] = []

    def hit(self, target: np.ndarray, casualties: np.ndarray, shooter_coalition: np.ndarray,
            incident: np.ndarray, rng: np.random.Generator) -> None:
        """Apply ``casualties`` to units ``target`` (arrays of one length; may repeat units).

        ``incident`` holds the index of the incident each hit belongs to (-1: none).
        The caller guarantees the hits on one unit never exceed its strength.
        """
        if target.size == 0:
            return
        casualties = casualties.astype(np.int64)
        killed = rng.binomial(casualties, self.killed_fraction)
        f = self.forces
        _tally(target, casualties, killed, shooter_coalition, f.strength, f.killed, f.wounded,
               f.coalition, self.friendly_fire, self.hostile_fire, self.inflicted)
        for k in np.flatnonzero((incident >= 0) & (casualties > 0)):
            rec = self.incidents[int(incident[k])]
            rec.killed += int(killed[k])
            rec.wounded += int(casualties[k] - killed[k])

    def open(self, incident: Incident) -> int:
        """Log a new incident and return its index."""
        self.incidents.append(incident)
        return len(self.incidents) - 1


@njit(cache=True)
def _tally(target, casualties, killed, shooter_coalition, strength, unit_killed, unit_wounded,
           coalition, friendly_fire, hostile_fire, inflicted):
    """Add each hit to its unit's tallies (a unit may be hit several times)."""
    for i in range(target.size):
        j, c = target[i], casualties[i]
        strength[j] -= c
        unit_killed[j] += killed[i]
        unit_wounded[j] += c - killed[i]
        if coalition[j] and shooter_coalition[i]:
            friendly_fire[j] += c
        elif coalition[j]:
            hostile_fire[j] += c
        elif shooter_coalition[i]:
            inflicted[j] += c
