"""Snapshots of real data with traps: coarse coordinates (Memphis, 3 decimals) and
projected input with withheld 0/0 locations (Vancouver, UTM 10N)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from publish_helpers import embedded_data

from hotspots.ingest import load_boundaries, load_incidents
from hotspots.publish import publish_snapshot
from hotspots.publish.geometry import exposure_keys
from hotspots.spatial.projection import to_display

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"

pytestmark = pytest.mark.shared_data


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"shared test data not found at {path} (only present on the project's test machines)"
        )
    return path


def test_memphis_coarse_coordinates() -> None:
    """3-decimal points (~100 m): vertices that fall in an incident's 0.001° cell are moved."""
    boundaries = load_boundaries(_need(SHARED / "memphis" / "precincts.geojson"))
    load = load_incidents(_need(SHARED / "memphis" / "robberies_2019.geojson"), quiet=True)
    snap = publish_snapshot(
        load.incidents,
        None,
        title="Memphis robberies 2019",
        period="2019",
        boundaries=boundaries,
        now=pd.Timestamp("2024-01-01"),
        quiet=True,
    )
    assert snap.audit.lonlat_decimals == 3
    assert snap.suppression.vertices_moved > 0
    data = embedded_data(snap.html)
    points = shapely.get_coordinates(to_display(load.incidents).geometry.values)
    incident_keys = np.unique(exposure_keys(points[:, 0], points[:, 1], 3))
    for layer in (data["areas"], data["grid"]["cells"]):
        for feature in layer["features"]:
            ring = np.array(
                feature["geometry"]["coordinates"][0]
                if feature["geometry"]["type"] == "Polygon"
                else feature["geometry"]["coordinates"][0][0]
            )
            assert not np.isin(exposure_keys(ring[:, 0], ring[:, 1], 3), incident_keys).any()


def test_vancouver_projected_input() -> None:
    boundaries = load_boundaries(_need(SHARED / "vancouver" / "neighbourhoods.geojson"))
    load = load_incidents(
        _need(SHARED / "vancouver" / "crimes_2020.csv"),
        crs="EPSG:26910",
        boundaries=boundaries,
        quiet=True,
    )
    snap = publish_snapshot(
        load.incidents,
        None,
        title="Vancouver 2020",
        period="2020",
        boundaries=boundaries,
        now=pd.Timestamp("2024-01-01"),
        quiet=True,
    )
    html = snap.html
    # The source's hundred-block addresses never reach the incidents, let alone the page.
    assert "XX " not in html.split('<script id="leaflet-js">')[0]
    assert len(embedded_data(html)["areas"]["features"]) == 22
