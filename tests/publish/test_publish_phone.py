"""Issue 14: a published snapshot fits a 390 px phone screen (tables included)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_publish_browser import browser, open_offline  # noqa: F401  (the module's fixture)

from hotspots.publish import Snapshot

pytestmark = pytest.mark.browser

PHONE = (390, 844)

OVERFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('table.data, .panel, section')]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5)
    .map((el) => el.tagName + '.' + el.className);
  return {width, scroll: document.documentElement.scrollWidth, wide};
}
"""


def test_snapshot_tables_fit_a_phone(
    browser: Any,  # noqa: F811
    make_snapshot: Callable[..., Snapshot],
    tmp_path: Path,
) -> None:
    snap = make_snapshot(out_dir=tmp_path)
    context, page, _requests, errors = open_offline(
        browser, snap.paths["snapshot.html"], viewport=PHONE
    )
    try:
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        state = page.evaluate(OVERFLOW_JS)
        assert page.locator("table.data").count() >= 2
        assert state["wide"] == [], state
        assert state["scroll"] <= state["width"], state
        assert errors == []
    finally:
        context.close()
