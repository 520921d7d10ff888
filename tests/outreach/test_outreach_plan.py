"""plan_outreach and coverage_curve: exact optimum (checked by brute force), invariants, outputs."""

from __future__ import annotations

import json
import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from outreach_helpers import UTM16, X0, Y0, brute_force_best, random_instance, within

from hotspots.outreach import (
    AREA_COLUMNS,
    CURVE_COLUMNS,
    SITE_COLUMNS,
    OutreachPlan,
    candidate_sites,
    coverage_curve,
    plan_outreach,
)
from hotspots.outreach import plan as plan_module
from hotspots.outreach.solvers import Solution
from hotspots.spatial.projection import to_display

RADIUS_M = 900.0


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("fixed", [(), (2,), (0, 7)])
def test_exact_equals_brute_force_and_greedy_is_never_better(
    seed: int, fixed: tuple[int, ...]
) -> None:
    demand, candidates = random_instance(seed, n_demand=30 + 6 * seed, n_candidates=8 + (seed % 5))
    cover = within(demand, candidates, RADIUS_M)
    weight = demand["weight"].to_numpy()
    for k in range(max(1, len(fixed)), 5):
        best = brute_force_best(cover, weight, k=k, fixed=fixed)
        plan = plan_outreach(
            demand, candidates, k=k, radius_m=RADIUS_M, weight="weight", fixed=list(fixed)
        )
        assert plan.status == "optimal"
        assert plan.covered_weight == pytest.approx(best, abs=1e-9)
        quick = plan_outreach(
            demand,
            candidates,
            k=k,
            radius_m=RADIUS_M,
            weight="weight",
            fixed=list(fixed),
            method="greedy",
        )
        assert quick.status == "heuristic"
        assert quick.covered_weight <= plan.covered_weight + 1e-9
        for result in (plan, quick):
            assert len(result.sites) == k
            chosen = result.sites["candidate"].to_numpy(dtype=int)
            assert set(fixed) <= set(chosen.tolist())
            # The reported total is what the chosen sites really cover.
            assert result.covered_weight == pytest.approx(
                weight[cover[:, chosen].any(axis=1)].sum()
            )


@pytest.mark.parametrize("seed", [21, 22])
def test_fractional_weights_are_solved_exactly(seed: int) -> None:
    demand, candidates = random_instance(seed, n_demand=50, n_candidates=11)
    demand["weight"] = np.random.default_rng(seed).choice([0.5, 1.25, 2.0, 3.7], len(demand))
    cover = within(demand, candidates, RADIUS_M)
    for k in (2, 3):
        plan = plan_outreach(demand, candidates, k=k, radius_m=RADIUS_M, weight="weight")
        best = brute_force_best(cover, demand["weight"].to_numpy(), k=k)
        assert plan.covered_weight == pytest.approx(best, rel=1e-12)


def test_plan_tables_are_consistent(instance: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    demand, candidates = instance
    plan = plan_outreach(
        demand, candidates, k=3, radius_m=RADIUS_M, weight="weight", area="hood", fixed=["Site 4"]
    )
    sites = plan.sites
    assert list(sites.columns) == [*SITE_COLUMNS, "geometry"]
    assert sites.crs == plan.crs
    assert sites["rank"].tolist() == [1, 2, 3]
    assert sites["fixed"].tolist() == [True, False, False]
    assert sites["name"].iloc[0] == "Site 4"
    assert sites["added_weight"].sum() == pytest.approx(plan.covered_weight)
    assert (sites["unique_weight"] <= sites["covered_weight"] + 1e-12).all()
    assert (sites["added_weight"] <= sites["covered_weight"] + 1e-12).all()
    # Free sites are ranked by what they add.
    assert sites["added_weight"].iloc[1] >= sites["added_weight"].iloc[2]

    cover = within(demand, candidates, RADIUS_M)
    chosen = sites["candidate"].to_numpy(dtype=int)
    weight = demand["weight"].to_numpy()
    np.testing.assert_allclose(sites["covered_weight"], weight @ cover[:, chosen])
    np.testing.assert_array_equal(sites["n_demand_points"], cover[:, chosen].sum(axis=0))
    np.testing.assert_array_equal(plan.demand["covered"], cover[:, chosen].any(axis=1))
    np.testing.assert_array_equal(plan.demand["n_sites"], cover[:, chosen].sum(axis=1))
    assert plan.n_covered_points == int(cover[:, chosen].any(axis=1).sum())
    assert plan.total_weight == pytest.approx(weight.sum())
    assert plan.share == pytest.approx(plan.covered_weight / plan.total_weight)
    for row in sites.itertuples():
        hoods = set(demand["hood"].to_numpy()[cover[:, int(row.candidate)]])
        assert set(filter(None, str(row.areas_reached).split("; "))) == hoods
        assert row.n_areas_reached == len(hoods)

    by_area = plan.by_area
    assert list(by_area.columns) == list(AREA_COLUMNS)
    assert set(by_area["area"]) == {"North", "South", "East"}
    assert by_area["total_weight"].sum() == pytest.approx(plan.total_weight)
    assert by_area["covered_weight"].sum() == pytest.approx(plan.covered_weight)
    assert by_area["share"].is_monotonic_increasing
    assert by_area["n_demand_points"].sum() == len(demand)

    assert plan.candidates["chosen"].sum() == 3
    assert plan.candidates.loc[plan.candidates["chosen"], "rank"].notna().all()
    assert plan.candidates.loc[~plan.candidates["chosen"], "rank"].isna().all()
    np.testing.assert_allclose(plan.candidates["covered_weight"], weight @ cover)

    assert plan.parameters["fixed"] == ["Site 4"]
    assert plan.parameters["radius_m"] == RADIUS_M
    assert plan.gap == 0.0
    assert plan.reduction.n_demand == len(demand)


def test_coverage_curve_invariants(instance: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    demand, candidates = instance
    curve = coverage_curve(
        demand, candidates, k_max=6, radius_m=RADIUS_M, weight="weight", method="both"
    )
    assert list(curve.columns) == [*CURVE_COLUMNS, "greedy_weight", "greedy_share", "greedy_gap"]
    assert curve["k"].tolist() == [1, 2, 3, 4, 5, 6]
    assert (curve["covered_weight"].diff().dropna() >= -1e-9).all()
    assert (curve["greedy_weight"] <= curve["covered_weight"] + 1e-9).all()
    np.testing.assert_allclose(
        curve["greedy_gap"], curve["covered_weight"] - curve["greedy_weight"], atol=1e-9
    )
    np.testing.assert_allclose(curve["marginal_gain"].cumsum(), curve["covered_weight"])
    assert set(curve["status"]) == {"optimal"}
    assert curve.attrs["total_weight"] == pytest.approx(demand["weight"].sum())
    cover = within(demand, candidates, RADIUS_M)
    for row in curve.itertuples():
        best = brute_force_best(cover, demand["weight"].to_numpy(), k=int(row.k))
        assert row.covered_weight == pytest.approx(best)
        assert len(str(row.sites).split("; ")) == row.k


def test_coverage_curve_keeps_fixed_sites(
    instance: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    demand, candidates = instance
    curve = coverage_curve(
        demand, candidates, k_max=5, radius_m=RADIUS_M, weight="weight", fixed=["Site 1", 8]
    )
    assert curve["k"].tolist() == [2, 3, 4, 5]
    for sites in curve["sites"]:
        assert {"Site 1", "Site 8"} <= set(sites.split("; "))
    greedy_only = coverage_curve(
        demand, candidates, k_max=4, radius_m=RADIUS_M, weight="weight", method="greedy"
    )
    assert list(greedy_only.columns) == list(CURVE_COLUMNS)
    assert set(greedy_only["status"]) == {"heuristic"}
    assert set(greedy_only["method"]) == {"greedy"}


def test_greedy_gap_is_reported_on_a_classic_trap() -> None:
    """Greedy opens the middle site first (11) and then misses the best pair (West + East)."""
    #           L2      West    L1      Middle  R1      East    R2      M (north of Middle)
    xs = np.array([-500.0, 500.0, 1_500.0, 2_500.0, 1_000.0])
    ys = np.array([0.0, 0.0, 0.0, 0.0, 800.0])
    demand = gpd.GeoDataFrame(
        {"weight": [5.0, 5.0, 5.0, 5.0, 1.0]},
        geometry=shapely.points(xs + X0, ys + Y0),
        crs=UTM16,
    )
    sites = gpd.GeoDataFrame(
        {"name": ["West", "Middle", "East"]},
        geometry=shapely.points(np.array([0.0, 1_000.0, 2_000.0]) + X0, np.full(3, Y0)),
        crs=UTM16,
    )
    curve = coverage_curve(demand, sites, k_max=2, radius_m=1_000.0, weight="weight", method="both")
    one, two = curve.set_index("k").loc[1], curve.set_index("k").loc[2]
    assert one["covered_weight"] == pytest.approx(11.0)
    assert one["greedy_gap"] == 0.0
    assert two["covered_weight"] == pytest.approx(20.0)
    assert two["greedy_weight"] == pytest.approx(16.0)
    assert two["greedy_gap"] == pytest.approx(4.0)
    assert set(two["sites"].split("; ")) == {"West", "East"}
    greedy_plan = plan_outreach(
        demand, sites, k=2, radius_m=1_000.0, weight="weight", method="greedy"
    )
    assert greedy_plan.sites["name"].iloc[0] == "Middle"
    assert greedy_plan.gap is None


def test_time_limit_is_reported_honestly(
    monkeypatch: pytest.MonkeyPatch, instance: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]
) -> None:
    demand, candidates = instance
    real = plan_module.solve_mclp

    def stopped(*args: object, **kwargs: object) -> Solution:
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        return Solution(found.chosen, found.value, "feasible", found.value * 1.25, 0.1)

    monkeypatch.setattr(plan_module, "solve_mclp", stopped)
    plan = plan_outreach(
        demand, candidates, k=2, radius_m=RADIUS_M, weight="weight", time_limit_s=5
    )
    assert plan.status == "feasible"
    assert plan.upper_bound is not None and plan.upper_bound > plan.covered_weight
    assert plan.gap is not None and 0 < plan.gap < 0.25
    assert "not proven optimal" in plan.status_text
    assert "5 s" in plan.status_text
    assert "not proven optimal" in plan.summary()


def test_lon_lat_input_is_projected_and_said(
    instance: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    demand, candidates = instance
    in_utm = plan_outreach(demand, candidates, k=3, radius_m=RADIUS_M, weight="weight")
    in_degrees = plan_outreach(
        demand.to_crs(4326), candidates.to_crs(4326), k=3, radius_m=RADIUS_M, weight="weight"
    )
    assert in_degrees.crs.to_epsg() == UTM16
    assert in_degrees.covered_weight == pytest.approx(in_utm.covered_weight)
    assert "straight-line" in in_degrees.distance_note
    assert "UTM zone 16N" in in_degrees.distance_note
    assert "UTM zone 16N" in in_degrees.parameters["distance"]
    assert "UTM zone 16N" in in_degrees.summary()


def test_exports(instance: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    demand, candidates = instance
    plan = plan_outreach(demand, candidates, k=3, radius_m=RADIUS_M, weight="weight", area="hood")
    table = plan.sites_table()
    assert list(table.columns) == [*SITE_COLUMNS, "lon", "lat"]
    assert table["lon"].between(-90, -84).all() and table["lat"].between(41, 43).all()
    csv = table.to_csv(index=False)
    assert csv.splitlines()[0].startswith("rank,name,fixed")
    geojson = json.loads(to_display(plan.sites).to_json())
    assert len(geojson["features"]) == 3
    assert geojson["features"][0]["properties"]["name"] == plan.sites["name"].iloc[0]
    circles = plan.coverage_circles()
    assert circles.crs == plan.crs
    np.testing.assert_allclose(circles.area, np.pi * RADIUS_M**2, rtol=2e-3)
    assert circles["name"].tolist() == plan.sites["name"].tolist()


def test_polygon_demand_and_automatic_candidates() -> None:
    cells = gpd.GeoDataFrame(
        {"count": np.arange(16, dtype=float)},
        geometry=[
            shapely.box(X0 + 500 * i, Y0 + 500 * j, X0 + 500 * (i + 1), Y0 + 500 * (j + 1))
            for i in range(4)
            for j in range(4)
        ],
        crs=UTM16,
    )
    sites = candidate_sites(cells, prefix="Cell")
    assert list(sites.columns) == ["name", "geometry"]
    assert sites["name"].iloc[3] == "Cell 3"
    assert shapely.contains(cells.geometry.values, sites.geometry.values).all()
    plan = plan_outreach(cells, sites, k=1, radius_m=500.0, weight="count")
    # Cell centres are 500 m apart: a site reaches its cell and the edge neighbours.
    assert plan.candidates["n_demand_points"].min() == 3  # corners
    assert plan.candidates["n_demand_points"].max() == 5  # interior
    # Best: the east-edge cell 14 (counts 14 + 15 + 13 + 10) beats any interior cell.
    assert plan.covered_weight == pytest.approx(52.0)
    assert plan.sites["name"].iloc[0] == "Cell 14"
    assert plan.demand.geom_type.eq("Polygon").all()


def test_candidate_sites_uses_a_point_inside_concave_areas() -> None:
    # A "U" whose centroid falls in the notch.
    u_shape = shapely.Polygon(
        [(0, 0), (300, 0), (300, 300), (200, 300), (200, 100), (100, 100), (100, 300), (0, 300)]
    )
    areas = gpd.GeoDataFrame(
        {"name": ["Harbour"], "other": [1]},
        geometry=[shapely.affinity.translate(u_shape, X0, Y0)],
        crs=UTM16,
    )
    sites = candidate_sites(areas)
    assert sites["name"].tolist() == ["Harbour"]
    assert shapely.contains(areas.geometry.values, sites.geometry.values).all()
    lonlat = candidate_sites(areas.to_crs(4326), name="name")
    assert lonlat.crs.to_epsg() == UTM16


def test_extra_sites_that_add_nothing_are_flagged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    demand = gpd.GeoDataFrame(geometry=shapely.points([X0, X0 + 5_000], [Y0, Y0]), crs=UTM16)
    sites = gpd.GeoDataFrame(
        {"name": ["A", "B", "C", "D"]},
        geometry=shapely.points([X0, X0 + 5_000, X0 + 20_000, X0 + 100], [Y0] * 4),
        crs=UTM16,
    )
    with caplog.at_level(logging.WARNING):
        plan = plan_outreach(demand, sites, k=4, radius_m=500.0)
    assert len(plan.sites) == 4
    assert plan.share == 1.0
    assert plan.sites["added_weight"].tolist() == [1.0, 1.0, 0.0, 0.0]
    # D is near demand (already covered) so it is placed before C.
    assert plan.sites["name"].tolist()[2:] == ["D", "C"]
    assert "add coverage" in caplog.text


def test_names_are_generated_when_missing() -> None:
    demand, candidates = random_instance(3)
    unnamed = candidates.drop(columns="name")
    unnamed.index = pd.Index([f"p{i}" for i in range(len(unnamed))])
    plan = plan_outreach(demand, unnamed, k=2, radius_m=RADIUS_M)
    assert all(name.startswith("Site p") for name in plan.sites["name"])
    partly = candidates.copy()
    partly.loc[0, "name"] = None
    plan = plan_outreach(demand, partly, k=10, radius_m=RADIUS_M)
    assert "Site 0" in plan.sites["name"].tolist()


def test_result_is_frozen(instance: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    demand, candidates = instance
    plan = plan_outreach(demand, candidates, k=1, radius_m=RADIUS_M)
    assert isinstance(plan, OutreachPlan)
    with pytest.raises(AttributeError):
        plan.k = 3  # type: ignore[misc]
