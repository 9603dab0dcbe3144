"""sim/viz/session.py: the watched battle is the one sim run would fight (module rules)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("solara")

from conftest import TINY  # noqa: E402

from sim import api  # noqa: E402
from sim.build import build_model  # noqa: E402
from sim.cli.validate import ConfigError  # noqa: E402
from sim.viz.session import FADE_H, Battle, Choice, combined  # noqa: E402

BASE = [o for o in TINY if not o.startswith("replications")]


def test_a_choice_is_said_as_overrides():
    c = Choice("kursk_2024", "strict_roe", 7, {"scenario.links.RU_KP.interpreters": 12.0,
                                               "scenario.units.kp.protection": 0.35})
    assert c.overrides() == ["scenario=kursk_2024", "intervention=strict_roe", "seed=7",
                             "scenario.links.RU_KP.interpreters=12",
                             "scenario.units.kp.protection=0.35"]
    assert Choice().overrides() == []


def test_a_page_choice_replaces_the_command_lines_override_of_the_same_key():
    base = ["seed=3", "scale=0.05", "intervention=iff_markings"]
    assert combined(base, Choice(seed=9)) == ["scale=0.05", "intervention=iff_markings",
                                              "seed=9"]
    assert combined(base, Choice()) == base


def test_a_key_left_to_the_schemas_default_can_be_set():
    # kursk's RU rules of engagement do not spell out engage_unidentified
    battle = Battle.build(BASE, Choice(values={
        "scenario.nations.RU.roe.engage_unidentified": 0.25}))
    assert battle.model.world.nations["RU"].roe.engage_unidentified == 0.25


def test_the_battle_is_replication_0_of_the_same_sim_run_config():
    choice = Choice(seed=5, values={"scenario.links.RU_KP.interpreters": 3.0})
    battle = Battle.build(BASE, choice)
    reference = build_model(api.config(*BASE, "seed=5", "scenario.links.RU_KP.interpreters=3"))
    battle.step(30)
    reference.run_for(30)
    assert battle.model.time_h == reference.time_h == 30.0
    np.testing.assert_array_equal(battle.model.forces.strength, reference.forces.strength)
    np.testing.assert_array_equal(battle.model.forces.pos, reference.forces.pos)
    assert len(battle.model.ledger.incidents) == len(reference.ledger.incidents)
    assert battle.changes == ["scenario.links.RU_KP.interpreters=3"]


def test_an_invalid_choice_is_a_config_error_naming_the_key_value_and_rule():
    with pytest.raises(ConfigError) as err:
        Battle.build(BASE, Choice(values={"scenario.units.kp.protection": 1.5}))
    assert any("scenario.units.kp.protection = 1.5" in line and "less than or equal to 1"
               in line for line in err.value.lines)


def test_the_battle_stops_at_its_horizon():
    battle = Battle.build([*BASE, "scenario.horizon_h=5"], Choice())
    assert battle.step(3) == 3 and not battle.done
    assert battle.step(10) == 2 and battle.done and battle.model.running is False
    assert battle.step(1) == 0 and battle.model.time_h == 5.0


def test_series_have_one_entry_per_step_and_the_start():
    battle = Battle.build(BASE, Choice())
    battle.step(12)
    snap = battle.snapshot()
    assert snap["time_h"].tolist() == [float(h) for h in range(13)]
    n_nations = len(battle.model.forces.nation_names)
    assert snap["casualties"].shape == (13, n_nations)
    assert snap["queue"].shape == (13, len(battle.model.network.pools))
    f = battle.model.forces
    assert snap["casualties"][-1].sum() == (f.killed + f.wounded).sum()
    assert (np.diff(snap["casualties"], axis=0) >= 0).all()        # casualties so far


def test_impacts_are_recorded_then_fade_after_fade_h():
    battle = Battle.build([*BASE, "scenario.horizon_h=200"], Choice())
    fired = 0
    while not battle.done:
        battle.step(1)
        fired += len(battle.model.indirect_fire.landed) + len(battle.model.drones.struck)
        rows = battle.recent_impacts()
        if len(rows):
            assert rows[:, 0].min() >= battle.model.time_h - FADE_H
    assert fired > 0
    assert battle.model.indirect_fire.missions_fired + battle.model.drones.strikes == fired


def test_recent_incidents_are_those_fired_in_the_last_fade_h_hours():
    battle = Battle.build([*BASE, "scenario.horizon_h=48"], Choice())
    shown = 0
    while not battle.done:
        battle.step(1)
        t = battle.model.time_h
        recent = battle.recent_incidents()
        shown += len(recent)
        for inc in battle.model.ledger.incidents:
            last = t if not np.isfinite(inc.end_h) else min(inc.end_h, t)
            assert (inc in recent) == (t - last <= FADE_H)
    assert shown > 0
