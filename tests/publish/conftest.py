"""Fixtures of the publication tests (data built in publish_helpers.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pytest
from publish_helpers import NOW, boundaries_frame, incidents_frame

from hotspots.publish import PublicationRules, Snapshot, publish_snapshot


@pytest.fixture(scope="session")
def incidents() -> gpd.GeoDataFrame:
    return incidents_frame()


@pytest.fixture(scope="session")
def boundaries() -> gpd.GeoDataFrame:
    return boundaries_frame()


@pytest.fixture(scope="session")
def make_snapshot(
    incidents: gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame,
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., Snapshot]:
    def make(**options: Any) -> Snapshot:
        kwargs: dict[str, Any] = {
            "title": "Test City 2021",
            "period": "2021-01..2021-12",
            "boundaries": boundaries,
            "now": NOW,
            "quiet": True,
        }
        kwargs["publisher"] = str(tmp_path_factory.mktemp("publisher"))
        kwargs.update(options)
        frame = kwargs.pop("incidents", incidents)
        out_dir = kwargs.pop("out_dir", None)
        return publish_snapshot(frame, out_dir, **kwargs)

    return make


@pytest.fixture(scope="session")
def snapshot(make_snapshot: Callable[..., Snapshot]) -> Snapshot:
    return make_snapshot()


@pytest.fixture(scope="session")
def rules() -> PublicationRules:
    return PublicationRules()
