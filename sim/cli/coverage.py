"""``sim coverage [OVERRIDES...]``: does the calibration find the truth when there is one?

The coverage check of :mod:`sim.experiment.coverage` on a calibration set up exactly as
``sim calibrate`` sets it up (the same overrides, prior set and ``calibration`` settings),
with its own settings under ``coverage`` (``configs/coverage/``: repetitions, level, seed).
It writes, into ``hydra.run.dir`` (default ``outputs/coverage/<scenario>/<time>``),
``coverage.json`` (the settings), one calibration per repetition in ``rep_<r>/`` (with
its ``truth.json``), ``coverage.parquet`` (a row per repetition and parameter) and
``coverage.md`` (also printed). Running it again into the same directory continues: finished
repetitions are read back, and more repetitions may be asked for. It exits 1 when some
parameter's coverage is inconsistent with the nominal level.
"""

from __future__ import annotations

import sys

from sim.cli.calibrate import _dumped, _fail, differs, prepare, simulator

SPEC_FILE = "coverage.json"


def coverage_command(args: list[str]) -> int:
    from sim.cli.validate import ConfigError, config_failed
    from sim.experiment import calibration as cal
    from sim.experiment import coverage as cov

    if "-m" in args or "--multirun" in args:
        return _fail(["sim coverage runs its own simulations; leave out -m"])
    try:
        directory, spec, priors, data = prepare(args, extra_groups=("coverage",))
        check = cov.CoverageSpec.model_validate(data.get("coverage") or {})
    except (ConfigError, cal.CalibrationError) as err:
        return config_failed(err)
    except ValueError as err:                      # pydantic's, for the coverage key
        return _fail([f"coverage.{'.'.join(map(str, e['loc']))} = {e.get('input')!r}: "
                      f"{e['msg']}" for e in err.errors()])
    base = {k: v for k, v in data.items() if k not in ("priors", "calibration", "coverage")}
    path = directory / SPEC_FILE
    problem = differs(path, {"coverage": check.model_dump(mode="json"),
                             "spec": spec.model_dump(mode="json"), "config": base,
                             "priors": _dumped(priors)}, free=("repetitions",))
    if problem is not None:
        return _fail([f"hydra.run.dir = {str(directory)!r}: {problem}; choose another "
                      "directory"])
    cov.save_spec(path, check, spec, priors, base)
    keys = cal.calibrated(spec, priors)
    print(f"coverage: {check.repetitions} calibrations of {len(keys)} parameters on "
          f"simulated figures, population {spec.population}, at most {spec.generations} "
          f"generations -> {directory}", flush=True)
    table = cov.run_coverage(directory, check, spec, priors, simulator(base, priors),
                             progress=lambda line: print(line, file=sys.stderr, flush=True))
    text = cov.write_reading(directory, table, check, spec)
    print(text, end="")
    print(f"-> {directory}/{cov.TABLE_FILE}, {cov.READING_FILE}")
    return 0 if cov.rates(table, check.level)["passes"].all() else 1
