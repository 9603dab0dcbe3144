"""sim/viz/app.py without a browser: the viz rendered with ``solara.render``, as Mesa's
own SolaraViz tests do, and driven through its widgets."""

from __future__ import annotations

import json
import time

import ipywidgets
import pytest

solara = pytest.importorskip("solara")
v = pytest.importorskip("ipyvuetify")

from conftest import TINY  # noqa: E402

BASE = [o for o in TINY if not o.startswith("replications")]


@pytest.fixture
def viz(monkeypatch):
    monkeypatch.setenv("SIM_VIZ_OVERRIDES", json.dumps(BASE))
    from sim.viz.app import Page

    _box, rc = solara.render(Page(sidebar=False), handle_error=False)
    return rc


def _text(rc, cls: str) -> str:
    found = rc.find(v.Html, class_=cls)
    found.assert_single()
    return found.widget.children[0]


def _until(rc, cls: str, prefix: str, timeout_s: float = 20.0) -> str:
    """The text of ``cls`` once it starts with ``prefix`` (the plots redraw in a thread of
    their own, so a render may land just after a click)."""
    deadline = time.monotonic() + timeout_s
    text = _text(rc, cls)
    while not text.startswith(prefix) and time.monotonic() < deadline:
        time.sleep(0.05)
        text = _text(rc, cls)
    return text


def _click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def _levers(rc) -> list:
    return [w for w in rc.find(v.Slider).widgets if w.label == ""]


def test_the_page_opens_on_the_command_lines_config_at_hour_0(viz):
    assert _text(viz, "cf-clock").startswith("t = 0 h, day 0.0 of 2 (kursk_2024, none, seed 0)")
    assert [w.children for w in viz.find(v.Btn).widgets] == [["Reset"], ["Step"], ["Play"]]
    maps = [w for w in viz.find(ipywidgets.Image).widgets if "cf-map" in w._dom_classes]
    assert len(maps) == 1 and bytes(maps[0].value[:4]) == b"\x89PNG"


def test_step_advances_the_clock_by_hours_per_frame(viz):
    _click(viz, "Step")
    assert _until(viz, "cf-clock", "t = 4 h").startswith("t = 4 h, day 0.2")
    hours = next(w for w in viz.find(v.Slider).widgets if w.label == "hours per frame")
    hours.v_model = 10
    _click(viz, "Step")
    assert _until(viz, "cf-clock", "t = 14 h").startswith("t = 14 h")


def test_the_levers_are_the_schemas_sliders_with_their_values(viz):
    from sim import api
    from sim.viz import controls

    expected = controls.sliders(api.config(*BASE).model_dump())
    levers = _levers(viz)
    assert [(w.v_model, w.min, w.max) for w in levers] == [
        (s.value, s.low, s.high) for s in expected]
    labels = [w.children[0] for w in viz.find(v.Html, class_="cf-lever").widgets]
    assert labels[0] == f"{expected[0].label} = {expected[0].value:g}"


def test_a_slider_then_reset_rebuilds_the_model_with_that_value(viz):
    _click(viz, "Step")
    interpreters = _levers(viz)[0]
    interpreters.v_model = 12.0
    assert "built with the scenario's values" in _text(viz, "cf-built")   # not before Reset
    _click(viz, "Reset")
    assert _until(viz, "cf-clock", "t = 0 h").startswith("t = 0 h")
    assert _until(viz, "cf-built", "built with scenario.links") == \
        "built with scenario.links.RU_KP.interpreters=12"


def test_an_invalid_setting_shows_its_rule_in_the_page_and_keeps_the_model(viz):
    _click(viz, "Step")
    seed = viz.find(v.TextField, label="seed").widget
    seed.v_model = "-1"
    seed.fire_event("keyup.enter", None)          # what typing -1 and Enter does
    _click(viz, "Reset")
    errors = [w.children for w in viz.find(v.Alert).widgets]
    assert any("seed = -1" in str(e) and "greater than or equal to 0" in str(e)
               for e in errors), errors
    assert _text(viz, "cf-clock").startswith("t = 4 h")     # the old model stays


def test_play_runs_to_the_horizon_and_stops(viz):
    hours = next(w for w in viz.find(v.Slider).widgets if w.label == "hours per frame")
    hours.v_model = 12
    _click(viz, "Play")
    deadline = time.monotonic() + 60
    while not _text(viz, "cf-clock").startswith("t = 48 h") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _text(viz, "cf-clock").startswith("t = 48 h, day 2.0 of 2")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and viz.find(v.Btn, children=["Pause"]).widgets:
        time.sleep(0.1)
    assert viz.find(v.Btn, children=["Play"]).widget.disabled       # at the horizon
