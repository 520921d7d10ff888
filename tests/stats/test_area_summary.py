"""Tests for hotspots.stats.area_summary: what happens inside a drawn area."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Transformer

from hotspots.spatial.drawn import buffer_area, drawn_area
from hotspots.stats.area_summary import AREA_UNIT, summarise_area

METRIC = CRS.from_epsg(32617)
TZ = "America/Toronto"
TO_LONLAT = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)


@pytest.fixture(scope="module")
def incidents() -> gpd.GeoDataFrame:
    """Two years of incidents; inside the square 630–631 km × 4830–4831 km they rise month by month."""
    rng = np.random.default_rng(11)
    background = 3_000
    x = rng.uniform(628_000, 634_000, background)
    y = rng.uniform(4_828_000, 4_834_000, background)
    days = rng.integers(0, 730, background)
    # Planted rising series inside the square: month m gets 2 + m incidents.
    mx, my, mdays = [], [], []
    for m in range(24):
        k = 2 + m
        mx.append(rng.uniform(630_050, 630_950, k))
        my.append(rng.uniform(4_830_050, 4_830_950, k))
        mdays.append(m * 30.4 + rng.uniform(0, 28, k))
    x = np.concatenate([x, *mx])
    y = np.concatenate([y, *my])
    days = np.concatenate([days, *mdays])
    n = len(x)
    times = pd.Timestamp("2020-01-01", tz=TZ) + pd.to_timedelta(days * 24 * 3600, unit="s")
    return gpd.GeoDataFrame(
        {
            "occurred_at": times,
            "offense": pd.array(
                np.where(rng.random(n) < 0.25, "Robbery", "Assault"), dtype="string"
            ),
            "source_row": np.arange(n),
        },
        geometry=shapely.points(x, y),
        crs=METRIC,
    )


def _square() -> dict[str, object]:
    ring = [
        list(TO_LONLAT.transform(x, y))
        for x, y in [
            (630_000, 4_830_000),
            (631_000, 4_830_000),
            (631_000, 4_831_000),
            (630_000, 4_831_000),
            (630_000, 4_830_000),
        ]
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _inside_square(frame: gpd.GeoDataFrame) -> np.ndarray:
    x, y = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
    return (x >= 630_000) & (x <= 631_000) & (y >= 4_830_000) & (y <= 4_831_000)


def test_profile_counts_offenses_and_incident_list_match_a_direct_count(
    incidents: gpd.GeoDataFrame,
) -> None:
    area = drawn_area(_square(), crs=METRIC)
    summary = summarise_area(area, selected=incidents, with_time_of_day=True)
    inside = incidents.loc[_inside_square(incidents)]
    assert summary.count == len(inside) > 300
    mix = summary.profile.offense_mix.set_index("offense")["count"].to_dict()
    assert mix == inside["offense"].value_counts().to_dict()
    assert summary.profile.monthly["count"].sum() == len(inside)
    assert len(summary.incidents) == len(inside)
    assert sorted(summary.incidents["source_row"]) == sorted(inside["source_row"])
    assert summary.incidents["occurred_at"].is_monotonic_decreasing  # newest first


def test_trend_finds_the_planted_rise_and_not_a_rise_in_flat_noise(
    incidents: gpd.GeoDataFrame,
) -> None:
    summary = summarise_area(drawn_area(_square(), crs=METRIC), selected=incidents)
    assert summary.trend is not None and summary.trend.z > 3 and summary.trend.p < 0.01
    assert summary.trend.describe().startswith("Rising")
    # A buffer in the flat background: no planted trend (seeded; p well above 0.05).
    lon, lat = TO_LONLAT.transform(633_000, 4_833_000)
    flat = summarise_area(buffer_area(lon, lat, 900, crs=METRIC), selected=incidents)
    assert flat.trend is not None and flat.trend.p > 0.05
    assert flat.trend.describe().startswith("No clear trend")


def test_change_against_a_covered_previous_period(incidents: gpd.GeoDataFrame) -> None:
    area = drawn_area(_square(), crs=METRIC)
    local = incidents["occurred_at"].dt.tz_convert(TZ).dt.tz_localize(None)
    selected = incidents.loc[(local >= "2021-01-01") & (local < "2022-01-01")]
    summary = summarise_area(
        area,
        selected=selected,
        undated=incidents,
        start="2021-01-01",
        end="2021-12-31",
        covered_from="2020-01-01",
    )
    change = summary.change
    assert change is not None and change.previous_covered
    assert change.previous == ("2020-01-02", "2020-12-31")  # 365 days; 2020 is a leap year
    row = change.table.set_index("unit").loc[AREA_UNIT]
    inside = _inside_square(incidents)
    now = inside & (local >= "2021-01-01").to_numpy() & (local < "2022-01-01").to_numpy()
    before = inside & (local >= "2020-01-02").to_numpy() & (local < "2021-01-01").to_numpy()
    assert (row["count"], row["previous_count"]) == (now.sum(), before.sum())
    assert row["count"] == summary.count
    assert row["count"] > row["previous_count"]  # the planted rise


def test_previous_period_before_the_data_is_flagged(incidents: gpd.GeoDataFrame) -> None:
    area = drawn_area(_square(), crs=METRIC)
    summary = summarise_area(
        area, selected=incidents, start="2020-03-01", end="2021-12-31", covered_from="2020-01-01"
    )
    assert summary.change is not None and not summary.change.previous_covered
    assert "not fully covered" in summary.change.why_not_comparable()


def test_empty_area_has_a_zero_profile_and_no_trend(incidents: gpd.GeoDataFrame) -> None:
    lon, lat = TO_LONLAT.transform(631_000, 4_831_000)
    tiny = buffer_area(lon, lat, 0.5, crs=METRIC)
    summary = summarise_area(tiny, selected=incidents.iloc[:0], undated=incidents.iloc[:0])
    assert summary.count == 0 and summary.trend is None and summary.change is None
    assert summary.incidents.empty
