"""sim/cli/validate.py's reporting of a bad config, as the command line shows it."""

from __future__ import annotations

import subprocess
import tomllib

from conftest import REPO, SIM, _env


def _sim(args, tmp_path, debug: bool):
    env = _env({"SIM_DEBUG": "1"} if debug else None)
    return subprocess.run([str(SIM), *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


def test_a_config_error_is_one_line_and_with_sim_debug_its_traceback_too(tmp_path):
    bad = ["run", "scenario.units.kp.protection=2"]
    plain = _sim(bad, tmp_path, debug=False)
    assert plain.returncode == 2
    assert plain.stderr.strip().splitlines() == [
        "error: scenario.units.kp.protection = 2: Input should be less than or equal to 1"]
    debug = _sim(bad, tmp_path, debug=True)
    assert debug.returncode == 2
    assert "Traceback (most recent call last)" in debug.stderr
    assert "ConfigError" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1] == plain.stderr.strip()
    assert not any(tmp_path.iterdir())                 # nothing written either way


def test_the_license_is_an_spdx_string_so_setuptools_does_not_warn():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"


def test_a_key_left_to_the_schemas_default_is_judged_by_the_schema(tmp_path):
    # kursk's RU rules of engagement do not spell out engage_forward (schema default 0.9)
    bad = _sim(["run", "scenario.nations.RU.roe.engage_forward=2"], tmp_path, debug=False)
    assert bad.returncode == 2
    assert bad.stderr.strip() == ("error: scenario.nations.RU.roe.engage_forward = 2: Input "
                                  "should be less than or equal to 1")
    unknown = _sim(["run", "scenario.nations.RU.roe.nope=2"], tmp_path, debug=False)
    assert unknown.returncode == 2
    assert "scenario.nations.RU.roe.nope = '2': unknown key (neither the config nor the " \
        "schema has it" in unknown.stderr


def test_such_a_key_is_set_for_the_run_too():
    from sim.cli.validate import compose_with_schema_keys, validate_config

    cfg, overrides = compose_with_schema_keys(["scale=0.05",
                                               "scenario.nations.RU.roe.engage_forward=0.5"])
    assert overrides == ["scale=0.05", "++scenario.nations.RU.roe.engage_forward=0.5"]
    assert validate_config(cfg).scenario.nations["RU"].roe.engage_forward == 0.5
