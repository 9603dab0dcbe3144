"""Strike drones: calls for fire answered by an operator who looks before striking.

Rules (``scenario.drones``; times in hours, distances in km):
- A nation's drone teams take up to Poisson(``drone_strikes_per_h`` x dt) of the calls
  for fire that reached its HQ in a step and that its artillery did not take
  (:mod:`sim.model.indirect`), chosen at random.
- The operator searches ``footprint_km`` around the grid as it was received (a
  garbled call sends it to the wrong place) and sees each fighting unit there with
  P visibility x (1 - the unit's cover).
- Identification from above, with no challenge possible: the operator (its nation's
  ``training``) identifies a unit's side with P training x the unit's markings x
  visibility, and, for a unit with vehicles in action, also by their type with P
  ``vehicle_recognition``. An identified friend is spared and an identified enemy
  judged hostile. An unidentified unit that the drone HQ's picture shows as a friend
  within ``identification.gate_km`` is spared; any other is judged hostile with P
  ``engage_unidentified``. The operator strikes the unit judged hostile nearest the
  grid, if any.
- Clearance: a strike answering another nation's call needs that nation's HQ to clear
  it. The request crosses the route between the two HQs on the priority channel, as a
  check-fire call does (loss, delay, interpreters, garbling: :mod:`sim.model.comms`),
  and, once it has arrived, the answer comes back the same way. The caller's
  HQ denies the strike if its own published picture shows a friend within
  ``indirect_fire.no_fire_radius_km`` of the grid as it understood it (a garbled request
  is checked at the wrong place). With no answer within ``loiter_h`` the operator
  strikes with P ``strike_uncleared``.
- Effect: a unit not alert (``surprise.alert_h``) is caught in the open: if it has
  vehicles in action, the strike destroys one and puts its ``occupants`` (rounded) out
  of action; else it puts Poisson(``casualties_per_strike``) soldiers out of action.
  A unit that expects fire is dismounted and in cover: Poisson(``casualties_per_strike``
  x its ``protection``). At most the unit's strength. Casualties are killed with
  ``killed_fraction_exposed`` in the open, ``killed_fraction`` in cover. The unit is
  then under fire.
- The operator sees a unit where it is (a video feed has no sensing error worth the
  name at these distances; its delay is not modelled: units on patrol move 0.05 km per
  sqrt(h)).
- A coalition unit struck by a coalition drone is a friendly-fire incident, judged
  against the drone HQ's picture and the grid as received, with weapon ``drone``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.model import attribution
from sim.model.comms import Network
from sim.model.forces import Forces
from sim.model.ledger import Ledger
from sim.model.pictures import Pictures
from sim.model.records import Fire, Incident
from sim.model.sensing import visibility
from sim.schema import Scenario


class Calls(NamedTuple):
    """Calls for fire of one step that reached the supporting HQ (arrays of one length)."""

    caller: np.ndarray            # int64, the calling unit
    supplier: np.ndarray          # int64, the nation whose fires answer it
    grid: np.ndarray              # (M, 2) km, the grid as the supplier received it
    garbled: np.ndarray           # bool, the call was garbled on its way
    called: np.ndarray            # int64, the unit the call was on
    challenge_failed: np.ndarray  # bool, the caller's challenge of that unit failed


class DroneStrikes:
    """The drone teams of every nation."""

    def __init__(self, scenario: Scenario, forces: Forces, pictures: Pictures,
                 network: Network, ledger: Ledger) -> None:
        self.scenario = scenario
        self.cfg = scenario.drones
        self.alert_h = scenario.surprise.alert_h
        self.gate = scenario.identification.gate_km
        self.no_fire_km = scenario.indirect_fire.no_fire_radius_km
        self.forces, self.pictures, self.network, self.ledger = forces, pictures, network, ledger
        nations = [scenario.nations[n] for n in forces.nation_names]
        self.strikes_per_h = np.array([n.drone_strikes_per_h for n in nations], dtype=float)
        self.training = np.array([n.training for n in nations], dtype=float)
        self.strikes = 0

    def answer(self, t: float, dt: float, calls: Calls, rng: np.random.Generator) -> None:
        """Take this step's calls (those the artillery left) and strike (rules above).

        Common random numbers: the step's stream gives each nation, in table order, one
        seed of its own, and each nation's generator one seed per sortie, so what one
        sortie draws does not shift the numbers of the others."""
        seeds = rng.integers(0, 2**63 - 1, size=self.strikes_per_h.size)
        for nation, seed in enumerate(seeds.tolist()):
            own = np.random.default_rng(seed)
            n_strikes = int(own.poisson(self.strikes_per_h[nation] * dt))
            rows = np.flatnonzero(calls.supplier == nation)
            sorties = own.integers(0, 2**63 - 1, size=n_strikes)
            for k, sortie in zip(own.permutation(rows)[:n_strikes], sorties.tolist(),
                                 strict=False):
                self._sortie(t, nation, int(k), calls, np.random.default_rng(sortie))

    def _sortie(self, t: float, nation: int, k: int, calls: Calls,
                rng: np.random.Generator) -> None:
        """One sortie on call ``k``: search, identify, clear, strike."""
        f, cfg = self.forces, self.cfg
        grid = calls.grid[k]
        near = np.flatnonzero(f.fighting & (np.hypot(*(f.pos - grid).T) <= cfg.footprint_km))
        if near.size == 0:
            return
        vis = visibility(t, self.scenario)
        u = rng.random((3, f.n))[:, near]                  # per unit: detect, identify, ROE
        seen = u[0] < vis * (1 - f.cover[near])
        p_id = self.training[nation] * f.markings[near] * vis
        p_id = 1 - (1 - p_id) * (1 - cfg.vehicle_recognition * (f.vehicles[near] > 0))
        friend = f.coalition[near] == bool(f.nations.coalition[nation])
        pictured = self.pictures.correlates(np.full(near.size, nation), f.pos[near],
                                            self.gate)
        hostile = seen & np.where(u[1] < p_id, ~friend,
                                  ~pictured & (u[2] < cfg.engage_unidentified))
        if not hostile.any():
            return
        candidates = near[hostile]
        target = int(candidates[np.argmin(np.hypot(*(f.pos[candidates] - grid).T))])
        caller_nation = int(f.nation[calls.caller[k]])
        if caller_nation != nation and not self._cleared(t, nation, caller_nation, grid, rng):
            return
        self._strike(t, nation, target, calls, k, rng)

    def _cleared(self, t: float, nation: int, caller: int, grid: np.ndarray,
                 rng: np.random.Generator) -> bool:
        """Clearance from the caller's HQ (rules above): the request, then the answer."""
        net = self.network
        anyway = rng.random() < self.cfg.strike_uncleared
        request = net.send_batch(np.array([nation]), np.array([caller]), np.array([t]), rng,
                                 urgent=True)
        if not request.delivered[0] or request.arrive[0] - t > self.cfg.loiter_h:
            return bool(anyway)
        answer = net.send_batch(np.array([caller]), np.array([nation]), request.arrive, rng,
                                urgent=True)
        if not (answer.delivered[0] and answer.arrive[0] - t <= self.cfg.loiter_h):
            return bool(anyway)
        understood = net.garble(grid[None, :], request.garbled, rng)
        return not bool(self.pictures.correlates(np.array([caller]), understood,
                                                 self.no_fire_km)[0])

    def _strike(self, t: float, nation: int, target: int, calls: Calls, k: int,
                rng: np.random.Generator) -> None:
        """The strike on unit ``target`` answering call ``k`` (effect rules above)."""
        f, cfg = self.forces, self.cfg
        self.strikes += 1
        surprised = not f.alert(t, self.alert_h)[target]
        if surprised and f.vehicles[target] > 0:
            f.vehicles[target] -= 1
            casualties = int(np.rint(cfg.occupants))
        else:
            mean = cfg.casualties_per_strike * (1.0 if surprised else f.protection[target])
            casualties = int(rng.poisson(mean))
        casualties = min(casualties, int(f.strength[target]))
        f.fired_on[target] = True
        shooter_coalition = bool(f.nations.coalition[nation])
        incident = -1
        if shooter_coalition and f.coalition[target]:
            cause = attribution.classify(
                t, np.array([nation]), np.array([target]), f, self.pictures, self.network,
                self.gate, calls.garbled[k:k + 1],
                calls.challenge_failed[k:k + 1] & (calls.called[k:k + 1] == target))[0]
            name = f.nation_names[nation]
            x, y = f.pos[target]
            incident = self.ledger.open(Incident(
                replication=self.ledger.replication, time_h=t,
                shooter_unit=f"{name}-drones", shooter_nation=name,
                target_unit=f.names[target], target_nation=f.nation_names[f.nation[target]],
                cause=cause, fire=Fire.INDIRECT,
                distance_km=float(np.hypot(*(f.pos[target] - calls.grid[k]))),
                x_km=float(x), y_km=float(y), end_h=t, weapon="drone"))
        killed = cfg.killed_fraction_exposed if surprised else cfg.killed_fraction
        self.ledger.hit(np.array([target]), np.array([casualties]),
                        np.array([shooter_coalition]), np.array([incident]), rng, killed,
                        indirect=True)

