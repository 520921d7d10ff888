"""Point-in-polygon assignment: agrees with geopandas.sjoin, on both code paths."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.spatial import units
from hotspots.spatial.units import (
    labels_match_boundaries,
    locate_in_polygons,
    unit_names_for_points,
)

EXTENT = (0.0, 0.0, 20_000.0, 10_000.0)


@pytest.fixture(scope="module")
def polygons() -> gpd.GeoDataFrame:
    seeds = np.random.default_rng(0).uniform(EXTENT[:2], EXTENT[2:], size=(40, 2))
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=shapely.box(*EXTENT))
    )
    # Leave a hole (a lake) so some points inside the extent are in no polygon.
    geoms = shapely.difference(
        shapely.intersection(cells, shapely.box(*EXTENT)), shapely.Point(10_000, 5_000).buffer(800)
    )
    return gpd.GeoDataFrame({"name": [f"Area {i}" for i in range(40)]}, geometry=geoms, crs=32617)


@pytest.mark.parametrize("shortcut_min_points", [10**12, 1_000])
def test_matches_sjoin(
    polygons: gpd.GeoDataFrame, shortcut_min_points: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(units, "_SHORTCUT_MIN_POINTS", shortcut_min_points)
    rng = np.random.default_rng(1)
    n = 60_000
    pts = gpd.GeoSeries(
        shapely.points(rng.uniform(-500, 20_500, n), rng.uniform(-500, 10_500, n)), crs=32617
    )
    got = locate_in_polygons(pts, polygons)
    joined = gpd.sjoin(gpd.GeoDataFrame(geometry=pts), polygons, how="left", predicate="intersects")
    expected = (
        joined.groupby(level=0)["index_right"]
        .min()
        .reindex(range(n))
        .fillna(-1)
        .to_numpy(dtype=np.int64)
    )
    np.testing.assert_array_equal(got, expected)
    assert (got == -1).sum() > 0  # outside the extent and in the lake


def test_points_on_a_shared_border_go_to_exactly_one_polygon() -> None:
    squares = gpd.GeoDataFrame(
        {"name": ["W", "E"]},
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)],
        crs=32617,
    )
    got = locate_in_polygons(shapely.points([[10, 5], [5, 5], [15, 5], [30, 5]]), squares)
    assert got.tolist() == [0, 0, 1, -1]


def test_names_and_label_matching(polygons: gpd.GeoDataFrame) -> None:
    pts = gpd.GeoDataFrame(geometry=shapely.points([[100, 100], [10_000, 5_000]]), crs=32617)
    names = unit_names_for_points(pts, polygons)
    assert names.iloc[0].startswith("Area ") and pd.isna(names.iloc[1])
    assert labels_match_boundaries(pd.Series(["Area 1", "Area 2", None]), polygons)
    assert not labels_match_boundaries(pd.Series(["Elsewhere", "Area 2"]), polygons)
    assert not labels_match_boundaries(pd.Series([None, None], dtype="string"), polygons)


def test_incident_areas_prefers_matching_source_labels(polygons: gpd.GeoDataFrame) -> None:
    from hotspots.spatial.units import incident_areas, names_at

    pts = gpd.GeoDataFrame(
        {"neighbourhood": pd.array(["Area 3", "Area 3", "Nowhere"], dtype="string")},
        geometry=shapely.points([[100, 100], [19_900, 9_900], [10_000, 5_000]]),
        crs=32617,
    )
    # One unknown label of three is too many (< 90 % match): point in polygon, lake = none.
    positions, method = incident_areas(pts, polygons.to_crs(4326))
    assert method == "point in polygon"
    assert positions[2] == -1 and (positions[:2] >= 0).all()
    labelled = pts.assign(neighbourhood=pd.array(["Area 3", "Area 3", "Area 7"], dtype="string"))
    positions, method = incident_areas(labelled, polygons)
    assert method == "source labels"
    assert names_at(polygons, positions).tolist() == ["Area 3", "Area 3", "Area 7"]


def test_incident_areas_from_categorical_labels_equal_those_from_text(
    polygons: gpd.GeoDataFrame,
) -> None:
    """Labels as a categorical (how incident tables hold them) are looked up once per
    distinct label: same positions as from plain text, missing labels at -1."""
    from hotspots.spatial.units import incident_areas

    text = ["Area 3", None, "Area 7", "Area 3", "Area 1", "Area 2", "Area 7", "Area 4"] * 3
    points = shapely.points(np.zeros((len(text), 2)))
    as_text = gpd.GeoDataFrame(
        {"neighbourhood": pd.array(text, dtype="string")}, geometry=points, crs=32617
    )
    as_codes = as_text.assign(neighbourhood=as_text["neighbourhood"].astype("category"))
    expected, method = incident_areas(as_text, polygons)
    positions, same_method = incident_areas(as_codes, polygons)
    assert method == same_method == "source labels"
    assert positions.dtype == np.int64
    assert positions.tolist() == expected.tolist()
    assert positions[1] == -1 and (positions[[0, 2, 3]] >= 0).all()
