"""sim/viz/controls.py: the page's controls come from the schema (module rules)."""

from __future__ import annotations

import pytest

pytest.importorskip("solara")

from sim.schema import LiaisonLink, RulesOfEngagement  # noqa: E402
from sim.viz import controls  # noqa: E402


def test_the_options_are_the_config_groups():
    assert "kursk_2024" in controls.scenarios() and "lanchester_duel" in controls.scenarios()
    assert "none" in controls.interventions() and "perfect_comms" in controls.interventions()


def test_keys_are_link_staffing_then_coalition_roe_then_the_calibrated_parameters(kursk):
    keys = controls.slider_keys(kursk)
    assert keys[:2] == ["scenario.links.RU_KP.interpreters",
                        "scenario.links.RU_KP.liaison_officers"]
    assert keys[2:4] == ["scenario.nations.KP.roe.engage_unidentified",
                         "scenario.nations.RU.roe.engage_unidentified"]
    # the enemy's rule of engagement is not a lever of the coalition
    assert "scenario.nations.UA.roe.engage_unidentified" not in keys
    assert "scenario.units.kp.protection" in keys[4:]          # configs/calibration/kursk_2024
    assert len(keys) == len(set(keys))


def test_a_scenario_without_links_or_calibration_has_only_its_roe(kursk):
    kursk["scenario"]["links"] = {}
    kursk["scenario"]["name"] = "no_such_calibration"
    keys = controls.slider_keys(kursk)
    assert all(k.endswith("roe.engage_unidentified") for k in keys)


def test_a_probability_spans_the_fields_own_range_and_says_its_description(kursk):
    s = controls.slider("scenario.nations.KP.roe.engage_unidentified", kursk)
    assert (s.low, s.high) == (0.0, 1.0)
    assert s.value == kursk["scenario"]["nations"]["KP"]["roe"]["engage_unidentified"]
    assert s.help == RulesOfEngagement.model_fields["engage_unidentified"].description
    assert s.step == 0.001 and not s.integer          # 0.005 lies on steps of 0.001


def test_an_unbounded_field_tops_at_its_prior_and_its_tooltip_gives_the_prior(kursk):
    prior = {"distribution": "loguniform", "low": 0.1, "high": 2.0, "reason": "because"}
    s = controls.slider("scenario.links.RU_KP.latency_h", kursk, prior)
    assert (s.low, s.high) == (0.0, 2.0)
    assert "Prior: loguniform [0.1, 2] (because)" in s.help
    assert s.help.startswith(LiaisonLink.model_fields["latency_h"].description)


def test_an_unbounded_field_without_prior_tops_at_four_times_its_value_at_least_ten(kursk):
    kursk["scenario"]["links"]["RU_KP"]["interpreters"] = 8.0
    assert controls.slider("scenario.links.RU_KP.interpreters", kursk).high == 32.0
    kursk["scenario"]["links"]["RU_KP"]["liaison_officers"] = 0.0
    assert controls.slider("scenario.links.RU_KP.liaison_officers", kursk).high == 10.0


def test_a_field_with_no_lower_bound_reaches_below_its_value(kursk):
    kursk["scenario"]["units"]["kp"]["x_km"] = -2.0
    s = controls.slider("scenario.units.kp.x_km", kursk)
    assert s.low == -10.0 and s.high == 10.0


@pytest.mark.parametrize(("value", "step"), [(6.5, 0.1), (0.003, 0.001), (0.5, 0.1),
                                             (8.0, 0.1)])
def test_a_step_is_a_power_of_ten_the_value_lies_on(kursk, value, step):
    kursk["scenario"]["links"]["RU_KP"]["latency_h"] = value
    prior = {"distribution": "uniform", "low": 0.0, "high": 16.0}
    s = controls.slider("scenario.links.RU_KP.latency_h", kursk, prior)
    assert s.step == pytest.approx(step)
    assert s.value / s.step == pytest.approx(round(s.value / s.step))


def test_whole_number_fields_get_whole_steps(kursk):
    s = controls.slider("scenario.units.kp.count", kursk)
    assert s.integer and s.step == 1.0 and s.high == 100000


def test_the_default_is_the_composed_value_so_the_command_line_shows(kursk):
    kursk["scenario"]["links"]["RU_KP"]["interpreters"] = 13.0
    assert controls.slider("scenario.links.RU_KP.interpreters", kursk).value == 13.0


def test_the_priors_file_gives_the_tops(kursk):
    by_key = {s.key: s for s in controls.sliders(kursk)}
    latency = by_key["scenario.links.RU_KP.latency_h"]
    assert "Prior:" in latency.help            # configs/priors/kursk_2024.yaml has one


def test_a_key_that_names_nothing_is_a_key_error(kursk):
    with pytest.raises(KeyError, match="scenario has no field 'nope'"):
        controls.field_at("scenario.nope", kursk)
    with pytest.raises(KeyError, match="scenario.links has no entry 'XX'"):
        controls.field_at("scenario.links.XX.interpreters", kursk)
