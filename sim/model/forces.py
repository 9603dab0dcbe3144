"""Forces: the unit table (numpy arrays) and the Mesa agents that name its rows.

Rules:
- Every unit belongs to exactly one nation; a nation's HQ holds the picture its
  units read (one picture per nation, not per unit).
- Units of a group are spread along the front at slots ``slot_spacing_km``
  apart; groups sharing a sector interleave through ``stride``/``interleave``.
  This makes the seams where allied units neighbour each other.
- A unit's position is an anchor (moving at ``speed_kmh`` towards its posture's
  place: rear area, front position, or rear after withdrawal) plus a patrol
  offset that wanders (Ornstein-Uhlenbeck, std ``patrol_km`` per sqrt hour,
  relaxation ``PATROL_RELAX_H``). Wandering is what makes reports go stale.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
from numba import njit

from sim.model.records import Posture
from sim.schema import Scenario

#: Relaxation time of the patrol wander around a unit's place, h.
PATROL_RELAX_H = 6.0


class Unit(mesa.Agent):
    """A unit (squad to company). Its state lives in the model's :class:`Forces` arrays."""

    def __init__(self, model: mesa.Model, index: int, name: str, nation: str) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.nation = nation

    @property
    def strength(self) -> int:
        """Personnel fit to fight."""
        return int(self.model.forces.strength[self.index])

    @property
    def posture(self) -> Posture:
        return Posture(int(self.model.forces.posture[self.index]))

    @property
    def position(self) -> tuple[float, float]:
        x, y = self.model.forces.pos[self.index]
        return float(x), float(y)


@dataclass
class Forces:
    """Per-unit arrays: static parameters and state. Row ``i`` is unit ``i``."""

    names: list[str]
    nation_names: list[str]
    nation: np.ndarray          # int, index into nation_names (= its HQ)
    coalition: np.ndarray       # bool, the unit's nation is on the coalition side
    speed: np.ndarray           # km/h
    patrol: np.ndarray          # km per sqrt(h)
    sensor_range: np.ndarray    # km
    weapon_range: np.ndarray    # km
    lethality: np.ndarray       # casualties per firing soldier per hour
    cover: np.ndarray           # probability
    front_from_h: np.ndarray    # h
    front_place: np.ndarray     # (N, 2) km
    rear_place: np.ndarray      # (N, 2) km
    initial: np.ndarray         # personnel at time 0
    # state
    anchor: np.ndarray          # (N, 2) km
    offset: np.ndarray          # (N, 2) km
    strength: np.ndarray        # personnel fit to fight
    killed: np.ndarray
    wounded: np.ndarray
    deployed: np.ndarray        # personnel who ever served in the unit
    posture: np.ndarray         # Posture codes
    deployed_strength: np.ndarray  # strength when last sent to the front (withdrawal reference)
    withdrawn_at: np.ndarray    # h, -inf when never

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def pos(self) -> np.ndarray:
        """Current positions (N, 2), km."""
        return self.anchor + self.offset

    @property
    def fighting(self) -> np.ndarray:
        """Units that sense, shoot and can be shot: not withdrawn and not destroyed."""
        return (self.posture <= Posture.FRONT) & (self.strength > 0)

    @property
    def at_front(self) -> np.ndarray:
        return (self.posture == Posture.FRONT) & (self.strength > 0)

    def move(self, dt: float, rng: np.random.Generator) -> None:
        """Anchors move towards their place at unit speed; patrol offsets wander."""
        noise = rng.standard_normal((self.n, 2))
        _move(self.anchor, self.offset, self.posture == Posture.FRONT, self.front_place,
              self.rear_place, self.speed * dt, np.exp(-dt / PATROL_RELAX_H),
              self.patrol * np.sqrt(dt), self.strength > 0, noise)


@njit(cache=True)
def _move(anchor, offset, at_front, front_place, rear_place, reach, decay, wander, alive,
          noise):
    """One step of movement for every unit (in place): the anchor goes up to ``reach`` km
    straight towards its place; a living unit's offset decays and takes a normal step."""
    for i in range(anchor.shape[0]):
        px, py = (front_place[i, 0], front_place[i, 1]) if at_front[i] else \
            (rear_place[i, 0], rear_place[i, 1])
        gx, gy = px - anchor[i, 0], py - anchor[i, 1]
        dist = np.hypot(gx, gy)
        if dist > 0:
            step = min(dist, reach[i])
            anchor[i, 0] += gx / dist * step
            anchor[i, 1] += gy / dist * step
        if alive[i]:
            offset[i, 0] = offset[i, 0] * decay + wander[i] * noise[i, 0]
            offset[i, 1] = offset[i, 1] * decay + wander[i] * noise[i, 1]


def build_forces(scenario: Scenario, rng: np.random.Generator) -> Forces:
    """Lay out every unit group of the scenario as rows of a :class:`Forces`."""
    nation_names = list(scenario.nations)
    cols: dict[str, list] = {k: [] for k in (
        "names", "nation", "coalition", "speed", "patrol", "sensor_range", "weapon_range",
        "lethality", "cover", "front_from_h", "front_place", "rear_place", "initial")}
    for gname, g in scenario.units.items():
        side = scenario.nations[g.nation].side
        for k in range(g.count):
            slot = k * g.stride + g.interleave
            y = g.y_from_km + slot * scenario.slot_spacing_km
            cols["names"].append(f"{gname}-{k + 1:03d}")
            cols["nation"].append(nation_names.index(g.nation))
            cols["coalition"].append(side == "coalition")
            cols["speed"].append(g.speed_kmh)
            cols["patrol"].append(g.patrol_km)
            cols["sensor_range"].append(g.sensor_range_km)
            cols["weapon_range"].append(g.weapon_range_km)
            cols["lethality"].append(g.lethality)
            cols["cover"].append(g.cover)
            cols["front_from_h"].append(g.front_from_h)
            cols["front_place"].append((g.x_km, y))
            cols["rear_place"].append((g.rear_x_km, y))
            cols["initial"].append(g.strength)
    n = len(cols["names"])
    arr = {k: np.asarray(v, dtype=float) for k, v in cols.items()
           if k not in ("names", "nation", "coalition", "initial", "front_place", "rear_place")}
    front_place = np.asarray(cols["front_place"], dtype=float).reshape(n, 2)
    rear_place = np.asarray(cols["rear_place"], dtype=float).reshape(n, 2)
    initial = np.asarray(cols["initial"], dtype=np.int64)
    front_from = arr["front_from_h"]
    posture = np.where(front_from <= 0.0, Posture.FRONT, Posture.REAR).astype(np.int8)
    anchor = np.where((posture == Posture.FRONT)[:, None], front_place, rear_place).copy()
    patrol = arr["patrol"]
    # start each unit somewhere in its patrol wander (stationary spread of the OU process)
    offset = rng.standard_normal((n, 2)) * (patrol * np.sqrt(PATROL_RELAX_H / 2))[:, None]
    return Forces(
        names=cols["names"], nation_names=nation_names,
        nation=np.asarray(cols["nation"], dtype=np.int64),
        coalition=np.asarray(cols["coalition"], dtype=bool),
        speed=arr["speed"], patrol=patrol, sensor_range=arr["sensor_range"],
        weapon_range=arr["weapon_range"], lethality=arr["lethality"], cover=arr["cover"],
        front_from_h=front_from, front_place=front_place, rear_place=rear_place,
        initial=initial, anchor=anchor, offset=offset,
        strength=initial.copy(), killed=np.zeros(n, np.int64), wounded=np.zeros(n, np.int64),
        deployed=initial.copy(), posture=posture,
        deployed_strength=initial.copy(), withdrawn_at=np.full(n, -np.inf),
    )
