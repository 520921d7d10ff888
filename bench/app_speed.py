"""Speed of the dashboard in a real browser, on the full bundled Toronto data (241,000 incidents).

Starts ``streamlit run app.py`` on 127.0.0.1 (no basemap, no telemetry), drives Debian's
Chromium through Playwright and prints three figures (targets from issue 3):

1. page load -> map visible (hot spot cells drawn), on a cold server and on a warm one
   (target <= 5 s);
2. a filter change -> the updated map drawn (target <= 1.5 s), median of several changes;
3. the map's payload at the default view: what the app sends for the map (script, header,
   HTML and inlined Leaflet assets), measured from the websocket (target <= 3 MB).

Run: ``.venv/bin/python bench/app_speed.py``. Nothing here asserts a time: it measures.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IFRAME = "iframe[title='streamlit_folium.st_folium']"
STATE_JS = """
() => { const map = window.hotspotsMap; if (!map) { return null; }
  let total = 0, hot = 0;
  map.eachLayer((l) => { const p = l.feature && l.feature.properties;
    if (p && p.c !== undefined) { total += p.c; if (p.b > 0 && l._parts && l._parts.length) { hot += 1; } } });
  return {total, hot}; }
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "HOTSPOTS_TILES_URL": "none",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("streamlit did not start")


def _wait_map(page: Any, check: Any, timeout_s: float = 120.0) -> dict[str, Any]:
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        handle = page.query_selector(IFRAME)
        frame = handle.content_frame() if handle else None
        if frame is not None:
            try:
                state = frame.evaluate(STATE_JS)
            except Error:
                state = None
            if state and check(state):
                return dict(state)
        time.sleep(0.02)
    raise SystemExit("the map did not appear")


def _load(browser: Any, url: str) -> tuple[float, int]:
    """Seconds from navigation to hot spot cells drawn, and websocket bytes received."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    received = [0]

    def on_ws(ws: Any) -> None:
        ws.on("framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload)))

    page.on("websocket", on_ws)
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    _wait_map(page, lambda s: s["hot"] > 0)
    seconds = time.perf_counter() - start
    context.close()
    return seconds, received[0]


def _filter_changes(browser: Any, url: str, offenses: list[str]) -> list[float]:
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.goto(url)
    _wait_map(page, lambda s: s["hot"] > 0)
    times = []
    box = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first
    for offense in offenses:
        before = _wait_map(page, lambda s: True)["total"]
        box.click()
        page.keyboard.type(offense)
        start = time.perf_counter()
        page.keyboard.press("Enter")
        _wait_map(page, lambda s, b=before: s["total"] != b and s["hot"] >= 0)
        times.append(time.perf_counter() - start)
        page.keyboard.press("Escape")
        time.sleep(0.5)
    context.close()
    return times


def main() -> None:
    """Measure and print the three figures."""
    sys.path.insert(0, str(ROOT / "src"))
    from playwright.sync_api import sync_playwright

    from hotspots import datasets
    from hotspots.analysis import analyze
    from hotspots.dashboard import map_builder, map_layers
    from hotspots.dashboard.datasets import load_toronto
    from hotspots.dashboard.settings import TileSettings
    from hotspots.filters import Filters

    process, url = _start_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            cold, _ = _load(browser, url)
            warm = []
            ws_bytes = 0
            for _ in range(3):
                seconds, ws_bytes = _load(browser, url)
                warm.append(seconds)
            # The first change of each offense is uncached (a new analysis); later ones hit the cache.
            uncached = _filter_changes(browser, url, ["Robbery", "Auto Theft", "Theft Over"])
            cached = _filter_changes(browser, url, ["Robbery", "Auto Theft", "Theft Over"])
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)

    dataset = load_toronto()
    default = Filters(start=dataset.default_first_day.isoformat())
    result = analyze(dataset.incidents, boundaries=dataset.boundaries, filters=default, quiet=True)
    m = map_builder.build_map(
        map_layers.unit_layer(result, kind="cell", measure="gi"),
        tiles=TileSettings(url="none"),
        outlines=dataset.outlines,
        points=map_layers.point_layer(result),
    )
    payload = map_builder.payload_bytes(m)
    print(
        f"data: {datasets.toronto_incidents_path().name}, {len(dataset.incidents):,} incidents, {result.params['cells']:,} cells"
    )
    print(
        f"page load -> map visible: {cold:.2f} s on a cold server (loading the data), {statistics.median(warm):.2f} s warm (median of {len(warm)})  [target <= 5 s]"
    )
    print(
        f"filter change -> map updated: {statistics.median(uncached):.2f} s new analysis, {statistics.median(cached):.2f} s cached (medians of {len(uncached)})  [target <= 1.5 s]"
    )
    print(
        f"map payload at the default view: {payload / 1e6:.2f} MB (websocket received on page load: {ws_bytes / 1e6:.2f} MB)  [target <= 3 MB]"
    )


if __name__ == "__main__":
    main()
