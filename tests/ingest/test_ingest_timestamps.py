"""Tests for date parsing, time zones and time resolution (hotspots.ingest.timestamps)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.errors import ColumnError, InputError
from hotspots.ingest import ColumnMapping, load_incidents
from hotspots.ingest.rejects import REJECT_REASONS, RejectLedger
from hotspots.ingest.timestamps import (
    Timestamps,
    check_timezone,
    infer_timezone,
    parse_timestamps,
)

MISSING = REJECT_REASONS.index("missing date")
UNPARSEABLE = REJECT_REASONS.index("unparseable date")
FUTURE = REJECT_REASONS.index("future date")

TZ = "America/Toronto"


def _parse(
    values: list[object],
    *,
    now: pd.Timestamp | None = None,
    tz: str = TZ,
    date_format: str | None = None,
    **columns: list[object],
) -> tuple[Timestamps, RejectLedger]:
    frame = pd.DataFrame({"date": values, **columns}) if values else pd.DataFrame(columns)
    mapping = ColumnMapping(date="date" if values else None).replace(
        **{name: name for name in columns}
    )
    ledger = RejectLedger(len(frame))
    stamps = parse_timestamps(frame, mapping, ledger, timezone=tz, now=now, date_format=date_format)
    return stamps, ledger


def _local(text: str, tz: str = TZ) -> pd.Timestamp:
    return pd.Timestamp(text).tz_localize(tz)


@pytest.mark.parametrize(
    ("text", "expected", "resolution"),
    [
        ("2019-01-02 13:45", "2019-01-02 13:45", "minute"),
        ("2019-01-02T13:45:10", "2019-01-02 13:45:10", "minute"),
        ("2019-01-02T13:45:10.250", "2019-01-02 13:45:10.250", "minute"),
        ("01/02/2019 01:45:00 PM", "2019-01-02 13:45", "minute"),
        ("01/02/2019 13:00", "2019-01-02 13:00", "hour"),
        ("2019/01/02 13:45:00", "2019-01-02 13:45", "minute"),
        ("2019-01-02", "2019-01-02", "day"),
        ("02.01.2019", "2019-01-02", "day"),
        ("20190102", "2019-01-02", "day"),
    ],
)
def test_naive_formats_are_wall_clock_time(text: str, expected: str, resolution: str) -> None:
    # 01/02/2019 alone could be either order: it is refused unless the order is given.
    stamps, ledger = _parse([text, text], date_format="month-first" if "/" in text[:3] else None)
    assert ledger.accepted.all()
    assert stamps.values.iloc[0] == _local(expected)
    assert str(stamps.values.dtype) == f"datetime64[us, {TZ}]"
    assert stamps.resolution == resolution


def test_day_first_when_a_first_field_is_above_12() -> None:
    stamps, _ = _parse(["13/02/2019", "01/03/2019"])
    assert stamps.values.tolist() == [_local("2019-02-13"), _local("2019-03-01")]


def test_police_uk_months() -> None:
    stamps, ledger = _parse(["2022-01", "2022-02"])
    assert ledger.accepted.all()
    assert stamps.values.iloc[1] == _local("2022-02-01")
    assert stamps.resolution == "month"


def test_month_column_with_full_dates_is_monthly() -> None:
    frame = pd.DataFrame({"month": ["2022-01-01", "2022-02-01"]})
    ledger = RejectLedger(2)
    stamps = parse_timestamps(frame, ColumnMapping(date="month"), ledger, timezone=TZ, now=None)
    assert stamps.resolution == "month"


def test_toronto_offsets_and_iso_z_are_converted() -> None:
    stamps, ledger = _parse(["2014/03/02 05:00:00+00", "2014/07/02 04:00:00+00"])
    assert ledger.accepted.all()
    assert stamps.values.tolist() == [_local("2014-03-02"), _local("2014-07-02")]
    assert stamps.resolution == "day"  # midnight local time, every time
    stamps, _ = _parse(["2019-01-01T01:30:00Z", "2019-01-01T01:30:00+01:00"])
    assert stamps.values.iloc[0] == pd.Timestamp("2019-01-01 01:30", tz="UTC")
    assert stamps.values.iloc[1] == pd.Timestamp("2019-01-01 00:30", tz="UTC")


def test_mixed_formats_fall_back_one_by_one() -> None:
    values = ["2019-01-02 13:45"] * 5 + ["Jan 3 2019 10:00", "2019-01-04T10:00:00-05:00"]
    stamps, ledger = _parse(values)
    assert ledger.accepted.all()
    assert stamps.values.iloc[5] == _local("2019-01-03 10:00")
    assert stamps.values.iloc[6] == _local("2019-01-04 10:00")
    assert any("parsed one by one" in note for note in stamps.notes)


def test_missing_and_unparseable_dates_are_rejected_with_details() -> None:
    _, ledger = _parse(["2019-01-02", None, "  ", "nan", "yesterday", "2019-02-30", "1"])
    codes = ledger.codes.tolist()
    assert codes[0] == -1
    assert codes[1:4] == [MISSING] * 3
    assert codes[4:] == [UNPARSEABLE] * 3
    assert ledger.details[4] == "date='yesterday' is not a date"
    assert ledger.details[5] == "date='2019-02-30' is not a date"
    assert ledger.details[1] == "date is missing"


def test_future_dates_are_rejected() -> None:
    now = pd.Timestamp("2020-01-01 12:00", tz="UTC")
    _, ledger = _parse(["2019-12-31", "2020-01-01 06:00", "2020-01-02"], now=now)
    assert ledger.codes.tolist() == [-1, -1, FUTURE]
    assert ledger.details[2].startswith("date=2020-01-02 00:00 is after 2020-01-01 07:00")
    naive_now = pd.Timestamp("2020-01-01 07:30")  # wall-clock time in the data's zone
    _, ledger = _parse(["2020-01-01 07:00", "2020-01-01 08:00"], now=naive_now)
    assert ledger.codes.tolist() == [-1, FUTURE]


def test_bad_now_is_an_input_error() -> None:
    with pytest.raises(InputError, match="now='soon'"):
        _parse(["2019-01-01"], now="soon")  # type: ignore[arg-type]


def test_dst_gap_and_repeated_hour_never_lose_rows() -> None:
    stamps, ledger = _parse(["2019-03-10 02:30", "2019-11-03 01:30"], tz="America/Chicago")
    assert ledger.accepted.all()
    assert stamps.values.iloc[0] == pd.Timestamp("2019-03-10 03:00", tz="America/Chicago")
    # The repeated hour is read as the earlier instant (daylight time, UTC-5).
    assert stamps.values.iloc[1] == pd.Timestamp("2019-11-03 06:30", tz="UTC")


def test_date_and_time_columns() -> None:
    stamps, ledger = _parse(
        ["2019-01-02", "2019-01-02", "01/03/2019 12:00:00 AM", "2019-01-04", "2019-01-05"],
        time=["13:45", "1345", "9:05", None, "25:99"],
    )
    assert stamps.values.iloc[:3].tolist() == [
        _local("2019-01-02 13:45"),
        _local("2019-01-02 13:45"),
        _local("2019-01-03 09:05"),
    ]
    assert ledger.codes.tolist()[3:] == [MISSING, UNPARSEABLE]
    assert stamps.resolution == "minute"


def test_time_column_with_am_pm() -> None:
    stamps, ledger = _parse(["2019-01-02", "2019-01-02"], time=["1:45 PM", "11:00 AM"])
    assert ledger.accepted.all()
    assert stamps.values.iloc[0] == _local("2019-01-02 13:45")


def test_split_columns_with_month_names() -> None:
    stamps, ledger = _parse(
        [],
        year=["2020", "2020", "2020", "2020", ""],
        month=["6", "January", "13", "2", "1"],
        day=["19", "3", "1", "30", "1"],
        hour=["3", "6", "0", "0", "0"],
        minute=["40", "43", "0", "0", "0"],
    )
    assert stamps.values.iloc[:2].tolist() == [
        _local("2020-06-19 03:40"),
        _local("2020-01-03 06:43"),
    ]
    assert ledger.codes.tolist()[2:] == [UNPARSEABLE, UNPARSEABLE, MISSING]
    assert ledger.details[2] == "year=2020, month=13, day=1, hour=0, minute=0 is not a valid date"
    assert stamps.resolution == "minute"


def test_split_columns_numeric_year_and_month_only() -> None:
    stamps, _ = _parse([], year=[2020, 2021], month=[5, 6])
    assert stamps.values.tolist() == [_local("2020-05-01"), _local("2021-06-01")]
    assert stamps.resolution == "month"


def test_datetime_columns_naive_and_aware() -> None:
    naive = pd.Series(pd.to_datetime(["2019-01-02 13:45"]))
    stamps, _ = _parse(list(naive))
    assert stamps.values.iloc[0] == _local("2019-01-02 13:45")
    frame = pd.DataFrame({"date": pd.to_datetime(["2019-01-02 18:45"]).tz_localize("UTC")})
    stamps = parse_timestamps(
        frame, ColumnMapping(date="date"), RejectLedger(1), timezone=TZ, now=None
    )
    assert stamps.values.iloc[0] == _local("2019-01-02 13:45")


def test_epoch_seconds_and_milliseconds() -> None:
    seconds = pd.DataFrame({"date": [1546450200, 1546450260]})
    stamps = parse_timestamps(
        seconds, ColumnMapping(date="date"), RejectLedger(2), timezone="UTC", now=None
    )
    assert stamps.values.iloc[0] == pd.Timestamp("2019-01-02 17:30", tz="UTC")
    millis = seconds * 1000
    stamps = parse_timestamps(
        millis, ColumnMapping(date="date"), RejectLedger(2), timezone="UTC", now=None
    )
    assert stamps.values.iloc[0] == pd.Timestamp("2019-01-02 17:30", tz="UTC")


def test_no_date_column_lists_columns_and_the_fix() -> None:
    frame = pd.DataFrame({"lat": ["43.6"], "lon": ["-79.4"], "when": ["2019-01-01"]})
    with pytest.raises(ColumnError, match=r"'lat', 'lon', 'when'.*columns=\{'date'"):
        load_incidents(frame)
    with pytest.raises(ColumnError, match="year column"):
        load_incidents(frame.assign(year="2019"))


def test_timezones() -> None:
    assert infer_timezone(-79.38, 43.65) == "America/Toronto"
    assert infer_timezone(-1.15, 52.95) == "Europe/London"
    assert check_timezone("Europe/Paris") == "Europe/Paris"
    with pytest.raises(InputError, match=r"timezone='Mars/Olympus'.*IANA"):
        check_timezone("Mars/Olympus")


def test_given_timezone_is_used(now: pd.Timestamp) -> None:
    frame = pd.DataFrame({"lat": ["43.65"], "lon": ["-79.38"], "date": ["2019-01-02 13:45"]})
    result = load_incidents(frame, timezone="UTC", now=now)
    assert result.timezone == "UTC"
    assert result.incidents["occurred_at"].iloc[0] == pd.Timestamp("2019-01-02 13:45", tz="UTC")
    inferred = load_incidents(frame, now=now)
    assert inferred.timezone == "America/Toronto"
    assert any("inferred" in note for note in inferred.notes)


def test_iso_columns_take_the_strict_fast_path_with_the_same_answers() -> None:
    iso = ["2021-03-14T02:30:00", "2021-11-07 01:30", "2021-06-01", "2021-06-01T12:00:00.5"]
    stamps, ledger = _parse(iso * 300)
    assert ledger.accepted.all()
    assert stamps.values.iloc[0] == _local("2021-03-14 03:00")  # DST gap: moved forward
    assert stamps.values.iloc[1].utcoffset() == pd.Timedelta(hours=-4)  # repeated hour: earlier
    assert stamps.values.iloc[2] == _local("2021-06-01")
    assert stamps.values.iloc[3] == _local("2021-06-01 12:00:00.5")
    # One impossible date in an ISO column: the careful path rejects it alone.
    stamps, ledger = _parse([*iso * 300, "2021-02-30T10:00:00"])
    assert ledger.accepted[:-1].all() and not ledger.accepted[-1]
    assert ledger.details[-1] == "date='2021-02-30T10:00:00' is not a date"


@pytest.mark.parametrize(
    ("tz", "values"),
    [
        # 30-minute DST: 02:00 -> 02:30 in October, 02:00 -> 01:30 in April.
        ("Australia/Lord_Howe", ["2021-10-03 02:15", "2021-04-04 01:45", "2021-04-04 02:00"]),
        # +12:45 / +13:45: 02:45 -> 03:45 in September, 03:45 -> 02:45 in April.
        ("Pacific/Chatham", ["2021-09-26 03:00", "2021-04-04 03:00", "2021-04-04 03:45"]),
        # Kathmandu's one change, +05:30 -> +05:45 on 1986-01-01 at midnight.
        ("Asia/Kathmandu", ["1986-01-01 00:10", "1985-12-31 23:59", "1986-01-01 00:15"]),
    ],
)
def test_gap_and_fold_rows_in_odd_zones_are_pandas_localised(tz: str, values: list[str]) -> None:
    stamps, ledger = _parse([*values, "2021-07-01 12:00"], tz=tz)
    assert ledger.accepted.all()
    naive = pd.Series(pd.to_datetime([*values, "2021-07-01 12:00"])).dt.as_unit("us")
    expected = naive.dt.tz_localize(
        tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
    )
    pd.testing.assert_series_equal(stamps.values, expected, check_names=False)


@pytest.mark.parametrize("bad", [None, "2021-02-30 10:00", "2021-03-01T10:00:00+02:00"])
def test_iso_cast_in_blocks_gives_the_one_pass_answer(
    bad: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ISO text is cast by Arrow a block at a time in threads; a value the cast refuses in
    any block sends the whole column down the careful path, as one cast would."""
    from hotspots.ingest import timestamps

    values = [f"2021-0{1 + i % 9}-{10 + i % 17} 0{i % 10}:15" for i in range(40)]
    if bad is not None:
        values[37] = bad
    whole, whole_ledger = _parse(values)
    monkeypatch.setattr(timestamps, "_CAST_BLOCK", 6)
    blocks, blocks_ledger = _parse(values)
    pd.testing.assert_series_equal(blocks.values, whole.values)
    assert blocks_ledger.codes.tolist() == whole_ledger.codes.tolist()
    assert whole_ledger.accepted.sum() == (40 if bad is None or "+" in bad else 39)


@pytest.mark.parametrize("missing_every", [None, 7])
def test_sample_present_is_every_kth_present_value(missing_every: int | None) -> None:
    from hotspots.ingest.timestamps import sample_present

    values = pd.Series([f"2021-01-{1 + i % 28:02d}" for i in range(10_007)], dtype="str")
    if missing_every:
        values[::missing_every] = None
    present = values.dropna()
    expected = present.iloc[:: max(1, len(present) // 500)][:500]
    sample = sample_present(values, 500)
    assert sample.tolist() == expected.tolist()
    assert sample.index.tolist() == expected.index.tolist()


def test_impossible_slash_days_are_rejected_wherever_arrow_rolls_them_over() -> None:
    # Arrow's strptime reads 02/30 as March 2 and 04/31 as May 1: each such landing day is
    # re-checked, and the real dates on those days stay.
    impossible = ["02/29/2021", "02/30/2021", "02/31/2021", "04/31/2021", "06/31/2021"]
    impossible += ["09/31/2021", "11/31/2021"]
    real = ["01/13/2021", "02/29/2020", "03/01/2021", "03/03/2021", "05/01/2021", "12/01/2021"]
    stamps, ledger = _parse(real + impossible)
    assert ledger.codes.tolist() == [-1] * len(real) + [UNPARSEABLE] * len(impossible)
    assert stamps.values.iloc[: len(real)].dt.strftime("%m/%d/%Y").tolist() == real
    assert ledger.details[len(real) + 1] == "date='02/30/2021' is not a date"


def test_slash_dates_are_found_as_the_look_ahead_pattern_found_them() -> None:
    from hotspots.ingest.timestamps import (
        _FIRST_ABOVE_12,
        _SECOND_ABOVE_12,
        _SLASH_DATE,
        _day_and_month_differ,
        _matches,
    )

    values = ["3/4/21", " 03/14/2021 1:00", "12/1/202", "1/2/20215", "1/2/2021x", "11/30/99"]
    values += ["2021-01-02", "1/2", "", None, "x 1/2/2021", "1/22/2021\t", "13/1/2021", "5/5/21"]
    values += ["99/12/2021", "123/1/2021", "1/100/2021"]
    text = pd.Series(values, dtype="str")
    old = text.str.extract(r"^\s*(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?!\d)")
    found = old[0].notna().to_numpy()
    first, second = pd.to_numeric(old[0]).to_numpy(), pd.to_numeric(old[1]).to_numpy()
    matched = _matches(text, _SLASH_DATE)
    assert matched.tolist() == found.tolist()
    assert (matched & _matches(text, _FIRST_ABOVE_12)).tolist() == (found & (first > 12)).tolist()
    assert (matched & _matches(text, _SECOND_ABOVE_12)).tolist() == (found & (second > 12)).tolist()
    assert _day_and_month_differ(text, matched).tolist() == (found & (first != second)).tolist()


def test_split_columns_assemble_as_pandas_does() -> None:
    from hotspots.ingest.timestamps import _assemble

    rng = np.random.default_rng(7)
    n = 20_000

    def part(low: int, high: int) -> np.ndarray:
        values = rng.integers(low, high, n).astype(float)
        values[rng.random(n) < 0.02] = np.nan
        return values

    parts = {"year": part(-2, 10_010), "month": part(-1, 14), "day": part(-1, 33)}
    parts |= {"hour": part(-3, 30), "minute": part(-3, 70)}
    parts["year"][: n // 2] = rng.integers(1990, 2030, n // 2)
    parts["day"][:50] += 0.5  # not whole: missing
    for names in (("year", "month"), ("year", "month", "day"), tuple(parts)):
        chosen = {name: parts[name] for name in names}
        whole = np.all([np.isnan(v) | (v == np.round(v)) for v in chosen.values()], axis=0)
        table = pd.DataFrame({"day": np.ones(n)} | chosen)
        table.loc[~whole] = np.nan
        expected = pd.to_datetime(table, errors="coerce").dt.as_unit("us").to_numpy()
        assert np.array_equal(_assemble(chosen), expected, equal_nan=True)


def test_split_columns_of_plain_numbers_read_as_the_careful_path_reads_them() -> None:
    parts = {
        "year": ["2020", " 2020", "2021", "2020", "2020", "2021"],
        "month": ["6", "2", "2", "12", "1", "3"],
        "day": ["19", "30", "28 ", "31", "1", "1"],
        "hour": ["3", "0", "25", "23", None, "0"],
        "minute": ["40", "0", "0", "61", "5", "0"],
    }
    fast, fast_ledger = _parse([], **parts)  # every value a plain number: one Arrow cast
    careful, careful_ledger = _parse([], **(parts | {"minute": [*parts["minute"][:-1], "-"]}))
    assert fast_ledger.codes.tolist() == [-1, UNPARSEABLE, -1, -1, MISSING, -1]
    assert careful_ledger.codes.tolist()[:5] == fast_ledger.codes.tolist()[:5]
    assert fast.values.iloc[:5].equals(careful.values.iloc[:5])
    assert fast.values.iloc[2] == _local("2021-03-01 01:00")  # 25:00 carries over
    assert fast.values.iloc[3] == _local("2021-01-01 00:01")  # 23:61 on Dec 31 too
