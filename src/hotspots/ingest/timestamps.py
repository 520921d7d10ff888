"""Parsing incident dates into tz-aware timestamps, rejecting bad rows.

Where the date comes from (first that applies):

1. a date (or date-time) column, optionally with a separate time column;
2. ``year``/``month`` [/``day``/``hour``/``minute``] columns combined (Vancouver);
   month names (``"January"``) are understood.

Text dates are parsed fast: a format is inferred from a sample of non-missing values and
the whole column is parsed with that explicit ``format=``; only the values that do not fit
it are retried with ``format="mixed"`` (and must still contain something date-like, e.g. a
four-digit year). Supported out of the box: ISO 8601 (``2019-01-02T13:45:00Z``),
``2019-01-02 13:45``, US ``01/02/2019 01:45:00 PM`` (month first unless a first field is
above 12), police.uk months ``2022-01`` (the first day of the month), Toronto
``2014/03/02 05:00:00+00``, epoch seconds or milliseconds in numeric columns.

Time zones: timestamps without an offset are wall-clock times in the incident's time zone
(given, or inferred offline from the data's centre with ``timezonefinder``). At a DST
change, wall times that do not exist are moved forward past the gap and ambiguous wall
times (the repeated hour) are read as the *earlier* instant (daylight time), so no row is
lost. Timestamps with an offset are converted to the time zone. All timestamps are
``datetime64[us, <timezone>]``.

Checks, in this order: ``missing date``, ``unparseable date``, ``future date`` (after
``now``).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import warnings
import zoneinfo
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from timezonefinder import TimezoneFinder

from hotspots.blocks import in_blocks
from hotspots.errors import ColumnError, InputError, Option, invalid, literal
from hotspots.ingest.columns import ColumnMapping, normalise_name
from hotspots.ingest.localtime import (
    aware_series,
    compare_to,
    in_us,
    to_utc,
    to_utc_and_wall,
    to_wall,
    utc_values,
)
from hotspots.ingest.rejects import RejectLedger, quoted
from hotspots.ingest.textbuffers import slash_date_fields
from hotspots.sampling import every_kth

log = logging.getLogger(__name__)

RESOLUTIONS = ("minute", "hour", "day", "month")
UNIT = "us"

# Candidate formats, tried in order on a sample; the first that parses every sampled value
# wins. Month-first before day-first (US open data is the common case).
_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d",
    "%Y-%m",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y/%m/%d %H:%M:%S%z",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y/%m",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d/%m/%Y %I:%M:%S %p",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%m/%d/%y",
    "%d/%m/%y %I:%M:%S %p",
    "%d/%m/%y %I:%M %p",
    "%d/%m/%y %H:%M:%S",
    "%d/%m/%y %H:%M",
    "%d/%m/%y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%Y%m%d",
    "ISO8601",
)
#: Two-digit years (``%y``) follow the POSIX pivot: 00-68 are 2000-2068, 69-99 are 1969-1999.
TWO_DIGIT_YEAR_PIVOT = 69
#: ``date_format=`` shorthands for slash dates whose order cannot be told from the data.
DATE_ORDERS = ("day-first", "month-first")
#: A slash date's first and second fields and year (``03/04/2021``, ``3/4/21 13:00``), in the
#: syntax of Arrow's regular expressions (RE2: no look-ahead, so the year ends at a non-digit).
_SLASH_DATE = r"^\s*(?P<first>\d{1,2})/(?P<second>\d{1,2})/(?P<year>\d{4}|\d{2})(?:\D|$)"
#: A slash date whose first field is above 12 (a day), and one whose second field is.
_FIRST_ABOVE_12 = r"^\s*(?:1[3-9]|[2-9]\d)/\d{1,2}/"
_SECOND_ABOVE_12 = r"^\s*\d{1,2}/(?:1[3-9]|[2-9]\d)/"
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "%I %p", "%H:%M:%S.%f")
_SAMPLE_SIZE = 500
_MISSING_WORDS = ("", "nan", "nat", "null", "none", "na", "n/a", "#n/a", "-")
_AWARE = re.compile(
    r"(?:\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:Z|z|UTC|GMT|[+-]\d\d(?::?\d\d)?)|[+-]\d\d:\d\d)$"
)
_DATE_LIKE = r"\d{4}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2}"
_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}


@dataclass
class Timestamps:
    """Parsed timestamps of every row (NaT where rejected) and how fine they are."""

    values: pd.Series
    resolution: str
    notes: list[str] = field(default_factory=list)
    #: ``values`` as wall-clock times in their zone (naive ``datetime64[us]``, NaT where missing)
    wall: np.ndarray | None = None


@dataclass
class _Parsed:
    naive: pd.Series  # wall-clock datetimes (NaT where not naive)
    aware: pd.Series | None  # UTC datetimes (NaT where not aware); None: no row is aware
    missing: np.ndarray
    month_hint: bool = False
    #: rows whose day/month order contradicts the column's (mask, reject detail)
    contradicting: tuple[np.ndarray, np.ndarray] | None = None


@functools.lru_cache(maxsize=1)
def timezone_finder() -> TimezoneFinder:
    """Return a shared offline :class:`timezonefinder.TimezoneFinder`."""
    return TimezoneFinder()


def check_timezone(timezone: str) -> str:
    """Return ``timezone`` if it is an IANA time-zone name, else raise InputError."""
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise invalid(
            "timezone",
            timezone,
            "an IANA time-zone name such as 'America/Toronto', 'Europe/London' or 'UTC'",
            "Leave it unset to infer it from the coordinates.",
        ) from None
    return timezone


def infer_timezone(lon: float, lat: float) -> str:
    """Return the IANA time zone at (``lon``, ``lat``) in degrees (``"UTC"`` if none)."""
    found = timezone_finder().timezone_at(lng=lon, lat=lat)
    return found if isinstance(found, str) else "UTC"


def parse_timestamps(
    frame: pd.DataFrame,
    mapping: ColumnMapping,
    ledger: RejectLedger,
    *,
    timezone: str,
    now: pd.Timestamp | None,
    date_format: str | None = None,
) -> Timestamps:
    """Parse every row's date into ``timezone``; reject missing, unparseable and future ones.

    Parameters
    ----------
    frame : pandas.DataFrame
        The source rows.
    mapping : ColumnMapping
        ``date`` (+ ``time``) or ``year``/``month``/``day``/``hour``/``minute`` columns.
    ledger : RejectLedger
        Receives the rejects (only rows still accepted are considered).
    timezone : str
        IANA name the timestamps are expressed in.
    now : pandas.Timestamp or None
        Later timestamps are rejected as ``future date`` (default: the current time).
    date_format : str, optional
        The date column's format: a ``strptime`` format (``"%d/%m/%Y %H:%M"``) or one of
        :data:`DATE_ORDERS` for slash dates. Default: detected from the whole column; a
        slash-date column whose day/month order the data cannot tell is refused.

    Returns
    -------
    Timestamps
        ``values`` is ``datetime64[us, timezone]`` aligned with ``frame``.
    """
    require_date_columns(frame, mapping)
    notes: list[str] = []
    if mapping.date is not None:
        values, label, month_hint, wall = _from_date_column(
            frame, mapping, ledger, timezone, notes, date_format
        )
        accepted = wall if ledger.accepted.all() else wall[ledger.accepted]
        resolution = _resolution(accepted, month_hint=month_hint)
        if mapping.time is not None and resolution == "month":
            resolution = "day"
    else:
        values, label, resolution, wall = _from_split_columns(frame, mapping, ledger, timezone)

    now_local = _now(now, timezone)
    future = compare_to(values, now_local, np.greater)
    if future.any():
        shown = values[future].dt.strftime("%Y-%m-%d %H:%M").astype("str")
        detail = np.full(len(values), "", dtype=object)
        detail[future] = (
            f"{label}=" + shown + f" is after {now_local:%Y-%m-%d %H:%M %Z}"
        ).to_numpy()
        ledger.reject(future, "future date", detail)
    return Timestamps(values, resolution, notes, wall)


def require_date_columns(frame: pd.DataFrame, mapping: ColumnMapping) -> None:
    """Raise ColumnError unless ``mapping`` names a date column or a year + month pair."""
    if mapping.date is not None:
        return
    if mapping.year is not None and mapping.month is not None:
        return
    columns = ", ".join(repr(str(c)) for c in frame.columns)
    if mapping.year is not None:
        raise ColumnError(
            f"A year column ({mapping.year!r}) alone is not a date; the data has "
            f"{literal(columns)}. Name the month column too, e.g. {{0}}, or a date column with {{1}}.",
            options=(
                Option("columns", {"year": "YEAR", "month": "MONTH"}),
                Option("columns", {"date": "DATE"}),
            ),
        )
    raise ColumnError(
        "No date column found (looked for date, datetime, occurred, occurrencedate, "
        f"reported_date, month, year/month/day...); the data has {literal(columns)}. Name it "
        "with {0} (or {1}).",
        options=(
            Option("columns", {"date": "DATE"}),
            Option("columns", {"year": "YEAR", "month": "MONTH", "day": "DAY"}),
        ),
    )


def _now(now: pd.Timestamp | None, timezone: str) -> pd.Timestamp:
    if now is None:
        return pd.Timestamp.now(tz=timezone)
    try:
        stamp = pd.Timestamp(now)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if stamp is pd.NaT:
        raise invalid("now", now, "a timestamp such as pd.Timestamp('2024-01-01')")
    return stamp.tz_localize(timezone) if stamp.tzinfo is None else stamp.tz_convert(timezone)


# --------------------------------------------------------------------------- date column


def _from_date_column(
    frame: pd.DataFrame,
    mapping: ColumnMapping,
    ledger: RejectLedger,
    timezone: str,
    notes: list[str],
    date_format: str | None = None,
) -> tuple[pd.Series, str, bool, np.ndarray]:
    column = str(mapping.date)
    parsed = _parse_any(frame[column].reset_index(drop=True), notes, column, date_format)
    parsed.month_hint = parsed.month_hint or normalise_name(column) == "month"
    ledger.reject(parsed.missing, "missing date", f"{column} is missing")
    if parsed.contradicting is not None:
        ledger.reject(parsed.contradicting[0], "unparseable date", parsed.contradicting[1])
    failed = parsed.naive.isna().to_numpy() & ~parsed.missing
    if parsed.aware is not None:
        failed &= parsed.aware.isna().to_numpy()
    explicit = date_format is not None and date_format not in DATE_ORDERS
    ledger.reject(
        failed,
        "unparseable date",
        _not_a_date(frame[column], column, failed, date_format if explicit else None),
    )
    values, wall = _localise(parsed, timezone)
    label = column
    if mapping.time is not None:
        values, wall = _add_time_of_day(wall, values.index, frame, mapping.time, ledger, timezone)
        label = f"{column}+{mapping.time}"
    return values, label, parsed.month_hint, wall


def _parse_any(
    series: pd.Series, notes: list[str], column: str, date_format: str | None = None
) -> _Parsed:
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        aware = in_us(series.dt.tz_convert("UTC"))
        return _Parsed(_no_dates(series.index), aware, series.isna().to_numpy())
    if pd.api.types.is_datetime64_dtype(dtype):
        return _Parsed(in_us(series), None, series.isna().to_numpy())
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        numbers = series.to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(numbers)
        if _excel_serials(numbers[~missing]):
            naive = _EXCEL_EPOCH + pd.to_timedelta(pd.Series(numbers, index=series.index), unit="D")
            notes.append(f"{column}: numbers read as Excel serial dates (days since 1899-12-30)")
            return _Parsed(naive.dt.round("s").dt.as_unit(UNIT), None, missing)
        unit = "ms" if not missing.all() and np.nanmedian(np.abs(numbers)) > 1e11 else "s"
        aware = pd.to_datetime(
            pd.Series(np.where((np.abs(numbers) > 1e8) & ~missing, numbers, np.nan)),
            unit=unit,
            utc=True,
            errors="coerce",
        ).dt.as_unit(UNIT)
        notes.append(f"{column}: numbers read as seconds since 1970 ({unit})")
        return _Parsed(_no_dates(series.index), aware, missing)
    text = series.astype("str")
    epoch = None if date_format is not None else _epoch_text(text)
    if epoch is not None:  # epoch seconds or Excel serials kept as text (a CSV read untyped)
        return _parse_any(epoch, notes, column)
    return _parse_text(text, notes, column, date_format)


#: Seconds or milliseconds since 1970 (9-13 digits), or an Excel serial date (5 digits, an
#: optional fraction of a day); ``20210101`` has 8 digits and stays a date.
_EPOCH = r"-?\d{9,13}(?:\.\d+)?|\d{5}(?:\.\d+)?"
#: Day 0 of Excel's serial dates (1900 system, with its 1900 leap-year bug built in).
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: Serial dates from 1970 to 2099: a column of such numbers is Excel's.
_EXCEL_RANGE = (25_569.0, 73_051.0)


def _excel_serials(numbers: np.ndarray) -> bool:
    low, high = _EXCEL_RANGE
    return bool(len(numbers)) and bool(((numbers >= low) & (numbers < high)).all())


def _epoch_text(text: pd.Series) -> pd.Series | None:
    """``text`` as numbers when every value is one (see :data:`_EPOCH`), else None."""
    # The first rows answer for most columns (any date text there that is not epoch-like
    # decides) without touching the whole column; the whole column decides otherwise.
    head = text.iloc[: _SAMPLE_SIZE * 4].dropna().str.strip()
    head = head[~_missing_text(head)].iloc[:_SAMPLE_SIZE]
    if len(head) and not head.str.fullmatch(_EPOCH).all():
        return None
    present = text.dropna().str.strip()
    present = present[~_missing_text(present)]
    sample = present.iloc[:_SAMPLE_SIZE]
    if not len(sample) or not sample.str.fullmatch(_EPOCH).all():
        return None
    if not present.str.fullmatch(_EPOCH).all():
        return None
    numbers = pd.to_numeric(text.str.strip().where(text.index.isin(present.index)), errors="coerce")
    return numbers.astype("float64")


def _no_dates(index: pd.Index) -> pd.Series:
    """Naive timestamps, all NaT, on ``index``."""
    return pd.Series(pd.NaT, index=index, dtype=f"datetime64[{UNIT}]")


def _parse_text(
    text: pd.Series, notes: list[str], column: str, date_format: str | None = None
) -> _Parsed:
    missing = text.isna().to_numpy(copy=True)
    sample = sample_present(text, _SAMPLE_SIZE, missing=missing).str.strip()
    sample = sample[~_missing_text(sample)]
    if date_format is None and len(sample):
        iso = _strict_iso(text, sample)
        if iso is not None:
            log.debug("%s parsed as ISO 8601", column)
            return _Parsed(iso, None, missing)
    naive: pd.Series | None = None  # (all NaT)
    aware: pd.Series | None = None
    explicit = date_format is not None and date_format not in DATE_ORDERS
    order, contradicting = (None, None) if explicit else _day_month_order(text, column, date_format)
    if contradicting is not None:  # the sample tells the format of the rows that agree
        sample = sample[~contradicting[0][sample.index.to_numpy()]]
    if explicit:
        chosen: str | None = date_format
    else:
        chosen = _choose_format(sample, order) if len(sample) else None
    month_hint = chosen in ("%Y-%m", "%Y/%m")
    if chosen is not None:
        is_aware = "%z" in chosen
        parsed = _to_datetime(text, chosen, utc=is_aware)
        if is_aware:
            aware = parsed
        else:
            naive = parsed
        log.debug("%s parsed with format %r", column, chosen)
        if order is not None:
            notes.append(f"{column}: dates read {order} ({chosen})")
        if "%y" in chosen:
            notes.append(
                f"{column}: two-digit years read with the pivot {TWO_DIGIT_YEAR_PIVOT}: "
                f"00-{TWO_DIGIT_YEAR_PIVOT - 1} are 20xx, {TWO_DIGIT_YEAR_PIVOT}-99 are 19xx"
            )
    failed = ~missing
    for parsed_kind in (naive, aware):
        if parsed_kind is not None:
            failed &= parsed_kind.isna().to_numpy()
    if contradicting is not None:
        failed &= ~contradicting[0]
    if explicit:
        failed_words = _missing_text(text.iloc[np.flatnonzero(failed)])
        missing[np.flatnonzero(failed)[failed_words]] = True
        return _Parsed(_or_no_dates(naive, text), aware, missing, month_hint, contradicting)
    if failed.any():
        # Missing-value words ("nan", "null", "-") are only looked for among the leftovers.
        positions = np.flatnonzero(failed)
        words = _missing_text(text.iloc[positions])
        missing[positions[words]] = True
        failed[positions[words]] = False
    if failed.any():
        retry_naive, retry_aware = _parse_mixed(
            text[failed].str.strip(), dayfirst=order == "day-first"
        )
        naive = _fill(_or_no_dates(naive, text), retry_naive)
        if aware is not None or retry_aware.notna().any():
            aware = _fill(_or_no_dates(aware, text, utc=True), retry_aware)
        parsed_late = int((retry_naive.notna() | retry_aware.notna()).sum())
        if parsed_late:
            notes.append(f"{column}: {parsed_late:,} values in other formats parsed one by one")
    return _Parsed(_or_no_dates(naive, text), aware, missing, month_hint, contradicting)


def _or_no_dates(parsed: pd.Series | None, text: pd.Series, *, utc: bool = False) -> pd.Series:
    """``parsed``, or (None) all NaT on ``text``'s index, naive or ``utc``."""
    if parsed is not None:
        return parsed
    return _no_dates(text.index) if not utc else _no_dates(text.index).dt.tz_localize("UTC")


def sample_present(values: pd.Series, size: int, *, missing: np.ndarray | None = None) -> pd.Series:
    """Every k-th non-missing value of ``values`` (k = their number // ``size``; at most
    ``size`` of them), read one by one: ``values.dropna().iloc[::k]`` on Arrow-backed text
    would take (copy) every chunk. ``missing``: ``values.isna()`` when at hand."""
    missing = values.isna().to_numpy() if missing is None else missing
    return _rows(values, every_kth(~missing, size, cap=True))


def _rows(text: pd.Series, positions: np.ndarray) -> pd.Series:
    """A few rows of ``text`` one by one (``iloc`` on Arrow-backed text joins every chunk)."""
    index = text.index[positions]
    return pd.Series([text.iat[i] for i in positions.tolist()], index=index, dtype=text.dtype)


def _day_month_order(
    text: pd.Series, column: str, requested: str | None
) -> tuple[str | None, tuple[np.ndarray, np.ndarray] | None]:
    """Day-first or month-first for slash dates (``03/04/2021``), decided by the whole column.

    Any first field above 12 says day-first, any second field above 12 month-first. When
    both occur, the order most rows show wins and the other rows are returned as
    contradicting (rejected with the reason). When neither occurs and some date has a
    different day and month, the column is ambiguous: :class:`InputError` naming
    ``date_format=`` (``--date-format``), unless ``requested`` gives the order.
    """
    strings = arrow_strings(text)
    notna = text.notna().to_numpy()
    present = int(notna.sum())
    # Most values read from their bytes (``DD/DD/DDDD``); the rest by regular expressions,
    # once it is clear that slash dates can be half the column (same answers either way).
    matched, first, second = slash_date_fields(strings)
    day_first, month_first = matched & (first > 12), matched & (second > 12)
    rest = np.flatnonzero(~matched & notna)
    if len(rest):
        others = strings.take(pa.array(rest))
        slashes = _matches(others, "/")
        if int(matched.sum() + slashes.sum()) < max(0.5 * present, 1):
            return None, None
        others_matched = slashes & _matches(others, _SLASH_DATE)
        matched[rest] = others_matched
        day_first[rest] = others_matched & _matches(others, _FIRST_ABOVE_12)
        month_first[rest] = others_matched & _matches(others, _SECOND_ABOVE_12)
    if matched.sum() == 0 or matched.sum() < 0.5 * present:
        return None, None
    if requested in DATE_ORDERS:
        order = requested
    elif day_first.any() or month_first.any():
        order = "day-first" if day_first.sum() > month_first.sum() else "month-first"
    elif (differ := _day_and_month_differ(text, matched)).any():
        example = str(text[differ].iloc[0]).strip()
        raise InputError(
            literal(
                f"The dates in {column!r} (e.g. {example!r}) can be read day-first or "
                "month-first: no day in the column is above 12. "
            )
            + "Say which with {0} or {1}, or give the exact format, e.g. {2}.",
            options=(
                Option("date_format", "day-first"),
                Option("date_format", "month-first"),
                Option("date_format", "%d/%m/%Y %H:%M"),
            ),
        )
    else:
        return "month-first", None
    against = month_first if order == "day-first" else day_first
    if not against.any():
        return order, None
    detail = np.full(len(text), "", dtype=object)
    shown = quoted(text[against].str.strip())
    what = "month-first" if order == "day-first" else "day-first"
    detail[against] = (
        f"{column}=" + shown + f" can only be {what}, but the column is {order} "
        f"({int((day_first if order == 'day-first' else month_first).sum()):,} rows show it)"
    ).to_numpy()
    log.info("%s: %d rows contradict the %s order", column, int(against.sum()), order)
    return order, (against, detail)


def _matches(text: pd.Series | pa.Array | pa.ChunkedArray, pattern: str) -> np.ndarray:
    """Which values of ``text`` match ``pattern`` (RE2), in one vectorised pass of Arrow's
    regular expressions (pandas' ``str.extract`` went row by row: 3.3 s for a million)."""
    strings = arrow_strings(text) if isinstance(text, pd.Series) else text
    found = pc.match_substring_regex(strings, pattern).fill_null(False)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _day_and_month_differ(text: pd.Series, matched: np.ndarray) -> np.ndarray:
    """Which slash dates (``matched``) have different first and second fields."""
    fields = pc.extract_regex(arrow_strings(text), _SLASH_DATE)

    def numbers(name: str) -> np.ndarray:
        field = pc.cast(pc.struct_field(fields, name), pa.float64())
        return np.asarray(field.to_numpy(zero_copy_only=False), dtype=float)

    return matched & (numbers("first") != numbers("second"))


#: Naive ISO 8601 formats that Arrow's strict cast reads exactly as the format would.
_ISO_NAIVE = tuple(f for f in _FORMATS if f.startswith("%Y-%m-%d") and "%z" not in f)


def _strict_iso(text: pd.Series, sample: pd.Series) -> pd.Series | None:
    """The column as naive timestamps when the sample is naive ISO 8601 and *every* value
    passes Arrow's strict ISO cast (one vectorised pass; it refuses impossible dates such as
    02-30, offsets, padding and missing-value words, and then the careful path decides)."""
    if _choose_format(sample) not in _ISO_NAIVE:
        return None
    strings = arrow_strings(text)
    out = np.empty(len(strings), dtype=f"datetime64[{UNIT}]")

    def cast(span: slice) -> None:  # Arrow casts in parallel threads
        parsed = pc.cast(strings[span], pa.timestamp(UNIT))
        out[span] = parsed.to_numpy(zero_copy_only=False)

    try:
        in_blocks(len(strings), cast, block=_CAST_BLOCK)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return pd.Series(out, index=text.index, copy=False)


#: Text dates cast to timestamps per thread at a time.
_CAST_BLOCK = 1 << 20


def arrow_strings(text: pd.Series) -> pa.Array | pa.ChunkedArray:
    """``text`` (Arrow-backed, or objects holding strings) as Arrow strings: no copy for the
    Arrow-backed text pandas reads files into."""
    if hasattr(text.array, "__arrow_array__"):
        return pa.array(text.array)
    return pa.array(text.to_numpy(dtype=object, na_value=None), type=pa.string())


def _missing_text(text: pd.Series) -> np.ndarray:
    missing = text.isna().to_numpy()
    stripped = text.str.strip().str.lower()
    return missing | stripped.isin(_MISSING_WORDS).to_numpy(dtype=bool)


def _choose_format(sample: pd.Series, order: str | None = None) -> str | None:
    best, best_count = None, 0
    for fmt in _FORMATS:
        if order == "day-first" and fmt.startswith("%m/%d"):
            continue
        if order == "month-first" and fmt.startswith("%d/%m"):
            continue
        parsed = _to_datetime(sample, fmt, utc="%z" in fmt or fmt == "ISO8601")
        fits = parsed.notna()
        if "%Y" in fmt:  # "21" is not the year 21: two-digit years need %y
            fits &= parsed.dt.year >= 1000
        count = int(fits.sum())
        if count == len(sample):
            return fmt
        if count > best_count:
            best, best_count = fmt, count
    return best


def _fits(sample: pd.Series, fmt: str) -> bool:
    return bool(_to_datetime(sample, fmt, utc=False).notna().all())


def _to_datetime(text: pd.Series, fmt: str, *, utc: bool) -> pd.Series:
    """Parse ``text`` with ``fmt`` (NaT where it does not fit); UTC-aware when ``utc``."""
    if fmt not in ("ISO8601", "mixed") and "%f" not in fmt:
        fast = _arrow_strptime(text, fmt, utc=utc)
        if fast is not None:
            return fast
    return _pandas_to_datetime(text, fmt, utc=utc)


def _pandas_to_datetime(text: pd.Series, fmt: str, *, utc: bool) -> pd.Series:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=utc)
    except (ValueError, OverflowError, TypeError):
        return pd.Series(
            pd.NaT, index=text.index, dtype=f"datetime64[{UNIT}{', UTC' if utc else ''}]"
        )
    if not isinstance(parsed.dtype, pd.DatetimeTZDtype) and utc:
        parsed = parsed.dt.tz_localize("UTC")
    return in_us(parsed)


#: Months that follow a month of 30 days: day 31 of the one before rolls over to their 1st.
_AFTER_SHORT_MONTHS = (5, 7, 10, 12)


def _arrow_strptime(text: pd.Series, fmt: str, *, utc: bool) -> pd.Series | None:
    """Parse with Arrow's vectorised strptime (several times faster than pandas for
    non-ISO formats), a block at a time on every core. Arrow rolls impossible days over into
    the next month (``02/30`` -> March 2, ``04/31`` -> May 1), so the rows that land where a
    roll-over can (March 1-3; May, July, October or December 1: 2 % of the days) are
    re-checked strictly with pandas."""
    strings = arrow_strings(text)
    values = np.empty(len(strings), dtype=f"datetime64[{UNIT}]")

    def parse(span: slice) -> np.ndarray:
        """Parse the span into ``values``; its rows where a roll-over can land."""
        parsed = pc.strptime(
            strings.slice(span.start, span.stop - span.start),
            format=fmt,
            unit=UNIT,
            error_is_null=True,
        )
        values[span] = np.asarray(parsed.to_numpy(zero_copy_only=False))
        if "%d" not in fmt:
            return np.zeros(0, dtype=np.int64)
        # Arrow's calendar fields: NumPy's datetime64[M] conversion took 4.8 s for 10M values.
        month, day = pc.month(parsed), pc.day(parsed)
        after_short = pc.is_in(month, value_set=pa.array(_AFTER_SHORT_MONTHS, pa.int64()))
        found = pc.or_(
            pc.and_(pc.equal(month, 3), pc.less_equal(day, 3)),
            pc.and_(after_short, pc.equal(day, 1)),
        ).fill_null(False)
        return span.start + np.flatnonzero(found.to_numpy(zero_copy_only=False))

    try:
        landing = np.concatenate([np.zeros(0, dtype=np.int64), *in_blocks(len(strings), parse)])
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    if len(landing):  # a few rows: written into the array, no full-length copies
        rows = np.zeros(len(values), dtype=bool)
        rows[landing] = True
        strict = _pandas_to_datetime(text[rows], fmt, utc=utc)
        if utc:
            strict = strict.dt.tz_localize(None)
        values[landing] = strict.to_numpy(dtype=f"datetime64[{UNIT}]")
    out = pd.Series(values, index=text.index, copy=False)
    return out.dt.tz_localize("UTC") if utc else out


def _parse_mixed(text: pd.Series, *, dayfirst: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse leftover values one by one (``format="mixed"``); only date-like text."""
    date_like = text.str.contains(_DATE_LIKE, regex=True).fillna(False).to_numpy(dtype=bool)
    is_aware = text.str.contains(_AWARE, regex=True).fillna(False).to_numpy(dtype=bool)
    naive = pd.Series(pd.NaT, index=text.index, dtype=f"datetime64[{UNIT}]")
    aware = pd.Series(pd.NaT, index=text.index, dtype=f"datetime64[{UNIT}, UTC]")
    if (date_like & ~is_aware).any():
        naive = _fill(naive, _mixed(text[date_like & ~is_aware], dayfirst=dayfirst, utc=False))
    if (date_like & is_aware).any():
        aware = _fill(aware, _mixed(text[date_like & is_aware], dayfirst=dayfirst, utc=True))
    return naive, aware


def _mixed(text: pd.Series, *, dayfirst: bool, utc: bool) -> pd.Series:
    """``format="mixed"``; day-first only for slash dates (it would swap ISO dates' fields)."""
    slash = _matches(text, _SLASH_DATE)
    if not dayfirst or not slash.any():
        return _to_datetime(text, "mixed", utc=utc)
    if not slash.all():
        out = _mixed(text[~slash], dayfirst=False, utc=utc)
        return _fill(out.reindex(text.index), _mixed(text[slash], dayfirst=True, utc=utc))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            parsed = pd.to_datetime(text, format="mixed", dayfirst=True, errors="coerce", utc=utc)
    except (ValueError, OverflowError, TypeError):
        return _pandas_to_datetime(text.iloc[:0], "mixed", utc=utc).reindex(text.index)
    if not isinstance(parsed.dtype, pd.DatetimeTZDtype) and utc:
        parsed = parsed.dt.tz_localize("UTC")
    return in_us(parsed)


def _fill(target: pd.Series, values: pd.Series) -> pd.Series:
    """Return ``target`` with its missing entries taken from ``values`` (aligned by index)."""
    return target.where(target.notna(), values.reindex(target.index).astype(target.dtype))


def _localise(parsed: _Parsed, timezone: str) -> tuple[pd.Series, np.ndarray]:
    """The parsed dates in ``timezone`` and their wall-clock times (see :class:`Timestamps`)."""
    utc, wall = to_utc_and_wall(in_us(parsed.naive).to_numpy(), timezone)
    if parsed.aware is not None:
        fill = np.isnat(utc)
        if fill.any():
            utc[fill] = utc_values(parsed.aware[fill])
            wall = wall if wall.flags.writeable else wall.copy()
            wall[fill] = to_wall(utc[fill], timezone)
    return aware_series(utc, timezone, parsed.naive.index), wall


def _localise_naive(naive: pd.Series, timezone: str) -> tuple[pd.Series, np.ndarray]:
    """:func:`localise` of ``naive`` and the wall-clock times of the result (as
    :func:`wall_clock` would give them, without converting back every row)."""
    utc, wall = to_utc_and_wall(in_us(naive).to_numpy(), timezone)
    return aware_series(utc, timezone, naive.index), wall


def localise(naive: pd.Series, timezone: str) -> pd.Series:
    """Wall-clock ``naive`` times in ``timezone`` as tz-aware ``datetime64[us, timezone]``:
    a repeated wall time (clocks go back) is the earlier instant (daylight time), one that
    does not exist (clocks skip) moves forward past the gap (see
    :func:`hotspots.ingest.localtime.to_utc`)."""
    return aware_series(to_utc(in_us(naive).to_numpy(), timezone), timezone, naive.index)


def _not_a_date(
    raw: pd.Series, column: str, mask: np.ndarray, date_format: str | None = None
) -> np.ndarray | str:
    if not mask.any():
        return ""
    why = " is not a date" if date_format is None else f" does not match the format {date_format!r}"
    detail = np.full(len(raw), "", dtype=object)
    detail[mask] = (f"{column}=" + quoted(raw[mask]) + why).to_numpy()
    return detail


def check_date_format(date_format: str | None) -> str | None:
    """Return ``date_format`` if it is one of :data:`DATE_ORDERS` or a ``strptime`` format
    with at least one directive, else raise InputError."""
    if date_format is None or date_format in DATE_ORDERS:
        return date_format
    allowed = (
        "'day-first', 'month-first' or a strptime format such as '%d/%m/%Y %H:%M' "
        "(%d day, %m month, %Y four-digit year, %y two-digit year, %H:%M hours and minutes)"
    )
    if not isinstance(date_format, str) or "%" not in date_format:
        raise invalid("date_format", date_format, allowed)
    try:
        dt.datetime.strptime("", date_format)
    except ValueError as exc:
        if "directive" in str(exc) or "stray %" in str(exc):
            raise invalid("date_format", date_format, allowed) from None
    return date_format


# --------------------------------------------------------------------------- time column


def _add_time_of_day(
    dates_wall: np.ndarray,
    index: pd.Index,
    frame: pd.DataFrame,
    column: str,
    ledger: RejectLedger,
    timezone: str,
) -> tuple[pd.Series, np.ndarray]:
    """The dates (given as their wall-clock times) at the time of day in ``column``, in
    ``timezone``, with their wall-clock times."""
    raw = frame[column].reset_index(drop=True)
    text = raw.astype("str").str.strip()
    missing = _missing_text(text)
    offsets = pd.Series(pd.NaT, index=text.index, dtype="timedelta64[us]")
    digits = text.str.fullmatch(r"\d{1,4}").fillna(False).to_numpy(dtype=bool)
    if digits.any():
        number = pd.to_numeric(text[digits]).to_numpy(dtype=np.int64)
        hours, minutes = number // 100, number % 100
        good = (hours < 24) & (minutes < 60)
        positions = np.flatnonzero(digits)[good]
        offsets.iloc[positions] = pd.to_timedelta(hours[good] * 60 + minutes[good], unit="min")
    for fmt in _TIME_FORMATS:  # each format parses what the earlier ones could not
        rest = offsets.isna().to_numpy() & ~digits & ~missing
        if not rest.any():
            break
        parsed = _to_datetime(text[rest], fmt, utc=False)
        offsets[rest] = (parsed - pd.Timestamp("1900-01-01")).to_numpy()
    ledger.reject(missing, "missing date", f"{column} (time of day) is missing")
    bad = offsets.isna().to_numpy() & ~missing
    ledger.reject(bad, "unparseable date", _not_a_date(raw, column, bad))
    wall = pd.Series(dates_wall, index=index).dt.normalize() + offsets
    return _localise_naive(wall, timezone)


# --------------------------------------------------------------------------- split columns


def _from_split_columns(
    frame: pd.DataFrame, mapping: ColumnMapping, ledger: RejectLedger, timezone: str
) -> tuple[pd.Series, str, str, np.ndarray]:
    parts = {
        part: getattr(mapping, part)
        for part in ("year", "month", "day", "hour", "minute")
        if getattr(mapping, part) is not None
    }
    numbers: dict[str, np.ndarray] = {}
    missing_any = np.zeros(len(frame), dtype=bool)
    for part, column in parts.items():
        raw = frame[column].reset_index(drop=True)
        values, missing = _split_numbers(raw, months=part == "month")
        ledger.reject(missing, "missing date", f"{column} is missing")
        missing_any |= missing
        numbers[part] = values
    combined = pd.Series(_assemble(numbers), copy=False)
    bad = combined.isna().to_numpy() & ~missing_any
    label = "/".join(parts.values())
    if bad.any():
        rows = np.flatnonzero(bad)
        shown = pd.Series("", index=range(len(rows)), dtype="str")
        for part, column in parts.items():
            text = frame[column].iloc[rows].reset_index(drop=True).astype("str").fillna("<NA>")
            shown = shown + ("" if part == "year" else ", ") + f"{column}=" + text
        detail = np.full(len(frame), "", dtype=object)
        detail[rows] = (shown + " is not a valid date").to_numpy()
        ledger.reject(bad, "unparseable date", detail)
    values, wall = _localise_naive(combined, timezone)
    resolution = (
        "minute"
        if "minute" in parts
        else "hour"
        if "hour" in parts
        else "day"
        if "day" in parts
        else "month"
    )
    return values, label, resolution, wall


def _assemble(numbers: dict[str, np.ndarray]) -> np.ndarray:
    """Naive ``datetime64[us]`` times from year, month and optional day, hour and minute
    numbers; NaT where a part is missing or not a whole number, the month is not 1-12 or the
    day not in the month. Hours and minutes out of range carry over (25:00 is 01:00 the next
    day), as ``pd.to_datetime`` of the parts does (checked to give the same times), without
    its row-by-row assembly; a block at a time (:func:`hotspots.blocks.in_blocks`), so the
    arithmetic's temporaries stay small."""
    n = len(numbers["year"])
    out = np.empty(n, dtype=f"datetime64[{UNIT}]")

    def work(span: slice) -> None:
        out[span] = _assemble_block({part: values[span] for part, values in numbers.items()})

    in_blocks(n, work)
    return out


def _assemble_block(numbers: dict[str, np.ndarray]) -> np.ndarray:
    year, month = numbers["year"], numbers["month"]
    n = len(year)
    day = numbers.get("day", np.ones(n))
    hour, minute = numbers.get("hour", np.zeros(n)), numbers.get("minute", np.zeros(n))
    with np.errstate(invalid="ignore"):
        ok = np.all([np.isnan(v) | (v == np.round(v)) for v in numbers.values()], axis=0)
        ok &= np.isfinite(year) & np.isfinite(month) & np.isfinite(day)
        ok &= np.isfinite(hour) & np.isfinite(minute) & (np.abs(year) <= 200_000)
        ok &= (month >= 1) & (month <= 12) & (day >= 1)
    months = (
        np.where(ok, (year - 1970) * 12 + month - 1, 0).astype(np.int64).astype("datetime64[M]")
    )
    first = months.astype("datetime64[D]")
    ok &= np.where(ok, day, 1) <= ((months + 1).astype("datetime64[D]") - first).astype(np.int64)
    days = np.where(ok, day - 1, 0).astype(np.int64).astype("timedelta64[D]")
    seconds = np.where(ok, hour * 3600 + minute * 60, 0).astype(np.int64).astype("timedelta64[s]")
    out = (first + days).astype(f"datetime64[{UNIT}]") + seconds
    out[~ok] = np.datetime64("NaT")
    return out


def _split_numbers(raw: pd.Series, *, months: bool) -> tuple[np.ndarray, np.ndarray]:
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.to_numpy(dtype=float, na_value=np.nan)
        return values, np.isnan(values)
    plain = _plain_numbers(raw)
    if plain is not None:
        return plain, np.isnan(plain)
    text = raw.astype("str").str.strip()
    missing = _missing_text(text)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if months:
        named = text.str.lower().map(_MONTH_NAMES).to_numpy(dtype=float, na_value=np.nan)
        values = np.where(np.isnan(values), named, values)
    return values, missing


def _plain_numbers(text: pd.Series) -> np.ndarray | None:
    """``text`` as numbers (missing: NaN) when every value is a plain number, in one
    vectorised pass (Arrow's cast; pandas' ``to_numeric`` on text goes row by row); None
    otherwise, for the careful path (missing-value words, month names, junk)."""
    try:
        numbers = pc.cast(pc.utf8_trim_whitespace(arrow_strings(text)), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return np.asarray(numbers.to_numpy(zero_copy_only=False), dtype=float)


# --------------------------------------------------------------------------- resolution


def wall_clock(values: pd.Series) -> np.ndarray:
    """Tz-aware ``values`` as naive wall-clock ``datetime64[us]`` times (NaT stays NaT)."""
    if values.dt.tz is None:
        return in_us(values).to_numpy()
    return to_wall(utc_values(values), values.dt.tz)


def _resolution(wall: np.ndarray, *, month_hint: bool) -> str:
    """Return the finest unit the wall-clock times use ("minute", "hour", "day", "month")."""
    missing = np.isnat(wall)
    present = wall[~missing] if missing.any() else wall
    if present.size == 0:
        return "month" if month_hint else "day"
    micros = present.view(np.int64)
    hour_us, day_us = 3_600_000_000, 86_400_000_000
    head = micros[: _SAMPLE_SIZE * 20]  # usually answers at once; else every value decides
    if np.any(head % hour_us) or np.any(micros % hour_us):
        return "minute"
    if np.any(head % day_us) or np.any(micros % day_us):
        return "hour"
    days = present.astype("datetime64[D]")
    if month_hint and bool(np.all(days == days.astype("datetime64[M]").astype("datetime64[D]"))):
        return "month"
    return "day"
