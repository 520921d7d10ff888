"""Filters: offense, dates, hours (wrapping midnight), weekdays; period parsing."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspots.errors import InputError
from hotspots.spatial.filters import Filters, apply_filters, parse_period


@pytest.fixture
def incidents() -> gpd.GeoDataFrame:
    times = pd.to_datetime(
        [
            "2021-01-01 00:30",
            "2021-01-04 12:00",
            "2021-06-30 23:59",
            "2021-07-01 03:00",
            "2022-01-01 10:00",
        ]
    ).tz_localize("America/Toronto")
    return gpd.GeoDataFrame(
        {
            "occurred_at": times,
            "offense": ["Assault", "Robbery", "Assault", "Auto Theft", "Assault"],
        },
        geometry=shapely.points([[0, 0]] * 5),
        crs=32617,
    )


def test_no_filters_keep_everything(incidents: gpd.GeoDataFrame) -> None:
    assert len(apply_filters(incidents, Filters())) == 5
    assert Filters().describe() == "all incidents"


def test_dates_are_inclusive_local_days(incidents: gpd.GeoDataFrame) -> None:
    kept = apply_filters(incidents, Filters(start="2021-01-04", end="2021-06-30"))
    assert kept.index.tolist() == [1, 2]


def test_offense_hours_and_weekdays(incidents: gpd.GeoDataFrame) -> None:
    assert apply_filters(incidents, Filters(offenses=("Assault",))).index.tolist() == [0, 2, 4]
    assert apply_filters(incidents, Filters(hours=(22, 3))).index.tolist() == [0, 2, 3]
    # 2021-01-04 was a Monday, 2022-01-01 a Saturday.
    assert apply_filters(incidents, Filters(weekdays=(0, 5))).index.tolist() == [1, 4]


def test_filters_are_hashable_and_normalised() -> None:
    a = Filters(offenses=("Robbery", "Assault"), start="2021-01", weekdays=(3, 1, 1))
    b = Filters(offenses=("Assault", "Robbery"), start="2021-01-01", weekdays=(1, 3))
    assert a == b and hash(a) == hash(b)
    assert "Assault, Robbery" in a.describe()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": "2021-13-01"}, "start='2021-13-01'"),
        ({"start": "yesterday"}, "YYYY-MM-DD"),
        ({"start": "2021-05-01", "end": "2021-04-01"}, "after end"),
        ({"hours": (5, 24)}, "hours"),
        ({"weekdays": (7,)}, "weekdays"),
    ],
)
def test_bad_filters_say_what_to_fix(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        Filters(**kwargs)  # type: ignore[arg-type]


def test_parse_period() -> None:
    assert parse_period("2021-01..2021-12") == ("2021-01-01", "2021-12-31")
    assert parse_period("2020") == ("2020-01-01", "2020-12-31")
    assert parse_period("2021-02") == ("2021-02-01", "2021-02-28")
    with pytest.raises(InputError, match="backwards"):
        parse_period("2021-12..2021-01")
    with pytest.raises(InputError, match=r"START\.\.END"):
        parse_period("2021..")


def test_within_radius_keeps_the_incidents_in_the_circle() -> None:
    """Issue 14: selecting an area as a circle around a point."""
    import geopandas as gpd
    import pytest
    import shapely
    from pyproj import Transformer

    from hotspots.errors import InputError
    from hotspots.spatial.filters import within_radius

    to_utm = Transformer.from_crs(4326, 32617, always_xy=True)
    x0, y0 = to_utm.transform(-79.38, 43.65)
    offsets = [0, 100, 499, 501, 2_000]
    points = gpd.GeoDataFrame(
        {"offense": ["A"] * len(offsets)},
        geometry=[shapely.Point(x0 + d, y0) for d in offsets],
        crs=32617,
    )
    inside = within_radius(points, lon=-79.38, lat=43.65, radius_m=500)
    assert list(inside.index) == [0, 1, 2]
    with pytest.raises(InputError, match="radius_m"):
        within_radius(points, lon=-79.38, lat=43.65, radius_m=0)
    with pytest.raises(InputError):
        within_radius(points, lon=-979.38, lat=43.65, radius_m=10)
