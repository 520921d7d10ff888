"""Suite-wide settings: no test ever touches the user's own publisher folder."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# One scratch folder per test process, removed when it exits (runs used to leave ~50
# publisher folders each in /tmp); tests that need a folder of their own outside pytest's
# tmp_path make it in $HOTSPOTS_TEST_SCRATCH.
SCRATCH = tempfile.mkdtemp(prefix="hotspots-tests-")
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)
os.environ["HOTSPOTS_TEST_SCRATCH"] = SCRATCH

# Publishing records releases in a ledger beside the publisher's secret; every test run gets
# its own folder (tests that need a fresh one set HOTSPOTS_PUBLISHER_DIR themselves).
os.environ["HOTSPOTS_PUBLISHER_DIR"] = os.path.join(SCRATCH, "publisher")


#: Real open-data files of other cities (never copied into the project; see its README).
SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real open-data files in <project>/../shared/data (skip when absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA.resolve()}")
    return SHARED_DATA
