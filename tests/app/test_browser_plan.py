"""The Plan outreach page in real Chromium (issue 14 item 5): the plan map draws its numbered
sites offline, switching to hot-spot cell candidates swaps the sites inside the same map (no
reload), and the sites table says where each site is. The app on 127.0.0.1 (see
test_browser); the switch time is printed, never asserted (bench/outreach_page_speed.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.app.test_browser import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    MAP_TIMEOUT_MS,
    _offline_page,
    browser,
    server,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IFRAME = "iframe[title='streamlit_folium.st_folium']"
SITES_JS = "() => Array.from(document.querySelectorAll('.hs-site')).map((e) => e.textContent)"


def _sites_on_map(page: Any) -> tuple[Any, list[str]]:
    frame = page.query_selector(IFRAME).content_frame()
    frame.wait_for_selector(".hs-site", timeout=MAP_TIMEOUT_MS)
    return frame, frame.evaluate(SITES_JS)


def test_plan_map_sites_and_the_hot_spot_switch(server: str, browser: Any) -> None:  # noqa: F811
    context, page, blocked, console_errors = _offline_page(browser)
    try:
        # From the front page through the navigation (a deep link makes Streamlit probe
        # /plan_outreach/_stcore/..., two 404s of its own).
        page.goto(server, wait_until="domcontentloaded")
        page.get_by_role("link", name="Plan outreach").click(timeout=MAP_TIMEOUT_MS)
        page.get_by_text("Demand covered").first.wait_for(timeout=MAP_TIMEOUT_MS)
        page.wait_for_selector(IFRAME, timeout=MAP_TIMEOUT_MS)
        frame, ranks = _sites_on_map(page)
        assert ranks and ranks == [str(i) for i in range(1, len(ranks) + 1)]
        page.get_by_text("premises", exact=False).first.wait_for(timeout=MAP_TIMEOUT_MS)
        frame.evaluate("() => { window.hsTestSameMap = true; }")
        started = time.perf_counter()
        page.get_by_text("Hot spot cell centres").first.click()
        page.get_by_text("hot spot cell centres (").first.wait_for(timeout=MAP_TIMEOUT_MS)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
            timeout=MAP_TIMEOUT_MS,
        )
        print(f"switch to hot-spot candidates: {time.perf_counter() - started:.2f} s wall")
        frame, after = _sites_on_map(page)
        # The same map: its layers were swapped, the iframe was not reloaded.
        assert frame.evaluate("() => window.hsTestSameMap === true"), "the map was reloaded"
        assert after and after == [str(i) for i in range(1, len(after) + 1)]
        page.screenshot(path=str(ARTIFACTS / "issue14_plan_outreach.png"), full_page=True)
    finally:
        context.close()
    assert not blocked, blocked
    assert not console_errors, console_errors
