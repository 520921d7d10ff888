"""Grids: arithmetic point location, neighbour sums and the automatic cell size."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS
from scipy.spatial import cKDTree

from hotspots.blocks import BLOCK
from hotspots.errors import InputError
from hotspots.spatial import grids
from hotspots.spatial.grids import (
    Grid,
    auto_cell_size_m,
    distinct_points,
    grid_and_cells,
    make_grid,
    nearest_distances,
    study_area,
)

UTM17 = CRS.from_epsg(32617)
AREA = shapely.box(600_000, 4_830_000, 612_345, 4_837_890)


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_locate_matches_the_cell_polygon_that_contains_the_point(kind: str) -> None:
    grid = make_grid(AREA, crs=UTM17, kind=kind, cell_size_m=500)
    rng = np.random.default_rng(1)
    xmin, ymin, xmax, ymax = AREA.bounds
    x = rng.uniform(xmin, xmax, 5_000)
    y = rng.uniform(ymin, ymax, 5_000)
    ids = grid.locate(x, y)
    assert (ids >= 0).all()
    polys = grid.polygons(ids)
    assert (
        shapely.contains_xy(polys, x, y).all()
        or shapely.intersects(polys, shapely.points(x, y)).all()
    )


def test_hex_locate_is_the_nearest_centre() -> None:
    grid = make_grid(AREA, crs=UTM17, kind="hex", cell_size_m=300)
    rng = np.random.default_rng(2)
    xmin, ymin, xmax, ymax = AREA.bounds
    pts = np.column_stack([rng.uniform(xmin, xmax, 20_000), rng.uniform(ymin, ymax, 20_000)])
    ids = grid.locate(pts[:, 0], pts[:, 1])
    all_ids = np.arange(grid.n_rows * grid.n_cols)
    _, nearest = cKDTree(grid.centres(all_ids)).query(pts)
    np.testing.assert_array_equal(ids, all_ids[nearest])


def test_points_outside_the_grid_or_in_inactive_cells_get_minus_one() -> None:
    triangle = shapely.Polygon([(0, 0), (10_000, 0), (0, 10_000)])
    grid = make_grid(triangle, crs=UTM17, cell_size_m=1_000)
    ids = grid.locate(np.array([-5.0, 9_900.0, 500.0]), np.array([5.0, 9_900.0, 500.0]))
    assert ids.tolist()[:2] == [-1, -1]
    assert ids[2] == 0
    assert grid.n_cells < grid.n_rows * grid.n_cols


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_neighbour_sum_equals_brute_force_adjacency(kind: str) -> None:
    grid = make_grid(shapely.box(0, 0, 7_000, 5_000), crs=UTM17, kind=kind, cell_size_m=1_000)
    all_ids = np.arange(grid.n_rows * grid.n_cols)
    values = np.random.default_rng(3).integers(0, 9, all_ids.size).astype(float)
    # Brute force: queen squares are within size*sqrt(2) of each other, hexagons within size.
    reach = grid.cell_size_m * (np.sqrt(2) if kind == "square" else 1.0) * 1.001
    pairs = cKDTree(grid.centres(all_ids)).query_pairs(reach, output_type="ndarray")
    left = np.concatenate([pairs[:, 0], pairs[:, 1], all_ids])
    right = np.concatenate([pairs[:, 1], pairs[:, 0], all_ids])
    expected = np.bincount(left, weights=values[right], minlength=all_ids.size)
    got = grid.neighbour_sum(values.reshape(grid.shape)).ravel()
    np.testing.assert_allclose(got, expected)
    counts = np.bincount(left, minlength=all_ids.size)
    interior = counts.max()
    assert interior == (9 if kind == "square" else 7)


def test_auto_cell_size_is_twice_the_spacing_of_distinct_locations() -> None:
    # Locations on a 40 m lattice, 5 incidents at each: spacing 40 m -> 80 m cells.
    side = np.arange(0.0, 4_000.0, 40.0)
    gx, gy = np.meshgrid(side, side)
    x, y = np.repeat(gx.ravel(), 5), np.repeat(gy.ravel(), 5)
    choice = auto_cell_size_m(x, y, area_m2=4_000.0**2)
    assert choice.spacing_m == pytest.approx(40.0)
    assert choice.cell_size_m == 80.0
    assert "median spacing of 10,000 distinct incident locations (40 m)" in choice.reason
    # A rare offense: 50 incidents over the same area -> the evidence guard decides.
    rng = np.random.default_rng(0)
    sparse = auto_cell_size_m(rng.uniform(0, 4_000, 50), rng.uniform(0, 4_000, 50), area_m2=1.6e7)
    assert sparse.by_evidence_m == pytest.approx(np.sqrt(0.5 * 1.6e7 / 50))  # 400 m
    assert sparse.cell_size_m >= 400.0
    # Never fewer than 30 cells.
    few = auto_cell_size_m(np.array([0.0, 1.0]), np.array([0.0, 0.0]), area_m2=1e6)
    assert few.cell_size_m == 200.0  # sqrt(1e6 / 30) = 182.6 m, rounded up to 50 m
    assert "30 cells" in few.reason
    with pytest.raises(InputError, match="cell_size_m"):
        auto_cell_size_m(np.array([]), np.array([]), area_m2=1e6)


def test_auto_cell_size_keeps_the_grid_within_its_cell_limit() -> None:
    # 1.5 million incidents, each at its own place, over 30 km x 30 km: the evidence guard
    # alone asked for 24 m cells (1.6 million of them; ten million incidents: 7 m and 18
    # million). The size guard keeps the grid within LARGE_GRID_CELLS, and the spacing is
    # provably below it here, so it is not searched for.
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 30_000, 1_500_000), rng.uniform(0, 30_000, 1_500_000)
    choice = auto_cell_size_m(x, y, area_m2=30_000.0**2)
    assert 30_000.0**2 / choice.cell_size_m**2 <= grids.LARGE_GRID_CELLS
    assert choice.cell_size_m == 100.0  # sqrt(9e8 / 100,000) = 94.9 m, rounded up to 50 m
    assert f"within {grids.LARGE_GRID_CELLS:,} cells" in choice.reason
    assert np.isnan(choice.spacing_m)
    # Where the spacing is larger than that limit, it still decides (the lattice above).
    side = np.arange(0.0, 30_000.0, 300.0)
    gx, gy = np.meshgrid(side, side)
    lattice = auto_cell_size_m(gx.ravel(), gy.ravel(), area_m2=30_000.0**2)
    assert lattice.spacing_m == pytest.approx(300.0) and lattice.cell_size_m == 600.0


def test_the_spacing_bound_holds_and_distinct_points_match_numpy() -> None:
    rng = np.random.default_rng(2)
    for trial in range(60):
        n = int(rng.integers(3, 3_000))
        if trial % 3 == 0:  # a few places, many incidents each
            places = rng.uniform(0, 1_000, (max(3, n // 20), 2))
            xy = places[rng.integers(0, len(places), n)]
        elif trial % 3 == 1:  # clustered
            xy = rng.normal(500, rng.uniform(1, 200), (n, 2)).round(int(rng.integers(0, 3)))
        else:  # on a line: the box is thin
            xy = np.column_stack([rng.uniform(0, 5_000, n), np.zeros(n)])
        distinct, where = distinct_points(xy, inverse=True)
        expected, expected_where = np.unique(xy, axis=0, return_inverse=True)
        np.testing.assert_array_equal(distinct, expected)
        np.testing.assert_array_equal(where, expected_where.reshape(-1))
        assert grids._distinct_at_least(xy) <= len(distinct)
        if len(distinct) >= 3:
            spacing = float(np.median(nearest_distances(distinct)))
            width, height = np.ptp(xy, axis=0)
            assert spacing <= grids._spacing_bound(len(distinct), width, height) + 1e-9
    assert distinct_points(np.zeros((0, 2))).shape == (0, 2)
    signed = np.array([[0.0, 1.0], [-0.0, 1.0], [2.0, 3.0]])
    assert grids._distinct_at_least(signed) == 2 == len(distinct_points(signed))


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(InputError, match=r"grid='hexagon'.*'square', 'hex'"):
        make_grid(AREA, crs=UTM17, kind="hexagon", cell_size_m=100)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="cell_size_m=-5"):
        make_grid(AREA, crs=UTM17, cell_size_m=-5)


def test_study_area_is_the_buffered_hull_or_the_boundary_union() -> None:
    pts = gpd.GeoSeries(shapely.points([[0, 0], [100, 0], [0, 100]]), crs=UTM17)
    area = study_area(pts, buffer_m=10)
    assert area.contains(shapely.Point(50, 40))
    assert area.area > 5_000
    one = study_area(gpd.GeoSeries([shapely.Point(5, 5)], crs=UTM17), buffer_m=0)
    assert one.area > 0


def test_to_geodataframe_has_documented_columns() -> None:
    grid = make_grid(AREA, crs=UTM17, kind="hex", cell_size_m=1_000)
    gdf = grid.to_geodataframe()
    assert list(gdf.columns) == ["cell_id", "row", "col", "geometry"]
    assert len(gdf) == grid.n_cells
    np.testing.assert_allclose(gdf.area, grid.cell_area_m2)
    assert isinstance(grid, Grid)


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_missing_and_absurd_coordinates_fall_outside(kind: str) -> None:
    grid = make_grid(AREA, crs=UTM17, kind=kind, cell_size_m=500)
    ids = grid.locate(
        np.array([np.nan, 1e300, -np.inf, 605_000.0]),
        np.array([4_833_000.0, 4_833_000.0, 0.0, np.nan]),
    )
    assert ids.tolist() == [-1, -1, -1, -1]


def test_points_on_the_outer_edge_are_kept_and_touching_cells_are_not_units() -> None:
    grid = make_grid(shapely.box(0, 0, 1_000, 500), crs=UTM17, cell_size_m=100)
    assert grid.n_cells == 50
    ids = grid.locate(np.array([1_000.0, 0.0, 0.0]), np.array([250.0, 500.0, 0.0]))
    assert (ids >= 0).all()
    hexes = make_grid(shapely.box(0, 0, 1_000, 500), crs=UTM17, kind="hex", cell_size_m=100)
    assert (
        shapely.area(shapely.intersection(hexes.polygons(), shapely.box(0, 0, 1_000, 500))) > 0
    ).all()


def test_cells_mostly_outside_are_units_only_when_they_hold_an_incident() -> None:
    # A 1,000 x 1,000 m square on a grid offset by 40% of a cell: the edge cells on the
    # east and north are only 40% inside.
    area = shapely.box(0, 0, 1_040, 1_040)
    everything = make_grid(area, crs=UTM17, cell_size_m=100)
    assert everything.n_cells == 121
    clipped = make_grid(area, crs=UTM17, cell_size_m=100, min_inside_share=0.5)
    assert clipped.n_cells == 100
    kept = make_grid(
        area,
        crs=UTM17,
        cell_size_m=100,
        min_inside_share=0.5,
        keep_xy=np.array([[1_030.0, 500.0], [-5.0, -5.0]]),  # one in an edge cell, one outside
    )
    assert kept.n_cells == 101
    assert kept.locate(np.array([1_030.0]), np.array([500.0]))[0] >= 0


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_count_agrees_with_points_in_cell_polygons(kind: str) -> None:
    area = shapely.Polygon([(600_000, 4_830_000), (606_000, 4_830_500), (603_000, 4_836_000)])
    grid = make_grid(area, crs=UTM17, kind=kind, cell_size_m=700)
    rng = np.random.default_rng(4)
    x = rng.uniform(599_000, 607_000, 3_000)
    y = rng.uniform(4_829_000, 4_837_000, 3_000)
    counts = grid.count(x, y)
    assert counts.shape == grid.cell_ids.shape and counts.dtype == np.int64
    cells = gpd.GeoDataFrame(geometry=grid.polygons(), crs=UTM17)
    points = gpd.GeoDataFrame(geometry=shapely.points(x, y), crs=UTM17)
    joined = gpd.sjoin(points, cells, predicate="within")
    expected = np.bincount(joined["index_right"].to_numpy(), minlength=len(cells))
    assert np.array_equal(counts, expected)
    assert counts.sum() == np.count_nonzero(grid.locate(x, y) >= 0) < len(x)


@pytest.mark.parametrize(("kind", "share"), [("square", 0.5), ("hex", 0.5), ("square", 0.0)])
def test_grid_and_cells_locates_once_what_locate_gives(kind: str, share: float) -> None:
    area = shapely.Polygon([(600_000, 4_830_000), (606_000, 4_830_500), (603_000, 4_836_000)])
    rng = np.random.default_rng(5)
    x = rng.uniform(599_000, 607_000, 2_000)
    y = rng.uniform(4_829_000, 4_837_000, 2_000)
    options = {"crs": UTM17, "kind": kind, "cell_size_m": 400, "min_inside_share": share}
    grid, cells = grid_and_cells(area, x, y, **options)  # type: ignore[arg-type]
    same = make_grid(area, keep_xy=np.column_stack([x, y]), **options)  # type: ignore[arg-type]
    np.testing.assert_array_equal(grid.active, same.active)
    np.testing.assert_array_equal(cells, grid.locate(x, y))
    assert (cells == -1).any() and (cells >= 0).any()


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_locate_over_many_blocks_is_locate_of_each_part(kind: str) -> None:
    """Points are located a block at a time in threads; the answer is the same as one call
    per small part (inactive cells, NaN and far points included)."""
    area = shapely.Polygon([(600_000, 4_830_000), (606_000, 4_830_500), (603_000, 4_836_000)])
    grid = make_grid(area, crs=UTM17, kind=kind, cell_size_m=300)  # type: ignore[arg-type]
    assert not grid.active.all()
    rng = np.random.default_rng(9)
    n = 2 * BLOCK + 1_001
    x, y = rng.uniform(599_000, 607_000, n), rng.uniform(4_829_000, 4_837_000, n)
    x[::1_000], y[1::777] = np.nan, 1e300
    parts = [grid.locate(x[i : i + 50_000], y[i : i + 50_000]) for i in range(0, n, 50_000)]
    located = grid.locate(x, y)
    np.testing.assert_array_equal(located, np.concatenate(parts))
    assert {-1} < set(np.unique(located).tolist())
    assert grid.locate(x.reshape(-1, 1)[:6], y[:6].reshape(-1, 1)).shape == (6, 1)


@pytest.mark.parametrize(
    "layout", ["uniform", "clustered", "on a line", "two", "snapped to 1 m", "lon/lat scale"]
)
def test_nearest_distances_are_identical_with_shapely_and_scipy(layout: str) -> None:
    """An automatic cell size takes the median nearest-neighbour distance from shapely's tree
    for a few places (no SciPy import) and from SciPy's k-d tree for many: the same numbers."""
    rng = np.random.default_rng(len(layout))
    n = 4_000
    if layout == "uniform":
        xy = rng.uniform(0, 30_000, (n, 2)) + np.array([600_000, 4_800_000])
    elif layout == "clustered":
        centres = rng.uniform(0, 30_000, (12, 2))
        xy = (
            centres[rng.integers(0, 12, n)]
            + rng.normal(0, 40, (n, 2))
            + np.array([600_000, 4_800_000])
        )
    elif layout == "on a line":
        t = rng.uniform(0, 10_000, n)
        xy = np.column_stack([600_000 + t, 4_800_000 + 0.5 * t])
    elif layout == "two":
        xy = np.array([[600_000.0, 4_800_000.0], [600_003.0, 4_800_004.0]])
    elif layout == "snapped to 1 m":
        xy = np.round(rng.normal(0, 300, (n, 2))) + np.array([600_000, 4_800_000])
    else:
        xy = rng.uniform(0, 0.3, (n, 2)) + np.array([-79.5, 43.6])
    places = np.unique(xy, axis=0)
    by_strtree = grids._nearest_by_strtree(places)
    by_kdtree = grids._nearest_by_kdtree(places)
    np.testing.assert_array_equal(by_strtree, by_kdtree)
    assert np.isfinite(by_strtree).all() and (by_strtree > 0).all()
    np.testing.assert_array_equal(grids.nearest_distances(places), by_kdtree)
