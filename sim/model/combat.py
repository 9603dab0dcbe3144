"""Direct fire: engagements and Lanchester aimed-fire attrition.

Rules:
- Engagements: a unit at the front engages every contact it judged hostile
  within its reach on it (the longest range of its weapons that can hit that
  target: :func:`sim.model.weapons.reach_on`) that it is not already firing on,
  one engagement per (shooter, target) pair. It keeps firing on a target until the target is
  out of range or out of action, the shooter leaves the front, or (for a
  friend) the shooter recognises its mistake (:mod:`sim.model.attribution`).
- Aimed fire, distributed over the targets held (Lanchester square law): a
  firing unit of strength S soldiers whose fire on a target at distance d is
  a(d) casualties per firing soldier per hour (its weapon systems and its
  soldiers' aimed fire, :mod:`sim.model.weapons`) puts a hazard of a(d)*S
  casualties/h on the units it is firing on, spread in proportion to their
  strength: a target of strength T among held targets of total strength
  T_held receives a(d)*S*T/T_held casualties/h. So each soldier of its
  targets is exposed to the same a*S/T_held per hour, whether those soldiers
  stand in one unit or in many, and a small target draws only its share of
  the fire.
- An engagement opens with a firefight: for its first ``engagement.firefight_h`` its
  weapons fire at their firefight rate, then at their sustained rate (positions held);
  a(d) above is the rate of the phase.
- Cover and surprise (``scenario.surprise``): a(d) is against soldiers in the
  open; a target in cover takes its group's ``protection`` share of it. A
  target that does not, in the look of the step the fire starts, detect its
  shooter and judge it hostile (a friend it trusts, an enemy it has not seen
  this step) is surprised: its
  soldiers are in the open for the first ``exposed_h`` of the engagement, then
  in cover. A target that holds the shooter as hostile is in cover from the
  start. Casualties in the open are killed with the weapons' exposed killed
  fraction, those in cover with the covered one (rate-weighted over the
  shooter's systems at that distance).
- A target of strength T under hazards summing to H casualties/h loses
  Binomial(T, 1 - exp(-H dt / T)) in a step of dt hours, shared among its
  shooters in proportion to their hazard (a multinomial draw): each of its
  soldiers becomes a casualty with the probability set by the per-soldier
  rate H/T, so the expected loss is H dt while H dt << T and never exceeds
  T. Units fired on together lose as one unit of their combined strength
  would. Hazard is lost (1 - exp(-x) < x) only where the fire on a target's
  soldiers nearly uses them up within the step, which depends on the rate
  per soldier and dt, not on how the targets are cut into units.
- A shooter fires only until it learns that its target is a friend: in the step
  in which it learns, at time ``until``, it fires on that target for ``until - t``
  of the step's ``dt`` hours, so a check-fire that gets through in minutes costs
  minutes of fire. (The shares of the shooter's fire are those of the targets
  held at the start of the step; the share of a target it stops firing on is
  not moved to the others within that step.)
- A coalition unit firing on a coalition unit is a friendly-fire incident
  (one per engagement), with its cause judged when it starts and lasting
  until the shooter recognises its mistake.
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
from sim.model.sensing import Contacts
from sim.model.weapons import FIREFIGHT, HELD, build_arsenal, fire_on, reach_on, within_reach
from sim.schema import Scenario


class DirectFire:
    """The engagements under way and the fire they deliver each step."""

    def __init__(self, scenario: Scenario, forces: Forces, pictures: Pictures,
                 network: Network, ledger: Ledger) -> None:
        self.forces, self.pictures, self.network, self.ledger = forces, pictures, network, ledger
        self.gate = scenario.identification.gate_km
        self.self_recognition = scenario.identification.self_recognition_per_h
        self.exposed_h = scenario.surprise.exposed_h
        firefight = scenario.engagement.firefight_h
        self.firefight_h = np.inf if firefight is None else firefight
        self.weapon_names, self.arsenal = build_arsenal(scenario)
        self.shooter = np.zeros(0, np.int64)
        self.target = np.zeros(0, np.int64)
        self.incident = np.zeros(0, np.int64)   # ledger index, -1 if not friendly fire
        self.until = np.zeros(0)                # h; friendly fire stops at this time
        self.exposed_until = np.zeros(0)        # h; the target's soldiers are in the open until
        self.start = np.zeros(0)                # h; when the engagement opened
        self.engagements_started = 0

    def step(self, t: float, dt: float, contacts: Contacts, rng: np.random.Generator,
             recognition_rng: np.random.Generator) -> None:
        """End finished engagements, start new ones, deliver this step's fire."""
        self._cease(t)
        self._engage(t, contacts, recognition_rng)
        self._fire(t, dt, rng)

    def close(self, t: float) -> None:
        """End of the run: incidents still under way end now."""
        for k in self.incident[self.incident >= 0]:
            self.ledger.incidents[int(k)].end_h = t

    def _cease(self, t: float) -> None:
        f = self.forces
        s, g = self.shooter, self.target
        going = _going(s, g, self.until, f.units, self.arsenal, t)
        for k in np.flatnonzero(~going & (self.incident >= 0)):
            # recognised friendly fire stops when the shooter learns of it (``until``)
            self.ledger.incidents[int(self.incident[k])].end_h = min(t, float(self.until[k]))
        self.shooter, self.target = s[going], g[going]
        self.incident, self.until = self.incident[going], self.until[going]
        self.exposed_until, self.start = self.exposed_until[going], self.start[going]

    def _engage(self, t: float, c: Contacts, rng: np.random.Generator) -> None:
        f = self.forces
        ok = c.hostile & f.at_front[c.observer] & (c.distance <= f.weapon_range[c.observer])
        idx = np.flatnonzero(ok)
        idx = idx[within_reach(c.observer[idx], c.target[idx], c.distance[idx], f.units,
                               self.arsenal)]
        if idx.size and self.shooter.size:     # one engagement per (shooter, target) pair
            held = self.shooter * f.n + self.target
            idx = idx[~np.isin(c.observer[idx] * f.n + c.target[idx], held)]
        if idx.size == 0:
            return
        s, g = c.observer[idx], c.target[idx]
        self.engagements_started += idx.size
        same_side = f.coalition[s] == f.coalition[g]
        incident = np.full(idx.size, -1, np.int64)
        until = np.full(idx.size, np.inf)
        fratricide = np.flatnonzero(same_side & f.coalition[s])
        if fratricide.size:
            causes = attribution.classify(
                t, f.nation[s[fratricide]], g[fratricide], f, self.pictures, self.network,
                self.gate, np.zeros(fratricide.size, bool), c.challenge_failed[idx[fratricide]])
            for k, cause in zip(fratricide, causes, strict=True):
                si, gi = int(s[k]), int(g[k])
                x, y = f.pos[gi]
                incident[k] = self.ledger.open(Incident(
                    replication=self.ledger.replication, time_h=t, shooter_unit=f.names[si],
                    shooter_nation=f.nation_names[f.nation[si]], target_unit=f.names[gi],
                    target_nation=f.nation_names[f.nation[gi]], cause=cause, fire=Fire.DIRECT,
                    distance_km=float(c.distance[idx[k]]), x_km=float(x), y_km=float(y)))
        until[same_side] = t + attribution.recognition_delays(
            s[same_side], g[same_side], self.self_recognition, f, self.network, t, rng)
        # surprise: in this step's look the target did not judge its shooter hostile
        seen = c.observer[c.hostile] * f.n + c.target[c.hostile]
        expected = np.isin(g * f.n + s, seen)
        exposed_until = np.where(expected, t, t + self.exposed_h)
        self.shooter = np.concatenate([self.shooter, s])
        self.target = np.concatenate([self.target, g])
        self.incident = np.concatenate([self.incident, incident])
        self.until = np.concatenate([self.until, until])
        self.exposed_until = np.concatenate([self.exposed_until, exposed_until])
        self.start = np.concatenate([self.start, np.full(idx.size, t)])

    def _fire(self, t: float, dt: float, rng: np.random.Generator) -> None:
        f = self.forces
        s, g = self.shooter, self.target
        if s.size == 0:
            return
        hazard, killed, p, shooters_on = _hazard(self._phases(t, dt), f.units, self.arsenal,
                                                 dt)
        f.under_fire_h[g[hazard > 0]] = t
        loss = rng.binomial(f.strength, p)               # per target
        if not loss.any():
            return
        # each target's loss goes to its shooter; with several shooters it is shared in
        # proportion to their hazard on it
        share = np.where(shooters_on[g] == 1, loss[g], 0)
        shared = np.flatnonzero((loss > 0) & (shooters_on > 1))
        if shared.size:
            order = np.argsort(g, kind="stable")         # engagements by target
            first = np.searchsorted(g[order], shared, "left")
            last = np.searchsorted(g[order], shared, "right")
            for tgt, a, b in zip(shared, first, last, strict=True):
                rows = order[a:b]
                share[rows] = rng.multinomial(loss[tgt], hazard[rows] / hazard[rows].sum())
        self.ledger.hit(g, share, f.coalition[s], self.incident, rng, killed)


    def _phases(self, t: float, dt: float) -> Engagements:
        """This step's engagements with the fractions of the step each fires in the opening
        firefight or with positions held, on soldiers in the open or in cover. An engagement
        fires until ``until`` (its shooter learns it fires on a friend); its target's soldiers
        are in the open until ``exposed_until``; its firefight lasts ``firefight_h`` from its
        start."""
        end = np.minimum(self.until, t + dt)               # it fires from t to end
        open_end = np.minimum(self.exposed_until, end)
        fight_end = np.minimum(self.start + self.firefight_h, end)

        def part(upto: np.ndarray) -> np.ndarray:
            return np.clip((upto - t) / dt, 0.0, 1.0)

        firing, in_open, fight = part(end), part(open_end), part(fight_end)
        open_fight = part(np.minimum(open_end, fight_end))
        return Engagements(self.shooter, self.target, open_fight, fight - open_fight,
                           in_open - open_fight, firing - fight - (in_open - open_fight))


class Engagements(NamedTuple):
    """The engagements firing this step (arrays of one length), with the fractions of the
    step each fires in its opening firefight or with positions held, on its target's
    soldiers in the open or in cover (the four add up to the fraction of the step it
    fires)."""

    shooter: np.ndarray      # int64, unit
    target: np.ndarray       # int64, unit
    fight_open: np.ndarray
    fight_cover: np.ndarray
    held_open: np.ndarray
    held_cover: np.ndarray


@njit(cache=True)
def _hazard(e, units, arsenal, dt):
    """Fire distributed over the targets held at the start of the step (rules above): each
    engagement's hazard, S x T / T_held x (a_fight(d) x (fight_open + fight_cover x
    protection) + a_held(d) x (held_open + held_cover x protection)) (casualties/h averaged
    over the step) and its killed fraction; each unit's
    probability per soldier of becoming a casualty this step, 1 - exp(-H dt / T); and each
    unit's number of shooters."""
    shooter, target, strength = e.shooter, e.target, units.strength
    n = strength.size
    held = np.zeros(n)                  # soldiers in the targets each shooter fires on
    for k in range(shooter.size):
        held[shooter[k]] += strength[target[k]]
    hazard = np.zeros(shooter.size)
    killed = np.full(shooter.size, arsenal.aimed_killed)
    total = np.zeros(n)
    shooters = np.zeros(n, np.int64)
    for k in range(shooter.size):
        s, g = shooter[k], target[k]
        if held[s] > 0:
            sx, sy = position(units, s)
            gx, gy = position(units, g)
            d = np.hypot(gx - sx, gy - sy)
            protection = units.protection[g]
            # firefight, then positions held; soldiers in the open, then in cover
            rate_f, cover_f, open_f = fire_on(units, arsenal, s, g, d, FIREFIGHT)
            rate_h, cover_h, open_h = fire_on(units, arsenal, s, g, d, HELD)
            per_step = (rate_f * (e.fight_open[k] + e.fight_cover[k] * protection)
                        + rate_h * (e.held_open[k] + e.held_cover[k] * protection))
            hazard[k] = per_step * strength[s] * strength[g] / held[s]
            if hazard[k] > 0:
                killed[k] = (open_f * e.fight_open[k] + cover_f * e.fight_cover[k] * protection
                             + open_h * e.held_open[k]
                             + cover_h * e.held_cover[k] * protection) / per_step
        total[g] += hazard[k]
        shooters[g] += 1
    p = np.zeros(n)
    for j in range(n):
        if strength[j] > 0 and total[j] > 0:
            p[j] = 1.0 - np.exp(-total[j] * dt / strength[j])
    return hazard, killed, p, shooters


@njit(cache=True)
def _going(shooter, target, until, units, arsenal, t):
    """Engagements that go on: shooter and target are both at the front and alive, the
    target is within the shooter's reach on it, and (for a friend) not yet recognised
    (``t < until``)."""
    posture, strength = units.posture, units.strength
    going = np.zeros(shooter.size, np.bool_)
    for k in range(shooter.size):
        s, g = shooter[k], target[k]
        at_front = posture[s] == 1 and strength[s] > 0            # FRONT
        fighting = posture[g] == 1 and strength[g] > 0            # FRONT
        if at_front and fighting and t < until[k]:
            sx, sy = position(units, s)
            gx, gy = position(units, g)
            dist = np.hypot(gx - sx, gy - sy)
            going[k] = dist <= reach_on(units, arsenal, s, g)
    return going
