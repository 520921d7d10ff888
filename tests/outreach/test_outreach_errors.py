"""Every user mistake raises a hotspots error naming the argument, the value and the fix."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from outreach_helpers import UTM16, X0, Y0, random_instance

from hotspots.errors import ColumnError, CRSError, EmptyDataError, HotspotsError, InputError
from hotspots.outreach import candidate_sites, coverage_curve, plan_outreach

Instance = tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]


@pytest.fixture
def data() -> Instance:
    return random_instance(7)


def _plan(data: Instance, **options: Any) -> None:
    demand, candidates = data
    arguments: dict[str, Any] = {"k": 2, "radius_m": 800.0}
    arguments.update(options)
    demand = arguments.pop("demand", demand)
    candidates = arguments.pop("candidates", candidates)
    plan_outreach(demand, candidates, **arguments)


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "3", None])
def test_bad_k(data: Instance, k: Any) -> None:
    with pytest.raises(InputError, match=r"k=.*whole number of sites >= 1.*For example"):
        _plan(data, k=k)


def test_k_larger_than_the_candidates(data: Instance) -> None:
    with pytest.raises(InputError, match=r"k=11 .*at most the number of candidates \(10\)"):
        _plan(data, k=11)
    with pytest.raises(InputError, match=r"k_max=12 .*at most the number of candidates"):
        coverage_curve(*data, k_max=12, radius_m=800.0)


@pytest.mark.parametrize("radius", [0, -5.0, float("nan"), float("inf"), "500", True, None])
def test_bad_radius(data: Instance, radius: Any) -> None:
    with pytest.raises(InputError, match=r"radius_m=.*positive distance in metres"):
        _plan(data, radius_m=radius)


def test_no_candidates(data: Instance) -> None:
    _, candidates = data
    with pytest.raises(EmptyDataError, match="candidates has no rows"):
        _plan(data, candidates=candidates.iloc[:0])


def test_no_demand(data: Instance) -> None:
    demand, _ = data
    with pytest.raises(EmptyDataError, match="demand has no rows"):
        _plan(data, demand=demand.iloc[:0])


def test_fixed_not_among_candidates(data: Instance) -> None:
    with pytest.raises(InputError, match=r"fixed='Nowhere' .*names of candidates.*'Site 0'"):
        _plan(data, fixed=["Nowhere"])
    with pytest.raises(InputError, match=r"fixed=99 .*row labels of candidates"):
        _plan(data, fixed=[99])
    with pytest.raises(InputError, match=r"fixed=2.5 .*candidate names \(str\) or row labels"):
        _plan(data, fixed=[2.5])


def test_more_fixed_than_k(data: Instance) -> None:
    with pytest.raises(InputError, match=r"k=2 .*at least the number of fixed sites \(3\)"):
        _plan(data, fixed=["Site 0", "Site 1", "Site 2"])


def test_fixed_twice_or_ambiguous(data: Instance) -> None:
    with pytest.raises(InputError, match="each site at most once"):
        _plan(data, fixed=["Site 1", 1])
    demand, candidates = data
    twins = candidates.copy()
    twins.loc[[3, 4], "name"] = "Youth Club"
    with pytest.raises(InputError, match=r"2 candidates are called 'Youth Club'.*\[3, 4\]"):
        _plan(data, candidates=twins, fixed=["Youth Club"])
    plan_outreach(demand, twins, k=2, radius_m=800.0, fixed=[4])  # a row label is unambiguous


def test_a_single_name_is_accepted_as_fixed(data: Instance) -> None:
    demand, candidates = data
    plan = plan_outreach(demand, candidates, k=2, radius_m=800.0, fixed="Site 5")
    assert plan.sites["name"].iloc[0] == "Site 5"


def test_candidates_nowhere_near_the_demand(data: Instance) -> None:
    _, candidates = data
    far = candidates.translate(xoff=50_000)
    far = gpd.GeoDataFrame(candidates[["name"]], geometry=far, crs=UTM16)
    with pytest.raises(
        InputError, match=r"None of the 10 candidates lies within radius_m=800"
    ) as e:
        _plan(data, candidates=far)
    assert "nearest candidate is" in str(e.value)
    assert "raise the radius (radius_m=" in str(e.value)
    cli = e.value.render("cli")
    assert (
        "within --radius-m 800 of any demand point" in cli and "raise the radius (--radius-m" in cli
    )


def test_missing_crs(data: Instance) -> None:
    demand, candidates = data
    with pytest.raises(CRSError, match=r"demand has no CRS.*set_crs"):
        _plan(data, demand=demand.set_crs(None, allow_override=True))
    with pytest.raises(CRSError, match=r"candidates has no CRS.*set_crs"):
        _plan(data, candidates=candidates.set_crs(None, allow_override=True))
    with pytest.raises(CRSError, match=r"areas has no CRS"):
        candidate_sites(candidates.set_crs(None, allow_override=True))


def test_not_a_geodataframe(data: Instance) -> None:
    demand, _ = data
    with pytest.raises(InputError, match=r"demand='DataFrame' .*geopandas.GeoDataFrame"):
        _plan(data, demand=pd.DataFrame(demand.drop(columns="geometry")))


def test_weight_column_problems(data: Instance) -> None:
    demand, _ = data
    with pytest.raises(ColumnError, match=r"weight='severity' is not a column of demand.*'hood'"):
        _plan(data, weight="severity")
    with pytest.raises(ColumnError, match=r"weight='hood' holds .* not numbers"):
        _plan(data, weight="hood")
    holes = demand.copy()
    holes.loc[[2, 5], "weight"] = np.nan
    with pytest.raises(InputError, match=r"weight='weight' has 2 missing .*rows \[2, 5\].*fillna"):
        _plan(data, demand=holes, weight="weight")
    negative = demand.copy()
    negative.loc[3, "weight"] = -1.0
    with pytest.raises(InputError, match=r"weight='weight' has 1 negative value.*>= 0"):
        _plan(data, demand=negative, weight="weight")
    zero = demand.assign(weight=0.0)
    with pytest.raises(EmptyDataError, match=r"weight='weight' sums to 0"):
        _plan(data, demand=zero, weight="weight")


def test_missing_locations(data: Instance) -> None:
    demand, _ = data
    broken = demand.copy()
    broken.loc[4, "geometry"] = shapely.Point()
    broken.loc[6, "geometry"] = None
    with pytest.raises(InputError, match=r"demand has 2 row\(s\) without a location.*\[4, 6\]"):
        _plan(data, demand=broken)


def test_other_bad_options(data: Instance) -> None:
    with pytest.raises(InputError, match=r"method='best' is not allowed; use one of 'exact'"):
        _plan(data, method="best")
    with pytest.raises(InputError, match=r"method='fast' .*'exact', 'greedy', 'both'"):
        coverage_curve(*data, k_max=2, radius_m=800.0, method="fast")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"time_limit_s=0 .*positive number of seconds"):
        _plan(data, time_limit_s=0)
    with pytest.raises(ColumnError, match=r"area='district' is not a column of demand"):
        _plan(data, area="district")
    with pytest.raises(ColumnError, match=r"name='label' is not a column of candidates"):
        _plan(data, name="label")


def test_all_errors_share_the_base_class(data: Instance) -> None:
    with pytest.raises(HotspotsError):
        _plan(data, k=0)


def test_lon_lat_far_away_message_uses_metres() -> None:
    demand = gpd.GeoDataFrame(geometry=shapely.points([X0], [Y0]), crs=UTM16).to_crs(4326)
    candidates = gpd.GeoDataFrame(
        {"name": ["Far"]}, geometry=shapely.points([X0 + 3_000], [Y0]), crs=UTM16
    ).to_crs(4326)
    with pytest.raises(InputError, match=r"nearest candidate is 3,000 m"):
        plan_outreach(demand, candidates, k=1, radius_m=1_000)
