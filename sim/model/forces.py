"""Forces: the unit table, the nation table, and the Mesa agents that name the table's rows.

Rules:
- Every unit belongs to exactly one nation; a nation's HQ holds the picture its
  units read (one picture per nation, not per unit).
- Units of a group are spread along the front at slots ``slot_spacing_km``
  apart; a group's declared place (sector, interleaved, embedded:
  :mod:`sim.model.laydown`) or its explicit ``stride``/``interleave`` says which.
  This makes the seams where allied units neighbour each other.
- A group may arrive in waves (time, count, place). A unit that has not arrived
  (posture PENDING) has no personnel counted: it is not in the battle, not in
  the strength series and not yet deployed.
- A unit's position is an anchor (moving at ``speed_kmh`` straight towards its
  posture's place: its front position at the front, else its rear place) plus a
  patrol offset that wanders: an Ornstein-Uhlenbeck process with relaxation time
  ``PATROL_RELAX_H``, each step decaying by exp(-dt / PATROL_RELAX_H) and taking a
  normal step of standard deviation ``patrol_km`` x sqrt(dt) per axis (so
  ``patrol_km`` is km per sqrt(h)). Only a living unit's offset wanders. At the
  start each offset is drawn from the continuous-time process's stationary
  spread, ``patrol_km`` x sqrt(PATROL_RELAX_H / 2) per axis; the stepped process
  settles at patrol_km x sqrt(dt / (1 - exp(-2 dt / PATROL_RELAX_H))), about 8%
  wider at dt = 1 h, within the first day. Wandering is what makes
  reports go stale.
- Under fire: a unit fired on (direct or indirect, by anyone) is under fire at that
  step's time; within ``surprise.alert_h`` after it, it expects fire and its
  soldiers are in cover. The time is set at the end of the step, so every fire of
  one step finds the same state (:meth:`Forces.alert`).
- Vehicles: a unit arrives with its group's ``vehicles``; anti-tank hits destroy
  them; a refill after rest brings them back to ``reinforce_to_fraction`` of the
  establishment, as it does the personnel.

The table (:class:`Units`) holds one array per column, row ``i`` being unit
``i``: what the unit's group sets (speed, ranges, weapons, lethality, protection,
cover), what its
nation sets (training, markings, rules of engagement as probabilities per step,
report delivery, latency and interval), and its state (anchor, offset,
strength, casualties, posture). The nation table (:class:`Nations`) holds one
row per nation (= per HQ). Compiled kernels read columns by name from
:class:`UnitsView` (``forces.view``), the same arrays behind one reference; a new
per-unit parameter is a field of the schema, a column here and a line in
:func:`build_forces`, then read by the kernel that uses it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.model import laydown, views
from sim.model.records import Posture
from sim.schema import Scenario

#: Relaxation time of the patrol wander around a unit's place, h.
PATROL_RELAX_H = 6.0


class Units(NamedTuple):
    """The unit table: one array per column, row ``i`` is unit ``i`` (N rows).

    Static columns come from the unit's group or nation; state columns change
    during the run, always in place (so every holder of the table sees them).
    """

    # identity
    nation: np.ndarray              # int64, index into Forces.nation_names (= its HQ)
    coalition: np.ndarray           # bool, the unit's nation is on the coalition side
    # from the unit's group
    speed: np.ndarray               # km/h
    patrol: np.ndarray              # km per sqrt(h)
    sensor_range: np.ndarray        # km
    weapon_range: np.ndarray        # km, reach: the longest range it fires at (engages within)
    aimed_range: np.ndarray         # km, range of its soldiers' aimed fire (``lethality``)
    lethality: np.ndarray           # aimed fire: casualties per firing soldier per hour
    loadout: np.ndarray             # (N, W) weapons of each system at full strength
    vehicles_full: np.ndarray       # vehicles per unit at full establishment
    protection: np.ndarray          # share of fire's effect reaching soldiers in cover
    cover: np.ndarray               # P(hidden from one sensor look)
    arrive_h: np.ndarray            # h, when the unit arrives (0: there from the start)
    front_from_h: np.ndarray        # h
    front_place: np.ndarray         # (N, 2) km
    rear_place: np.ndarray          # (N, 2) km
    initial: np.ndarray             # int64, personnel on arrival (establishment strength)
    # from the unit's nation
    training: np.ndarray            # skill at visual identification, 0..1
    markings: np.ndarray            # how recognisable the unit is to others, 0..1
    engage_forward: np.ndarray      # ROE, P(engage) per step (not per hour)
    engage_unidentified: np.ndarray  # ROE, P(engage) per step
    engage_failed: np.ndarray       # ROE after a failed challenge, P(engage) per step
    report_delivery: np.ndarray     # P(a report over the unit's radio gets through), before jamming
    report_latency: np.ndarray      # mean latency of the unit's radio, h
    report_interval: np.ndarray     # h between the unit's position reports
    withdraw_loss: np.ndarray       # campaign: withdraws after losing this fraction
    rest_h: np.ndarray              # campaign: h of rest after withdrawal
    reinforce_to: np.ndarray        # campaign: refilled to this fraction of initial
    redeploy_min: np.ndarray        # campaign: redeploys holding this fraction of initial
    # state
    anchor: np.ndarray              # (N, 2) km
    offset: np.ndarray              # (N, 2) km, patrol offset from the anchor
    strength: np.ndarray            # int64, personnel fit to fight
    killed: np.ndarray              # int64
    wounded: np.ndarray             # int64
    deployed: np.ndarray            # int64, personnel who ever served in the unit
    posture: np.ndarray             # int8, Posture codes
    deployed_strength: np.ndarray   # int64, strength when last sent to the front
    withdrawn_at: np.ndarray        # h, -inf when never
    vehicles: np.ndarray            # int64, vehicles in action (anti-tank fire destroys them)
    under_fire_h: np.ndarray        # h, the last earlier step it was fired on; -inf when never
    fired_on: np.ndarray            # bool, fired on in this step (under_fire_h at its end)
    exposed_until: np.ndarray       # h, its soldiers are in the open (surprised) until then


#: Units as compiled kernels take them (:mod:`sim.model.views`): ``forces.view``.
UnitsViewType, UnitsView = views.define(Units, __name__)


class Nations(NamedTuple):
    """The nation table: one row per nation (= its HQ), in ``Forces.nation_names`` order."""

    coalition: np.ndarray           # bool, on the coalition side
    refresh_h: np.ndarray           # h between HQ picture publications
    fire_missions_per_h: np.ndarray  # missions its artillery and drones fire per hour
    supplier: np.ndarray            # int64, the nation whose fires answer its calls


class Forces:
    """The unit table of a model, with its names, the nation table and derived masks.

    Columns are read as attributes (``forces.strength`` is ``forces.units.strength``)
    and change in place only: ``forces.strength[k] -= 1``, never ``forces.strength = a``.
    """

    def __init__(self, names: list[str], nation_names: list[str], units: Units,
                 nations: Nations) -> None:
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "nation_names", nation_names)
        object.__setattr__(self, "units", units)
        object.__setattr__(self, "view", views.view_of(units))
        for name, column in zip(Units._fields, units, strict=True):
            object.__setattr__(self, name, column)    # read as plain attributes: fast
        object.__setattr__(self, "nations", nations)

    def __getattr__(self, name: str):
        raise AttributeError(f"Forces has no attribute or column {name!r}")

    def __setattr__(self, name: str, value) -> None:
        if name in Units._fields:
            if value is getattr(self.units, name):   # ``f.strength += x`` rebinds the same array
                return
            raise AttributeError(f"column {name!r} of the unit table changes in place "
                                 f"(forces.{name}[...] = ...), never by rebinding")
        object.__setattr__(self, name, value)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(Units._fields))

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def pos(self) -> np.ndarray:
        """Current positions (N, 2), km: anchor plus patrol offset."""
        return self.anchor + self.offset

    @property
    def fighting(self) -> np.ndarray:
        """Units that sense, shoot and can be shot: at the front and not destroyed. A unit
        in rear support (digging, logistics), withdrawn or destroyed is out of the fight:
        it neither looks nor fires, and no one sees or engages it; a living unit still
        reports its position."""
        return (self.posture == Posture.FRONT) & (self.strength > 0)

    #: the same units as :attr:`fighting`: at the front and not destroyed
    at_front = fighting

    def alert(self, t: float, alert_h: float) -> np.ndarray:
        """Units that expect fire at time ``t``: fired on in an earlier step within the last
        ``alert_h`` hours (their soldiers are in cover; rules above)."""
        return t - self.under_fire_h <= alert_h

    def remember_fire(self, t: float) -> None:
        """End of the step at ``t``: the units fired on in it were last under fire at ``t``."""
        self.under_fire_h[self.fired_on] = t
        self.fired_on[:] = False

    def move(self, dt: float, rng: np.random.Generator) -> None:
        """Anchors move towards their place at unit speed; patrol offsets wander (rules above)."""
        noise = rng.standard_normal((self.n, 2))
        _move(self.view, dt, np.exp(-dt / PATROL_RELAX_H), noise)


@njit(cache=True, inline="always")
def position(units, i):
    """Unit ``i``'s position (x, y), km: anchor plus patrol offset (as :attr:`Forces.pos`)."""
    return (units.anchor[i, 0] + units.offset[i, 0], units.anchor[i, 1] + units.offset[i, 1])


@njit(cache=True)
def _move(units, dt, decay, noise):
    """One step of movement for every unit (in place): the anchor goes up to speed x dt km
    straight towards its place (front place if its posture is FRONT, else rear place); a
    living unit's offset decays by ``decay`` and takes a step of ``patrol`` x sqrt(dt) x
    ``noise`` (standard normal, one per axis)."""
    anchor, offset = units.anchor, units.offset
    sqrt_dt = np.sqrt(dt)
    for i in range(anchor.shape[0]):
        place = units.front_place if units.posture[i] == 1 else units.rear_place   # FRONT
        gx, gy = place[i, 0] - anchor[i, 0], place[i, 1] - anchor[i, 1]
        dist = np.hypot(gx, gy)
        if dist > 0:
            step = min(dist, units.speed[i] * dt)
            anchor[i, 0] += gx / dist * step
            anchor[i, 1] += gy / dist * step
        if units.strength[i] > 0:
            wander = units.patrol[i] * sqrt_dt
            offset[i, 0] = offset[i, 0] * decay + wander * noise[i, 0]
            offset[i, 1] = offset[i, 1] * decay + wander * noise[i, 1]


def _slots(g, stride: int, interleave: int, spacing: float):
    """(arrival h, y km, x km) of each unit of group ``g``: units take slots ``stride``
    apart from ``interleave`` (:func:`sim.model.laydown.geometry`); a wave that names ``y_from_km`` starts its slots there, else
    it continues after the group's earlier waves. Without waves every unit arrives at 0."""
    waves = g.waves or [None]
    k, y0 = 0, g.y_from_km
    for wave in waves:
        count = g.count if wave is None else wave.count
        if wave is not None and wave.y_from_km is not None:
            k, y0 = 0, wave.y_from_km
        x = g.x_km if wave is None or wave.x_km is None else wave.x_km
        at = 0.0 if wave is None else wave.at_h
        for _ in range(count):
            yield at, y0 + (k * stride + interleave) * spacing, x
            k += 1


def per_step(p_per_h: float, dt: float) -> float:
    """A probability per hour of observation as a probability per step of ``dt`` hours."""
    return 1.0 - (1.0 - p_per_h) ** dt


def build_forces(scenario: Scenario, rng: np.random.Generator) -> Forces:
    """Lay out every unit group of the scenario as rows of the unit table (rules above)."""
    systems = list(scenario.weapons)
    nation_names = list(scenario.nations)
    nations = [scenario.nations[name] for name in nation_names]
    dt = scenario.dt_h
    rows: dict[str, list] = {k: [] for k in Units._fields[:Units._fields.index("anchor")]}
    names: list[str] = []
    geometry = laydown.geometry(scenario)
    for gname, g in scenario.units.items():
        nat = scenario.nations[g.nation]
        rules = nat.campaign or scenario.campaign
        loadout = [g.weapons.get(w, 0.0) for w in systems]
        aimed = g.weapon_range_km if g.lethality > 0 else 0.0
        reach = max([aimed] + [scenario.weapons[w].range_km
                               for w, c in g.weapons.items() if c > 0])
        for k, (arrive, y, x) in enumerate(_slots(g, *geometry[gname],
                                                             scenario.slot_spacing_km)):
            names.append(f"{gname}-{k + 1:03d}")
            for column, value in (
                    ("nation", nation_names.index(g.nation)), ("arrive_h", arrive),
                    ("coalition", nat.side == "coalition"),
                    ("speed", g.speed_kmh), ("patrol", g.patrol_km),
                    ("sensor_range", g.sensor_range_km), ("weapon_range", reach),
                    ("aimed_range", g.weapon_range_km), ("lethality", g.lethality),
                    ("loadout", loadout), ("vehicles_full", g.vehicles),
                    ("protection", g.protection), ("cover", g.cover),
                    ("front_from_h", g.front_from_h), ("front_place", (x, y)),
                    ("rear_place", (g.rear_x_km, y)), ("initial", g.strength),
                    ("training", nat.training), ("markings", nat.markings),
                    ("engage_forward", per_step(nat.roe.engage_forward, dt)),
                    ("engage_unidentified", per_step(nat.roe.engage_unidentified, dt)),
                    ("engage_failed", per_step(nat.roe.engage_failed_challenge, dt)),
                    ("report_delivery", nat.report_delivery),
                    ("report_latency", nat.report_latency_h),
                    ("report_interval", nat.report_interval_h),
                    ("withdraw_loss", rules.withdraw_loss_fraction), ("rest_h", rules.rest_h),
                    ("reinforce_to", rules.reinforce_to_fraction),
                    ("redeploy_min", rules.redeploy_min_fraction)):
                rows[column].append(value)
    n = len(names)
    static = {k: np.asarray(v, dtype=float) for k, v in rows.items()}
    static["nation"] = np.asarray(rows["nation"], dtype=np.int64)
    static["coalition"] = np.asarray(rows["coalition"], dtype=bool)
    static["initial"] = np.asarray(rows["initial"], dtype=np.int64)
    for place in ("front_place", "rear_place"):
        static[place] = static[place].reshape(n, 2)
    static["loadout"] = static["loadout"].reshape(n, len(systems))
    initial = static["initial"]
    here = static["arrive_h"] <= 0.0
    posture = np.where(static["front_from_h"] <= 0.0, Posture.FRONT, Posture.REAR).astype(np.int8)
    posture[~here] = Posture.PENDING
    # a unit starts (or lands) at its front place if it goes to the front on arrival
    at_front = static["front_from_h"] <= np.maximum(static["arrive_h"], 0.0)
    anchor = np.where(at_front[:, None], static["front_place"], static["rear_place"]).copy()
    present = np.where(here, initial, 0)
    # start each unit somewhere in its patrol wander (stationary spread of the OU process)
    offset = rng.standard_normal((n, 2)) * (static["patrol"] * np.sqrt(PATROL_RELAX_H / 2))[:, None]
    units = Units(
        **static, anchor=anchor, offset=offset, strength=present.copy(),
        killed=np.zeros(n, np.int64), wounded=np.zeros(n, np.int64), deployed=present.copy(),
        posture=posture, deployed_strength=present.copy(), withdrawn_at=np.full(n, -np.inf),
        vehicles=np.where(here, static["vehicles_full"], 0).astype(np.int64),
        under_fire_h=np.full(n, -np.inf), fired_on=np.zeros(n, bool),
        exposed_until=np.full(n, -np.inf))
    table = Nations(
        coalition=np.array([nat.side == "coalition" for nat in nations], dtype=bool),
        refresh_h=np.array([nat.picture_refresh_h for nat in nations], dtype=float),
        fire_missions_per_h=np.array([nat.fire_missions_per_h for nat in nations], dtype=float),
        supplier=np.array([nation_names.index(nat.fire_support_from or name)
                           for name, nat in zip(nation_names, nations, strict=True)],
                          dtype=np.int64))
    return Forces(names, nation_names, units, table)
