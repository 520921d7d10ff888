"""Tests for hotspots.stats.trends: counts over time, the hour × weekday table, change by area."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.errors import ColumnError, EmptyDataError, InputError
from hotspots.stats.trends import (
    CHANGE_COLUMNS,
    HOUR_WEEKDAY_COLUMNS,
    OVER_TIME_COLUMNS,
    area_names,
    change_vs_previous,
    hour_weekday_counts,
    incidents_over_time,
)

TZ = "America/Toronto"


def _incidents(times: list[str], offenses: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"occurred_at": pd.to_datetime(times).tz_localize(TZ), "offense": offenses})


def test_over_time_counts_per_month_and_offense_with_zero_months() -> None:
    frame = _incidents(
        ["2021-01-05 10:00", "2021-01-20 23:00", "2021-03-01 00:30", "2021-03-31 23:59"],
        ["Assault", "Robbery", "Assault", "Assault"],
    )
    table = incidents_over_time(frame, period="month")
    assert list(table.columns) == list(OVER_TIME_COLUMNS)
    assert len(table) == 3 * 2  # Jan..Mar × two offenses, February filled with zeros
    counts = table.set_index(["period", "offense"])["count"]
    assert counts[(pd.Timestamp("2021-01-01"), "Assault")] == 1
    assert counts[(pd.Timestamp("2021-02-01"), "Robbery")] == 0
    assert counts[(pd.Timestamp("2021-03-01"), "Assault")] == 2
    assert table["count"].sum() == len(frame)
    assert table["count"].dtype == np.int64


def test_over_time_weeks_start_on_monday_and_can_merge_offenses() -> None:
    frame = _incidents(["2021-06-06 12:00", "2021-06-07 12:00"], ["A", "B"])  # Sunday, Monday
    table = incidents_over_time(frame, period="week", by_offense=False)
    assert table["period"].tolist() == [pd.Timestamp("2021-05-31"), pd.Timestamp("2021-06-07")]
    assert table["offense"].unique().tolist() == ["All incidents"]
    assert table["count"].tolist() == [1, 1]


def test_over_time_local_time_decides_the_month() -> None:
    # 2021-01-31 23:30 in Toronto is already February in UTC: the local month counts.
    utc = pd.Series(pd.to_datetime(["2021-02-01 04:30"]).tz_localize("UTC")).dt.tz_convert(TZ)
    table = incidents_over_time(pd.DataFrame({"occurred_at": utc, "offense": ["A"]}))
    assert table["period"].tolist() == [pd.Timestamp("2021-01-01")]


def test_over_time_empty_and_bad_input() -> None:
    empty = incidents_over_time(_incidents([], []))
    assert list(empty.columns) == list(OVER_TIME_COLUMNS) and empty.empty
    with pytest.raises(ColumnError, match="occurred_at"):
        incidents_over_time(pd.DataFrame({"offense": ["A"]}))
    with pytest.raises(InputError, match="period='fortnight'"):
        incidents_over_time(_incidents(["2021-01-01"], ["A"]), period="fortnight")  # type: ignore[arg-type]


def test_hour_weekday_has_all_168_cells_and_sums_to_the_input() -> None:
    frame = _incidents(
        ["2021-06-07 00:10", "2021-06-07 00:50", "2021-06-13 23:59"], ["A", "A", "B"]
    )
    table = hour_weekday_counts(frame)
    assert list(table.columns) == list(HOUR_WEEKDAY_COLUMNS)
    assert len(table) == 168 and table["count"].sum() == 3
    cell = table.set_index(["weekday", "hour"])["count"]
    assert cell[(0, 0)] == 2  # Monday 00:xx
    assert cell[(6, 23)] == 1  # Sunday 23:xx
    assert table.loc[table["weekday"] == 6, "weekday_name"].iloc[0] == "Sunday"


def test_change_vs_previous_with_explicit_period() -> None:
    times = pd.Series(
        pd.to_datetime(
            ["2021-01-10", "2021-01-20", "2020-12-15", "2020-12-20", "2020-12-25", "2021-02-01"]
        ).tz_localize(TZ)
    )
    units = pd.Series(["A", "A", "A", "B", "B", "A"])
    change = change_vs_previous(
        times, units, start="2021-01-01", end="2021-01-31", units=["A", "B", "C"]
    )
    assert change.current == ("2021-01-01", "2021-01-31")
    assert change.previous == ("2020-12-01", "2020-12-31")
    assert change.days == 31
    table = change.table.set_index("unit")
    assert list(change.table.columns) == list(CHANGE_COLUMNS)
    assert table.loc["A", ["count", "previous_count", "change"]].tolist() == [2, 1, 1]
    assert table.loc["A", "change_pct"] == pytest.approx(100.0)
    assert table.loc["B", ["count", "previous_count", "change"]].tolist() == [0, 2, -2]
    assert np.isnan(table.loc["C", "change_pct"])  # nothing before: no percentage


def test_change_vs_previous_defaults_to_the_last_365_days() -> None:
    times = pd.Series(
        pd.to_datetime(["2021-12-31", "2021-01-01", "2020-12-31", "2019-12-31"]).tz_localize(TZ)
    )
    change = change_vs_previous(times, pd.Series(["A"] * 4))
    assert change.current == ("2021-01-01", "2021-12-31")
    assert change.previous == ("2020-01-02", "2020-12-31")  # 365 days (2020 is a leap year)
    assert change.table.loc[0, ["count", "previous_count"]].tolist() == [2, 1]
    with pytest.raises(EmptyDataError):
        change_vs_previous(times.iloc[:0], pd.Series([], dtype=object))
    with pytest.raises(InputError, match="start"):
        change_vs_previous(times, pd.Series(["A"] * 4), start="2021-02-01", end="2021-01-01")


def test_area_names_use_labels_when_they_match_else_point_in_polygon() -> None:
    crs = "EPSG:32617"
    boxes = gpd.GeoDataFrame(
        {"name": ["West", "East"]},
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)],
        crs=crs,
    )
    points = gpd.GeoDataFrame(
        {"neighbourhood": pd.array(["West", "East", None], dtype="string")},
        geometry=shapely.points([[1, 1], [15, 5], [30, 30]]),
        crs=crs,
    )
    assert area_names(points, boxes).tolist()[:2] == ["West", "East"]
    unlabelled = points.assign(neighbourhood=pd.array(["x", "y", "z"], dtype="string"))
    names = area_names(unlabelled, boxes.to_crs("EPSG:4326"))
    assert names.iloc[0] == "West" and names.iloc[1] == "East" and pd.isna(names.iloc[2])


def test_change_vs_previous_flags_a_previous_period_the_data_does_not_cover() -> None:
    times = pd.Series(pd.to_datetime(["2021-03-01", "2021-06-01", "2021-12-31"]).tz_localize(TZ))
    units = pd.Series(["A", "A", "B"])
    whole = change_vs_previous(times, units, start="2021-03-01", end="2021-12-31")
    assert not whole.previous_covered
    assert "starts on 2021-03-01" in whole.why_not_comparable()
    # A later start date cannot help (it would lie after the period's end): a shorter period.
    assert "Choose a shorter period" in whole.why_not_comparable()
    assert (
        "later start date (from 2021-11-01)"
        in change_vs_previous(
            times, units, start="2021-05-01", end="2021-12-31"
        ).why_not_comparable()
    )
    later = change_vs_previous(times, units, start="2021-08-01", end="2021-12-31")
    assert later.previous_covered and later.why_not_comparable() == ""
    declared = change_vs_previous(
        times, units, start="2021-08-01", end="2021-12-31", covered_from="2021-06-01"
    )
    assert not declared.previous_covered  # previous period starts 2021-03-03
