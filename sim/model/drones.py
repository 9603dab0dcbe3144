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
- Within a step, a nation's sorties of one kind (answering calls; hunting) fly at once:
  they all look before any of them strikes, and the strikes land in order (a unit struck
  twice loses at most its strength). The hunts fly after the strikes on calls, and a
  step's reconnaissance calls leave together (they queue at interpreters as messages
  sent together do, :mod:`sim.model.comms`).

Random numbers are keyed (:mod:`sim.model.keyed`): a step's keys come from the
mechanism's stream, each nation's sortie count from its own key, and each sortie's draws
(its point, each unit's detection, identification and ROE uniforms, clearance, effect)
from the key of (nation, sortie number), so one sortie's draws never shift another's.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.model import attribution, keyed
from sim.model.comms import Network
from sim.model.forces import Forces, position
from sim.model.keyed import binomial, mix, pair_key, poisson, uniform
from sim.model.ledger import Ledger
from sim.model.pictures import Pictures
from sim.model.sensing import visibility
from sim.model.spatial import along_y, in_band, point_within
from sim.schema import Scenario

#: Counters of a sortie's draws (keyed.mix) beyond its units' (4 x unit + 0, 1, 2): its
#: point (2), casualties, killed, strike uncleared, a grid garbled (a clearance request's
#: or a reconnaissance call's: a sortie sends one or the other), then blocks of a message's
#: uniforms from each base.
_POINT, _CASUALTIES, _KILLED, _UNCLEARED, _GARBLE = 2**40, 2**40 + 2, 2**40 + 4, 2**40 + 6, \
    2**40 + 8
_REQUEST, _ANSWER, _CALL = 2**41, 2**42, 2**43


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
        """The calls at ``rows`` (an index or a mask). A mask that keeps every call gives
        these calls themselves, one that keeps none the empty calls: no array is copied
        (nothing writes into a call's arrays)."""
        if getattr(rows, "dtype", None) == np.bool_ and rows.size == self.size:
            if rows.all():
                return self
            if not rows.any():
                return _NO_CALLS
        return Calls(*(a[rows] for a in self))

    @property
    def size(self) -> int:
        """How many calls."""
        return int(self.caller_nation.size)


def joined(parts: list[Calls]) -> Calls:
    """The calls of ``parts``, in order."""
    parts = [p for p in parts if p.size]
    if not parts:
        return no_calls()
    if len(parts) == 1:
        return parts[0]
    return Calls(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def no_calls() -> Calls:
    """An empty set of calls."""
    return _NO_CALLS


def _empty_calls() -> Calls:
    empty, flag, time = np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0)
    return Calls(empty, empty, np.zeros((0, 2)), flag, empty, flag, time, time)


#: The empty calls, shared (and read-only: nothing may write into a call's arrays).
_NO_CALLS = _empty_calls()
for _column in _NO_CALLS:
    _column.setflags(write=False)


class Sorties(NamedTuple):
    """A step's sorties of one kind (arrays of one length, in flying order)."""

    nation: np.ndarray   # int64, the drone team's nation
    x: np.ndarray        # km, the point searched
    y: np.ndarray        # km
    key: np.ndarray      # uint64, the sortie's own key (its draws: keyed.mix(key, i))
    recon: np.ndarray    # bool, a reconnaissance sortie (it calls fire), else a strike

    @property
    def size(self) -> int:
        """How many sorties."""
        return int(self.nation.size)


class DroneStrikes:
    """The drone teams of every nation."""

    def __init__(self, scenario: Scenario, forces: Forces, pictures: Pictures,
                 network: Network, ledger: Ledger) -> None:
        self.scenario = scenario
        self.cfg = cfg = scenario.drones
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
        self.effect = Effect(cfg.occupants, cfg.casualties_per_strike,
                             cfg.killed_fraction_exposed, cfg.killed_fraction)
        self.strikes = 0
        self.recon_calls = 0
        #: this step's strikes: the struck unit's position (x, y) km and the striking
        #: nation's index, one row each (for a viewer; the model does not read it)
        self.struck = np.empty((0, 3))

    def answer(self, t: float, dt: float, calls: Calls, rng: np.random.Generator) -> None:
        """Take this step's calls (those the artillery left) and strike (rules above)."""
        count, order, sortie = keyed.keys(rng, 3)
        self.struck = np.empty((0, 3))       # answer() opens the step's strikes
        rows, nation, rank = keyed.choose(calls.supplier, self.strikes_per_h * dt, count, order)
        if rows.size == 0:
            return
        mine = calls.take(rows)
        sorties = Sorties(nation, mine.grid[:, 0].copy(), mine.grid[:, 1].copy(),
                          keyed.pair_keys(sortie, nation, rank), np.zeros(rows.size, bool))
        target = self._look(t, sorties)
        go = target >= 0
        ask = np.flatnonzero(go & (mine.caller_nation != nation))
        if ask.size:
            go[ask] = self._cleared(t, nation[ask], mine.caller_nation[ask], mine.grid[ask],
                                    sorties.key[ask])
        self._strike(t, sorties, target, go, mine.garbled,
                     mine.challenge_failed & (mine.called == target))

    def hunt(self, t: float, dt: float, rng: np.random.Generator) -> Calls:
        """This step's hunting sorties over the grey zone (rules above): strikes, and the
        calls for fire of the reconnaissance sorties (on their way; the caller sends them to
        :meth:`sim.model.indirect.IndirectFire.call`)."""
        sorties = self._over_grey_zone(dt, keyed.keys(rng, 2))
        if sorties.size == 0:
            return no_calls()
        target = self._look(t, sorties)
        none = np.zeros(sorties.size, bool)
        self._strike(t, sorties, target, (target >= 0) & ~sorties.recon, none, none)
        return self._calls(t, sorties, target, (target >= 0) & sorties.recon)

    def _over_grey_zone(self, dt: float, keys: np.ndarray) -> Sorties:
        """This step's hunting sorties, each over a point of the grey zone along its
        nation's stretch of front (rules above); none for a nation with no unit at the
        front."""
        return Sorties(*_grey_zone(self.forces.view, self.hunts_per_h * dt,
                                   self.recon_per_h * dt, keys[0], keys[1],
                                   self.cfg.hunt_band_km, self.front_x))

    def _look(self, t: float, sorties: Sorties) -> np.ndarray:
        """Each sortie's target: the unit judged hostile nearest its point in the
        footprint, or -1 (rules above)."""
        f, cfg = self.forces, self.cfg
        index, since = self.pictures.friend_index()
        return _from_above(f.view, sorties, Sight(
            visibility(t, self.scenario), cfg.vehicle_recognition, cfg.engage_unidentified,
            self.gate, cfg.footprint_km), self.training, f.nations.coalition, index, since)

    def _cleared(self, t: float, nation: np.ndarray, caller: np.ndarray, grid: np.ndarray,
                 key: np.ndarray) -> np.ndarray:
        """Clearance of each strike from its caller's HQ (rules above): the request, then
        the answer; with none in time, the operator strikes with P ``strike_uncleared``."""
        net, rows, loiter = self.network, self.network.block_rows, self.cfg.loiter_h
        anyway = keyed.block(key, _UNCLEARED, 1)[0] < self.cfg.strike_uncleared
        request = net.send_batch(nation, caller, np.full(key.size, t), None, urgent=True,
                                 u=keyed.block(key, _REQUEST, rows))
        answer = net.send_batch(caller, nation, request.arrive, None, urgent=True,
                                u=keyed.block(key, _ANSWER, rows))
        answered = (request.delivered & (request.arrive - t <= loiter)
                    & answer.delivered & (answer.arrive - t <= loiter))
        understood = net.garbled_grids(grid, request.garbled, keyed.block(key, _GARBLE, 2))
        denied = self.pictures.correlates(caller, understood, self.no_fire_km)
        return np.where(answered, ~denied, anyway)

    def _calls(self, t: float, sorties: Sorties, target: np.ndarray,
               which: np.ndarray) -> Calls:
        """The reconnaissance sorties' calls for fire on their targets (rules above)."""
        rows = np.flatnonzero(which)
        self.recon_calls += rows.size
        if rows.size == 0:
            return no_calls()
        f, net, key = self.forces, self.network, sorties.key[rows]
        nation, called = sorties.nation[rows], target[rows]
        supplier = f.nations.supplier[nation]
        sent = np.full(rows.size, t + self.cfg.feed_delay_h)
        out = net.send_batch(nation, supplier, sent, None, u=keyed.block(key, _CALL, net.block_rows))
        grid = net.garbled_grids(f.pos[called], out.garbled, keyed.block(key, _GARBLE, 2))
        return Calls(nation, supplier, grid, out.garbled, called, np.zeros(rows.size, bool),
                     sent, out.arrive).take(out.delivered)

    def _strike(self, t: float, sorties: Sorties, target: np.ndarray, go: np.ndarray,
                garbled: np.ndarray, challenge_failed: np.ndarray) -> None:
        """The strikes of the sorties ``go`` on their targets (effect rules above);
        ``garbled`` and ``challenge_failed`` are their calls', for an incident's cause."""
        rows = np.flatnonzero(go)
        if rows.size == 0:
            return
        f = self.forces
        struck, nation = target[rows], sorties.nation[rows]
        casualties, killed, vehicle = _effects(
            f.view, struck, sorties.key[rows], f.alert(t, self.alert_h), self.effect)
        self.strikes += rows.size
        self.struck = np.vstack([self.struck, np.column_stack([f.pos[struck], nation])])
        np.subtract.at(f.vehicles, struck[vehicle], 1)
        f.fired_on[struck] = True
        shooter_coalition = f.nations.coalition[nation]
        incident = np.full(rows.size, -1, np.int64)
        fratricide = np.flatnonzero(shooter_coalition & f.coalition[struck])
        if fratricide.size:
            victims, hq = struck[fratricide], nation[fratricide]
            causes = attribution.classify(t, hq, victims, f, self.pictures, self.network,
                                          self.gate, garbled[rows][fratricide],
                                          challenge_failed[rows][fratricide])
            searched = np.column_stack([sorties.x[rows], sorties.y[rows]])[fratricide]
            incident[fratricide] = self.ledger.open_indirect(t, hq, victims, causes, searched,
                                                             "drone", "drones")
        self.ledger.hit(struck, casualties, killed, shooter_coalition, incident, indirect=True)


class Sight(NamedTuple):
    """What a drone team's look from above needs besides the unit table and the sortie."""

    visibility: float            # 1 by day, lower at night
    vehicle_recognition: float   # P(a unit with vehicles is recognised by them)
    engage_unidentified: float   # P(an unidentified unit not in the picture is struck)
    gate: float                  # km, correlation gate against the HQ's picture
    footprint: float             # km, radius searched around the sortie's point


class Effect(NamedTuple):
    """What a strike does (``scenario.drones``)."""

    occupants: float           # soldiers out of action with a vehicle destroyed
    per_strike: float          # mean casualties of a strike on dismounts in the open
    killed_exposed: float      # killed fraction caught in the open
    killed_cover: float        # killed fraction in cover


@njit(cache=True)
def _from_above(units, sorties, sight, training, coalition, index, since):
    """Each sortie's target (rules above), or -1: the unit judged hostile nearest its
    point among the units at the front and alive within the footprint. Each is seen with
    P visibility x (1 - cover), identified with P 1 - (1 - training x markings x
    visibility) x (1 - vehicle_recognition if it has vehicles), and then hostile if of the
    other side; an unidentified unit is hostile when no friend of the team's HQ picture
    (``index``, entries from ``since``) lies within the gate, and with P
    ``engage_unidentified``. Uniforms of unit j: ``mix(key, 4j + 0, 1, 2)`` for detection,
    identification and ROE."""
    out = np.full(sorties.nation.size, -1, np.int64)
    order, ys = along_y(units.anchor + units.offset)
    for s in range(sorties.nation.size):
        x, y, key, nation = sorties.x[s], sorties.y[s], sorties.key[s], sorties.nation[s]
        best_d = np.inf
        for j in in_band(order, ys, y, sight.footprint):     # in unit order
            if units.posture[j] != 1 or units.strength[j] <= 0:          # FRONT, alive
                continue
            jx, jy = position(units, j)
            d = np.hypot(jx - x, jy - y)
            if d > sight.footprint or d >= best_d:
                continue
            if not uniform(mix(key, 4 * j)) < sight.visibility * (1 - units.cover[j]):
                continue
            p_id = training[nation] * units.markings[j] * sight.visibility
            if units.vehicles[j] > 0:
                p_id = 1 - (1 - p_id) * (1 - sight.vehicle_recognition)
            if uniform(mix(key, 4 * j + 1)) < p_id:
                hostile = units.coalition[j] != coalition[nation]
            else:
                hostile = (not point_within(nation, jx, jy, sight.gate, since, index)
                           and uniform(mix(key, 4 * j + 2)) < sight.engage_unidentified)
            if hostile:
                out[s], best_d = j, d
    return out


@njit(cache=True)
def _effects(units, target, key, alert, effect):
    """Each strike's (casualties, killed, a vehicle destroyed), in order (rules above): a
    unit struck again in the step has the strength and vehicles the earlier strikes left
    it."""
    n = target.size
    casualties = np.zeros(n, np.int64)
    killed = np.zeros(n, np.int64)
    vehicle = np.zeros(n, np.bool_)
    strength = units.strength.copy()
    vehicles = units.vehicles.copy()
    for s in range(n):
        j = target[s]
        surprised = not alert[j]
        if surprised and vehicles[j] > 0:
            vehicles[j] -= 1
            vehicle[s] = True
            c = int(np.rint(effect.occupants))
        else:
            c = poisson(effect.per_strike * (1.0 if surprised else units.protection[j]),
                        mix(key[s], _CASUALTIES))
        c = min(c, strength[j])
        strength[j] -= c
        casualties[s] = c
        fraction = effect.killed_exposed if surprised else effect.killed_cover
        killed[s] = binomial(c, fraction, mix(key[s], _KILLED))
    return casualties, killed, vehicle


@njit(cache=True)
def _grey_zone(units, hunts, recon, count_key, sortie_key, band, front_x):
    """The step's hunting sorties (rules above) as Sorties columns: nation by nation,
    Poisson(``hunts[k]``) strike sorties then Poisson(``recon[k]``) reconnaissance
    sorties (counts keyed by nation), each over x = front_x + band x (2u - 1) and y
    uniform over the nation's stretch of front."""
    total = 0
    counts = np.zeros((hunts.size, 2), np.int64)
    for k in range(hunts.size):
        counts[k, 0] = poisson(hunts[k], mix(count_key, 2 * k))
        counts[k, 1] = poisson(recon[k], mix(count_key, 2 * k + 1))
        total += counts[k, 0] + counts[k, 1]
    nation = np.empty(total, np.int64)
    x, y = np.empty(total), np.empty(total)
    key = np.empty(total, np.uint64)
    is_recon = np.zeros(total, np.bool_)
    m = 0
    for k in range(hunts.size):
        found, y_min, y_max = _stretch(units, k)
        if not found:
            continue
        for j in range(counts[k, 0] + counts[k, 1]):
            key[m] = pair_key(sortie_key, k, j)
            nation[m] = k
            x[m] = front_x + band * (2 * uniform(mix(key[m], _POINT)) - 1)
            y[m] = y_min + (y_max - y_min) * uniform(mix(key[m], _POINT + 1))
            is_recon[m] = j >= counts[k, 0]
            m += 1
    return nation[:m], x[:m], y[:m], key[:m], is_recon[:m]


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
