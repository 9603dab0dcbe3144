"""Command line: ``sim run [OVERRIDES...]``, ``sim report DIR``, ``sim sensitivity``,
``sim calibrate``, ``sim coverage`` and ``sim viz``.

Only this package imports Hydra. A single run is composed and validated with
Hydra's compose API before anything is launched, so a bad config exits 2
with the key, the value and the rule, and writes nothing.
"""

from __future__ import annotations

import os
import sys

USAGE = """usage: sim run [OVERRIDES...] [-m]   run a scenario (Hydra overrides; -m sweeps)
       sim report DIR                rebuild tables and figures of a run or sweep directory
       sim sensitivity [OVERRIDES...]  Sobol' indices of the outputs over the scenario's priors
       sim calibrate [OVERRIDES...]    ABC-SMC posterior of the priors against the reporting
       sim coverage [OVERRIDES...]     does the calibration find a known truth? (coverage check)
       sim viz [OVERRIDES...] [--port N]  watch a battle in the browser (127.0.0.1, offline)
       sim settings [PREFIX]           every setting: meaning, unit, range, default (also sim run --help)
       sim --version

examples:
  sim run scenario=kursk_2024 intervention=interpreters_x2 replications=16 seed=7
  sim run compare_to=perfect_comms
  sim run decompose=true     (split that effect into perfect_reports, no_language_barrier
                              and instant_check_fire: 2^3 paired arms, Shapley values)
  sim run -m intervention=none,strict_roe,iff_markings hydra/launcher=joblib
  sim run --cfg job          (print the composed config)
  sim sensitivity scenario=kursk_2024 sensitivity.n=64 hydra/launcher=joblib
  sim calibrate calibration=kursk_2024 calibration.population=100 hydra.run.dir=cal/kursk
set SIM_DEBUG=1 for tracebacks."""



def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sim`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    if argv[0] == "--version":
        from importlib.metadata import version
        print(version("coalition-friction"))
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd in ("-sc", "--shell-completion"):
        return completion_command(argv)
    try:
        if cmd == "run":
            return run_command(rest)
        if cmd == "report":
            return report_command(rest)
        if cmd == "sensitivity":
            from sim.cli.sensitivity import sensitivity_command

            return sensitivity_command(rest)
        if cmd == "calibrate":
            from sim.cli.calibrate import calibrate_command

            return calibrate_command(rest)
        if cmd == "coverage":
            from sim.cli.coverage import coverage_command

            return coverage_command(rest)
        if cmd == "settings":
            from sim.cli.settings import settings_command

            return settings_command(rest)
        if cmd == "viz":
            from sim.cli.viz import viz_command

            return viz_command(rest)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one clear line unless debugging
        if os.environ.get("SIM_DEBUG", "") not in ("", "0"):
            raise
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"error: unknown command {cmd!r}\n{USAGE}", file=sys.stderr)
    return 2


#: the commands, for shell completion; those after "run" take the same overrides
COMMANDS = ("run", "report", "sensitivity", "calibrate", "coverage", "viz")
OVERRIDE_COMMANDS = ("run", "sensitivity", "calibrate", "coverage", "viz")


def completion_command(args: list[str]) -> int:
    """``sim -sc query=SHELL``, what the hook ``sim run -sc install=bash`` installs calls:
    complete the command word, then hand a command's overrides to Hydra's completion with
    the command word taken out of the line (Hydra completes ``PROGRAM OVERRIDES``)."""
    if not any(a.startswith("query=") for a in args):
        print("error: shell completion: install the hook with `sim run -sc install=bash` "
              "(or zsh, fish)", file=sys.stderr)
        return 2
    line = os.environ.get("COMP_LINE", "")
    words = line.split()
    if len(words) <= 1 or (len(words) == 2 and not line.endswith(" ")):
        print(" ".join(c for c in COMMANDS if len(words) < 2 or c.startswith(words[1])))
        return 0
    cmd = words[1]
    if cmd not in OVERRIDE_COMMANDS:
        return 0
    at = line.index(cmd, len(words[0]))
    stripped = line[:at] + line[at + len(cmd):].lstrip(" ")
    point = int(os.environ.get("COMP_POINT", len(line)))
    os.environ["COMP_LINE"] = stripped
    os.environ["COMP_POINT"] = str(max(0, point - (len(line) - len(stripped))))
    from sim.cli import app

    try:
        app.launch(args)
    except SystemExit as done:
        return int(done.code or 0)
    return 0


RUN_HELP = """usage: sim run [OVERRIDES...] [-m]
Runs a scenario. OVERRIDES are KEY=VALUE (any setting below) or GROUP=NAME (a config
group: scenario, intervention, ...); -m sweeps comma-separated values. Hydra's own
options: sim run --hydra-help. A bad setting exits 2 naming the key, value and rule."""


def run_command(args: list[str]) -> int:
    from sim.cli.validate import (
        ConfigError,
        compose_with_schema_keys,
        config_failed,
        validate_config,
    )

    if "--help" in args or "-h" in args:
        from sim.cli.settings import lines

        print(RUN_HELP + "\n\n" + "\n".join(lines()))
        return 0

    multirun = "-m" in args or "--multirun" in args
    overwrite = "--overwrite" in args
    args = [a for a in args if a != "--overwrite"]
    flags = [a for a in args if a.startswith("-") and a not in ("-m", "--multirun")]
    if not multirun and not flags:
        try:
            cfg, composed = compose_with_schema_keys(args)
            run = validate_config(cfg)
        except ConfigError as err:
            return config_failed(err)
        # launch with the overrides as composed (a key left to the schema's default, ++)
        hydra_keys = [a for a in args if a.lstrip("+~").startswith(("hydra.", "hydra/"))]
        args = [*composed, *hydra_keys]
        claimed = _claim_run_dir(args, run, overwrite)
        if isinstance(claimed, int):
            return claimed
        args = [a for a in args if not a.startswith("hydra.run.dir=")] + \
            [f"hydra.run.dir={claimed}"]
    # the model's imports wait for the job, after compose (sim.cli.app); a sweep's table
    # (pandas) loads only for a sweep
    from sim.cli import app

    app.JOB_RECORDS.clear()
    if multirun:
        from sim.cli import sweep

        sweep.LAST_SWEEP.clear()
    try:
        app.launch(args)
    finally:
        if multirun and "dir" in sweep.LAST_SWEEP and "points" not in sweep.LAST_SWEEP:
            # the launcher died before Hydra's end-of-sweep callback: still write the table
            from pathlib import Path

            sweep.finish_sweep(Path(sweep.LAST_SWEEP["dir"]))
    if multirun:
        failed = sweep.LAST_SWEEP.get("failed", [])
        if failed:
            print(f"error: {len(failed)} sweep point(s) failed: {', '.join(failed)} "
                  f"(see {sweep.LAST_SWEEP.get('dir')}/sweep.parquet)", file=sys.stderr)
            return 1
        return 0
    if any(r["status"] != "ok" for r in app.JOB_RECORDS):
        return 2 if any(r.get("kind") == "config" for r in app.JOB_RECORDS) else 1
    return 0


def _claim_run_dir(args: list[str], run, overwrite: bool):
    """Claim the run's directory before Hydra writes there (sim.cli.claim): the claimed
    path, or exit status 2 when ``hydra.run.dir`` holds another run."""
    import time
    from pathlib import Path

    from sim.cli import claim
    from sim.cli.overrides import given_dir

    given = given_dir(args, "hydra.run.dir")
    if given is None:
        base = Path("outputs") / run.scenario.name / time.strftime("%Y-%m-%d_%H-%M-%S")
        return claim.claim_default(base)
    if given.exists() and not given.is_dir():
        print(f"error: hydra.run.dir = {str(given)!r}: is a file, not a directory",
              file=sys.stderr)
        return 2
    if overwrite and given.is_dir():
        claim.clear(given)
    try:
        claim.claim(given)
    except claim.Taken:
        print(f"error: hydra.run.dir = {str(given)!r}: already holds a run; choose another "
              "directory, or add --overwrite to replace it", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: hydra.run.dir = {str(given)!r}: cannot be created ({exc.strerror})",
              file=sys.stderr)
        return 2
    return given


def report_command(args: list[str]) -> int:
    from sim.cli.report import report

    if len(args) != 1 or args[0].startswith("-"):
        print("usage: sim report DIR", file=sys.stderr)
        return 2
    return report(args[0])
