"""``sim calibrate [OVERRIDES...]``: an ABC-SMC posterior of the priors against the reporting.

One command (:mod:`sim.experiment.calibration` holds the method and its rules):

1. compose and validate the config as ``sim run`` does, with the scenario's prior set
   (``+priors=<scenario>`` unless one is given) and its calibration settings
   (``calibration=NAME``, default the scenario's, from ``configs/calibration/``); every
   problem exits 2 before any work;
2. write the settings into the directory (``calibration.json``; ``hydra.run.dir=PATH``
   chooses it, default ``outputs/calibration/<scenario>/<time>``);
3. run pyabc's ABC-SMC, keeping every generation in ``abc.db``, on pyabc's multicore
   sampler with ``calibration.workers`` processes, or on a Dask cluster's workers with
   ``calibration.scheduler=tcp://HOST:PORT``;
4. analyse: ``posterior.parquet`` (the last generation's particles, weights, distances and
   statistics), ``generations.parquet`` (epsilon, simulations, acceptance rate and
   effective sample size per generation), the figures ``posterior_marginals.png`` and
   ``posterior_pairs.png``, and ``calibration.md`` (also printed).

Running it again into the same directory continues from the last finished generation (an
interrupted run loses only the generation it was sampling); the stopping rules
(``generations``, ``min_epsilon``, ``max_simulations``), ``workers`` and ``scheduler`` may change, so a
finished run can be taken further. A directory holding a different calibration (other
parameters, targets, population, priors or config) is refused. ``sim report DIR`` redoes step 4.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from omegaconf import OmegaConf

from sim.cli.overrides import added_group, default_choice, given, given_dir, key


def _fail(lines: list[str]) -> int:
    for line in lines:
        print(f"error: {line}", file=sys.stderr)
    return 2


def _dumped(priors) -> dict:
    return {k: p.model_dump(mode="json") for k, p in sorted(priors.items())}


def differs(path: Path, now: dict, free: tuple[str, ...] = ()) -> str | None:
    """Why the settings saved at ``path`` are another calibration's than ``now``, or None
    (also when nothing is saved). The stopping rules, ``workers`` and the ``free`` keys of
    a saved spec or coverage check may change."""
    from sim.experiment import calibration as cal

    if not path.is_file():
        return None
    before = json.loads(path.read_text())
    now = json.loads(json.dumps(now))
    for kept in (before, now):
        for part in ("spec", "coverage"):
            for name in (*cal.STOPPING, *free):
                kept.get(part, {}).pop(name, None)
    if any(before.get(k) != v for k, v in now.items()):
        return "it holds a different calibration (other settings, priors or config)"
    return None


def prepare(args: list[str], extra_groups: tuple[str, ...] = ()):
    """Compose and check a calibration: (directory, spec, priors, base config).
    Raises ``ConfigError`` or ``CalibrationError``."""
    from sim.cli.validate import ConfigError, compose_config, validate_config
    from sim.experiment import calibration as cal
    from sim.priors import parse_priors

    user = added_group(list(args), "calibration")
    own = [o for o in user if not key(o).startswith(("priors", "calibration", *extra_groups))]
    scenario = str(compose_config(own).scenario.name)
    for group in ("priors", "calibration", *extra_groups):
        user += default_choice(user, group, scenario)
    for group in ("priors", "calibration"):
        if not given(user, group):
            raise ConfigError([f"{group}: no {group} set for scenario {scenario!r}; write "
                               f"configs/{group}/{scenario}.yaml or choose one with "
                               f"{'+' if group == 'priors' else ''}{group}=NAME"])
    composed = compose_config(user)
    run = validate_config(composed)
    data = OmegaConf.to_container(composed, resolve=True)
    data.pop("hydra", None)
    priors = parse_priors(run.priors)
    spec = cal.parse_spec(data.get("calibration"), priors, list(run.scenario.nations))
    kind = extra_groups[0] if extra_groups else "calibration"
    directory = (given_dir(user, "hydra.run.dir")
                 or Path("outputs") / kind / scenario / time.strftime("%Y-%m-%d_%H-%M-%S"))
    return directory, spec, priors, data


def simulator(base: dict, priors: dict):
    """``make(spec)``: the model as a calibration of ``spec`` sees it (the priors not
    calibrated fixed or drawn, as the spec says)."""
    from sim.experiment import calibration as cal

    def make(spec):
        keys = cal.calibrated(spec, priors)
        others = ({} if spec.others == "scenario"
                  else {k: p for k, p in priors.items() if k not in keys})
        return cal.Simulator(base, spec, others)

    return make


def calibrate_command(args: list[str]) -> int:
    from sim.cli.validate import ConfigError, config_failed
    from sim.experiment import calibration as cal

    if "-m" in args or "--multirun" in args:
        return _fail(["sim calibrate runs its own simulations; leave out -m "
                      "(calibration.workers sets the processes)"])
    try:
        directory, spec, priors, data = prepare(args)
    except (ConfigError, cal.CalibrationError) as err:
        return config_failed(err)
    base = {k: v for k, v in data.items() if k not in ("priors", "calibration", "coverage")}
    spec_path = directory / cal.SPEC_FILE
    problem = differs(spec_path, {"spec": spec.model_dump(mode="json"), "config": base,
                                  "priors": _dumped(priors)})
    if problem is None and not spec_path.is_file() and (directory / cal.DB_FILE).exists():
        problem = f"it holds an abc.db without {cal.SPEC_FILE}"
    if problem is not None:
        return _fail([f"hydra.run.dir = {str(directory)!r}: {problem}; choose another "
                      "directory"])
    cal.save_spec(spec_path, spec, priors, base)
    keys = cal.calibrated(spec, priors)
    print(f"calibrate: {len(keys)} parameters, {len(spec.targets)} targets, population "
          f"{spec.population}, at most {spec.generations} generations, "
          + (f"on the Dask scheduler {spec.scheduler}" if spec.scheduler else
             f"{spec.workers} worker(s)") + f" -> {directory}", flush=True)
    simulate = simulator(base, priors)(spec)
    try:
        state = cal.run_abc(directory, spec, priors, simulate,
                            progress=bool(base.get("progress", True)) and sys.stderr.isatty())
    except cal.CalibrationError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"calibrate: {state['generations']} generation(s), {state['simulations']} "
          f"simulations, epsilon {state['epsilon']:.4g} ({state['stopped']})", flush=True)
    _, text = cal.write_analysis(directory)
    print(text, end="")
    print(f"-> {directory}/{cal.POSTERIOR_FILE}, {cal.GENERATIONS_FILE}, {cal.MARGINALS_FILE}, "
          f"{cal.PAIRS_FILE}, {cal.READING_FILE}")
    return 0
