"""Calibration by ABC-SMC (pyabc): the parameter values under which the model reproduces what
was reported, starting from the priors.

Approximate Bayesian computation by sequential Monte Carlo (Toni et al. 2009, J. R. Soc.
Interface 6:187; pyabc, Schälte et al. 2022, JOSS 7:4304) keeps the parameter values whose
simulated statistics lie within a threshold epsilon of the observed ones, lowering epsilon
generation by generation and proposing each generation's values from the last one's.

Rules:
- The parameters calibrated are ``parameters``, keys of the run's prior set (all of it by
  default); each starts from its prior (:mod:`sim.priors`). An integer prior cannot be
  calibrated: pyabc's proposals are continuous.
- Every other prior of the set either stays at the scenario's value (``others:
  scenario``) or is drawn afresh from its prior for every simulation (``others: prior``:
  the posterior then averages over what is not calibrated).
- A particle's statistics (:mod:`sim.experiment.targets`) are means over ``replications``
  replications. Their seeds are spawned from ``SeedSequence([seed, *the parameter values'
  bits])``, so a particle is re-run exactly from its values and the calibration's seed.
- The distance is the band distance of the targets (0: every statistic inside its band).
  Generation 0 takes ``population`` particles from the priors (epsilon infinite); each
  later epsilon is the ``alpha`` quantile of the last generation's weighted distances.
- It stops after ``generations`` generations, when epsilon reaches ``min_epsilon``, or
  after ``max_simulations`` simulations, whichever comes first.
- pyabc keeps every generation in an SQLite database (``abc.db``). Running again into the
  same directory with the same settings continues from its last finished generation; a
  generation cut off is sampled again.
- With ``workers`` 1 the run is reproducible (pyabc draws its proposals from numpy's global
  generator, seeded here with ``seed``); with more, pyabc's multicore sampler seeds each
  worker from the operating system, so the particles differ from run to run, though each
  particle can still be re-run exactly.
- With ``scheduler`` (a Dask scheduler's address), the particles are simulated on that
  cluster's workers by pyabc's Dask sampler, not reproducibly either; the database, and so
  continuing, stays on the machine that runs the command.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.experiment.atomic import pyplot, save_figure, write_atomic, write_json, write_parquet
from sim.experiment.targets import Target, band_distance, mean_statistics, nations_named
from sim.priors import Prior, validated_with

#: Files in a calibration directory.
SPEC_FILE = "calibration.json"
DB_FILE = "abc.db"
POSTERIOR_FILE = "posterior.parquet"
GENERATIONS_FILE = "generations.parquet"
MARGINALS_FILE = "posterior_marginals.png"
PAIRS_FILE = "posterior_pairs.png"
READING_FILE = "calibration.md"
#: Settings that say how long to run and on what, not what is computed: a run may be
#: continued with other values.
STOPPING = ("generations", "min_epsilon", "max_simulations", "workers", "scheduler")
#: Seconds to wait for a Dask scheduler to answer.
SCHEDULER_TIMEOUT_S = 30
#: The credible level of the intervals reported.
CREDIBLE = 0.90


class CalibrationSpec(BaseModel):
    """How to calibrate (the ``calibration`` config key)."""

    model_config = ConfigDict(extra="forbid")

    parameters: list[str] | None = Field(
        None, description="prior keys to calibrate (default: every prior of the set)")
    others: Literal["scenario", "prior"] = Field(
        "scenario", description="priors not calibrated: kept at the scenario's value, or "
        "drawn from the prior for every simulation")
    targets: dict[str, Target] = Field(min_length=1, description="reported figures by name")
    population: int = Field(40, ge=4, le=100_000, description="particles per generation")
    generations: int = Field(4, ge=1, le=100, description="most generations")
    alpha: float = Field(0.5, gt=0, lt=1, description="quantile of the last generation's "
                         "distances that sets the next epsilon")
    min_epsilon: float = Field(0.0, ge=0, description="stop once epsilon is at most this")
    max_simulations: int | None = Field(None, ge=1, description="stop after this many "
                                        "simulations in all (None: no limit)")
    replications: int = Field(1, ge=1, le=1000, description="replications per particle")
    seed: int = Field(2024, ge=0, description="seed of the proposals and of every "
                      "particle's replications")
    workers: int = Field(1, ge=1, le=256, description="processes (pyabc's multicore sampler)")
    scheduler: str | None = Field(
        None, pattern=r"^(tcp|tls|inproc|ucx)://\S+$",
        description="a Dask scheduler's address (tcp://HOST:PORT): sample on its workers with "
        "pyabc's Dask sampler instead of local processes (workers is then unused)")


class CalibrationError(ValueError):
    """A calibration that cannot be set up or analysed; one line per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def parse_spec(data: dict[str, Any] | None, priors: dict[str, Prior],
               nations: list[str]) -> CalibrationSpec:
    """The ``calibration`` key as a spec, checked against the prior set and the scenario's
    nations; :class:`CalibrationError` with a line per problem."""
    try:
        spec = CalibrationSpec.model_validate(data or {})
    except ValidationError as err:
        lines = []
        for e in err.errors():
            loc = ".".join(str(p) for p in ("calibration", *e["loc"]))
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                msg = f"unknown key (the spec has {', '.join(CalibrationSpec.model_fields)})"
            value = e.get("input")
            lines.append(f"{loc} = {'{...}' if isinstance(value, dict) else repr(value)}: {msg}")
        raise CalibrationError(lines) from err
    lines = []
    for key in spec.parameters or []:
        if key not in priors:
            lines.append(f"calibration.parameters = {key!r}: not in the prior set (it has "
                         f"{len(priors)} priors, e.g. {', '.join(sorted(priors)[:3])})")
        elif priors[key].integer:
            lines.append(f"calibration.parameters = {key!r}: an integer prior cannot be "
                         "calibrated (pyabc's proposals are continuous); leave it out")
    if spec.parameters is not None and len(set(spec.parameters)) != len(spec.parameters):
        lines.append("calibration.parameters: a parameter is named twice")
    if spec.parameters is None:
        whole = [k for k, p in priors.items() if p.integer]
        if whole:
            lines.append(f"calibration.parameters = None: the prior set has integer priors "
                         f"({', '.join(whole)}), which cannot be calibrated; list the "
                         "parameters to calibrate")
    for name, target in spec.targets.items():
        for nation in nations_named(target.statistic):
            if nation not in nations:
                lines.append(f"calibration.targets.{name}.statistic = {target.statistic!r}: "
                             f"no nation {nation!r} (the scenario has {', '.join(nations)})")
    if lines:
        raise CalibrationError(lines)
    return spec


def calibrated(spec: CalibrationSpec, priors: dict[str, Prior]) -> list[str]:
    """The keys calibrated, sorted."""
    return sorted(spec.parameters if spec.parameters is not None else priors)


def particle_seed(seed: int, values: dict[str, float]) -> np.random.SeedSequence:
    """The seed of a particle: the calibration's seed and the bits of its values, sorted by
    key (module rules)."""
    bits = np.array([float(values[k]) for k in sorted(values)], dtype=np.float64)
    return np.random.SeedSequence([int(seed), *np.frombuffer(bits.tobytes(), np.uint32)
                                   .tolist()])


class Simulator:
    """The model as pyabc sees it: parameter values in, the targets' statistics out.

    ``base`` is the composed config (a plain dict, validated) that every particle starts
    from; ``others`` the priors drawn afresh for each simulation (empty with ``others:
    scenario``).
    """

    def __init__(self, base: dict[str, Any], spec: CalibrationSpec,
                 others: dict[str, Prior]) -> None:
        self.base = {k: v for k, v in base.items()
                     if k not in ("hydra", "priors", "calibration", "sensitivity")}
        self.base.update(progress=False, workers=1, compare_to=None, decompose=False)
        self.spec = spec
        self.others = others

    def config(self, values: dict[str, float], nuisance: dict[str, float] | None = None):
        """The validated run config of a particle (its values, and the others' draws)."""
        return validated_with(self.base, {**(nuisance or {}), **values})

    def nuisance(self, seq: np.random.SeedSequence) -> dict[str, float]:
        """The draws of the priors not calibrated, from the particle's own stream."""
        if not self.others:
            return {}
        rng = np.random.default_rng(seq.spawn(1)[0])
        u = rng.random(len(self.others))
        return {k: self.others[k].quantile(u[i]).item() for i, k in enumerate(sorted(self.others))}

    def __call__(self, parameters) -> dict[str, float]:
        from sim.experiment.replication import run_replication
        from sim.model.streams import seed_label

        values = {k: float(parameters[k]) for k in sorted(parameters)}
        seq = particle_seed(self.spec.seed, values)
        cfg = self.config(values, self.nuisance(seq))
        seeds = seq.spawn(self.spec.replications)
        results = [run_replication(cfg, cfg.intervention, s, k, seed_label(s))
                   for k, s in enumerate(seeds)]
        return mean_statistics(self.spec.targets, results)


def _pyabc_prior(priors: dict[str, Prior], keys: list[str]):
    import pyabc

    return pyabc.Distribution(**{k: pyabc.RV(*priors[k].scipy_args()) for k in keys})


def observed(spec: CalibrationSpec) -> dict[str, float]:
    """The bands' centres, stored with the run (the distance reads the bands, not these)."""
    return {k: t.centre for k, t in sorted(spec.targets.items())}


def run_abc(directory: Path, spec: CalibrationSpec, priors: dict[str, Prior],
            simulate, progress: bool = False) -> dict[str, Any]:
    """Run (or continue) the ABC-SMC of ``spec`` into ``directory``; its status: the
    generations done, the last epsilon, and why it stopped."""
    import pyabc

    keys = calibrated(spec, priors)
    targets = spec.targets
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    db = f"sqlite:///{(directory / DB_FILE).resolve()}"

    def distance(x: dict, _x0: dict) -> float:
        return band_distance(targets, x)

    sampler, client = make_sampler(spec)
    sampler.show_progress = progress
    np.random.seed(spec.seed)  # noqa: NPY002 - pyabc draws from numpy's global generator
    done = finished(directory)
    # a new run's generation 0 keeps every prior draw; a continued run's next epsilon is
    # the quantile of its last generation's distances ('from_sample' reads them from abc.db)
    eps = pyabc.QuantileEpsilon(initial_epsilon="from_sample" if done else math.inf,
                                alpha=spec.alpha)
    abc = pyabc.ABCSMC(simulate, _pyabc_prior(priors, keys), distance,
                       population_size=spec.population, sampler=sampler, eps=eps)
    # pyabc's own lines, one or two a generation (epsilon, acceptance, ESS), are the
    # progress of a long run; its per-particle bar only on a terminal
    logging.getLogger("ABC").setLevel(logging.INFO)
    if done:
        abc.load(db, 1)
    else:
        abc.new(db, observed(spec))
    remaining = spec.generations - done
    used = abc.history.total_nr_simulations if done else 0
    budget = (math.inf if spec.max_simulations is None else spec.max_simulations - used)
    last_eps = _last_epsilon(abc.history) if done else math.inf
    try:
        if remaining > 0 and budget > 0 and last_eps > spec.min_epsilon:
            with np.errstate(invalid="ignore"):  # pyabc subtracts the first, infinite epsilons
                abc.run(minimum_epsilon=spec.min_epsilon, max_nr_populations=remaining,
                        max_total_nr_simulations=budget)
    finally:
        if client is not None:
            client.close()
    return status(directory, spec)


def make_sampler(spec: CalibrationSpec):
    """pyabc's sampler for ``spec`` and the Dask client it holds (None when local): one
    process for ``workers = 1``, the multicore sampler for more, or with ``scheduler`` the
    Dask sampler on that scheduler's workers (each must import ``sim``: the same install)."""
    import pyabc

    if spec.scheduler is not None:
        from distributed import Client

        try:
            client = Client(spec.scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except OSError as exc:
            raise CalibrationError([f"calibration.scheduler = {spec.scheduler!r}: no Dask "
                                    f"scheduler answers there ({exc})"]) from exc
        return pyabc.sampler.DaskDistributedSampler(dask_client=client), client
    if spec.workers == 1:
        return pyabc.SingleCoreSampler(check_max_eval=False), None
    return pyabc.MulticoreEvalParallelSampler(n_procs=spec.workers), None


def _history(directory: Path):
    """pyabc's record of the directory's run (one run per database: id 1)."""
    import pyabc

    history = pyabc.History(f"sqlite:///{(Path(directory) / DB_FILE).resolve()}")
    if history.all_runs():
        history.id = 1
    return history


def finished(directory: Path) -> int:
    """The generations finished in a directory's database (0 with none, or no database)."""
    if not (Path(directory) / DB_FILE).is_file():
        return 0
    history = _history(directory)
    if not history.all_runs():
        return 0
    t = history.max_t
    return 0 if t is None else int(t) + 1


def _last_epsilon(history) -> float:
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    return float(pops["epsilon"].iloc[-1]) if len(pops) else math.inf


def status(directory: Path, spec: CalibrationSpec) -> dict[str, Any]:
    """Where a calibration stands: generations, simulations, last epsilon, and why it
    stopped (``converged``: epsilon reached ``min_epsilon``)."""
    generations = finished(directory)
    history = _history(directory) if generations else None
    eps = _last_epsilon(history) if generations else math.inf
    sims = int(history.total_nr_simulations) if generations else 0
    if generations and eps <= spec.min_epsilon:
        why = "converged"
    elif spec.max_simulations is not None and sims >= spec.max_simulations:
        why = "simulation budget spent"
    elif generations >= spec.generations:
        why = "generations done"
    else:
        why = "unfinished"
    return {"generations": generations, "simulations": sims, "epsilon": eps, "stopped": why}


def weighted_quantile(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its weighted empirical CDF)."""
    return np.quantile(np.asarray(x, float), q, weights=np.asarray(w, float),
                       method="inverted_cdf")


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size of importance weights, (sum w)^2 / sum w^2."""
    w = np.asarray(w, float)
    return float(w.sum() ** 2 / (w ** 2).sum())


def tables(directory: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last generation's particles (parameters, statistics, weight, distance) and one
    row of diagnostics per generation (epsilon, simulations, acceptance rate, ESS)."""
    if not finished(directory):
        raise CalibrationError([f"{directory}: no finished generation yet; run sim calibrate "
                                "into it again to continue"])
    history = _history(directory)
    pops = history.get_all_populations()
    rows = []
    for row in pops[pops["t"] >= 0].itertuples():
        _, w = history.get_distribution(m=0, t=int(row.t))
        rows.append({"generation": int(row.t), "epsilon": float(row.epsilon),
                     "simulations": int(row.samples), "particles": int(row.particles),
                     "acceptance_rate": float(row.particles / row.samples),
                     "ess": effective_sample_size(w)})
    generations = pd.DataFrame(rows)
    pop = history.get_population_extended(m=0, t="last")
    posterior = pd.DataFrame({"particle": pop.index.to_numpy().astype(int)})
    for column in sorted(c for c in pop.columns if c.startswith(("par_", "sumstat_"))):
        posterior[column.removeprefix("par_")
                  .replace("sumstat_", "stat.", 1)] = pop[column].astype(float).to_numpy()
    posterior["weight"] = (pop["w"] / pop["w"].sum()).to_numpy()
    posterior["distance"] = pop["distance"].astype(float).to_numpy()
    return posterior.sort_values("particle").reset_index(drop=True), generations


def save_spec(path: Path, spec: CalibrationSpec, priors: dict[str, Prior],
              base: dict[str, Any]) -> Path:
    """The calibration's settings, priors and base config, written atomically."""
    return write_json(path, {"schema_version": 1, "spec": spec.model_dump(mode="json"),
                             "priors": {k: p.model_dump(mode="json")
                                        for k, p in sorted(priors.items())},
                             "config": base})


def load_spec(directory: Path) -> tuple[CalibrationSpec, dict[str, Prior]]:
    data = json.loads((Path(directory) / SPEC_FILE).read_text())
    return (CalibrationSpec.model_validate(data["spec"]),
            {k: Prior.model_validate(v) for k, v in data["priors"].items()})


def summary_table(posterior: pd.DataFrame, spec: CalibrationSpec,
                  priors: dict[str, Prior]) -> pd.DataFrame:
    """Per parameter: the prior's and the posterior's median and central 90% interval, and
    how much of the prior's interval the posterior keeps."""
    lo, hi = (1 - CREDIBLE) / 2, (1 + CREDIBLE) / 2
    rows = []
    for key in calibrated(spec, priors):
        prior = priors[key]
        p_lo, p_med, p_hi = (float(prior.quantile(q)) for q in (lo, 0.5, hi))
        q_lo, q_med, q_hi = weighted_quantile(posterior[key], posterior["weight"],
                                              [lo, 0.5, hi])
        rows.append({"parameter": key, "prior_median": p_med, "prior_low": p_lo,
                     "prior_high": p_hi, "posterior_median": float(q_med),
                     "posterior_low": float(q_lo), "posterior_high": float(q_hi),
                     "width_kept": float((q_hi - q_lo) / (p_hi - p_lo))})
    return pd.DataFrame(rows)


def marginals_figure(posterior: pd.DataFrame, spec: CalibrationSpec,
                     priors: dict[str, Prior]):
    """Each calibrated parameter: the posterior's weighted histogram over the prior's
    density, with the scenario-independent prior range as the axis."""
    plt = pyplot()
    keys = calibrated(spec, priors)
    cols = min(3, len(keys))
    rows = math.ceil(len(keys) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    for ax in axes.flat[len(keys):]:
        ax.set_visible(False)
    for ax, key in zip(axes.flat, keys, strict=False):
        prior = priors[key]
        grid = np.linspace(prior.low, prior.high, 200)
        ax.hist(posterior[key], bins=20, range=(prior.low, prior.high), density=True,
                weights=posterior["weight"], color="tab:blue", alpha=0.6, label="posterior")
        ax.plot(grid, prior.frozen().pdf(grid), color="k", lw=1.2, label="prior")
        ax.set_title(key.removeprefix("scenario."), fontsize=8)
        ax.set_yticks([])
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Posterior (last generation) against prior", fontsize=10)
    fig.tight_layout()
    return fig


def pairs_figure(posterior: pd.DataFrame, spec: CalibrationSpec, priors: dict[str, Prior]):
    """A pair plot of the last generation: weighted histograms on the diagonal, the
    particles below it (size by weight), each axis spanning the prior's range."""
    plt = pyplot()
    keys = calibrated(spec, priors)
    d = len(keys)
    fig, axes = plt.subplots(d, d, figsize=(1.9 * d + 1, 1.9 * d + 1), squeeze=False)
    w = posterior["weight"].to_numpy()
    size = 4 + 60 * w / w.max()
    for i, ki in enumerate(keys):
        for j, kj in enumerate(keys):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(posterior[ki], bins=15, range=(priors[ki].low, priors[ki].high),
                        weights=w, color="tab:blue", alpha=0.7)
                ax.set_xlim(priors[ki].low, priors[ki].high)
                ax.set_yticks([])
            else:
                ax.scatter(posterior[kj], posterior[ki], s=size, alpha=0.5, color="tab:blue")
                ax.set_xlim(priors[kj].low, priors[kj].high)
                ax.set_ylim(priors[ki].low, priors[ki].high)
            ax.tick_params(labelsize=6)
            if i == d - 1:
                ax.set_xlabel(kj.rsplit(".", 2)[-2] + "." + kj.rsplit(".", 1)[-1]
                              if kj.count(".") else kj, fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(ki.rsplit(".", 1)[-1], fontsize=7)
    fig.tight_layout()
    return fig


def reading(summary: pd.DataFrame, posterior: pd.DataFrame, generations: pd.DataFrame,
            spec: CalibrationSpec, state: dict[str, Any]) -> str:
    """A plain-language account of the calibration: how it ran, what the reporting says
    about each parameter, and how the posterior's runs meet each target."""
    last = generations.iloc[-1]
    lines = ["# Calibration: ABC-SMC posterior", "",
             f"{state['generations']} generation(s) of {spec.population} particles, "
             f"{state['simulations']} simulations in all, {spec.replications} replication(s) "
             f"per particle; stopped: {state['stopped']} (last epsilon {last.epsilon:.4g}; "
             "0 means every statistic of every kept particle lies inside its band). Priors "
             f"not calibrated: {'at the scenario value' if spec.others == 'scenario' else 'drawn from their priors'}.",
             "", "## Parameters (median and central 90% interval)", "",
             "| parameter | prior | posterior | interval kept |", "| --- | --- | --- | --- |"]
    for r in summary.itertuples():
        lines.append(f"| {r.parameter} | {r.prior_median:.4g} [{r.prior_low:.4g}, "
                     f"{r.prior_high:.4g}] | {r.posterior_median:.4g} [{r.posterior_low:.4g}, "
                     f"{r.posterior_high:.4g}] | {r.width_kept:.0%} |")
    lines += ["", "## Targets: the last generation's runs against the reporting", "",
              "| target | statistic | band | posterior median [90%] | share inside |",
              "| --- | --- | --- | --- | --- |"]
    w = posterior["weight"].to_numpy()
    lo, hi = (1 - CREDIBLE) / 2, (1 + CREDIBLE) / 2
    for name, t in sorted(spec.targets.items()):
        x = posterior[f"stat.{name}"].to_numpy()
        q_lo, q_med, q_hi = weighted_quantile(x, w, [lo, 0.5, hi])
        inside = np.array([t.distance(v) == 0 for v in x])
        band = f"[{'-inf' if t.low is None else f'{t.low:g}'}, " \
               f"{'inf' if t.high is None else f'{t.high:g}'}]"
        lines.append(f"| {name} | {t.statistic} | {band} | {q_med:.4g} [{q_lo:.4g}, "
                     f"{q_hi:.4g}] | {float(w[inside].sum()):.0%} |")
    lines += ["", "## Generations", "",
              "| generation | epsilon | simulations | acceptance rate | ESS |",
              "| --- | --- | --- | --- | --- |"]
    for g in generations.itertuples():
        lines.append(f"| {g.generation} | {g.epsilon:.4g} | {g.simulations} | "
                     f"{g.acceptance_rate:.3f} | {g.ess:.1f} |")
    narrow = summary[summary["width_kept"] < 0.5]["parameter"].tolist()
    lines += ["", ("The reporting narrows " + ", ".join(narrow) + " to less than half of "
                   "its prior interval" if narrow else
                   "The reporting narrows no parameter to less than half of its prior "
                   "interval") + f", on an effective sample of {last.ess:.1f} particles.", ""]
    return "\n".join(lines)


def write_analysis(directory: Path) -> tuple[pd.DataFrame, str]:
    """The posterior table, diagnostics, figures and reading of a calibration directory."""
    directory = Path(directory)
    spec, priors = load_spec(directory)
    posterior, generations = tables(directory)
    write_parquet(directory / POSTERIOR_FILE, posterior)
    write_parquet(directory / GENERATIONS_FILE, generations)
    summary = summary_table(posterior, spec, priors)
    save_figure(directory / MARGINALS_FILE, marginals_figure(posterior, spec, priors))
    save_figure(directory / PAIRS_FILE, pairs_figure(posterior, spec, priors))
    text = reading(summary, posterior, generations, spec, status(directory, spec))
    write_atomic(directory / READING_FILE, lambda p: Path(p).write_text(text))
    return summary, text
