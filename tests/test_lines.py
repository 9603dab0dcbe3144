"""What the terminal shows after a run (sim/cli/lines.py), from summaries built by the real
summary code on made-up replications tables: units, what a replication is, the causes, the
paired effect, and "no interval" where there is none."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli.lines import campaign, one_line, report
from sim.experiment.metrics import METRICS
from sim.experiment.summary import build_summary
from sim.model.records import CAUSES

OUT = Path("/runs/r")


def _reps(n: int, seed: int, scale: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    total = rng.integers(200, 400, n).astype(float)
    ff = rng.integers(1, 20, n).astype(float) * scale
    causes = {f"cause.{c}": rng.integers(0, 5, n).astype(float) * scale for c in CAUSES}
    incidents = sum(causes.values())
    return pd.DataFrame({
        "replication": range(n), "seed": range(100, 100 + n),
        "friendly_fire_incidents": incidents, "friendly_fire_casualties": ff,
        "hostile_fire_casualties": total - ff, "total_casualties": total,
        "fratricide_share": ff / total,
        "miscommunication_share": np.ones(n) * (1.0 if scale else 0.0),
        "enemy_casualties": rng.integers(40, 80, n).astype(float), **causes})


def _summary(n: int, counterfactual: bool = False) -> dict:
    reps = _reps(n, 1)
    cf = _reps(n, 1, scale=0.0) if counterfactual else None
    return build_summary(reps, scenario="kursk_2024", intervention="none", seed=3,
                         counterfactual=cf,
                         counterfactual_name="perfect_comms" if counterfactual else None)


@pytest.mark.parametrize(("hours", "text"), [(2880, "120-day campaign"),
                                             (48, "2-day campaign"), (36, "36-h campaign")])
def test_a_replication_is_a_campaign_of_the_horizon(hours, text):
    assert campaign(hours) == text


def test_a_run_prints_every_metric_with_its_unit_and_the_causes():
    text = report(_summary(8), OUT, 2880)
    lines = text.splitlines()
    assert lines[0] == one_line(_summary(8), OUT) and lines[0].endswith(f"-> {OUT}")
    assert lines[1] == ("  per 120-day campaign, mean [95% CI] over 8 replications; "
                        "casualties = killed + wounded")
    units = {"friendly_fire_incidents": "] incidents",
             "friendly_fire_casualties": "] coalition killed + wounded",
             "total_casualties": "] killed + wounded, all causes",
             "fratricide_share": "%] of coalition casualties",
             "miscommunication_share": "of incidents, no interval (all 8 replications equal)",
             "enemy_casualties": "] killed + wounded by the coalition"}
    for metric, unit in units.items():
        assert any(ln.endswith(unit) for ln in lines), (metric, text)
    for cause in CAUSES:
        assert any(ln.startswith(f"    {cause} ") and "incidents" in ln for ln in lines), cause
    assert "paired effect" not in text


def test_with_compare_to_the_paired_effect_of_every_metric_is_printed():
    s = _summary(4, counterfactual=True)
    text = report(s, OUT, 48)
    head = "  paired effect, none minus perfect_comms on the same 4 seeds, mean [95% CI]:"
    assert head in text
    effect = text.split(head)[1].splitlines()[1:]
    assert len(effect) == len(METRICS)
    d = s["comparison"]["metrics"]["friendly_fire_casualties"]
    assert effect[1].split()[:2] == ["friendly-fire", "casualties"]
    printed = [float(v) for v in re.findall(r"[+-][\d.]+", effect[1])]
    assert printed == pytest.approx([d["mean_diff"], d["ci95_low"], d["ci95_high"]], rel=0.01)
    assert effect[1].endswith("coalition killed + wounded")
    assert effect[4].endswith("percentage points of coalition casualties")


def test_one_replication_says_no_interval_once_per_line():
    s = _summary(1, counterfactual=True)
    text = report(s, OUT, 48)
    first, rest = text.split("\n", 1)
    assert first.endswith(f", no interval (1 replication) -> {OUT}")
    assert "per 2-day campaign, one replication, no interval (1 replication)" in rest
    assert "[" not in rest


def test_a_sweep_point_line_names_the_point_and_its_paired_effect():
    s = _summary(4, counterfactual=True)
    line = one_line(s, OUT, point="scenario.links.RU_KP.delivery=0.5")
    assert line.startswith("point scenario.links.RU_KP.delivery=0.5: kursk_2024/none x4: ")
    assert "; minus perfect_comms: friendly-fire casualties +" in line
    assert line.endswith(f"-> {OUT}")
