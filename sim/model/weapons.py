"""Weapon systems: the direct fire each of a unit's systems delivers on a target at a distance.

Rules (units: km, hours; docs/model.md):
- A unit fires with its weapon systems (``units.<G>.weapons``: how many of each at full
  strength) and, beside them, the aimed fire of its soldiers (``lethality``, casualties
  per firing soldier per hour within ``weapon_range_km``, Lanchester's coefficient).
- The number of a system's weapons firing is its count at full strength times the
  unit's strength over its full strength: crews fall with the unit, so the fire a unit
  delivers stays proportional to its strength (the square law holds for any mix).
- A weapon firing at distance d hits ``rate_per_h`` x pk(d) times an hour during an
  engagement's opening firefight (``engagement.firefight_h``), and
  ``sustained_rate_per_h`` x pk(d) after it; pk is the system's table, linear between
  points, flat before the first and from the last out to ``range_km``, 0 beyond it.
- A system that targets dismounts puts ``casualties_per_hit`` casualties a hit on
  soldiers in the open. An anti-tank system (``targets: vehicles``) fires only on units
  with vehicles in action: each hit destroys a vehicle, and its occupants,
  ``casualties_per_hit`` of them, become casualties (:mod:`sim.model.combat`).
- A system can hit a target (:func:`hits`) when the unit carries it, the target is
  within its range, and (anti-tank) the target has vehicles. A unit's reach on a target
  is the longest range of the systems that can hit it, or of its aimed fire.
- Casualties of a system are killed with its ``killed_fraction`` when they were in
  cover, ``killed_fraction_exposed`` when caught in the open; those of aimed fire
  with the scenario's ``killed_fraction`` either way.

The direct-fire kernel (:mod:`sim.model.combat`) shares each system's fire over the
targets it can hit and calls :func:`system_fire` per engagement and system.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.model import views
from sim.schema import Scenario

#: Rows of :attr:`Arsenal.rate`: the opening firefight, positions held.
FIREFIGHT, HELD = 0, 1


class Arsenal(NamedTuple):
    """The scenario's weapon systems, one row per system (W rows), in schema order."""

    range_km: np.ndarray          # (W,) km
    pk_km: np.ndarray             # (W, P) km, the table's distances, padded with the last
    pk: np.ndarray                # (W, P) P(hit) per burst at those distances
    rate: np.ndarray              # (2, W) bursts per hour per weapon: row FIREFIGHT the
    #                               opening firefight's, HELD the sustained rate
    casualties_per_hit: np.ndarray  # (W,) soldiers hit by a burst, or a vehicle's occupants
    vehicles_only: np.ndarray     # (W,) bool: anti-tank, fires on vehicles
    killed_cover: np.ndarray      # (W,)
    killed_exposed: np.ndarray    # (W,)
    aimed_killed: float           # killed fraction of aimed fire (scenario.killed_fraction)


#: An Arsenal as compiled kernels take it (:mod:`sim.model.views`).
ArsenalViewType, ArsenalView = views.define(Arsenal, __name__)


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
        rate=np.array(
            [[w.rate_per_h for w in systems],
             [w.rate_per_h if w.sustained_rate_per_h is None else w.sustained_rate_per_h
              for w in systems]], dtype=float).reshape(2, len(systems)),
        casualties_per_hit=np.array([w.casualties_per_hit for w in systems], dtype=float),
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
def hits(units, arsenal, w, s, g, d):
    """Can shooter ``s``'s system ``w`` hit target ``g`` at ``d`` km? It carries the system,
    ``g`` is within its range, and an anti-tank system's target has vehicles in action."""
    return can_hit(units.loadout[s, w], arsenal.range_km[w], arsenal.vehicles_only[w],
                   units.vehicles[g], d)


@njit(cache=True, inline="always")
def can_hit(carried, range_km, vehicles_only, vehicles, d):
    """:func:`hits` on the numbers it reads: the shooter's weapons of the system at full
    strength, the system's range (km) and whether it is anti-tank, the target's vehicles in
    action, the distance (km). Loops over systems call this with the columns read once:
    a view passed to a compiled helper costs two calls to count its references (about
    14 ns) each time, which in a loop over engagements and systems was most of the work."""
    return carried > 0.0 and d <= range_km and not (vehicles_only and vehicles <= 0)


@njit(cache=True, inline="always")
def aims(units, s, d):
    """Does shooter ``s``'s aimed fire reach ``d`` km (``lethality`` above 0, within
    ``weapon_range_km``)?"""
    return can_aim(units.lethality[s], units.aimed_range[s], d)


@njit(cache=True, inline="always")
def can_aim(lethality, aimed_range, d):
    """:func:`aims` on the numbers it reads (see :func:`can_hit`)."""
    return lethality > 0.0 and d <= aimed_range


@njit(cache=True, inline="always")
def system_fire(units, arsenal, w, s, d, phase):
    """Hits per hour of all of shooter ``s``'s weapons of system ``w`` at ``d`` km in
    ``phase`` (FIREFIGHT or HELD): weapons firing (count x strength / full strength) x
    rate x pk(d)."""
    return _firing(units, w, s) * arsenal.rate[phase, w] * pk_at(arsenal, w, d)


@njit(cache=True, inline="always")
def _firing(units, w, s):
    """Shooter ``s``'s weapons of system ``w`` firing: count x strength / full strength (0
    for a unit with no full strength)."""
    initial = units.initial[s]
    if initial <= 0:
        return 0.0
    return units.loadout[s, w] * units.strength[s] / initial


@njit(cache=True, inline="always")
def system_fire_phases(units, arsenal, w, s, d):
    """:func:`system_fire` in both phases, (FIREFIGHT, HELD), with one lookup of pk(d)."""
    firing, pk = _firing(units, w, s), pk_at(arsenal, w, d)
    return firing * arsenal.rate[FIREFIGHT, w] * pk, firing * arsenal.rate[HELD, w] * pk


@njit(cache=True)
def main_system(units, arsenal, s, g, d):
    """The system of shooter ``s`` that puts the most casualties an hour on target ``g`` at
    ``d`` km in an opening firefight in the open (hits x casualties_per_hit; a whole
    volley on that target), -1 for its soldiers' aimed fire, -2 when nothing reaches."""
    best, best_rate = -2, 0.0
    if aims(units, s, d):
        best, best_rate = -1, units.lethality[s] * units.strength[s]
    for w in range(arsenal.range_km.size):
        if hits(units, arsenal, w, s, g, d):
            rate = system_fire(units, arsenal, w, s, d, FIREFIGHT) * arsenal.casualties_per_hit[w]
            if rate > best_rate:
                best, best_rate = w, rate
    return best


@njit(cache=True, inline="always")
def reach_on(units, arsenal, s, g):
    """How far shooter ``s`` can hurt target ``g``, km: the longest range of its weapon
    systems that hit ``g`` (anti-tank ones only a unit with vehicles), or of its soldiers'
    aimed fire (``weapon_range_km``, when its ``lethality`` is above 0). A unit engages a
    contact only within this reach."""
    loadout, range_km, vehicles_only = units.loadout, arsenal.range_km, arsenal.vehicles_only
    vehicles = units.vehicles[g]
    reach = units.aimed_range[s] if units.lethality[s] > 0.0 else 0.0
    for w in range(range_km.size):
        if can_hit(loadout[s, w], range_km[w], vehicles_only[w], vehicles, 0.0):
            reach = max(reach, range_km[w])
    return reach
