"""The ingest stage on every real open-data file in <project>/../shared/data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pyproj import CRS

from hotspots.errors import CRSError
from hotspots.ingest import LoadResult, load_boundaries, load_incidents

pytestmark = pytest.mark.shared_data

NOW = pd.Timestamp("2024-06-01", tz="UTC")


def _adds_up(result: LoadResult, rows: int) -> None:
    assert result.rows_read == rows
    assert len(result.incidents) + len(result.rejects) == rows
    assert result.incidents["source_row"].is_unique


def test_chicago_assaults(shared_data: Path) -> None:
    result = load_incidents(
        shared_data / "chicago" / "aggravated_assaults_2010_2019.csv.gz", now=NOW, quiet=True
    )
    _adds_up(result, 148_636)
    assert result.timezone == "America/Chicago"
    assert result.time_resolution == "minute"
    assert result.metric_crs == CRS.from_epsg(32616)
    assert result.mapping.premises == "loc_cat"  # the location category, not an offense
    assert (result.incidents["offense"] == "All incidents").all()
    assert result.incidents["neighbourhood"].notna().mean() > 0.99  # police district
    occurred = result.incidents["occurred_at"]
    assert occurred.min().year == 2010 and occurred.max().year == 2019


def test_chicago_police_districts_kml(shared_data: Path) -> None:
    districts = load_boundaries(shared_data / "chicago" / "police_districts.kml")
    # 25 placemarks; district 31 (the airports) comes in three parts, dissolved into one unit.
    assert len(districts) == 23
    assert districts["name"].is_unique
    assert "31" in set(districts["name"])
    assert set(districts.geom_type) <= {"Polygon", "MultiPolygon"}
    assert districts.crs.to_epsg() == 4326


def test_vancouver_needs_its_crs(shared_data: Path) -> None:
    path = shared_data / "vancouver" / "crimes_2020.csv"
    with pytest.raises(CRSError, match=r"look projected.*X=.*crs='EPSG:26910'"):
        load_incidents(path, now=NOW, quiet=True)
    result = load_incidents(path, crs="EPSG:26910", now=NOW, quiet=True)
    _adds_up(result, 37_512)
    assert result.source_crs == "EPSG:26910"
    assert result.timezone == "America/Vancouver"
    assert result.time_resolution == "minute"
    assert (result.mapping.year, result.mapping.minute) == ("YEAR", "MINUTE")
    counts = result.reject_counts()
    assert counts["withheld location (0/0)"] > 3000
    withheld = result.rejects[result.rejects["reason"] == "withheld location (0/0)"]
    assert (withheld["X"].astype(float) == 0).all()
    first = result.incidents.iloc[0]
    assert first["occurred_at"] == pd.Timestamp("2020-06-19 03:40", tz="America/Vancouver")
    assert first["offense"] == "Break and Enter Commercial"
    assert first["neighbourhood"] == "West End"
    assert (result.incidents["occurred_at"].dt.year == 2020).all()


def test_vancouver_neighbourhoods(shared_data: Path) -> None:
    units = load_boundaries(shared_data / "vancouver" / "neighbourhoods.geojson")
    assert len(units) == 22
    assert units["name"].is_unique


def test_memphis_robberies_and_precincts(shared_data: Path) -> None:
    path = shared_data / "memphis" / "robberies_2019.geojson"
    result = load_incidents(path, now=NOW, quiet=True)
    _adds_up(result, 2_245)
    assert len(result.incidents) == 2_245
    assert result.mapping.id == "uid"
    assert result.source_crs == "EPSG:4326"
    assert result.timezone == "America/Chicago"
    assert set(result.incidents["offense"]) == {"personal robbery"}

    precincts = load_boundaries(shared_data / "memphis" / "precincts.geojson")
    assert len(precincts) == 9
    bounded = load_incidents(path, boundaries=precincts, now=NOW, quiet=True)
    _adds_up(bounded, 2_245)
    outside = bounded.reject_counts().get("outside study boundary", 0)
    assert 0 < outside < 200  # points rounded to ~100 m fall just outside the precincts


def test_nottingham_burglary_and_wards(shared_data: Path) -> None:
    result = load_incidents(shared_data / "nottingham" / "burglary.csv.gz", now=NOW, quiet=True)
    _adds_up(result, 1_795)
    assert result.time_resolution == "month"
    assert result.timezone == "Europe/London"
    assert (result.incidents["offense"] == "All incidents").all()
    assert (result.incidents["occurred_at"].dt.day == 1).all()
    wards = load_boundaries(shared_data / "nottingham" / "wards.gpkg")
    assert len(wards) == 20
    assert wards["name"].is_unique
    bounded = load_incidents(
        shared_data / "nottingham" / "burglary.csv.gz", boundaries=wards, now=NOW, quiet=True
    )
    _adds_up(bounded, 1_795)


def test_toronto_neighbourhoods(shared_data: Path) -> None:
    units = load_boundaries(shared_data / "toronto" / "neighbourhoods_140.geojson")
    assert len(units) == 140
    assert units["name"].is_unique
    assert units["population"].notna().all()
    assert units["population"].sum() == pytest.approx(2.7e6, rel=0.1)
