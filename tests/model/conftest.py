"""Small scenarios for the model's behaviour tests.

The ``kit`` fixture builds them two ways:

- ``kit.scenario(name, counts=..., horizon_h=..., changes=...)``: a configured
  scenario (``configs/scenario/NAME.yaml`` composed with Hydra and validated,
  as ``sim run`` sees it), shrunk to a few units and a short horizon;
- ``kit.tiny(changes)``: a hand-made three-nation world (coalition ``A`` and
  ``B`` with different languages and a liaison link, enemy ``E``), two units
  each, for tests that place units by hand.

``changes`` maps dotted key paths (``"identification.gate_km"``,
``"nations.A.roe.engage_forward"``) to values; the result is validated again,
so a test cannot build a world the schema forbids. Replications use the
model's own seeding (:func:`sim.model.streams.replication_seeds`) and fixed
master seeds, so every statistical test here is deterministic.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from sim.build import build_model
from sim.cli.validate import compose_config, load_intervention, validate_config
from sim.experiment.replication import ReplicationResult, run_replication, summarise
from sim.model.model import CoalitionModel
from sim.model.streams import replication_seeds, seed_label
from sim.schema import Intervention, RunConfig, Scenario

TINY: dict[str, Any] = {
    "name": "tiny",
    "horizon_h": 24.0,
    "dt_h": 1.0,
    "record_every_h": 6.0,
    "languages": ["alpha", "beta", "gamma"],
    "nations": {
        "A": {"side": "coalition", "languages": {"alpha": 1.0}, "radio": "ra"},
        "B": {"side": "coalition", "languages": {"beta": 1.0, "alpha": 0.3}, "radio": "rb"},
        "E": {"side": "enemy", "languages": {"gamma": 1.0}, "radio": "re"},
    },
    "links": {"AB": {"a": "A", "b": "B"}},
    "units": {
        "a": {"nation": "A", "count": 2, "strength": 100, "x_km": -0.5, "stride": 2,
              "interleave": 0, "patrol_km": 0.0, "speed_kmh": 0.0},
        "b": {"nation": "B", "count": 2, "strength": 100, "x_km": -0.5, "stride": 2,
              "interleave": 1, "patrol_km": 0.0, "speed_kmh": 0.0},
        "e": {"nation": "E", "count": 2, "strength": 100, "x_km": 0.5, "stride": 2,
              "patrol_km": 0.0, "speed_kmh": 0.0},
    },
}


@functools.cache
def _configured(name: str) -> dict[str, Any]:
    """The scenario ``name`` as composed by Hydra and validated (a plain dict)."""
    return validate_config(compose_config([f"scenario={name}"])).scenario.model_dump()


@functools.cache
def _lever(name: str) -> Intervention:
    return load_intervention(name)


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``data[a][b][c] = value`` for ``path`` ``"a.b.c"`` (creating missing blocks)."""
    *head, last = path.split(".")
    for key in head:
        data = data.setdefault(key, {})
    data[last] = value


def changed(data: Mapping[str, Any], changes: Mapping[str, Any] | None) -> Scenario:
    """A validated scenario: ``data`` (a dict or Scenario) with dotted-path ``changes``."""
    raw = data.model_dump() if isinstance(data, Scenario) else copy.deepcopy(dict(data))
    for path, value in (changes or {}).items():
        set_path(raw, path, value)
    return Scenario.model_validate(raw)


class Kit:
    """Builders for small scenarios, models and replications (see the module docstring)."""

    def scenario(self, name: str, *, counts: Mapping[str, int] | None = None,
                 horizon_h: float | None = None, front_now: bool = True,
                 changes: Mapping[str, Any] | None = None) -> Scenario:
        """Configured scenario ``name``, shrunk.

        Args:
            counts: units per group (groups not named keep their configured count).
            horizon_h: new horizon, h.
            front_now: every group starts at the front (skips the rear-support phase).
            changes: dotted-path changes applied last.
        """
        raw = copy.deepcopy(_configured(name))
        for group, n in (counts or {}).items():
            raw["units"][group]["count"] = n
        if front_now:
            for group in raw["units"].values():
                group["front_from_h"] = 0.0
        if horizon_h is not None:
            raw["horizon_h"] = horizon_h
        return changed(raw, changes)

    def kursk(self, *, horizon_h: float = 72.0, changes: Mapping[str, Any] | None = None,
              kp: int = 6, ru: int = 6, ua: int = 6) -> Scenario:
        """kursk_2024 on a few km of front: ``kp`` KP and ``ru`` RU companies interleaved
        (no Akhmat), ``ua`` UA companies facing them, all at the front from the start."""
        return self.scenario("kursk_2024", counts={"kp": kp, "ru": ru, "akhmat": 0, "ua": ua},
                             horizon_h=horizon_h, changes=changes)

    def tiny(self, changes: Mapping[str, Any] | None = None) -> Scenario:
        """The hand-made world ``TINY`` with dotted-path ``changes``."""
        return changed(TINY, changes)

    def lever(self, name: str = "none") -> Intervention:
        """The intervention ``configs/intervention/NAME.yaml``."""
        return _lever(name)

    def config(self, scenario: Scenario, seed: int = 0, *, lever: str = "none") -> RunConfig:
        """A run configuration of ``scenario`` under intervention ``lever``."""
        return RunConfig(scenario=scenario, intervention=self.lever(lever), seed=seed)

    def model(self, scenario: Scenario, seed: int = 0, *, lever: str = "none",
              perfect: bool | None = None) -> CoalitionModel:
        """A model built (not run) by :func:`sim.build.build_model` on replication 0 of
        master seed ``seed``; ``perfect`` overrides the lever's ``perfect_comms``."""
        iv = self.lever(lever)
        if perfect is not None:
            iv = iv.model_copy(update={"perfect_comms": perfect})
        return build_model(self.config(scenario, seed, lever=lever), lever=iv)

    def replicate(self, scenario: Scenario, n: int, *, seed: int = 0,
                  lever: str = "none") -> list[ReplicationResult]:
        """``n`` replications of ``scenario`` under ``lever`` on the seeds spawned from ``seed``."""
        cfg = self.config(scenario, seed, lever=lever)
        return [run_replication(cfg, cfg.intervention, s, i, seed_label(s))
                for i, s in enumerate(replication_seeds(seed, n))]

    def run(self, scenario: Scenario, seed: int = 0, *,
            lever: str = "none") -> tuple[CoalitionModel, ReplicationResult]:
        """Replication 0 of ``seed``: the finished model and its summary."""
        model = self.model(scenario, seed, lever=lever).run()
        return model, summarise(model, 0, 0)


@pytest.fixture(scope="session")
def kit() -> Kit:
    """Builders for small scenarios, models and replications."""
    return Kit()


def place(model: CoalitionModel, xy: Any) -> None:
    """Put the model's units at ``xy`` (N, 2) km, to stay there (no patrol offset)."""
    f = model.forces
    xy = np.asarray(xy, dtype=float)
    f.anchor[:] = xy
    f.front_place[:] = xy
    f.offset[:] = 0.0


@pytest.fixture(scope="session")
def put() -> Any:
    """``put(model, xy)``: place a model's units by hand (see :func:`place`)."""
    return place
