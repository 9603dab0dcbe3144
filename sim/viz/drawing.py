"""The map: the truth, one HQ's picture of its allies, incidents and impacts, as a PNG.

What is drawn (along the front left to right, depth upwards: the coalition below the
front line, the enemy above it):
- every unit in the battle where it really is, coloured by nation, its marker by
  posture: front (filled circle), rear support (hollow square), withdrawn (down
  triangle), destroyed (grey cross); units not arrived yet are not drawn;
- the selected HQ's published picture of its allies (coalition units of the other
  nations): a hollow diamond where the HQ believes each one is, joined to the truth by
  a thin line; an entry older than ``entry_expiry_h`` (stale: it no longer counts for
  correlation) is faded, a garbled one (a misunderstood grid) is drawn in magenta;
- friendly-fire incidents of the last ``FADE_H`` hours, coloured by cause and fading
  with age: direct fire as an arrow from the shooter to the target; artillery and
  drone fire as a star on the target (the model has no battery or operator position);
- artillery impacts (small dots) and drone strikes (small triangles) of the last
  ``FADE_H`` hours, coloured by the firing nation;
- the front line (``front_line_x_km``); a sector along the front chosen with
  ``y_range`` and a band of depth with ``x_range``.

The figure and its artists are made once and updated in place each frame. The still
parts (axes, ticks, legend, front line) are rendered once per view and kept as a
bitmap; a frame restores that bitmap and draws only the moving artists on it
(matplotlib's blitting), then encodes the image as PNG at the fastest compression.
docs/viz.md ("Speed") gives the frame times measured.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from PIL import Image  # noqa: E402

from sim.model.records import Cause, Fire, Posture  # noqa: E402
from sim.viz.session import FADE_H, Battle  # noqa: E402

#: colours of coalition nations, in the scenario's nation order
COALITION = ("#1f5fbf", "#2a9d3a", "#8e44ad", "#17a2b8", "#6c757d")
#: colours of enemy nations
ENEMY = ("#c0392b", "#e67e22", "#8b4513")
#: colour of each cause of friendly fire
CAUSE = {Cause.REPORT_LOST: "#000000", Cause.REPORT_STALE: "#7f7f7f",
         Cause.REPORT_GARBLED: "#e6007e", Cause.CHALLENGE_FAILED: "#ff8c00",
         Cause.MISIDENTIFICATION: "#b8860b"}
GARBLED = "#e6007e"
DESTROYED = "#9e9e9e"
MARKER = {Posture.FRONT: "o", Posture.REAR: "s", Posture.WITHDRAWN: "v",
          Posture.DESTROYED: "x"}


def nation_colours(nation_names: list[str], sides: list[str]) -> dict[str, str]:
    """A colour per nation: coalition nations blue, green, purple..., the enemy red,
    orange... (in the scenario's order)."""
    out, c, e = {}, 0, 0
    for name, side in zip(nation_names, sides, strict=True):
        if side == "coalition":
            out[name] = COALITION[c % len(COALITION)]
            c += 1
        else:
            out[name] = ENEMY[e % len(ENEMY)]
            e += 1
    return out


def _rgba(colours: list[str] | np.ndarray, alpha: np.ndarray | float = 1.0) -> np.ndarray:
    rgba = mcolors.to_rgba_array(colours)
    rgba[:, 3] = alpha
    return rgba


class MapView:
    """A map of one battle, redrawn in place (module doc).

    Args:
        width_px, height_px: the image's size, pixels.
    """

    def __init__(self, width_px: int = 960, height_px: int = 560) -> None:
        dpi = 100
        self.fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
        self.ax = ax = self.fig.add_axes((0.06, 0.09, 0.76, 0.83))
        ax.set_xlabel("along the front, km")
        ax.set_ylabel("depth, km (front line at 0)")
        self.front = ax.axhline(0.0, color="0.3", lw=1.0, ls="--", zorder=1)
        empty = np.empty((0, 2))
        self.units = {p: ax.scatter(empty[:, 0], empty[:, 1], s=22, marker=m, zorder=4,
                                    linewidths=1.0)
                      for p, m in MARKER.items()}
        self.links = LineCollection([], linewidths=0.7, zorder=2)
        ax.add_collection(self.links)
        self.beliefs = ax.scatter(empty[:, 0], empty[:, 1], s=26, marker="D",
                                  facecolors="none", linewidths=1.0, zorder=3)
        self.shells = ax.scatter(empty[:, 0], empty[:, 1], s=8, marker=".", zorder=2)
        self.strikes = ax.scatter(empty[:, 0], empty[:, 1], s=14, marker="^", zorder=2)
        self.fire = LineCollection([], linewidths=2.0, zorder=5)
        ax.add_collection(self.fire)
        self.heads = ax.scatter(empty[:, 0], empty[:, 1], s=40, marker="o", zorder=6,
                                facecolors="none", linewidths=2.0)
        self.stars = ax.scatter(empty[:, 0], empty[:, 1], s=150, marker="*", zorder=6,
                                linewidths=0.5, edgecolors="k")
        self.title = ax.set_title("", fontsize=10, loc="left")
        self._legend_for: tuple | None = None
        self.canvas = FigureCanvasAgg(self.fig)
        self.moving = [*self.units.values(), self.links, self.beliefs, self.shells,
                       self.strikes, self.fire, self.heads, self.stars, self.title]
        for art in self.moving:
            art.set_animated(True)
        self._still: tuple | None = None        # (view key, background bitmap)
        self._extent: tuple | None = None       # (battle, the extent seen so far)

    def _legend(self, colours: dict[str, str]) -> None:
        key = tuple(colours.items())
        if key == self._legend_for:
            return
        self._legend_for = key
        for old in list(self.fig.legends):
            old.remove()
        handles = [Line2D([], [], ls="", marker="o", color=c, label=n) for n, c in colours.items()]
        handles += [Line2D([], [], ls="", marker=MARKER[p], color="0.2", mfc="0.2"
                           if p == Posture.FRONT else "none", label=p.name.lower())
                    for p in MARKER]
        handles += [Line2D([], [], ls="", marker="D", mfc="none", color="0.2",
                           label="HQ believes here"),
                    Line2D([], [], ls="", marker="D", mfc="none", color=GARBLED,
                           label="garbled entry")]
        handles += [Line2D([], [], color=c, lw=2, label=str(cause).replace("_", " "))
                    for cause, c in CAUSE.items()]
        handles += [Line2D([], [], ls="", marker="*", color="0.4", ms=10,
                           label="artillery/drone FF"),
                    Line2D([], [], ls="", marker=".", color="0.4", label="artillery impact"),
                    Line2D([], [], ls="", marker="^", color="0.4", label="drone strike")]
        self.fig.legend(handles=handles, loc="center right", fontsize=7, frameon=False,
                        bbox_to_anchor=(0.995, 0.5))

    def draw(self, battle: Battle, hq: str | None, y_range: tuple[float, float] | None = None,
             x_range: tuple[float, float] | None = None) -> None:
        """Update every artist from ``battle`` (``hq``: whose picture; None: no picture;
        ``y_range``, ``x_range``: the sector along the front and the band of depth shown,
        km; None: all)."""
        m = battle.model
        f = m.forces
        names = list(f.nation_names)
        sides = [m.world.nations[n].side for n in names]
        colours = nation_colours(names, sides)
        palette = np.array([colours[n] for n in names])
        self._legend(colours)
        pos = f.pos
        posture = np.asarray(f.posture)
        for p, art in self.units.items():
            rows = np.flatnonzero(posture == p)
            art.set_offsets(pos[rows][:, ::-1])
            c = palette[f.nation[rows]] if p != Posture.DESTROYED else [DESTROYED] * rows.size
            rgba = _rgba(list(c)) if rows.size else np.empty((0, 4))
            if p == Posture.REAR:
                art.set_facecolors("none")
                art.set_edgecolors(rgba)
            else:
                art.set_facecolors(rgba)
                art.set_edgecolors(rgba)
        self._picture(battle, hq, palette)
        self._impacts(battle, palette)
        self._incidents(battle)
        self._frame(battle, y_range, x_range)

    def _picture(self, battle: Battle, hq: str | None, palette: np.ndarray) -> None:
        m = battle.model
        f = m.forces
        if hq is None or hq not in f.nation_names:
            self.beliefs.set_offsets(np.empty((0, 2)))
            self.links.set_segments([])
            return
        h = f.nation_names.index(hq)
        pub = m.pictures.published
        allies = np.flatnonzero(np.asarray(f.coalition) & (np.asarray(f.nation) != h)
                                & np.isfinite(pub.time[h]) & (np.asarray(f.posture) !=
                                                              Posture.PENDING))
        believed = pub.pos[h, allies][:, ::-1]
        truth = f.pos[allies][:, ::-1]
        current = np.asarray(m.pictures.current(m.time_h)[h, allies], bool)
        garbled = np.asarray(pub.garbled[h, allies], bool)
        alpha = np.where(current, 0.95, 0.25)
        colour = np.where(garbled, GARBLED, palette[f.nation[allies]])
        rgba = _rgba(list(colour), alpha) if allies.size else np.empty((0, 4))
        self.beliefs.set_offsets(believed)
        self.beliefs.set_edgecolors(rgba)
        self.links.set_segments(np.stack([believed, truth], axis=1) if allies.size else [])
        if allies.size:
            rgba_line = rgba.copy()
            rgba_line[:, 3] *= 0.6
            self.links.set_colors(rgba_line)

    def _impacts(self, battle: Battle, palette: np.ndarray) -> None:
        rows = battle.recent_impacts()
        age = battle.model.time_h - rows[:, 0]
        alpha = np.clip(1.0 - age / FADE_H, 0.1, 1.0)
        for art, kind in ((self.shells, 0), (self.strikes, 1)):
            sel = rows[:, 4] == kind
            art.set_offsets(rows[sel][:, [2, 1]])
            art.set_facecolors(_rgba(list(palette[rows[sel, 3].astype(int)]), alpha[sel])
                               if sel.any() else np.empty((0, 4)))
            art.set_edgecolors("none")

    def _incidents(self, battle: Battle) -> None:
        m, t = battle.model, battle.model.time_h
        segs, seg_c, heads, stars, star_c = [], [], [], [], []
        for inc in battle.recent_incidents():
            last = t if not np.isfinite(inc.end_h) else min(inc.end_h, t)
            alpha = float(np.clip(1.0 - (t - last) / FADE_H, 0.15, 1.0))
            colour = mcolors.to_rgba(CAUSE[Cause(inc.cause)], alpha)
            target = m.forces.pos[battle.names[inc.target_unit]][::-1]
            shooter = battle.names.get(inc.shooter_unit)
            if inc.fire == Fire.DIRECT and shooter is not None:
                segs.append([m.forces.pos[shooter][::-1], target])
                seg_c.append(colour)
                heads.append((target, colour))
            else:
                stars.append(target)
                star_c.append(colour)
        self.fire.set_segments(segs)
        self.fire.set_colors(seg_c or "none")
        self.heads.set_offsets(np.array([h for h, _ in heads]).reshape(-1, 2))
        self.heads.set_edgecolors([c for _, c in heads] or "none")
        self.stars.set_offsets(np.array(stars).reshape(-1, 2))
        self.stars.set_facecolors(star_c or "none")

    def _frame(self, battle: Battle, y_range: tuple[float, float] | None,
               x_range: tuple[float, float] | None) -> None:
        """Axis limits: the sector and band asked for, else every unit seen so far. Both are rounded out to 5 km and only grow,
        so the still parts are re-rendered rarely."""
        m = battle.model
        f = m.forces
        shown = np.asarray(f.posture) != Posture.PENDING
        pos = f.pos[shown] if shown.any() else f.pos
        front = m.world.front_line_x_km
        now = (min(pos[:, 1].min(), 0.0), pos[:, 1].max(), min(pos[:, 0].min(), front - 1),
               max(pos[:, 0].max(), front + 1))
        old = self._extent[1] if self._extent and self._extent[0] is battle else now
        ext = (min(old[0], 5 * np.floor(now[0] / 5)), max(old[1], 5 * np.ceil(now[1] / 5)),
               min(old[2], 5 * np.floor(now[2] / 5)), max(old[3], 5 * np.ceil(now[3] / 5)))
        self._extent = (battle, ext)
        lo_y, hi_y = (ext[0], ext[1]) if y_range is None else y_range
        pad = max(0.5, 0.01 * (hi_y - lo_y))
        self.ax.set_xlim(lo_y - pad, hi_y + pad)
        self.ax.set_ylim(*((ext[2] - 1, ext[3] + 1) if x_range is None else x_range))
        self.front.set_ydata([front] * 2)
        day = m.time_h / 24.0
        self.title.set_text(f"{m.world.name}: t = {m.time_h:.0f} h (day {day:.1f}), "
                            f"{len(m.ledger.incidents)} friendly-fire incidents so far")

    def render(self) -> np.ndarray:
        """Render the current frame (module doc); returns the RGBA pixels, (H, W, 4)."""
        view = (self.ax.get_xlim(), self.ax.get_ylim(), self._legend_for)
        if self._still is None or self._still[0] != view:
            self.canvas.draw()                  # the still parts only (moving are animated)
            self._still = (view, self.canvas.copy_from_bbox(self.fig.bbox))
        self.canvas.restore_region(self._still[1])
        for art in self.moving:
            self.ax.draw_artist(art)
        return np.asarray(self.canvas.buffer_rgba())

    def png(self) -> bytes:
        """The current frame as PNG bytes."""
        buf = io.BytesIO()
        Image.fromarray(self.render()).save(buf, "PNG", compress_level=1)
        return buf.getvalue()
