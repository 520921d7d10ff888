"""Suite-wide settings: no test ever touches the user's own publisher folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Publishing records releases in a ledger beside the publisher's secret; every test run gets
# its own folder (tests that need a fresh one set HOTSPOTS_PUBLISHER_DIR themselves).
os.environ["HOTSPOTS_PUBLISHER_DIR"] = tempfile.mkdtemp(prefix="hotspots-publisher-")


#: Real open-data files of other cities (never copied into the project; see its README).
SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real open-data files in <project>/../shared/data (skip when absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA.resolve()}")
    return SHARED_DATA
