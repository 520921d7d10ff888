"""Tests for hotspots.spatial.drawn: areas drawn on the map (polygon, rectangle, buffer)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.path import Path as MplPath
from pyproj import CRS, Transformer

from hotspots.errors import InputError
from hotspots.spatial.drawn import (
    QUAD_SEGS,
    area_mask,
    buffer_area,
    drawn_area,
    incidents_in_area,
)
from hotspots.spatial.filters import within_radius

METRIC = CRS.from_epsg(32617)  # UTM 17N: Toronto
TO_LONLAT = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)
TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)


def _incidents(n: int = 5_000, seed: int = 3) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(628_000, 634_000, n)
    y = rng.uniform(4_828_000, 4_834_000, n)
    return gpd.GeoDataFrame(
        {
            "occurred_at": pd.Timestamp("2021-01-01", tz="America/Toronto")
            + pd.to_timedelta(rng.integers(0, 365 * 24, n), unit="h"),
            "offense": np.where(rng.random(n) < 0.3, "Robbery", "Assault"),
        },
        geometry=shapely.points(x, y),
        crs=METRIC,
    )


def _feature(lonlat: list[tuple[float, float]]) -> dict[str, object]:
    ring = [list(p) for p in lonlat] + [list(lonlat[0])]
    return {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _lonlat(xy: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [tuple(TO_LONLAT.transform(x, y)) for x, y in xy]  # type: ignore[misc]


def test_polygon_selects_the_points_inside_by_an_independent_point_in_polygon_test() -> None:
    incidents = _incidents()
    corners = [
        (629_000, 4_829_000),
        (633_000, 4_829_500),
        (631_500, 4_831_000),
        (632_500, 4_833_000),
        (629_500, 4_832_000),
    ]
    area = drawn_area(_feature(_lonlat(corners)), crs=METRIC)
    assert area.kind == "polygon"
    # Matplotlib's ray casting on the same corners (metric), independent of shapely/GEOS.
    x, y = incidents.geometry.x.to_numpy(), incidents.geometry.y.to_numpy()
    expected = MplPath(np.array(corners)).contains_points(np.column_stack([x, y]))
    got = area_mask(incidents, area)
    # The corners went to degrees and back: they may move by nanometres; no point is that close.
    assert got.sum() > 500
    assert np.array_equal(got, expected)
    assert len(incidents_in_area(incidents, area)) == int(expected.sum())
    assert area.area_km2 == pytest.approx(shapely.Polygon(corners).area / 1e6, rel=1e-9)


def test_rectangle_counts_points_on_the_edge() -> None:
    lonlat = _lonlat(
        [(630_000, 4_830_000), (631_000, 4_830_000), (631_000, 4_831_000), (630_000, 4_831_000)]
    )
    area = drawn_area(_feature(lonlat), crs=METRIC)
    corner = area.geometry.exterior.coords[0]
    edge = shapely.get_coordinates(area.geometry.exterior.interpolate(0.5, normalized=True))[0]
    x = np.array([corner[0], edge[0], 630_500.0, 629_000.0])
    y = np.array([corner[1], edge[1], 4_830_500.0, 4_830_500.0])
    frame = gpd.GeoDataFrame(geometry=shapely.points(x, y), crs=METRIC)
    assert area_mask(frame, area).tolist() == [True, True, True, False]


def test_buffer_is_measured_in_metres_in_the_metric_crs() -> None:
    incidents = _incidents(20_000)
    lon, lat = TO_LONLAT.transform(631_000, 4_831_000)
    area = buffer_area(lon, lat, 750.0, crs=METRIC)
    assert area.kind == "buffer" and area.radius_m == 750.0
    cx, cy = TO_METRIC.transform(lon, lat)
    d = np.hypot(incidents.geometry.x.to_numpy() - cx, incidents.geometry.y.to_numpy() - cy)
    # The polygon lies at most r(1 - cos(pi / (4 QUAD_SEGS))) inside the circle.
    sliver = 750.0 * (1 - np.cos(np.pi / (4 * QUAD_SEGS)))
    clear = np.abs(d - 750.0) > sliver
    got = area_mask(incidents, area)
    assert np.array_equal(got[clear], (d <= 750.0)[clear])
    assert got.sum() > 100
    # The same as the library's straight-line radius selection (away from the sliver).
    by_radius = incidents.index.isin(
        within_radius(incidents, lon=lon, lat=lat, radius_m=750.0).index
    )
    assert np.array_equal(got[clear], by_radius[clear])
    assert area.area_km2 == pytest.approx(np.pi * 0.75**2, rel=1e-3)


def test_a_point_feature_is_buffered_by_the_given_radius_or_the_circle_radius() -> None:
    lon, lat = TO_LONLAT.transform(631_000, 4_831_000)
    point = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }
    assert drawn_area(point, crs=METRIC, radius_m=300).radius_m == 300
    circle = {**point, "properties": {"radius": 420.5}}
    assert drawn_area(circle, crs=METRIC).radius_m == pytest.approx(420.5)
    with pytest.raises(InputError, match="radius_m"):
        drawn_area(point, crs=METRIC)
    for bad in (0, -5, float("nan"), 1e9):
        with pytest.raises(InputError, match="radius_m") as info:
            drawn_area(point, crs=METRIC, radius_m=bad)
        assert '"Buffer radius for a clicked point (m)"' in info.value.render("app")


def test_self_intersecting_polygon_is_refused_with_where_it_crosses() -> None:
    bow_tie = _lonlat(
        [(630_000, 4_830_000), (631_000, 4_831_000), (631_000, 4_830_000), (630_000, 4_831_000)]
    )
    with pytest.raises(InputError, match="crosses itself near 43\\.") as info:
        drawn_area(_feature(bow_tie), crs=METRIC)
    assert "rectangle tool" in str(info.value)


@pytest.mark.parametrize(
    "corners",
    [
        [(630_000, 4_830_000), (631_000, 4_831_000), (632_000, 4_832_000)],  # on one line
        [(630_000, 4_830_000), (630_000, 4_830_000), (631_000, 4_830_000)],  # two distinct
    ],
)
def test_polygon_without_area_is_refused(corners: list[tuple[float, float]]) -> None:
    with pytest.raises(InputError, match=r"no area|distinct corner"):
        drawn_area(_feature(_lonlat(corners)), crs=METRIC)


def test_area_outside_the_data_is_refused_with_the_distance() -> None:
    incidents = _incidents()
    bounds = incidents.total_bounds
    far = _lonlat([(650_000, 4_830_000), (651_000, 4_830_000), (651_000, 4_831_000)])
    with pytest.raises(InputError, match=r"outside the data \(16\.0 km"):
        drawn_area(_feature(far), crs=METRIC, data_bounds=bounds)
    lon, lat = TO_LONLAT.transform(640_000, 4_831_000)
    with pytest.raises(InputError, match="buffer lies outside the data"):
        buffer_area(lon, lat, 500, crs=METRIC, data_bounds=bounds)
    # Overlapping the extent is enough, even with no incident inside.
    assert buffer_area(lon, lat, 6_100, crs=METRIC, data_bounds=bounds).radius_m == 6_100


@pytest.mark.parametrize(
    "feature",
    [
        {"type": "LineString", "coordinates": [[-79.4, 43.6], [-79.3, 43.7]]},
        {"type": "Polygon", "coordinates": "nonsense"},
        {"type": "Polygon", "coordinates": [[[-79.4, 43.6], [500, 43.7], [-79.3, 43.7]]]},
        {"type": "Point", "coordinates": [float("nan"), 43.6]},
        {"type": "Feature", "geometry": None},
    ],
)
def test_malformed_drawings_are_input_errors(feature: dict[str, object]) -> None:
    with pytest.raises(InputError, match="drawing"):
        drawn_area(feature, crs=METRIC, radius_m=100)


def test_other_crs_incidents_are_refused() -> None:
    lon, lat = TO_LONLAT.transform(631_000, 4_831_000)
    area = buffer_area(lon, lat, 500, crs=METRIC)
    with pytest.raises(InputError, match="metric CRS"):
        incidents_in_area(_incidents().to_crs("EPSG:4326"), area)


def test_geojson_round_trip_and_frame_for_the_evaluation() -> None:
    lonlat = _lonlat(
        [(630_000, 4_830_000), (631_000, 4_830_000), (631_000, 4_831_000), (630_000, 4_831_000)]
    )
    area = drawn_area(_feature(lonlat), crs=METRIC)
    record = json.loads(area.geojson())
    assert record["type"] == "FeatureCollection"
    props = record["features"][0]["properties"]
    assert props["kind"] == "polygon" and props["area_km2"] == pytest.approx(1.0, rel=1e-6)
    again = drawn_area(record["features"][0], crs=METRIC)
    assert again.key == area.key or shapely.equals_exact(again.geometry, area.geometry, 0.05)
    frame = area.frame()
    assert frame.crs == METRIC and list(frame.columns) == ["name", "geometry"]
    lon, lat = TO_LONLAT.transform(631_000, 4_831_000)
    buffer = json.loads(buffer_area(lon, lat, 400, crs=METRIC).geojson())
    assert buffer["features"][0]["properties"]["radius_m"] == 400


def test_key_is_equal_for_equal_areas_and_differs_otherwise() -> None:
    lon, lat = TO_LONLAT.transform(631_000, 4_831_000)
    a = buffer_area(lon, lat, 400, crs=METRIC)
    assert a.key == buffer_area(lon, lat, 400, crs=METRIC).key
    assert a.key != buffer_area(lon, lat, 401, crs=METRIC).key


def test_corners_on_one_line_in_degrees_are_refused_though_not_quite_on_one_in_metres() -> None:
    ring = [[-79.39, 43.64], [-79.38, 43.65], [-79.37, 43.66], [-79.39, 43.64]]
    with pytest.raises(InputError, match="no area"):
        drawn_area({"type": "Polygon", "coordinates": [ring]}, crs=METRIC)
    # A 10 m wide corridor is an area.
    corridor = _lonlat(
        [(630_000, 4_830_000), (631_000, 4_830_000), (631_000, 4_830_010), (630_000, 4_830_010)]
    )
    assert drawn_area(_feature(corridor), crs=METRIC).area_km2 == pytest.approx(0.01, rel=1e-6)
