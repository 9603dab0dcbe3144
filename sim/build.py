"""The one way from a validated configuration to a model.

Every caller (the replication runner, the warm-up, the benchmark, the profiler,
the tests, notebooks) builds its models here, so they all apply the same steps
in the same order:

1. the intervention (a lever) changes a copy of the scenario
   (:func:`sim.interventions.apply_intervention`);
2. then the scenario is scaled (:func:`sim.scaling.scale_scenario`), so that
   resources a lever adds (liaison officers) scale with the force like the rest;
3. the model is built on replication ``k``'s seed, ``SeedSequence(seed)``'s
   ``k``-th spawned child (the seed ``sim run`` gives replication ``k``), with the
   lever's counterfactual parts (``Intervention.parts()``: ``perfect_comms`` is all
   three), as :class:`sim.model.ideal.Idealised`.
"""

from __future__ import annotations

import numpy as np

from sim.interventions import apply_intervention
from sim.model.ideal import Idealised
from sim.model.model import CoalitionModel
from sim.scaling import scale_scenario
from sim.schema import Intervention, RunConfig, Scenario


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """Replication ``replication``'s seed under master ``seed``: the same SeedSequence as
    ``sim.model.streams.replication_seeds(seed, n)[replication]`` for any n."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def build_world(config: RunConfig, lever: Intervention | None = None) -> Scenario:
    """The scenario as fought: ``config``'s scenario changed by ``lever`` (default: the
    config's intervention), then scaled by ``config.scale``."""
    lever = config.intervention if lever is None else lever
    return scale_scenario(apply_intervention(config.scenario, lever), config.scale)


def build_model(config: RunConfig, replication: int = 0, *,
                lever: Intervention | None = None,
                seed: np.random.SeedSequence | None = None) -> CoalitionModel:
    """A model of ``config`` for replication ``replication`` (not run yet).

    Args:
        config: the validated run configuration.
        replication: replication index (labels the records, and picks the seed).
        lever: the intervention to apply instead of ``config.intervention`` (the
            counterfactual of ``compare_to``).
        seed: the replication's seed, if already spawned (default:
            :func:`replication_seed` of ``config.seed`` and ``replication``).
    """
    lever = config.intervention if lever is None else lever
    seq = replication_seed(config.seed, replication) if seed is None else seed
    return CoalitionModel(build_world(config, lever), seq, ideal=Idealised.of(lever.parts()),
                          replication=replication)
