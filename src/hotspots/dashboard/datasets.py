"""The data sets the dashboard can show: the bundled Toronto data and the user's uploads.

A :class:`Dataset` is everything the pages need about one input, prepared once: the
:class:`~hotspots.ingest.LoadResult` (incidents, rejects, column mapping), the boundaries,
each incident's area, the map outlines, the offenses and the date range. It is built by
the library's verbs only (:func:`hotspots.ingest.load_incidents`,
:func:`hotspots.ingest.load_boundaries`, :func:`hotspots.stats.trends.area_names`).

This module has no Streamlit code; :mod:`hotspots.dashboard.cached` caches it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import pandas as pd
import shapely

from hotspots.dashboard.map_layers import Bounds, OutlineLayer, display_bounds, outline_layer
from hotspots.ingest import LoadResult, load_boundaries, load_incidents
from hotspots.ingest import datasets as bundled
from hotspots.spatial.counting import period_start
from hotspots.stats.trends import TIME_OF_DAY_RESOLUTIONS, area_names

log = logging.getLogger(__name__)

#: Key of the bundled data set.
TORONTO_KEY = "toronto"
TORONTO_LABEL = "Toronto Police MCI 2014–2021 (bundled)"
TORONTO_SOURCE = (
    "Toronto Police Service, Major Crime Indicators 2014–2021 (Open Government Licence – Toronto); "
    "points offset by the publisher to the nearest intersection. Neighbourhood outlines are approximate."
)


@dataclass(frozen=True, eq=False)
class Dataset:
    """One loaded input, ready for every page.

    Attributes
    ----------
    key : str
        Stable identifier, used in cache keys (``"toronto"``, ``"upload-<hash>"``).
    label : str
        Name shown to the user.
    load : LoadResult
        Incidents, rejects, column mapping, CRS, time zone and resolution.
    boundaries : GeoDataFrame or None
        ``name``, ``population``, ``geometry`` (source CRS), as from ``load_boundaries``.
    area_of_incident : Series or None
        Area name of each incident (indexed like ``load.incidents``), when boundaries exist.
    outlines : OutlineLayer or None
        Simplified outlines and label points for the map.
    source : str
        Provenance in one sentence.
    """

    key: str
    label: str
    load: LoadResult
    boundaries: gpd.GeoDataFrame | None
    area_of_incident: pd.Series | None
    outlines: OutlineLayer | None
    source: str

    @property
    def incidents(self) -> gpd.GeoDataFrame:
        """The accepted incidents (metric CRS)."""
        return self.load.incidents

    @property
    def columns(self) -> pd.DataFrame:
        """The accepted incidents' columns as arrays (``x_m``/``y_m``, no point objects).

        The sidebar and the figures of the first page read these: building 241,000 points
        (:attr:`incidents`) takes most of a second.
        """
        return self.load.table.frame

    @cached_property
    def offenses(self) -> tuple[str, ...]:
        """Offense categories, most frequent first."""
        counts = self.columns["offense"].astype("string").value_counts()
        return tuple(str(o) for o in counts.index)

    @cached_property
    def first_day(self) -> dt.date:
        """Local day of the earliest incident."""
        return _local(self.columns["occurred_at"]).min().date()

    @cached_property
    def last_day(self) -> dt.date:
        """Local day of the latest incident."""
        return _local(self.columns["occurred_at"]).max().date()

    @cached_property
    def default_first_day(self) -> dt.date:
        """First day of the default date range: the first month with a regular flow of incidents.

        Some sources keep a few very old incidents reported years later (Toronto: a few
        hundred before 2014, back to 1966); starting the default view there would stretch
        every chart over decades of near-empty months. The default starts at the first
        month with at least a tenth of a busy month (90th percentile); the full range stays one
        click away in the date filter.
        """
        months = period_start(self.columns["occurred_at"], "month").value_counts().sort_index()
        regular = months.index[months.to_numpy() >= 0.1 * float(months.quantile(0.9))]
        return max(regular[0].date(), self.first_day) if len(regular) else self.first_day

    @cached_property
    def extent_m(self) -> tuple[float, float, float, float]:
        """``(min x, min y, max x, max y)`` of every incident, in the metric CRS
        (:attr:`incidents`' ``total_bounds``, from the arrays)."""
        table = self.load.table
        return (
            float(table.x_m.min()),
            float(table.y_m.min()),
            float(table.x_m.max()),
            float(table.y_m.max()),
        )

    @cached_property
    def bounds(self) -> Bounds:
        """``((south, west), (north, east))`` of every incident and area, in degrees.

        Where the map opens, whatever the filters: the map's frame stays put while the
        user filters, so the browser swaps its data layers instead of reloading it.
        """
        table = self.load.table
        boxes = [shapely.box(*self.extent_m)] if len(table) else []
        extent = gpd.GeoDataFrame(geometry=boxes, crs=table.crs)
        (south, west), (north, east) = display_bounds(extent)
        if self.boundaries is not None and len(self.boundaries):
            (s2, w2), (n2, e2) = display_bounds(self.boundaries)
            south, west, north, east = min(south, s2), min(west, w2), max(north, n2), max(east, e2)
        return ((south, west), (north, east))

    @property
    def has_time_of_day(self) -> bool:
        """True when times are known to the hour or better (hour/weekday tables make sense)."""
        return self.load.time_resolution in TIME_OF_DAY_RESOLUTIONS

    @property
    def has_weekday(self) -> bool:
        """True when the day is known (not month-only data)."""
        return self.load.time_resolution != "month"

    @cached_property
    def has_population(self) -> bool:
        """True when at least one boundary has a population (rates per 1,000 residents)."""
        return self.boundaries is not None and bool(self.boundaries["population"].notna().any())


def make_dataset(
    key: str, label: str, load: LoadResult, boundaries: gpd.GeoDataFrame | None, *, source: str
) -> Dataset:
    """Assemble a :class:`Dataset` (areas of incidents and map outlines are computed here)."""
    area = outlines = None
    if boundaries is not None and len(boundaries):
        area = area_names(load.incidents, boundaries)
        outlines = outline_layer(boundaries)
    return Dataset(
        key=key,
        label=label,
        load=load,
        boundaries=boundaries,
        area_of_incident=area,
        outlines=outlines,
        source=source,
    )


def load_toronto() -> Dataset:
    """The bundled Toronto incidents with the approximate neighbourhood boundaries."""
    boundaries = load_boundaries(bundled.toronto_boundaries_path())
    load = load_incidents(bundled.toronto_incidents_path(), quiet=True)
    log.info("Loaded %s bundled Toronto incidents", f"{len(load.incidents):,}")
    return make_dataset(TORONTO_KEY, TORONTO_LABEL, load, boundaries, source=TORONTO_SOURCE)


def _local(times: pd.Series) -> pd.Series:
    return times.dt.tz_localize(None) if times.dt.tz is not None else times
