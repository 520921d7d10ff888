"""What happens in one place: the profile of a grid cell or an area.

When an analyst clicks a hot spot the app shows its :class:`Profile`: how many incidents,
how significant, which offenses, the monthly trend and the busiest hours and days.

- :func:`cell_profile` — one grid cell of an :class:`~hotspots.analysis.Analysis`;
- :func:`area_profile` — one boundary area (neighbourhood) of an analysis;
- :func:`cell_at` — the grid cell under a clicked longitude/latitude;
- :func:`profile_incidents` — the same numbers for any set of incidents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from pyproj import Transformer

from hotspots.analysis import Analysis
from hotspots.errors import InputError, invalid
from hotspots.spatial.counting import PERIOD_FREQ, period_start
from hotspots.stats.trends import hour_weekday_counts, incidents_over_time

#: How many of the busiest hours a profile names.
BUSIEST_HOURS = 3
#: An hour (0 or 12) is a likely placeholder when its exact ``HH:00:00`` stamps outnumber
#: the average of the hours either side this many times, and number at least PLACEHOLDER_MIN.
PLACEHOLDER_RATIO = 2.0
PLACEHOLDER_MIN = 5
_STAT_COLUMNS = (
    "density_km2",
    "gi_z",
    "gi_p_fdr",
    "gi_bin",
    "gi_label",
    "lisa_cluster",
    "rate_per_1000",
    "population",
)


@dataclass(frozen=True, eq=False)
class Profile:
    """What happens in one unit (a grid cell or an area) under the current filters.

    Attributes
    ----------
    kind : {"cell", "area", "incidents"}
    key : int or str
        The cell id or the area name.
    name : str or None
        The area's name (for a cell: the neighbourhood its centre lies in).
    count : int
        Incidents in the unit that pass the filters.
    statistics : dict
        The unit's row of the analysis: ``density_km2``, ``gi_z``, ``gi_p_fdr``, ``gi_bin``,
        ``gi_label``, ``lisa_cluster`` (and ``rate_per_1000``, ``population`` for areas),
        when present.
    offense_mix : DataFrame
        ``offense``, ``count``, ``share`` (0–1), largest first.
    monthly : DataFrame
        ``period`` (first day of the month), ``count``, every month of the analyzed period.
    hourly : DataFrame or None
        ``hour`` (0–23), ``count``; None when the data has no time of day.
    weekday : DataFrame
        ``weekday`` (0 = Monday), ``weekday_name``, ``count``.
    busiest_hours : tuple of int
        Up to :data:`BUSIEST_HOURS` hours with the most incidents, busiest first (empty
        without time of day or incidents).
    first, last : str or None
        First and last day with an incident (``YYYY-MM-DD``).
    placeholder_hours : tuple of int
        Of 0 and 12, the hours whose exact ``HH:00:00`` stamps are more than
        :data:`PLACEHOLDER_RATIO` times as many as those of the hours either side: records
        with an unknown time often get 00:00 or 12:00, so such a "busiest hour" may be a
        placeholder rather than a real peak.
    """

    kind: Literal["cell", "area", "incidents"]
    key: int | str
    name: str | None
    count: int
    statistics: dict[str, Any]
    offense_mix: pd.DataFrame
    monthly: pd.DataFrame
    hourly: pd.DataFrame | None
    weekday: pd.DataFrame
    busiest_hours: tuple[int, ...]
    first: str | None
    last: str | None
    placeholder_hours: tuple[int, ...] = ()

    @property
    def top_offense(self) -> str | None:
        """The most frequent offense, or None without incidents."""
        return None if self.offense_mix.empty else str(self.offense_mix["offense"].iloc[0])

    @property
    def busiest_weekday(self) -> str | None:
        """Name of the day of the week with the most incidents, or None without incidents."""
        if self.count == 0:
            return None
        return str(
            self.weekday.sort_values(["count", "weekday"], ascending=[False, True])[
                "weekday_name"
            ].iloc[0]
        )


def profile_incidents(
    incidents: pd.DataFrame,
    *,
    with_time_of_day: bool = True,
    months: pd.DatetimeIndex | None = None,
    kind: Literal["cell", "area", "incidents"] = "incidents",
    key: int | str = "",
    name: str | None = None,
    statistics: dict[str, Any] | None = None,
) -> Profile:
    """Profile of any set of incidents (ingest schema: ``occurred_at``, ``offense``).

    Parameters
    ----------
    incidents : DataFrame
    with_time_of_day : bool
        False when times are only known to the day or month: ``hourly`` is then None.
    months : DatetimeIndex, optional
        Months (first days) the monthly series must cover, zeros included; default: from the
        first to the last month of ``incidents``.
    kind, key, name, statistics
        Carried into the result (see :class:`Profile`).
    """
    n = len(incidents)
    if n:
        mix = incidents["offense"].astype("string").fillna("Unknown").value_counts()
        mix = (
            mix.rename_axis("offense")
            .reset_index(name="count")
            .sort_values(["count", "offense"], ascending=[False, True])
        )
        offense_mix = pd.DataFrame(
            {
                "offense": mix["offense"].astype(str).to_numpy(),
                "count": mix["count"].to_numpy(dtype=np.int64),
                "share": mix["count"].to_numpy(dtype=np.float64) / n,
            }
        )
    else:
        offense_mix = pd.DataFrame(
            {
                "offense": pd.Series([], dtype=object),
                "count": pd.Series([], dtype=np.int64),
                "share": pd.Series([], dtype=np.float64),
            }
        )

    monthly = incidents_over_time(incidents, period="month", by_offense=False, complete=True)[
        ["period", "count"]
    ]
    if months is not None:
        monthly = (
            monthly.set_index("period")["count"]
            .reindex(pd.DatetimeIndex(months), fill_value=0)
            .rename_axis("period")
            .reset_index()
        )
        monthly["count"] = monthly["count"].astype(np.int64)

    table = hour_weekday_counts(incidents)
    weekday = table.groupby(["weekday", "weekday_name"], sort=True)["count"].sum().reset_index()
    hourly: pd.DataFrame | None = None
    busiest: tuple[int, ...] = ()
    if with_time_of_day:
        hourly = table.groupby("hour", sort=True)["count"].sum().reset_index()
        ranked = hourly.loc[hourly["count"] > 0].sort_values(
            ["count", "hour"], ascending=[False, True]
        )
        busiest = tuple(int(h) for h in ranked["hour"].head(BUSIEST_HOURS))

    first = last = None
    placeholder: tuple[int, ...] = ()
    if n:
        local = incidents["occurred_at"]
        local = local.dt.tz_localize(None) if local.dt.tz is not None else local
        first, last = local.min().strftime("%Y-%m-%d"), local.max().strftime("%Y-%m-%d")
        if with_time_of_day:
            placeholder = _placeholder_hours(local)
    return Profile(
        kind=kind,
        key=key,
        name=name,
        count=int(n),
        statistics=dict(statistics or {}),
        offense_mix=offense_mix,
        monthly=monthly.reset_index(drop=True),
        hourly=hourly,
        weekday=weekday,
        busiest_hours=busiest,
        first=first,
        last=last,
        placeholder_hours=placeholder,
    )


def _placeholder_hours(local: pd.Series) -> tuple[int, ...]:
    """Hours 0 and 12 whose exact ``HH:00:00`` stamps stand out from the hours either side."""
    on_the_hour = local[(local.dt.minute == 0) & (local.dt.second == 0)].dt.hour
    counts = np.bincount(on_the_hour.to_numpy(dtype=np.int64), minlength=24)
    out = []
    for hour in (0, 12):
        around = (counts[(hour - 1) % 24] + counts[(hour + 1) % 24]) / 2
        if counts[hour] >= PLACEHOLDER_MIN and counts[hour] > PLACEHOLDER_RATIO * around:
            out.append(hour)
    return tuple(out)


def cell_profile(analysis: Analysis, cell_id: int, *, with_time_of_day: bool = True) -> Profile:
    """Profile of grid cell ``cell_id`` of ``analysis`` (incidents that pass its filters).

    Raises
    ------
    InputError
        When ``cell_id`` is not an active cell of the analysis grid.
    """
    cells = analysis.cells
    match = cells.index[cells["cell_id"].to_numpy() == int(cell_id)]
    if len(match) == 0:
        raise invalid(
            "cell_id",
            cell_id,
            "the id of an active cell of this analysis",
            "Click a cell of the current map.",
        )
    row = cells.loc[match[0]]
    subset = analysis.incidents.loc[analysis.incidents["cell_id"].to_numpy() == int(cell_id)]
    name = row.get("neighbourhood")
    return profile_incidents(
        subset,
        with_time_of_day=with_time_of_day,
        months=analysis_months(analysis),
        kind="cell",
        key=int(cell_id),
        name=None if pd.isna(name) else str(name),
        statistics=_statistics(row),
    )


def area_profile(
    analysis: Analysis, name: str, *, area_of_incident: pd.Series, with_time_of_day: bool = True
) -> Profile:
    """Profile of the boundary area ``name`` of ``analysis``.

    Parameters
    ----------
    analysis : Analysis
        Made with boundaries (``analysis.areas`` is not None).
    name : str
        A value of ``analysis.areas["name"]``.
    area_of_incident : Series
        Area name of every incident, indexed like the incidents given to ``analyze`` (see
        :func:`hotspots.stats.trends.area_names`).
    """
    if analysis.areas is None:
        raise InputError(
            "This analysis has no areas (it was made without boundaries); area profiles need boundaries."
        )
    areas = analysis.areas
    match = areas.index[areas["name"].astype(str).to_numpy() == str(name)]
    if len(match) == 0:
        raise invalid(
            "name",
            name,
            "the name of an area of this analysis",
            "Click an area of the current map.",
        )
    labels = area_of_incident.reindex(analysis.incidents.index)
    subset = analysis.incidents.loc[(labels == str(name)).fillna(False).to_numpy(dtype=bool)]
    return profile_incidents(
        subset,
        with_time_of_day=with_time_of_day,
        months=analysis_months(analysis),
        kind="area",
        key=str(name),
        name=str(name),
        statistics=_statistics(areas.loc[match[0]]),
    )


#: Columns of :func:`unit_incidents`.
UNIT_INCIDENT_COLUMNS = ("occurred_at", "offense", "premises", "source_row")

#: The incident lists the dashboard shows hold at most this many records, the newest: a
#: list of a whole city (240,000 rows) would take seconds to format and send, and no one
#: reads it; narrower filters or a smaller area reach older records.
INCIDENT_LIST_LIMIT = 5_000


def unit_incidents(
    analysis: Analysis,
    kind: str,
    unit_id: int | str,
    *,
    area_of_incident: pd.Series | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """The incidents behind one cell or area, newest first — for the analyst's eyes only.

    Record-level: times to the minute and the source row (to find the record in the
    source system). It must never reach anything published; :mod:`hotspots.publish`
    does not use it.

    Parameters
    ----------
    analysis : Analysis
    kind : {"cell", "area"}
    unit_id : int or str
        A cell id, or an area name (then ``area_of_incident`` is needed).
    area_of_incident : Series, optional
        Area name of each incident (as for :func:`area_profile`).
    limit : int, optional
        Keep only the ``limit`` newest incidents (see :func:`incident_records`).

    Returns
    -------
    DataFrame
        :data:`UNIT_INCIDENT_COLUMNS`; ``occurred_at`` as local ``YYYY-MM-DD HH:MM`` text.
    """
    incidents = analysis.incidents
    if kind == "area":
        if area_of_incident is None:
            raise invalid("area_of_incident", None, "the area name of each incident")
        labels = area_of_incident.reindex(incidents.index)
        keep = (labels == str(unit_id)).fillna(False).to_numpy(dtype=bool)
    elif kind == "cell":
        keep = incidents["cell_id"].to_numpy() == int(unit_id)
    else:
        raise invalid("kind", kind, ("cell", "area"))
    return incident_records(incidents.loc[keep], limit=limit)


def incident_records(incidents: pd.DataFrame, *, limit: int | None = None) -> pd.DataFrame:
    """Incidents as the analyst's list, newest first: :data:`UNIT_INCIDENT_COLUMNS`.

    Record-level (see :func:`unit_incidents`): for the analyst's eyes only, never published.
    With ``limit``, only the ``limit`` newest (the rest are not formatted at all).
    """
    subset = incidents.sort_values("occurred_at", ascending=False, kind="stable")
    if limit is not None:
        subset = subset.iloc[:limit]
    local = subset["occurred_at"]
    local = local.dt.tz_localize(None) if local.dt.tz is not None else local
    return pd.DataFrame(
        {
            "occurred_at": local.dt.strftime("%Y-%m-%d %H:%M").to_numpy(),
            "offense": subset["offense"].astype(str).to_numpy(),
            "premises": subset["premises"].astype("string").to_numpy()
            if "premises" in subset.columns
            else pd.array([pd.NA] * len(subset), dtype="string"),
            "source_row": subset["source_row"].to_numpy(dtype=np.int64)
            if "source_row" in subset.columns
            else np.arange(len(subset), dtype=np.int64),
        },
        columns=list(UNIT_INCIDENT_COLUMNS),
    )


def cell_at(analysis: Analysis, lon: float, lat: float) -> int | None:
    """Id of the active grid cell containing the point (``lon``, ``lat``) in degrees, or None."""
    if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise invalid(
            "lon, lat",
            (lon, lat),
            "a longitude in [-180, 180] and a latitude in [-90, 90], in degrees",
        )
    transformer = Transformer.from_crs("EPSG:4326", analysis.grid.crs, always_xy=True)
    x, y = transformer.transform(lon, lat)
    cell = int(analysis.grid.locate(np.array([x]), np.array([y]))[0])
    if cell < 0:
        return None
    return cell if bool(np.isin(cell, analysis.cells["cell_id"].to_numpy())) else None


def analysis_months(analysis: Analysis) -> pd.DatetimeIndex | None:
    """Every month (first days) from the first to the last incident of ``analysis``, or None."""
    times = analysis.incidents["occurred_at"]
    if len(times) == 0:
        return None
    months = period_start(times, "month")
    return pd.period_range(months.min(), months.max(), freq=PERIOD_FREQ["month"]).start_time


def _statistics(row: pd.Series) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in _STAT_COLUMNS:
        if column in row.index:
            value = row[column]
            out[column] = value.item() if isinstance(value, np.generic) else value
    return out
