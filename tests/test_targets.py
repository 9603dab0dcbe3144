"""Calibration targets (sim/experiment/targets.py): the bands, their distance, and the
statistics read from a replication."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sim.experiment.targets import Target, band_distance, mean_statistics, statistic

SRC = {"source": "a test"}


def test_a_statistic_inside_its_band_is_at_distance_0_and_outside_it_in_band_widths():
    t = Target(statistic="losses.KP", low=0.3, high=0.4, **SRC)
    assert t.distance(0.3) == t.distance(0.35) == t.distance(0.4) == 0.0
    assert t.distance(0.2) == pytest.approx(1.0)          # 0.1 below, the band 0.1 wide
    assert t.distance(0.45) == pytest.approx(0.5)
    assert t.centre == pytest.approx(0.35)


def test_an_open_band_counts_only_its_closed_end_in_units_of_its_scale():
    t = Target(statistic="largest_incident_killed.KP.RU", low=5, scale=8, **SRC)
    assert t.distance(5) == t.distance(500) == 0.0
    assert t.distance(1) == pytest.approx(0.5)
    top = Target(statistic="fratricide_share", high=0.2, scale=0.1, **SRC)
    assert top.distance(0.0) == 0.0 and top.distance(0.3) == pytest.approx(1.0)


@pytest.mark.parametrize(("fields", "message"), [
    ({"statistic": "losses.KP"}, "needs low, high or both"),
    ({"statistic": "losses.KP", "low": 0.4, "high": 0.3}, "must be greater than low"),
    ({"statistic": "losses.KP", "low": 0.3}, "open at one end needs a scale"),
    ({"statistic": "losses", "low": 0.3, "high": 0.4}, "unknown statistic"),
    ({"statistic": "language_share.KP", "low": 0.1, "high": 0.9}, "unknown statistic"),
    ({"statistic": "casualties", "low": 0.1, "high": 0.9}, "unknown statistic"),
    ({"statistic": "losses.KP", "low": 0.3, "high": 0.4, "scale": 0}, "greater than 0"),
])
def test_a_target_without_a_usable_band_or_statistic_is_refused(fields, message):
    with pytest.raises(ValidationError, match=message):
        Target(**fields, **SRC)


NATIONS = {"KP": {"initial": 100, "killed": 5, "wounded": 15},
           "RU": {"initial": 50, "killed": 0, "wounded": 0}}
ROWS = [
    {"shooter_nation": "KP", "target_nation": "RU", "cause": "report_garbled", "killed": 8},
    {"shooter_nation": "KP", "target_nation": "RU", "cause": "misidentification", "killed": 1},
    {"shooter_nation": "KP", "target_nation": "RU", "cause": "challenge_failed", "killed": 0},
    {"shooter_nation": "KP", "target_nation": "RU", "cause": "report_stale", "killed": 2},
    {"shooter_nation": "RU", "target_nation": "KP", "cause": "report_garbled", "killed": 30},
]


def test_statistics_are_read_from_a_replications_totals_and_incidents():
    def stat(name):
        return statistic(name, {"fratricide_share": 0.25}, NATIONS, ROWS)

    assert stat("fratricide_share") == 0.25
    assert stat("losses.KP") == pytest.approx(0.2)             # 20 of 100
    assert stat("killed_share.KP") == pytest.approx(0.25)      # 5 of 20
    assert stat("largest_incident_killed.KP.RU") == 8           # RU's 30 on KP do not count
    assert stat("language_share.KP.RU") == pytest.approx(0.5)   # garbled + challenge, of 4
    # nothing to count: 0, not an error or NaN
    assert stat("losses.RU") == stat("killed_share.RU") == 0.0
    assert stat("largest_incident_killed.RU.RU") == stat("language_share.RU.RU") == 0.0


def test_the_band_distance_adds_the_targets_and_a_particle_takes_its_replications_mean():
    targets = {"a": Target(statistic="losses.KP", low=0.3, high=0.4, **SRC),
               "b": Target(statistic="killed_share.KP", low=0.1, high=0.25, **SRC)}
    assert band_distance(targets, {"a": 0.2, "b": 0.4}) == pytest.approx(1.0 + 1.0)

    class Result:
        def __init__(self, killed):
            self.metrics = {}
            self.by_nation = {"KP": {"initial": 100, "killed": killed, "wounded": 10}}
            self.incidents = []

    means = mean_statistics(targets, [Result(10), Result(30)])
    assert means == pytest.approx({"a": (0.2 + 0.4) / 2, "b": (0.5 + 0.75) / 2})
