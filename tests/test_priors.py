"""Priors (sim/priors.py, configs/priors/): the rules of a prior, its checks against the
schema and the config, the Kursk set, and a bad prior on the command line."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import CONFIGS, kursk_data, run_sim
from scipy import stats

from sim.cli.validate import ConfigError, compose_config, validate_config
from sim.priors import Prior, PriorError, check_priors, flatten, parse_priors

U = {"distribution": "uniform", "reason": "a test"}


def _check(raw: dict) -> list[str]:
    try:
        check_priors(kursk_data(), raw)
    except PriorError as err:
        return err.lines
    return []


def _one(key: str, **prior) -> list[str]:
    return _check({key: {**U, **prior}})


# --- a prior alone ----------------------------------------------------------------------


@pytest.mark.parametrize(("prior", "rule"), [
    ({"low": 0.5, "high": 0.5}, "must be greater than low"),
    ({"low": 0.0, "high": float("inf")}, "must be finite"),
    ({"distribution": "loguniform", "low": 0.0, "high": 1.0}, "loguniform needs low > 0"),
    ({"distribution": "triangular", "low": 0.0, "high": 1.0}, "mode is given for a triangular"),
    ({"low": 0.0, "high": 1.0, "mode": 0.5}, "mode is given for a triangular"),
    ({"distribution": "triangular", "low": 0.0, "high": 1.0, "mode": 2.0},
     "mode 2 must lie within"),
    ({"low": 0.5, "high": 3, "integer": True}, "whole-number low and high"),
    ({"distribution": "loguniform", "low": 1, "high": 3, "integer": True}, "needs a uniform"),
])
def test_a_prior_that_breaks_a_rule_is_refused(prior, rule):
    with pytest.raises(ValueError, match=rule):
        Prior.model_validate({**U, **prior})


def test_a_prior_needs_a_reason_and_known_keys():
    lines = []
    for raw in ({"distribution": "uniform", "low": 0, "high": 1},
                {**U, "low": 0, "high": 1, "sd": 2}):
        with pytest.raises(PriorError) as err:
            parse_priors({"scenario.environment.jamming": raw})
        lines += err.value.lines
    assert lines[0].startswith("priors.scenario.environment.jamming.reason = ")
    assert "unknown key" in lines[1] and ".sd = 2" in lines[1]


def test_an_empty_prior_set_is_refused():
    with pytest.raises(PriorError, match="at least one prior"):
        parse_priors({})


def test_nested_and_dotted_keys_name_the_same_prior():
    prior = {**U, "low": 0.0, "high": 0.3}
    assert flatten({"scenario": {"environment": {"jamming": prior}}}) == \
        flatten({"scenario.environment": {"jamming": prior}}) == \
        {"scenario.environment.jamming": prior}


@pytest.mark.parametrize(("prior", "scipy_dist"), [
    ({"low": 2.0, "high": 6.0}, stats.uniform(2.0, 4.0)),
    ({"distribution": "loguniform", "low": 0.5, "high": 8.0}, stats.loguniform(0.5, 8.0)),
    ({"distribution": "triangular", "low": 12, "mode": 14, "high": 16},
     stats.triang(0.5, loc=12, scale=4)),
])
def test_a_priors_quantiles_are_its_distributions(prior, scipy_dist):
    p = Prior.model_validate({**U, **prior})
    u = np.linspace(0, 1, 101)
    np.testing.assert_allclose(p.quantile(u), scipy_dist.ppf(u), rtol=1e-12)
    assert p.quantile(np.array([0.0]))[0] == p.low and p.quantile(np.array([1.0]))[0] == p.high


def test_the_named_quantiles_of_each_distribution():
    """Uniform: the midpoint at 1/2; log-uniform: the geometric mean; triangular: the mode at
    the CDF (mode - low) / (high - low)."""
    half = np.array([0.5])
    assert Prior.model_validate({**U, "low": 2, "high": 6}).quantile(half)[0] == 4.0
    log = Prior.model_validate({**U, "distribution": "loguniform", "low": 1, "high": 100})
    assert log.quantile(half)[0] == pytest.approx(10.0)
    tri = Prior.model_validate({**U, "distribution": "triangular", "low": 0, "mode": 3,
                                "high": 4})
    assert tri.quantile(np.array([0.75]))[0] == pytest.approx(3.0)


def test_an_integer_prior_takes_each_integer_equally_often():
    p = Prior.model_validate({**U, "low": 4, "high": 7, "integer": True})
    values = p.quantile((np.arange(4000) + 0.5) / 4000)
    assert values.dtype == np.int64
    assert np.bincount(values)[4:].tolist() == [1000, 1000, 1000, 1000]


# --- a prior against the schema and the config ------------------------------------------


def test_a_key_must_exist_in_the_schema_and_the_config():
    missing_field = _one("scenario.nations.RU.trainin", low=0.1, high=0.9)
    missing_entry = _one("scenario.nations.XX.training", low=0.1, high=0.9)
    not_a_number = _one("scenario.nations.RU.radio", low=0.1, high=0.9)
    assert missing_field == ["priors.scenario.nations.RU.trainin = uniform[0.1, 0.9]: no such "
                             "key: scenario.nations.RU has no field 'trainin'"]
    assert missing_entry == ["priors.scenario.nations.XX.training = uniform[0.1, 0.9]: no "
                             "such key: scenario.nations has no entry 'XX' (it has KP, RU, UA)"]
    assert not_a_number == ["priors.scenario.nations.RU.radio = uniform[0.1, 0.9]: not a "
                            "number: the field holds str"]
    assert "has no field 'nothing'" in _one("nothing", low=0, high=1)[0]


def test_a_field_left_to_its_schema_default_can_have_a_prior():
    """RU's ROE is the schema's default (engage_forward 0.9): a prior on it is checked
    against that value."""
    assert _one("scenario.nations.RU.roe.engage_forward", low=0.5, high=1.0) == []
    outside = _one("scenario.nations.RU.roe.engage_forward", low=0.1, high=0.5)
    assert outside and "the scenario's value 0.9 lies outside" in outside[0]


def test_the_range_must_lie_within_the_fields_own_range():
    high = _one("scenario.nations.RU.training", low=0.4, high=1.5)
    low = _one("scenario.links.RU_KP.interpreters", low=-1, high=32)
    assert high == ["priors.scenario.nations.RU.training = uniform[0.4, 1.5]: high 1.5 is "
                    "outside the field's range: Input should be less than or equal to 1"]
    assert low == ["priors.scenario.links.RU_KP.interpreters = uniform[-1, 32]: low -1 is "
                   "outside the field's range: Input should be greater than or equal to 0"]


def test_the_scenarios_value_must_lie_within_the_prior():
    assert _one("scenario.nations.RU.training", low=0.7, high=0.8) == [
        "priors.scenario.nations.RU.training = uniform[0.7, 0.8]: the scenario's value 0.6 "
        "lies outside the prior's range [0.7, 0.8]"]
    assert _one("scenario.nations.RU.training", low=0.6, high=0.8) == []     # inclusive


def test_every_bad_prior_is_named_at_once():
    lines = _check({"scenario.nations.RU.trainin": {**U, "low": 0, "high": 1},
                    "scenario.environment.jamming": {**U, "low": 0.2, "high": 0.3}})
    assert [line.split(" = ")[0] for line in lines] == [
        "priors.scenario.environment.jamming", "priors.scenario.nations.RU.trainin"]


# --- the Kursk set ------------------------------------------------------------------------


def _kursk_priors() -> dict[str, Prior]:
    return parse_priors(validate_config(compose_config(["+priors=kursk_2024"])).priors)


def test_the_kursk_priors_pass_every_check_and_give_reasons():
    priors = _kursk_priors()
    assert len(priors) >= 70
    assert all(len(p.reason) > 10 for p in priors.values())


def _assumptions(path, prefix: str) -> set[str]:
    """Dotted keys of the numbers a YAML file marks ``# ... assumption ...`` on their line."""
    found, stack = set(), []
    for line in path.read_text().splitlines():
        m = re.match(r"^(\s*)([A-Za-z_]\w*):\s*([^#]*?)\s*(#.*)?$", line)
        if not m:
            continue
        indent, key, value, comment = len(m.group(1)), m.group(2), m.group(3), m.group(4)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key))
        try:
            float(value)
        except ValueError:
            continue
        if comment and "assumption" in comment.lower():
            found.add(".".join([prefix, *(k for _, k in stack)]))
    return found


def test_every_number_the_kursk_files_mark_as_an_assumption_has_a_prior():
    files = [CONFIGS / "scenario" / "kursk_2024.yaml", CONFIGS / "forces" / "kursk_coalition.yaml",
             CONFIGS / "front" / "kursk.yaml"]
    marked = set().union(*(_assumptions(f, "scenario") for f in files))
    assert "scenario.links.RU_KP.interpreter_proficiency" in marked    # the parser reads them
    assert len(marked) > 25
    assert sorted(marked - set(_kursk_priors())) == []


def test_a_bad_prior_on_the_command_line_exits_2_naming_it_and_writes_nothing(tmp_path):
    rc, out, err = run_sim(["+priors=kursk_2024", "priors.scenario.nations.RU.training.high=1.5",
                            "replications=1"], tmp_path)
    assert rc == 2, err
    assert err.strip() == ("error: priors.scenario.nations.RU.training = uniform[0.4, 1.5]: "
                           "high 1.5 is outside the field's range: Input should be less than "
                           "or equal to 1")
    assert not list(tmp_path.iterdir())


def test_a_config_error_in_a_prior_is_a_config_error():
    with pytest.raises(ConfigError, match="priors.scenario.environment.jamming"):
        validate_config(compose_config(["+priors=kursk_2024",
                                        "priors.scenario.environment.jamming.low=0.2"]))


def test_a_field_of_whole_numbers_needs_an_integer_prior():
    """night_hours is an int: a continuous prior would give points that fail validation."""
    line = _one("scenario.environment.night_hours", low=12, high=16)
    assert line == ["priors.scenario.environment.night_hours = uniform[12, 16]: the field "
                    "holds whole numbers: give a uniform prior with integer: true (samples of "
                    "this one would not be whole)"]
    assert _one("scenario.environment.night_hours", low=12, high=16, integer=True) == []


def test_a_point_drawn_from_the_kursk_priors_is_a_valid_config():
    """Values inside every prior at once (not only each prior's ends) validate: the types
    fit (a whole-number field gets whole numbers) and no cross-field rule breaks."""
    from sim.experiment.design import apply_point
    from sim.schema import RunConfig

    priors = _kursk_priors()
    for u in (0.0, 0.37, 1.0):
        point = {k: p.quantile(np.array([u]))[0].item() for k, p in priors.items()}
        RunConfig.model_validate(apply_point(kursk_data(), point))
