"""Tests for hotspots.ingest.boundaries.load_boundaries."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspots.errors import ColumnError, CRSError, InputError
from hotspots.ingest import load_boundaries


def _units(**columns: list[object]) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    squares = [shapely.box(i, 0, i + 1, 1) for i in range(n)]
    return gpd.GeoDataFrame(columns, geometry=squares, crs="EPSG:4326")


def test_columns_are_exactly_name_population_geometry(tmp_path: Path) -> None:
    path = tmp_path / "wards.geojson"
    _units(WARD_NAME=["A", "B"], Pop_Total=["1,200", "300"], other=[1, 2]).to_file(path)
    units = load_boundaries(path)
    assert list(units.columns) == ["name", "population", "geometry"]
    assert units["name"].tolist() == ["A", "B"]
    assert units["population"].tolist() == [1200.0, 300.0]
    assert units.crs is not None and units.crs.to_epsg() == 4326
    assert "unit names from column 'WARD_NAME'" in units.attrs["notes"]


def test_explicit_columns_and_missing_ones() -> None:
    frame = _units(label=["x", "y"], residents=[5, 6], code=["c1", "c2"])
    units = load_boundaries(frame, name="code", population="residents")
    assert units["name"].tolist() == ["c1", "c2"]
    assert units["population"].tolist() == [5.0, 6.0]
    with pytest.raises(ColumnError, match=r"name='nom'.*'label', 'residents', 'code'"):
        load_boundaries(frame, name="nom")
    with pytest.raises(ColumnError, match="population='people'"):
        load_boundaries(frame, population="people")


def test_without_a_name_column_units_are_numbered() -> None:
    units = load_boundaries(_units(code=[1, 2, 3]))
    assert units["name"].tolist() == ["Unit 1", "Unit 2", "Unit 3"]
    assert units["population"].isna().all()


def test_missing_names_are_numbered_by_row() -> None:
    units = load_boundaries(_units(name=["A", None, " "]))
    assert units["name"].tolist() == ["A", "Unit 2", "Unit 3"]


def test_same_name_parts_are_dissolved() -> None:
    frame = _units(name=["31", "17", "31"], population=[100, 50, 100])
    units = load_boundaries(frame)
    assert units["name"].tolist() == ["31", "17"]
    assert units.geometry.iloc[0].geom_type == "MultiPolygon"
    assert units.geometry.iloc[0].area == pytest.approx(2.0)
    assert units["population"].tolist() == [100.0, 50.0]  # a value repeated per part is kept once
    split = load_boundaries(_units(name=["A", "A"], population=[10, 20]))
    assert split["population"].tolist() == [30.0]
    assert any("dissolved 2 parts" in note for note in split.attrs["notes"])


def test_invalid_3d_and_collection_geometries_are_cleaned() -> None:
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    collection = shapely.GeometryCollection(
        [shapely.box(5, 5, 6, 6), shapely.LineString([(0, 0), (1, 1)])]
    )
    raised = shapely.force_3d(shapely.box(10, 10, 11, 11), 50)
    frame = gpd.GeoDataFrame(
        {"name": ["bow", "gc", "z", "line", "none"]},
        geometry=[bowtie, collection, raised, shapely.LineString([(0, 0), (2, 2)]), None],
        crs="EPSG:4326",
    )
    units = load_boundaries(frame)
    assert units["name"].tolist() == ["bow", "gc", "z"]
    assert units.is_valid.all()
    assert set(units.geom_type) <= {"Polygon", "MultiPolygon"}
    assert not units.has_z.any()
    assert units.geometry.iloc[0].area == pytest.approx(0.5)
    assert any("dropped 2 rows" in note for note in units.attrs["notes"])


def test_no_polygons_is_an_input_error() -> None:
    points = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(0, 0)], crs=4326)
    with pytest.raises(InputError, match=r"no polygons.*Point"):
        load_boundaries(points)


def test_tables_without_geometry_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("name\nA\n")
    with pytest.raises(InputError, match="has no geometry"):
        load_boundaries(path)


def test_crs_rules(tmp_path: Path) -> None:
    no_crs = _units(name=["A"]).set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match=r"has no CRS.*crs='EPSG:4326'"):
        load_boundaries(no_crs)
    assert load_boundaries(no_crs, crs=26910).crs.to_epsg() == 26910
    # GeoJSON without a crs member is EPSG:4326 by specification.
    geojson = b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "A"}, "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}}]}'
    units = load_boundaries(io.BytesIO(geojson), filename="upload.geojson")
    assert units.crs.to_epsg() == 4326
    near_toronto = _units(name=["A"]).translate(-80, 43)
    projected = gpd.GeoDataFrame({"name": ["A"]}, geometry=near_toronto, crs=4326).to_crs(32617)
    kept = load_boundaries(projected)
    assert kept.crs.to_epsg() == 32617  # the caller reprojects
    np.testing.assert_allclose(kept.total_bounds, projected.total_bounds)


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")  # writing the fixture
def test_shapefile_without_prj_needs_crs(tmp_path: Path) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    _units(name=["A"]).set_crs(None, allow_override=True).to_file(folder / "units.shp")
    with pytest.raises(CRSError, match=r"units\.shp' has no CRS"):
        load_boundaries(folder / "units.shp")
    assert load_boundaries(folder / "units.shp", crs="EPSG:4326")["name"].tolist() == ["A"]
