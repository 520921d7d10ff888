"""The Map page's headline figures fit their boxes at a 1,400 px window (issue 14): "157 of
16,276" as one metric value was cut off to "157 of 15,…"; the count is now the value and
"of N cells" the line beneath it. Real Chromium, the app on 127.0.0.1 (see test_browser)."""

from __future__ import annotations

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

CUT_OFF_JS = """
() => Array.from(document.querySelectorAll('[data-testid="stMetric"]')).map((metric) => {
  const parts = Array.from(metric.querySelectorAll('[data-testid="stMetricValue"] *, [data-testid="stMetricDelta"] *, [data-testid="stMetricValue"], [data-testid="stMetricDelta"]'));
  return {
    text: metric.innerText.replace(/\\s+/g, ' '),
    cut: parts.some((el) => el.scrollWidth > el.clientWidth + 1),
  };
})
"""


def test_map_headline_figures_are_not_cut_off_at_1400_px(server: str, browser: Any) -> None:  # noqa: F811
    context, page, blocked, _ = _offline_page(browser)
    try:
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(server, wait_until="domcontentloaded")
        page.get_by_text("Hot spot cells").first.wait_for(timeout=MAP_TIMEOUT_MS)
        page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=\"stMetric\"]').length >= 4",
            timeout=MAP_TIMEOUT_MS,
        )
        metrics = page.evaluate(CUT_OFF_JS)
        page.screenshot(path=str(ARTIFACTS / "issue14_map_metrics_1400.png"))
    finally:
        context.close()
    assert not [m["text"] for m in metrics if m["cut"]], metrics
    hot = next(m for m in metrics if m["text"].startswith("Hot spot cells"))
    assert " of " in hot["text"] and "cells" in hot["text"][len("Hot spot cells") :]
    assert not blocked
