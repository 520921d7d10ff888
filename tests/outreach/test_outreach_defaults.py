"""Issue 14, Plan outreach: a default k that adds real coverage; worst-covered areas by
how much they leave out."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from outreach_helpers import UTM16, X0, Y0

from hotspots.outreach import coverage_curve, plan_outreach
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
