"""The analysis pipeline on seeded synthetic incidents with planted hotspots."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.analysis import HOTSPOT_COLUMNS, analyze
from hotspots.errors import ColumnError, CRSError, EmptyDataError, InputError
from hotspots.ingest.synthetic import PlantedHotspot, synthetic_incidents
from hotspots.spatial.filters import Filters
from hotspots.spatial.projection import to_display

EXTENT = (620_000.0, 4_830_000.0, 630_000.0, 4_840_000.0)
PLANTED = (PlantedHotspot(x=623_000.0, y=4_833_000.0, radius_m=400.0, share=0.05),)
CELL_COLUMNS = [
    "cell_id", "neighbourhood", "count", "density_km2", "gi_z", "gi_p", "gi_p_fdr", "gi_bin", "gi_class", "gi_label",
    "hotspot", "lisa_i", "lisa_quadrant", "lisa_p", "lisa_p_fdr", "lisa_cluster", "geometry",
]  # fmt: skip


@pytest.fixture(scope="module")
def incidents() -> gpd.GeoDataFrame:
    return synthetic_incidents(8_000, extent_m=EXTENT, crs=32617, hotspots=PLANTED, rng=7).incidents


@pytest.fixture(scope="module")
def boundaries() -> gpd.GeoDataFrame:
    """Four quadrants of the extent as 'neighbourhoods' in lon/lat, with populations."""
    x0, y0, x1, y1 = EXTENT
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    boxes = [
        shapely.box(x0, y0, xm, ym),
        shapely.box(xm, y0, x1, ym),
        shapely.box(x0, ym, xm, y1),
        shapely.box(xm, ym, x1, y1),
    ]
    frame = gpd.GeoDataFrame(
        {"name": ["SW", "SE", "NW", "NE"], "population": [10_000.0, 20_000.0, np.nan, 5_000.0]},
        geometry=boxes,
        crs=32617,
    )
    return to_display(frame)


def test_cells_have_documented_columns_and_counts_add_up(incidents: gpd.GeoDataFrame) -> None:
    result = analyze(incidents, cell_size_m=500, seed=1)
    assert list(result.cells.columns) == CELL_COLUMNS
    assert result.cells["count"].sum() == len(incidents)
    assert result.params["cell_size_m"] == 500 and not result.params["cell_size_automatic"]
    assert result.params["incidents_outside_grid"] == 0
    assert list(result.hotspots.columns) == list(HOTSPOT_COLUMNS)
    p = result.cells[["gi_p", "gi_p_fdr", "lisa_p", "lisa_p_fdr"]].to_numpy()
    assert ((p >= 0) & (p <= 1)).all()
    assert (result.cells["gi_p_fdr"] >= result.cells["gi_p"] - 1e-12).all()


def test_the_planted_hotspot_is_found_and_ranked_first(incidents: gpd.GeoDataFrame) -> None:
    result = analyze(incidents, cell_size_m=250)
    top = result.hotspots.iloc[0]
    centre = (
        gpd.GeoSeries(gpd.points_from_xy([top["lon"]], [top["lat"]]), crs=4326)
        .to_crs(32617)
        .iloc[0]
    )
    assert centre.distance(shapely.Point(PLANTED[0].x, PLANTED[0].y)) < PLANTED[0].radius_m + 250
    assert (result.hotspots["gi_p_fdr"] <= 0.05).all()
    assert result.hotspots["gi_z"].is_monotonic_decreasing
    assert set(result.cells.loc[result.cells["hotspot"], "gi_bin"]) <= {1, 2, 3}


def test_automatic_cell_size_is_announced_and_follows_the_selection(
    incidents: gpd.GeoDataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="hotspots"):
        result = analyze(incidents, lisa=False)
    assert result.params["cell_size_automatic"]
    # 8,000 distinct locations over ~100 km² (5% in a 400 m disc): median spacing ~54 m,
    # twice that (108 m) rounded up to a multiple of 50 m.
    assert result.params["cell_size_m"] == 150
    assert "Cell size set to 150 m automatically: 2 × the median spacing" in caplog.text
    assert result.params["cell_size_reason"] in caplog.text
    # A small selection of the same data is mapped at its own, coarser scale.
    few = analyze(incidents.iloc[::20], lisa=False)
    assert few.params["cell_size_m"] > result.params["cell_size_m"]
    one_offense = analyze(incidents, filters=Filters(offenses=("Robbery",)), lisa=False)
    assert one_offense.params["cell_size_m"] > result.params["cell_size_m"]


def test_a_small_cluster_among_sparse_incidents_is_localised() -> None:
    """120 incidents in a 150 m disc among 300 random ones over 10 x 10 km (the old automatic
    1,200 m cell put the hot cell's centre within 300 m of the cluster in 3 of 10 maps)."""
    spot = PlantedHotspot(x=623_300.0, y=4_834_700.0, radius_m=150.0, share=120 / 420)
    close = 0
    for seed in range(10):
        data = synthetic_incidents(420, extent_m=EXTENT, crs=32617, hotspots=(spot,), rng=seed)
        result = analyze(data.incidents, lisa=False, quiet=True)
        assert result.params["cell_size_m"] <= 500
        hot = result.cells.loc[result.cells["hotspot"]]
        centres = hot.geometry.centroid
        distance = np.hypot(centres.x - spot.x, centres.y - spot.y)
        close += bool(len(hot)) and float(distance.min()) <= 300.0
    assert close >= 9


def test_grid_stays_put_when_filters_change(incidents: gpd.GeoDataFrame) -> None:
    everything = analyze(incidents, cell_size_m=500, lisa=False)
    some = analyze(incidents, cell_size_m=500, lisa=False, filters=Filters(offenses=("Assault",)))
    assert everything.cells["cell_id"].tolist() == some.cells["cell_id"].tolist()
    assert some.cells["count"].sum() == (incidents["offense"] == "Assault").sum()
    assert some.params["filters"]["offenses"] == ["Assault"]


def test_hexagons_and_distance_band(incidents: gpd.GeoDataFrame) -> None:
    hexes = analyze(incidents, grid="hex", cell_size_m=400, lisa=False)
    assert hexes.cells["count"].sum() == len(incidents)
    assert "hexagon" in hexes.params["neighbourhood"]
    band = analyze(incidents, cell_size_m=250, distance_band_m=600, lisa=False)
    assert band.params["neighbourhood"] == "distance band 600 m"
    assert band.cells["hotspot"].any()


def test_boundaries_give_area_counts_rates_and_cell_names(
    incidents: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame
) -> None:
    result = analyze(incidents, boundaries=boundaries, cell_size_m=500, seed=2)
    areas = result.areas
    assert areas is not None
    assert areas["count"].sum() == len(incidents)
    assert result.params["area_counts"] == "point in polygon"
    sw = areas.set_index("name").loc["SW"]
    assert sw["rate_per_1000"] == pytest.approx(sw["count"] / 10.0)
    assert np.isnan(areas.set_index("name").loc["NW", "rate_per_1000"])
    assert sw["area_km2"] == pytest.approx(25.0, rel=1e-3)
    # The planted hotspot is in the south-west quadrant.
    assert (result.hotspots["neighbourhood"].iloc[0]) == "SW"
    assert set(result.cells["neighbourhood"].dropna()) == {"SW", "SE", "NW", "NE"}


def test_source_labels_are_used_for_areas_when_they_match(
    incidents: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame
) -> None:
    labelled = incidents.assign(neighbourhood=pd.array(["NE"] * len(incidents), dtype="string"))
    result = analyze(labelled, boundaries=boundaries, cell_size_m=500, lisa=False)
    assert result.params["area_counts"] == "source labels"
    assert result.areas is not None
    assert result.areas.set_index("name").loc["NE", "count"] == len(incidents)


def test_empty_selection_gives_no_hotspots_not_an_error(incidents: gpd.GeoDataFrame) -> None:
    result = analyze(incidents, cell_size_m=500, filters=Filters(start="2030-01-01"), lisa=False)
    assert result.cells["count"].sum() == 0
    assert result.hotspots.empty


def test_bad_input_is_explained(incidents: gpd.GeoDataFrame) -> None:
    with pytest.raises(ColumnError, match="offense"):
        analyze(incidents.drop(columns="offense"))
    with pytest.raises(EmptyDataError):
        analyze(incidents.iloc[:0])
    with pytest.raises(CRSError, match="to_metric"):
        analyze(incidents.to_crs(4326))
    with pytest.raises(InputError, match="grid='triangle'"):
        analyze(incidents, grid="triangle")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="alpha"):
        analyze(incidents, alpha=1.5)


def test_sparse_counts_come_with_a_caveat_only_with_normal_p_values(
    incidents: gpd.GeoDataFrame,
) -> None:
    sparse = analyze(incidents.iloc[:500], cell_size_m=200, lisa=False, inference="normal")
    assert any("sparse" in note.lower() for note in sparse.params["notes"])
    exact = analyze(incidents.iloc[:500], cell_size_m=200, lisa=False)
    assert not any("sparse" in note.lower() for note in exact.params["notes"])
    assert exact.params["inference"] == "exact" and "exact" in exact.params["statistic"]
    dense = analyze(incidents, cell_size_m=1_000, lisa=False)
    assert dense.params["notes"] == []


def test_top_label_is_the_most_common_and_ties_go_to_the_first_seen() -> None:
    from hotspots.analysis import _top_label

    rng = np.random.default_rng(4)
    cell_id = rng.integers(-1, 30, 5_000)
    offense = pd.Series(rng.choice(["a", "b", "c", None], 5_000), dtype="category")
    hot = np.array([0, 3, 7, 11, 29, 40])  # cell 40 holds no incidents
    got = _top_label(cell_id, offense, hot)
    # The reference: counts per (cell, offense) in order of first appearance, most first.
    frame = pd.DataFrame({"cell_id": cell_id, "offense": offense.astype("string")})
    frame = frame.loc[frame["cell_id"].isin(hot)].dropna()
    for cell, group in frame.groupby("cell_id"):
        counts = group["offense"].value_counts(sort=False)
        best = counts.max()
        first_seen = next(o for o in group["offense"] if counts[o] == best)
        assert got.loc[cell, "label"] == first_seen and got.loc[cell, "n"] == best
    assert 40 not in got.index
    tie = _top_label(np.array([5, 5, 5, 5]), pd.Series(["y", "x", "x", "y"]), np.array([5]))
    assert tie.loc[5, "label"] == "y" and tie.loc[5, "n"] == 2
    # A label per incident (street names, say): counted over the pairs that occur, not a
    # cells x labels table (50,000 x 100,000 counters here).
    labels = pd.Series([f"street {i}" for i in range(100_000)])
    many = _top_label(np.arange(100_000) % 50_000, labels, np.arange(50_000))
    assert len(many) == 50_000 and (many["n"] == 1).all()
    assert many.loc[7, "label"] == "street 7"  # a tie with "street 50007", seen first


def test_top_label_counted_a_block_at_a_time_as_over_the_sorted_pairs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hotspots import analysis
    from hotspots.blocks import BLOCK

    rng = np.random.default_rng(5)
    n = 2 * BLOCK + 1_001  # three blocks; ties are settled by the first incident overall
    cell_id = rng.integers(-1, 400, n)
    offense = pd.Series(pd.Categorical.from_codes(rng.integers(-1, 3, n), ["a", "b", "c"]))
    hot = np.arange(0, 400, 3)
    in_table = analysis._top_label(cell_id, offense, hot)
    monkeypatch.setattr(analysis, "_PAIR_TABLE", 0)  # every pair sorted instead
    pd.testing.assert_frame_equal(in_table, analysis._top_label(cell_id, offense, hot))
    # A tie between "x", first at the end of the first block, and "y", first at the start of
    # the second, where "x" comes again after "y": "x" was seen first.
    codes = np.full(2 * BLOCK, -1)
    codes[[BLOCK - 1, BLOCK, BLOCK + 1, BLOCK + 2]] = [0, 1, 1, 0]
    labels = pd.Series(pd.Categorical.from_codes(codes, ["x", "y"]))
    tie = analysis._top_label(np.full(2 * BLOCK, 9), labels, np.array([9]))
    assert tie.loc[9, "n"] == 2 and tie.loc[9, "label"] == "x"


def test_what_load_incidents_returns_can_be_analysed_as_it_is(tmp_path: Path) -> None:
    from hotspots.ingest import load_incidents
    from hotspots.ingest.synthetic import synthetic_csv

    loaded = load_incidents(synthetic_csv(tmp_path / "incidents.csv", 3_000, hotspots=2))
    direct = analyze(loaded, cell_size_m=500, lisa=False, quiet=True)
    via_table = analyze(loaded.table, cell_size_m=500, lisa=False, quiet=True)
    assert direct.cells["count"].equals(via_table.cells["count"])
    assert direct.hotspots.equals(via_table.hotspots)
    with pytest.raises(InputError, match="neither an IncidentTable nor a GeoDataFrame"):
        analyze("incidents.csv", cell_size_m=500)  # type: ignore[arg-type]
