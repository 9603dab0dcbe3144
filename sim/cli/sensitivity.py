"""``sim sensitivity [OVERRIDES...]``: Sobol' indices of the headline outputs over the priors.

One command (:mod:`sim.experiment.sensitivity` holds the method and its rules):

1. compose and validate the config as ``sim run`` does, with the scenario's prior set
   (``+priors=<scenario>``, unless one is given) and its sensitivity settings
   (``+sensitivity=<scenario>``, else ``default``: ``configs/sensitivity/``); every
   problem exits 2 before any work;
2. draw the Sobol' design and write it into the sweep directory (``sensitivity.json``, and
   the design file the jobs read);
3. run every design point as a sweep (``sim run -m``) on whatever Hydra launcher the
   overrides choose (``hydra/launcher=joblib``, ``slurm_cluster``), so a cluster can take a
   large design; the jobs get the run's overrides, not the priors;
4. analyse: ``sensitivity.parquet`` (the indices), ``sensitivity.png`` and
   ``sensitivity.md`` (the plain-language reading, also printed).

Running it again into the same ``hydra.sweep.dir`` resumes: points already done are
skipped. A directory holding a different analysis is refused. ``sim report DIR`` redoes
step 4 from the saved results.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from omegaconf import OmegaConf

from sim.cli.overrides import default_choice, given, given_dir
from sim.cli.overrides import key as _key

#: The design file the sweep's jobs read, beside ``sensitivity.json``.
DESIGN_NAME = "sensitivity_design.json"


def _sweep_dir(overrides: list[str], scenario: str) -> Path:
    return (given_dir(overrides, "hydra.sweep.dir")
            or Path("multirun") / "sensitivity" / scenario / time.strftime("%Y-%m-%d_%H-%M-%S"))


def sensitivity_command(args: list[str]) -> int:
    from sim.cli.validate import ConfigError, compose_config, config_failed, validate_config
    from sim.experiment import sensitivity as sa
    from sim.priors import parse_priors

    if "-m" in args or "--multirun" in args:
        print("error: sim sensitivity runs its own sweep; leave out -m", file=sys.stderr)
        return 2
    user = list(args)
    try:
        own = [o for o in user if not _key(o).startswith(("priors", "sensitivity"))]
        scenario = str(compose_config(own).scenario.name)
        user += default_choice(user, "priors", scenario)
        user += default_choice(user, "sensitivity", scenario)
        if not given(user, "priors"):
            raise ConfigError([f"priors: no prior set for scenario {scenario!r}; write "
                               f"configs/priors/{scenario}.yaml or choose one with "
                               "+priors=NAME"])
        data = OmegaConf.to_container(compose_config(user), resolve=True)
        spec = sa.parse_spec(data.get("sensitivity"))
        if sa.MISCOMMUNICATION in spec.outputs and data.get("compare_to") is None:
            user.append("compare_to=perfect_comms")
        run = validate_config(compose_config(user))
        sa.check_outputs(spec, list(run.scenario.nations), run.compare_to)
        problem = sa.Problem(parse_priors(run.priors))
    except (ConfigError, sa.SensitivityError) as err:
        return config_failed(err)
    sweep_dir = _sweep_dir(user, scenario)
    unit, points = sa.sobol_design(problem, spec)
    spec_path = sweep_dir / sa.SPEC_FILE
    if spec_path.is_file():
        before = json.loads(spec_path.read_text())
        if before.get("points") != points or before.get("spec") != spec.model_dump(mode="json"):
            print(f"error: hydra.sweep.dir = {str(sweep_dir)!r}: it holds a different "
                  "sensitivity analysis (other priors, settings or design); choose another "
                  "directory", file=sys.stderr)
            return 2
    sa.save_spec(spec_path, spec, problem, unit, points)
    design = sa.design_file((sweep_dir / DESIGN_NAME).resolve(), points)
    print(f"sensitivity: {len(problem.names)} priors, {len(points)} runs (N = {spec.n} x "
          f"(D + 2)), outputs {', '.join(spec.outputs)} -> {sweep_dir}", flush=True)
    jobs = [o for o in user if not _key(o).startswith(("priors", "sensitivity", "hydra.sweep.dir"))]
    from sim.cli import run_command

    run_command(["-m", *jobs, "+design.method=file", f"+design.file={design}",
                 f"+design_point=range({len(points)})", f"hydra.sweep.dir={sweep_dir}",
                 "hydra.job.config.override_dirname.exclude_keys="
                 "[progress,workers,design.method,design.file]"])
    try:
        _, text = sa.write_analysis(sweep_dir)
    except sa.SensitivityError as err:
        for line in err.lines:
            print(f"error: {line}", file=sys.stderr)
        return 1
    print(text, end="")
    print(f"-> {sweep_dir}/{sa.TABLE_FILE}, {sa.FIGURE_FILE}, {sa.READING_FILE}")
    return 0
