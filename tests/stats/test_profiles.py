"""Tests for hotspots.stats.profiles: what happens in one cell or area."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.analysis import analyze
from hotspots.errors import InputError
from hotspots.stats.profiles import (
    area_profile,
    cell_at,
    cell_profile,
    incident_records,
    profile_incidents,
)
from hotspots.stats.trends import area_names

CRS = "EPSG:32617"  # UTM 17N: Toronto
TZ = "America/Toronto"


@pytest.fixture(scope="module")
def incidents() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(7)
    n = 600
    xy = rng.uniform(630_000, 632_000, size=(n, 2))
    # A dense spot over a few 200 m cells (a single busy cell among quiet ones is not a Gi*
    # hot spot under exact p-values: Gi* looks for high values among high values).
    xy[:200] = rng.normal(631_000, 150, size=(200, 2))
    xy[:, 1] += 4_830_000
    times = pd.Timestamp("2021-01-01", tz=TZ) + pd.to_timedelta(
        rng.integers(0, 365 * 24, n), unit="h"
    )
    offense = np.where(np.arange(n) < 150, "Robbery", "Assault")
    return gpd.GeoDataFrame(
        {
            "occurred_at": times,
            "offense": pd.array(offense, dtype="string"),
            "neighbourhood": pd.array([None] * n, dtype="string"),
        },
        geometry=shapely.points(xy),
        crs=CRS,
    )


@pytest.fixture(scope="module")
def boundaries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["South", "North"], "population": [1000.0, np.nan]},
        geometry=[
            shapely.box(629_900, 4_829_900, 632_100, 4_831_000),
            shapely.box(629_900, 4_831_000, 632_100, 4_832_100),
        ],
        crs=CRS,
    )


def test_profile_incidents_mix_months_and_hours() -> None:
    frame = pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(
                ["2021-01-04 17:00", "2021-01-04 17:30", "2021-03-06 02:00"]
            ).tz_localize(TZ),
            "offense": ["Robbery", "Robbery", "Assault"],
        }
    )
    profile = profile_incidents(frame)
    assert profile.count == 3 and profile.top_offense == "Robbery"
    assert profile.offense_mix["share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert profile.monthly["count"].tolist() == [2, 0, 1]  # Jan, Feb (none), Mar
    assert profile.busiest_hours[0] == 17
    assert profile.hourly is not None and profile.hourly["count"].sum() == 3
    assert profile.busiest_weekday == "Monday"
    assert (profile.first, profile.last) == ("2021-01-04", "2021-03-06")
    no_time = profile_incidents(frame, with_time_of_day=False)
    assert no_time.hourly is None and no_time.busiest_hours == ()


def test_empty_profile() -> None:
    empty = profile_incidents(
        pd.DataFrame({"occurred_at": pd.Series([], dtype=f"datetime64[us, {TZ}]"), "offense": []})
    )
    assert empty.count == 0 and empty.top_offense is None and empty.busiest_weekday is None
    assert empty.first is None and empty.offense_mix.empty


def test_cell_profile_matches_the_analysis(incidents: gpd.GeoDataFrame) -> None:
    analysis = analyze(incidents, cell_size_m=200, lisa=False, quiet=True)
    top = analysis.hotspots.iloc[0]
    profile = cell_profile(analysis, int(top["cell_id"]))
    assert profile.kind == "cell" and profile.count == top["count"]
    assert profile.statistics["gi_z"] == pytest.approx(top["gi_z"])
    assert profile.offense_mix["count"].sum() == profile.count
    assert profile.monthly["count"].sum() == profile.count
    assert len(profile.monthly) == 12  # every month of the analyzed year, zeros included
    assert cell_at(analysis, float(top["lon"]), float(top["lat"])) == int(top["cell_id"])
    assert cell_at(analysis, 0.0, 0.0) is None
    with pytest.raises(InputError, match="cell_id"):
        cell_profile(analysis, -5)


def test_area_profile(incidents: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> None:
    analysis = analyze(incidents, boundaries=boundaries, cell_size_m=200, lisa=False, quiet=True)
    areas = area_names(incidents, boundaries)
    south = area_profile(analysis, "South", area_of_incident=areas)
    north = area_profile(analysis, "North", area_of_incident=areas)
    counts = analysis.areas.set_index("name")["count"]  # type: ignore[union-attr]
    assert south.count == counts["South"] and north.count == counts["North"]
    assert south.statistics["population"] == 1000.0
    with pytest.raises(InputError, match="name"):
        area_profile(analysis, "Nowhere", area_of_incident=areas)
    with pytest.raises(InputError, match="boundaries"):
        area_profile(
            analyze(incidents, cell_size_m=200, lisa=False, quiet=True),
            "South",
            area_of_incident=areas,
        )


def test_incident_records_with_a_limit_keep_the_newest(incidents: gpd.GeoDataFrame) -> None:
    every = incident_records(incidents)
    newest = incident_records(incidents, limit=25)
    assert len(every) == len(incidents) and len(newest) == 25
    assert newest.equals(every.iloc[:25].reset_index(drop=True))
    cutoff = incidents["occurred_at"].sort_values(ascending=False).iloc[24]
    assert newest["occurred_at"].min() == cutoff.tz_localize(None).strftime("%Y-%m-%d %H:%M")
