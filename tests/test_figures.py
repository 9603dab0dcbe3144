"""sim/experiment/figures.py and the figure rules of metrics.py and sweep.py (module docs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiment import figures, sweep
from sim.experiment.metrics import (
    BAD,
    GOOD,
    NEUTRAL,
    axis_label,
    effect_colour,
    good_for_coalition,
    scaled,
)


def _diff(mean, low, high, method="log_t"):
    return {"mean_diff": mean, "ci95_low": low, "ci95_high": high, "ci95_method": method}


def test_green_is_good_for_the_coalition_enemy_casualties_included():
    assert good_for_coalition("friendly_fire_casualties", -3.0)
    assert not good_for_coalition("friendly_fire_casualties", 3.0)
    assert good_for_coalition("enemy_casualties", 3.0)          # more inflicted is good
    assert effect_colour("friendly_fire_incidents", _diff(-5, -8, -2)) == GOOD
    assert effect_colour("enemy_casualties", _diff(-5, -8, -2)) == BAD
    assert effect_colour("enemy_casualties", _diff(5, 2, 8)) == GOOD
    assert effect_colour("total_casualties", _diff(1, -2, 4)) == NEUTRAL   # spans 0
    assert effect_colour("total_casualties", _diff(0, 0, 0, "none")) == NEUTRAL
    assert effect_colour("total_casualties", _diff(2, 2, 2, "none")) == BAD
    assert effect_colour("anything", _diff(2, 1, 3), more_is_better=False) == BAD


def test_shares_are_drawn_in_percent_and_every_axis_names_its_unit():
    assert scaled("fratricide_share", 0.125) == pytest.approx(12.5)
    assert scaled("friendly_fire_incidents", 4.0) == 4.0
    assert axis_label("fratricide_share") == "fratricide share\n(% of coalition casualties)"
    assert "percentage points" in axis_label("fratricide_share", difference=True)
    assert "killed + wounded" in axis_label("enemy_casualties")


def _timeseries() -> pd.DataFrame:
    rows = []
    for rep in range(3):
        for t in (0.0, 24.0, 48.0):
            for nation, ff in (("UA", 0), ("RU", int(t / 24) + rep)):
                rows.append({"replication": rep, "time_h": t, "nation": nation,
                             "killed": int(t) + rep, "wounded": 2 * int(t), "strength": 100,
                             "friendly_fire_casualties": ff})
    return pd.DataFrame(rows)


def test_friendly_fire_has_its_own_axis_for_coalition_nations():
    fig = figures.casualties_over_time(_timeseries(), "t", {"UA": "enemy", "RU": "coalition"})
    axes = np.array(fig.axes).reshape(2, 2)
    ua_ff, ru_ff = axes[1]
    assert ru_ff.get_ylabel().startswith("friendly-fire") and ru_ff.get_lines()
    assert ru_ff.get_ylim()[1] < axes[0][1].get_ylim()[1]   # not under the all-fire scale
    assert not ua_ff.get_lines()                            # the enemy: no friendly fire
    assert all(ax.get_ylabel() for ax in axes[0])


def test_cause_bars_carry_error_bars_and_readable_ticks():
    incidents = pd.DataFrame({"replication": [0, 0, 1, 2, 2, 2],
                              "cause": ["report_lost"] * 4 + ["report_stale"] * 2,
                              "x_km": 0.0, "y_km": 1.0})
    summary = {"replications": 3, "by_cause": {"report_lost": 4 / 3, "report_stale": 2 / 3,
                                                "report_garbled": 0.0, "challenge_failed": 0.0,
                                                "misidentification": 0.0}}
    fig = figures.incidents_figure(summary, incidents)
    bars = fig.axes[0]
    assert bars.containers and any(len(c.lines[2]) for c in bars.containers
                                   if hasattr(c, "lines") and c.lines[2])
    assert all(t.get_rotation() > 0 for t in bars.get_xticklabels())


def test_the_baseline_comes_first_on_a_categorical_axis():
    col = pd.Series(["strict_roe", "none", "iff_markings", "none"])
    assert sweep._levels(col) == ["none", "iff_markings", "strict_roe"]


def test_sweep_figures_show_friendly_fire_casualties():
    assert "friendly_fire_casualties" in sweep.FIGURE_METRICS
