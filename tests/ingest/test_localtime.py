"""Tests for per-hour time-zone conversion (hotspots.ingest.localtime): exactly pandas' answers."""

from __future__ import annotations

import zoneinfo

import numpy as np
import pandas as pd
import pytest

from hotspots.blocks import BLOCK
from hotspots.ingest import localtime
from hotspots.ingest.localtime import HOUR_US, to_utc, to_utc_and_wall, to_wall
from hotspots.ingest.timestamps import localise, wall_clock

#: Zones with odd offsets and odd history: 30-minute DST (Lord Howe), +5:45 (Kathmandu, +5:30
#: before 1986), +12:45/+13:45 (Chatham), a skipped day (Apia 2011, Kiritimati 1994), DST of
#: two hours (Troll), negative DST (Dublin), -3:30 (St John's), DST suspended for Ramadan
#: (Casablanca), half-hour moves back and forth (Pyongyang 2015/2018, Caracas 2007/2016),
#: Moscow's 1991-2014 changes, and local mean time with seconds before 1900 everywhere.
ZONES = (
    "America/Toronto",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Pacific/Kiritimati",
    "Antarctica/Troll",
    "Europe/Dublin",
    "America/St_Johns",
    "Africa/Casablanca",
    "Asia/Pyongyang",
    "America/Caracas",
    "Europe/Moscow",
    "UTC",
)


def _pandas_to_utc(wall: np.ndarray, tz: str) -> np.ndarray:
    local = pd.DatetimeIndex(wall).tz_localize(
        tz, ambiguous=np.ones(wall.size, dtype=bool), nonexistent="shift_forward"
    )
    return local.tz_convert("UTC").tz_localize(None).to_numpy()


def _pandas_to_wall(utc: np.ndarray, tz: str) -> np.ndarray:
    return pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(tz).tz_localize(None).to_numpy()


def _changes(tz: str, start: str = "1880-01-01", end: str = "2040-01-01") -> np.ndarray:
    """UTC hours (int64 µs) just after the zone's offset changed, found hour by hour."""
    hours = pd.date_range(start, end, freq="h", unit="us")
    offsets = _pandas_to_wall(hours.to_numpy(), tz).view(np.int64) - hours.asi8
    return hours.asi8[1:][np.diff(offsets) != 0]


def _around_changes(tz: str, rng: np.random.Generator) -> np.ndarray:
    """Wall-clock times every few minutes (and at random microseconds) within three hours
    of each offset change, the ends of those hours, and random times from 1880 to 2040."""
    changes = _changes(tz)
    local = _pandas_to_wall(changes.view("datetime64[us]"), tz).view(np.int64)
    steps = np.arange(-3 * HOUR_US, 3 * HOUR_US, 7 * 60_000_000)
    near = (local[:, None] + steps[None, :]).ravel()
    hour_ends = (near // HOUR_US) * HOUR_US
    jitter = near + rng.integers(0, 60_000_000, near.size)
    anywhere = rng.integers(
        np.datetime64("1880-01-01", "us").astype(np.int64),
        np.datetime64("2040-01-01", "us").astype(np.int64),
        50_000,
    )
    values = np.concatenate([near, hour_ends, hour_ends - 1, jitter, anywhere])
    return rng.permutation(values).view("datetime64[us]")


@pytest.mark.parametrize("tz", ZONES)
def test_to_utc_and_to_wall_are_pandas_exactly(tz: str) -> None:
    rng = np.random.default_rng(15)
    wall = _around_changes(tz, rng)
    wall[::97] = np.datetime64("NaT")
    utc = to_utc(wall, tz)
    np.testing.assert_array_equal(utc, _pandas_to_utc(wall, tz))
    np.testing.assert_array_equal(to_wall(utc, tz), _pandas_to_wall(utc, tz))
    same, after = to_utc_and_wall(wall, tz)
    np.testing.assert_array_equal(same, utc)
    np.testing.assert_array_equal(after, _pandas_to_wall(utc, tz))


def test_many_blocks_with_missing_values_and_dst_hours_in_several() -> None:
    rng = np.random.default_rng(4)
    n = 3 * BLOCK + 11
    start = np.datetime64("2019-01-01", "us").astype(np.int64)
    wall = rng.integers(start, start + 3 * 365 * 24 * HOUR_US, n).view("datetime64[us]")
    wall[rng.choice(n, 5_000, replace=False)] = np.datetime64("2020-11-01T01:30", "us")
    wall[rng.choice(n, 5_000, replace=False)] = np.datetime64("2021-03-14T02:30", "us")
    wall[: BLOCK + 5] = np.datetime64("NaT")  # a whole block and more of NaT
    utc, after = to_utc_and_wall(wall, "America/Toronto")
    np.testing.assert_array_equal(utc, _pandas_to_utc(wall, "America/Toronto"))
    np.testing.assert_array_equal(after, _pandas_to_wall(utc, "America/Toronto"))
    np.testing.assert_array_equal(to_wall(utc, "America/Toronto"), after)


def test_gap_and_fold_rows_in_toronto() -> None:
    wall = np.array(
        [
            "2021-03-14T01:59:59.999999",  # last microsecond before the gap (EST)
            "2021-03-14T02:00",  # in the gap: moved forward to 03:00 EDT
            "2021-03-14T02:30",
            "2021-03-14T03:00",
            "2021-11-07T00:59:59.999999",
            "2021-11-07T01:00",  # the repeated hour: the earlier instant (EDT)
            "2021-11-07T01:59:59.999999",
            "2021-11-07T02:00",
            "NaT",
        ],
        dtype="datetime64[us]",
    )
    utc = to_utc(wall, "America/Toronto").astype(str).tolist()
    assert utc == [
        "2021-03-14T06:59:59.999999",
        "2021-03-14T07:00:00.000000",
        "2021-03-14T07:00:00.000000",
        "2021-03-14T07:00:00.000000",
        "2021-11-07T04:59:59.999999",
        "2021-11-07T05:00:00.000000",
        "2021-11-07T05:59:59.999999",
        "2021-11-07T07:00:00.000000",
        "NaT",
    ]


def test_no_rows_all_missing_and_a_span_beyond_the_table() -> None:
    assert to_utc(np.array([], dtype="datetime64[us]"), "Europe/Paris").size == 0
    missing = np.array(["NaT", "NaT"], dtype="datetime64[us]")
    assert np.isnat(to_utc(missing, "Europe/Paris")).all()
    # Year 1 to 9999 spans far more hours than the table holds: pandas row by row.
    wide = np.array(["0001-01-01T12:00", "2021-07-01T12:00", "9999-06-01T00:00"], "datetime64[us]")
    assert (np.ptp(wide.view(np.int64)) // HOUR_US) > localtime.MAX_SPAN_HOURS
    np.testing.assert_array_equal(
        to_utc(wide, "Europe/Paris"), _pandas_to_utc(wide, "Europe/Paris")
    )


def test_fewer_hours_than_rows_ask_the_zone_once_per_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    original = localtime._localised

    def counting(wall: np.ndarray, tz: object) -> np.ndarray:
        asked.append(wall.size)
        return original(wall, tz)  # type: ignore[arg-type]

    monkeypatch.setattr(localtime, "_localised", counting)
    hours = np.datetime64("2021-06-01T00:00", "us") + np.arange(48) * np.timedelta64(1, "h")
    wall = np.repeat(hours, 1000) + np.timedelta64(123, "s")
    to_utc(wall, "America/Toronto")
    assert asked == [48, 48]  # the first and the last microsecond of each of the 48 hours


def test_localise_and_wall_clock_round_trip_series() -> None:
    naive = pd.Series(pd.to_datetime(["2021-11-07 01:30", None, "2021-03-14 02:30"])).dt.as_unit(
        "us"
    )
    aware = localise(naive, "America/Toronto")
    assert str(aware.dtype) == "datetime64[us, America/Toronto]"
    expected = naive.dt.tz_localize(
        "America/Toronto", ambiguous=np.ones(3, dtype=bool), nonexistent="shift_forward"
    )
    pd.testing.assert_series_equal(aware, expected)
    wall = wall_clock(aware)
    assert wall.astype(str).tolist() == [
        "2021-11-07T01:30:00.000000",
        "NaT",
        "2021-03-14T03:00:00.000000",
    ]


def test_no_zone_has_two_transitions_within_an_hour() -> None:
    """The premise of the per-hour table, checked on the installed time-zone database."""
    pure = pytest.importorskip("zoneinfo._zoneinfo")  # the pure-Python reader shows them
    closest = min(
        int(np.diff(np.asarray(trans, dtype=np.int64)).min())
        for name in zoneinfo.available_timezones()
        if len(trans := pure.ZoneInfo.no_cache(name)._trans_utc) > 1
    )
    assert closest > 2 * 3600  # seconds


def test_wall_clock_times_are_the_input_unless_a_time_moved() -> None:
    fold = np.array(["2021-11-07T01:30", "2021-07-01T12:00", "NaT"], dtype="datetime64[us]")
    utc, after = to_utc_and_wall(fold, "America/Toronto")
    assert np.shares_memory(after, fold) and not after.flags.writeable
    np.testing.assert_array_equal(after, _pandas_to_wall(utc, "America/Toronto"))
    gap = np.array(["2021-03-14T02:30", "2021-07-01T12:00"], dtype="datetime64[us]")
    utc, after = to_utc_and_wall(gap, "America/Toronto")
    assert not np.shares_memory(after, gap)
    assert after.astype(str).tolist() == [
        "2021-03-14T03:00:00.000000",
        "2021-07-01T12:00:00.000000",
    ]
    assert gap[0] == np.datetime64("2021-03-14T02:30")  # the input is left alone


@pytest.mark.parametrize("unit", ["s", "ms", "ns"])
def test_in_us_is_pandas_as_unit(unit: str) -> None:
    from hotspots.ingest.localtime import in_us

    rng = np.random.default_rng(6)
    span = {"s": 10**10, "ms": 10**13, "ns": 10**18}[unit]  # about 1653 to 2286
    values = rng.integers(-span, span, 3 * BLOCK + 5).view(f"datetime64[{unit}]")
    values[::1_001] = np.datetime64("NaT")
    times = pd.Series(values, name="date")
    pd.testing.assert_series_equal(in_us(times), times.dt.as_unit("us"))
    if unit != "ns":  # beyond what microseconds hold: pandas' own error
        huge = pd.Series(np.array([np.iinfo(np.int64).max // 10], dtype=f"datetime64[{unit}]"))
        with pytest.raises(pd.errors.OutOfBoundsDatetime):
            in_us(huge)


@pytest.mark.parametrize(
    "moment", ["2021-03-14 03:00", "2021-06-01 12:00:00.000001", "2021-06-01 12:00:00.000000999"]
)
def test_compare_to_is_pandas_comparison(moment: str) -> None:
    from hotspots.ingest.localtime import compare_to

    wall = np.array(
        ["2021-03-14T03:00", "2021-06-01T12:00", "2021-06-01T12:00:00.000001", "NaT", "2500-01-01"],
        dtype="datetime64[us]",
    )
    times = localise(pd.Series(wall), "America/Toronto")
    stamp = pd.Timestamp(moment, tz="America/Toronto")
    for compare in (np.less, np.greater):
        expected = compare(times, stamp).to_numpy(dtype=bool, na_value=False)
        np.testing.assert_array_equal(compare_to(times, stamp, compare), expected)
