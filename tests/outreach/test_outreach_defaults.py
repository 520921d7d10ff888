"""Issue 14, Plan outreach: a default k that adds real coverage; worst-covered areas by
how much they leave out."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from outreach_helpers import UTM16, X0, Y0

from hotspots.analysis import analyze
from hotspots.ingest import load_boundaries, load_incidents
from hotspots.outreach import coverage_curve, outreach_inputs, plan_outreach
from hotspots.outreach.plan import suggested_k


def _instance() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    # Two busy clusters and one lone incident far away; nine candidates, most near nothing.
    rng = np.random.default_rng(4)
    busy = np.vstack([rng.normal((0, 0), 80, (60, 2)), rng.normal((3_000, 0), 80, (40, 2))])
    xy = np.vstack([busy, [[9_000, 9_000]]])
    area = ["West"] * 60 + ["East"] * 40 + ["Albany"]
    demand = gpd.GeoDataFrame(
        {"weight": 1.0, "area": area},
        geometry=shapely.points(X0 + xy[:, 0], Y0 + xy[:, 1]),
        crs=UTM16,
    )
    sites = [(0, 0), (3_000, 0), (9_000, 9_000)] + [(6_000 + 500 * i, -5_000) for i in range(6)]
    candidates = gpd.GeoDataFrame(
        {"name": [f"S{i}" for i in range(len(sites))]},
        geometry=shapely.points([X0 + x for x, _ in sites], [Y0 + y for _, y in sites]),
        crs=UTM16,
    )
    return demand, candidates


def test_suggested_k_stops_before_sites_that_add_nothing() -> None:
    demand, candidates = _instance()
    curve = coverage_curve(
        demand, candidates, k_max=9, radius_m=400, weight="weight", name="name", method="greedy"
    )
    # 9 of 9 would be the old default; the lone incident (1 % of 101) is not worth a site
    # at min_gain_share=2 %, the two clusters are.
    assert suggested_k(curve, min_gain_share=0.02) == 2
    assert suggested_k(curve, min_gain_share=0.005) == 3
    assert suggested_k(curve, min_gain_share=0.005, max_k=2) == 2


def test_worst_covered_areas_put_the_most_left_out_demand_first() -> None:
    demand, candidates = _instance()
    plan = plan_outreach(
        demand, candidates, k=1, radius_m=400, weight="weight", name="name", area="area"
    )
    order = list(plan.by_area["area"])
    # With one site (the bigger West cluster) East (40 left out) and Albany (1) are at 0 %:
    # East comes first, not alphabetically after Albany.
    assert order == ["East", "Albany", "West"]


def test_memphis_nine_precincts_default_k_sites_all_cover_incidents(shared_data: Path) -> None:
    """Real data: Memphis robberies with its 9 precincts as candidates. The suggested k is
    not 9 of 9, every chosen site covers incidents, and the worst-covered precincts come
    in order of share, then of incidents left out (not by name)."""
    folder = shared_data / "memphis"
    boundaries = load_boundaries(folder / "precincts.geojson")
    load = load_incidents(folder / "robberies_2019.geojson", boundaries=boundaries, quiet=True)
    analysis = analyze(load.incidents, boundaries=boundaries, quiet=True)
    inputs = outreach_inputs(analysis, candidates="neighbourhoods")
    assert len(inputs.candidates) == 9
    for radius_m in (800.0, 2_000.0):
        curve = inputs.curve(k_max=9, radius_m=radius_m, method="greedy")
        k = suggested_k(curve)
        assert 1 <= k < 9
        plan = inputs.plan(k=k, radius_m=radius_m)
        reach = inputs.reach(plan)
        assert (reach.by_site["incidents"] > 0).all()
        assert (reach.by_site["incidents_added"] > 0).all()
        areas = plan.by_area
        shares = areas["share"].to_numpy()
        assert np.all(np.diff(shares) >= 0)
        left_out = (areas["total_weight"] - areas["covered_weight"]).to_numpy()
        same = shares[1:] == shares[:-1]
        assert np.all(np.diff(left_out)[same] <= 0)
