"""Every option of every config group composes with Hydra and validates; interventions compose
with every scenario; ``sim run --cfg job`` prints the composed config.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import yaml
from conftest import CONFIGS, run_sim

from sim.cli.validate import compose_config, validate_config
from sim.interventions import apply_intervention
from sim.schema import COMMON_RADIO, Intervention, RunConfig, Scenario

SCENARIOS = sorted(p.stem for p in (CONFIGS / "scenario").glob("*.yaml"))
INTERVENTIONS = sorted(p.stem for p in (CONFIGS / "intervention").glob("*.yaml"))


def compose(*overrides: str) -> RunConfig:
    return validate_config(compose_config(list(overrides)))


def test_the_contract_options_exist():
    assert {"kursk_2024", "lanchester_duel", "single_nation"} <= set(SCENARIOS)
    assert {"none", "perfect_comms", "interpreters_x2", "liaison_officers", "common_radio_net",
            "shared_language", "iff_markings", "strict_roe"} <= set(INTERVENTIONS)


def test_defaults_are_kursk_2024_and_none():
    run = compose()
    assert run.scenario.name == "kursk_2024"
    assert run.intervention.name == "none"
    assert run.compare_to is None


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_composes_and_validates(name):
    run = compose(f"scenario={name}")
    assert run.scenario.name == name, "a scenario's name must match its option name"
    assert run.intervention.name == "none"


@pytest.mark.parametrize("name", INTERVENTIONS)
def test_every_intervention_composes_and_validates(name):
    run = compose(f"intervention={name}")
    assert run.intervention.name == name, "an intervention's name must match its option name"
    assert run.scenario.name == "kursk_2024"


def test_kursk_2024_nations():
    nations = compose("scenario=kursk_2024").scenario.nations
    assert nations["RU"].side == "coalition"
    assert nations["KP"].side == "coalition"
    assert nations["UA"].side == "enemy"
    assert set(nations) == {"RU", "KP", "UA"}, "units such as Akhmat belong to a nation (RU)"


def test_lanchester_duel_nations():
    s = compose("scenario=lanchester_duel").scenario
    assert set(s.nations) == {"BLUE", "RED"}
    assert not s.links, "no coalition: no liaison links"


def test_single_nation_is_a_coalition_of_one_with_one_language():
    s = compose("scenario=single_nation").scenario
    coalition = [n for n in s.nations.values() if n.side == "coalition"]
    assert len(coalition) == 1
    assert len(coalition[0].languages) == 1


def test_single_nation_differs_from_kursk_2024_only_in_the_coalition():
    """Like for like: the same unit groups in the same slots with the same parameters (only
    the owning nation differs), the same front, the same enemy."""
    single, kursk = (compose(f"scenario={n}").scenario for n in ("single_nation", "kursk_2024"))
    assert set(single.units) == set(kursk.units)
    for name, grp in kursk.units.items():
        mine = single.units[name].model_dump()
        theirs = grp.model_dump()
        if kursk.nations[grp.nation].side == "coalition":
            assert mine.pop("nation") == "RU"
            theirs.pop("nation")
        assert mine == theirs, name
    skip = {"name", "description", "languages", "nations", "units", "links"}
    assert {k: v for k, v in single.model_dump().items() if k not in skip} == \
        {k: v for k, v in kursk.model_dump().items() if k not in skip}
    assert single.nations["UA"] == kursk.nations["UA"]


def _check_lever(before: Scenario, after: Scenario, lever: Intervention) -> None:
    """What every lever promises, read off the lever's own values (not its name)."""
    coalition = sorted(n for n, nat in before.nations.items() if nat.side == "coalition")
    assert set(after.nations) == set(before.nations)
    assert set(after.units) == set(before.units)
    for key, link in before.links.items():
        new = after.links[key]
        assert new.interpreters == pytest.approx(link.interpreters * lever.interpreter_multiplier)
        allied = link.a in coalition and link.b in coalition
        extra = lever.liaison_officers if allied else 0.0
        assert new.liaison_officers == pytest.approx(link.liaison_officers + extra)
    radios = {after.nations[name].radio for name in coalition}
    if lever.common_radio_net:
        assert radios == {COMMON_RADIO}                # one radio system: one shared net
    else:
        assert [n.radio for n in after.nations.values()] == \
            [n.radio for n in before.nations.values()]
    if lever.shared_language is not None:
        assert lever.shared_language in after.languages
    for name in coalition:
        old, new = before.nations[name], after.nations[name]
        assert new.markings == pytest.approx(min(1.0, old.markings + lever.markings_bonus))
        if lever.shared_language is not None:
            assert new.languages[lever.shared_language] >= lever.shared_language_proficiency
        for rule in ("engage_forward", "engage_unidentified", "engage_failed_challenge"):
            want = getattr(lever, rule)
            assert getattr(new.roe, rule) == (getattr(old.roe, rule) if want is None else want)
    for name, nat in before.nations.items():
        if nat.side == "enemy":
            assert after.nations[name] == nat, "a lever never changes the enemy"


@pytest.mark.parametrize("scenario, intervention", list(itertools.product(SCENARIOS,
                                                                        INTERVENTIONS)))
def test_every_scenario_intervention_pair_validates(scenario, intervention):
    run = compose(f"scenario={scenario}", f"intervention={intervention}")
    before = run.scenario.model_dump()
    changed = apply_intervention(run.scenario, run.intervention)
    assert run.scenario.model_dump() == before, "apply_intervention must not modify its input"
    Scenario.model_validate(changed.model_dump())
    _check_lever(run.scenario, changed, run.intervention)
    if intervention == "none":
        assert changed.model_dump() == before


def test_cfg_job_prints_the_composed_config(tmp_path):
    rc, out, err = run_sim(["--cfg", "job", "scenario=lanchester_duel", "seed=5",
                            "replications=3"], tmp_path)
    assert rc == 0, err
    cfg = yaml.safe_load(out)
    assert cfg["scenario"]["name"] == "lanchester_duel"
    assert cfg["intervention"]["name"] == "none"
    assert cfg["seed"] == 5
    assert cfg["replications"] == 3
    assert "hydra" not in cfg
    cfg.pop("hydra", None)
    RunConfig.model_validate(cfg)
    assert list(tmp_path.iterdir()) == [], "--cfg job writes nothing"


def _seams(name: str) -> int:
    from sim.model.forces import build_forces
    from sim.model.seams import allied_seams

    scenario = compose(f"scenario={name}").scenario
    return allied_seams(build_forces(scenario, np.random.default_rng(0)))


def test_the_kursk_laydowns_differ_in_their_seams():
    """Interleaved (kursk_2024): KP and RU alternate, a seam at nearly every company;
    sectors: one KP-RU seam (the Akhmat unit is RU, beside RU); embedded: kursk_2024's
    places, the KP companies declared embedded within the RU ones, and so on the RU net."""
    from sim.model.laydown import radios

    assert _seams("kursk_2024_sectors") == 1
    assert _seams("kursk_2024") > 140
    assert _seams("kursk_2024_embedded") == _seams("kursk_2024")
    embedded = compose("scenario=kursk_2024_embedded").scenario
    baseline = compose("scenario=kursk_2024").scenario
    assert radios(embedded)["KP"] == radios(embedded)["RU"] == "ru_r168"
    assert radios(baseline)["KP"] != radios(baseline)["RU"]
    assert embedded.units["kp"].laydown.place == "embedded"
    assert embedded.units["kp"].laydown.within == "ru"
    for name, grp in baseline.units.items():
        theirs = embedded.units[name]
        assert theirs.model_dump(exclude={"laydown"}) == grp.model_dump(exclude={"laydown"})
        assert theirs.laydown is None or theirs.laydown.groups == grp.laydown.groups
