"""sim/viz/drawing.py and plots.py: the map draws what its docstring says."""

from __future__ import annotations

import matplotlib.colors as mcolors
import numpy as np
import pytest

pytest.importorskip("solara")

from conftest import TINY  # noqa: E402

from sim.model.records import Posture  # noqa: E402
from sim.viz import plots  # noqa: E402
from sim.viz.drawing import COALITION, ENEMY, GARBLED, MapView, nation_colours  # noqa: E402
from sim.viz.session import Battle, Choice  # noqa: E402

BASE = [o for o in TINY if not o.startswith("replications")]


@pytest.fixture(scope="module")
def battle() -> Battle:
    b = Battle.build(BASE, Choice())
    b.step(30)
    return b


def _has(pixels: np.ndarray, colour: str, tol: int = 12) -> bool:
    rgb = (np.array(mcolors.to_rgb(colour)) * 255).round()
    return bool((np.abs(pixels[..., :3].astype(int) - rgb).max(axis=-1) <= tol).any())


def test_coalition_nations_are_blue_green_purple_and_the_enemy_red():
    got = nation_colours(["UA", "RU", "KP"], ["enemy", "coalition", "coalition"])
    assert got == {"UA": ENEMY[0], "RU": COALITION[0], "KP": COALITION[1]}


def test_the_map_shows_every_nation_in_its_colour(battle):
    view = MapView()
    view.draw(battle, "RU")
    pixels = view.render()
    assert pixels.shape == (560, 960, 4)
    colours = nation_colours(list(battle.model.forces.nation_names),
                             [battle.model.world.nations[n].side
                              for n in battle.model.forces.nation_names])
    for colour in colours.values():
        assert _has(pixels, colour), colour


def test_units_are_drawn_by_posture_where_they_are(battle):
    view = MapView()
    view.draw(battle, None)
    f = battle.model.forces
    for posture, art in view.units.items():
        rows = np.flatnonzero(np.asarray(f.posture) == posture)
        np.testing.assert_allclose(art.get_offsets(), f.pos[rows][:, ::-1])
    drawn = sum(len(a.get_offsets()) for a in view.units.values())
    assert drawn == int((np.asarray(f.posture) != Posture.PENDING).sum())


def test_the_picture_marks_each_ally_the_hq_knows_joined_to_the_truth(battle):
    view = MapView()
    m, f = battle.model, battle.model.forces
    view.draw(battle, "KP")
    h = f.nation_names.index("KP")
    pub = m.pictures.published
    allies = np.flatnonzero(np.asarray(f.coalition) & (np.asarray(f.nation) != h)
                            & np.isfinite(pub.time[h])
                            & (np.asarray(f.posture) != Posture.PENDING))
    assert allies.size > 0
    np.testing.assert_allclose(view.beliefs.get_offsets(), pub.pos[h, allies][:, ::-1])
    segments = view.links.get_segments()
    assert len(segments) == allies.size
    np.testing.assert_allclose([s[1] for s in segments], f.pos[allies][:, ::-1])
    edge = view.beliefs.get_edgecolors()
    garbled = np.asarray(pub.garbled[h, allies], bool)
    np.testing.assert_allclose(edge[garbled, :3],
                               np.tile(mcolors.to_rgb(GARBLED), (garbled.sum(), 1)))
    current = np.asarray(m.pictures.current(m.time_h)[h, allies], bool)
    assert (edge[current, 3] > edge[~current, 3].max(initial=0)).all()   # stale are faded


def test_no_hq_draws_no_picture(battle):
    view = MapView()
    view.draw(battle, None)
    assert len(view.beliefs.get_offsets()) == 0 and len(view.links.get_segments()) == 0


def test_a_sector_zooms_along_the_front(battle):
    view = MapView()
    view.draw(battle, "RU", (1.0, 2.0))
    lo, hi = view.ax.get_xlim()
    assert 0.4 <= lo < 1.0 and 2.0 < hi <= 2.6


def test_the_png_is_a_png(battle):
    view = MapView()
    view.draw(battle, "RU")
    assert view.png()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plots_render_with_units_on_every_axis(battle):
    for make in (plots.casualties_figure, plots.causes_figure, plots.queue_figure):
        fig = make(battle)
        for ax in fig.axes:
            assert ax.get_ylabel(), make.__name__
        assert plots.png(fig)[:4] == b"\x89PNG"


def test_casualties_by_cause_add_up_to_the_incidents(battle):
    curves, counts = plots._by_cause(battle, battle.snapshot()["time_h"])
    incidents = battle.model.ledger.incidents
    assert sum(counts.values()) == len(incidents)
    assert sum(c[-1] for c in curves.values()) == sum(i.killed + i.wounded for i in incidents)
