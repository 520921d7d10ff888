"""Shared fixtures of the app tests (AppTest in-process, and the real-browser test).

Streamlit quirk handled here: ``AppTest`` re-detects the ``pages/`` folder before every
run and then runs the requested page *without* ``app.py`` (Streamlit's legacy multipage
mode), so the shared sidebar would vanish after the first run. The app uses
``st.navigation``, which switches that mode off in a real server after its first run; the
``_navigation_mode`` fixture does the same for AppTest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
SHARED_DATA = ROOT / ".." / "shared" / "data"
#: Seconds AppTest waits for one run (the first run loads 241,000 incidents).
RUN_TIMEOUT_S = 90


@pytest.fixture(autouse=True)
def _navigation_mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    yield


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """A fresh AppTest of app.py, run once (the Map page), with no basemap."""
    monkeypatch.setenv("HOTSPOTS_TILES_URL", "none")
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_S)
    at.run()
    return at


@pytest.fixture
def shared_data() -> Path:
    """The real open-data files in <project>/../shared/data (skip when absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA.resolve()}")
    return SHARED_DATA
