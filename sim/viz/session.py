"""One viewer's battle: the settings chosen on the page, the model they build, and what
has happened recently (for the map's fading marks).

Rules:
- The model is built the way ``sim run`` builds replication 0 of a run: the command
  line's overrides, then the page's choices (scenario, intervention, seed, sliders)
  as Hydra overrides on top, composed and validated by the same code
  (:func:`sim.api.config`), then :func:`sim.build.build_model`. An invalid
  combination raises :class:`~sim.cli.validate.ConfigError` with one line per
  problem, naming the key, the value and the rule; the old model stays.
- A page choice replaces any command-line override of the same key.
- The model stops at its horizon: stepping past it does nothing.
- Impacts (artillery missions and drone strikes) are kept for ``FADE_H`` hours of
  model time, incidents are shown for ``FADE_H`` hours after their last fire.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from sim.cli.overrides import key as override_key

#: hours of model time over which incidents and impacts fade from the map
FADE_H = 6.0


@dataclass(frozen=True)
class Choice:
    """What the page asks for on top of the command line's overrides."""

    scenario: str | None = None
    intervention: str | None = None
    seed: int | None = None
    #: dotted config key -> value, for the sliders the viewer moved
    values: dict[str, float] = field(default_factory=dict)

    def overrides(self) -> list[str]:
        """The Hydra overrides that say this choice."""
        out = []
        if self.scenario is not None:
            out.append(f"scenario={self.scenario}")
        if self.intervention is not None:
            out.append(f"intervention={self.intervention}")
        if self.seed is not None:
            out.append(f"seed={int(self.seed)}")
        # a key the config leaves to the schema's default is composed as ++KEY
        # (sim.cli.validate.compose_with_schema_keys)
        out += [f"{k}={_number(v)}" for k, v in sorted(self.values.items())]
        return out


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def combined(base: list[str], choice: Choice) -> list[str]:
    """``base`` overrides with ``choice``'s on top (a choice replaces the same key)."""
    mine = choice.overrides()
    keys = {override_key(o) for o in mine}
    return [o for o in base if override_key(o) not in keys] + mine


def compose(base: list[str], choice: Choice):
    """The validated run config of ``base`` and ``choice`` (raises ConfigError)."""
    from sim import api

    return api.config(*combined(base, choice))


class Battle:
    """A model being watched, with the recent impacts the map fades out.

    Attributes:
        config: the validated run config the model was built from.
        model: the :class:`~sim.model.model.CoalitionModel` (replication 0 of ``config``).
        impacts: recent impacts, rows of (time h, x km, y km, firing nation index, kind:
            0 artillery mission, 1 drone strike).
        series: what the plots show, one entry per step taken (and the start): ``time_h``;
            ``casualties`` and ``friendly_fire``, killed + wounded so far per nation (of
            all fire, and of coalition fire on coalition units); ``queue``, messages
            waiting at each translation pool (its backlog in hours times its rate).
    """

    def __init__(self, config, choice: Choice | None = None) -> None:
        from sim.build import build_model

        self.config = config
        #: the page's choice it was built from (None: the command line's config)
        self.choice = choice
        self.model = build_model(config)
        self.impacts: deque[np.ndarray] = deque()
        self.names = {name: i for i, name in enumerate(self.model.forces.names)}
        self.series: dict[str, list] = {"time_h": [], "casualties": [], "friendly_fire": [],
                                        "queue": []}
        self._record()

    def _record(self) -> None:
        m = self.model
        f, n = m.forces, len(m.forces.nation_names)
        pools, load = m.network.pools, m.network.load
        self.series["time_h"].append(m.time_h)
        self.series["casualties"].append(
            np.bincount(f.nation, weights=f.killed + f.wounded, minlength=n))
        self.series["friendly_fire"].append(
            np.bincount(f.nation, weights=m.ledger.friendly_fire, minlength=n))
        self.series["queue"].append(np.array(
            [max(float(load.free_at[p]) - m.time_h, 0.0) * pool.capacity_per_h
             for p, pool in enumerate(pools)]))

    @classmethod
    def build(cls, base: list[str], choice: Choice) -> Battle:
        """Compose, validate and build (module rules; raises ConfigError)."""
        return cls(compose(base, choice), choice)

    @property
    def changes(self) -> list[str]:
        """The sliders' settings it was built with (``key=value``)."""
        return [] if self.choice is None else Choice(values=self.choice.values).overrides()

    @property
    def done(self) -> bool:
        """The model reached its horizon."""
        return self.model.steps >= self.model.n_steps

    def step(self, n: int = 1) -> int:
        """Advance ``n`` steps, fewer at the horizon; returns the steps taken."""
        m = self.model
        taken = 0
        while taken < n and not self.done:
            m.step()
            taken += 1
            self._record()
            t = m.time_h
            for kind, rows in ((0, m.indirect_fire.landed), (1, m.drones.struck)):
                if len(rows):
                    self.impacts.append(np.column_stack(
                        [np.full(len(rows), t), rows, np.full(len(rows), kind)]))
        if taken and self.done:
            m.running = False
        while self.impacts and self.impacts[0][0, 0] < m.time_h - FADE_H:
            self.impacts.popleft()
        return taken

    def snapshot(self) -> dict[str, np.ndarray]:
        """The series as arrays of one length, safe to take while another thread steps
        (the lists only grow, so each is cut to the shortest)."""
        n = min(len(v) for v in self.series.values())
        return {k: np.asarray(v[:n]) for k, v in self.series.items()}

    def recent_impacts(self) -> np.ndarray:
        """Impacts of the last ``FADE_H`` hours, (K, 5) rows as in ``impacts``."""
        if not self.impacts:
            return np.empty((0, 5))
        return np.vstack(list(self.impacts))

    def recent_incidents(self) -> list:
        """Incidents whose last fire was within ``FADE_H`` hours (ongoing ones included)."""
        t = self.model.time_h
        out = []
        for inc in self.model.ledger.incidents:
            last = t if not np.isfinite(inc.end_h) else min(inc.end_h, t)
            if t - last <= FADE_H:
                out.append(inc)
        return out
