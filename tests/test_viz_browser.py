"""``sim viz`` end to end: the command, then the page in a real browser (Playwright driving
Debian's chromium, which ``.ci/run`` installs; Playwright's own browser download cannot
work offline). Marked ``browser``; skipped where chromium is not installed, except under
``SIM_REQUIRE_BROWSER=1`` (``.ci/run``), where that fails."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import matplotlib.colors as mcolors
import numpy as np
import pytest
from conftest import SIM, TINY, _env

pytest.importorskip("solara")
sync_api = pytest.importorskip("playwright.sync_api")

from sim.viz.serve import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402

BASE = [o for o in TINY if not o.startswith("replications")]
#: seconds for the server to print its URL and for the page to load
START_S = 90


def test_a_bad_override_exits_2_before_any_server_starts(tmp_path):
    proc = subprocess.run([str(SIM), "viz", "scenario.units.kp.protection=2"], cwd=tmp_path,
                          env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "scenario.units.kp.protection = 2" in proc.stderr
    assert "serving" not in proc.stdout
    assert not any(tmp_path.iterdir())                 # nothing written


def test_a_bad_port_exits_2(tmp_path):
    proc = subprocess.run([str(SIM), "viz", "--port", "http"], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--port = 'http'" in proc.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``sim viz`` on a free port (a tiny Kursk), stopped with Ctrl-C after the tests."""
    from sim.viz.serve import serving

    cwd = tmp_path_factory.mktemp("viz")
    log = cwd / "server.log"
    with serving(BASE, log=log, cwd=cwd, env=_env(), start_s=START_S) as url:
        yield url, log


@pytest.fixture
def browser_page(server):
    if not Path(CHROMIUM).exists():
        if os.environ.get("SIM_REQUIRE_BROWSER"):           # .ci/run sets it: never skip there
            pytest.fail(f"SIM_REQUIRE_BROWSER is set but {CHROMIUM} is missing")
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    url, _log = server
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, timeout=60_000)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        failed: list[str] = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto(url, timeout=START_S * 1000)
        page.wait_for_selector("text=Reset", timeout=START_S * 1000)
        page.wait_for_selector(".cf-map", timeout=START_S * 1000)
        yield page, problems, failed
        browser.close()


def _clock(page) -> str:
    return page.locator(".cf-clock").inner_text()


def _hours(page) -> float:
    return float(re.match(r"t = (\d+) h", _clock(page)).group(1))


@pytest.mark.browser
def test_the_page_loads_offline_with_no_console_errors(browser_page, server):
    page, problems, failed = browser_page
    page.wait_for_timeout(1500)
    assert problems == []
    assert failed == []                       # nothing asked of a CDN or anywhere else
    assert "serving http://127.0.0.1:" in server[1].read_text()
    assert _clock(page).startswith("t = 0 h")


@pytest.mark.browser
def test_step_advances_the_time(browser_page):
    page, problems, _ = browser_page
    before = _hours(page)
    page.get_by_role("button", name="Step").click()
    page.wait_for_function(
        "h => !document.querySelector('.cf-clock').innerText.startsWith('t = ' + h + ' h')",
        arg=int(before), timeout=30_000)
    assert _hours(page) == before + 4                 # hours per frame, 4 by default
    assert problems == []


@pytest.mark.browser
def test_a_slider_then_reset_changes_the_model(browser_page):
    page, problems, _ = browser_page
    page.get_by_role("button", name="Step").click()
    page.wait_for_function("() => !document.querySelector('.cf-clock').innerText"
                           ".startsWith('t = 0 h')", timeout=30_000)
    track = page.locator(".v-slider").nth(0)          # the first lever: RU_KP interpreters
    box = track.bounding_box()
    track.click(position={"x": box["width"] * 0.8, "y": box["height"] / 2})
    page.wait_for_function("() => !document.querySelector('.cf-lever').innerText"
                           ".endsWith('= 8')", timeout=30_000)
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function("() => document.querySelector('.cf-built').innerText"
                           ".includes('interpreters=')", timeout=30_000)
    assert "built with scenario.links.RU_KP.interpreters=" in \
        page.locator(".cf-built").inner_text()
    assert _clock(page).startswith("t = 0 h")
    assert problems == []


@pytest.mark.browser
def test_the_map_is_not_blank_it_shows_the_nations_colours(browser_page, tmp_path):
    from PIL import Image

    from sim.viz.drawing import COALITION, ENEMY

    page, _, _ = browser_page
    colours = (COALITION[0], COALITION[1], ENEMY[0])        # RU, KP, UA in kursk_2024
    # the map's image must have arrived and been decoded; on a loaded machine the first
    # screenshot can come before that, so look again for up to 30 s
    page.wait_for_function("() => { const i = document.querySelector('.cf-map img') || "
                           "document.querySelector('img.cf-map'); "
                           "return i && i.complete && i.naturalWidth > 0; }", timeout=60_000)
    deadline = time.monotonic() + 30
    shot = tmp_path / "map.png"
    while True:
        page.locator(".cf-map").screenshot(path=str(shot))
        pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
        close = {c: int((np.abs(pixels - (np.array(mcolors.to_rgb(c)) * 255).round())
                         .max(axis=-1) <= 20).sum()) for c in colours}
        if pixels.std() > 10 and min(close.values()) >= 20 or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    assert pixels.std() > 10, shot                           # not one flat colour
    assert min(close.values()) >= 20, (close, shot)
