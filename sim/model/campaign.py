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

from sim.model.forces import Forces
from sim.model.records import Posture


def update_postures(forces: Forces, t: float) -> None:
    """Apply the campaign rules above to every unit at time ``t`` (each unit follows its
    nation's rules, or the scenario's)."""
    f = forces
    arriving = (f.posture == Posture.PENDING) & (t >= f.arrive_h)
    if arriving.any():
        f.strength[arriving] = f.initial[arriving]
        f.vehicles[arriving] = f.vehicles_full[arriving]
        f.deployed[arriving] += f.initial[arriving]
        f.posture[arriving] = Posture.REAR
    alive = f.strength > 0
    f.posture[~alive & (f.posture != Posture.PENDING)] = Posture.DESTROYED
    to_front = (f.posture == Posture.REAR) & (t >= f.front_from_h)
    f.posture[to_front] = Posture.FRONT
    f.deployed_strength[to_front] = f.strength[to_front]
    spent = (f.posture == Posture.FRONT) & (f.withdraw_loss < 1.0) & (
        f.strength <= (1.0 - f.withdraw_loss) * f.deployed_strength)
    f.posture[spent] = Posture.WITHDRAWN
    f.withdrawn_at[spent] = t
    rested = (f.posture == Posture.WITHDRAWN) & (t - f.withdrawn_at >= f.rest_h)
    if rested.any():
        target = np.round(f.reinforce_to * f.initial).astype(np.int64)
        refill = np.where(rested, np.maximum(target - f.strength, 0), 0)
        f.strength += refill
        f.vehicles[rested] = np.maximum(
            f.vehicles[rested], np.round(f.reinforce_to * f.vehicles_full)[rested].astype(np.int64))
        f.deployed += refill
        ready = rested & (f.strength >= f.redeploy_min * f.initial) & (f.strength > 0)
        f.posture[ready] = Posture.FRONT
        f.deployed_strength[ready] = f.strength[ready]
