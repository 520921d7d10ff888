"""A minimum coverage share in every area: it changes the plan, or it is diagnosed precisely."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from outreach_helpers import UTM16, X0, Y0

from hotspots.errors import HotspotsError, InputError
from hotspots.outreach import FairnessInfeasibleError, plan_outreach
from hotspots.outreach.fairness import DIAGNOSIS_COLUMNS


def _frame(points: list[tuple[float, float, float, str]]) -> gpd.GeoDataFrame:
    x, y, w, area = zip(*points, strict=True)
    return gpd.GeoDataFrame(
        {"weight": list(w), "hood": list(area)},
        geometry=shapely.points(np.array(x) + X0, np.array(y) + Y0),
        crs=UTM16,
    )


def _sites(points: dict[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    xy = np.array(list(points.values()))
    return gpd.GeoDataFrame(
        {"name": list(points)}, geometry=shapely.points(xy + np.array([X0, Y0])), crs=UTM16
    )


@pytest.fixture
def two_areas() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Downtown has two busy clusters; Riverside one small one, far away."""
    demand = _frame(
        [
            (0, 0, 10, "Downtown"),
            (0, 3_000, 8, "Downtown"),
            (6_000, 0, 3, "Riverside"),
        ]
    )
    sites = _sites({"Library": (0, 0), "School": (0, 3_000), "Church": (6_000, 0)})
    return demand, sites


def test_min_share_changes_the_plan(two_areas: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    demand, sites = two_areas
    free = plan_outreach(demand, sites, k=2, radius_m=500, weight="weight", area="hood")
    assert set(free.sites["name"]) == {"Library", "School"}
    assert free.covered_weight == 18.0
    riverside = free.by_area.set_index("area").loc["Riverside"]
    assert riverside["share"] == 0.0
    assert free.by_area["area"].iloc[0] == "Riverside"  # worst first

    fair = plan_outreach(
        demand, sites, k=2, radius_m=500, weight="weight", area="hood", min_share_per_area=0.5
    )
    assert fair.status == "optimal"
    assert set(fair.sites["name"]) == {"Library", "Church"}
    assert fair.covered_weight == 13.0
    assert (fair.by_area["share"] >= 0.5).all()
    assert fair.parameters["min_share_per_area"] == 0.5


def test_min_share_counts_fixed_sites(
    two_areas: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    demand, sites = two_areas
    plan = plan_outreach(
        demand,
        sites,
        k=2,
        radius_m=500,
        weight="weight",
        area="hood",
        fixed=["Church"],
        min_share_per_area=0.5,
    )
    assert plan.sites["name"].tolist() == ["Church", "Library"]


def test_area_out_of_reach_is_named(
    two_areas: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    demand, sites = two_areas
    far = _frame([(20_000, 20_000, 4, "Airport"), (100, 0, 4, "Airport")])
    demand = gpd.GeoDataFrame(
        gpd.pd.concat([demand, far], ignore_index=True), geometry="geometry", crs=UTM16
    )
    with pytest.raises(FairnessInfeasibleError) as caught:
        plan_outreach(
            demand, sites, k=3, radius_m=500, weight="weight", area="hood", min_share_per_area=0.6
        )
    error = caught.value
    assert isinstance(error, InputError) and isinstance(error, HotspotsError)
    message = str(error)
    assert "min_share_per_area=0.6" in message
    assert "'Airport'" in message
    assert "50.0%" in message  # half of Airport's demand is near the Library
    assert "Fix:" in message
    assert list(error.diagnosis.columns) == list(DIAGNOSIS_COLUMNS)
    assert error.diagnosis["area"].tolist() == ["Airport"]
    row = error.diagnosis.iloc[0]
    assert row["reason"] == "out of reach"
    assert row["reachable_share"] == pytest.approx(0.5)
    assert row["best_share_with_k"] == pytest.approx(0.5)
    assert error.min_sites is None
    assert error.best_min_share == pytest.approx(0.5)


def test_k_too_small_for_one_area() -> None:
    """Eastside's demand is spread over three spots; two sites reach at most two thirds."""
    demand = _frame(
        [
            (0, 0, 5, "Westside"),
            (10_000, 0, 1, "Eastside"),
            (12_000, 0, 1, "Eastside"),
            (14_000, 0, 1, "Eastside"),
        ]
    )
    sites = _sites({"W": (0, 0), "E1": (10_000, 0), "E2": (12_000, 0), "E3": (14_000, 0)})
    with pytest.raises(FairnessInfeasibleError) as caught:
        plan_outreach(
            demand, sites, k=2, radius_m=300, weight="weight", area="hood", min_share_per_area=0.9
        )
    error = caught.value
    assert error.diagnosis["area"].tolist() == ["Eastside"]
    assert error.diagnosis["reason"].tolist() == ["k too small"]
    assert error.diagnosis["best_share_with_k"].iloc[0] == pytest.approx(2 / 3)
    assert error.min_sites == 4
    assert error.min_sites_proven
    assert "k is too small" in str(error)
    assert "needs 4 sites" in str(error)
    assert "raise the number of sites (k=4)" in str(error)


def test_areas_that_compete_for_sites() -> None:
    """Each area is fine alone with one site, but three areas need three sites."""
    demand = _frame([(0, 0, 1, "A"), (5_000, 0, 1, "B"), (10_000, 0, 1, "C")])
    sites = _sites({"a": (0, 0), "b": (5_000, 0), "c": (10_000, 0)})
    with pytest.raises(FairnessInfeasibleError) as caught:
        plan_outreach(
            demand, sites, k=2, radius_m=100, weight="weight", area="hood", min_share_per_area=0.5
        )
    error = caught.value
    assert error.diagnosis.empty
    assert error.min_sites == 3
    assert error.best_min_share == 0.0
    assert "compete" in str(error)
    assert "needs 3 sites" in str(error)


def test_min_share_needs_an_area_and_the_exact_method(
    two_areas: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    demand, sites = two_areas
    with pytest.raises(InputError, match=r"area=None .*min_share_per_area"):
        plan_outreach(demand, sites, k=2, radius_m=500, min_share_per_area=0.5)
    with pytest.raises(InputError, match=r"method='greedy'"):
        plan_outreach(
            demand, sites, k=2, radius_m=500, area="hood", min_share_per_area=0.5, method="greedy"
        )
    bad: Any
    for bad in (0, -0.1, 1.5, float("nan"), "half", True):
        with pytest.raises(InputError, match="min_share_per_area="):
            plan_outreach(demand, sites, k=2, radius_m=500, area="hood", min_share_per_area=bad)


def test_demand_without_an_area_is_left_out_of_the_fairness_view() -> None:
    demand = _frame([(0, 0, 2, "A"), (5_000, 0, 1, "B")])
    demand.loc[2] = [7.0, None, shapely.Point(X0 + 9_000, Y0)]
    sites = _sites({"a": (0, 0), "b": (5_000, 0), "c": (9_000, 0)})
    plan = plan_outreach(
        demand, sites, k=2, radius_m=100, weight="weight", area="hood", min_share_per_area=1.0
    )
    assert set(plan.sites["name"]) == {"a", "b"}
    assert set(plan.by_area["area"]) == {"A", "B"}
    assert plan.demand["area"].isna().sum() == 1
