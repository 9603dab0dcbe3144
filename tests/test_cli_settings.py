"""sim/cli/settings.py (``sim settings``, ``sim run --help``) and shell completion."""

from __future__ import annotations

import subprocess

import pytest
from conftest import SIM, _env

from sim.cli import settings
from sim.schema import LiaisonLink


def _sim(args, cwd, env=None):
    return subprocess.run([str(SIM), *args], cwd=cwd, env=_env(env), capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def listing() -> list[str]:
    return settings.lines()


def _row(listing, key):
    rows = [line for line in listing if line.startswith(f"  {key}  (")]
    assert len(rows) == 1, key
    return rows[0]


def test_every_leaf_of_the_schema_is_listed_once(listing):
    keys = [k for _s, k, _i, _t in settings.walk(settings.RunConfig)
            if k.split(".")[0] != "counterfactual"]
    assert listing[0].startswith(f"{len(keys)} settings")
    for key in keys:
        _row(listing, key)


def test_a_row_gives_type_range_unit_default_and_the_meaning_below(listing):
    row = _row(listing, "scenario.links.<LINK>.latency_h")
    assert row == "  scenario.links.<LINK>.latency_h  (float; >= 0; h; default 0.5)"
    at = listing.index(row)
    assert LiaisonLink.model_fields["latency_h"].description.startswith(
        listing[at + 1].strip())
    assert "(int; [1, 100000]; default 1; sim run: 8)" in _row(listing, "replications")
    assert "(float; (0, 1000]; default 1.0)" in _row(listing, "scale")
    assert "per hour" in _row(listing, "scenario.nations.<NATION>.fire_missions_per_h")
    assert "km/h" in _row(listing, "scenario.units.<UNIT>.speed_kmh")
    assert "scenario.units.<UNIT>.waves[i].at_h" in "\n".join(listing)


def test_groups_name_their_options(listing):
    head = next(line for line in listing if line.startswith("scenario  ("))
    assert "scenario=NAME" in head and "kursk_2024" in head and "lanchester_duel" in head


def test_unit_rules():
    assert settings.unit_of("drone_hunts_per_h") == "per hour"
    assert settings.unit_of("speed_kmh") == "km/h"
    assert settings.unit_of("x_km") == "km" and settings.unit_of("rest_h") == "h"
    assert settings.unit_of("training") == ""


def test_sim_run_help_is_the_settings_not_hydras_dump(tmp_path):
    out = _sim(["run", "--help"], tmp_path)
    assert out.returncode == 0
    assert out.stdout.startswith("usage: sim run")
    assert "scenario.links.<LINK>.interpreters" in out.stdout
    assert "== Config ==" not in out.stdout and "Powered by Hydra" not in out.stdout


def test_sim_settings_filters_by_prefix_and_an_unknown_prefix_exits_2(tmp_path):
    out = _sim(["settings", "scenario.links"], tmp_path)
    assert out.returncode == 0 and out.stdout.startswith("14 settings under 'scenario.links'")
    bad = _sim(["settings", "nope"], tmp_path)
    assert bad.returncode == 2 and "no setting starts with 'nope'" in bad.stderr


def test_an_empty_group_choice_lists_the_options(tmp_path):
    out = _sim(["run", "scenario="], tmp_path)
    assert out.returncode == 2
    assert "scenario = '': no such option; available: kursk_2024" in out.stderr


@pytest.mark.parametrize(("line", "expected"), [
    ("sim r", ["run", "report"]),
    ("sim run scenario=", ["scenario=kursk_2024", "scenario=lanchester_duel"]),
    ("sim viz interv", ["intervention="]),
    ("sim run scenario.units.kp.prot", ["scenario.units.kp.protection="]),
])
def test_the_completion_hook_completes_commands_groups_and_keys(tmp_path, line, expected):
    out = _sim(["-sc", "query=bash"], tmp_path,
               env={"COMP_LINE": line, "COMP_POINT": str(len(line))})
    assert out.returncode == 0, out.stderr
    for word in expected:
        assert word in out.stdout.split(), (line, out.stdout)


def test_the_installed_hook_calls_sim_which_answers(tmp_path):
    hook = _sim(["run", "-sc", "install=bash"], tmp_path)
    assert hook.returncode == 0 and "-sc query=bash" in hook.stdout
    assert "complete -o nospace -o default -F hydra_bash_completion sim" in hook.stdout
