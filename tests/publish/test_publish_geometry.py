"""Published geometry: rounded polygons from the boundaries and the grid only."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspots.publish.geometry import (
    OUTPUT_DECIMALS,
    coordinate_decimals,
    display_polygons,
    exposure_keys,
    geojson_geometry,
)


@pytest.mark.parametrize("decimals", [0, 2, 3, 4, 5, 6])
def test_coordinate_decimals(decimals: int) -> None:
    rng = np.random.default_rng(decimals)
    values = np.round(rng.uniform(-80, -79, 2000), decimals)
    assert coordinate_decimals(values) == decimals


def test_coordinate_decimals_survives_reprojection_noise() -> None:
    rng = np.random.default_rng(1)
    values = np.round(rng.uniform(-80, -79, 2000), 3) + rng.normal(0, 1e-10, 2000)
    assert coordinate_decimals(values) == 3
    assert coordinate_decimals(rng.uniform(-80, -79, 2000)) == 8


def test_exposure_keys_compare_at_a_precision() -> None:
    a = exposure_keys(np.array([-79.123456]), np.array([43.654321]), 5)
    b = exposure_keys(np.array([-79.12346]), np.array([43.65432]), 5)
    c = exposure_keys(np.array([-79.12347]), np.array([43.65432]), 5)
    d = exposure_keys(np.array([43.65432]), np.array([-79.12346]), 5)
    assert a[0] == b[0] and a[0] != c[0] and a[0] != d[0]


def test_display_polygons_rounds_to_five_decimals() -> None:
    square = shapely.box(620_000.123, 4_830_000.456, 620_500.123, 4_830_500.456)
    (out,) = display_polygons(np.array([square], dtype=object), "EPSG:32617")
    coords = shapely.get_coordinates(out)
    assert np.allclose(coords, np.round(coords, OUTPUT_DECIMALS), atol=0, rtol=0)
    assert -80 < coords[0, 0] < -79 and 43 < coords[0, 1] < 44


def test_geojson_geometry_is_lists_of_floats() -> None:
    g = geojson_geometry(shapely.box(0, 0, 1, 1))
    assert g["type"] == "Polygon" and isinstance(g["coordinates"][0][0], list)
    multi = geojson_geometry(
        shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)])
    )
    assert multi["type"] == "MultiPolygon"


def test_coverage_simplification_keeps_shared_edges() -> None:
    rng = np.random.default_rng(0)
    # Two neighbours sharing a wiggly border.
    xs = np.linspace(620_000, 622_000, 200)
    ys = 4_830_000 + rng.normal(0, 3, xs.size)
    border = list(zip(xs, ys, strict=True))
    south = shapely.Polygon([(620_000, 4_829_000), (622_000, 4_829_000), *border[::-1]])
    north = shapely.Polygon([*border, (622_000, 4_831_000), (620_000, 4_831_000)])
    polys = gpd.GeoSeries([south, north], crs="EPSG:32617").values
    out = display_polygons(
        np.asarray(polys, dtype=object), "EPSG:32617", simplify_m=15, coverage=True
    )
    assert shapely.get_num_coordinates(out).sum() < 100
    assert shapely.intersection(out[0], out[1]).area < 1e-9  # no overlap
