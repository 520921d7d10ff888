"""Aggregation: counts per unit, density, rates and the tidy space-time table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.errors import InputError
from hotspots.spatial.counting import (
    count_by_unit,
    density_per_km2,
    rate_per_1000,
    space_time_counts,
)


def test_counts_ignore_points_in_no_unit() -> None:
    np.testing.assert_array_equal(count_by_unit(np.array([0, 2, 2, -1, 2]), 4), [1, 0, 3, 0])


def test_density_and_rate() -> None:
    np.testing.assert_allclose(density_per_km2(np.array([5]), 250_000.0), [20.0])
    rate = rate_per_1000(np.array([10, 3, 4]), np.array([2_000.0, 0.0, np.nan]))
    assert rate[0] == pytest.approx(5.0)
    assert np.isnan(rate[1:]).all()


@pytest.fixture
def times() -> pd.Series:
    return pd.Series(
        pd.to_datetime(
            [
                "2021-01-31 23:30",
                "2021-02-01 00:10",
                "2021-02-15 00:00",
                "2021-04-02 00:00",
                "2021-04-03 00:00",
            ]
        ).tz_localize("America/Toronto")
    )


def test_space_time_counts_use_local_periods(times: pd.Series) -> None:
    table = space_time_counts(times, np.array([1, 1, 1, 2, -1]), period="month")
    assert table.to_dict("list") == {
        "unit": [1, 1, 2],
        "period": [
            pd.Timestamp("2021-01-01"),
            pd.Timestamp("2021-02-01"),
            pd.Timestamp("2021-04-01"),
        ],
        "count": [1, 2, 1],
    }


def test_space_time_counts_complete_fills_zeros(times: pd.Series) -> None:
    offense = pd.Series(["A", "B", "A", "A", "B"])
    table = space_time_counts(
        times,
        np.array([1, 1, 1, 2, 2]),
        period="month",
        offense=offense,
        complete=True,
        units=[1, 2, 3],
    )
    # 3 units x 4 months (Jan-Apr) x 2 offenses
    assert len(table) == 24
    assert table["count"].sum() == 5
    per_unit = table.groupby("unit")["count"].sum().to_dict()
    assert per_unit == {1: 3, 2: 2, 3: 0}


def test_weeks_start_on_monday(times: pd.Series) -> None:
    table = space_time_counts(times, np.zeros(5, dtype=int), period="week")
    assert (table["period"].dt.day_of_week == 0).all()
    with pytest.raises(InputError, match="period='fortnight'"):
        space_time_counts(times, np.zeros(5, dtype=int), period="fortnight")  # type: ignore[arg-type]
