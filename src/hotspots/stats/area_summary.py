"""What happens inside a drawn area: profile, trend, change and the incident list.

:func:`summarise_area` gathers, for the incidents inside a
:class:`~hotspots.spatial.drawn.DrawnArea`, the same profile a clicked cell gets
(:func:`~hotspots.stats.profiles.profile_incidents`: offenses, months, hours, days), a
Mann–Kendall test of the monthly counts, the change against the equally long period
before (:func:`~hotspots.stats.trends.change_vs_previous`, shown only when the data covers
that period) and the record-level incident list (analysts only; never published).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.spatial.drawn import DrawnArea, area_mask, incidents_in_area
from hotspots.stats.profiles import (
    INCIDENT_LIST_LIMIT,
    Profile,
    incident_records,
    profile_incidents,
)
from hotspots.stats.trend_tests import MIN_STEPS, mann_kendall
from hotspots.stats.trends import PeriodChange, change_vs_previous

#: Label of the drawn area in :attr:`AreaSummary.change`'s table.
AREA_UNIT = "drawn area"


@dataclass(frozen=True)
class MonthlyTrend:
    """Mann–Kendall test of the monthly counts inside the area.

    Attributes
    ----------
    z, p : float
        Continuity-corrected z and two-sided p-value.
    months : int
        Number of months tested.
    """

    z: float
    p: float
    months: int

    def describe(self, *, alpha: float = 0.05) -> str:
        """E.g. ``"Rising (Mann–Kendall z = 2.31, p = 0.021, 24 months)"``."""
        word = ("Rising" if self.z > 0 else "Falling") if self.p < alpha else "No clear trend"
        p = "p < 0.001" if self.p < 0.001 else f"p = {self.p:.3f}"
        return f"{word} (Mann–Kendall z = {self.z:.2f}, {p}, {self.months} months)"


@dataclass(frozen=True, eq=False)
class AreaSummary:
    """What happens inside a drawn area under the current filters.

    Attributes
    ----------
    area : DrawnArea
    profile : Profile
        Count, offense mix, monthly series, busiest hours and days (``kind="incidents"``).
    trend : MonthlyTrend or None
        None with fewer than :data:`~hotspots.stats.trend_tests.MIN_STEPS` months.
    change : PeriodChange or None
        The area's count in the selected period and the period before (one row,
        ``unit`` = :data:`AREA_UNIT`); None without any incident to compare. Show it only
        when ``change.previous_covered``.
    incidents : DataFrame
        The record-level list, newest first, at most
        :data:`~hotspots.stats.profiles.INCIDENT_LIST_LIMIT` rows
        (:data:`~hotspots.stats.profiles.UNIT_INCIDENT_COLUMNS`): analysts only.
    """

    area: DrawnArea
    profile: Profile
    trend: MonthlyTrend | None
    change: PeriodChange | None
    incidents: pd.DataFrame

    @property
    def count(self) -> int:
        """Incidents inside the area that pass the filters."""
        return self.profile.count


def summarise_area(
    area: DrawnArea,
    *,
    selected: gpd.GeoDataFrame,
    undated: gpd.GeoDataFrame | None = None,
    start: str | None = None,
    end: str | None = None,
    covered_from: str | None = None,
    months: pd.DatetimeIndex | None = None,
    with_time_of_day: bool = True,
) -> AreaSummary:
    """Profile, trend, change and incident list of the incidents inside ``area``.

    Parameters
    ----------
    area : DrawnArea
    selected : GeoDataFrame
        Incidents that pass every filter (metric CRS of ``area``).
    undated : GeoDataFrame, optional
        Incidents that pass every filter except the dates (for the previous period);
        default: ``selected``.
    start, end : str, optional
        The selected period (``YYYY-MM-DD``); default: the last 365 days of ``undated``.
    covered_from : str, optional
        First day the data fully covers (see :class:`~hotspots.stats.trends.PeriodChange`).
    months : DatetimeIndex, optional
        Months the monthly series covers (zeros included), e.g. those of the analysis.
    with_time_of_day : bool
        False when the data has no time of day.
    """
    inside = incidents_in_area(selected, area)
    profile = profile_incidents(
        inside,
        with_time_of_day=with_time_of_day,
        months=months,
        kind="incidents",
        key=area.key,
        name=area.name,
    )
    counts = profile.monthly["count"].to_numpy(dtype=np.float64)
    trend = None
    if len(counts) >= MIN_STEPS and profile.count > 0:
        result = mann_kendall(counts)
        trend = MonthlyTrend(z=float(result.z[0]), p=float(result.p[0]), months=len(counts))
    pool = selected if undated is None else undated
    change = None
    if len(pool):
        labels = pd.Series(None, index=pool.index, dtype=object)
        labels[area_mask(pool, area)] = AREA_UNIT
        change = change_vs_previous(
            pool["occurred_at"],
            labels,
            start=start,
            end=end,
            units=[AREA_UNIT],
            covered_from=covered_from,
        )
    return AreaSummary(
        area=area,
        profile=profile,
        trend=trend,
        change=change,
        incidents=incident_records(inside, limit=INCIDENT_LIST_LIMIT),
    )
