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
  and redeploys if it then holds ``redeploy_min_fraction`` of it.
- A unit with no personnel left is destroyed.
"""

from __future__ import annotations

import numpy as np

from sim.model.forces import Forces
from sim.model.records import Posture
from sim.schema import Campaign


def update_postures(forces: Forces, rules: Campaign, t: float) -> None:
    """Apply the campaign rules above to every unit at time ``t``."""
    f = forces
    alive = f.strength > 0
    f.posture[~alive] = Posture.DESTROYED
    to_front = (f.posture == Posture.REAR) & (t >= f.front_from_h)
    f.posture[to_front] = Posture.FRONT
    f.deployed_strength[to_front] = f.strength[to_front]
    if rules.withdraw_loss_fraction < 1.0:
        spent = (f.posture == Posture.FRONT) & (
            f.strength <= (1.0 - rules.withdraw_loss_fraction) * f.deployed_strength)
        f.posture[spent] = Posture.WITHDRAWN
        f.withdrawn_at[spent] = t
    rested = (f.posture == Posture.WITHDRAWN) & (t - f.withdrawn_at >= rules.rest_h)
    if rested.any():
        target = np.round(rules.reinforce_to_fraction * f.initial).astype(np.int64)
        refill = np.where(rested, np.maximum(target - f.strength, 0), 0)
        f.strength += refill
        f.deployed += refill
        ready = rested & (f.strength >= rules.redeploy_min_fraction * f.initial) & (f.strength > 0)
        f.posture[ready] = Posture.FRONT
        f.deployed_strength[ready] = f.strength[ready]
