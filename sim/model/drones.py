"""Drones: strike drones answering calls for fire, and drones hunting the grey zone.

Rules (``scenario.drones``; times in hours, distances in km):
- Answering calls: a nation's drone teams take up to Poisson(``drone_strikes_per_h`` x dt)
  of the calls for fire that reached its HQ in a step and that its artillery did not take
  (:mod:`sim.model.indirect`), chosen at random. The operator searches ``footprint_km``
  around the grid as it was received (a garbled call sends it to the wrong place).
- Hunting: a nation also flies Poisson(``drone_hunts_per_h`` x dt) strike sorties and
  Poisson(``drone_recon_per_h`` x dt) reconnaissance sorties a step on its own, each over a
  point of the grey zone drawn at random: along the stretch of front its units at the
  front hold (from the first to the last of them), within ``hunt_band_km`` of the front
  line on either side (the strip between the lines and both sides' forward positions,
  whose exact trace an operator does not know). The operator searches ``footprint_km``
  around that point.
- Looking (every sortie): the operator sees each fighting unit in the footprint with P
  visibility x (1 - the unit's cover). Identification from above, with no challenge
  possible: the operator (its nation's ``training``) identifies a unit's side with P
  training x the unit's markings x visibility, and, for a unit with vehicles in action,
  also by their type with P ``vehicle_recognition``. An identified friend is spared and an
  identified enemy judged hostile. An unidentified unit that the drone HQ's picture shows
  as a friend within ``identification.gate_km`` is spared; any other is judged hostile with
  P ``engage_unidentified``. The sortie's target is the unit judged hostile nearest the
  point searched, if any.
- A strike sortie (answering a call, or hunting) strikes its target. A reconnaissance
  sortie calls fire on it instead: the call leaves ``feed_delay_h`` after the sighting (the
  video relayed to the fires cell, the grid read off it), with the grid where the unit was
  seen, from the drone nation's HQ to the HQ of the nation that supports it, as any call
  for fire does (loss, delay, language: :mod:`sim.model.comms`); it then waits for
  artillery or strike drones like any other call, and by the time it is fired its target
  may have moved or another unit stand there.
- Clearance: a strike answering another nation's call needs that nation's HQ to clear
  it. The request crosses the route between the two HQs on the priority channel, as a
  check-fire call does (loss, delay, interpreters, garbling: :mod:`sim.model.comms`),
  and, once it has arrived, the answer comes back the same way. The caller's
  HQ denies the strike if its own published picture shows a friend within
  ``indirect_fire.no_fire_radius_km`` of the grid as it understood it (a garbled request
  is checked at the wrong place). With no answer within ``loiter_h`` the operator
  strikes with P ``strike_uncleared``. A hunt over the grey zone needs no clearance: the
  ground is the team's own to search, and the friends it spares are those of its HQ's
  picture.
- Effect: a unit not alert (``surprise.alert_h``) is caught in the open: if it has
  vehicles in action, the strike destroys one and puts its ``occupants`` (rounded) out
  of action; else it puts Poisson(``casualties_per_strike``) soldiers out of action.
  A unit that expects fire is dismounted and in cover: Poisson(``casualties_per_strike``
  x its ``protection``). At most the unit's strength. Casualties are killed with
  ``killed_fraction_exposed`` in the open, ``killed_fraction`` in cover. The unit is
  then under fire.
- An operator striking sees its target where it is: the video of a strike drone is
  seconds old, and units on patrol move 0.05 km per sqrt(h). The delay that matters is a
  reconnaissance call's, from sighting to the guns.
- A coalition unit struck by a coalition drone is a friendly-fire incident, judged
  against the drone HQ's picture and the grid searched (as received, for a call), with
  weapon ``drone``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.model import attribution
from sim.model.comms import Network
from sim.model.forces import Forces, position
from sim.model.ledger import Ledger
from sim.model.pictures import Pictures
from sim.model.records import Fire, Incident
from sim.model.sensing import visibility
from sim.model.spatial import point_within
from sim.schema import Scenario


class Calls(NamedTuple):
    """Calls for fire on their way to, or at, the supporting HQ (arrays of one length)."""

    caller_nation: np.ndarray     # int64, the nation that called (a unit's, or the
                                  # reconnaissance drones'; its HQ clears strikes)
    supplier: np.ndarray          # int64, the nation whose fires answer it
    grid: np.ndarray              # (M, 2) km, the grid as the supplier received it
    garbled: np.ndarray           # bool, the call was garbled on its way
    called: np.ndarray            # int64, the unit the call was on
    challenge_failed: np.ndarray  # bool, the caller's challenge of that unit failed
    sent_h: np.ndarray            # float, when the call left
    arrive_h: np.ndarray          # float, when it reached the supplier's HQ

    def take(self, rows: np.ndarray) -> Calls:
        """The calls at ``rows`` (an index or a mask)."""
        return Calls(*(a[rows] for a in self))

    @property
    def size(self) -> int:
        """How many calls."""
        return int(self.caller_nation.size)


def joined(parts: list[Calls]) -> Calls:
    """The calls of ``parts``, in order."""
    if not parts:
        return no_calls()
    return Calls(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def no_calls() -> Calls:
    """An empty set of calls."""
    empty, flag, time = np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0)
    return Calls(empty, empty, np.zeros((0, 2)), flag, empty, flag, time, time)


class DroneStrikes:
    """The drone teams of every nation."""

    def __init__(self, scenario: Scenario, forces: Forces, pictures: Pictures,
                 network: Network, ledger: Ledger) -> None:
        self.scenario = scenario
        self.cfg = scenario.drones
        self.alert_h = scenario.surprise.alert_h
        self.gate = scenario.identification.gate_km
        self.no_fire_km = scenario.indirect_fire.no_fire_radius_km
        self.front_x = scenario.front_line_x_km
        self.forces, self.pictures, self.network, self.ledger = forces, pictures, network, ledger
        nations = [scenario.nations[n] for n in forces.nation_names]
        self.strikes_per_h = np.array([n.drone_strikes_per_h for n in nations], dtype=float)
        self.hunts_per_h = np.array([n.drone_hunts_per_h for n in nations], dtype=float)
        self.recon_per_h = np.array([n.drone_recon_per_h for n in nations], dtype=float)
        self.training = np.array([n.training for n in nations], dtype=float)
        self.strikes = 0
        self.recon_calls = 0

    def answer(self, t: float, dt: float, calls: Calls, rng: np.random.Generator) -> None:
        """Take this step's calls (those the artillery left) and strike (rules above).

        Common random numbers: the step's stream gives each nation, in table order, one
        seed of its own, and each nation's generator one seed per sortie, so what one
        sortie draws does not shift the numbers of the others."""
        for nation, own in _per_nation(rng, self.strikes_per_h.size):
            n_strikes = int(own.poisson(self.strikes_per_h[nation] * dt))
            rows = np.flatnonzero(calls.supplier == nation)
            sorties = own.integers(0, 2**63 - 1, size=n_strikes)
            for k, sortie in zip(own.permutation(rows)[:n_strikes], sorties.tolist(),
                                 strict=False):
                self._answer_call(t, nation, calls.take(slice(int(k), int(k) + 1)),
                                  _generator(sortie))

    def hunt(self, t: float, dt: float, rng: np.random.Generator) -> Calls:
        """This step's hunting sorties over the grey zone (rules above): strikes, and the
        calls for fire of the reconnaissance sorties (on their way; the caller sends them to
        :meth:`sim.model.indirect.IndirectFire.call`). Common random numbers as
        :meth:`answer`: a seed per nation, one per sortie."""
        out = []
        for nation, own in _per_nation(rng, self.hunts_per_h.size):
            n_hunts = int(own.poisson(self.hunts_per_h[nation] * dt))
            n_recon = int(own.poisson(self.recon_per_h[nation] * dt))
            sorties = own.integers(0, 2**63 - 1, size=n_hunts + n_recon).tolist()
            for j, sortie in enumerate(sorties):
                srng = _generator(sortie)
                point = self._hunting_point(nation, srng)
                if point is None:
                    break
                target = self._look(t, nation, point, srng)
                if target < 0:
                    continue
                if j < n_hunts:
                    self._strike(t, nation, target, point, False, False, srng)
                else:
                    out.append(self._call(t, nation, target, srng))
        return joined(out)

    def _hunting_point(self, nation: int, rng: np.random.Generator) -> np.ndarray | None:
        """A point of the grey zone over the nation's stretch of front (rules above); None
        when it has no unit at the front."""
        u = rng.random(2)
        found, y_min, y_max = _stretch(self.forces.view, nation)
        if not found:
            return None
        band = self.cfg.hunt_band_km
        return np.array([self.front_x + band * (2 * u[0] - 1), y_min + (y_max - y_min) * u[1]])

    def _call(self, t: float, nation: int, target: int, rng: np.random.Generator) -> Calls:
        """A reconnaissance sortie's call for fire on ``target`` (rules above)."""
        self.recon_calls += 1
        f, sent = self.forces, t + self.cfg.feed_delay_h
        supplier = f.nations.supplier[nation]
        out = self.network.send_batch(np.array([nation]), np.array([supplier]),
                                      np.array([sent]), rng)
        grid = self.network.garble(f.pos[[target]], out.garbled, rng)
        keep = out.delivered
        one = np.ones(1, np.int64)
        return Calls(nation * one, supplier * one, grid, out.garbled, target * one,
                     np.zeros(1, bool), np.array([sent]), out.arrive).take(keep)

    def _answer_call(self, t: float, nation: int, call: Calls,
                     rng: np.random.Generator) -> None:
        """One sortie on a call (a set of one): look, clear, strike."""
        grid = call.grid[0]
        target = self._look(t, nation, grid, rng)
        if target < 0:
            return
        caller_nation = int(call.caller_nation[0])
        if caller_nation != nation and not self._cleared(t, nation, caller_nation, grid, rng):
            return
        self._strike(t, nation, target, grid, bool(call.garbled[0]),
                     bool(call.challenge_failed[0] and call.called[0] == target), rng)

    def _look(self, t: float, nation: int, point: np.ndarray,
              rng: np.random.Generator) -> int:
        """The unit judged hostile nearest ``point`` in the footprint, or -1 (rules above)."""
        f, cfg = self.forces, self.cfg
        near = _footprint(f.view, float(point[0]), float(point[1]), cfg.footprint_km)
        if near.size == 0:
            return -1
        u = rng.random((3, f.n))[:, near]                  # per unit: detect, identify, ROE
        index, since = self.pictures.friend_index()
        return _from_above(f.view, near, float(point[0]), float(point[1]), u, Sight(
            visibility(t, self.scenario), float(self.training[nation]),
            cfg.vehicle_recognition, bool(f.nations.coalition[nation]),
            cfg.engage_unidentified, self.gate, nation), index, since)

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

    def _strike(self, t: float, nation: int, target: int, grid: np.ndarray, garbled: bool,
                challenge_failed: bool, rng: np.random.Generator) -> None:
        """The strike on unit ``target``, searched for at ``grid`` (effect rules above);
        ``garbled`` and ``challenge_failed`` are the call's, for the incident's cause."""
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
                self.gate, np.array([garbled]), np.array([challenge_failed]))[0]
            name = f.nation_names[nation]
            x, y = f.pos[target]
            incident = self.ledger.open(Incident(
                replication=self.ledger.replication, time_h=t,
                shooter_unit=f"{name}-drones", shooter_nation=name,
                target_unit=f.names[target], target_nation=f.nation_names[f.nation[target]],
                cause=cause, fire=Fire.INDIRECT,
                distance_km=float(np.hypot(*(f.pos[target] - grid))),
                x_km=float(x), y_km=float(y), end_h=t, weapon="drone"))
        killed = cfg.killed_fraction_exposed if surprised else cfg.killed_fraction
        self.ledger.hit(np.array([target]), np.array([casualties]),
                        np.array([shooter_coalition]), np.array([incident]), rng, killed,
                        indirect=True)


class Sight(NamedTuple):
    """What a drone team's look from above needs besides the unit table."""

    visibility: float            # 1 by day, lower at night
    training: float              # the team's nation's skill at identification, 0..1
    vehicle_recognition: float   # P(a unit with vehicles is recognised by them)
    coalition: bool              # the team's nation is on the coalition side
    engage_unidentified: float   # P(an unidentified unit not in the picture is struck)
    gate: float                  # km, correlation gate against the HQ's picture
    nation: int                  # the team's nation (= its HQ's picture)


@njit(cache=True)
def _from_above(units, near, x, y, u, sight, index, since):
    """The unit judged hostile nearest (x, y) among the units ``near`` (in the footprint),
    or -1 (rules above): each seen with P visibility x (1 - cover), identified with P
    1 - (1 - training x markings x visibility) x (1 - vehicle_recognition if it has
    vehicles), and then hostile if of the other side; an unidentified unit is hostile when
    no friend of the HQ's picture (``index``, entries from ``since``) lies within the gate
    and with P ``engage_unidentified``. ``u`` (3, len(near)): the uniforms of detection,
    identification and ROE."""
    best, best_d = -1, np.inf
    for k in range(near.size):
        j = near[k]
        if not u[0, k] < sight.visibility * (1 - units.cover[j]):
            continue
        p_id = sight.training * units.markings[j] * sight.visibility
        p_id = 1 - (1 - p_id) * (1 - sight.vehicle_recognition * (1.0 if units.vehicles[j] > 0
                                                                 else 0.0))
        jx, jy = position(units, j)
        if u[1, k] < p_id:
            hostile = units.coalition[j] != sight.coalition
        else:
            hostile = (not point_within(sight.nation, jx, jy, sight.gate, since, index)
                       and u[2, k] < sight.engage_unidentified)
        if hostile:
            d = np.hypot(jx - x, jy - y)
            if d < best_d:
                best, best_d = j, d
    return best


def _per_nation(rng: np.random.Generator, n: int):
    """(nation, its own generator) for each nation in table order: one seed each from the
    step's stream, so one nation's draws never shift another's."""
    for nation, seed in enumerate(rng.integers(0, 2**63 - 1, size=n).tolist()):
        yield nation, _generator(seed)


@njit(cache=True)
def _footprint(units, x, y, radius):
    """The units at the front and alive within ``radius`` km of (x, y), in table order."""
    out = np.empty(units.strength.size, np.int64)
    k = 0
    for i in range(units.strength.size):
        if units.posture[i] == 1 and units.strength[i] > 0:      # FRONT
            ux, uy = position(units, i)
            if np.hypot(ux - x, uy - y) <= radius:
                out[k] = i
                k += 1
    return out[:k]


@njit(cache=True)
def _stretch(units, nation):
    """The nation's stretch of front: whether it has a unit at the front and alive, and the
    least and greatest y (km) of their anchors."""
    found, y_min, y_max = False, np.inf, -np.inf
    for i in range(units.strength.size):
        if units.nation[i] == nation and units.posture[i] == 1 and units.strength[i] > 0:
            found = True
            y_min = min(y_min, units.anchor[i, 1])
            y_max = max(y_max, units.anchor[i, 1])
    return found, y_min, y_max


def _generator(seed: int) -> np.random.Generator:
    """``np.random.default_rng(seed)`` (the same numbers), built a quarter faster."""
    return np.random.Generator(np.random.PCG64(seed))
