"""Suite-wide settings: no test ever touches the user's own publisher folder."""

from __future__ import annotations

import os
import tempfile

# Publishing records releases in a ledger beside the publisher's secret; every test run gets
# its own folder (tests that need a fresh one set HOTSPOTS_PUBLISHER_DIR themselves).
os.environ["HOTSPOTS_PUBLISHER_DIR"] = tempfile.mkdtemp(prefix="hotspots-publisher-")
