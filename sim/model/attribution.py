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

Duration: an incident ends at the first of three ways the shooter learns of its
mistake (all times in hours; call rules in ``scenario.messaging``):
- by itself, with P ``self_recognition_per_h`` per hour;
- by a check-fire call from the victim through the HQs, on the priority
  channel: the victim's radio to its HQ, across the route to the shooter's HQ,
  down the shooter's radio. A call jumps every queue, but each send must cross
  every hop: a radio hop with its ``report_delivery`` x (1 - jamming), a liaison
  hop with its ``delivery`` x (1 - jamming) and its comprehension (the link's
  interpreters or liaison officers where they translate, else the staffs' best
  shared language), a shared net with its delivery. Each hop takes an
  exponential latency of mean ``check_fire_latency_h`` (minutes, by voice). A
  call that does not get through is sent again every ``check_fire_retry_h``, up
  to ``check_fire_attempts`` sends;
- by the victim directly, when the shooter is within the victim's sensor range
  (it sees who is firing): it shouts, fires a signal or calls on the nearest
  net. Every ``check_fire_retry_h`` from the start (up to
  ``check_fire_attempts`` tries) the call is understood with the two nations'
  challenge probability (shared language or agreed signal), and takes effect
  ``check_fire_latency_h`` later.
Counterfactual parts (:mod:`sim.model.ideal`): under ``perfect_reports`` every
send of the call through the HQs crosses every hop at once (no loss, no latency;
only comprehension can fail it) and the direct call takes effect at once; under
``no_language_barrier`` every hop and the direct call are understood; under
``instant_check_fire`` (and ``perfect_comms``) fire on a friend stops at once.
"""

from __future__ import annotations

import numpy as np

from sim.model.comms import Network
from sim.model.forces import Forces
from sim.model.pictures import Pictures
from sim.model.records import CAUSES, Cause


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
    above, all incidents at once. Draws a fixed block of numbers per incident."""
    n = shooter.size
    if network.ideal.instant_check_fire or self_per_h >= 1.0 or n == 0:
        return np.zeros(n)
    rules = network.messaging
    at_once = network.ideal.perfect_reports
    k, retry = rules.check_fire_attempts, rules.check_fire_retry_h
    latency = 0.0 if at_once else rules.check_fire_latency_h
    hops = 2 + max(network.longest_route, 1)
    u = rng.random((1 + 2 * k + hops, n))
    rate = -np.log1p(-self_per_h)
    by_itself = -np.log1p(-u[0]) / rate if rate > 0 else np.full(n, np.inf)
    # through the HQs: every send crosses the victim's radio, the route, the shooter's radio
    radio_ok = 1.0 if at_once else 1 - network.jamming
    delivery = np.ones(forces.n) if at_once else forces.report_delivery
    vn, sn = forces.nation[victim], forces.nation[shooter]
    p_send = (delivery[victim] * radio_ok * network.check_fire_through[vn, sn]
              * delivery[shooter] * radio_ok)
    sent = u[1:1 + k] < p_send
    n_hops = 2 + np.maximum(network.table.route_len[vn, sn], 0) + network.direct[vn, sn]
    lat = -latency * np.log1p(-u[1 + 2 * k:])
    travel = np.where(np.arange(hops)[:, None] < n_hops[None, :], lat, 0.0).sum(axis=0)
    via_hq = np.where(sent.any(axis=0), np.argmax(sent, axis=0) * retry + travel, np.inf)
    # the victim directly, when it can see the shooter
    d = np.hypot(*(forces.pos[shooter] - forces.pos[victim]).T)
    sees = d <= forces.sensor_range[victim]
    heard = (u[1 + k:1 + 2 * k] < network.challenge[vn, sn]) & sees[None, :]
    direct = np.where(heard.any(axis=0), np.argmax(heard, axis=0) * retry + latency, np.inf)
    return np.minimum(by_itself, np.minimum(via_hq, direct))
