"""Attribution: why a friendly-fire incident happened, and how long it lasts.

Cause, judged when the incident starts, first that applies (CONTRACT.md):
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


def recognition_delay(shooter_nation: int, victim_nation: int, self_per_h: float,
                      report_delivery: np.ndarray, report_latency: np.ndarray,
                      network: Network, t: float, rng: np.random.Generator) -> float:
    """Hours until the shooter stops firing on a friend (rules above)."""
    if network.perfect or self_per_h >= 1.0:
        return 0.0
    u = rng.random(1 + 2 * MAX_ATTEMPTS)
    rate = -np.log1p(-self_per_h)
    by_itself = -np.log1p(-u[0]) / rate if rate > 0 else np.inf
    clock = t
    # victim -> its HQ, and shooter's HQ -> shooter: unit radio hops
    for k, nation in enumerate((victim_nation, shooter_nation)):
        tries = u[1 + k * MAX_ATTEMPTS: 1 + (k + 1) * MAX_ATTEMPTS]
        ok = np.flatnonzero(tries < report_delivery[nation] * (1 - network.jamming))
        if ok.size == 0:
            return by_itself
        clock += ok[0] * RETRY_H + report_latency[nation]
        if k == 0:
            clock = _across(victim_nation, shooter_nation, clock, network, rng)
            if not np.isfinite(clock):
                return by_itself
    return float(min(by_itself, clock - t))


def _across(src: int, dst: int, clock: float, network: Network,
            rng: np.random.Generator) -> float:
    """Time the call reaches HQ ``dst`` from HQ ``src``, retrying; inf if it never does."""
    if src == dst:
        return clock
    for _ in range(MAX_ATTEMPTS):
        out = network.send(src, dst, np.array([clock]), rng, urgent=True)
        if out.delivered[0] and not out.garbled[0]:
            return float(out.arrive[0])
        clock = float(out.arrive[0]) + RETRY_H
    return np.inf
