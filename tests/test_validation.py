"""The validation report (experiments/validation_report.py) in --quick mode.

Checks that the document and its figures are produced, that the Lanchester
rows and the granularity cases (the duel cut into units, at other time steps)
pass within their stated tolerances, and that the report's way of pairing
interventions with the baseline (simulated once) gives the same differences
as ``compare_to=none``. The report cases share one --quick run (about 20 s on
two idle cores).
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "experiments" / "validation_report.py"


def _load():
    spec = importlib.util.spec_from_file_location("validation_report", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("validation") / "validation.md"
    return _load().main(["--quick", "--output", str(out)])


def test_document_and_figures_are_written(report: dict) -> None:
    text = report["output"].read_text()
    assert text.startswith("# Validation report")
    head = text.split("## ", 1)[0]
    assert "python experiments/validation_report.py --quick" in head
    for section in ("## 1. Lanchester", "## 2. One nation", "## 3. `kursk_2024`",
                    "## 4. Interventions", "## 5. Unit size and time step",
                    "## 6. Incident-level validation", "## 7. The lay-down"):
        assert section in text
    assert len(report["figures"]) == 4
    for path in report["figures"]:
        assert path.name.startswith("validation_")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"figures/{path.name}" in text
    for name in report["interventions"]:
        assert f"| {name} |" in text


def test_lanchester_rows_pass_within_tolerance(report: dict) -> None:
    rows = report["lanchester"]["rows"]
    assert [r["R0"] for r in rows] == [500, 700, 850]
    for r in rows:
        assert r["destroyed"] == r["replications"]
        assert r["theory"] == pytest.approx(math.sqrt(r["B0"] ** 2 - r["a"] / r["b"] * r["R0"] ** 2))
        assert abs(r["z"]) <= r["tolerance"], r
        assert r["ci95_low"] <= r["mean"] <= r["ci95_high"]
        assert r["pass"] and r["inv_pass"], r
    text = report["output"].read_text()
    for r in rows:
        assert f"Lanchester survivors, R0 = {r['R0']} (z = {r['z']:+.2f}) | pass |" in text


def test_granularity_cases_pass_within_tolerance(report: dict) -> None:
    """The duel cut into units (--quick: 1 and 10 per side at dt 0.25 and 1 h) keeps the
    square law, and its total casualties agree with the first case's within 2%."""
    gran = report["granularity"]
    units, dts = _load().QUICK_GRANULARITY
    assert [(r["units"], r["dt_h"]) for r in gran["rows"]] == [(n, d) for n in units
                                                               for d in dts]
    for r in gran["rows"]:
        assert r["blue_strength"] * r["units"] == gran["B0"]
        assert r["destroyed"] == r["replications"]
        assert r["pass"] and r["inv_pass"], r
    tot = gran["totals"]
    assert tot.reference == gran["rows"][0]["case"] and tot.tolerance == 0.02
    assert tot.passed, tot
    text = report["output"].read_text()
    assert f"within 2% of the first case's (largest {tot.rel_diff[tot.worst]:+.2%}" in text


def test_incident_rows_are_in_the_table_and_the_summary(report: dict) -> None:
    """Section 6: one table row per rule, every judged row in the summary of checks with the
    verdict the section gives it, and the exercise run on the report's seed and replications."""
    from sim.validation.incidents import RULES

    text = report["output"].read_text()
    summary = text.split("## Summary of checks", 1)[1].split("\n## ", 1)[0]
    section = text.split("## 6. Incident-level validation", 1)[1].split("\n## ", 1)[0]
    for r in RULES:
        assert f"| {r.number} | {r.figure} | {r.scenario} | {r.band} |" in section
        if r.limits:
            assert f"| Incidents, row {r.number} ({r.scenario}): {r.figure}: " in summary
    labels = [label for label, _ in report["checks"] if label.startswith("Incidents, row")]
    assert len(labels) == sum(1 for r in RULES if r.limits)
    for label, ok in report["checks"]:
        if label.startswith("Incidents, row") and not ok:
            number = label.split("row ", 1)[1].split(" ", 1)[0]
            assert f"- **Row {number} fails**" in section
    ex = report["exercise"]
    assert ex.summary["scenario"] == "tri_nation_exercise"
    assert ex.summary["intervention"] == "none"
    assert len(ex.reps) == report["settings"].replications


def test_single_nation_has_no_language_caused_incidents(report: dict) -> None:
    reps = report["single"].reps
    assert (reps["cause.report_garbled"] == 0).all()
    assert (reps["cause.challenge_failed"] == 0).all()


def test_the_baseline_is_split_into_the_parts_of_perfect_comms(report: dict) -> None:
    """Section 4's decomposition: the parts' own configs and perfect_comms are reused, only
    the three pairs are run; the parts add up to none minus perfect_comms."""
    from sim.schema import PARTS

    dec = report["baseline"].extra["decomposition"]
    arms = report["interventions"]
    assert dec["ran"] == ["perfect_reports+no_language_barrier",
                          "perfect_reports+instant_check_fire",
                          "no_language_barrier+instant_check_fire"]
    for m in ("friendly_fire_casualties", "friendly_fire_incidents"):
        cell = dec["metrics"][m]
        assert sum(cell["shapley"][p]["mean_diff"] for p in PARTS) == pytest.approx(
            cell["effect"]["mean_diff"])
        assert cell["effect"]["mean_diff"] == pytest.approx(
            -arms["perfect_comms"].comparison["metrics"][m]["mean_diff"])
        for p in PARTS:
            assert cell["combinations"][p] == pytest.approx(arms[p].summary["metrics"][m]["mean"])
    text = report["output"].read_text()
    assert "### The effect of miscommunication in three parts" in text
    assert "| total: `none` - `perfect_comms` |" in text
    for p in PARTS:
        assert f"| `{p}` |" in text


def test_pairing_equals_compare_to_none() -> None:
    """The report pairs each intervention with one baseline run: same as compare_to=none."""
    from sim import api

    mod = _load()
    common = ["scenario=kursk_2024", "seed=5", "replications=2", *mod.QUICK_KURSK]
    direct = api.run(*common, "intervention=shared_language", "compare_to=none")
    first = mod.run_arm("perfect_comms", [*common, "intervention=perfect_comms",
                                          "compare_to=none"])
    baseline = first.extra["counterfactual"]
    arm = mod.run_arm("shared_language", [*common, "intervention=shared_language"], baseline)
    assert arm.comparison == direct.summary["comparison"]


def test_what_changed_sets_this_run_beside_the_pinned_record(report: dict) -> None:
    """The section after the summary: one row per headline figure, the pinned record's value
    beside this run's, and this run's value is the summary's (not re-derived elsewhere)."""
    from sim.validation.fmt import num
    from sim.validation.headline import BEFORE, FIGURES, load_before

    text = report["output"].read_text()
    before = load_before()
    assert before is not None, f"{BEFORE} is missing"
    section = text.split("## What changed in the headline numbers, and why", 1)[1]
    section = section.split("\n## ", 1)[0]
    assert text.index("## Summary of checks") < text.index("## What changed") \
        < text.index("## 1. Lanchester")
    now = report["headline"]
    base = report["baseline"].summary["metrics"]
    assert now["friendly_fire_incidents"] == base["friendly_fire_incidents"]["mean"]
    assert now["fratricide_share"] == base["fratricide_share"]["mean"]
    diff = report["interventions"]["strict_roe"].comparison["metrics"]["enemy_casualties"]
    assert now["strict_roe_enemy_effect"] == pytest.approx(
        diff["mean_diff"] / base["enemy_casualties"]["mean"])   # the division: test below
    rows = [line for line in section.splitlines() if line.startswith("| ")][2:]
    labels = [r.split(" | ")[0][2:] for r in rows]
    assert labels == [f.label for f in FIGURES if f.key in now or f.key in before["figures"]]
    ffi = next(r for r in rows if r.startswith("| friendly-fire incidents per replication |"))
    rec = before["figures"]["friendly_fire_incidents"]
    assert ffi.split(" | ")[1] == num(rec)           # the pinned record's value, formatted


def test_an_effect_is_the_paired_difference_over_the_baselines_mean() -> None:
    """A "rel" figure: the mean paired difference as a share of the baseline's mean (0 where
    the baseline's mean is 0); the quick report's tiny runs may give a difference of 0."""
    from types import SimpleNamespace

    from sim.validation.headline import _relative

    def arm(mean=None, diff=None):
        return SimpleNamespace(
            summary={"metrics": {"enemy_casualties": {"mean": mean}}},
            comparison={"metrics": {"enemy_casualties": {"mean_diff": diff}}})

    assert _relative(arm(diff=-30.0), arm(mean=200.0), "enemy_casualties") == -0.15
    assert _relative(arm(diff=-30.0), arm(mean=0.0), "enemy_casualties") == 0.0


def test_pinned_record_holds_only_headline_figures() -> None:
    """The pinned earlier record names only figures of the table (a figure it lacks is
    shown as '-'), covers most of them, and every note is about a figure of the table."""
    from sim.validation.headline import FIGURES, load_before

    before = load_before()
    keys = {f.key for f in FIGURES}
    assert set(before["figures"]) <= keys
    assert len(before["figures"]) >= len(keys) - 2
    assert set(before["why"]) <= keys
    assert before["revision"] and before["source"] and before["change"]


def test_without_a_pinned_record_the_section_says_so() -> None:
    from sim.validation.headline import changes_section

    lines: list[str] = []
    changes_section(lines.append, {"fratricide_share": 0.1}, None)
    assert lines[0].startswith("## What changed")
    assert "No earlier record" in lines[2]


def test_each_laydown_has_its_row_with_its_seams(report: dict) -> None:
    """Section 7: the three lay-downs, each run under none on the report's seeds, with the
    groups' declared places and the seams of the full lay-down (one for the sectors)."""
    from sim.validation.laydown import LAYDOWNS

    text = report["output"].read_text()
    section = text.split("## 7. The lay-down", 1)[1]
    for name, what in LAYDOWNS:
        assert f"| `{name}`: {what} |" in section
    assert "| `kursk_2024_sectors`: a sector each: KP the southern 40 km, RU the rest | " \
        "kp, ru, akhmat: sector | 1 |" in section
    assert "kp: embedded [kp, ru, akhmat] within ru (on the ru_r168 net); ru, akhmat: " \
        "interleaved [kp, ru, akhmat] |" in section
    for name, arm in report["laydowns"].items():
        assert arm.summary["scenario"] == name and arm.summary["intervention"] == "none"
        assert len(arm.reps) == report["settings"].replications
