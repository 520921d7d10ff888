"""Shared fixtures of the app tests (AppTest in-process, and the real-browser test)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
SHARED_DATA = ROOT / ".." / "shared" / "data"
#: Seconds AppTest waits for one run (the first run loads 241,000 incidents).
RUN_TIMEOUT_S = 90


def first_visit(at: AppTest) -> AppTest:
    """Run ``at`` as a new browser session gets it: the first paint, then the run the drawn
    map asks for (:mod:`hotspots.dashboard.first_paint`), which draws the whole page."""
    at.run()
    at.run()
    return at


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """A fresh AppTest of app.py as a new visitor's page (the Map page), with no basemap."""
    monkeypatch.setenv("HOTSPOTS_TILES_URL", "none")
    return first_visit(AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_S))


@pytest.fixture
def shared_data() -> Path:
    """The real open-data files in <project>/../shared/data (skip when absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA.resolve()}")
    return SHARED_DATA
