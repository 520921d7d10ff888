"""``streamlit run serve.py`` (``make app``): the first page is ready when the server answers.

The server warms up in its start-up (:mod:`hotspots.dashboard.warmup`); this checks, in
Debian's Chromium, that the app it serves works — the map component loads (it registers
only inside a script run, so the warm-up must not import it), cells are drawn and add up
to the selected incidents — and that the warm-up filled the caches the page reads.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    _free_port,
    _offline_page,
    _selected,
    _wait_for_map,
)

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_serve_py_answers_with_the_first_page_ready(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found; install Debian's chromium (make system-deps)")
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {
        **os.environ,
        "HOTSPOTS_TILES_URL": "none",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"),
             "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--logger.level", "info"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"serve.py did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
        started = log.read_text()
        assert "Default view ready" in started  # before the server answered
        assert re.search(r"TCP_NODELAY set on [1-9]\d* listening socket", started), started
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                context, page, blocked, console_errors = _offline_page(browser)
                page.goto(url)
                _, state = _wait_for_map(page, lambda s: s["hot"] > 0)
                assert state["total"] == _selected(page)
                context.close()
            finally:
                browser.close()
        assert not blocked, blocked[:5]
        assert not console_errors, console_errors[:5]

    finally:
        process.terminate()
        process.wait(timeout=20)
