"""The Mesa agents: one :class:`Unit` per row of the unit table.

The model's state lives in numpy arrays (:class:`~sim.model.forces.Forces`), so
that each step works on every unit at once. A :class:`Unit` is the handle a Mesa
user expects: it is registered with the model (``model.agents``), and reads its
row of the table and its nation's HQ picture, so that a notebook, a
visualisation or a test can ask a unit what it is and what its HQ believes:

- ``unit.pos``: where it is, (x, y) km (Mesa's own attribute; read-only, since
  a unit moves by the model's movement rule);
- ``unit.nation``, ``unit.languages``, ``unit.strength``, ``unit.posture``;
- ``unit.belief``: what its own HQ's published picture says about it, and
  ``unit.believed_by(hq)`` for any HQ;
- ``unit.neighbours(radius_km)``: the units around it, each with what this
  unit's HQ believes about that neighbour (where friendly fire comes from: a
  neighbour the HQ places wrongly, or not at all).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.model.records import Posture


@dataclass(frozen=True)
class Belief:
    """One HQ's published picture entry about one unit.

    Attributes:
        hq: the nation whose HQ holds the entry.
        pos: the believed position (x, y) km, or None if the HQ never received a report.
        observed_h: when the believed position was observed, h (-inf: never).
        age_h: hours since then, at the model's current time.
        current: the entry is younger than ``entry_expiry_h`` (it counts for correlation).
        garbled: the entry came from a misunderstood report (a wrong grid).
        lost: the last report about the unit was lost, or had no route.
        error_km: distance between the believed and the true position, km (inf: no entry).
    """

    hq: str
    pos: tuple[float, float] | None
    observed_h: float
    age_h: float
    current: bool
    garbled: bool
    lost: bool
    error_km: float


class Unit(mesa.Agent):
    """A unit (squad to company): a named row of the model's unit table (see module doc)."""

    def __init__(self, model: mesa.Model, index: int, name: str, nation: str) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.nation = nation

    @property
    def pos(self) -> tuple[float, float] | None:
        """Current position (x, y), km: its anchor plus patrol offset."""
        forces = getattr(self.model, "forces", None)
        if forces is None:                       # during Mesa's Agent.__init__
            return None
        x, y = forces.anchor[self.index] + forces.offset[self.index]
        return float(x), float(y)

    @pos.setter
    def pos(self, value) -> None:
        # Mesa sets pos to None on creation, and its spaces set it when they place or move
        # an agent; a unit's position is model state, so only its current value is accepted.
        if value is None or self.pos is None:
            return
        if not np.allclose(value, self.pos, rtol=0.0, atol=1e-9):
            raise AttributeError(f"{self.name}: a unit's position is model state (its anchor "
                                 f"and patrol offset in model.forces); it cannot be set to "
                                 f"{tuple(value)}")

    @property
    def languages(self) -> dict[str, float]:
        """Proficiency of the unit's soldiers in each language, 0..1 (its nation's)."""
        return dict(self.model.world.nations[self.nation].languages)

    @property
    def side(self) -> str:
        """``"coalition"`` or ``"enemy"``."""
        return self.model.world.nations[self.nation].side

    @property
    def strength(self) -> int:
        """Personnel fit to fight."""
        return int(self.model.forces.strength[self.index])

    @property
    def posture(self) -> Posture:
        """What the unit is doing: rear support, front line, withdrawn or destroyed."""
        return Posture(int(self.model.forces.posture[self.index]))

    @property
    def belief(self) -> Belief:
        """What the unit's own HQ currently publishes about it."""
        return self.believed_by(self.nation)

    def believed_by(self, hq: str) -> Belief:
        """What HQ ``hq`` (a nation name) currently publishes about this unit."""
        model = self.model
        h = model.forces.nation_names.index(hq)
        pub = model.pictures.published
        observed = float(pub.time[h, self.index])
        now = model.time_h
        known = np.isfinite(observed)
        pos = (float(pub.pos[h, self.index, 0]), float(pub.pos[h, self.index, 1])) \
            if known else None
        error = float(np.hypot(pos[0] - self.pos[0], pos[1] - self.pos[1])) if known \
            else float("inf")
        return Belief(hq=hq, pos=pos, observed_h=observed, age_h=now - observed,
                      current=bool(model.pictures.current(now)[h, self.index]),
                      garbled=bool(pub.garbled[h, self.index]),
                      lost=bool(pub.lost[h, self.index]), error_km=error)

    def neighbours(self, radius_km: float) -> list[tuple[Unit, Belief]]:
        """Every other unit in the fight (at the front, not destroyed) within ``radius_km``
        of this one, nearest first, each with what this unit's HQ believes about it."""
        forces = self.model.forces
        d = np.hypot(*(forces.pos - np.asarray(self.pos)).T)
        near = np.flatnonzero((d <= radius_km) & forces.fighting)
        near = near[near != self.index]
        units = self.model.units
        return [(units[int(j)], units[int(j)].believed_by(self.nation))
                for j in near[np.argsort(d[near], kind="stable")]]

    def __repr__(self) -> str:
        return f"Unit({self.name!r}, nation={self.nation!r}, strength={self.strength})"
