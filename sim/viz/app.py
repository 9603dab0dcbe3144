"""The browser view: ``sim viz`` serves this Solara page (``Page``); docs/viz.md shows it.

Layout: controls on the left (the scenario and intervention, the seed, the sliders from
the schema, Reset / Step / Play, the HQ whose picture is drawn, the sector), the map in
the middle, plots on the right.

Rules:
- Reset builds a new model from the controls through the same composition and
  validation as ``sim run`` (:mod:`sim.viz.session`); an invalid combination shows
  its lines in the page and keeps the old model.
- Changing the scenario resets the sliders to the new scenario's values.
- Play advances ``hours per frame`` model steps, then draws a frame, until Pause or
  the horizon; frames start at most every ``FRAME_S`` seconds.
- The map is redrawn every frame; the plots when a model day has passed, and on every
  frame while paused (docs/viz.md, "Speed").
- The command line's overrides come in the environment variable ``SIM_VIZ_OVERRIDES``
  (a JSON list, set by ``sim viz``).
"""

from __future__ import annotations

import json
import math
import os
import threading
import time

import solara

from sim.cli.validate import ConfigError
from sim.viz import controls, plots
from sim.viz.drawing import MapView
from sim.viz.session import Battle, Choice, compose

#: seconds between the starts of two frames while playing (at most 10 frames/s)
FRAME_S = 0.1
#: model hours between two redraws of the plots while playing
PLOT_EVERY_H = 24.0


def base_overrides() -> list[str]:
    """The command line's overrides (``SIM_VIZ_OVERRIDES``)."""
    return list(json.loads(os.environ.get("SIM_VIZ_OVERRIDES", "[]")))


def _extent(world) -> tuple[tuple[float, float], tuple[float, float]]:
    """(along the front, depth) ranges of the scenario's positions, km, rounded out to 5 km:
    the sector and depth sliders' ranges and defaults."""
    groups = list(world.units.values())
    along = (min(0.0, min(g.y_from_km for g in groups)), max(g.y_to_km for g in groups))
    deep = (min(min(g.x_km, g.rear_x_km) for g in groups) - 2.0,
            max(g.x_km for g in groups) + 2.0)
    return ((5 * math.floor(along[0] / 5), 5 * math.ceil(along[1] / 5)),
            (5 * math.floor(deep[0] / 5), 5 * math.ceil(deep[1] / 5)))


@solara.component
def Levers(sliders: list[controls.Slider], values: solara.Reactive[dict]) -> None:
    """One slider per schema setting, its tooltip the field's description."""
    for s in sliders:
        def change(value, key=s.key):
            values.set({**values.value, key: value})

        current = values.value.get(s.key, s.value)
        with solara.Tooltip(s.help):
            solara.Text(f"{s.label} = {current:g}", style={"font-size": "0.85em"},
                        classes=["cf-lever"])
        with solara.Tooltip(s.help):
            if s.integer:
                solara.SliderInt("", value=int(current), min=int(s.low), max=int(s.high),
                                 step=1, on_value=change)
            else:
                solara.SliderFloat("", value=float(current), min=s.low, max=s.high,
                                   step=s.step, on_value=change)


@solara.component
def Clock(battle: solara.Reactive, version: solara.Reactive) -> None:
    """The current step's time, hours and days."""
    _ = version.value                  # redraw with every frame
    b = battle.value
    t = b.model.time_h
    # plain text: solara.Markdown would load KaTeX, which solara-assets lacks
    solara.Text(f"t = {t:.0f} h, day {t / 24:.1f} of {b.model.n_steps * b.model.dt / 24:.0f} "
                f"({b.config.scenario.name}, {b.config.intervention.name}, "
                f"seed {b.config.seed})", style={"font-size": "1.2em", "font-weight": "bold"},
                classes=["cf-clock"])
    solara.Text("built with " + (", ".join(b.changes) if b.changes else
                                 "the scenario's values (and the command line's)"),
                style={"font-size": "0.85em"}, classes=["cf-built"])


@solara.component
def MapImage(battle: solara.Reactive, view: MapView, hq: str | None, sector, depth,
             version: solara.Reactive) -> None:
    """The map of the battle, redrawn with every frame (``version``)."""
    b, v = battle.value, version.value
    data = solara.use_memo(lambda: _map_png(view, b, hq, sector, depth),
                           [id(b), v, hq, sector, depth])
    solara.Image(data, format="png", width="100%", classes=["cf-map"])


def _map_png(view: MapView, battle: Battle, hq, sector, depth) -> bytes:
    view.draw(battle, hq, sector, depth)
    return view.png()


@solara.component
def Plots(battle: solara.Reactive, version: solara.Reactive, playing: bool) -> None:
    """The plots beside the map: redrawn once a model day while playing, else each frame,
    in a thread of their own so that a frame of the map never waits for them."""
    b, v = battle.value, version.value
    t = b.model.time_h
    key = (int(t // PLOT_EVERY_H), b.done) if playing else (t, v)
    images, set_images = solara.use_state([])

    def draw() -> None:
        set_images([plots.png(f(b)) for f in (plots.casualties_figure, plots.causes_figure,
                                              plots.queue_figure)])

    # not cancelled midway: a newer key waits for this drawing, then draws again
    solara.use_thread(draw, dependencies=[id(b), key], intrusive_cancel=False)
    for data in images:
        solara.Image(data, format="png", width="100%")


@solara.component
def Page(sidebar: bool = True) -> None:
    """The page (``sidebar=False``: the controls above the map, for tests that render
    without Solara's app layout, which is what shows a sidebar)."""
    base = solara.use_memo(base_overrides, [])
    first = solara.use_memo(lambda: compose(base, Choice()), [])
    scenario = solara.use_reactive(first.scenario.name)
    intervention = solara.use_reactive(first.intervention.name)
    seed = solara.use_reactive(first.seed)
    values = solara.use_reactive({})
    battle = solara.use_reactive(solara.use_memo(lambda: Battle(first), []))
    errors = solara.use_reactive([])
    version = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    per_frame = solara.use_reactive(4)
    view = solara.use_memo(MapView, [])
    stepping = solara.use_memo(threading.Lock, [])

    def defaults():
        try:
            return compose(base, Choice(scenario.value, intervention.value)).model_dump()
        except ConfigError:
            return first.model_dump()

    data = solara.use_memo(defaults, [scenario.value, intervention.value])
    sliders = solara.use_memo(lambda: controls.sliders(data), [data])
    m = battle.value.model
    coalition = [n for n in m.forces.nation_names if m.world.nations[n].side == "coalition"]
    hq = solara.use_reactive(coalition[0] if coalition else None)
    if hq.value not in coalition:
        hq.set(coalition[0] if coalition else None)
    extent, band = _extent(m.world)
    sector = solara.use_reactive(extent)
    depth = solara.use_reactive(band)

    def choose_scenario(name: str) -> None:
        scenario.set(name)
        values.set({})

    def reset() -> None:
        playing.set(False)
        choice = Choice(scenario.value, intervention.value, seed.value, dict(values.value))
        try:
            new = Battle.build(base, choice)
        except ConfigError as err:
            errors.set(list(err.lines))
            return
        errors.set([])
        battle.set(new)
        new_extent, new_band = _extent(new.model.world)
        sector.set(new_extent)
        depth.set(new_band)
        version.set(version.value + 1)

    def step_once() -> None:
        with stepping:
            battle.value.step(per_frame.value)
        version.set(version.value + 1)

    def play(cancel: threading.Event | None = None) -> None:
        while playing.value and not battle.value.done:
            start = time.perf_counter()
            with stepping:
                battle.value.step(per_frame.value)
            version.set(version.value + 1)
            left = FRAME_S - (time.perf_counter() - start)
            if left > 0:
                time.sleep(left)
        playing.set(False)

    # never cancelled inside a model step (that would leave a half-stepped model):
    # the loop itself stops at Pause
    solara.use_thread(play, dependencies=[playing.value], intrusive_cancel=False)

    b = battle.value
    solara.Title("coalition-friction: watch the battle")
    with solara.Sidebar() if sidebar else solara.Column():
        with solara.Card("Battle"):
            solara.Select("scenario", values=controls.scenarios(), value=scenario.value,
                          on_value=choose_scenario)
            solara.Select("intervention", values=controls.interventions(),
                          value=intervention)
            seed_help = controls.field_at("seed", data)[0].description
            with solara.Tooltip(seed_help):
                solara.InputInt("seed", value=seed)
            Levers(sliders, values)
            with solara.Row():
                solara.Button("Reset", on_click=reset, color="primary")
                solara.Button("Step", on_click=step_once, disabled=playing.value or b.done)
                solara.Button("Pause" if playing.value else "Play",
                              on_click=lambda: playing.set(not playing.value),
                              disabled=b.done and not playing.value)
            solara.SliderInt("hours per frame", value=per_frame, min=1, max=48)
            for line in errors.value:
                solara.Error(line)
        with solara.Card("View"):
            solara.Select("picture of HQ", values=coalition, value=hq)
            lo, hi = extent
            solara.SliderRangeFloat("sector along the front, km", value=sector, min=lo,
                                    max=hi, step=0.5)
            solara.SliderRangeFloat("depth, km (front line at 0)", value=depth, min=band[0],
                                    max=band[1], step=0.5)
    with solara.Columns([3, 2]):
        with solara.Column():
            Clock(battle, version)
            MapImage(battle, view, hq.value, tuple(sector.value), tuple(depth.value), version)
        with solara.Column():
            Plots(battle, version, playing.value)
