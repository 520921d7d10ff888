"""Fixtures for the outreach planner tests (helpers live in outreach_helpers.py)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from outreach_helpers import random_instance


@pytest.fixture
def instance() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """45 clustered demand points in three areas and 10 candidate sites (seeded)."""
    return random_instance(11)
