"""Speed of the dashboard in a real browser, on the full bundled Toronto data (241,000 incidents).

Starts ``streamlit run app.py`` on 127.0.0.1 (no basemap, no telemetry), drives Debian's
Chromium through Playwright and prints the figures of issue 3, each against its target:

1. page load -> map visible (hot spot cells drawn; target <= 5 s):

   - **cold**: a fresh ``streamlit run`` process, the browser navigating as soon as the
     server answers its health check — the first visit after a server start (the data is
     loaded and the first analysis computed during that visit); median of ``--cold`` starts;
   - **warm**: later first visits (new browser context each time: no browser cache) to a
     server that has already done that work.

   Cold starts are measured twice. Once with Python as this environment runs it: with
   ``PYTHONDONTWRITEBYTECODE=1`` and a virtualenv installed without compiled bytecode
   (``uv pip install`` without ``--compile-bytecode``), every start compiles every module
   of the science stack again (about 2.5 s here). And once with a bytecode cache, as after
   any earlier start of a normally installed server (pip compiles at install time): the
   cache lives in a temporary folder (``PYTHONPYCACHEPREFIX``), filled by one start that is
   not measured.
2. a filter change -> the updated map drawn (target <= 1.5 s), median of several changes
   to offense combinations never analyzed before ("new": the analysis runs) and the same
   combinations again in a new session ("seen": cached);
3. the map's payload at the default view: what the app sends for the map (base map,
   data layers, layer control, inlined Leaflet assets) as computed from the map, and the
   websocket bytes received on a page load (target <= 3 MB).

Run: ``.venv/bin/python bench/app_speed.py [--cold 3]``. Nothing here asserts a time: it
measures. The machine is shared, so figures move by a few tenths of a second between runs.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
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
#: Offenses added one by one to the filter: each step is an offense combination.
OFFENSES = ("Robbery", "Auto Theft", "Theft Over", "Break and Enter")
TARGET_LOAD_S = 5.0
TARGET_CHANGE_S = 1.5
TARGET_PAYLOAD_MB = 3.0


@dataclass(frozen=True)
class Start:
    """One fresh server: seconds to healthy, the first page load, and later page loads."""

    health_s: float
    cold_s: float
    warm_s: tuple[float, ...]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(env: Mapping[str, str]) -> Iterator[tuple[str, float]]:
    """``streamlit run app.py`` on a free port; yields its URL and the seconds to healthy."""
    port = _free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.perf_counter() - started > 60:
                    raise SystemExit("streamlit did not start") from None
                time.sleep(0.05)
        yield url, time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_map(
    page: Any, check: Callable[[dict[str, Any]], bool], timeout_s: float = 120.0
) -> dict[str, Any]:
    """Poll the map's iframe until its state passes ``check``."""
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


def _filter_changes(browser: Any, url: str) -> list[float]:
    """Seconds from adding an offense to the filter to the updated map, for each of OFFENSES."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.goto(url)
    _wait_map(page, lambda s: s["hot"] > 0)
    times = []
    box = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first
    for offense in OFFENSES:
        before = _wait_map(page, lambda s: True)["total"]
        box.click()
        page.keyboard.type(offense)
        start = time.perf_counter()
        page.keyboard.press("Enter")
        _wait_map(page, lambda s: bool(s["total"] != before))  # noqa: B023  (waited for here)
        times.append(time.perf_counter() - start)
        page.keyboard.press("Escape")
        time.sleep(0.5)
    context.close()
    return times


def _starts(browser: Any, env: Mapping[str, str], count: int, *, warm: int) -> list[Start]:
    """``count`` fresh servers: the first page load of each, then ``warm`` more."""
    out = []
    for _ in range(count):
        with _server(env) as (url, health_s):
            cold_s, _ = _load(browser, url)
            warm_s = tuple(_load(browser, url)[0] for _ in range(warm))
        out.append(Start(health_s, cold_s, warm_s))
    return out


def _payload_mb() -> tuple[float, int]:
    """Megabytes the app sends for the map at the default view, and the cells analyzed."""
    sys.path.insert(0, str(ROOT / "src"))
    from hotspots.analysis import analyze
    from hotspots.dashboard import map_builder, map_layers
    from hotspots.dashboard.datasets import load_toronto
    from hotspots.dashboard.settings import TileSettings
    from hotspots.spatial.filters import Filters

    dataset = load_toronto()
    default = Filters(start=dataset.default_first_day.isoformat())
    result = analyze(dataset.incidents, boundaries=dataset.boundaries, filters=default, quiet=True)
    base = map_builder.build_base_map(
        tiles=TileSettings(url="none"), bounds=dataset.bounds, outlines=dataset.outlines
    )
    groups = map_builder.data_layers(
        map_layers.unit_layer(result, kind="cell", measure="gi"),
        points=map_layers.point_layer(result),
    )
    payload = map_builder.payload_bytes(base, groups=groups, control=map_builder.layer_control())
    return payload / 1e6, int(result.params["cells"])


def _vs(seconds: float, target: float) -> str:
    return f"{seconds:.2f} s ({seconds / target:.0%} of the {target:g} s target)"


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=3, help="fresh server starts per variant")
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    base_env = {
        **os.environ,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "HOTSPOTS_TILES_URL": "none",
    }
    as_is = "no bytecode cache" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "as installed"
    with (
        tempfile.TemporaryDirectory(prefix="hotspots-pycache-") as pycache,
        sync_playwright() as pw,
    ):
        bytecode_env = {**base_env, "PYTHONPYCACHEPREFIX": pycache}
        bytecode_env.pop("PYTHONDONTWRITEBYTECODE", None)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        plain = _starts(browser, base_env, options.cold, warm=3)
        _starts(browser, bytecode_env, 1, warm=0)  # fills the bytecode cache, not measured
        compiled = _starts(browser, bytecode_env, options.cold, warm=0)
        with _server(base_env) as (url, _):
            _, ws_bytes = _load(browser, url)
            new = _filter_changes(browser, url)  # combinations never analyzed on this server
            seen = _filter_changes(browser, url)  # the same again, from a new session
        browser.close()

    payload_mb, cells = _payload_mb()
    warm = [s for start in plain for s in start.warm_s]
    print(f"data: bundled Toronto incidents (241k), {cells:,} cells at the default view")
    print("page load -> map visible:")
    for label, starts in ((as_is, plain), ("with a bytecode cache", compiled)):
        cold = statistics.median(s.cold_s for s in starts)
        boot = statistics.median(s.health_s + s.cold_s for s in starts)
        print(
            f"  cold, {label}: {_vs(cold, TARGET_LOAD_S)}; "
            f"{boot:.2f} s from `streamlit run` (median of {len(starts)} starts)"
        )
    print(f"  warm: {_vs(statistics.median(warm), TARGET_LOAD_S)} (median of {len(warm)})")
    print("filter change -> map updated:")
    print(
        f"  new combination: {_vs(statistics.median(new), TARGET_CHANGE_S)} (median of {len(new)})"
    )
    print(
        f"  seen combination: {_vs(statistics.median(seen), TARGET_CHANGE_S)} (median of {len(seen)})"
    )
    print(
        f"map payload at the default view: {payload_mb:.2f} MB ({payload_mb / TARGET_PAYLOAD_MB:.0%} "
        f"of the {TARGET_PAYLOAD_MB:g} MB target); websocket received on a page load: {ws_bytes / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main()
