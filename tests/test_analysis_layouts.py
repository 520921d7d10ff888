"""Reusing a data set's filter-independent structures (:class:`hotspots.analysis.Layouts`):
a filtered analysis through them equals a fresh one, cell for cell."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.analysis import Analysis, Layouts, analyze
from hotspots.errors import InputError
from hotspots.ingest.synthetic import DEFAULT_OFFENSES, PlantedHotspot, synthetic_incidents
from hotspots.ingest.table import IncidentTable, as_table
from hotspots.spatial.filters import Filters

EXTENT = (620_000.0, 4_830_000.0, 630_000.0, 4_840_000.0)
PLANTED = (PlantedHotspot(x=623_000.0, y=4_833_000.0, radius_m=400.0, share=0.05),)


@pytest.fixture(scope="module")
def table() -> IncidentTable:
    incidents = synthetic_incidents(6_000, extent_m=EXTENT, crs=32617, hotspots=PLANTED, rng=11)
    return as_table(incidents.incidents)


@pytest.fixture(scope="module")
def boundaries() -> gpd.GeoDataFrame:
    x0, y0, x1, y1 = EXTENT
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    boxes = [shapely.box(*b) for b in ((x0, y0, xm, ym), (xm, y0, x1, ym), (x0, ym, xm, y1))]
    boxes.append(shapely.box(xm, ym, x1, y1))
    return gpd.GeoDataFrame(
        {"name": ["SW", "SE", "NW", "NE"], "population": [1e4, 2e4, np.nan, 5e3]},
        geometry=boxes,
        crs=32617,
    ).to_crs(4326)


def assert_same(reused: Analysis, fresh: Analysis) -> None:
    """Counts, z, p, classes, polygons, areas, ranking and parameters all equal."""
    pd.testing.assert_frame_equal(reused.cells, fresh.cells)
    pd.testing.assert_frame_equal(reused.hotspots, fresh.hotspots)
    if fresh.areas is None:
        assert reused.areas is None
    else:
        assert reused.areas is not None
        pd.testing.assert_frame_equal(reused.areas, fresh.areas)
    np.testing.assert_array_equal(reused.selected["cell_id"], fresh.selected["cell_id"])
    assert reused.params == fresh.params
    assert reused.grid.cell_ids.tolist() == fresh.grid.cell_ids.tolist()


FILTERS = [
    Filters(),
    Filters(offenses=(DEFAULT_OFFENSES[0],)),
    Filters(offenses=tuple(DEFAULT_OFFENSES[:2]), hours=(20, 3)),
    Filters(weekdays=(5, 6)),
    Filters(offenses=(DEFAULT_OFFENSES[0],)),  # again: everything comes from the store
]


@pytest.mark.parametrize("with_boundaries", [False, True])
@pytest.mark.parametrize(
    "options",
    [{}, {"cell_size_m": 400.0}, {"grid": "hex", "cell_size_m": 500.0}, {"distance_band_m": 900.0}],
)
def test_filtered_analyses_through_layouts_equal_fresh_ones(
    table: IncidentTable,
    boundaries: gpd.GeoDataFrame,
    with_boundaries: bool,
    options: dict[str, Any],
) -> None:
    bounds = boundaries if with_boundaries else None
    layouts = Layouts(table, bounds)
    grids = set()
    for filters in FILTERS:
        reused = analyze(table, boundaries=bounds, filters=filters, layouts=layouts, **options)
        fresh = analyze(table, boundaries=bounds, filters=filters, **options)
        assert_same(reused, fresh)
        grids.add((reused.params["cell_size_m"], id(reused.grid)))
    assert len(layouts) >= 2  # boundaries / study area, grid, neighbours were stored
    # One grid object per cell size: later filters reused the first one's.
    assert len(grids) == len({size for size, _ in grids})


def test_layouts_of_other_incidents_are_refused(
    table: IncidentTable, boundaries: gpd.GeoDataFrame
) -> None:
    layouts = Layouts(table, boundaries)
    with pytest.raises(InputError, match="layouts was made for other incidents"):
        analyze(table, cell_size_m=400.0, layouts=layouts)  # boundaries missing
    other = as_table(table.to_geodataframe())
    with pytest.raises(InputError, match="one Layouts"):
        analyze(other, boundaries=boundaries, cell_size_m=400.0, layouts=layouts)


def test_automatic_sizes_from_stored_places_equal_fresh_ones_on_repeated_locations(
    table: IncidentTable,
) -> None:
    """Many incidents at the same spot (addresses snapped to 100 m): the distinct places of a
    selection looked up among the data set's are exactly the ones found afresh."""
    points = table.to_geodataframe()
    snapped = points.set_geometry(
        gpd.points_from_xy(
            (points.geometry.x / 100).round() * 100,
            (points.geometry.y / 100).round() * 100,
            crs=points.crs,
        )
    )
    snapped_table = as_table(snapped)
    layouts = Layouts(snapped_table)
    for filters in FILTERS:
        reused = analyze(snapped_table, filters=filters, layouts=layouts)
        assert_same(reused, analyze(snapped_table, filters=filters))
        assert reused.params["cell_size_automatic"]
    xy = np.column_stack([snapped_table.x_m, snapped_table.y_m])
    assert len(np.unique(xy, axis=0)) < 0.8 * len(xy)  # the places really repeat


def test_layouts_forget_the_least_recently_used_structure(table: IncidentTable) -> None:
    """A structure every analysis uses stays while cell sizes come and go (first in, first
    out dropped the data set's study area and places after a few sizes)."""
    layouts = Layouts(table, max_entries=3)
    built: list[str] = []

    def build(name: str) -> Callable[[], str]:
        return lambda: built.append(name) or name

    assert layouts.get(("places",), build("places")) == "places"
    for size in (100, 150, 200, 250):
        layouts.get(("grid", size), build(f"grid {size}"))
        layouts.get(("places",), build("places"))  # used by every analysis
    assert built == ["places", "grid 100", "grid 150", "grid 200", "grid 250"]
    assert len(layouts) == 3
    layouts.get(("grid", 100), build("grid 100"))  # the oldest grid went
    assert built[-1] == "grid 100"
