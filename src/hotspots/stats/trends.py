"""When crime happens: counts over time, the hour × weekday table, change against the previous period.

Every function takes incidents in the ingest schema (``occurred_at`` tz-aware, ``offense``)
and returns a tidy frame with fixed columns, so a chart, a table or a file can use it as is.
Times are read as local wall-clock times (the zone of ``occurred_at``).

- :func:`incidents_over_time` — counts per week or month (optionally per offense), with
  zero rows for quiet periods so a chart shows gaps as zeros.
- :func:`hour_weekday_counts` — the 7 × 24 table analysts call a "heat table".
- :func:`area_names` — the area (neighbourhood) each incident belongs to.
- :func:`change_vs_previous` — counts per area in a period and in the equally long period
  just before it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.errors import ColumnError, EmptyDataError, invalid
from hotspots.spatial.counting import PERIOD_FREQ, period_start
from hotspots.spatial.filters import WEEKDAY_NAMES
from hotspots.spatial.units import incident_areas

log = logging.getLogger(__name__)

TrendPeriod = Literal["day", "week", "month", "quarter", "year"]

#: Time resolutions (``LoadResult.time_resolution``) precise enough for hour-of-day tables.
TIME_OF_DAY_RESOLUTIONS = ("minute", "hour")

OVER_TIME_COLUMNS = ("period", "offense", "count")
HOUR_WEEKDAY_COLUMNS = ("weekday", "weekday_name", "hour", "count")
CHANGE_COLUMNS = ("unit", "count", "previous_count", "change", "change_pct")


@dataclass(frozen=True, eq=False)
class PeriodChange:
    """Counts per unit in a period and in the equally long period before it.

    Attributes
    ----------
    table : DataFrame
        ``unit``, ``count`` (current period), ``previous_count``, ``change`` (count minus
        previous count) and ``change_pct`` (percent change; NaN when the previous count is 0),
        one row per unit, sorted by unit.
    current : tuple of str
        First and last day (``YYYY-MM-DD``, inclusive) of the current period.
    previous : tuple of str
        First and last day of the previous period (same number of days, ending the day
        before ``current`` starts).
    covered_from : str
        First day the data covers. When the previous period starts earlier
        (:attr:`previous_covered` is False), its counts are not a fair comparison: the
        missing days count as zero. Show no change then.
    """

    table: pd.DataFrame
    current: tuple[str, str]
    previous: tuple[str, str]
    covered_from: str = ""

    @property
    def previous_covered(self) -> bool:
        """Whether the data covers the whole previous period (else there is nothing to compare)."""
        return not self.covered_from or self.previous[0] >= self.covered_from

    def why_not_comparable(self) -> str:
        """Why there is no change to show ("" when :attr:`previous_covered`)."""
        if self.previous_covered:
            return ""
        later = _day_after(self.covered_from, self.days)
        fix = (
            f"Choose a later start date (from {later}) to compare."
            if later <= self.current[1]
            else "Choose a shorter period (at most half of the days the data covers) to compare."
        )
        return (
            f"No change is shown: the period before ({self.previous[0]} to {self.previous[1]}) "
            f"is not fully covered by the data, which starts on {self.covered_from}. {fix}"
        )

    @property
    def days(self) -> int:
        """Length of each period in days."""
        return int((pd.Timestamp(self.current[1]) - pd.Timestamp(self.current[0])).days) + 1

    def describe(self) -> str:
        """E.g. ``"2021-01-01 to 2021-12-31 vs 2020-01-01 to 2020-12-31"``."""
        return f"{self.current[0]} to {self.current[1]} vs {self.previous[0]} to {self.previous[1]}"


def incidents_over_time(
    incidents: pd.DataFrame,
    *,
    period: TrendPeriod = "month",
    by_offense: bool = True,
    complete: bool = True,
) -> pd.DataFrame:
    """Incidents per period (and per offense).

    Parameters
    ----------
    incidents : DataFrame
        With ``occurred_at`` (tz-aware or naive local timestamps) and, when ``by_offense``,
        ``offense``.
    period : {"day", "week", "month", "quarter", "year"}
        Length of one time step; weeks run Monday to Sunday.
    by_offense : bool
        Count each offense separately; otherwise ``offense`` is ``"All incidents"``.
    complete : bool
        Add zero rows for periods (× offenses) without incidents between the first and last
        period, so a line chart does not skip quiet periods.

    Returns
    -------
    DataFrame
        ``period`` (first local day of the period, naive Timestamp), ``offense`` (str),
        ``count`` (int64), sorted by period then offense. Empty input gives an empty frame
        with these columns.
    """
    _require(incidents, ["occurred_at", "offense"] if by_offense else ["occurred_at"])
    if period not in PERIOD_FREQ:
        raise invalid("period", period, tuple(PERIOD_FREQ))
    if len(incidents) == 0:
        return _empty_over_time()
    start = period_start(incidents["occurred_at"], period)
    offense = (
        incidents["offense"].astype("string").fillna("Unknown") if by_offense else "All incidents"
    )
    frame = pd.DataFrame({"period": start.to_numpy(), "offense": offense})
    table = frame.groupby(["period", "offense"], sort=True).size().rename("count").reset_index()
    if complete:
        periods = pd.period_range(
            table["period"].min(), table["period"].max(), freq=PERIOD_FREQ[period]
        ).start_time
        offenses = pd.Index(sorted(table["offense"].unique()), name="offense")
        full = pd.MultiIndex.from_product([pd.Index(periods, name="period"), offenses])
        table = (
            table.set_index(["period", "offense"])["count"]
            .reindex(full, fill_value=0)
            .reset_index()
        )
    table["count"] = table["count"].astype(np.int64)
    table["offense"] = table["offense"].astype(str)
    return table[list(OVER_TIME_COLUMNS)].reset_index(drop=True)


def hour_weekday_counts(incidents: pd.DataFrame) -> pd.DataFrame:
    """Incidents per (day of week, hour of day) — always all 168 combinations.

    Parameters
    ----------
    incidents : DataFrame
        With ``occurred_at``. Only meaningful when times are known to the hour or better
        (see :data:`TIME_OF_DAY_RESOLUTIONS`); data given by day would pile up at 00:00.

    Returns
    -------
    DataFrame
        ``weekday`` (0 = Monday … 6 = Sunday), ``weekday_name``, ``hour`` (0–23),
        ``count`` (int64); 168 rows ordered by weekday then hour.
    """
    _require(incidents, ["occurred_at"])
    local = _local(incidents["occurred_at"])
    code = local.dt.day_of_week.to_numpy(dtype=np.int64) * 24 + local.dt.hour.to_numpy(
        dtype=np.int64
    )
    counts = np.bincount(code, minlength=168).astype(np.int64)
    weekday = np.repeat(np.arange(7), 24)
    return pd.DataFrame(
        {
            "weekday": weekday,
            "weekday_name": np.array(WEEKDAY_NAMES)[weekday],
            "hour": np.tile(np.arange(24), 7),
            "count": counts,
        }
    )


def area_names(incidents: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> pd.Series:
    """Name of the boundary area each incident belongs to (``<NA>`` when in none).

    The source's own labels (the ``neighbourhood`` column) are used when at least 90% of
    them are names in ``boundaries`` — like :func:`hotspots.analysis.analyze` does for the
    area counts — otherwise each point is located in the polygons.

    Parameters
    ----------
    incidents : GeoDataFrame
        Points in a metric CRS, as from :func:`hotspots.ingest.load_incidents`.
    boundaries : GeoDataFrame
        Polygons with a ``name`` column, any CRS.

    Returns
    -------
    Series of str (``string`` dtype), indexed like ``incidents``, named ``"area"``.
    """
    if "name" not in boundaries.columns:
        raise ColumnError(f"boundaries lacks a 'name' column; it has {list(boundaries.columns)}.")
    positions, method = incident_areas(incidents, boundaries)
    log.debug("Area of each incident from %s", method)
    names = boundaries["name"].astype("string").to_numpy()
    values = pd.array(
        np.where(positions >= 0, names[np.maximum(positions, 0)], None), dtype="string"
    )
    return pd.Series(values, index=incidents.index, name="area")


def change_vs_previous(
    occurred_at: pd.Series,
    unit: pd.Series,
    *,
    start: str | None = None,
    end: str | None = None,
    units: pd.Index | list[str] | None = None,
    covered_from: str | None = None,
) -> PeriodChange:
    """Counts per unit in ``start``–``end`` and in the equally long period just before.

    Parameters
    ----------
    occurred_at : Series of timestamps
        One per incident — *all* incidents that pass the other filters, not only those in
        the period, so the previous period can be counted.
    unit : Series
        Unit (area name, cell id) of each incident, aligned with ``occurred_at``; missing
        values are not counted.
    start, end : str, optional
        First and last local day of the current period (``YYYY-MM-DD``, inclusive). Default:
        the last 365 days of the data (ending on the last incident's day).
    units : sequence, optional
        Every unit to report (zeros included), e.g. all boundary names; default: units seen.
    covered_from : str, optional
        First day (``YYYY-MM-DD``) the data fully covers; default: the first incident's day.
        A previous period that starts earlier is flagged (:attr:`PeriodChange.previous_covered`).

    Returns
    -------
    PeriodChange
    """
    local = _local(occurred_at)
    days = local.dt.normalize()
    if start is None or end is None:
        if days.dropna().empty:
            raise EmptyDataError(
                "There are no incidents to compare, so the period cannot be chosen automatically; "
                "pass start= and end=, or relax the filters."
            )
        last = days.max()
        end_day = pd.Timestamp(end) if end is not None else last
        start_day = pd.Timestamp(start) if start is not None else end_day - pd.Timedelta(days=364)
    else:
        start_day, end_day = pd.Timestamp(start), pd.Timestamp(end)
    if start_day > end_day:
        raise invalid("start", start, f"a day on or before end={end!r}", "Swap the two dates.")
    length = end_day - start_day + pd.Timedelta(days=1)
    prev_start, prev_end = start_day - length, start_day - pd.Timedelta(days=1)

    values = pd.Series(unit).to_numpy(dtype=object)
    day = days.to_numpy()
    current = (day >= start_day.to_datetime64()) & (day <= end_day.to_datetime64())
    previous = (day >= prev_start.to_datetime64()) & (day <= prev_end.to_datetime64())
    known = pd.notna(values)
    now_counts = pd.Series(values[current & known]).value_counts()
    before_counts = pd.Series(values[previous & known]).value_counts()
    index = pd.Index(units) if units is not None else now_counts.index.union(before_counts.index)
    count = now_counts.reindex(index, fill_value=0).to_numpy(dtype=np.int64)
    before = before_counts.reindex(index, fill_value=0).to_numpy(dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(before > 0, (count - before) / np.maximum(before, 1) * 100.0, np.nan)
    table = pd.DataFrame(
        {
            "unit": index.to_numpy(),
            "count": count,
            "previous_count": before,
            "change": count - before,
            "change_pct": pct,
        }
    )
    table = table.sort_values("unit", kind="stable").reset_index(drop=True)
    return PeriodChange(
        table=table[list(CHANGE_COLUMNS)],
        current=(start_day.strftime("%Y-%m-%d"), end_day.strftime("%Y-%m-%d")),
        previous=(prev_start.strftime("%Y-%m-%d"), prev_end.strftime("%Y-%m-%d")),
        covered_from=(
            pd.Timestamp(covered_from) if covered_from is not None else days.min()
        ).strftime("%Y-%m-%d"),
    )


def _day_after(first_day: str, days: int) -> str:
    """The first start day whose ``days``-long previous period begins on ``first_day``."""
    return (pd.Timestamp(first_day) + pd.Timedelta(days=days)).strftime("%Y-%m-%d")


def _require(frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ColumnError(
            f"incidents lacks column(s) {missing}; it has {list(frame.columns)}. "
            "Load them with hotspots.ingest.load_incidents(...), which produces these columns."
        )


def _local(times: pd.Series) -> pd.Series:
    """Wall-clock local times without the zone."""
    times = pd.Series(times)
    if not pd.api.types.is_datetime64_any_dtype(times):
        raise invalid(
            "occurred_at",
            times.dtype,
            "timestamps (datetime64)",
            "Load incidents with load_incidents(...).",
        )
    return times.dt.tz_localize(None) if times.dt.tz is not None else times


def _empty_over_time() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": pd.Series([], dtype="datetime64[us]"),
            "offense": pd.Series([], dtype=object),
            "count": pd.Series([], dtype=np.int64),
        }
    )
