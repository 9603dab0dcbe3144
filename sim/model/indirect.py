"""Indirect fire: calls for fire, fire-support coordination, area effects.

Rules:
- A unit at the front holding a contact it judged hostile calls for fire on
  it with P ``call_prob_per_h`` per hour (on its nearest such contact).
- The call goes to the HQ of the nation that supports it
  (``fire_support_from``, default its own) as a message: over the caller's
  radio, then across liaison links, where it can be lost or garbled (a wrong
  grid) like any other message, and is repeated until acknowledged
  (:mod:`sim.model.comms`). Under ``perfect_reports`` (:mod:`sim.model.ideal`) the
  call arrives at once, garbled only across a language barrier.
- A call reaches the supporting HQ when its messages arrive, not when it was sent: it
  waits in flight until the step in which it arrives (a call and its hops take the
  latency, retries and interpreter queues of :mod:`sim.model.comms`). A call that arrives
  more than ``call_expiry_h`` after it was sent is dropped there as stale. Calls of the
  reconnaissance drones join the same flow (:mod:`sim.model.drones`).
- In each step, the supporting nation fires at most Poisson(``fire_missions_per_h`` x dt)
  missions, chosen at random among the calls that arrived in the step; its drone teams
  may take the calls left (:mod:`sim.model.drones`); a call no one takes in its step is
  not kept. A mission is fired on the grid as received: a target that has moved since it
  was seen is no longer there, and whoever stands there now is hit.
- Fire-support coordination: a mission is cancelled when the firing HQ's
  published picture shows a friendly unit within ``no_fire_radius_km`` of the
  grid. It is only as good as that picture.
- The mission lands at the grid plus a normal aim error (``dispersion_km``
  per axis) and hits every unit within ``effect_radius_km``, friend or foe.
  A unit it surprises (not fired on, by anyone, in an earlier step within
  ``surprise.alert_h``: :meth:`sim.model.forces.Forces.alert`) is caught in the
  open: it loses Binomial(strength, ``casualty_fraction``), killed with
  ``killed_fraction_exposed``. A unit that expects fire is in cover, whoever fires:
  Binomial(strength, ``casualty_fraction`` x its ``protection``), killed with
  ``killed_fraction``. Every unit hit is then under fire (from the end of this step
  it expects the next mission).
- A coalition unit hit by coalition fire is a friendly-fire incident, one per
  unit hit, with weapon ``artillery``; its cause is judged against the firing HQ's
  picture and the grid.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from sim.model import attribution
from sim.model.comms import Network, radio_hop
from sim.model.drones import Calls, joined, no_calls
from sim.model.forces import Forces
from sim.model.ledger import Ledger
from sim.model.pictures import Pictures
from sim.model.records import Fire, Incident
from sim.model.sensing import Contacts, first_per_observer
from sim.schema import Scenario


class IndirectFire:
    """Artillery and drones of every nation."""

    def __init__(self, scenario: Scenario, forces: Forces, pictures: Pictures,
                 network: Network, ledger: Ledger) -> None:
        self.cfg = scenario.indirect_fire
        self.alert_h = scenario.surprise.alert_h
        self.gate = scenario.identification.gate_km
        self.forces, self.pictures, self.network, self.ledger = forces, pictures, network, ledger
        self.missions_fired = 0
        self.in_flight = no_calls()     # calls sent that have not reached their HQ yet
        self.expired = 0                # calls dropped on arrival as stale

    def call(self, calls: Calls) -> None:
        """Send ``calls`` on their way (they are fired in the step they arrive: rules above)."""
        self.in_flight = joined([self.in_flight, calls])

    def step(self, t: float, dt: float, contacts: Contacts,
             rng: np.random.Generator) -> Calls:
        """Calls for fire from this step's contacts sent; the calls that arrive in this step
        fired on; casualties. Returns the arrived calls no mission took (for the drone
        teams, :mod:`sim.model.drones`)."""
        self.call(self._send(t, dt, contacts, rng))
        due = self.in_flight.arrive_h < t + dt
        arrived, self.in_flight = self.in_flight.take(due), self.in_flight.take(~due)
        fresh = arrived.arrive_h - arrived.sent_h <= self.cfg.call_expiry_h
        self.expired += int((~fresh).sum())
        return self._fire(t, dt, arrived.take(fresh), contacts, rng)

    def _send(self, t: float, dt: float, c: Contacts, rng: np.random.Generator) -> Calls:
        """This step's calls for fire from units holding hostile contacts, on their way:
        over the caller's radio to its HQ, then across to the supplier's HQ (those lost on
        the way are gone)."""
        f = self.forces
        u_call = rng.random(f.n)
        rows = self._calls(c, u_call < self.cfg.call_prob_per_h * dt)
        if rows.size == 0:
            return no_calls()
        caller = c.observer[rows]
        src = f.nation[caller]
        supplier = f.nations.supplier[src]
        radio, radio_delay = radio_hop(f.report_delivery[caller] * (1 - self.network.jamming),
                                       f.report_latency[caller], self.network.messaging, rng)
        ideal = self.network.ideal.perfect_reports
        sent = np.full(rows.size, t)
        out = self.network.send_batch(src, supplier, sent + (0.0 if ideal else radio_delay),
                                      rng)
        delivered = out.delivered & (radio | ideal)
        grid = self.network.garble(c.seen_at[rows], out.garbled, rng)
        return Calls(src, supplier, grid, out.garbled, c.target[rows],
                     c.challenge_failed[rows], sent, out.arrive).take(delivered)

    def _fire(self, t: float, dt: float, calls: Calls, c: Contacts,
              rng: np.random.Generator) -> Calls:
        """Missions on the calls that arrived (rules above); returns the calls left."""
        f = self.forces
        tree, units = c.tree, c.tree_units       # this step's positions of fighting units
        left = np.ones(calls.size, bool)
        for nation in np.unique(calls.supplier):
            rows = np.flatnonzero(calls.supplier == nation)
            n_missions = min(rows.size,
                             int(rng.poisson(f.nations.fire_missions_per_h[nation] * dt)))
            chosen = rng.permutation(rows)[:n_missions]
            left[chosen] = False
            # fire-support coordination against the firing HQ's picture
            clear = ~self.pictures.correlates(np.full(chosen.size, nation), calls.grid[chosen],
                                              self.cfg.no_fire_radius_km)
            for k in chosen[clear]:
                impact = calls.grid[k] + rng.normal(0.0, self.cfg.dispersion_km, 2)
                if tree is None:                 # contacts made without a look (tests)
                    tree, units = cKDTree(f.pos), np.arange(f.n)
                self._land(t, int(nation), impact, tree, units, bool(calls.garbled[k]),
                           int(calls.called[k]), bool(calls.challenge_failed[k]), rng)
        return calls.take(left)

    def _calls(self, c: Contacts, wants: np.ndarray) -> np.ndarray:
        """Index of the nearest hostile contact of each front unit that calls this step."""
        f = self.forces
        return first_per_observer(c.hostile & f.at_front[c.observer] & wants[c.observer], c)

    def _land(self, t: float, nation: int, impact: np.ndarray, tree: cKDTree,
              tree_units: np.ndarray, grid_garbled: bool, called: int, challenge_failed: bool,
              rng: np.random.Generator) -> None:
        """Area effect of one mission at ``impact``; ``called`` is the contact the call was on
        (a failed challenge is a cause only for that unit, not for bystanders)."""
        f = self.forces
        self.missions_fired += 1
        hit = tree_units[np.array(sorted(tree.query_ball_point(
            impact, self.cfg.effect_radius_km)), dtype=np.int64)]
        hit = hit[f.fighting[hit]] if hit.size else hit
        if hit.size == 0:
            return
        shooter_coalition = bool(f.nations.coalition[nation])
        surprised = ~f.alert(t, self.alert_h)[hit]
        p = self.cfg.casualty_fraction * np.where(surprised, 1.0, f.protection[hit])
        casualties = rng.binomial(f.strength[hit], p)
        killed_fraction = np.where(surprised, self.cfg.killed_fraction_exposed,
                                   self.cfg.killed_fraction)
        f.fired_on[hit] = True
        incident = np.full(hit.size, -1, np.int64)
        fratricide = np.flatnonzero(f.coalition[hit] & shooter_coalition)
        if fratricide.size:
            victims = hit[fratricide]
            causes = attribution.classify(
                t, np.full(victims.size, nation), victims, f, self.pictures, self.network,
                self.gate, np.full(victims.size, grid_garbled),
                challenge_failed & (victims == called))
            for k, victim, cause in zip(fratricide, victims, causes, strict=True):
                name = f.nation_names[nation]
                incident[k] = self.ledger.open(Incident(
                    replication=self.ledger.replication, time_h=t,
                    shooter_unit=f"{name}-fires", shooter_nation=name,
                    target_unit=f.names[victim], target_nation=f.nation_names[f.nation[victim]],
                    cause=cause, fire=Fire.INDIRECT,
                    distance_km=float(np.hypot(*(f.pos[victim] - impact))),
                    x_km=float(f.pos[victim][0]), y_km=float(f.pos[victim][1]), end_h=t,
                    weapon="artillery"))
        self.ledger.hit(hit, casualties, np.full(hit.size, shooter_coalition), incident, rng,
                        killed_fraction, indirect=True)

