"""Direct fire: engagements and Lanchester aimed-fire attrition.

Rules:
- Engagements: a unit at the front engages every contact it judged hostile
  within its reach on it (the longest range of its weapons that can hit that
  target: :func:`sim.model.weapons.reach_on`) that it is not already firing on,
  one engagement per (shooter, target) pair. It keeps firing on a target until the target is
  out of range or out of action, the shooter leaves the front, or (for a
  friend) the shooter recognises its mistake (:mod:`sim.model.attribution`).
- Resumption: a pair whose engagement ended (out of reach, out of the fight) and that
  engages again within ``engagement.resume_h`` resumes it: the firefight's clock runs
  on from the first opening, a check-fire call already under way still arrives when it
  would have, and fire on a friend is the same incident (reopened; its hours broken
  off are its ``paused_h``, not part of its duration). An engagement ended by the
  shooter recognising a friend is never resumed: a shooter that learns it fired on a
  friend, while firing or while the engagement was broken off, keeps a friend track of it
  (``track_memory_h``) and holds fire on it.
- Fire distributed over the targets held (Lanchester square law), per weapon system:
  each system's fire is shared over the held targets it can hit
  (:func:`sim.model.weapons.hits`) in proportion to their strength (anti-tank fire
  over their vehicles), and aimed fire over those within its range. A system whose
  weapons put h(d) hits an hour at distance d (:func:`sim.model.weapons.system_fire`,
  proportional to the shooter's strength) on a target of strength T among the
  targets it can hit, of total strength T_held, puts h(d) x casualties_per_hit x
  T / T_held casualties/h on it; aimed fire a x S x T / T_held. So each soldier of
  the targets a system can reach is exposed to the same fire, whether those soldiers
  stand in one unit or in many, and no fire is spent on a target the system cannot hit.
- An engagement opens with a firefight: for its first ``engagement.firefight_h`` its
  weapons fire at their firefight rate, then at their sustained rate (positions held).
- Cover and surprise (``scenario.surprise``): fire is against soldiers in the open;
  a target in cover takes its group's ``protection`` share of it (not of anti-tank
  hits on its vehicles). A unit fired on in an earlier step within ``alert_h`` is
  alert and in cover (:meth:`sim.model.forces.Forces.alert`). A unit not alert that
  is engaged this step by shooters none of which it is wary of (detected in this step's
  look and not taken for a friend, or held as an enemy track) is surprised: its
  soldiers are in the open for ``exposed_h`` from now, against every shooter, then in
  cover (even if, with ``exposed_h`` longer than a step, it becomes alert meanwhile).
  An engagement that stops as it starts (its shooter learns at once that it is a
  friend) delivers no fire and surprises no one. Casualties in the
  open are killed with the weapons' exposed killed fraction, those in cover with the
  covered one (rate-weighted over the systems firing).
- Soldiers: a target of strength T under hazards summing to H casualties/h loses
  Binomial(T, 1 - exp(-H dt / T)) in a step of dt hours, shared among its
  shooters in proportion to their hazard (a multinomial draw): each of its
  soldiers becomes a casualty with the probability set by the per-soldier
  rate H/T, so the expected loss is H dt while H dt << T and never exceeds
  T. Units fired on together lose as one unit of their combined strength
  would. Hazard is lost (1 - exp(-x) < x) only where the fire on a target's
  soldiers nearly uses them up within the step, which depends on the rate
  per soldier and dt, not on how the targets are cut into units.
- Vehicles: a target with V vehicles in action under anti-tank hits summing to
  H_v an hour loses Binomial(V, 1 - exp(-H_v dt / V)) vehicles, shared among its
  shooters the same way; each engagement's vehicles lost put their occupants out of
  action, ``casualties_per_hit`` each (rate-weighted over the anti-tank systems), the
  total rounded half up, at most the soldiers left after this step's other losses.
- A shooter fires only until it learns that its target is a friend: in the step
  in which it learns, at time ``until``, it fires on that target for ``until - t``
  of the step's ``dt`` hours, so a check-fire that gets through in minutes costs
  minutes of fire. (The shares of the shooter's fire are those of the targets
  held at the start of the step; the share of a target it stops firing on is
  not moved to the others within that step.)
- A coalition unit firing on a coalition unit is a friendly-fire incident
  (one per engagement), with its cause judged when it starts and lasting
  until the shooter recognises its mistake; its weapon is the shooter's system with the
  largest volley on that target alone, in the open, in a firefight at the opening
  distance (:func:`sim.model.weapons.main_system`).

Random numbers are keyed (:mod:`sim.model.keyed`): a target's losses by the unit, their
split and their killed by the (shooter, target) pair, so one engagement's numbers do not
shift another's.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.model import attribution, engagements, keyed, tracks, views
from sim.model.comms import Network
from sim.model.engagements import Paused, Resumed, no_pauses
from sim.model.forces import Forces, position
from sim.model.keyed import binomial, mix, pair_key
from sim.model.ledger import Ledger
from sim.model.pictures import Pictures
from sim.model.records import Fire, Incident
from sim.model.sensing import Contacts, Sensing
from sim.model.weapons import (
    build_arsenal,
    can_aim,
    can_hit,
    main_system,
    system_fire_phases,
)
from sim.schema import Scenario


class DirectFire:
    """The engagements under way and the fire they deliver each step."""

    def __init__(self, scenario: Scenario, forces: Forces, pictures: Pictures,
                 network: Network, ledger: Ledger, sensing: Sensing) -> None:
        self.forces, self.pictures, self.network, self.ledger = forces, pictures, network, ledger
        self.sensing = sensing
        self.gate = scenario.identification.gate_km
        self.self_recognition = scenario.identification.self_recognition_per_h
        self.exposed_h = scenario.surprise.exposed_h
        self.alert_h = scenario.surprise.alert_h
        firefight = scenario.engagement.firefight_h
        self.firefight_h = np.inf if firefight is None else firefight
        self.resume_h = scenario.engagement.resume_h
        self.track_memory_h = scenario.identification.track_memory_h
        self.weapon_names, arsenal = build_arsenal(scenario)
        self.arsenal = views.view_of(arsenal)     # kernels' view of the table
        self.shooter = np.zeros(0, np.int64)
        self.target = np.zeros(0, np.int64)
        self.incident = np.zeros(0, np.int64)   # ledger index, -1 if not friendly fire
        self.until = np.zeros(0)                # h; friendly fire stops at this time
        self.start = np.zeros(0)                # h; when the engagement opened
        self.paused = no_pauses()               # engagements broken off, by pair key
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
        go = engagements.going(s, g, self.until, f.view, self.arsenal, t)
        ended = np.flatnonzero(~go)
        if ended.size == 0:                # nothing ends: nothing to pause or to forget
            return
        until = self.until[ended]
        for k in ended[self.incident[ended] >= 0]:
            # recognised friendly fire stops when the shooter learns of it (``until``)
            self.ledger.incidents[int(self.incident[k])].end_h = min(t, float(self.until[k]))
        broken = ended[t < until]
        self.paused = Paused(*engagements.pause(
            self.paused, s[broken] * f.n + g[broken], self.start[broken], self.until[broken],
            self.incident[broken], t, self.resume_h))
        told = ended[t >= until]
        self._recognised(t, s[told], g[told])
        self.shooter, self.target = s[go], g[go]
        self.incident, self.until = self.incident[go], self.until[go]
        self.start = self.start[go]

    def _engage(self, t: float, c: Contacts, rng: np.random.Generator) -> None:
        f = self.forces
        idx = engagements.opening(c.observer, c.target, c.distance, c.hostile, f.view,
                                  self.arsenal, np.sort(self.shooter * f.n + self.target))
        if idx.size == 0:
            return
        start, until, incident, told = self._resumed(
            t, c.observer[idx] * f.n + c.target[idx])
        self._recognised(t, c.observer[idx[told]], c.target[idx[told]])
        keep = ~told                  # a shooter told of its mistake meanwhile holds fire
        idx, start, until, incident = idx[keep], start[keep], until[keep], incident[keep]
        if idx.size == 0:
            return
        s, g = c.observer[idx], c.target[idx]
        new = np.isnan(start)
        self.engagements_started += int(new.sum())
        start[new] = t
        same_side = f.coalition[s] == f.coalition[g]
        fratricide = np.flatnonzero(same_side & f.coalition[s] & new)
        if fratricide.size:
            causes = attribution.classify(
                t, f.nation[s[fratricide]], g[fratricide], f, self.pictures, self.network,
                self.gate, np.zeros(fratricide.size, bool), c.challenge_failed[idx[fratricide]])
            for k, cause in zip(fratricide, causes, strict=True):
                si, gi = int(s[k]), int(g[k])
                x, y = f.pos[gi]
                d = float(c.distance[idx[k]])
                incident[k] = self.ledger.open(Incident(
                    replication=self.ledger.replication, time_h=t, shooter_unit=f.names[si],
                    shooter_nation=f.nation_names[f.nation[si]], target_unit=f.names[gi],
                    target_nation=f.nation_names[f.nation[gi]], cause=cause, fire=Fire.DIRECT,
                    distance_km=d, x_km=float(x), y_km=float(y),
                    weapon=self._weapon(si, gi, d)))
        recognising = same_side & new
        until[recognising] = t + attribution.recognition_delays(
            s[recognising], g[recognising], self.self_recognition, f, self.network, t, rng)
        firing = until > t            # fire that stops at once surprises no one
        self._surprise(t, s[firing], g[firing], c)
        self.shooter = np.concatenate([self.shooter, s])
        self.target = np.concatenate([self.target, g])
        self.incident = np.concatenate([self.incident, incident])
        self.until = np.concatenate([self.until, until])
        self.start = np.concatenate([self.start, start])

    def _weapon(self, s: int, g: int, d: float) -> str:
        """The name of shooter ``s``'s weapon that delivers most of its fire on ``g`` at
        ``d`` km (:func:`sim.model.weapons.main_system`): a system, or ``aimed``."""
        w = main_system(self.forces.view, self.arsenal, s, g, d)
        return self.weapon_names[w] if w >= 0 else ("aimed" if w == -1 else "none")

    def _resumed(self, t: float, keys: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For each engagement about to open (pair ``keys``): the start, ``until`` and
        incident of the engagement it resumes (:func:`sim.model.engagements.resume`), NaN,
        inf and -1 for a new one; and whether its shooter was told of its mistake while the
        engagement was broken off (its check-fire arrived meanwhile: it does not open fire).
        A friendly-fire incident resumed is under way again, its hours broken off added to
        its ``paused_h``."""
        found, left = engagements.resume(keys, self.paused, t, self.resume_h)
        r = Resumed(*found)
        self.paused = Paused(*left)
        for k in np.flatnonzero(r.incident >= 0):
            rec = self.ledger.incidents[int(r.incident[k])]
            rec.paused_h += float(r.broken_h[k])
            rec.end_h = float("nan")
        return r.start, r.until, r.incident, r.told

    def _recognised(self, t: float, shooter: np.ndarray, target: np.ndarray) -> None:
        """Shooters that learnt they fired on a friend keep a friend track of it
        (:mod:`sim.model.tracks`): they do not take it for the enemy again while they
        keep the track."""
        if shooter.size:
            f = self.forces
            self.sensing.tracks = tracks.remember(
                self.sensing.tracks, shooter, target, np.full(shooter.size, tracks.FRIEND),
                f.n, t, self.track_memory_h)

    def _surprise(self, t: float, s: np.ndarray, g: np.ndarray, c: Contacts) -> None:
        """Targets engaged now that are not alert and hold none of their new shooters as
        hostile are surprised: their soldiers are in the open for ``exposed_h``."""
        f = self.forces
        # detected this step and not taken for a friend (judged hostile or unidentified)
        wary = c.hostile if c.identity is None else c.identity != tracks.FRIEND
        seen = np.sort(c.observer[wary] * f.n + c.target[wary])
        held = self.sensing.tracks
        surprised = _surprised(s, g, seen, held.key, held.friend, f.alert(t, self.alert_h))
        f.exposed_until[surprised] = np.maximum(f.exposed_until[surprised],
                                                t + self.exposed_h)

    def _fire(self, t: float, dt: float, rng: np.random.Generator) -> None:
        f = self.forces
        s, g = self.shooter, self.target
        if s.size == 0:
            return
        unit_key, pair_seed = keyed.keys(rng, 2)
        casualties, killed = _fired(s, g, self.until, self.start, f.view, self.arsenal,
                                    self.firefight_h, t, dt, unit_key, pair_seed)
        if casualties.any():
            self.ledger.hit(g, casualties, killed, f.coalition[s], self.incident)

    def _phases(self, t: float, dt: float) -> Engagements:
        """This step's engagements with the fractions of the step each fires in the opening
        firefight or with positions held, on soldiers in the open or in cover. An engagement
        fires until ``until`` (its shooter learns it fires on a friend); its target's soldiers
        are in the open until the target's ``exposed_until``; its firefight lasts
        ``firefight_h`` from its start."""
        return Engagements(self.shooter, self.target, *_phase_parts(
            self.until, self.start, self.forces.exposed_until, self.target,
            self.firefight_h, t, dt))


@njit(cache=True)
def _fired(shooter, target, until, start, units, arsenal, firefight_h, t, dt, unit_key,
           pair_seed):
    """One step's direct fire by the engagements (shooter, target) under way: their phases
    (:meth:`DirectFire._phases`), their volley and the losses it causes (rules above). A
    target under fire is marked fired on and loses its vehicles destroyed, in place.
    Returns each engagement's casualties and killed."""
    fo, fc, ho, hc = _phase_parts(until, start, units.exposed_until, target, firefight_h, t,
                                  dt)
    v = Volley(*_volley(Engagements(shooter, target, fo, fc, ho, hc), units, arsenal, dt))
    for k in range(target.size):
        if v.hazard[k] > 0 or v.vehicle_hazard[k] > 0:
            units.fired_on[target[k]] = True
    casualties, killed, lost = _attrition(shooter, target, v, units, unit_key, pair_seed)
    units.vehicles[:] -= lost
    return casualties, killed


@njit(cache=True)
def _phase_parts(until, start, exposed_until, target, firefight_h, t, dt):
    """The four fractions of :meth:`DirectFire._phases` per engagement: it fires from t to
    min(until, t + dt), in the open until its target's ``exposed_until``, in its firefight
    until ``start + firefight_h``."""
    m = until.size
    fight_open, fight_cover = np.empty(m), np.empty(m)
    held_open, held_cover = np.empty(m), np.empty(m)
    for k in range(m):
        end = min(until[k], t + dt)
        open_end = min(exposed_until[target[k]], end)
        fight_end = min(start[k] + firefight_h, end)
        firing = min(max((end - t) / dt, 0.0), 1.0)
        in_open = min(max((open_end - t) / dt, 0.0), 1.0)
        fight = min(max((fight_end - t) / dt, 0.0), 1.0)
        open_fight = min(max((min(open_end, fight_end) - t) / dt, 0.0), 1.0)
        fight_open[k] = open_fight
        fight_cover[k] = fight - open_fight
        held_open[k] = in_open - open_fight
        held_cover[k] = firing - fight - (in_open - open_fight)
    return fight_open, fight_cover, held_open, held_cover


@njit(cache=True)
def _attrition(shooter, target, v, units, unit_key, pair_seed):
    """This step's losses (rules above): per engagement (K rows) its casualties (soldiers
    and vehicle occupants) and their killed, and per unit the vehicles it lost. Each
    target loses Binomial(strength, p) soldiers and Binomial(vehicles, p_vehicle) vehicles
    (keyed by the unit), shared among the engagements on it in proportion to their hazard
    (a multinomial, drawn as binomials in row order, keyed by the pair); a vehicle's
    occupants are put out of action (rounded half up, at most the soldiers left, in row
    order), and each casualty is killed with its fire's killed fraction."""
    n, m = units.strength.size, target.size
    casualties = np.zeros(m, np.int64)
    killed = np.zeros(m, np.int64)
    lost = np.zeros(n, np.int64)
    soldiers = np.zeros(m, np.int64)
    vehicles = np.zeros(m, np.int64)
    order = np.argsort(target, kind="mergesort")         # engagements by target, row order
    a = 0
    while a < m:
        j = target[order[a]]
        b = a
        while b < m and target[order[b]] == j:
            b += 1
        rows = order[a:b]
        key = mix(unit_key, j)
        loss = binomial(units.strength[j], v.p[j], mix(key, 0))
        _share(loss, v.hazard, rows, soldiers, mix(key, 1))
        lost[j] = binomial(units.vehicles[j], v.p_vehicle[j], mix(key, 2))
        _share(lost[j], v.vehicle_hazard, rows, vehicles, mix(key, 3))
        room = units.strength[j] - loss
        for k in rows:
            pair = pair_key(pair_seed, shooter[k], j)
            occupants = min(int(np.floor(vehicles[k] * v.vehicle_casualties[k] + 0.5)), room)
            room -= occupants
            casualties[k] = soldiers[k] + occupants
            killed[k] = (binomial(soldiers[k], v.killed[k], mix(pair, 0))
                         + binomial(occupants, v.vehicle_killed[k], mix(pair, 1)))
        a = b
    return casualties, killed, lost


@njit(cache=True)
def _share(total, weight, rows, out, key):
    """``total`` shared among ``rows`` in proportion to ``weight`` (a multinomial: row by
    row, Binomial(what is left, its weight over the weight left), keyed ``mix(key, i)``);
    all of it to the only row of positive weight."""
    left, w_left = total, 0.0
    last = -1
    for k in rows:
        if weight[k] > 0:
            w_left += weight[k]
            last = k
    for i in range(rows.size):
        k = rows[i]
        if left == 0 or weight[k] <= 0:
            continue
        if k == last:
            out[k] = left
            break
        x = binomial(left, min(weight[k] / w_left, 1.0), mix(key, i))
        out[k] = x
        left -= x
        w_left -= weight[k]


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


class Volley(NamedTuple):
    """One step's fire (:func:`volley`): per engagement (K rows) and per unit (N rows)."""

    hazard: np.ndarray              # (K,) casualties/h on soldiers, averaged over the step
    killed: np.ndarray              # (K,) killed fraction of those casualties
    vehicle_hazard: np.ndarray      # (K,) vehicles destroyed per hour (anti-tank)
    vehicle_casualties: np.ndarray  # (K,) occupants put out of action per vehicle
    vehicle_killed: np.ndarray      # (K,) killed fraction of the occupants
    p: np.ndarray                   # (N,) P(a soldier becomes a casualty this step)
    p_vehicle: np.ndarray           # (N,) P(a vehicle is destroyed this step)


def volley(e: Engagements, units, arsenal, dt: float) -> Volley:
    """The fire of this step's engagements (rules above)."""
    return Volley(*_volley(e, units, arsenal, dt))


@njit(cache=True)
def _volley(e, units, arsenal, dt):
    """Kernel of :func:`volley`: each system's fire shared over the held targets it can hit,
    in the open for the fractions ``fight_open``/``held_open`` of the step and in cover
    (times the target's protection, not for vehicles) for ``fight_cover``/``held_cover``."""
    # columns read once (a view passed to a helper in the loops costs: weapons.can_hit)
    shooter, target, strength, vehicles = e.shooter, e.target, units.strength, units.vehicles
    loadout, lethality, aimed_range = units.loadout, units.lethality, units.aimed_range
    range_km, vehicles_only = arsenal.range_km, arsenal.vehicles_only
    killed_cover, killed_exposed = arsenal.killed_cover, arsenal.killed_exposed
    casualties_per_hit, protection_of = arsenal.casualties_per_hit, units.protection
    n, m, n_sys = strength.size, shooter.size, range_km.size
    d = np.zeros(m)
    can = np.zeros((m, n_sys), np.bool_)   # system w of engagement k's shooter hits its target
    aimed = np.zeros(m, np.bool_)          # engagement k's shooter's aimed fire reaches
    held = np.zeros((n, n_sys + 1))  # what each shooter's systems, then its aimed fire, hold:
    for k in range(m):               # soldiers (vehicles for anti-tank)
        s, g = shooter[k], target[k]
        sx, sy = position(units, s)
        gx, gy = position(units, g)
        d[k] = np.hypot(gx - sx, gy - sy)
        for w in range(n_sys):
            can[k, w] = can_hit(loadout[s, w], range_km[w], vehicles_only[w], vehicles[g], d[k])
            if can[k, w]:
                held[s, w] += vehicles[g] if vehicles_only[w] else strength[g]
        aimed[k] = can_aim(lethality[s], aimed_range[s], d[k])
        if aimed[k]:
            held[s, n_sys] += strength[g]
    hazard = np.zeros(m)
    killed = np.full(m, arsenal.aimed_killed)
    v_hazard = np.zeros(m)
    v_casualties = np.zeros(m)
    v_killed = np.zeros(m)
    total = np.zeros(n)
    v_total = np.zeros(n)
    for k in range(m):
        s, g = shooter[k], target[k]
        fo, fc, ho, hc = e.fight_open[k], e.fight_cover[k], e.held_open[k], e.held_cover[k]
        protection = protection_of[g]
        rate = 0.0          # casualties/h on soldiers, and weighted by killed fraction
        rate_killed = 0.0
        v_rate = 0.0        # vehicles/h, their occupants/h, and killed occupants/h
        v_occupants = 0.0
        v_dead = 0.0
        if aimed[k] and held[s, n_sys] > 0:
            a = lethality[s] * strength[s] * strength[g] / held[s, n_sys]
            x = a * (fo + ho + (fc + hc) * protection)
            rate += x
            rate_killed += x * arsenal.aimed_killed
        for w in range(n_sys):
            if not can[k, w] or held[s, w] <= 0:
                continue
            fight, steady = system_fire_phases(units, arsenal, w, s, d[k])
            kc, ke = killed_cover[w], killed_exposed[w]
            per_hit = casualties_per_hit[w]
            if vehicles_only[w]:
                share = vehicles[g] / held[s, w]
                in_open = share * (fight * fo + steady * ho)
                in_cover = share * (fight * fc + steady * hc)
                v_rate += in_open + in_cover
                v_occupants += (in_open + in_cover) * per_hit
                v_dead += (in_open * ke + in_cover * kc) * per_hit
            else:
                share = per_hit * strength[g] / held[s, w]
                in_open = share * (fight * fo + steady * ho)
                in_cover = share * (fight * fc + steady * hc) * protection
                rate += in_open + in_cover
                rate_killed += in_open * ke + in_cover * kc
        hazard[k] = rate
        if rate > 0:
            killed[k] = rate_killed / rate
        v_hazard[k] = v_rate
        if v_rate > 0:
            v_casualties[k] = v_occupants / v_rate
        if v_occupants > 0:
            v_killed[k] = v_dead / v_occupants
        total[g] += rate
        v_total[g] += v_rate
    p = np.zeros(n)
    p_vehicle = np.zeros(n)
    for j in range(n):
        if strength[j] > 0 and total[j] > 0:
            p[j] = 1.0 - np.exp(-total[j] * dt / strength[j])
        if vehicles[j] > 0 and v_total[j] > 0:
            p_vehicle[j] = 1.0 - np.exp(-v_total[j] * dt / vehicles[j])
    return hazard, killed, v_hazard, v_casualties, v_killed, p, p_vehicle


@njit(cache=True)
def _surprised(shooter, target, seen, track_key, track_friend, alert):
    """The units engaged by ``shooter`` -> ``target`` pairs that are surprised (rules
    above), in unit order: not ``alert``, and wary of none of their new shooters: no pair
    key ``target x N + shooter`` in ``seen`` (sorted: detected this step, not taken for a
    friend) nor among the enemy tracks (``track_key`` sorted, ``track_friend`` false)."""
    n = alert.size
    engaged = np.zeros(n, np.bool_)
    wary = np.zeros(n, np.bool_)
    for k in range(shooter.size):
        g = target[k]
        engaged[g] = True
        key = g * n + shooter[k]
        i = np.searchsorted(seen, key)
        if i < seen.size and seen[i] == key:
            wary[g] = True
            continue
        i = np.searchsorted(track_key, key)
        if i < track_key.size and track_key[i] == key and not track_friend[i]:
            wary[g] = True
    return np.flatnonzero(engaged & ~wary & ~alert)
