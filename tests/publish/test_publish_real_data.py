"""Snapshots of real data with traps: coarse coordinates (Memphis, 3 decimals) and
projected input with withheld 0/0 locations (Vancouver, UTM 10N)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from publish_helpers import embedded_data

from hotspots.ingest import load_boundaries, load_incidents
from hotspots.publish import Publisher, publish_snapshot

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"

pytestmark = pytest.mark.shared_data


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"shared test data not found at {path} (only present on the project's test machines)"
        )
    return path


def test_memphis_geometry_does_not_depend_on_incident_locations(tmp_path: Path) -> None:
    """3-decimal points (~100 m): the published outlines are the same whatever the incidents."""
    boundaries = load_boundaries(_need(SHARED / "memphis" / "precincts.geojson"))
    load = load_incidents(_need(SHARED / "memphis" / "robberies_2019.geojson"), quiet=True)
    publisher = Publisher(tmp_path / "publisher")
    publisher.allow(load.incidents["offense"].astype(str).unique().tolist())

    def outlines(frame: gpd.GeoDataFrame, folder: str) -> list[Any]:
        snap = publish_snapshot(
            frame,
            None,
            title="Memphis robberies 2019",
            period="2019",
            boundaries=boundaries,
            publisher=Publisher(tmp_path / folder) if folder else publisher,
            now=pd.Timestamp("2024-01-01"),
            quiet=True,
        )
        return [f["geometry"] for f in embedded_data(snap.html)["areas"]["features"]]

    Publisher(tmp_path / "other").allow(load.incidents["offense"].astype(str).unique().tolist())
    shifted = load.incidents.copy()
    shifted["geometry"] = shifted.geometry.translate(37.0, -23.0)
    assert outlines(load.incidents, "") == outlines(shifted, "other")


def test_vancouver_projected_input(tmp_path: Path) -> None:
    boundaries = load_boundaries(_need(SHARED / "vancouver" / "neighbourhoods.geojson"))
    load = load_incidents(
        _need(SHARED / "vancouver" / "crimes_2020.csv"),
        crs="EPSG:26910",
        boundaries=boundaries,
        quiet=True,
    )
    publisher = Publisher(tmp_path)
    publisher.allow(["Theft from Vehicle", "Mischief"])
    snap = publish_snapshot(
        load.incidents,
        None,
        publisher=publisher,
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
