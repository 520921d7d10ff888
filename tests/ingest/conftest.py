"""Shared helpers for the ingest tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"

# A fixed "now" so that no test depends on the wall clock.
NOW = pd.Timestamp("2024-06-01 12:00", tz="UTC")


@pytest.fixture
def shared_data() -> Path:
    """The real open-data files in <project>/../shared/data (skip when absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA.resolve()}")
    return SHARED_DATA


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write text (UTF-8 unless ``encoding=``) or bytes to a file in tmp_path."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode(encoding))
        return path

    return _write


@pytest.fixture
def now() -> pd.Timestamp:
    """A fixed "now" so that no test depends on the wall clock."""
    return NOW


@pytest.fixture
def small_csv() -> Callable[[int], str]:
    """Build a valid lat/lon/date/offense/id CSV of ``rows`` rows around downtown Toronto."""

    def _csv(rows: int = 5) -> str:
        lines = ["lat,lon,date,offense,id"]
        for i in range(rows):
            lines.append(f"43.65{i},-79.38{i},2019-01-0{i % 9 + 1} 13:4{i % 10},Assault,E{i}")
        return "\n".join(lines) + "\n"

    return _csv
