"""The sfhotspot-style verbs: fixed columns, the same cells as analyze, clear errors."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import hotspots
from hotspots.analysis import analyze
from hotspots.errors import CRSError, InputError
from hotspots.hotspot import COUNT_COLUMNS, GISTAR_COLUMNS, LISA_COLUMNS
from hotspots.ingest.synthetic import PlantedHotspot, synthetic_incidents

EXTENT = (620_000.0, 4_830_000.0, 626_000.0, 4_836_000.0)
PLANTED = (PlantedHotspot(x=623_000.0, y=4_833_000.0, radius_m=250.0, share=0.08),)


@pytest.fixture(scope="module")
def incidents() -> gpd.GeoDataFrame:
    return synthetic_incidents(2_000, extent_m=EXTENT, hotspots=PLANTED, rng=7).incidents


def test_front_door_exports_the_verbs() -> None:
    assert hotspots.hotspot_gistar is hotspots.hotspot.hotspot_gistar
    assert {"hotspot_count", "hotspot_gistar", "hotspot_lisa", "explore", "read_sites"} <= set(
        dir(hotspots)
    )


def test_columns_are_fixed_and_counts_add_up(incidents: gpd.GeoDataFrame) -> None:
    counts = hotspots.hotspot_count(incidents, cell_size_m=300)
    gi = hotspots.hotspot_gistar(incidents, cell_size_m=300)
    lisa = hotspots.hotspot_lisa(incidents, cell_size_m=300, permutations=999, seed=3)
    assert tuple(counts.columns) == COUNT_COLUMNS
    assert tuple(gi.columns) == GISTAR_COLUMNS
    assert tuple(lisa.columns) == LISA_COLUMNS
    assert int(counts["count"].sum()) == len(incidents)
    assert counts.crs == incidents.crs and gi.attrs["params"]["cell_size_m"] == 300
    assert np.array_equal(gi["cell_id"], counts["cell_id"])
    assert gi["hotspot"].any() and set(lisa["lisa_cluster"]) >= {"High-High", "Not significant"}


def test_gistar_gives_the_cells_of_analyze(incidents: gpd.GeoDataFrame) -> None:
    gi = hotspots.hotspot_gistar(incidents, grid="hex", distance_band_m=800, alpha=0.1)
    cells = analyze(incidents, grid="hex", distance_band_m=800, alpha=0.1, lisa=False).cells
    pd.testing.assert_frame_equal(
        pd.DataFrame(gi.drop(columns="geometry")),
        pd.DataFrame(cells[list(GISTAR_COLUMNS)].drop(columns="geometry")).reset_index(drop=True),
    )


def test_lisa_is_seeded(incidents: gpd.GeoDataFrame) -> None:
    a = hotspots.hotspot_lisa(incidents, cell_size_m=400, permutations=49, seed=5)
    b = hotspots.hotspot_lisa(incidents, cell_size_m=400, permutations=49, seed=5)
    assert np.array_equal(a["lisa_p"], b["lisa_p"])


def test_plain_lon_lat_points_are_projected_and_announced(
    incidents: gpd.GeoDataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    points = gpd.GeoDataFrame(geometry=incidents.to_crs(4326).geometry.values, crs=4326)
    with caplog.at_level(logging.INFO, logger="hotspots"):
        counts = hotspots.hotspot_count(points)
    assert counts.crs.is_projected and int(counts["count"].sum()) == len(points)
    text = caplog.text
    assert "projected to EPSG:32617" in text and "set to" in text and "automatically" in text


def test_bad_inputs_say_what_to_do(incidents: gpd.GeoDataFrame) -> None:
    with pytest.raises(InputError, match=r"use a geopandas\.GeoDataFrame"):
        hotspots.hotspot_count(pd.DataFrame({"x": [1.0]}))  # type: ignore[arg-type]
    with pytest.raises(CRSError, match="set_crs"):
        hotspots.hotspot_count(gpd.GeoDataFrame(geometry=[shapely.Point(1, 2)]))
    polygons = gpd.GeoDataFrame(geometry=incidents.buffer(5.0).values, crs=incidents.crs)
    with pytest.raises(InputError, match="representative_point"):
        hotspots.hotspot_gistar(polygons)
    with pytest.raises(InputError, match="grid='hexa'"):
        hotspots.hotspot_count(incidents, grid="hexa")  # type: ignore[arg-type]
