"""The training data of a forecast: incidents up to ``until``, as arrays on a grid.

A :class:`History` holds, for every incident that happened before the forecast origin
(the day after ``until``) and inside an active cell, its cell position, its local
wall-clock time and its offense code. Methods only ever receive a history cut at their
origin (:meth:`History.before`), so nothing after an origin can reach a forecast.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from hotspots.errors import EmptyDataError, InputError, Option, invalid
from hotspots.spatial.grids import Grid, make_grid
from hotspots.spatial.projection import utm_crs_for

log = logging.getLogger(__name__)

#: A month counts towards the data's start once it holds this share of the median of the
#: last :data:`START_REFERENCE_MONTHS` months (late-reported incidents from decades ago do
#: not make a long history).
START_MONTH_SHARE = 0.1
START_REFERENCE_MONTHS = 12
#: ``until`` may be at most this many days after the last incident before it.
UNTIL_SLACK_DAYS = 31
#: Average days per month, to express ages in months.
DAYS_PER_MONTH = 365.25 / 12.0
_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True, eq=False)
class History:
    """Incidents before ``end`` as arrays on ``grid``.

    Attributes
    ----------
    grid : Grid
        Square grid in a metric CRS; only its active cells are forecast.
    cell : ndarray of int64
        Position of each incident's cell among ``grid.cell_ids`` (0 … n_cells − 1).
    time_ns : ndarray of int64
        Local wall-clock time of each incident, nanoseconds since 1970-01-01.
    offense : ndarray of int64
        Index of each incident's offense in ``offenses``.
    offenses : tuple of str
    start : Timestamp
        First day of the first month that holds a fair share of incidents (local, naive).
    end : Timestamp
        The origin: first local day *not* in the history (``until`` + 1 day).
    """

    grid: Grid
    cell: NDArray[np.int64]
    time_ns: NDArray[np.int64]
    offense: NDArray[np.int64]
    offenses: tuple[str, ...]
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def n_cells(self) -> int:
        return self.grid.n_cells

    def months_before(self, origin: pd.Timestamp) -> float:
        """Calendar months of history between :attr:`start` and ``origin`` (days as 1/31)."""
        return months_between(self.start, origin)

    def before(self, origin: pd.Timestamp) -> History:
        """The history cut at ``origin`` (incidents strictly before it)."""
        if origin > self.end:
            raise ValueError(f"origin {origin} is after the end of the history {self.end}")
        keep = self.time_ns < _ns(origin)
        return History(
            self.grid,
            self.cell[keep],
            self.time_ns[keep],
            self.offense[keep],
            self.offenses,
            self.start,
            origin,
        )

    def counts(
        self,
        start: pd.Timestamp | None,
        stop: pd.Timestamp,
        *,
        weights: NDArray[np.float64] | None = None,
        mask: NDArray[np.bool_] | None = None,
    ) -> NDArray[np.float64]:
        """Incidents (or ``weights``) per cell with ``start`` ≤ time < ``stop``."""
        keep = self.time_ns < _ns(stop)
        if start is not None:
            keep &= self.time_ns >= _ns(start)
        if mask is not None:
            keep &= mask
        w = None if weights is None else weights[keep]
        return np.bincount(self.cell[keep], weights=w, minlength=self.n_cells).astype(np.float64)

    def age_months(self, origin: pd.Timestamp) -> NDArray[np.float64]:
        """Age of each incident at ``origin`` in (average) months."""
        return (_ns(origin) - self.time_ns) / (_NS_PER_DAY * DAYS_PER_MONTH)


def months_between(start: pd.Timestamp, stop: pd.Timestamp) -> float:
    """Calendar months from ``start`` to ``stop`` (whole when both are the same day of month)."""
    whole = (stop.year - start.year) * 12 + (stop.month - start.month)
    return whole + (stop.day - start.day) / 31.0


def parse_until(until: str | pd.Timestamp) -> pd.Timestamp:
    """The last training day as a naive local date (``YYYY-MM-DD``)."""
    try:
        day = pd.Timestamp(until)
    except (TypeError, ValueError):
        day = pd.NaT
    if pd.isna(day):
        raise invalid(
            "until",
            until,
            "a date YYYY-MM-DD, the last day of training data (not a date as given)",
            "For example {1}.",
            options=(Option("until", "2019-12-31"),),
        )
    if day.tzinfo is not None:
        day = day.tz_localize(None)
    return day.normalize()


def training_incidents(incidents: gpd.GeoDataFrame, until: pd.Timestamp) -> gpd.GeoDataFrame:
    """The incidents that happened on or before ``until`` (local dates): nothing later is kept."""
    if "occurred_at" not in incidents.columns:
        raise InputError(
            "The incidents have no 'occurred_at' column; read them with "
            "hotspots.read_incidents so every row has a time."
        )
    local = _local_naive(incidents["occurred_at"])
    keep = (local < until + pd.Timedelta(days=1)).to_numpy()
    return incidents.loc[keep]


def metric_for_training(train: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``train`` in the UTM zone of its own median point when it is in a WGS 84 UTM zone.

    Reading picks the UTM zone from all rows; a forecast must not depend on rows after
    ``until``, so the zone is chosen again from the training rows (a no-op unless the data
    straddles a zone boundary).
    """
    crs = CRS.from_user_input(train.crs)
    epsg = crs.to_epsg() or 0
    if not (32601 <= epsg <= 32660 or 32701 <= epsg <= 32760) or train.empty:
        return train
    xy = shapely.get_coordinates(train.geometry.values)
    median = gpd.GeoSeries(shapely.points(np.median(xy, axis=0)), crs=crs).to_crs(4326)
    wanted = utm_crs_for(float(median.x.iloc[0]), float(median.y.iloc[0]))
    return train if wanted.equals(crs) else train.to_crs(wanted)


def study_area(
    train: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame | None, cell_size_m: float
) -> shapely.Geometry:
    """The boundaries' union, or the training points' convex hull buffered by half a cell."""
    if boundaries is not None:
        return shapely.union_all(boundaries.to_crs(train.crs).geometry.values)
    hull = shapely.convex_hull(shapely.multipoints(shapely.get_coordinates(train.geometry.values)))
    return shapely.buffer(hull, cell_size_m / 2.0)


def build_history(
    train: gpd.GeoDataFrame, area: shapely.Geometry, *, cell_size_m: float, until: pd.Timestamp
) -> History:
    """Grid ``area`` with square cells of ``cell_size_m`` and put ``train`` on it."""
    grid: Grid = make_grid(area, crs=train.crs, kind="square", cell_size_m=cell_size_m, quiet=True)
    xy = shapely.get_coordinates(train.geometry.values)
    flat = grid.locate(xy[:, 0], xy[:, 1])
    position = np.full(grid.n_rows * grid.n_cols, -1, dtype=np.int64)
    position[grid.cell_ids] = np.arange(grid.n_cells)
    cell = np.where(flat >= 0, position[np.maximum(flat, 0)], -1)
    inside = cell >= 0
    if not inside.any():
        raise EmptyDataError(
            "No incident up to the last training day falls inside the study area; check {0}, "
            "{1} and {2}.",
            options=(Option("until"), Option("boundaries"), Option("offenses")),
        )
    codes, offenses = pd.factorize(train["offense"].astype("string").fillna("(none)"), sort=True)
    time_ns = _local_naive(train["occurred_at"]).to_numpy("datetime64[ns]").view(np.int64)
    history = History(
        grid=grid,
        cell=cell[inside],
        time_ns=time_ns[inside],
        offense=np.asarray(codes, dtype=np.int64)[inside],
        offenses=tuple(str(o) for o in offenses),
        start=_data_start(time_ns[inside]),
        end=until + pd.Timedelta(days=1),
    )
    last = pd.Timestamp(int(history.time_ns.max()))
    if (history.end - last).days > UNTIL_SLACK_DAYS:
        raise invalid(
            "until",
            until.date().isoformat(),
            f"a day within the data: it is after the end of the data (the last incident up "
            f"to it is on {last.date().isoformat()})",
            "For example {1}.",
            options=(Option("until", last.date().isoformat()),),
        )
    return history


def _data_start(time_ns: NDArray[np.int64]) -> pd.Timestamp:
    months = time_ns.view("datetime64[ns]").astype("datetime64[M]")
    values, counts = np.unique(months, return_counts=True)
    fair = counts >= START_MONTH_SHARE * np.median(counts[-START_REFERENCE_MONTHS:])
    return pd.Timestamp(values[np.argmax(fair)])


def _local_naive(times: pd.Series) -> pd.Series:
    return times.dt.tz_localize(None) if times.dt.tz is not None else times


def _ns(day: pd.Timestamp) -> int:
    return int(day.value)
