"""Published snapshot of Toronto 2021: build time, file sizes, and browser open time.

    .venv/bin/python bench/publish_speed.py [--repeat 3] [--opens 5] [--out bench/out/publish]

Prints a Markdown table (paste it into the README). Nothing here is a test. Budgets from
issue 4: the Toronto city-wide snapshot is at most 2 MB and opens in a browser in at most
2 s. Ratios are against what was measured in the same run:

1. build — ``publish_snapshot`` (aggregate, record keys by HMAC-SHA256, cell-key
   perturbation, location diversity, render HTML/PNG/JSON, audit, release-ledger check)
   on the bundled Toronto incidents, 2021, the five allow-listed groups, a fresh publisher
   folder per repetition; baseline: ``analyze`` alone on the same selection (so the ratio
   is the cost of making it publishable);
2. size — the HTML, PNG and JSON files; the HTML against the 2 MB budget;
3. open — Debian Chromium (Playwright, network blocked) opens the file from disk; the
   time is ``performance.now()`` at the page's map-ready event (from navigation start,
   so parsing the inlined Leaflet and data and drawing every polygon are included);
   median of ``--opens`` cold opens (a new browser context each), against the 2 s budget.
"""

from __future__ import annotations

import argparse
import gc
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hotspots.analysis import analyze
from hotspots.ingest import datasets, load_boundaries, load_incidents
from hotspots.publish import TORONTO, TORONTO_MCI_GROUPS, publish_snapshot
from hotspots.spatial.filters import Filters

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIZE_BUDGET = 2_000_000
OPEN_BUDGET_S = 2.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=3, help="build repetitions (best is reported)"
    )
    parser.add_argument("--opens", type=int, default=5, help="browser opens (median is reported)")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "out" / "publish"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    start = time.perf_counter()
    incidents = load_incidents(datasets.toronto_incidents_path(), quiet=True).incidents
    boundaries = load_boundaries(datasets.toronto_boundaries_path())
    load_s = time.perf_counter() - start

    kept = incidents.loc[incidents["offense"].isin(TORONTO_MCI_GROUPS)]
    filters = Filters(start="2021-01-01", end="2021-12-31")
    baseline_s = _best(
        args.repeat,
        lambda: analyze(
            kept, boundaries=boundaries, filters=filters, cell_size_m=500, lisa=False, quiet=True
        ),
    )

    snapshot: Any = None

    def build(publishers: str) -> None:
        nonlocal snapshot
        snapshot = publish_snapshot(
            incidents, args.out, title="Toronto 2021: where major crimes concentrated", period="2021",
            boundaries=boundaries, notes=TORONTO, quiet=True,
            publisher=tempfile.mkdtemp(dir=publishers),  # a new publisher each time
        )  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="hotspots-bench-publishers-") as publishers:
        build_s = _best(args.repeat, lambda: build(publishers))
    sizes = {name: len(content) for name, content in snapshot.files.items()}
    opens = _open_times(snapshot.paths["snapshot.html"], args.opens)

    html = sizes["snapshot.html"]
    rows = [
        ("Load Toronto incidents + boundaries (241k rows)", f"{load_s:.2f} s", "—"),
        ("`analyze` alone, 2021, 500 m grid (baseline)", f"{baseline_s:.2f} s", "1.0×"),
        (
            "`publish_snapshot` Toronto 2021 (incl. audit)",
            f"{build_s:.2f} s",
            f"{build_s / baseline_s:.1f}× baseline",
        ),
        ("snapshot.html size", f"{html / 1e6:.2f} MB", f"{html / SIZE_BUDGET:.0%} of 2 MB budget"),
        ("snapshot.png size", f"{sizes['snapshot.png'] / 1e3:.0f} kB", "—"),
        ("snapshot.json size", f"{sizes['snapshot.json'] / 1e3:.1f} kB", "—"),
    ]
    if opens:
        median = statistics.median(opens)
        rows.append(
            (
                f"Open in Chromium to map ready (median of {len(opens)})",
                f"{median:.2f} s",
                f"{median / OPEN_BUDGET_S:.0%} of 2 s budget",
            )
        )
    else:
        rows.append(("Open in Chromium to map ready", "skipped (no /usr/bin/chromium)", "—"))
    print("| Toronto 2021 snapshot | measured | ratio |")
    print("|---|---|---|")
    for row in rows:
        print(f"| {row[0]} | {row[1]} | {row[2]} |")
    print(f"\nFiles in {args.out}")
    ok = html <= SIZE_BUDGET and (not opens or statistics.median(opens) <= OPEN_BUDGET_S)
    return 0 if ok else 1


def _best(repeat: int, func: Any) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def _open_times(path: Path, opens: int) -> list[float]:
    if not Path(CHROMIUM).exists():
        return []
    from playwright.sync_api import sync_playwright

    own = path.resolve().as_uri()
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(opens):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.route("**/*", lambda r: r.continue_() if r.request.url == own else r.abort())
            page = context.new_page()
            page.goto(own)
            page.wait_for_selector("body[data-map-ready=true]", timeout=30_000)
            times.append(float(page.evaluate("window.snapshotReadyMs")) / 1000.0)
            context.close()
        browser.close()
    return times


if __name__ == "__main__":
    sys.exit(main())
