"""Posterior-predictive runs: each replication runs with one parameter set drawn from a
calibration's posterior (``sim run posterior=PATH``).

Rules:
- ``PATH`` is a ``sim calibrate`` directory or its ``posterior.parquet``: the last
  generation's particles, their normalised weights and their parameter values (every
  column but ``particle``, ``weight``, ``distance`` and ``stat.*``), each a dotted config
  key.
- Replication k draws particle i with probability weight_i from its own named sub-stream
  (``posterior``) of its seed, and runs with particle i's values set over the composed
  config. The counterfactual of ``compare_to`` and every ``decompose`` arm use replication
  k's seed, so they draw the same particle: the paired differences compare like with
  like.
- The metrics' intervals over replications then carry the parameters' uncertainty as
  well as the Monte Carlo error. summary.json says which interval is which: ``ci95`` is
  the 95% interval of the mean (how well the replications pin down the posterior-
  predictive mean), ``predictive`` the central 90% of single replications (where one
  campaign's outcome would fall, given what the calibration learnt).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.model.streams import stream_seed

#: The posterior's file in a calibration directory.
FILE = "posterior.parquet"
#: Columns of the file that are not parameters.
NOT_PARAMETERS = ("particle", "weight", "distance")
#: The quantiles of single replications reported: p05, p50, p95 (the central 90%).
QUANTILES = {"p05": 0.05, "p50": 0.5, "p95": 0.95}
#: What each interval of a posterior-predictive summary is, written into summary.json.
INTERVALS = {
    "ci95": "95% interval of the mean over replications: Monte Carlo error of the "
            "posterior-predictive mean (each replication drew its own parameters)",
    "predictive": "central 90% of single replications (p05, p50, p95): the posterior-"
                  "predictive interval of one campaign, parameters' uncertainty and chance "
                  "together",
}


class PosteriorError(ValueError):
    """A posterior that cannot be used; one line per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


class InvalidParticle(ValueError):
    """A particle whose values fail the config's validation: its index and the error."""

    def __init__(self, index: int, error) -> None:
        super().__init__(f"particle {index}: {error}")
        self.index, self.error = index, error


@dataclass(frozen=True)
class Posterior:
    """Particles of a calibration's posterior: their values by key, and weights."""

    keys: tuple[str, ...]
    values: np.ndarray        #: (particles, parameters)
    weights: np.ndarray       #: (particles,), summing to 1

    def draw(self, seq: np.random.SeedSequence) -> tuple[int, dict[str, float]]:
        """The particle replication ``seq`` runs with (module rules): its index and values."""
        rng = np.random.default_rng(stream_seed(seq, "posterior"))
        i = int(rng.choice(len(self.weights), p=self.weights))
        return i, self.particle(i)

    def particle(self, i: int) -> dict[str, float]:
        """Particle ``i``'s values by key."""
        return {k: float(self.values[i, j]) for j, k in enumerate(self.keys)}


def load(path: str | Path) -> Posterior:
    """The posterior at ``path`` (a calibration directory or its parquet file)."""
    import pandas as pd

    p = Path(path)
    if p.is_dir():
        p = p / FILE
    if not p.is_file():
        raise PosteriorError([f"posterior = {str(path)!r}: no such file (give a sim "
                              f"calibrate directory or its {FILE})"])
    try:
        df = pd.read_parquet(p)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same error
        raise PosteriorError([f"posterior = {str(path)!r}: not a readable parquet file "
                              f"({type(exc).__name__})"]) from exc
    keys = tuple(sorted(c for c in df.columns
                        if c not in NOT_PARAMETERS and not c.startswith("stat.")))
    if "weight" not in df or not keys or not len(df):
        raise PosteriorError([f"posterior = {str(path)!r}: needs a weight column, at least "
                              "one parameter column and one particle"])
    w = df["weight"].to_numpy(float)
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise PosteriorError([f"posterior = {str(path)!r}: weights must be finite, "
                              "non-negative and not all 0"])
    return Posterior(keys, df[list(keys)].to_numpy(float), w / w.sum())


def with_values(cfg, values: dict[str, float]):
    """``cfg`` (a validated ``RunConfig``) with the dotted keys set to ``values``, validated
    again."""
    from sim.priors import validated_with

    return validated_with(cfg.model_dump(mode="python"), values)


def check(cfg) -> Posterior:
    """The run's posterior, checked: every parameter names a config key and the config
    validates with every particle's values. Raises :class:`PosteriorError` for a file that
    cannot be used, :class:`InvalidParticle` for the first particle that fails."""
    from pydantic import ValidationError

    post = load(cfg.posterior)
    for i in range(len(post.weights)):
        try:
            with_values(cfg, post.particle(i))
        except ValidationError as err:
            raise InvalidParticle(i, err) from err
    return post


def quantiles(values) -> dict[str, float]:
    """p05, p50 and p95 of single replications' values."""
    x = np.asarray(values, float)
    q = np.quantile(x, list(QUANTILES.values())) if x.size else np.zeros(len(QUANTILES))
    return {name: float(v) for name, v in zip(QUANTILES, q, strict=True)}
