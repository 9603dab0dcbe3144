"""Sampled designs (sim/experiment/design.py): the Latin hypercube, design files, design points.

The hypercube's defining property is checked directly: each factor's range cut
into N equal strata holds exactly one of the N points. End to end, a design
sweep writes design.json beside its results and each point runs the values of
its row.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, run_sim
from omegaconf import OmegaConf

from sim.cli.job import run_job
from sim.cli.validate import ConfigError, compose_config, validate_config
from sim.experiment.design import (
    DESIGN_FILE,
    Design,
    DesignError,
    DesignSpec,
    apply_point,
    latin_hypercube,
    load_design,
    make_design,
    resolve_design,
    save_design,
)

SPEC = {
    "n": 12,
    "seed": 7,
    "factors": {
        "scenario.links.RU_KP.delivery": {"low": 0.5, "high": 1.0},
        "scenario.links.RU_KP.interpreters": {"low": 2, "high": 13, "integer": True},
        "scenario.environment.jamming": {"low": 0.0, "high": 0.4},
        "scenario.identification.gate_km": {"low": 0.1, "high": 10.0, "log": True},
        "intervention.shared_language": {"values": ["russian", "korean", "english"]},
    },
}


def strata(values, low, high, n):
    """The stratum (0..n-1) of each value when [low, high] is cut into n equal parts."""
    u = (np.asarray(values, float) - low) / (high - low)
    return np.minimum(np.floor(u * n).astype(int), n - 1)


def test_latin_hypercube_puts_one_point_in_each_stratum_of_every_factor():
    points = latin_hypercube(DesignSpec.model_validate(SPEC))
    n = SPEC["n"]
    assert len(points) == n
    col = {k: [p[k] for p in points] for k in SPEC["factors"]}
    for key in ("scenario.links.RU_KP.delivery", "scenario.environment.jamming"):
        f = SPEC["factors"][key]
        assert sorted(strata(col[key], f["low"], f["high"], n)) == list(range(n))
        assert all(f["low"] <= v <= f["high"] for v in col[key])
    # log-uniform: stratified in log space
    logs = np.log(col["scenario.identification.gate_km"])
    assert sorted(strata(logs, math.log(0.1), math.log(10.0), n)) == list(range(n))
    # integers 2..13 inclusive: 12 values over 12 points, each exactly once
    assert sorted(col["scenario.links.RU_KP.interpreters"]) == list(range(2, 14))
    assert all(isinstance(v, int) for v in col["scenario.links.RU_KP.interpreters"])
    # categorical: each level takes an equal share
    levels = pd.Series(col["intervention.shared_language"]).value_counts()
    assert sorted(levels.index) == ["english", "korean", "russian"]
    assert set(levels) == {n // 3}


def test_design_is_reproducible_and_independent_of_factor_order():
    a = make_design(SPEC)
    reordered = {**SPEC, "factors": dict(reversed(list(SPEC["factors"].items())))}
    assert make_design(reordered).points == a.points
    assert make_design(SPEC).points == a.points
    assert make_design({**SPEC, "seed": 8}).points != a.points


def test_digits_round_continuous_values():
    spec = {"n": 5, "digits": 2, "factors": {"a.x": {"low": 0, "high": 1}}}
    for p in make_design(spec).points:
        assert p["a.x"] == round(p["a.x"], 2)


@pytest.mark.parametrize(("spec", "fragment"), [
    ({"n": 4, "factors": {"a.x": {"low": 1, "high": 0}}}, "must be >= low"),
    ({"n": 4, "factors": {"a.x": {"low": 0, "high": 1, "log": True}}}, "log needs low > 0"),
    ({"factors": {"a.x": {"low": 0, "high": 1}}}, "needs n"),
    ({"n": 4, "factors": {}}, "at least one factor"),
    ({"n": 4, "factors": {"a.x": {"low": 0}}}, "needs low and high"),
    ({"n": 4, "factors": {"a.x": {"low": 0.5, "high": 3, "integer": True}}}, "whole-number"),
    ({"n": 4, "factors": {"design_point": {"low": 0, "high": 1}}}, "cannot set"),
    ({"n": 4, "factors": {"a.x": {"low": 0, "high": 1}}, "bogus": 1}, "design.bogus"),
    ({"n": 0, "factors": {"a.x": {"low": 0, "high": 1}}}, "design.n"),
    ({"method": "file"}, "needs file"),
])
def test_bad_specs_name_the_problem(spec, fragment):
    with pytest.raises(DesignError) as err:
        make_design(spec)
    assert fragment in str(err.value)
    assert all(line.startswith("design") for line in err.value.lines)


def test_design_file_round_trips_exactly(tmp_path):
    design = make_design(SPEC)
    path = save_design(tmp_path / DESIGN_FILE, design)
    back = load_design(path)
    assert back.points == design.points
    assert back.spec == design.spec
    data = json.loads(path.read_text())
    assert data["n"] == SPEC["n"] and data["factors"] == sorted(SPEC["factors"])
    # a design file can be the design of a later sweep (method: file)
    again = make_design({"method": "file", "file": str(path)})
    assert again.points == design.points
    with pytest.raises(DesignError, match="holds 12 points"):
        make_design({"method": "file", "file": str(path), "n": 5})


def test_csv_design_file(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("design_point,seed,scenario.environment.jamming,intervention.name\n"
                    "1,5,0.25,x\n0,4,0.1,y\n")
    design = load_design(path)
    assert design.points == [
        {"seed": 4, "scenario.environment.jamming": 0.1, "intervention.name": "y"},
        {"seed": 5, "scenario.environment.jamming": 0.25, "intervention.name": "x"},
    ]
    assert isinstance(design.points[0]["seed"], int)
    assert list(design.table().columns)[0] == "design_point"
    with pytest.raises(DesignError, match="no such file"):
        load_design(tmp_path / "missing.json")


def test_apply_point_sets_nested_keys_and_lists():
    data = {"a": {"b": 1, "l": [1, 2]}, "c": 3}
    out = apply_point(data, {"a.b": 5, "a.l.1": 9, "c": 4, "a.new.x": 7})
    assert out == {"a": {"b": 5, "l": [1, 9], "new": {"x": 7}}, "c": 4}
    assert data == {"a": {"b": 1, "l": [1, 2]}, "c": 3}  # the input is not changed
    with pytest.raises(DesignError) as err:
        apply_point(data, {"a.l.5": 1, "c.x": 2})
    assert err.value.lines == ["design.factors.a.l.5 = 1: no such config key",
                               "design.factors.c.x = 2: no such config key"]


def test_a_factor_the_schema_does_not_know_fails_validation_with_its_key():
    data = OmegaConf.to_container(compose_config([]), resolve=True)
    data.pop("hydra", None)
    applied = apply_point(data, {"scenario.environment.jaming": 0.2})
    with pytest.raises(ConfigError) as err:
        validate_config(applied)
    assert any("scenario.environment.jaming" in line for line in err.value.lines)


def test_resolve_design_takes_the_values_of_its_point():
    design = make_design(SPEC)
    data = OmegaConf.to_container(compose_config(["+design=kursk_comms_lhs"]), resolve=True)
    data.pop("hydra", None)
    data["design"] = SPEC
    data["design_point"] = 3
    applied, point = resolve_design(data)
    assert point == design.points[3]
    cfg = validate_config(applied)  # the design keys are part of the schema
    assert cfg.scenario.links["RU_KP"].delivery == point["scenario.links.RU_KP.delivery"]
    assert cfg.scenario.environment.jamming == point["scenario.environment.jamming"]
    assert cfg.design_point == 3
    # without a design the config is unchanged; a design needs a point in range
    plain = {"seed": 1}
    assert resolve_design(plain) == (plain, None)
    for index, fragment in ((None, "needs a point index"), (12, "out of range"),
                            (True, "must be an integer")):
        with pytest.raises(DesignError, match=fragment):
            resolve_design({**data, "design_point": index})
    with pytest.raises(DesignError, match="no design to take it from"):
        resolve_design({"design_point": 1})


def test_design_point_out_of_the_schema_range_fails_that_point_alone(tmp_path):
    # a factor range that leaves the schema's range: those points fail with the key named
    data = OmegaConf.to_container(compose_config([*TINY, "replications=1"]), resolve=True)
    data.pop("hydra", None)
    data["design"] = {"n": 2, "seed": 1, "factors": {
        "scenario.links.RU_KP.delivery": {"low": 1.5, "high": 2.0}}}
    data["design_point"] = 0
    record = run_job(data, tmp_path / "p0", resume=True)
    assert record["status"] == "failed" and record["kind"] == "config"
    assert "scenario.links.RU_KP.delivery" in record["error"]
    status = json.loads((tmp_path / "p0" / "status.json").read_text())
    assert status["parameters"]["scenario.links.RU_KP.delivery"] >= 1.5
    assert not (tmp_path / "p0" / "summary.json").exists()


def test_design_sweep_end_to_end(tmp_path):
    sweep = tmp_path / "sweep"
    rc, out, err = run_sim(["-m", *TINY, "replications=1", "+design=kursk_comms_lhs",
                            "design_point=range(3)", f"hydra.sweep.dir={sweep}"], tmp_path)
    assert rc == 0, err[-2000:]
    assert "design of 16 points over 3 factors" in out
    design = load_design(sweep / DESIGN_FILE)
    spec = OmegaConf.to_container(compose_config(["+design=kursk_comms_lhs"]).design)
    assert design.points == make_design(spec).points
    table = pd.read_parquet(sweep / "sweep.parquet")
    assert list(table["design_point"]) == [0, 1, 2]
    assert set(table["status"]) == {"ok"}
    for _, row in table.iterrows():
        point = design.points[int(row["design_point"])]
        for key, value in point.items():
            assert row[key] == value
        status = json.loads((sweep / row["point"] / "status.json").read_text())
        assert status["parameters"] == point
    assert (sweep / "sweep_scatter.png").read_bytes()[:4] == b"\x89PNG"


def test_single_run_with_a_design_point_out_of_range_exits_2(tmp_path):
    out = tmp_path / "run"
    rc, _, err = run_sim([*TINY, "+design=kursk_comms_lhs", "design_point=99",
                          f"hydra.run.dir={out}"], tmp_path)
    assert rc == 2
    assert "design_point = 99: out of range; the design has 16 points" in err
    assert "Traceback" not in err
    assert not (out / "summary.json").exists() and not (out / "status.json").exists()


def test_design_dataclass_point_bounds():
    d = Design(DesignSpec(method="file", file="x"), [{"a": 1}])
    assert d.point(0) == {"a": 1}
    with pytest.raises(DesignError):
        d.point(-1)
