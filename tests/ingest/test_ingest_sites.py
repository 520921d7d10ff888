"""Reading a file of candidate outreach sites: columns, names, rejects, CRS and messages."""

from __future__ import annotations

import io
import logging

import geopandas as gpd
import pytest
import shapely

from hotspots.errors import ColumnError, CRSError, EmptyDataError
from hotspots.ingest.sites import load_sites


def test_load_sites_from_a_csv_of_partners(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "partners.csv"  # type: ignore[operator]
    path.write_text(
        "Organisation,Type,Latitude,Longitude\n"
        "Moss Park Community Centre,community centre,43.6545,-79.3680\n"
        "St. Anne's,place of worship,43.6480,-79.4270\n"
        ",school,43.7000,-79.4000\n"
    )
    sites = load_sites(path)
    assert list(sites.columns) == ["name", "source_row", "geometry"]
    assert sites["name"].tolist() == ["Moss Park Community Centre", "St. Anne's", "Site 3"]
    assert sites["source_row"].tolist() == [1, 2, 3]
    assert sites.crs.to_epsg() == 32617
    back = sites.to_crs(4326)
    assert back.geometry.y.iloc[0] == pytest.approx(43.6545, abs=1e-7)
    assert sites.attrs["rejects"].empty
    named = load_sites(path, name="Type")
    assert named["name"].iloc[0] == "community centre"


def test_load_sites_leaves_out_bad_rows_with_a_report(
    tmp_path: pytest.TempPathFactory, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "partners.csv"  # type: ignore[operator]
    path.write_text("name,lat,lon\nA,43.65,-79.38\nB,,-79.40\nC,abc,-79.41\nD,0,0\n")
    with caplog.at_level(logging.WARNING):
        sites = load_sites(path)
    assert sites["name"].tolist() == ["A"]
    rejects = sites.attrs["rejects"]
    assert rejects["source_row"].tolist() == [2, 3, 4]
    assert rejects["reason"].tolist() == [
        "missing coordinate",
        "non-numeric coordinate",
        "withheld location (0/0)",
    ]
    assert "3 of 4 candidate sites" in caplog.text
    bad = tmp_path / "bad.csv"  # type: ignore[operator]
    bad.write_text("name,lat,lon\nA,,\nB,x,y\n")
    with pytest.raises(EmptyDataError, match="None of the 2 rows"):
        load_sites(bad)


def test_load_sites_projected_needs_a_crs(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "sites.csv"  # type: ignore[operator]
    path.write_text("site,x,y\nHall,630000.5,4835000.5\nSchool,631000,4836000\n")
    with pytest.raises(
        CRSError, match=r"Candidate sites 'sites.csv': .*look projected.*crs='EPSG:26910'"
    ):
        load_sites(path)
    sites = load_sites(path, crs="EPSG:32617")
    assert sites["name"].tolist() == ["Hall", "School"]
    assert sites.geometry.x.iloc[0] == pytest.approx(630000.5, abs=1e-6)


def test_load_sites_without_coordinates(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "sites.csv"  # type: ignore[operator]
    path.write_text("name,address\nHall,1 Main St\n")
    with pytest.raises(ColumnError, match=r"have no coordinates.*'name', 'address'"):
        load_sites(path)
    with pytest.raises(ColumnError, match="name='Title' is not a column"):
        load_sites(io.BytesIO(b"name,lat,lon\nA,43.6,-79.4\n"), filename="s.csv", name="Title")


def test_load_sites_from_geojson_upload() -> None:
    frame = gpd.GeoDataFrame(
        {"site_name": ["A", "B"]},
        geometry=shapely.points([[-79.38, 43.65], [-79.40, 43.66]]),
        crs=4326,
    )
    data = frame.to_json().encode()
    sites = load_sites(io.BytesIO(data), filename="partners.geojson")
    assert sites["name"].tolist() == ["A", "B"]
    assert sites.crs.is_projected


def test_site_messages_name_the_sites_options(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "sites.csv"  # type: ignore[operator]
    path.write_text("site,x,y\nHall,630000.5,4835000.5\n")
    with pytest.raises(CRSError) as info:
        load_sites(path)
    assert "--candidates-crs (or --existing-crs) EPSG:26910" in info.value.render("cli")
    assert "--crs " not in info.value.render("cli")
    none = tmp_path / "none.csv"  # type: ignore[operator]
    none.write_text("name,address\nHall,1 Main St\n")
    with pytest.raises(ColumnError) as no_coordinates:
        load_sites(none)
    assert "columns={'lat': ..., 'lon': ...}" in str(no_coordinates.value)
    assert "columns=" not in no_coordinates.value.render("cli")
