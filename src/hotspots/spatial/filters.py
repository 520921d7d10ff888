"""Selecting the incidents to analyze: offense, date range, hour of day, day of week.

:class:`Filters` is a frozen, hashable value so the app can use it as a cache key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from hotspots.errors import InputError, invalid

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Filters:
    """Which incidents to keep. ``None`` means "no restriction".

    Attributes
    ----------
    offenses : tuple of str, optional
        Offense categories to keep (exact names).
    start, end : str, optional
        First and last day to keep, inclusive, as ``YYYY-MM-DD`` local dates.
    hours : tuple (first, last), optional
        Hours of the day to keep, inclusive, 0–23; ``(22, 3)`` wraps past midnight.
    weekdays : tuple of int, optional
        Days of the week to keep, 0 = Monday … 6 = Sunday.
    """

    offenses: tuple[str, ...] | None = None
    start: str | None = None
    end: str | None = None
    hours: tuple[int, int] | None = None
    weekdays: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _parse_day(name, value).strftime("%Y-%m-%d"))
        if self.start and self.end and self.start > self.end:
            raise InputError(
                f"start={self.start!r} is after end={self.end!r}; the period must run forwards. "
                "Swap the two dates."
            )
        if self.hours is not None:
            if len(self.hours) != 2 or not all(
                isinstance(h, int | np.integer) and 0 <= h <= 23 for h in self.hours
            ):
                raise invalid(
                    "hours",
                    self.hours,
                    "a pair (first, last) of whole hours 0-23",
                    "For example hours=(18, 23).",
                )
            object.__setattr__(self, "hours", (int(self.hours[0]), int(self.hours[1])))
        if self.weekdays is not None:
            days = tuple(sorted({int(d) for d in self.weekdays}))
            if not days or days[0] < 0 or days[-1] > 6:
                raise invalid("weekdays", self.weekdays, "day numbers 0 (Monday) to 6 (Sunday)")
            object.__setattr__(self, "weekdays", days)
        if self.offenses is not None:
            object.__setattr__(self, "offenses", tuple(sorted(set(self.offenses))))

    def describe(self) -> str:
        """A short plain-language description, e.g. "Assault, Robbery; 2021-01-01 to 2021-12-31"."""
        parts = []
        if self.offenses is not None:
            parts.append(", ".join(self.offenses) if self.offenses else "no offenses")
        if self.start or self.end:
            parts.append(f"{self.start or 'first record'} to {self.end or 'last record'}")
        if self.hours is not None:
            parts.append(f"hours {self.hours[0]:02d}:00-{self.hours[1]:02d}:59")
        if self.weekdays is not None:
            parts.append(", ".join(WEEKDAY_NAMES[d][:3] for d in self.weekdays))
        return "; ".join(parts) if parts else "all incidents"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready parameters."""
        return {
            "offenses": list(self.offenses) if self.offenses is not None else None,
            "start": self.start,
            "end": self.end,
            "hours": list(self.hours) if self.hours is not None else None,
            "weekdays": list(self.weekdays) if self.weekdays is not None else None,
        }


def parse_period(text: str) -> tuple[str, str]:
    """Parse ``"2021-01..2021-12"``, ``"2021"`` or ``"2021-03-01..2021-03-31"`` into (start, end) days.

    Month and year ends are expanded to their last day.
    """
    pieces = [p.strip() for p in str(text).split("..")]
    if len(pieces) == 1:
        pieces = [pieces[0], pieces[0]]
    if len(pieces) != 2 or not all(pieces):
        raise invalid(
            "period",
            text,
            "'START..END' with dates like 2021, 2021-01 or 2021-01-31",
            "For example --period 2021-01..2021-12.",
        )
    start = _parse_day("period", pieces[0])
    end = _period_end("period", pieces[1])
    if start > end:
        raise InputError(
            f"period={text!r} runs backwards ({pieces[0]} is after {pieces[1]}); write it as START..END."
        )
    return start.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d")


def match_offenses(
    requested: Sequence[str], available: Iterable[object], *, argument: str = "offenses"
) -> tuple[str, ...]:
    """The data's own spelling of each ``requested`` offense (case and spaces ignored).

    Raises
    ------
    InputError
        When a requested offense is not in the data (the message lists those that are), so
        a typo never yields an analysis of nothing.
    """
    labels = sorted({str(a) for a in available})
    by_key = {" ".join(label.split()).casefold(): label for label in labels}
    matched: list[str] = []
    unknown: list[str] = []
    for item in requested:
        label = by_key.get(" ".join(str(item).split()).casefold())
        (matched.append(label) if label is not None else unknown.append(str(item)))
    if unknown:
        raise invalid(
            argument,
            unknown[0] if len(unknown) == 1 else unknown,
            labels,
            "No incident in the data has that offense (upper or lower case do not matter).",
        )
    return tuple(dict.fromkeys(matched))


def within_radius(
    incidents: gpd.GeoDataFrame, *, lon: float, lat: float, radius_m: float
) -> gpd.GeoDataFrame:
    """The incidents within ``radius_m`` metres of the point (``lon``, ``lat``) in degrees.

    Distances are measured in the incidents' metric CRS (straight line).

    Raises
    ------
    InputError
        For a point outside degree ranges or a radius that is not positive.
    """
    from pyproj import Transformer

    if not (np.isfinite(lon) and np.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
        raise invalid("lon, lat", (lon, lat), "a longitude and latitude in degrees")
    if not (np.isfinite(radius_m) and radius_m > 0):
        raise invalid("selection:radius_m", radius_m, "a positive number of metres")
    crs = incidents.crs
    if crs is None or not crs.is_projected:
        raise invalid("incidents", crs, "incidents in a metric CRS (from load_incidents)")
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    dx = incidents.geometry.x.to_numpy() - x
    dy = incidents.geometry.y.to_numpy() - y
    return incidents.loc[dx * dx + dy * dy <= radius_m * radius_m]


def apply_filters(incidents: gpd.GeoDataFrame, filters: Filters) -> gpd.GeoDataFrame:
    """Return the incidents that pass ``filters`` (a view-free copy; index kept)."""
    return incidents.loc[filter_mask(incidents, filters)]


def filter_mask(incidents: pd.DataFrame, filters: Filters) -> NDArray[np.bool_]:
    """Which rows of ``incidents`` (``offense`` and ``occurred_at`` columns) pass ``filters``."""
    keep = np.ones(len(incidents), dtype=bool)
    if filters.offenses is not None:
        keep &= incidents["offense"].isin(filters.offenses).to_numpy()
    if all(v is None for v in (filters.start, filters.end, filters.hours, filters.weekdays)):
        return keep
    local = _local_naive(incidents["occurred_at"])
    if filters.start is not None:
        keep &= (local >= pd.Timestamp(filters.start)).to_numpy()
    if filters.end is not None:
        keep &= (local < pd.Timestamp(filters.end) + pd.Timedelta(days=1)).to_numpy()
    if filters.hours is not None:
        first, last = filters.hours
        hour = local.dt.hour.to_numpy()
        keep &= (
            (hour >= first) & (hour <= last) if first <= last else (hour >= first) | (hour <= last)
        )
    if filters.weekdays is not None:
        keep &= np.isin(local.dt.day_of_week.to_numpy(), filters.weekdays)
    return keep


def _local_naive(times: pd.Series) -> pd.Series:
    """Wall-clock local times without the zone (comparisons against plain dates)."""
    return times.dt.tz_localize(None) if getattr(times.dt, "tz", None) is not None else times


_DAY = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _parse_day(argument: str, value: object) -> pd.Timestamp:
    text = str(value).strip()
    if not _DAY.match(text):
        raise invalid(
            argument, value, "a date written YYYY, YYYY-MM or YYYY-MM-DD", "For example 2021-06-30."
        )
    try:
        return pd.Timestamp(text)
    except ValueError as exc:
        raise invalid(argument, value, "a real calendar date in YYYY-MM-DD form") from exc


def _period_end(argument: str, value: str) -> pd.Timestamp:
    day = _parse_day(argument, value)
    if len(value) == 4:
        return pd.Timestamp(year=day.year, month=12, day=31)
    if len(value) == 7:
        return day + pd.offsets.MonthEnd(0)
    return day
