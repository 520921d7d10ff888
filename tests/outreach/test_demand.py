"""From an analysis to the planner's inputs: demand, candidates, reach, site files, exports."""

from __future__ import annotations

import io
import itertools
import json
import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from planning_helpers import CRS, HOODS, X0, Y0, neighbourhoods, town_analysis, town_incidents
from scipy.spatial.distance import cdist

from hotspots.errors import CRSError, EmptyDataError, InputError
from hotspots.outreach.candidates import candidates_from_analysis, describe_candidates
from hotspots.outreach.demand import (
    DEMAND_COLUMNS,
    _unique_rows,
    demand_from_hotspots,
    demand_from_incidents,
)
from hotspots.outreach.export import (
    SITES_TABLE_COLUMNS,
    plan_record,
    sites_csv,
    sites_geojson,
    write_plan,
)
from hotspots.outreach.from_analysis import outreach_demand, outreach_inputs
from hotspots.outreach.reach import REACH_COLUMNS

RADIUS_M = 700.0


def _xy(frame: gpd.GeoDataFrame) -> np.ndarray:
    return shapely.get_coordinates(frame.geometry.centroid.values)


# -- demand from incidents ------------------------------------------------------------------


def test_incident_demand_keeps_every_incident_and_every_area_total() -> None:
    analysis = town_analysis()
    demand = demand_from_incidents(analysis.incidents, cell_size_m=100.0, areas=analysis.areas)
    assert list(demand.columns) == [*DEMAND_COLUMNS, "geometry"]
    assert demand.crs.to_epsg() == CRS
    assert demand["incidents"].sum() == len(analysis.incidents)
    assert demand["weight"].sum() == pytest.approx(len(analysis.incidents), abs=1e-9)
    assert len(demand) < len(analysis.incidents)
    # Areas found by point in polygon (the synthetic incidents carry no labels): totals exact.
    assert set(demand["area"].dropna()) <= set(HOODS)
    located = gpd.sjoin(
        analysis.incidents[["geometry"]], neighbourhoods(), predicate="within", how="left"
    )
    expected = located["name"].value_counts()
    got = demand.groupby("area")["incidents"].sum()
    assert got.reindex(expected.index).tolist() == expected.tolist()


def test_each_demand_point_sits_among_its_incidents() -> None:
    incidents = town_incidents(800, seed=2)
    size = 250.0
    demand = demand_from_incidents(incidents, cell_size_m=size)
    xy = _xy(demand)
    # The point lies in the cell of its incidents (same floor(x / size)).
    cells = np.floor(xy / size)
    inc_cells = np.unique(
        np.floor(shapely.get_coordinates(incidents.geometry.values) / size), axis=0
    )
    assert {tuple(c) for c in cells.tolist()} == {tuple(c) for c in inc_cells.tolist()}
    # No areas without labels or boundaries.
    assert demand["area"].isna().all()
    # Same input, same output.
    again = demand_from_incidents(incidents, cell_size_m=size)
    assert np.array_equal(_xy(again), xy)
    assert demand.attrs["parameters"]["cell_size_m"] == size


def test_one_cell_gives_the_weighted_mean_location() -> None:
    points = gpd.GeoDataFrame(
        {"offense": ["Assault", "Robbery", "Assault"]},
        geometry=shapely.points([[X0 + 10, Y0 + 10], [X0 + 40, Y0 + 10], [X0 + 10, Y0 + 70]]),
        crs=CRS,
    )
    demand = demand_from_incidents(points, offense_weights={"Robbery": 2.0})
    assert len(demand) == 1
    assert demand["weight"].iloc[0] == pytest.approx(4.0)
    assert demand["incidents"].iloc[0] == 3
    x, y = _xy(demand)[0]
    assert x == pytest.approx(X0 + (10 + 80 + 10) / 4)
    assert y == pytest.approx(Y0 + (10 + 20 + 70) / 4)


def test_offense_weights_weigh_leave_out_and_ignore_case() -> None:
    incidents = town_incidents(600, seed=3)
    counts = incidents["offense"].value_counts()
    demand = demand_from_incidents(incidents, offense_weights={"assault": 2, "Robbery": 0})
    expected = len(incidents) + counts["Assault"] - counts["Robbery"]
    assert demand["weight"].sum() == pytest.approx(expected)
    assert demand["incidents"].sum() == len(incidents) - counts["Robbery"]
    assert demand.attrs["parameters"]["offense_weights"] == {"assault": 2.0, "Robbery": 0.0}


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ({"Asault": 2}, r"offense_weights=\{'Asault': 2\}.*'Assault'.*spelling"),
        ({"Assault": -1}, r"finite numbers >= 0"),
        ({"Assault": float("nan")}, r"finite numbers >= 0"),
        ({"Assault": "2"}, r"finite numbers >= 0"),
        ([("Assault", 2)], r"a dict of offense name to weight"),
    ],
)
def test_bad_offense_weights(weights: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        demand_from_incidents(town_incidents(50), offense_weights=weights)  # type: ignore[arg-type]


def test_every_weight_zero_leaves_no_demand() -> None:
    incidents = town_incidents(50)
    zero = {name: 0 for name in incidents["offense"].unique()}
    with pytest.raises(EmptyDataError, match="weight 0"):
        demand_from_incidents(incidents, offense_weights=zero)


@pytest.mark.parametrize("size", [0, -5, float("nan"), "100", True])
def test_bad_cell_size(size: object) -> None:
    with pytest.raises(InputError, match=r"cell_size_m=.*positive number of metres"):
        demand_from_incidents(town_incidents(20), cell_size_m=size)  # type: ignore[arg-type]


def test_demand_input_errors() -> None:
    incidents = town_incidents(20)
    with pytest.raises(CRSError, match="no CRS"):
        demand_from_incidents(incidents.set_crs(None, allow_override=True))
    with pytest.raises(EmptyDataError, match="empty"):
        demand_from_incidents(incidents.iloc[:0])
    with pytest.raises(InputError, match="GeoDataFrame"):
        demand_from_incidents(pd.DataFrame(incidents.drop(columns="geometry")))  # type: ignore[arg-type]


def test_lon_lat_incidents_are_measured_in_metres() -> None:
    incidents = town_incidents(300, seed=9)
    metric = demand_from_incidents(incidents)
    lonlat = demand_from_incidents(incidents.to_crs(4326))
    assert lonlat.crs.is_projected
    assert lonlat["weight"].sum() == metric["weight"].sum()


# -- demand from hot spots, candidates ------------------------------------------------------


def test_hotspot_demand_is_the_significant_cells() -> None:
    analysis = town_analysis()
    demand = demand_from_hotspots(analysis)
    hot = analysis.cells.loc[analysis.cells["hotspot"]]
    assert len(demand) == len(hot) > 0
    assert set(demand["cell_id"]) == set(hot["cell_id"])
    assert demand["weight"].sum() == hot["count"].sum()
    assert demand["gi_z"].is_monotonic_decreasing
    weighted = demand_from_hotspots(analysis, offense_weights={"Assault": 3})
    in_hot = analysis.incidents.loc[analysis.incidents["cell_id"].isin(hot["cell_id"])]
    expected = len(in_hot) + 2 * int((in_hot["offense"] == "Assault").sum())
    assert weighted["weight"].sum() == pytest.approx(expected)
    assert weighted["incidents"].sum() == len(in_hot)
    without = demand_from_hotspots(analysis, offense_weights={"Assault": 0})
    assert without["incidents"].sum() == int((in_hot["offense"] != "Assault").sum())
    assert (without["weight"] == without["incidents"]).all()


def test_no_hot_spots_no_hotspot_demand() -> None:
    analysis = town_analysis()
    cold = type(analysis)(
        cells=analysis.cells.assign(hotspot=False),
        areas=analysis.areas,
        hotspots=analysis.hotspots.iloc[:0],
        selected=analysis.selected,
        grid=analysis.grid,
        params=analysis.params,
    )
    with pytest.raises(EmptyDataError, match="no significant hot spot cells"):
        demand_from_hotspots(cold)
    with pytest.raises(EmptyDataError, match="no hot spot"):
        candidates_from_analysis(cold, "hotspots")


def test_automatic_candidates() -> None:
    analysis = town_analysis()
    hot = candidates_from_analysis(analysis, "hotspots")
    assert len(hot) == len(analysis.hotspots)
    assert hot["name"].iloc[0].startswith("Hot spot 1 (")
    assert hot["name"].is_unique and (hot["source"] == "hot spot cell").all()
    cells = analysis.cells.set_index("cell_id").loc[analysis.hotspots["cell_id"]]
    assert shapely.contains(cells.geometry.values, hot.geometry.values).all()
    areas = candidates_from_analysis(analysis, "neighbourhoods")
    assert sorted(areas["name"]) == sorted(HOODS)
    both = candidates_from_analysis(analysis, ["hotspots", "neighbourhoods"])
    assert len(both) == len(hot) + len(areas)
    with pytest.raises(InputError, match=r"source='cells' is not allowed"):
        candidates_from_analysis(analysis, "cells")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="needs neighbourhood boundaries"):
        candidates_from_analysis(town_analysis(with_areas=False), "neighbourhoods")


def test_hot_spot_candidates_are_capped_by_rank_and_the_count_is_stated() -> None:
    analysis = town_analysis()
    n_hot = len(analysis.hotspots)
    assert n_hot >= 3
    top = candidates_from_analysis(analysis, "hotspots", max_hotspot_sites=2)
    assert [name.split(" (")[0] for name in top["name"]] == ["Hot spot 1", "Hot spot 2"]
    assert describe_candidates(analysis, "hotspots", max_hotspot_sites=2) == (
        f"2 hot spot cell centres (the 2 highest-ranked by Gi* of {n_hot:,} hot spot cells)"
    )
    assert describe_candidates(analysis, "hotspots").startswith(
        f"{n_hot:,} hot spot cell centres (every significant hot spot cell"
    )
    inputs = outreach_inputs(analysis, candidates="hotspots", max_hotspot_sites=2)
    assert len(inputs.candidates) == 2
    assert inputs.parameters["candidates_note"].startswith("2 hot spot cell centres")
    with pytest.raises(InputError, match="max_hotspot_sites=0"):
        candidates_from_analysis(analysis, "hotspots", max_hotspot_sites=0)


def test_a_demand_frame_built_once_serves_every_candidate_source() -> None:
    analysis = town_analysis()
    frame = outreach_demand(analysis, offense_weights={"Assault": 2})
    for source in ("hotspots", "neighbourhoods"):
        reused = outreach_inputs(
            analysis, candidates=source, offense_weights={"Assault": 2}, demand_frame=frame
        )
        fresh = outreach_inputs(analysis, candidates=source, offense_weights={"Assault": 2})
        assert reused.demand is frame
        pd.testing.assert_frame_equal(pd.DataFrame(reused.demand), pd.DataFrame(fresh.demand))
        assert reused.demand_label == fresh.demand_label == "weighted incidents"


# -- the bundle: plan, proven against brute force, reach ------------------------------------


def _brute_force(inputs_demand: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, k: int) -> float:
    cover = cdist(_xy(inputs_demand), _xy(sites)) <= RADIUS_M
    weight = inputs_demand["weight"].to_numpy()
    return max(
        float(weight[cover[:, list(chosen)].any(axis=1)].sum())
        for chosen in itertools.combinations(range(len(sites)), k)
    )


@pytest.mark.parametrize("demand", ["incidents", "hotspots"])
def test_plan_from_an_analysis_is_the_brute_force_optimum(demand: str) -> None:
    analysis = town_analysis()
    inputs = outreach_inputs(analysis, demand=demand, candidates="neighbourhoods")  # type: ignore[arg-type]
    for k in (1, 2, 3):
        plan = inputs.plan(k=k, radius_m=RADIUS_M)
        assert plan.status == "optimal"
        assert plan.covered_weight == pytest.approx(
            _brute_force(inputs.demand, inputs.candidates, k), abs=1e-9
        )
    curve = inputs.curve(k_max=3, radius_m=RADIUS_M, method="both")
    assert curve["covered_weight"].iloc[-1] == pytest.approx(plan.covered_weight)
    assert (curve["greedy_gap"] >= 0).all()


def test_reach_counts_incidents_hot_cells_and_areas() -> None:
    analysis = town_analysis()
    inputs = outreach_inputs(analysis, candidates="hotspots", offense_weights={"Assault": 2})
    plan = inputs.plan(k=3, radius_m=RADIUS_M)
    reach = inputs.reach(plan)
    assert list(reach.by_site.columns) == list(REACH_COLUMNS)
    assert reach.by_site["rank"].tolist() == [1, 2, 3]
    # Incidents are unweighted: brute-force them from the demand points.
    xy, sites = _xy(inputs.demand), _xy(plan.sites)
    in_range = cdist(xy, sites) <= RADIUS_M
    counts = inputs.demand["incidents"].to_numpy()
    # The reach is read from the plan's own coverage matrix, which is the brute-force one.
    assert np.array_equal(plan.in_range.toarray(), in_range)
    assert reach.by_site["incidents"].tolist() == (counts @ in_range).tolist()
    assert reach.incidents_covered == int(counts[in_range.any(axis=1)].sum())
    assert reach.by_site["incidents_added"].sum() == reach.incidents_covered
    assert reach.incidents_total == len(analysis.incidents)
    hot_xy = _xy(inputs.hot_cells)
    hot_in_range = cdist(hot_xy, sites) <= RADIUS_M
    assert reach.by_site["hotspot_cells"].tolist() == hot_in_range.sum(axis=0).tolist()
    assert reach.hotspot_cells_covered == int(hot_in_range.any(axis=1).sum())
    assert reach.hotspot_cells_total == len(analysis.hotspots)
    assert reach.areas_total == len(HOODS)
    assert 0 < reach.areas_reached <= len(HOODS)
    assert "hot spot cells" in reach.describe()


def test_existing_sites_always_stay_and_fixed_names_resolve() -> None:
    analysis = town_analysis()
    existing = gpd.GeoDataFrame(
        {"name": ["Old hall"]}, geometry=[shapely.Point(X0 + 5_900, Y0 + 100)], crs=CRS
    )
    inputs = outreach_inputs(analysis, candidates="neighbourhoods", existing=existing)
    assert inputs.existing == (len(HOODS),)
    assert inputs.candidates["source"].iloc[-1] == "existing"
    plan = inputs.plan(k=3, radius_m=RADIUS_M, fixed=["Centre"])
    assert plan.sites["name"].tolist()[:2] == ["Old hall", "Centre"]
    assert plan.sites["fixed"].tolist() == [True, True, False]
    with pytest.raises(InputError, match="fixed='Nowhere'"):
        inputs.plan(k=3, radius_m=RADIUS_M, fixed=["Nowhere"])


def test_fairness_needs_areas_and_the_curve_stops_at_the_candidates(
    caplog: pytest.LogCaptureFixture,
) -> None:
    no_areas = outreach_inputs(town_analysis(with_areas=False), candidates="hotspots")
    assert not no_areas.has_areas
    with pytest.raises(InputError, match=r"min_share_per_area=0.2.*boundaries"):
        no_areas.plan(k=2, radius_m=RADIUS_M, min_share_per_area=0.2)
    inputs = outreach_inputs(town_analysis(), candidates="neighbourhoods")
    with caplog.at_level(logging.INFO, logger="hotspots.outreach.from_analysis"):
        curve = inputs.curve(k_max=50, radius_m=RADIUS_M)
    assert curve["k"].max() == len(HOODS)
    assert "stops at k=9" in caplog.text
    fair = inputs.plan(k=len(HOODS), radius_m=RADIUS_M, min_share_per_area=0.1)
    assert (fair.by_area["share"] >= 0.1 - 1e-9).all()


def test_own_candidates_and_bad_candidates() -> None:
    analysis = town_analysis()
    sites = gpd.GeoDataFrame(
        {"name": ["A", None]},
        geometry=[shapely.Point(X0 + 1_500, Y0 + 1_500), shapely.Point(X0 + 4_000, Y0 + 4_000)],
        crs=CRS,
    ).to_crs(4326)
    inputs = outreach_inputs(analysis, candidates=sites)
    assert inputs.candidates["name"].tolist() == ["A", "Site 2"]
    assert inputs.candidates.crs.to_epsg() == CRS
    with pytest.raises(InputError, match="demand='cells' is not allowed"):
        outreach_inputs(analysis, demand="cells")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"hotspots\.read_sites\(path\)"):
        outreach_inputs(analysis, candidates=pd.DataFrame({"name": ["A"]}))  # type: ignore[arg-type]
    with pytest.raises(CRSError, match="no CRS"):
        outreach_inputs(analysis, candidates=sites.set_crs(None, allow_override=True))


# -- files ----------------------------------------------------------------------------------


def test_exports_are_consistent(tmp_path: pytest.TempPathFactory) -> None:
    inputs = outreach_inputs(town_analysis(), candidates="neighbourhoods")
    plan = inputs.plan(k=3, radius_m=RADIUS_M)
    curve = inputs.curve(k_max=4, radius_m=RADIUS_M)
    reach = inputs.reach(plan)
    table = pd.read_csv(io.StringIO(sites_csv(plan, reach)))
    assert list(table.columns) == list(SITES_TABLE_COLUMNS)
    assert table["rank"].tolist() == [1, 2, 3]
    assert table["added_weight"].sum() == pytest.approx(plan.covered_weight)
    points = gpd.read_file(io.StringIO(sites_geojson(plan, reach)))
    assert points.crs.to_epsg() == 4326
    assert np.allclose(points.geometry.x, table["lon"], atol=1e-6)
    assert points["name"].tolist() == table["name"].tolist()
    record = plan_record(inputs, plan, reach=reach, curve=curve)
    text = json.dumps(record)
    assert json.loads(text)["result"]["share"] == pytest.approx(plan.share)
    assert record["result"]["incidents_covered"] == reach.incidents_covered
    assert record["parameters"]["inputs"]["candidates"] == "neighbourhoods"
    assert len(record["coverage_curve"]) == 4
    assert record["versions"]["pulp"]
    paths = write_plan(inputs, plan, tmp_path, curve=curve)  # type: ignore[arg-type]
    assert {p.name for p in paths.values()} == {
        "sites.csv",
        "sites.geojson",
        "coverage_curve.csv",
        "plan.json",
    }


def test_unique_rows_matches_numpys_row_unique() -> None:
    rng = np.random.default_rng(8)
    key = np.column_stack(
        [
            rng.integers(-40, 40, 5_000),
            rng.integers(7_000, 7_090, 5_000),
            rng.integers(-1, 5, 5_000),
        ]
    ).astype(np.int64)
    wide = key.copy()
    wide[:, 0] *= 2**40  # too wide for one int64: the row-wise unique runs
    for rows in (key, wide, key[:0]):
        expected, inverse = np.unique(rows, axis=0, return_inverse=True)
        unique, group = _unique_rows(rows)
        np.testing.assert_array_equal(unique, expected)
        np.testing.assert_array_equal(group, np.asarray(inverse).ravel())
