"""The README's and docs/viz.md's screenshot of the page: docs/figures/viz_page.png.

Starts ``sim viz`` on the default scenario (kursk_2024), steps 24 hours a frame to day
``--day`` (KP at the front from day 30), shows KP's picture over a 30 km sector, and takes
a screenshot in Debian's chromium.

    .venv/bin/python experiments/viz_screenshot.py [--day 40] [--out docs/figures/viz_page.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.viz.serve import CHROMIUM, CHROMIUM_FLAGS, serving

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--day", type=int, default=40)
    ap.add_argument("--out", default=str(REPO / "docs" / "figures" / "viz_page.png"))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with serving([], start_s=180) as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(url, timeout=180_000)
            page.wait_for_selector(".cf-map", timeout=180_000)
            sliders = page.locator(".v-slider")
            hours = sliders.nth(sliders.count() - 3)          # hours per frame, 1-48
            box = hours.bounding_box()
            hours.click(position={"x": box["width"] * 23 / 47, "y": box["height"] / 2})
            page.wait_for_timeout(500)
            for _ in range(args.day):
                page.get_by_role("button", name="Step").click()
                page.wait_for_timeout(400)
            page.locator(".v-select").nth(2).click()            # picture of HQ
            page.get_by_role("option", name="KP").click()
            sector, depth = sliders.nth(sliders.count() - 2), sliders.nth(sliders.count() - 1)
            for slider, ends in ((sector, (20 / 80, 50 / 80)),    # 0-80 km -> 20-50 km
                                 (depth, (25 / 35, 32 / 35))):    # -30..5 km -> -5..2 km
                box = slider.bounding_box()
                thumbs = slider.locator(".v-slider__thumb-container")
                for k, frac in enumerate(ends):
                    t = thumbs.nth(k).bounding_box()
                    page.mouse.move(t["x"] + t["width"] / 2, t["y"] + t["height"] / 2)
                    page.mouse.down()
                    page.mouse.move(box["x"] + box["width"] * frac, t["y"] + t["height"] / 2,
                                    steps=8)
                    page.mouse.up()
                    page.wait_for_timeout(800)
            page.wait_for_timeout(3000)
            page.screenshot(path=args.out)
            browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
