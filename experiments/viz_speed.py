"""How fast the browser view is (docs/viz.md, "Speed"): prints two tables.

1. In one process, per scale: units, ms per model step, and ms per map frame (draw and
   PNG encode, blitted) and per redraw of the three plots, each the median over frames
   spread through the first ``--hours`` hours of the battle.
2. In a real browser (Playwright driving Debian's chromium), per scale: ``sim viz`` is
   started, Play pressed, and the clock's changes counted for ``--seconds`` seconds:
   frames per second and model hours per second at the default 4 hours per frame.

    .venv/bin/python experiments/viz_speed.py                 # scales 1 and 10
    .venv/bin/python experiments/viz_speed.py --scales 1 10 80 --seconds 20
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from sim.viz.serve import CHROMIUM, CHROMIUM_FLAGS, serving


def in_process(scale: float, hours: int, frames: int = 12) -> dict:
    from sim.viz import plots
    from sim.viz.drawing import MapView
    from sim.viz.session import Battle, Choice

    battle = Battle.build([f"scale={scale}"], Choice())
    view = MapView()
    step_ms, frame_ms, plot_ms = [], [], []
    every = max(1, hours // frames)
    while battle.model.time_h < hours:
        t0 = time.perf_counter()
        battle.step(every)
        step_ms.append((time.perf_counter() - t0) * 1000 / every)
        t0 = time.perf_counter()
        view.draw(battle, "RU")
        view.png()
        frame_ms.append((time.perf_counter() - t0) * 1000)
        if len(plot_ms) < 4:
            t0 = time.perf_counter()
            for make in (plots.casualties_figure, plots.causes_figure, plots.queue_figure):
                plots.png(make(battle))
            plot_ms.append((time.perf_counter() - t0) * 1000)
    return {"units": battle.model.forces.n, "step": statistics.median(step_ms),
            "frame": statistics.median(frame_ms[1:]), "first": frame_ms[0],
            "plots": statistics.median(plot_ms)}


def in_browser(scale: float, seconds: float) -> dict:
    from playwright.sync_api import sync_playwright

    with serving([f"scale={scale}"], start_s=180) as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(url, timeout=180_000)
            page.wait_for_selector(".cf-map", timeout=180_000)
            # count the clock's changes in the page itself (polling from here would miss
            # frames): every frame rewrites the clock and the map together
            page.evaluate("""() => {
                window.cfFrames = [];
                const note = () => {
                    const t = document.querySelector('.cf-clock').innerText;
                    const f = window.cfFrames;
                    if (!f.length || f[f.length - 1][1] !== t) f.push([performance.now(), t]);
                };
                new MutationObserver(note).observe(document.body,
                    {subtree: true, childList: true, characterData: true});
            }""")
            page.get_by_role("button", name="Play").click()
            page.wait_for_function("() => window.cfFrames.length > 1", timeout=120_000)
            page.wait_for_timeout(seconds * 1000)
            frames = page.evaluate("() => window.cfFrames")
            page.get_by_role("button", name="Pause").click()
            browser.close()
        frames = frames[1:]                       # from the first frame of play on
        span = (frames[-1][0] - frames[0][0]) / 1000.0
        seen = [text for _, text in frames]
        hours = [float(s.split(" h")[0].removeprefix("t = ")) for s in seen]
        return {"fps": (len(seen) - 1) / span, "hours_per_s": (hours[-1] - hours[0]) / span}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    ap.add_argument("--hours", type=int, default=480, help="model hours to sample frames over")
    ap.add_argument("--seconds", type=float, default=15.0, help="seconds of play in the browser")
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    print("| scale | units | ms/step | ms/map frame | first frame ms | ms/plots redraw |")
    print("| --- | --- | --- | --- | --- | --- |")
    for scale in args.scales:
        r = in_process(scale, args.hours)
        print(f"| {scale:g} | {r['units']} | {r['step']:.1f} | {r['frame']:.0f} | "
              f"{r['first']:.0f} | {r['plots']:.0f} |", flush=True)
    if args.no_browser or not Path(CHROMIUM).exists():
        return
    print("\n| scale | frames/s in chromium | model hours/s (4 h per frame) |")
    print("| --- | --- | --- |")
    for scale in args.scales:
        r = in_browser(scale, args.seconds)
        print(f"| {scale:g} | {r['fps']:.1f} | {r['hours_per_s']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
