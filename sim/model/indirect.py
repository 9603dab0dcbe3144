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
- A step's missions land in order: a unit hit twice loses a fraction of what the first
  left it.

Random numbers: the missions' counts, choice and effects are keyed
(:mod:`sim.model.keyed`): each nation's count by its own key, the choice by a uniform per
call, and each mission's aim and casualties by the key of (nation, mission number), so
one mission's draws never shift another's.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.model import attribution, keyed
from sim.model.comms import Network, radio_hop
from sim.model.drones import Calls, joined, no_calls
from sim.model.forces import Forces, position
from sim.model.keyed import binomial, mix, normal_pair, uniform
from sim.model.ledger import Ledger
from sim.model.pictures import Pictures
from sim.model.sensing import Contacts, first_per_observer
from sim.model.spatial import along_y, in_band
from sim.schema import Scenario


class IndirectFire:
    """Artillery and drones of every nation."""

    def __init__(self, scenario: Scenario, forces: Forces, pictures: Pictures,
                 network: Network, ledger: Ledger) -> None:
        self.cfg = cfg = scenario.indirect_fire
        self.shells = Shells(cfg.dispersion_km, cfg.effect_radius_km, cfg.casualty_fraction,
                             cfg.killed_fraction_exposed, cfg.killed_fraction)
        self.alert_h = scenario.surprise.alert_h
        self.gate = scenario.identification.gate_km
        self.forces, self.pictures, self.network, self.ledger = forces, pictures, network, ledger
        self.missions_fired = 0
        self.in_flight = no_calls()     # calls sent that have not reached their HQ yet
        self.expired = 0                # calls dropped on arrival as stale
        #: this step's missions: impact point (x, y) km and the firing nation's index, one
        #: row each (for a viewer; the model does not read it)
        self.landed = np.empty((0, 3))

    def call(self, calls: Calls) -> None:
        """Send ``calls`` on their way (they are fired in the step they arrive: rules above)."""
        self.in_flight = joined([self.in_flight, calls])

    def step(self, t: float, dt: float, contacts: Contacts,
             rng: np.random.Generator) -> Calls:
        """Calls for fire from this step's contacts sent; the calls that arrive in this step
        fired on; casualties. Returns the arrived calls no mission took (for the drone
        teams, :mod:`sim.model.drones`)."""
        keys = keyed.keys(rng, 3)          # the missions' keys, before the calls' draws
        self.landed = np.empty((0, 3))
        self.call(self._send(t, dt, contacts, rng))
        due = self.in_flight.arrive_h < t + dt
        arrived, self.in_flight = self.in_flight.take(due), self.in_flight.take(~due)
        fresh = arrived.arrive_h - arrived.sent_h <= self.cfg.call_expiry_h
        self.expired += int((~fresh).sum())
        return self._fire(t, dt, arrived.take(fresh), keys)

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

    def _fire(self, t: float, dt: float, calls: Calls, keys: np.ndarray) -> Calls:
        """Missions on the calls that arrived (rules above); returns the calls left.
        ``keys``: the step's keys of the missions' count, choice and draws."""
        f = self.forces
        count, order, mission = keys
        rows, nation, rank = keyed.choose(calls.supplier, f.nations.fire_missions_per_h * dt,
                                          count, order)
        left = np.ones(calls.size, bool)
        left[rows] = False
        # fire-support coordination against the firing HQ's picture
        clear = ~self.pictures.correlates(nation, calls.grid[rows], self.cfg.no_fire_radius_km)
        rows, nation, key = rows[clear], nation[clear], keyed.pair_keys(mission, nation,
                                                                           rank)[clear]
        self.missions_fired += rows.size
        if rows.size:
            self._land(t, calls.take(rows), nation, key)
        return calls.take(left)

    def _calls(self, c: Contacts, wants: np.ndarray) -> np.ndarray:
        """Index of the nearest hostile contact of each front unit that calls this step."""
        f = self.forces
        return first_per_observer(c.hostile & f.at_front[c.observer] & wants[c.observer], c)

    def _land(self, t: float, calls: Calls, nation: np.ndarray, key: np.ndarray) -> None:
        """Area effects of the missions fired by ``nation`` on ``calls``, in order (a
        failed challenge is a cause only for the unit the call was on, not for
        bystanders)."""
        f = self.forces
        mission, hit, casualties, killed, impact = _missions(
            f.view, calls.grid, key, f.alert(t, self.alert_h), self.shells)
        self.landed = np.vstack([self.landed, np.column_stack([impact, nation])])
        if hit.size == 0:
            return
        f.fired_on[hit] = True
        shooter = nation[mission]
        shooter_coalition = f.nations.coalition[shooter]
        incident = np.full(hit.size, -1, np.int64)
        fratricide = np.flatnonzero(f.coalition[hit] & shooter_coalition)
        if fratricide.size:
            victims, by = hit[fratricide], mission[fratricide]
            causes = attribution.classify(
                t, shooter[fratricide], victims, f, self.pictures, self.network, self.gate,
                calls.garbled[by], calls.challenge_failed[by] & (victims == calls.called[by]))
            incident[fratricide] = self.ledger.open_indirect(
                t, shooter[fratricide], victims, causes, impact[by], "artillery", "fires")
        self.ledger.hit(hit, casualties, killed, shooter_coalition, incident, indirect=True)


class Shells(NamedTuple):
    """What a mission does (``scenario.indirect_fire``)."""

    dispersion: float          # km, aim error per axis (standard deviation)
    radius: float              # km, every unit within it of the impact is hit
    casualty_fraction: float   # of a unit's strength, caught in the open
    killed_exposed: float      # killed fraction caught in the open
    killed_cover: float        # killed fraction in cover


@njit(cache=True)
def _missions(units, grid, key, alert, shells):
    """Area effects of missions on ``grid`` (M, 2), in order (rules above): each lands
    at its grid plus a normal aim error (uniforms ``mix(key, 0, 1)``) and hits every unit
    at the front and alive within the effect radius, Binomial(strength left by the
    earlier missions, casualty fraction x (1 if surprised else protection)) casualties
    (keyed ``mix(key, 2 + 2j)``), each killed with the fraction of the open or of cover
    (``mix(key, 3 + 2j)``). Returns the hits (mission, unit, casualties, killed), by
    mission then unit, and the impacts. Only the units in the band of y within the effect
    radius of an impact are looked at (:func:`~sim.model.spatial.in_band`)."""
    m = key.size
    impact = np.empty((m, 2))
    for s in range(m):
        z1, z2 = normal_pair(uniform(mix(key[s], 0)), uniform(mix(key[s], 1)))
        impact[s, 0] = grid[s, 0] + shells.dispersion * z1
        impact[s, 1] = grid[s, 1] + shells.dispersion * z2
    order, ys = along_y(units.anchor + units.offset)
    near = [in_band(order, ys, impact[s, 1], shells.radius) for s in range(m)]
    size = 0
    for rows in near:
        size += rows.size
    mission = np.empty(size, np.int64)
    unit = np.empty(size, np.int64)
    casualties = np.empty(size, np.int64)
    killed = np.empty(size, np.int64)
    strength = units.strength.copy()
    k = 0
    for s in range(m):
        ix, iy = impact[s, 0], impact[s, 1]
        for j in near[s]:
            if units.posture[j] != 1 or strength[j] <= 0:          # FRONT, alive
                continue
            jx, jy = position(units, j)
            if np.hypot(jx - ix, jy - iy) > shells.radius:
                continue
            surprised = not alert[j]
            p = shells.casualty_fraction * (1.0 if surprised else units.protection[j])
            c = binomial(strength[j], p, mix(key[s], 2 + 2 * j))
            fraction = shells.killed_exposed if surprised else shells.killed_cover
            mission[k], unit[k], casualties[k] = s, j, c
            killed[k] = binomial(c, fraction, mix(key[s], 3 + 2 * j))
            strength[j] -= c
            k += 1
    return mission[:k], unit[:k], casualties[:k], killed[:k], impact
