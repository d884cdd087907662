"""The visualiser end to end: the real server, Debian's chromium driven by Playwright, five Steps.

Runs wherever /usr/bin/chromium exists (.ci/run installs it); skips, saying why, where it does not.
The screenshot of the last state is kept for the record in results/viz-browser-test.png.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import free_port, viz_server
from matplotlib.colors import to_rgb
from PIL import Image

from sim.viz.campaign import VizModel
from sim.viz.mapview import BORDER, MapView

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).resolve().parents[1] / "results" / "viz-browser-test.png"
# Debian's chromium in a container: no sandbox, GPU or background traffic (no internet here).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="no /usr/bin/chromium: apt-get install chromium (.ci/run does)")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'")


@pytest.fixture
def server():
    """`python -m sim viz` on a free port, as a user starts it; stopped after the test."""
    port = free_port()
    with viz_server(port):
        yield f"http://127.0.0.1:{port}/"


@pytest.fixture
def page(tmp_path):
    with playwright.sync_playwright() as pw:
        # a fresh profile each time (Playwright refuses --user-data-dir among the arguments)
        browser = pw.chromium.launch_persistent_context(
            tmp_path / "profile", executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1600, "height": 1250})
        try:
            yield browser.new_page()
        finally:
            browser.close()


def shown_day(page) -> tuple[dt.date, int]:
    """The date and day shown at the top of the page, e.g. '20 Aug 2024 (day 0 of 253)'."""
    text = page.inner_text(".kursk-date")
    found = re.search(r"(\d{1,2} \w{3} \d{4}) \(day (\d+) of", text)
    assert found, text
    return dt.datetime.strptime(found[1], "%d %b %Y").date(), int(found[2])


# The bytes of the map image the browser shows (the widget's blob: URL), as base64.
MAP_BYTES_JS = """async () => {
    const bytes = new Uint8Array(await (await fetch(document.querySelector('.kursk-map img').src)).arrayBuffer());
    let text = '';
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text);
}"""


def shown_map(page, expected: bytes, timeout_s: float = 30.0) -> bytes:
    """The map the browser shows, once it is `expected` (the image may arrive after the date)."""
    deadline = time.monotonic() + timeout_s
    while True:
        shown = base64.b64decode(page.evaluate(MAP_BYTES_JS))
        if shown == expected or time.monotonic() > deadline:
            return shown
        time.sleep(0.2)


def test_five_steps_in_a_real_browser(server, page):
    page.goto(server, timeout=60_000)
    # Solara first shows a loading spinner: wait for the real content, the map image and the date
    page.wait_for_selector(".kursk-map img", state="visible", timeout=90_000)
    page.wait_for_function("document.querySelector('.kursk-map img').naturalWidth > 0", timeout=30_000)
    start, day = shown_day(page)
    assert day == 0
    map_before = page.locator(".kursk-map img").screenshot()

    step = page.get_by_role("button", name="Step")
    for n in range(1, 6):
        step.click()
        page.wait_for_function(f"document.querySelector('.kursk-date').innerText.includes('(day {n} of')",
                               timeout=30_000)
    date, day = shown_day(page)
    assert day == 5 and date == start + dt.timedelta(days=5)
    page.wait_for_function("document.querySelector('.kursk-map img').complete")
    assert page.locator(".kursk-map img").screenshot() != map_before, "the map did not change in five days"
    status = page.inner_text(".kursk-status")
    for what in ("Russian-held in Sumy oblast: 0.0 km²", "salient lost: not yet", "Ukrainian soldiers lost: in Kursk"):
        assert what in status, what
    # the browser shows, byte for byte, the map this process draws for the same campaign on day 5
    # (what tests/test_viz.py checks: the border, the front line, the sectors)
    model = VizModel()
    for _ in range(5):
        model.step()
    expected = MapView(model.theatre).render(model)
    shown = shown_map(page, expected)
    assert shown == expected, "the browser's map is not the server's map of day 5"
    pixels = np.asarray(Image.open(io.BytesIO(shown)).convert("RGBA"))[..., :3].astype(int)
    border = (np.abs(pixels - np.array(to_rgb(BORDER)) * 255).max(axis=-1) <= 40).sum()
    assert border > 300, f"{border} pixels of the state border's colour"
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
