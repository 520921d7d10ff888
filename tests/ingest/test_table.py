"""Incidents as arrays: the array path gives the same results as the GeoDataFrame path."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.analysis import analyze
from hotspots.errors import CRSError, InputError
from hotspots.ingest import IncidentTable, load_incidents
from hotspots.ingest.synthetic import PlantedHotspot, synthetic_csv
from hotspots.ingest.table import as_table
from hotspots.spatial.filters import Filters

EXTENT = (620_000.0, 4_830_000.0, 630_000.0, 4_840_000.0)
PLANTED = (PlantedHotspot(x=623_000.0, y=4_833_000.0, radius_m=400.0, share=0.05),)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> object:
    path = synthetic_csv(
        tmp_path_factory.mktemp("table") / "incidents.csv",
        6_000,
        extent_m=EXTENT,
        crs=32617,
        hotspots=PLANTED,
        rng=3,
    )
    return load_incidents(path, timezone="America/Toronto", quiet=True)


def test_load_keeps_arrays_and_builds_points_only_on_request(loaded: object) -> None:
    table = loaded.table  # type: ignore[attr-defined]
    assert isinstance(table, IncidentTable)
    assert "geometry" not in table.columns
    assert table["x_m"].dtype == np.float64 and table["y_m"].dtype == np.float64
    assert isinstance(table["offense"].dtype, pd.CategoricalDtype)
    assert table["occurred_at"].dtype == "datetime64[us, America/Toronto]"
    assert "incidents" not in vars(loaded)  # the GeoDataFrame is not built yet
    points = loaded.incidents  # type: ignore[attr-defined]
    assert list(points.columns) == [
        "source_row", "occurred_at", "offense", "neighbourhood", "premises", "geometry",
    ]  # fmt: skip
    assert points["offense"].dtype == "string"
    np.testing.assert_array_equal(points.geometry.x.to_numpy(), table.x_m)
    np.testing.assert_array_equal(points.geometry.y.to_numpy(), table.y_m)
    assert points.crs == table.crs


def test_round_trip_through_a_geodataframe(loaded: object) -> None:
    points = loaded.incidents  # type: ignore[attr-defined]
    back = IncidentTable.from_geodataframe(points)
    np.testing.assert_array_equal(back.x_m, loaded.table.x_m)  # type: ignore[attr-defined]
    assert as_table(back) is back


@pytest.mark.parametrize(
    "filters", [Filters(), Filters(offenses=("Assault",), start="2021-03-01", hours=(20, 4))]
)
def test_analysis_of_arrays_equals_analysis_of_points(loaded: object, filters: Filters) -> None:
    fast = analyze(loaded.table, filters=filters, cell_size_m=250, lisa=False, quiet=True)  # type: ignore[attr-defined]
    slow = analyze(loaded.incidents, filters=filters, cell_size_m=250, lisa=False, quiet=True)  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(
        pd.DataFrame(fast.cells.drop(columns="geometry")),
        pd.DataFrame(slow.cells.drop(columns="geometry")),
    )
    assert fast.cells.geometry.equals(slow.cells.geometry)
    pd.testing.assert_frame_equal(fast.hotspots, slow.hotspots)
    assert fast.params == slow.params
    assert len(fast.incidents) == len(fast.selected) == fast.params["incidents_selected"]
    assert fast.incidents["cell_id"].tolist() == fast.selected["cell_id"].tolist()


def test_a_table_needs_points_with_a_crs() -> None:
    lines = gpd.GeoDataFrame(
        {"offense": ["a"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=32617
    )
    with pytest.raises(InputError, match="only points"):
        IncidentTable.from_geodataframe(lines)
    with pytest.raises(CRSError, match="no CRS"):
        IncidentTable.from_geodataframe(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)]))
    with pytest.raises(InputError, match="IncidentTable"):
        as_table(pd.DataFrame({"x": [1]}))  # type: ignore[arg-type]


def test_boundaries_reject_on_coordinates(tmp_path: Path) -> None:
    """Points outside the study boundaries are rejected without building points first."""
    path = synthetic_csv(tmp_path / "i.csv", 60_000, extent_m=EXTENT, crs=32617, rng=5)
    x0, y0, x1, y1 = EXTENT
    half = gpd.GeoDataFrame(
        {"name": ["west"]}, geometry=[shapely.box(x0, y0, (x0 + x1) / 2, y1)], crs=32617
    )
    load = load_incidents(path, timezone="America/Toronto", boundaries=half, quiet=True)
    assert len(load.table) + len(load.rejects) == load.rows_read == 60_000
    assert load.table.x_m.max() <= (x0 + x1) / 2 + 1e-6
    outside = load.rejects["reason"].eq("outside study boundary").sum()
    assert outside == 60_000 - len(load.table) > 20_000


def test_a_folder_or_glob_of_parquet_files_is_one_data_set(tmp_path: Path) -> None:
    path = synthetic_csv(tmp_path / "all.csv", 3_000, extent_m=EXTENT, crs=32617, rng=9)
    whole = pd.read_csv(path, dtype=str)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(whole)), 3)):
        whole.iloc[part].to_parquet(folder / f"part{i}.parquet", index=False)
    single = load_incidents(path, timezone="America/Toronto", quiet=True)
    for source in (folder, str(folder / "*.parquet")):
        parts = load_incidents(source, timezone="America/Toronto", quiet=True)
        assert parts.rows_read == 3_000
        pd.testing.assert_frame_equal(parts.table.frame, single.table.frame)
    (folder / "other.parquet").write_bytes(b"")
    pd.DataFrame({"x": [1]}).to_parquet(folder / "other.parquet")
    with pytest.raises(InputError, match="differ in their columns"):
        load_incidents(folder, quiet=True)
    with pytest.raises(InputError, match="matches no files"):
        load_incidents(str(tmp_path / "nothing" / "*.parquet"), quiet=True)
