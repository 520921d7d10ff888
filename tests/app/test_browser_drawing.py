"""Issue 14 item 7 in a real browser: draw an area with the mouse; the map's view in the URL.

Debian's Chromium through Playwright, the app on 127.0.0.1, every other host blocked (the
drawing tools are inlined from an installed package, never a CDN). The polygon is drawn
with mouse clicks on Leaflet.draw's polygon tool; the profile's incident count must equal
the library's count for the polygon the browser reports. Then the map's zoom and centre
must be in the address bar without a rerun or a new history entry, and a new tab opened
on that URL must show the same view.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from .test_browser import (
    ARTIFACTS,
    MAP_TIMEOUT_MS,
    _assert_no_exception,
    _map_frame,
    _offline_page,
    _wait_idle,
    browser,  # noqa: F401  (fixture)
    server,  # noqa: F401  (fixture)
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Corners of the polygon to draw (latitude, longitude): downtown Toronto, clear of the map's
#: controls (legend at the bottom right) at zoom 14 around :data:`CENTRE`.
CORNERS = [(43.6440, -79.3990), (43.6480, -79.3800), (43.6600, -79.3720), (43.6620, -79.3900)]
CENTRE = (43.6530, -79.3855)


def _iframe_box(page: Any) -> dict[str, float]:
    box = page.query_selector("iframe[title='streamlit_folium.st_folium']").bounding_box()
    assert box is not None
    return dict(box)


def _panel_incidents(page: Any) -> int:
    """The "Incidents" figure of the Selected area panel (below its heading)."""
    metric = (
        page.locator("[data-testid='stMetric']")
        .filter(has_text="Incidents")
        .filter(has_not_text="selected")
        .filter(has_not_text="hot spot")
        .last.locator("[data-testid='stMetricValue']")
    )
    return int(metric.inner_text().replace(",", ""))


def test_draw_a_polygon_with_the_mouse_and_get_its_profile(server: str, browser: Any) -> None:  # noqa: F811
    from hotspots.dashboard.startup import default_view
    from hotspots.spatial.drawn import drawn_area, incidents_in_area

    context, page, blocked, console_errors = _offline_page(browser)
    sent: list[int] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda data: sent.append(len(data))))
    try:
        page.goto(server, wait_until="domcontentloaded")
        frame = _map_frame(page)
        _wait_idle(page)
        assert frame.locator(".leaflet-draw-draw-polygon").count() == 1
        assert urlparse(page.url).query == ""  # a plain visit keeps a plain URL

        # Zoom to downtown: the view goes to the URL, with no rerun and no history entry.
        history = page.evaluate("() => window.history.length")
        frame.evaluate("() => { window.hsTestSameMap = true; }")
        before = len(sent)
        frame.evaluate(
            "(c) => { window.hotspotsMap.setView(c, 14, {animate: false}); }", list(CENTRE)
        )
        page.wait_for_function(
            "() => new URLSearchParams(location.search).get('z') === '14'", timeout=10_000
        )
        page.wait_for_timeout(1500)  # streamlit-folium reports moves after 250 ms
        assert [n for n in sent[before:] if n > 200] == [], "moving the map reran the app"
        assert page.evaluate("() => window.history.length") == history
        assert frame.evaluate("() => window.hsTestSameMap === true"), "the map was rebuilt"
        query = parse_qs(urlparse(page.url).query)
        assert query["lat"] == ["43.65300"] and query["lon"] == ["-79.38550"], query

        # Draw the polygon: the tool, one click per corner, then the first corner again.
        frame.locator(".leaflet-draw-draw-polygon").click()
        box = _iframe_box(page)
        points = [
            frame.evaluate(
                "([lat, lon]) => { const p = window.hotspotsMap.latLngToContainerPoint([lat, lon]);"
                " return [p.x, p.y]; }",
                list(corner),
            )
            for corner in CORNERS
        ]
        for x, y in points:  # on the map, not on a control
            assert frame.evaluate(
                "([x, y]) => !document.elementFromPoint(x, y).closest('.leaflet-control')", [x, y]
            )
        for x, y in [*points, points[0]]:
            page.mouse.click(box["x"] + x, box["y"] + y)
            page.wait_for_timeout(250)
        page.get_by_role("heading", name="Drawn area").wait_for(timeout=MAP_TIMEOUT_MS)
        _wait_idle(page)
        _assert_no_exception(page)
        shown = _panel_incidents(page)

        drawn = frame.evaluate("() => window.drawnItems.toGeoJSON()")
        assert len(drawn["features"]) == 1
        dataset, analysis = default_view()
        area = drawn_area(drawn["features"][0], crs=dataset.incidents.crs)
        expected = len(incidents_in_area(analysis.incidents, area))
        assert expected > 100
        assert shown == expected
        assert frame.evaluate("() => window.hsTestSameMap === true"), "drawing rebuilt the map"
        page.screenshot(path=str(ARTIFACTS / "map_drawn_polygon.png"), full_page=True)

        # Back from another page the map is new: the session's area is put back on it.
        nav = page.locator("[data-testid='stSidebarNav']")
        nav.get_by_role("link", name="Trends").click()
        page.get_by_role("heading", name="When crime happens").first.wait_for(
            timeout=MAP_TIMEOUT_MS
        )
        nav.get_by_role("link", name="Map").click()
        frame = _map_frame(page)
        frame.wait_for_function(
            "() => window.drawnItems && window.drawnItems.getLayers().length === 1",
            timeout=MAP_TIMEOUT_MS,
        )
        page.get_by_role("heading", name="Drawn area").wait_for(timeout=MAP_TIMEOUT_MS)
        _wait_idle(page)

        # A circle drawn with the mouse (press, drag, release) is a buffer of its radius.
        frame.locator(".leaflet-draw-draw-circle").click()
        box = _iframe_box(page)
        x, y = points[0][0] + 120, points[0][1] - 60
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.mouse.down()
        page.mouse.move(box["x"] + x + 50, box["y"] + y, steps=8)
        page.mouse.up()
        page.get_by_role("heading", name=re.compile(r"^\d[\d,]* m around ")).wait_for(
            timeout=MAP_TIMEOUT_MS
        )
        _wait_idle(page)
        _assert_no_exception(page)
        circle = frame.evaluate("() => window.drawnItems.toGeoJSON()")["features"]
        assert len(circle) == 1 and circle[0]["properties"]["radius"] > 100
        buffer = drawn_area(circle[0], crs=dataset.incidents.crs)
        assert _panel_incidents(page) == len(incidents_in_area(analysis.incidents, buffer)) > 0

        # "Clear the area" clears the map too.
        page.get_by_role("button", name="Clear the area").click()
        frame.wait_for_function(
            "() => window.drawnItems.getLayers().length === 0", timeout=MAP_TIMEOUT_MS
        )
        page.get_by_text("Use the tools at the top left of the map").wait_for(
            timeout=MAP_TIMEOUT_MS
        )
        url = page.url

        # A new tab on the same URL opens at the same view.
        other = context.new_page()
        other.goto(url, wait_until="domcontentloaded")
        other_frame = _map_frame(other)
        view = other_frame.evaluate(
            "() => { const m = window.hotspotsMap, c = m.getCenter();"
            " return {z: m.getZoom(), lat: c.lat, lon: c.lng}; }"
        )
        assert view["z"] == 14
        assert view["lat"] == pytest.approx(43.6530, abs=1e-4)
        assert view["lon"] == pytest.approx(-79.3855, abs=1e-4)
        other.close()
    finally:
        context.close()
    assert not blocked, f"requests to non-local hosts: {blocked[:5]}"
    assert not console_errors, f"browser console errors: {console_errors[:5]}"
