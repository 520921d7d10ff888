"""A real Chromium opens the snapshot from disk with the network blocked.

Debian's ``/usr/bin/chromium`` driven by Playwright (never a Playwright browser download; the
Makefile's ``system-deps`` installs it). Every request is routed: anything other than
the file itself fails the test. The screenshot goes to ``test-artifacts/publish/``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from publish_helpers import artifacts_dir

from hotspots.publish import Snapshot

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian Chromium is not installed at /usr/bin/chromium (make system-deps installs it)"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def open_offline(
    browser: Any,
    html_path: Path,
    *,
    viewport: tuple[int, int] = (1400, 1000),
    ready: str = "body[data-map-ready=true]",
) -> tuple[Any, Any, list[str], list[str]]:
    """Open ``html_path`` with every request routed; return (context, page, requests, errors)."""
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, service_workers="block"
    )
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    own = html_path.resolve().as_uri()

    def route(r: Any) -> None:
        requests.append(r.request.url)
        if r.request.url == own:
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(own)
    page.wait_for_selector(ready, timeout=15_000)
    return context, page, requests, errors


def test_snapshot_renders_offline(
    browser: Any, make_snapshot: Callable[..., Snapshot], tmp_path: Path
) -> None:
    snap = make_snapshot(out_dir=tmp_path)
    context, page, requests, errors = open_offline(browser, snap.paths["snapshot.html"])
    try:
        assert requests == [snap.paths["snapshot.html"].resolve().as_uri()], requests
        assert errors == []
        assert page.locator("#map.leaflet-container").count() == 1
        # 6 neighbourhoods + the hot-spot cells, each an SVG path.
        n_cells = snap.metadata["published"]["hot_spot_cells"]
        assert page.locator("#map svg path.leaflet-interactive").count() == 6 + n_cells
        legend = page.locator("#legend")
        assert legend.is_visible() and "Hot spot, 99% confidence" in legend.inner_text()
        # The <script>/<img onerror> neighbourhood name stayed text.
        assert page.evaluate("window.__xss") is None
        assert (
            page.get_by_text(
                '<script>window.__xss = 1</script><img src=x onerror="window.__xss=2">', exact=True
            ).count()
            == 1
        )
        # Toggling the hot-spot layer removes its paths.
        page.uncheck("#toggle-cells")
        assert page.locator("#map svg path.leaflet-interactive").count() == 6
        page.check("#toggle-cells")
        page.screenshot(path=str(artifacts_dir() / "snapshot-test-city.png"), full_page=True)
    finally:
        context.close()


def test_content_security_policy_blocks_requests(
    browser: Any, make_snapshot: Callable[..., Snapshot], tmp_path: Path
) -> None:
    """Even a script that tried to fetch would be stopped by the page's own policy."""
    snap = make_snapshot(out_dir=tmp_path)
    context, page, requests, _ = open_offline(browser, snap.paths["snapshot.html"])
    try:
        outcome = page.evaluate(
            "fetch('https://example.org/x').then(() => 'sent', () => 'blocked')"
        )
        assert outcome == "blocked"
        assert requests == [snap.paths["snapshot.html"].resolve().as_uri()]
    finally:
        context.close()


@pytest.mark.slow
def test_toronto_snapshot_screenshot(browser: Any, tmp_path: Path) -> None:
    """The partner-ready Toronto 2021 snapshot renders offline; its screenshot is saved."""
    from hotspots.errors import InputError
    from hotspots.ingest import datasets, load_boundaries, load_incidents
    from hotspots.publish import TORONTO, publish_snapshot

    try:
        incidents = load_incidents(datasets.toronto_incidents_path(), quiet=True).incidents
        boundaries = load_boundaries(datasets.toronto_boundaries_path())
    except InputError as exc:  # pragma: no cover - no bundled data
        pytest.skip(f"bundled Toronto data not available: {exc}")
    snap = publish_snapshot(
        incidents,
        tmp_path,
        title="Toronto 2021",
        period="2021-01..2021-12",
        boundaries=boundaries,
        notes=TORONTO,
        quiet=True,
    )
    context, page, requests, errors = open_offline(browser, snap.paths["snapshot.html"])
    try:
        assert len(requests) == 1 and errors == []
        assert (
            page.locator("#map svg path.leaflet-interactive").count()
            == 140 + snap.metadata["published"]["hot_spot_cells"]
        )
        page.screenshot(path=str(artifacts_dir() / "snapshot-toronto-2021.png"))
        page.screenshot(
            path=str(artifacts_dir() / "snapshot-toronto-2021-full.png"), full_page=True
        )
    finally:
        context.close()


def test_archive_index_works_offline(
    browser: Any, make_snapshot: Callable[..., Snapshot], tmp_path: Path
) -> None:
    """Two monthly snapshots in an archive: cards with thumbnails, the month-over-month
    table from published values, and the "find my neighbourhood" box, all offline."""
    from hotspots.publish.archive import add_to_archive

    archive = tmp_path / "archive"
    snaps = [
        make_snapshot(period=month, publisher=tmp_path / "publisher", title=f"Test City {month}")
        for month in ("2021-01", "2021-02")
    ]
    for snap in snaps:
        index = add_to_archive(archive, snap)
    context, page, requests, errors = open_offline(browser, index, ready="body[data-ready=true]")
    try:
        assert requests == [index.resolve().as_uri()] and errors == []
        cards = page.locator("li.card")
        assert cards.count() == 2
        assert "February 2021" in cards.nth(0).inner_text()  # newest first
        assert page.locator("li.card img.thumb").count() == 2
        assert page.evaluate(
            "Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
        )
        caption = page.locator("table.mom caption").inner_text()
        assert "January 2021 → February 2021" in caption
        page.fill("#find", "alp")
        found = page.locator("#found").inner_text()
        assert "Alpha" in found and "January 2021" in found and "February 2021" in found
        visible = page.locator("table.mom tbody tr:not(.off)")
        assert visible.count() == 1 and "Alpha" in visible.inner_text()
        # Links go to the snapshots in the archive (not followed: no request).
        hrefs = page.eval_on_selector_all("li.card a", "as => as.map(a => a.getAttribute('href'))")
        assert sorted(hrefs) == ["2021-01-all/snapshot.html", "2021-02-all/snapshot.html"]
        page.screenshot(path=str(artifacts_dir() / "archive-index.png"), full_page=True)
    finally:
        context.close()
