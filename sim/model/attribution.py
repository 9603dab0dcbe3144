"""Attribution: why a friendly-fire incident happened, and how long it lasts.

Cause, judged when the incident starts, first that applies (docs/contract.md):
1. ``report_lost``: the firing side's HQ picture holds no current entry for the
   target and the last report about it was lost, or there is no route;
2. ``report_stale``: no current entry because reports are still on their way,
   or an entry that the target has since moved beyond the gate from;
3. ``report_garbled``: the entry (or the call for fire's grid) arrived garbled
   across a language barrier and is off by more than the gate;
4. ``challenge_failed``: a challenge was made and not understood;
5. ``misidentification``: the picture was right; sensing or visual
   identification misjudged the contact.

Duration: an incident ends when the shooter recognises its mistake, by itself
(P ``self_recognition_per_h`` per hour) or when the victim's call gets through:
victim to its HQ, across to the shooter's HQ, down to the shooter. Each hop is
retried every ``RETRY_H`` until delivered and understood.
"""

from __future__ import annotations

import numpy as np

from sim.model.comms import Network
from sim.model.forces import Forces
from sim.model.pictures import Pictures
from sim.model.records import CAUSES, Cause

#: Hours between retries of an undelivered cease-fire call.
RETRY_H = 0.5
#: Attempts per hop before the call is given up.
MAX_ATTEMPTS = 12


def classify(t: float, firing_hq: np.ndarray, target: np.ndarray, forces: Forces,
             pictures: Pictures, network: Network, gate_km: float,
             grid_garbled: np.ndarray, challenge_failed: np.ndarray) -> list[Cause]:
    """Cause of each incident (rules above); arrays of one length."""
    pub = pictures.published
    current = pictures.current(t)[firing_hq, target]
    lost = pub.lost[firing_hq, target] | network.no_route[firing_hq, forces.nation[target]]
    far = np.hypot(*(pub.pos[firing_hq, target] - forces.pos[target]).T) > gate_km
    garbled_entry = current & far & pub.garbled[firing_hq, target]
    code = np.select(
        [~current & lost, ~current | (far & ~garbled_entry), garbled_entry | grid_garbled,
         challenge_failed],
        [0, 1, 2, 3], default=4)
    return [CAUSES[int(c)] for c in code]


def recognition_delays(shooter: np.ndarray, victim: np.ndarray, self_per_h: float,
                       forces: Forces, network: Network, t: float,
                       rng: np.random.Generator) -> np.ndarray:
    """Hours until each shooter (unit) stops firing on a friendly victim (unit), by the rules
    above, all incidents at once. Each radio hop uses the sending unit's radio (its nation's
    ``report_delivery`` and ``report_latency_h``)."""
    n = shooter.size
    if network.perfect or self_per_h >= 1.0 or n == 0:
        return np.zeros(n)
    u = rng.random((1 + 2 * MAX_ATTEMPTS, n))
    rate = -np.log1p(-self_per_h)
    by_itself = -np.log1p(-u[0]) / rate if rate > 0 else np.full(n, np.inf)
    radio_ok = 1 - network.jamming
    # victim -> its HQ: the first of MAX_ATTEMPTS tries that gets through
    up = u[1:1 + MAX_ATTEMPTS] < (forces.report_delivery[victim] * radio_ok)
    clock = t + np.argmax(up, axis=0) * RETRY_H + forces.report_latency[victim]
    arrived = up.any(axis=0)
    # victim's HQ -> shooter's HQ, retried
    clock, across = _across(forces.nation[victim], forces.nation[shooter], clock, arrived,
                            network, rng)
    # shooter's HQ -> shooter
    down = u[1 + MAX_ATTEMPTS:] < (forces.report_delivery[shooter] * radio_ok)
    clock = clock + np.argmax(down, axis=0) * RETRY_H + forces.report_latency[shooter]
    called = arrived & across & down.any(axis=0)
    return np.where(called, np.minimum(by_itself, clock - t), by_itself)


def _across(src: np.ndarray, dst: np.ndarray, clock: np.ndarray, pending: np.ndarray,
            network: Network, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Times the calls reach HQs ``dst`` from HQs ``src``, retrying, and whether they do."""
    clock = clock.copy()
    done = pending & (src == dst)
    pending = pending & ~done
    for _ in range(MAX_ATTEMPTS):
        rows = np.flatnonzero(pending)
        if rows.size == 0:
            break
        out = network.send_batch(src[rows], dst[rows], clock[rows], rng, urgent=True)
        through = out.delivered & ~out.garbled
        clock[rows] = np.where(through, out.arrive, out.arrive + RETRY_H)
        done[rows[through]] = True
        pending[rows[through]] = False
    return clock, done
