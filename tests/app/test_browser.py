"""End to end in a real browser: Debian's Chromium driven by Playwright, the app on 127.0.0.1.

The test starts ``streamlit run app.py`` on a free local port with no basemap, waits for
the Leaflet map inside the map's iframe, checks that hot spot cells are drawn and that
they add up to the "Incidents selected" figure, changes the offense filter and checks
that the figure and the map follow (in place: same iframe, legend swapped), that panning
and zooming do not rerun the app, clicks a hot spot and waits for its profile. Any
request to a host other than 127.0.0.1 is blocked and fails the test, and so does any
error in the browser console. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from hotspots.dashboard import first_paint

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1"}
#: Seconds to wait for the server, the first map (cold caches) and later updates.
SERVER_TIMEOUT_S = 60
MAP_TIMEOUT_MS = 90_000

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``streamlit run app.py`` on 127.0.0.1 (no basemap, no telemetry); yields its URL."""
    port = _free_port()
    env = {
        **os.environ,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "HOTSPOTS_TILES_URL": "none",
    }
    log = (ARTIFACTS / "streamlit.log") if ARTIFACTS.mkdir(exist_ok=True) is None else None
    assert log is not None
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + SERVER_TIMEOUT_S
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start; see {log}")
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()  # reaped: no ResourceWarning for a still-running subprocess


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright (never a Playwright browser download)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found; install Debian's chromium (make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


MAP_STATE_JS = """
() => {
  const map = window.hotspotsMap;
  if (!map || !window.hsUnitLayers) { return null; }
  let drawn = 0, hot = 0, total = 0;
  hsUnitLayers(map).forEach((layer) => layer.hsEach((p, visible) => {
    if (p.c !== undefined) {
      drawn += 1;
      total += p.c;
      if (p.b > 0 && visible) { hot += 1; }
    }
  }));
  return {drawn, hot, total, leaflet: !!document.querySelector('.leaflet-container')};
}
"""

#: The unit of the map's units layers that passes ``test(properties, visible)`` with the
#: highest ``z``: zooms the map onto it (at most to ``maxZoom``) and returns where it is on
#: the screen (``x``, ``y``, relative to the map's frame) and its id, or null.
BEST_UNIT_JS = """
([test, maxZoom]) => {
  const map = window.hotspotsMap;
  const ok = new Function("p", "visible", "return " + test + ";");
  let best = null;
  hsUnitLayers(map).forEach((layer) => layer.hsEach((p, visible, i) => {
    if (ok(p, visible) && (!best || p.z > best.p.z)) { best = {layer, p, i}; }
  }));
  if (!best) { return null; }
  const bounds = best.layer.hsBounds(best.i);
  map.fitBounds(bounds, {maxZoom: maxZoom, animate: false});
  const point = map.latLngToContainerPoint(bounds.getCenter());
  return {x: point.x, y: point.y, id: best.p.id};
}
"""
#: The strongest hot spot cell, below the points' zoom.
HOT_POINT_ARG = ["p.b === 3", 13]


def _offline_page(browser: Any) -> tuple[Any, Any, list[str], list[str]]:
    """A page whose requests to any non-local host are aborted and recorded.

    Returns the context (close it), the page, the blocked URLs and the console errors.
    """
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    blocked: list[str] = []
    console_errors: list[str] = []

    def guard(route: Any) -> None:
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    return context, page, blocked, console_errors


def _map_frame(page: Any) -> Any:
    """The frame of the st_folium iframe, once its Leaflet map exists."""
    page.wait_for_selector("iframe[title='streamlit_folium.st_folium']", timeout=MAP_TIMEOUT_MS)
    handle = page.query_selector("iframe[title='streamlit_folium.st_folium']")
    frame = handle.content_frame()
    frame.wait_for_selector(".leaflet-container", timeout=MAP_TIMEOUT_MS)
    frame.wait_for_function("() => window.hotspotsMap !== undefined", timeout=MAP_TIMEOUT_MS)
    return frame


def _wait_for_map(
    page: Any, check: Any, *, timeout_s: float = MAP_TIMEOUT_MS / 1000
) -> tuple[Any, dict[str, Any]]:
    """Poll the map iframe (it is replaced when the map changes) until ``check(state)``."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout_s
    last: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        handle = page.query_selector("iframe[title='streamlit_folium.st_folium']")
        frame = handle.content_frame() if handle else None
        if frame is not None:
            try:
                last = frame.evaluate(MAP_STATE_JS)
            except Error:
                last = None
            if last and check(last):
                return frame, last
        page.wait_for_timeout(200)
    pytest.fail(f"the map did not reach the expected state; last state: {last}")


def _selected(page: Any) -> int:
    metric = (
        page.locator("[data-testid='stMetric']")
        .filter(has_text="Incidents selected")
        .locator("[data-testid='stMetricValue']")
    )
    return int(metric.inner_text().replace(",", ""))


def test_map_filters_and_profile_in_a_real_browser(server: str, browser: Any) -> None:
    context, page, blocked, console_errors = _offline_page(browser)
    page.on(
        "response",
        lambda r: console_errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None,
    )
    sent: list[int] = []  # sizes of the messages the page sends the server (a rerun ~1 kB)
    page.on("websocket", lambda ws: ws.on("framesent", lambda data: sent.append(len(data))))
    try:
        page.goto(server, wait_until="domcontentloaded")
        frame = _map_frame(page)
        frame.wait_for_function(
            f"({MAP_STATE_JS})() && ({MAP_STATE_JS})().hot > 0", timeout=MAP_TIMEOUT_MS
        )
        state = frame.evaluate(MAP_STATE_JS)
        total = _selected(page)
        assert state["leaflet"] and state["hot"] > 0 and state["drawn"] > 100
        assert state["total"] == total, "the cells drawn must hold every selected incident"
        page.screenshot(path=str(ARTIFACTS / "map_all_incidents.png"), full_page=True)

        # Change a filter: only robberies. The map updates in place: same iframe, same Leaflet.
        frame.evaluate("() => { window.hsTestSameMap = true; }")
        page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first.click()
        page.keyboard.type("Robbery")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        page.wait_for_function(
            "(total) => { const m = [...document.querySelectorAll('[data-testid=stMetric]')].find(e => e.innerText.includes('Incidents selected'));"
            " return m && Number(m.querySelector('[data-testid=stMetricValue]').innerText.replace(/,/g, '')) < total; }",
            arg=total,
            timeout=MAP_TIMEOUT_MS,
        )
        robberies = _selected(page)
        assert 0 < robberies < total
        frame, _ = _wait_for_map(page, lambda s: s["total"] == robberies and s["hot"] > 0)
        assert frame.evaluate("() => window.hsTestSameMap === true"), "the map was reloaded"
        assert frame.locator(".hs-legend").count() == 1
        page.screenshot(path=str(ARTIFACTS / "map_robbery.png"), full_page=True)

        # Panning and zooming stay in the browser: no rerun of the app.
        before = len(sent)
        frame.evaluate(
            "() => { const m = window.hotspotsMap; m.panBy([150, 80], {animate: false});"
            " m.setZoom(m.getZoom() + 1, {animate: false}); }"
        )
        page.wait_for_timeout(1500)  # streamlit-folium reports map moves after 250 ms
        assert [n for n in sent[before:] if n > 200] == [], "panning the map reran the app"

        # Click the strongest hot spot: its profile appears beside the map.
        target = frame.evaluate(BEST_UNIT_JS, HOT_POINT_ARG)
        box = page.query_selector("iframe[title='streamlit_folium.st_folium']").bounding_box()
        page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
        page.get_by_role("button", name="Clear selection").wait_for(timeout=MAP_TIMEOUT_MS)
        assert page.get_by_text(f"cell {target['id']}").count() > 0
        page.screenshot(path=str(ARTIFACTS / "map_profile.png"), full_page=True)

        # The other pages render in the browser too (through the sidebar's navigation).
        for link, heading in (
            ("Trends", "When crime happens"),
            ("Neighbourhoods", "Neighbourhoods"),
            ("Method", "How the numbers are made"),
            ("Data", "Data"),
        ):
            page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=link).click()
            page.get_by_role("heading", name=heading, exact=True).first.wait_for(
                timeout=MAP_TIMEOUT_MS
            )
            page.wait_for_timeout(1500)
            page.screenshot(path=str(ARTIFACTS / f"page_{link.lower()}.png"), full_page=True)
    finally:
        context.close()
    assert not blocked, f"requests to non-local hosts: {blocked[:5]}"
    assert not console_errors, f"browser console errors: {console_errors[:5]}"


def test_a_new_visitor_gets_the_map_first_then_the_whole_page(server: str, browser: Any) -> None:
    """The first paint (hotspots.dashboard.first_paint): the map is drawn, reports it, and
    the sidebar's widgets and the panels around the map follow without any action, in the
    same page and around the same map (its frame is created once)."""
    context, page, blocked, console_errors = _offline_page(browser)
    map_loads: list[str] = []  # every document the map's frame loads
    page.on("framenavigated", lambda f: map_loads.append(f.url) if "st_folium" in f.url else None)
    large: list[int] = []  # websocket messages over 100 kB (the map's is 1.4 MB)
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived", lambda data: large.append(len(data)) if len(data) > 1e5 else None
        ),
    )
    try:
        page.goto(server, wait_until="domcontentloaded")
        _wait_for_map(page, lambda s: s["hot"] > 0)
        page.get_by_role("button", name="Reset filters").wait_for(timeout=MAP_TIMEOUT_MS)
        page.get_by_text("Download what you see").wait_for(timeout=MAP_TIMEOUT_MS)
        page.get_by_text("What happens there?").wait_for(timeout=MAP_TIMEOUT_MS)
        _, state = _wait_for_map(page, lambda s: s["hot"] > 0)
        assert state["total"] == _selected(page)
        assert len(map_loads) == 1, "the map was built again"
        assert len(large) == 1, f"the map's message came {len(large)} times"
    finally:
        context.close()
    assert not blocked, f"requests to non-local hosts: {blocked[:5]}"
    assert not console_errors, f"browser console errors: {console_errors[:5]}"


def test_a_first_paint_whose_map_never_reports_is_completed(server: str, browser: Any) -> None:
    """Should the map's scripts fail (here: never delivered), the sidebar still comes."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    context.route("**/component/streamlit_folium*/**/*.js", lambda route: route.abort())
    try:
        page = context.new_page()
        started = time.monotonic()
        page.goto(server, wait_until="domcontentloaded")
        page.get_by_role("heading", name="Hotspot map").wait_for(timeout=MAP_TIMEOUT_MS)
        page.get_by_role("button", name="Reset filters").wait_for(timeout=MAP_TIMEOUT_MS)
        assert time.monotonic() - started >= first_paint.FALLBACK_S
        page.get_by_text("Download what you see").wait_for(timeout=MAP_TIMEOUT_MS)
    finally:
        context.close()


def test_map_arguments_that_arrive_while_the_map_loads_are_replayed(browser: Any) -> None:
    """streamlit-folium ignores render events until Leaflet is loaded; the base map replays the last."""
    from hotspots.dashboard import map_builder

    page = browser.new_page()
    try:
        page.set_content("<html><body></body></html>")
        page.evaluate(
            """() => {
              const events = new EventTarget();
              window.Streamlit = {events, RENDER_EVENT: "streamlit:render"};
              window.seen = [];
              events.addEventListener("streamlit:render", (e) => window.seen.push(e.detail.n));
            }"""
        )
        page.add_script_tag(content=map_builder._REPLAY_JS)
        page.evaluate(
            """() => {
              const S = window.Streamlit;
              const send = (n) => S.events.dispatchEvent(new CustomEvent(S.RENDER_EVENT, {detail: {n}}));
              send(1); send(2);              // while the map is loading: ignored by streamlit-folium
              window.map = {};                // the map exists
              window.hsReplayMissedRender();  // called by the base map: the last one again
              window.hsReplayMissedRender();  // nothing more to replay
              send(3);
              window.hsReplayMissedRender();  // arrived after the map: nothing to replay
            }"""
        )
        assert page.evaluate("() => window.seen") == [1, 2, 2, 3]
    finally:
        page.close()


def _click_unit(page: Any, kind: str) -> dict[str, Any]:
    """Click the strongest drawn unit of ``kind`` ("cell" or "area") on the map."""
    frame, _ = _wait_for_map(page, lambda s: s["drawn"] > 0)
    frame.wait_for_function(
        "(kind) => { let n = 0; hsUnitLayers(window.hotspotsMap).forEach((l) =>"
        " l.hsEach((p) => { if (p.u === kind) { n += 1; } })); return n > 0; }",
        arg=kind,
        timeout=MAP_TIMEOUT_MS,
    )
    target = frame.evaluate(BEST_UNIT_JS, [f"p.u === {kind!r} && p.c > 0 && visible", 13])
    assert target is not None, f"no {kind} drawn"
    page.wait_for_timeout(300)
    box = page.query_selector("iframe[title='streamlit_folium.st_folium']").bounding_box()
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    return dict(target)


def _sidebar_units(page: Any, label: str) -> None:
    radio = page.locator("[data-testid='stSidebar'] [data-testid='stRadio']").first
    radio.get_by_text(label, exact=True).click()


def _wait_idle(page: Any) -> None:
    """Wait until the app has finished its run (no running indicator)."""
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidget]')"
        " || !document.querySelector('[data-testid=stStatusWidget]').innerText.includes('Running')",
        timeout=MAP_TIMEOUT_MS,
    )
    page.wait_for_timeout(500)


def _assert_no_exception(page: Any) -> None:
    assert page.locator("[data-testid='stException']").count() == 0, page.locator(
        "[data-testid='stException']"
    ).first.inner_text()
    assert page.get_by_text("Something went wrong").count() == 0


def _choose_robbery(page: Any) -> None:
    page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first.click()
    page.keyboard.type("Robbery")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def test_issue_14_sequences_in_a_real_browser(server: str, browser: Any) -> None:
    """The reported traceback sequence, then Reset filters: no exception, widgets reset."""
    context, page, _blocked, _errors = _offline_page(browser)
    try:
        page.goto(server, wait_until="domcontentloaded")
        _map_frame(page)
        total = _selected(page)
        # 1. click a cell: its profile opens
        cell = _click_unit(page, "cell")
        page.get_by_role("button", name="Clear selection").wait_for(timeout=MAP_TIMEOUT_MS)
        assert page.get_by_text(f"cell {cell['id']}").count() > 0
        # 2. add the Robbery filter
        _choose_robbery(page)
        page.wait_for_function(
            "(total) => { const m = [...document.querySelectorAll('[data-testid=stMetric]')]"
            ".find(e => e.innerText.includes('Incidents selected'));"
            " return m && Number(m.querySelector('[data-testid=stMetricValue]').innerText"
            ".replace(/,/g, '')) < total; }",
            arg=total,
            timeout=MAP_TIMEOUT_MS,
        )
        _wait_idle(page)
        # 3. Units -> Neighbourhoods, 4. click a neighbourhood: its profile opens
        _sidebar_units(page, "Neighbourhoods")
        page.get_by_text("Hot spot neighbourhoods").first.wait_for(timeout=MAP_TIMEOUT_MS)
        _wait_idle(page)
        area = _click_unit(page, "area")
        page.get_by_role("heading", name=str(area["id"])).wait_for(timeout=MAP_TIMEOUT_MS)
        _assert_no_exception(page)
        # 5. Units -> Square grid: this raised "invalid literal for int()" before
        _sidebar_units(page, "Square grid")
        page.get_by_text("Hot spot cells").first.wait_for(timeout=MAP_TIMEOUT_MS)
        _wait_idle(page)
        _map_frame(page)
        _wait_idle(page)
        _assert_no_exception(page)
        page.screenshot(path=str(ARTIFACTS / "issue14_after_units_switch.png"), full_page=True)

        # Reset filters: the numbers and the sidebar's widgets go back to the defaults.
        page.locator("[data-testid='stSidebar']").get_by_text("Sat", exact=True).click()
        _wait_idle(page)
        assert _pressed_pills(page) == ["Sat"]
        page.get_by_role("button", name="Reset filters").click()
        page.wait_for_function(
            "(total) => { const m = [...document.querySelectorAll('[data-testid=stMetric]')]"
            ".find(e => e.innerText.includes('Incidents selected'));"
            " return m && Number(m.querySelector('[data-testid=stMetricValue]').innerText"
            ".replace(/,/g, '')) === total; }",
            arg=total,
            timeout=MAP_TIMEOUT_MS,
        )
        _wait_idle(page)
        offenses = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first
        assert "Robbery" not in offenses.inner_text()
        assert _pressed_pills(page) == []
        # The next action keeps the reset state (it used to bring the old filters back).
        _sidebar_units(page, "Hexagons")
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=stCaptionContainer]')]"
            ".some(e => e.innerText.includes('Hexagons'))",
            timeout=MAP_TIMEOUT_MS,
        )
        _wait_idle(page)
        assert _selected(page) == total
        assert "Robbery" not in offenses.inner_text()
        assert _pressed_pills(page) == []
        _assert_no_exception(page)
        page.screenshot(path=str(ARTIFACTS / "issue14_after_reset.png"), full_page=True)
    finally:
        context.close()


def _pressed_pills(page: Any) -> list[str]:
    """Labels of the selected weekday pills in the sidebar."""
    pills = page.locator("[data-testid='stSidebar'] [data-testid='stButtonGroup'] button")
    return [
        pills.nth(i).inner_text()
        for i in range(pills.count())
        if "Active" in (pills.nth(i).get_attribute("data-testid") or "")
        or pills.nth(i).get_attribute("aria-checked") == "true"
        or pills.nth(i).get_attribute("aria-pressed") == "true"
    ]


PATTERN_JS = """
() => {
  const map = window.hotspotsMap;
  if (!map) { return null; }
  let drawn = 0, best = null;
  map.eachLayer((layer) => {
    const p = layer.feature && layer.feature.properties;
    if (p && p.p !== undefined) {
      drawn += 1;
      if (!best || p.h > best.p.h) { best = {layer, p}; }
    }
  });
  if (!best) { return {drawn: 0}; }
  map.fitBounds(best.layer.getBounds(), {maxZoom: 14, animate: false});
  const point = map.latLngToContainerPoint(best.layer.getBounds().getCenter());
  return {drawn, x: point.x, y: point.y, id: best.p.id, pattern: best.p.p,
          legend: !!document.querySelector('.hs-legend')};
}
"""


def test_over_time_page_in_a_real_browser(server: str, browser: Any) -> None:
    """The emerging-pattern map draws offline, with its legend; a click shows the cell's history."""
    context, page, blocked, console_errors = _offline_page(browser)
    try:
        # Through the sidebar (opening /over_time directly makes Streamlit probe
        # /over_time/_stcore/health first, a 404 in the console).
        page.goto(server, wait_until="domcontentloaded")
        _map_frame(page)
        page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Over time").click()
        page.get_by_role("heading", name="Over time", exact=True).first.wait_for(
            timeout=MAP_TIMEOUT_MS
        )
        page.wait_for_function(
            "() => document.querySelectorAll(\"iframe[title='streamlit_folium.st_folium']\").length"
            " === 1 && [...document.querySelectorAll('h3')].some(h => h.innerText.includes('getting worse'))",
            timeout=MAP_TIMEOUT_MS,
        )
        frame = _map_frame(page)
        frame.wait_for_function(
            f"({PATTERN_JS})() && ({PATTERN_JS})().drawn > 0", timeout=MAP_TIMEOUT_MS
        )
        target = frame.evaluate(PATTERN_JS)
        assert target["legend"], "the pattern legend is missing"
        assert target["pattern"].endswith("Spot")
        page.screenshot(path=str(ARTIFACTS / "over_time.png"), full_page=True)
        # The map sits low on this page: bring it fully into view first, or the browser
        # scrolls it there between mouse down and up and Leaflet sees a drag, not a click.
        handle = page.query_selector("iframe[title='streamlit_folium.st_folium']")
        handle.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        box = handle.bounding_box()
        page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
        page.get_by_text(f"Cell {target['id']}:").first.wait_for(timeout=MAP_TIMEOUT_MS)
        page.get_by_text("Knox ratio").first.wait_for(timeout=MAP_TIMEOUT_MS)
        page.screenshot(path=str(ARTIFACTS / "over_time_cell.png"), full_page=True)
    finally:
        context.close()
    assert not blocked, f"requests to non-local hosts: {blocked[:5]}"
    assert not console_errors, f"browser console errors: {console_errors[:5]}"
