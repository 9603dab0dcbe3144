"""Campaign: rear support, front line, withdrawal, rest, reinforcement, redeployment.

Rules (times in hours):
- A unit starts in rear support until its group's ``front_from_h``, then moves
  to its front position (at its speed) and fights. In rear support it is out of
  the fight (it neither looks nor fires, and cannot be seen or engaged) but it
  reports its position to its HQ like any unit.
- A unit at the front that has lost ``withdraw_loss_fraction`` of the strength
  it was sent forward with withdraws to the rear and is out of action.
- After ``rest_h`` a withdrawn unit receives replacements up to
  ``reinforce_to_fraction`` of its initial strength (they count as deployed)
  and redeploys if it then holds ``redeploy_min_fraction`` of it; its vehicles are
  refilled to the same fraction of its establishment.
- A unit with no personnel left is destroyed.
- A unit of a group that arrives in waves is PENDING until its wave's time:
  then it arrives with its full strength (counted as deployed), in rear support
  until ``front_from_h``, and at its front place if that time has passed.
- Each nation follows its own ``campaign`` rules where it has them, else the
  scenario's.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.model.forces import Forces
from sim.model.records import Posture

PENDING, REAR, FRONT = int(Posture.PENDING), int(Posture.REAR), int(Posture.FRONT)
WITHDRAWN, DESTROYED = int(Posture.WITHDRAWN), int(Posture.DESTROYED)


def update_postures(forces: Forces, t: float) -> None:
    """Apply the campaign rules above to every unit at time ``t`` (each unit follows its
    nation's rules, or the scenario's)."""
    _postures(forces.view, t)


@njit(cache=True)
def _postures(units, t):
    """The rules above for each unit, in their order: arrival, destruction, to the front,
    withdrawal, then rest, refill and redeployment (each unit's rules read only its own
    row)."""
    posture, strength, vehicles = units.posture, units.strength, units.vehicles
    for i in range(posture.size):
        if posture[i] == PENDING and t >= units.arrive_h[i]:
            strength[i] = units.initial[i]
            vehicles[i] = int(units.vehicles_full[i])
            units.deployed[i] += units.initial[i]
            posture[i] = REAR
        if strength[i] <= 0 and posture[i] != PENDING:
            posture[i] = DESTROYED
        if posture[i] == REAR and t >= units.front_from_h[i]:
            posture[i] = FRONT
            units.deployed_strength[i] = strength[i]
        loss = units.withdraw_loss[i]
        if posture[i] == FRONT and loss < 1.0 and \
                strength[i] <= (1.0 - loss) * units.deployed_strength[i]:
            posture[i] = WITHDRAWN
            units.withdrawn_at[i] = t
        if posture[i] == WITHDRAWN and t - units.withdrawn_at[i] >= units.rest_h[i]:
            to = units.reinforce_to[i]
            refill = max(int(np.round(to * units.initial[i])) - strength[i], 0)
            strength[i] += refill
            vehicles[i] = max(vehicles[i], int(np.round(to * units.vehicles_full[i])))
            units.deployed[i] += refill
            if strength[i] >= units.redeploy_min[i] * units.initial[i] and strength[i] > 0:
                posture[i] = FRONT
                units.deployed_strength[i] = strength[i]
