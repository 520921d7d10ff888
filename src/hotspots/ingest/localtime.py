"""Wall-clock times to UTC instants and back, with one time-zone lookup per hour.

pandas' ``tz_localize`` and ``tz_convert`` ask the time zone about every value (about a
second per ten million timestamps with :mod:`zoneinfo`). Incidents fall in a few tens of
thousands of distinct hours, and within almost every hour the UTC offset is one number.
So the zone is asked, through pandas itself, about the first and the last microsecond of
each distinct hour only; where both give the same offset (and, for wall-clock times,
neither is ambiguous nor nonexistent) every value of that hour gets that offset, by integer
arithmetic. The other rows (the hours of a DST change, and any hour whose ends disagree)
go through pandas one by one, so the results are exactly pandas' own.

Why the two ends of an hour decide for all of it: an offset changes only at a transition
of the zone, and no zone in the tz database has two transitions within an hour of each other
(the closest pair is four days apart; ``tests/ingest/test_localtime.py`` checks every zone
of the installed database). A single transition inside an hour either changes the offset
between its two ends or leaves the offset as it was (a change of name only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from hotspots.blocks import in_blocks

#: One hour in microseconds (the unit of every timestamp in ingest).
HOUR_US = 3_600_000_000
#: ``datetime64`` NaT as int64.
NAT = np.iinfo(np.int64).min
#: The per-hour table spans the data's first to last hour; beyond this many hours (about
#: 450 years, e.g. a stray year 1 or 9999) the rows go through pandas one by one instead.
MAX_SPAN_HOURS = 4_000_000

_UNIT = "datetime64[us]"
#: An IANA name such as ``"America/Toronto"`` or a ``tzinfo`` (what pandas accepts).
TimeZone = str | dt.tzinfo


def to_utc(wall: np.ndarray, timezone: TimeZone) -> np.ndarray:
    """UTC instants of the wall-clock times ``wall`` in ``timezone``.

    Exactly ``tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")``: a
    repeated wall time (the hour clocks go back) is the earlier instant (daylight time), a
    wall time that does not exist (the hour clocks skip) is moved forward past the gap.

    Parameters
    ----------
    wall : ndarray of datetime64[us]
        Naive wall-clock times (NaT stays NaT).
    timezone : str or tzinfo
        IANA time-zone name (or a ``tzinfo``).

    Returns
    -------
    ndarray of datetime64[us]
        Naive UTC times.
    """
    return _to_utc(np.asarray(wall, dtype=_UNIT).view(np.int64), timezone)[0].view(_UNIT)


def _to_utc(values: np.ndarray, timezone: TimeZone) -> tuple[np.ndarray, np.ndarray]:
    """:func:`to_utc` on int64 microseconds; also the rows pandas answered one by one."""

    def exact(rows: np.ndarray) -> np.ndarray:
        local = pd.DatetimeIndex(rows.view(_UNIT)).tz_localize(
            timezone, ambiguous=np.ones(rows.size, dtype=bool), nonexistent="shift_forward"
        )
        return np.asarray(local.asi8, dtype=np.int64)

    def offsets(starts: np.ndarray) -> np.ndarray:
        first = _localised(starts, timezone)
        last = _localised(starts + (HOUR_US - 1), timezone)
        offset = starts - first
        clean = (first != NAT) & (last != NAT) & (offset == starts + (HOUR_US - 1) - last)
        return np.where(clean, offset, NAT)

    return _by_hour(values, offsets, exact, sign=-1)


def to_utc_and_wall(wall: np.ndarray, timezone: TimeZone) -> tuple[np.ndarray, np.ndarray]:
    """:func:`to_utc` of ``wall`` and the wall-clock times of its results: ``wall`` itself
    but where a wall time that does not exist was moved forward (without converting back
    every row). When no time moved, the second array is a read-only view of ``wall``."""
    values = np.asarray(wall, dtype=_UNIT)
    utc, asked = _to_utc(values.view(np.int64), timezone)
    moved = to_wall(utc[asked].view(_UNIT), timezone)
    changed = moved != values[asked]  # NaT != NaT, but pandas never answers NaT
    if not changed.any():  # repeated wall times keep theirs: ``wall`` as it is, read-only
        after = values.view()
        after.flags.writeable = False
        return utc.view(_UNIT), after
    after = values.copy()
    after[asked[changed]] = moved[changed]
    return utc.view(_UNIT), after


def to_wall(utc: np.ndarray, timezone: TimeZone) -> np.ndarray:
    """Wall-clock times in ``timezone`` of the UTC instants ``utc`` (naive
    ``datetime64[us]`` in, naive ``datetime64[us]`` out; NaT stays NaT); exactly
    ``tz_localize("UTC").tz_convert(timezone).tz_localize(None)``."""
    values = np.asarray(utc, dtype=_UNIT).view(np.int64)

    def exact(rows: np.ndarray) -> np.ndarray:
        return _wall_of(rows, timezone)

    def offsets(starts: np.ndarray) -> np.ndarray:
        first = _wall_of(starts, timezone) - starts
        ends = starts + (HOUR_US - 1)
        last = _wall_of(ends, timezone) - ends
        return np.where(first == last, first, NAT)

    return _by_hour(values, offsets, exact, sign=1)[0].view(_UNIT)


def aware_series(utc: np.ndarray, timezone: TimeZone, index: pd.Index | None = None) -> pd.Series:
    """UTC instants (naive ``datetime64[us]``) as a ``datetime64[us, timezone]`` Series."""
    # Integers are instants since 1970 UTC: the zone is set without a copy or a conversion.
    values = np.asarray(utc, dtype=_UNIT).view(np.int64)
    times = pd.DatetimeIndex(values, dtype=pd.DatetimeTZDtype("us", timezone), copy=False)
    return pd.Series(times, index=index, copy=False)


def utc_values(times: pd.Series) -> np.ndarray:
    """A tz-aware Series' instants as naive UTC ``datetime64[us]`` (naive times as they
    are); no copy when they are in microseconds."""
    if times.dt.tz is not None:
        return times.to_numpy(dtype=_UNIT)
    return in_us(times).to_numpy()


def compare_to(times: pd.Series, moment: pd.Timestamp, compare: np.ufunc) -> np.ndarray:
    """``compare(times, moment)`` (``np.less``, ``np.greater``...) for tz-aware ``times``
    and ``moment``, NaT never true: ``compare(times, moment).to_numpy(na_value=False)``
    done on the microseconds since 1970, without pandas' masks."""
    if moment.nanosecond or times.dt.tz is None or moment.tzinfo is None:
        return np.asarray(compare(times, moment).to_numpy(dtype=bool, na_value=False))
    utc = utc_values(times)
    instant = np.datetime64(moment.tz_convert("UTC").tz_localize(None).as_unit("us").asm8, "us")
    return np.asarray(compare(utc, instant), dtype=bool)  # NaT compares false


def in_us(times: pd.Series) -> pd.Series:
    """``times.dt.as_unit("us")``, without its copy when the unit is microseconds already;
    naive seconds or milliseconds are multiplied a block at a time in threads."""
    unit = times.dt.unit
    if unit == "us":
        return times
    factor = {"s": 1_000_000, "ms": 1_000}.get(unit)
    if factor is None or times.dt.tz is not None:
        return times.dt.as_unit("us")
    values = times.to_numpy().view(np.int64)
    limit = np.iinfo(np.int64).max // factor
    lowest = np.min(values, where=values != NAT, initial=limit)  # NaT is the smallest int64
    if values.size and (lowest < -limit or values.max() > limit):
        return times.dt.as_unit("us")  # pandas says which value is out of bounds
    out = np.empty(values.size, dtype=np.int64)

    def scale(span: slice) -> None:
        block, result = values[span], out[span]
        np.multiply(block, factor, out=result)
        result[block == NAT] = NAT

    in_blocks(values.size, scale)
    return pd.Series(out.view(_UNIT), index=times.index, name=times.name, copy=False)


def _by_hour(
    values: np.ndarray,
    offsets: Callable[[np.ndarray], np.ndarray],
    exact: Callable[[np.ndarray], np.ndarray],
    *,
    sign: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``values + sign * offset`` with one offset per distinct hour of ``values`` (int64
    microseconds, NaT allowed), from ``offsets`` (hour starts -> offset, or NAT where the
    hour is not one offset); ``exact`` answers the rows of the other hours. Returns the
    results and the rows ``exact`` answered. A block at a time (no full-size temporaries)."""
    out = np.empty(values.size, dtype=np.int64)
    ranges = [r for r in in_blocks(values.size, lambda span: _hour_range(values[span])) if r]
    if not ranges:  # no rows, or every one NaT
        out.fill(NAT)
        return out, np.empty(0, dtype=np.int64)
    low = min(r[0] for r in ranges)
    span_hours = max(r[1] for r in ranges) - low + 1
    if span_hours > MAX_SPAN_HOURS:
        out.fill(NAT)
        rows = np.flatnonzero(values != NAT)
        out[rows] = exact(values[rows])
        return out, rows

    def hours(block: np.ndarray, nat: np.ndarray | None) -> np.ndarray:
        """Hours since ``low`` (NaT rows: 0)."""
        hour = np.floor_divide(block, HOUR_US)
        hour -= low
        if nat is not None:
            hour[nat] = 0
        return hour

    def missing(block: np.ndarray) -> np.ndarray | None:
        nat = block == NAT
        return nat if nat.any() else None

    seen = np.zeros(span_hours, dtype=bool)

    def mark(span: slice) -> None:
        block = values[span]
        seen[hours(block, missing(block))] = True  # NaT rows mark hour 0, a real hour

    in_blocks(values.size, mark)
    distinct = np.flatnonzero(seen)
    table = np.full(span_hours, NAT, dtype=np.int64)
    table[distinct] = offsets((distinct + low) * HOUR_US)

    def apply(span: slice) -> np.ndarray:
        block, result = values[span], out[span]
        nat = missing(block)
        offset = table[hours(block, nat)]
        (np.subtract if sign < 0 else np.add)(block, offset, out=result)
        unclean = offset == NAT
        if nat is not None:
            result[nat] = NAT
            unclean &= ~nat
        return np.flatnonzero(unclean) + span.start

    rest = np.concatenate(in_blocks(values.size, apply))
    if rest.size:
        out[rest] = exact(values[rest])
    return out, rest


def _hour_range(block: np.ndarray) -> tuple[int, int] | None:
    """The first and last hour of a block's values (NaT aside), or None if all are NaT."""
    present = block[block != NAT] if (block == NAT).any() else block
    if present.size == 0:
        return None
    return int(present.min()) // HOUR_US, int(present.max()) // HOUR_US


def _localised(wall: np.ndarray, timezone: TimeZone) -> np.ndarray:
    """UTC int64 microseconds of wall times, NAT where ambiguous or nonexistent."""
    local = pd.DatetimeIndex(wall.view(_UNIT)).tz_localize(
        timezone, ambiguous="NaT", nonexistent="NaT"
    )
    return np.asarray(local.asi8, dtype=np.int64)


def _wall_of(utc: np.ndarray, timezone: TimeZone) -> np.ndarray:
    local = pd.DatetimeIndex(utc.view(_UNIT)).tz_localize("UTC").tz_convert(timezone)
    return np.asarray(local.tz_localize(None).asi8, dtype=np.int64)
