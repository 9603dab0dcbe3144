"""Weapon systems: how much direct fire a unit delivers on a target at a distance.

Rules (units: km, hours; docs/model.md):
- A unit fires with its weapon systems (``units.<G>.weapons``: how many of each at full
  strength) and, beside them, the aimed fire of its soldiers (``lethality``, casualties
  per firing soldier per hour within ``weapon_range_km``, Lanchester's coefficient).
- The number of a system's weapons firing is its count at full strength times the
  unit's strength over its full strength: crews fall with the unit, so the fire a unit
  delivers stays proportional to its strength (the square law holds for any mix).
- A weapon firing on a target at distance d puts ``rate_per_h`` x pk(d) x
  ``casualties_per_hit`` casualties an hour on soldiers in the open during the
  engagement's opening firefight (``engagement.firefight_h``), and its
  ``sustained_rate_per_h`` in place of ``rate_per_h`` after it; pk is the
  system's table, linear between points, flat before the first and from the
  last out to ``range_km``, 0 beyond it. An anti-tank system (``targets: vehicles``) fires only on units
  with vehicles.
- Casualties of a system are killed with its ``killed_fraction`` when they were in
  cover, ``killed_fraction_exposed`` when caught in the open; those of aimed fire
  with the scenario's ``killed_fraction`` either way.

:func:`fire_on` gives, for one shooter and one target, the casualty rate per soldier
of the shooter and the rate-weighted killed fractions; the direct-fire kernel calls
it per engagement (:mod:`sim.model.combat`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.schema import Scenario

#: Rows of :attr:`Arsenal.casualties_per_h`: the opening firefight, positions held.
FIREFIGHT, HELD = 0, 1


class Arsenal(NamedTuple):
    """The scenario's weapon systems, one row per system (W rows), in schema order."""

    range_km: np.ndarray          # (W,) km
    pk_km: np.ndarray             # (W, P) km, the table's distances, padded with the last
    pk: np.ndarray                # (W, P) P(hit) per burst at those distances
    casualties_per_h: np.ndarray  # (2, W) rate x casualties_per_hit per weapon: row
    #                               FIREFIGHT the opening firefight's, HELD the sustained
    vehicles_only: np.ndarray     # (W,) bool
    killed_cover: np.ndarray      # (W,)
    killed_exposed: np.ndarray    # (W,)
    aimed_killed: float           # killed fraction of aimed fire (scenario.killed_fraction)


def build_arsenal(scenario: Scenario) -> tuple[list[str], Arsenal]:
    """The names of the scenario's weapon systems and their table (rules above)."""
    names = list(scenario.weapons)
    systems = [scenario.weapons[n] for n in names]
    points = max((len(w.pk) for w in systems), default=1)
    pk_km = np.zeros((len(systems), points))
    pk = np.zeros((len(systems), points))
    for i, w in enumerate(systems):
        pad = [w.pk[-1]] * (points - len(w.pk))
        pk_km[i] = [r for r, _ in w.pk + pad]
        pk[i] = [p for _, p in w.pk + pad]
    return names, Arsenal(
        range_km=np.array([w.range_km for w in systems], dtype=float),
        pk_km=pk_km, pk=pk,
        casualties_per_h=np.array(
            [[w.rate_per_h * w.casualties_per_hit for w in systems],
             [(w.rate_per_h if w.sustained_rate_per_h is None else w.sustained_rate_per_h)
              * w.casualties_per_hit for w in systems]], dtype=float).reshape(2, len(systems)),
        vehicles_only=np.array([w.targets == "vehicles" for w in systems], dtype=bool),
        killed_cover=np.array([w.killed_fraction for w in systems], dtype=float),
        killed_exposed=np.array([w.killed_fraction_exposed for w in systems], dtype=float),
        aimed_killed=float(scenario.killed_fraction))


@njit(cache=True, inline="always")
def pk_at(arsenal, w, d):
    """P(hit) per burst of system ``w`` at ``d`` km: its table, linear between points,
    flat before the first, 0 beyond its range."""
    if d > arsenal.range_km[w]:
        return 0.0
    return np.interp(d, arsenal.pk_km[w], arsenal.pk[w])


@njit(cache=True, inline="always")
def fire_on(units, arsenal, s, g, d, phase):
    """Shooter ``s``'s fire on target ``g`` at ``d`` km, per soldier of the shooter, in
    ``phase`` (FIREFIGHT or HELD): the casualties/h it puts on soldiers in the open, and the
    same rate weighted by the killed fraction in cover and in the open (divide by the rate
    for the fractions)."""
    initial = units.initial[s]
    rate = 0.0
    killed_cover = 0.0
    killed_exposed = 0.0
    if d <= units.aimed_range[s]:
        rate = units.lethality[s]
        killed_cover = rate * arsenal.aimed_killed
        killed_exposed = killed_cover
    if initial <= 0:
        return rate, killed_cover, killed_exposed
    for w in range(arsenal.range_km.size):
        per_soldier = units.loadout[s, w] / initial
        if per_soldier <= 0.0 or (arsenal.vehicles_only[w] and units.vehicles[g] == 0):
            continue
        r = per_soldier * arsenal.casualties_per_h[phase, w] * pk_at(arsenal, w, d)
        rate += r
        killed_cover += r * arsenal.killed_cover[w]
        killed_exposed += r * arsenal.killed_exposed[w]
    return rate, killed_cover, killed_exposed


@njit(cache=True, inline="always")
def reach_on(units, arsenal, s, g):
    """How far shooter ``s`` can hurt target ``g``, km: the longest range of its weapon
    systems that hit ``g`` (anti-tank ones only a unit with vehicles), or of its soldiers'
    aimed fire (``weapon_range_km``, when its ``lethality`` is above 0). A unit engages a
    contact only within this reach."""
    reach = units.aimed_range[s] if units.lethality[s] > 0.0 else 0.0
    for w in range(arsenal.range_km.size):
        if units.loadout[s, w] > 0.0 and not (arsenal.vehicles_only[w] and units.vehicles[g] == 0):
            reach = max(reach, arsenal.range_km[w])
    return reach


@njit(cache=True)
def within_reach(shooter, target, distance, units, arsenal):
    """For each (shooter, target, distance) row: is the target within the shooter's reach
    on it (:func:`reach_on`)?"""
    out = np.zeros(shooter.size, np.bool_)
    for k in range(shooter.size):
        out[k] = distance[k] <= reach_on(units, arsenal, shooter[k], target[k])
    return out
