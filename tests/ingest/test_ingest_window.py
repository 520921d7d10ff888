"""Hygiene: incidents long before the reporting window, and duplicates on an id column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.ingest import load_incidents
from hotspots.ingest.window import _days, window_start

NOW = pd.Timestamp("2026-01-01", tz="UTC")


def reported_2019_2021(extra_dates: list[str], *, id_column: str | None = None) -> pd.DataFrame:
    """600 incidents spread over 2019-2021 plus ``extra_dates`` (late reports of old events)."""
    rng = np.random.default_rng(0)
    days = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, 600), unit="D")
    dates = [d.strftime("%Y-%m-%d") for d in days] + extra_dates
    n = len(dates)
    frame = pd.DataFrame(
        {
            "lat": 43.65 + rng.uniform(-0.05, 0.05, n),
            "lon": -79.38 + rng.uniform(-0.05, 0.05, n),
            "date": dates,
            "offense": "Assault",
        }
    )
    if id_column:
        frame[id_column] = [f"GO-{i}" for i in range(n)]
    return frame


def test_incidents_before_the_window_are_rejected_and_reported() -> None:
    # The last one is within the 31 days' grace: a late report from last month.
    frame = reported_2019_2021(["1966-05-01", "2004-07-02", "2018-11-20", "2018-12-20"])
    result = load_incidents(frame, timezone="America/Toronto", now=NOW)
    rejects = result.rejects
    early = rejects.loc[rejects["reason"] == "before reporting window"]
    assert early["source_row"].tolist() == [601, 602, 603]
    assert (
        early["detail"]
        == "occurred more than 31 days before the reporting window, which starts 2019-01"
    ).all()
    assert len(result.incidents) + len(rejects) == result.rows_read == 604
    assert len(result.incidents) == 601
    note = next(n for n in result.notes if "reporting window" in n)
    assert "3 incidents" in note and "keep_early=True" in note and "1966-05-01" in note


def test_keep_early_keeps_them_and_says_so() -> None:
    frame = reported_2019_2021(["1966-05-01"])
    result = load_incidents(frame, timezone="America/Toronto", now=NOW, keep_early=True)
    assert len(result.incidents) == 601 and result.rejects.empty
    assert any("are kept (keep_early=True)" in note for note in result.notes)


def test_small_or_short_data_has_no_window() -> None:
    times = pd.Series(pd.to_datetime(["2020-01-05", "1990-01-01"] * 50, utc=True))
    assert window_start(times) is None  # 100 incidents: too few for a window
    steady = pd.Series(pd.date_range("2020-01-01", "2021-12-31", freq="D", tz="UTC"))
    assert window_start(steady) == pd.Timestamp("2020-01-01", tz="UTC")


@pytest.mark.parametrize("column", ["incident_no", "case_number", "event_unique_id", "case_no"])
def test_duplicates_are_found_on_common_id_columns(column: str) -> None:
    frame = reported_2019_2021([], id_column=column)
    copies = frame.iloc[[3, 4]].assign(offense="Robbery")  # same ids, re-exported
    result = load_incidents(pd.concat([frame, copies]), timezone="America/Toronto", now=NOW)
    assert result.mapping.id == column
    duplicates = result.rejects.loc[result.rejects["reason"] == "duplicate"]
    assert duplicates["source_row"].tolist() == [601, 602]


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns", "m"])
def test_days_are_numpys_calendar_days_before_and_after_1970(unit: str) -> None:
    rng = np.random.default_rng(2)
    span = int(np.timedelta64(200 * 365, "D") / np.timedelta64(1, unit))
    wall = rng.integers(-span, span, 10_000).view(f"datetime64[{unit}]")
    np.testing.assert_array_equal(_days(wall), wall.astype("datetime64[D]").view(np.int64))


def test_days_counted_over_many_blocks_with_missing_times() -> None:
    """Incidents per day are counted a block at a time; the window start is the one the
    whole-array count gives (early stragglers, NaT in several blocks, a block of NaT)."""
    from hotspots.blocks import BLOCK
    from hotspots.ingest.timestamps import localise
    from hotspots.ingest.window import _incidents_per_day

    rng = np.random.default_rng(11)
    start = np.datetime64("2019-01-01", "us").astype(np.int64)
    day_us = 86_400_000_000
    wall = rng.integers(start, start + 900 * day_us, 2 * BLOCK + 333).view("datetime64[us]")
    wall[:40] = np.datetime64("2001-05-01T10:00", "us") + np.arange(40) * np.timedelta64(97, "D")
    wall[BLOCK : 2 * BLOCK] = np.datetime64("NaT")
    wall[::13] = np.datetime64("NaT")
    days = wall[~np.isnat(wall)].astype("datetime64[D]").view(np.int64)
    first, per_day = _incidents_per_day(wall)  # type: ignore[misc]
    assert first == days.min()
    np.testing.assert_array_equal(per_day, np.bincount(days - days.min()))
    assert _incidents_per_day(np.array(["NaT"] * 3, dtype="datetime64[us]")) is None
    times = localise(pd.Series(wall), "America/Toronto")
    assert window_start(times, wall=wall) == pd.Timestamp("2019-01-01", tz="America/Toronto")
    assert window_start(times) == pd.Timestamp("2019-01-01", tz="America/Toronto")
