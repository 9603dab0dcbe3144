"""The pydantic schema (sim/schema.py): ranges, unknown keys and cross-references.

Configs are the composed kursk_2024 config (as the command line sees it),
changed in one place, and validated through ``sim.cli.validate.validate_config``
so the error lines are the ones a user reads: ``key.path = value: rule``.
Fields are found by introspecting the schema, so a field added later is
covered without editing this file.
"""

from __future__ import annotations

import copy
import functools
import math
from typing import Annotated, Any, get_args, get_origin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sim import schema
from sim.cli.validate import ConfigError, validate_config
from sim.schema import RunConfig, Scenario

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)

#: Where each config block sits in the composed kursk_2024 config.
PREFIX: dict[type, str] = {
    schema.RunConfig: "",
    schema.Scenario: "scenario",
    schema.Nation: "scenario.nations.KP",
    schema.RulesOfEngagement: "scenario.nations.KP.roe",
    schema.UnitGroup: "scenario.units.kp",
    schema.Laydown: "scenario.units.kp.laydown",
    schema.LiaisonLink: "scenario.links.RU_KP",
    schema.CommonNet: "scenario.common_net",
    schema.Messaging: "scenario.messaging",
    schema.Identification: "scenario.identification",
    schema.Environment: "scenario.environment",
    schema.IndirectFire: "scenario.indirect_fire",
    schema.Campaign: "scenario.campaign",
    schema.WeaponSystem: "scenario.weapons.rifle",
    schema.Surprise: "scenario.surprise",
    schema.Engagement: "scenario.engagement",
    schema.Drones: "scenario.drones",
    schema.Intervention: "intervention",
}
#: Blocks that kursk_2024 does not use, tested on their own (below).
ELSEWHERE: dict[type, str] = {schema.Wave: "scenario.units.<G>.waves.<i>"}


@functools.cache
def _base() -> dict:
    from conftest import kursk_data

    return kursk_data()


def base() -> dict:
    """A fresh copy of the composed kursk_2024 config as a plain dict."""
    return copy.deepcopy(_base())


def set_path(data: dict, path: str, value: Any) -> dict:
    """Set ``data[a][b][c] = value`` for path ``a.b.c`` (creating missing blocks)."""
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return data


def config_error(data: dict) -> list[str]:
    """The error lines of validating ``data``; fails the test if it validates."""
    with pytest.raises(ConfigError) as info:
        validate_config(data)
    assert info.value.lines, "a ConfigError must carry at least one line"
    return info.value.lines


def line_for(lines: list[str], path: str) -> str:
    """The error line naming ``path``; fails the test if none does."""
    hits = [ln for ln in lines if ln.startswith(path)]
    assert hits, f"no error line names {path!r}: {lines}"
    return hits[0]


# ---- schema introspection -------------------------------------------------------------------

def _constraints(annotation: Any, metadata: list) -> dict[str, float]:
    """Numeric bounds (ge, gt, le, lt) of a field, looking inside Optional[Annotated[...]]."""
    out: dict[str, float] = {}
    for meta in metadata:
        for bound in ("ge", "gt", "le", "lt"):
            if getattr(meta, bound, None) is not None:
                out[bound] = getattr(meta, bound)
        out.update(_constraints(None, list(getattr(meta, "metadata", []) or [])))
    if annotation is not None and get_origin(annotation) is not dict:
        for arg in get_args(annotation):
            if get_origin(arg) is Annotated:
                out.update(_constraints(None, list(arg.__metadata__)))
    return out


def _scalar_type(annotation: Any) -> type | None:
    if annotation in (int, float):
        return annotation
    for arg in get_args(annotation):
        if arg in (int, float):
            return arg
        inner = _scalar_type(arg) if get_origin(arg) is Annotated else None
        if inner is not None:
            return inner
    return None


def _fields() -> list[tuple[str, type | None, dict[str, float]]]:
    """(path, scalar type, bounds) of every scalar field of every config block."""
    out = []
    for model, prefix in PREFIX.items():
        for name, info in model.model_fields.items():
            path = f"{prefix}.{name}" if prefix else name
            if get_origin(info.annotation) is dict:
                continue
            out.append((path, _scalar_type(info.annotation),
                        _constraints(info.annotation, list(info.metadata))))
    return out


FIELDS = _fields()
PROBABILITIES = sorted(p for p, _, c in FIELDS if c.get("ge") == 0 and c.get("le") == 1)
# dict-valued probabilities: language proficiencies
PROBABILITIES.append("scenario.nations.KP.languages.korean")
LOWER_BOUNDED = sorted((p, t, c) for p, t, c in FIELDS
                       if t is not None and ("ge" in c or "gt" in c)
                       and p not in PROBABILITIES)
UPPER_BOUNDED = sorted((p, t, c) for p, t, c in FIELDS
                       if t is not None and "le" in c and p not in PROBABILITIES)


def test_every_config_block_has_a_place_in_the_kursk_config():
    blocks = {c for c in vars(schema).values()
              if isinstance(c, type) and issubclass(c, schema.Strict) and c is not schema.Strict}
    assert blocks == set(PREFIX) | set(ELSEWHERE), \
        "a new config block needs a PREFIX (or ELSEWHERE) entry in this test"


@pytest.mark.parametrize("field, value, rule", [("at_h", -1.0, "greater than or equal"),
                                                ("count", 0, "greater than or equal"),
                                                ("no_such_key", 1, "unknown key")])
def test_a_bad_wave_names_its_path(field, value, rule):
    data = base()
    data["scenario"]["units"]["kp"]["waves"] = [{"at_h": 0.0, "count": 40},
                                                {"at_h": 24.0, "count": 40}]
    data["scenario"]["units"]["kp"]["waves"][1][field] = value
    line = line_for(config_error(data), f"scenario.units.kp.waves.1.{field}")
    assert rule in line


def test_introspection_finds_the_known_fields():
    # guards the introspection itself: an empty list would make the range tests vacuous
    for path in ("scenario.nations.KP.training", "scenario.nations.KP.roe.engage_forward",
                 "scenario.links.RU_KP.delivery", "scenario.environment.jamming",
                 "scenario.killed_fraction", "intervention.engage_unidentified",
                 "intervention.markings_bonus", "scenario.common_net.delivery"):
        assert path in PROBABILITIES
    assert len(PROBABILITIES) >= 25
    lower = {p for p, _, _ in LOWER_BOUNDED}
    for path in ("scenario.units.kp.count", "scenario.units.kp.strength", "seed", "replications",
                 "scenario.links.RU_KP.interpreters", "scenario.horizon_h"):
        assert path in lower


def test_kursk_config_validates():
    run = validate_config(base())
    assert run.scenario.name == "kursk_2024"
    assert run.intervention.name == "none"


# ---- ranges -----------------------------------------------------------------------------------

outside_unit_interval = st.one_of(
    st.floats(max_value=0.0, exclude_max=True, allow_nan=False),
    st.floats(min_value=1.0, exclude_min=True, allow_nan=False),
)


@pytest.mark.parametrize("path", PROBABILITIES)
@SETTINGS
@given(value=outside_unit_interval)
def test_probability_outside_unit_interval_is_rejected(path, value):
    line = line_for(config_error(set_path(base(), path, value)), path)
    assert repr(value) in line, f"the error should show the value: {line}"


@pytest.mark.parametrize("path", PROBABILITIES)
def test_probability_nan_is_rejected(path):
    line_for(config_error(set_path(base(), path, math.nan)), path)


@pytest.mark.parametrize("path", PROBABILITIES)
@SETTINGS
@given(value=st.floats(min_value=0.0, max_value=1.0))
def test_probability_inside_unit_interval_is_accepted(path, value):
    validate_config(set_path(base(), path, value))


def _below(kind: type | None, bounds: dict[str, float]):
    low = bounds.get("ge", bounds.get("gt"))
    if kind is int:
        top = int(low) - 1 if "ge" in bounds else int(low)
        return st.integers(max_value=min(top, -1))
    # -inf is refused as not finite (its own test below), not as below the bound
    return st.floats(max_value=min(low, 0.0), exclude_max="gt" in bounds or low >= 0,
                     allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("path, kind, bounds", LOWER_BOUNDED, ids=[p for p, _, _ in LOWER_BOUNDED])
@SETTINGS
@given(data=st.data())
def test_negative_strengths_counts_and_amounts_are_rejected(path, kind, bounds, data):
    value = data.draw(_below(kind, bounds))
    line = line_for(config_error(set_path(base(), path, value)), path)
    assert "greater than" in line


FLOATS = sorted(p for p, t, _ in FIELDS if t is float)


def test_the_float_fields_are_found():
    for path in ("scenario.units.kp.x_km", "scenario.front_line_x_km", "scenario.horizon_h",
                 "scenario.units.kp.lethality", "scenario.links.RU_KP.interpreters"):
        assert path in FLOATS


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("path", FLOATS)
def test_no_float_field_takes_a_non_finite_number(path, value):
    line = line_for(config_error(set_path(base(), path, value)), path)
    assert "finite number" in line and repr(value) in line


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_dict_valued_numbers_are_finite_too(value):
    data = base()
    data["scenario"]["units"]["kp"]["weapons"] = {"ak": value}
    data["scenario"]["nations"]["KP"]["languages"]["korean"] = value
    lines = config_error(data)
    assert any("scenario.units.kp.weapons.ak" in ln and "finite" in ln for ln in lines)


@pytest.mark.parametrize("path", ["scenario.units.kp.count", "replications", "seed",
                                  "scenario.horizon_h", "scenario.links.RU_KP.interpreters"])
def test_a_yes_no_is_not_a_number(path):
    line = line_for(config_error(set_path(base(), path, False)), path)
    assert "is a yes/no, not a number" in line


def test_the_step_fits_in_the_horizon():
    data = set_path(base(), "scenario.dt_h", 100000.0)
    line = line_for(config_error(data), "scenario.dt_h")
    assert "must be <= horizon_h 2880" in line
    data = set_path(set_path(base(), "scenario.dt_h", 48.0), "scenario.horizon_h", 48.0)
    validate_config(data)                    # one step exactly to the horizon is fine


@pytest.mark.parametrize("side", ["coalition", "enemy"])
def test_each_side_needs_a_unit_to_fight(side):
    data = base()
    for grp in data["scenario"]["units"].values():
        if data["scenario"]["nations"][grp["nation"]]["side"] == side:
            grp["count"] = 0
            grp.pop("waves", None)
    line = line_for(config_error(data), "scenario.units")
    assert f"no {side} unit" in line
    data["scenario"]["units"] = {}
    assert any("scenario.units" in ln for ln in config_error(data))


@pytest.mark.parametrize("path, kind, bounds", UPPER_BOUNDED, ids=[p for p, _, _ in UPPER_BOUNDED])
def test_values_above_the_upper_bound_are_rejected(path, kind, bounds):
    value = kind(bounds["le"]) + 1
    line = line_for(config_error(set_path(base(), path, value)), path)
    assert "less than" in line


@pytest.mark.parametrize("path", [p for p, t, c in LOWER_BOUNDED if "gt" in c])
def test_strictly_positive_fields_reject_zero(path):
    line_for(config_error(set_path(base(), path, 0)), path)


@pytest.mark.parametrize("path, value", [
    ("scenario.units.kp.count", 2.5),
    ("scenario.units.kp.strength", "many"),
    ("replications", "abc"),
    ("seed", 1.5),
    ("scenario.nations.KP.side", "neutral"),
    ("scenario.nations.KP.languages", ["korean"]),
])
def test_wrong_types_are_rejected(path, value):
    line_for(config_error(set_path(base(), path, value)), path)


# ---- unknown keys -----------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", sorted(PREFIX.values()))
def test_unknown_keys_are_rejected_at_every_level(prefix):
    path = f"{prefix}.no_such_key" if prefix else "no_such_key"
    line = line_for(config_error(set_path(base(), path, 1)), path)
    assert "unknown key" in line


def test_unknown_top_level_key_is_rejected_by_the_model_itself():
    with pytest.raises(ValidationError) as info:
        RunConfig.model_validate({**base(), "no_such_key": 1})
    assert info.value.errors()[0]["type"] == "extra_forbidden"


# ---- cross-references -------------------------------------------------------------------------

def _unknown_language(d: dict) -> None:
    d["scenario"]["nations"]["KP"]["languages"]["klingon"] = 0.5


def _dropped_language(d: dict) -> None:
    d["scenario"]["languages"] = [x for x in d["scenario"]["languages"] if x != "korean"]


def _no_enemy(d: dict) -> None:
    for nation in d["scenario"]["nations"].values():
        nation["side"] = "coalition"


def _no_coalition(d: dict) -> None:
    for nation in d["scenario"]["nations"].values():
        nation["side"] = "enemy"


def _no_language(d: dict) -> None:
    d["scenario"]["nations"]["KP"]["languages"] = {}


def _reversed_sector(d: dict) -> None:
    d["scenario"]["units"]["kp"]["y_from_km"] = 10.0
    d["scenario"]["units"]["kp"]["y_to_km"] = 5.0


CROSS_REFERENCES = [
    ("unit_unknown_nation", lambda d: set_path(d, "scenario.units.kp.nation", "XX"),
     "scenario.units.kp.nation", "XX"),
    ("link_unknown_nation_a", lambda d: set_path(d, "scenario.links.RU_KP.a", "XX"),
     "scenario.links.RU_KP.a", "XX"),
    ("link_unknown_nation_b", lambda d: set_path(d, "scenario.links.RU_KP.b", "XX"),
     "scenario.links.RU_KP.b", "XX"),
    ("language_not_in_scenario", _unknown_language,
     "scenario.nations.KP.languages.klingon", "klingon"),
    ("language_dropped_from_scenario", _dropped_language,
     "scenario.nations.KP.languages.korean", "korean"),
    ("fire_support_from_unknown",
     lambda d: set_path(d, "scenario.nations.KP.fire_support_from", "XX"),
     "scenario.nations.KP.fire_support_from", "XX"),
    ("no_enemy_nation", _no_enemy, "scenario.nations", "enemy"),
    ("no_coalition_nation", _no_coalition, "scenario.nations", "coalition"),
    ("nation_without_language", _no_language, "scenario.nations.KP.languages", "language"),
    ("sector_reversed", _reversed_sector, "scenario.units.kp.y_to_km", "y_from_km"),
]


@pytest.mark.parametrize("change, path, named", [c[1:] for c in CROSS_REFERENCES],
                         ids=[c[0] for c in CROSS_REFERENCES])
def test_cross_reference_errors_name_the_path(change, path, named):
    data = base()
    change(data)
    lines = config_error(data)
    assert len(lines) == 1, lines
    line = line_for(lines, path)
    assert named in line


def _tiny_scenario() -> dict:
    return {
        "name": "tiny", "horizon_h": 10, "languages": ["a", "b"],
        "nations": {
            "X": {"side": "coalition", "languages": {"a": 1.0}, "radio": "rx"},
            "Y": {"side": "coalition", "languages": {"a": 0.2, "b": 1.0}, "radio": "ry"},
            "Z": {"side": "enemy", "languages": {"b": 1.0}, "radio": "rz"},
        },
        "units": {"x": {"nation": "X", "count": 1, "strength": 10, "x_km": -1.0},
                  "z": {"nation": "Z", "count": 1, "strength": 10, "x_km": 1.0}},
        "links": {"XY": {"a": "X", "b": "Y"}},
        "common_net": {"delivery": 0.9},
    }


def test_tiny_scenario_dict_validates_with_schema_defaults():
    s = Scenario.model_validate(_tiny_scenario())
    assert s.dt_h == 1.0
    assert s.nations["X"].training == schema.Nation.model_fields["training"].default
    assert s.links["XY"].delivery == 0.9


@pytest.mark.parametrize("path, value, named", [
    ("units.x.nation", "Q", "units.x.nation"),
    ("links.XY.b", "Q", "links.XY.b"),
    ("nations.Y.languages", {"c": 1.0}, "nations.Y.languages.c"),
    ("nations.Y.fire_support_from", "Q", "nations.Y.fire_support_from"),
    ("nations.Z.side", "coalition", "nations"),
])
def test_tiny_scenario_cross_references_name_the_path(path, value, named):
    data = set_path(_tiny_scenario(), path, value)
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(data)
    assert f"{named}:" in str(info.value)


def test_assignment_is_validated():
    s = Scenario.model_validate(_tiny_scenario())
    with pytest.raises(ValidationError):
        s.nations["X"].training = 1.5
    with pytest.raises(ValidationError):
        s.units["x"].count = -1


# ---- lay-down declarations (schema.Laydown) ---------------------------------------------------
# kursk_2024 declares units.kp, .ru and .akhmat interleaved in [kp, ru, akhmat].

def _lay(group: str, **fields: Any):
    """A change that sets ``units.<group>.laydown`` to ``fields``."""
    return lambda d: set_path(d, f"scenario.units.{group}.laydown", fields)


def _kp_twice(d: dict) -> None:
    """A second KP group in a sector of its own, beside the KP group embedded in RU."""
    d["scenario"]["units"]["kp"]["laydown"]["place"] = "embedded"
    d["scenario"]["units"]["kp"]["laydown"]["within"] = "ru"
    d["scenario"]["units"]["kp2"] = {**d["scenario"]["units"]["kp"], "laydown": "sector",
                                     "y_from_km": 90.0, "y_to_km": 95.0}


SET = ["kp", "ru", "akhmat"]
LAYDOWN_ERRORS = [
    # (id, change, key path, what the line names: the value and the rule)
    ("unknown_group", lambda d: [_lay(g, place="interleaved", groups=[*SET, "zz"])(d)
                                 for g in SET], "scenario.units.kp.laydown.groups", "'zz'"),
    ("set_without_itself", _lay("akhmat", place="interleaved", groups=["kp", "ru"]),
     "scenario.units.akhmat.laydown.groups", "must name the group itself"),
    ("members_disagree", _lay("ru", place="interleaved", groups=["ru", "kp", "akhmat"]),
     "scenario.units.kp.laydown.groups", "the same ordered set"),
    ("member_in_a_sector", _lay("akhmat", place="sector"),
     "scenario.units.kp.laydown.groups", "'sector'"),
    ("member_elsewhere", lambda d: set_path(d, "scenario.units.ru.y_from_km", 5.0),
     "scenario.units.kp.laydown.groups", "share one sector"),
    ("embedded_in_itself", _lay("kp", place="embedded", groups=SET, within="kp"),
     "scenario.units.kp.laydown.within", "names the group itself"),
    ("embedded_in_own_nation", _lay("akhmat", place="embedded", groups=SET, within="ru"),
     "scenario.units.akhmat.laydown.within", "own nation 'RU'"),
    ("embedded_host_outside_the_set", _lay("kp", place="embedded", groups=SET, within="ua"),
     "scenario.units.kp.laydown.within", "'ua'"),
    ("embedded_without_host", _lay("kp", place="embedded", groups=SET),
     "scenario.units.kp.laydown.within", "host group"),
    ("nation_partly_embedded", _kp_twice, "scenario.units.kp2.laydown", "same host nation"),
    ("sector_with_a_set", _lay("kp", place="sector", groups=SET),
     "scenario.units.kp.laydown.groups", "'sector'"),
    ("interleaved_alone", _lay("kp", place="interleaved", groups=["kp"]),
     "scenario.units.kp.laydown.groups", "at least two"),
    ("host_of_an_interleaved_group", _lay("kp", place="interleaved", groups=SET, within="ru"),
     "scenario.units.kp.laydown.within", "only an embedded group"),
    ("unknown_place", _lay("kp", place="mixed", groups=SET),
     "scenario.units.kp.laydown.place", "'mixed'"),
    ("declaration_and_stride", lambda d: set_path(d, "scenario.units.kp.stride", 2),
     "scenario.units.kp.laydown", "stride 2"),
    ("declaration_and_interleave", lambda d: set_path(d, "scenario.units.ru.interleave", 1),
     "scenario.units.ru.laydown", "interleave 1"),
]


@pytest.mark.parametrize("change, path, named", [c[1:] for c in LAYDOWN_ERRORS],
                         ids=[c[0] for c in LAYDOWN_ERRORS])
def test_a_bad_laydown_declaration_names_the_key_the_value_and_the_rule(change, path, named):
    data = base()
    change(data)
    lines = config_error(data)
    assert len(lines) == 1, lines
    assert named in line_for(lines, path)


def test_two_host_nations_for_one_nation_are_rejected():
    """Radios are per nation: X's groups embedded in a Y group and in a W group."""
    data = _tiny_scenario()
    data["nations"]["W"] = {"side": "coalition", "languages": {"a": 1.0}, "radio": "rw"}
    unit = {"count": 1, "strength": 10, "x_km": -1.0}
    for name, nation in (("x2", "X"), ("y", "Y"), ("w", "W")):
        data["units"][name] = {**unit, "nation": nation}
    for members, host in ((["x", "y"], "y"), (["x2", "w"], "w")):
        for name in members:
            data["units"][name]["laydown"] = {"place": "interleaved", "groups": members}
        data["units"][members[0]]["laydown"].update(place="embedded", within=host)
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(data)
    text = str(info.value)
    assert "units.x2.laydown.within: 'w' is of nation 'W'" in text
    assert "units.x of the same nation 'X' is embedded in 'Y'" in text
    data["units"]["x2"]["laydown"]["within"] = "w"
    data["units"]["w"]["nation"] = "Y"                # now both hosts are of nation Y
    assert Scenario.model_validate(data).units["x2"].laydown.within == "w"


def test_the_kursk_laydowns_are_declared():
    s = validate_config(base()).scenario
    for name in SET:
        assert s.units[name].laydown.place == "interleaved"
        assert s.units[name].laydown.groups == SET
        assert (s.units[name].stride, s.units[name].interleave) == (1, 0)
    assert s.units["ua"].laydown is None and s.units["ua"].stride == 2   # explicit geometry


# ---- compare_to --------------------------------------------------------------------------------

def test_compare_to_loads_the_counterfactual():
    run = validate_config({**base(), "compare_to": "perfect_comms"})
    assert run.counterfactual is not None
    assert run.counterfactual.name == "perfect_comms"
    assert run.counterfactual.perfect_comms is True


def test_compare_to_unknown_is_rejected():
    line = line_for(config_error({**base(), "compare_to": "nope"}), "compare_to")
    assert "'nope'" in line


@pytest.mark.parametrize("path", ["scenario.name", "intervention.name", "compare_to"])
@pytest.mark.parametrize("value", ["../../../../x", "/some/path.yaml", "a/b", "a..b", ".hidden",
                                   ""])
def test_names_are_names_not_paths(path, value):
    line = line_for(config_error(set_path(base(), path, value)), path)
    assert f"{path} = {value!r}: not a name" in line


@pytest.mark.parametrize("value", ["kursk_2024", "tri-nation.v2", "A1", "none+perfect_reports"])
def test_a_name_may_hold_letters_digits_and_separators_within(value):
    validate_config(set_path(base(), "scenario.name", value))
