"""Emerging hot spot analysis: which places are getting worse, better, or staying hot.

A space-time cube (grid cells × time intervals) of incident counts, then:

1. **Gi\\* per interval** with the Benjamini–Hochberg correction: is each cell a significant
   hot or cold spot in each interval? p-values are exact for counts by default
   (:mod:`hotspots.stats.exact`: a month in a 250 m cell holds a fraction of an incident,
   far too sparse for the normal approximation). With ``temporal_neighbours=k > 0`` the neighbourhood
   of a cell in an interval also holds the same cells in the previous ``k`` intervals, as
   ArcGIS's "neighborhood time step" does; the statistic is then computed over the whole
   cube (mean and spread of every bin) and FDR is applied over every bin.
2. **Mann–Kendall** on each cell's series (ties corrected, :mod:`.trend_tests`).
3. **Categories**: ArcGIS Emerging Hot Spot Analysis (:data:`ARCGIS_PATTERNS`, exact names,
   REFERENCE.md) or sfhotspot's ``hotspot_classify`` scheme (:data:`SFHOTSPOT_PATTERNS`).

Our choices, documented (and stored in ``params``):

- *City-wide trend.* A city-wide rise makes most busy cells "intensifying" if the trend
  test reads raw counts (measured on Toronto: see the README). ``city_trend`` says what the
  trend test reads: ``"standardise"`` (default: each interval's counts are divided by that
  interval's mean count per cell, so every interval has the same city-wide level and a cell
  trends only if it moves relative to the city; zeros stay zeros), ``"detrend"`` (each
  interval's counts are scaled by the city total's fitted linear trend, so the city's mean
  level is flat) or ``"none"`` (raw counts). Gi\\* per interval (``temporal_neighbours=0``) is
  unaffected: it is invariant to rescaling a whole interval.
- *Thresholds.* A step is hot or cold when its FDR-adjusted p is at most ``alpha``; a trend is
  significant when the Mann–Kendall p is at most ``alpha``; "persistent" means hot in at least
  90% of the intervals (ArcGIS). Where two ArcGIS definitions overlap (a cell cold earlier and
  hot only in the final step is both "new" and "oscillating"), the first match in the order
  New, Consecutive, Intensifying, Persistent, Diminishing, Historical, Oscillating, Sporadic wins.
- *sfhotspot.* "emerging" = significant in fewer than 10% of the older intervals and in at
  least 10% of the recent ones (the last 20%); hot categories are checked before cold ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from numpy.typing import NDArray

from hotspots.errors import ColumnError, EmptyDataError, InputError, invalid
from hotspots.spatial.counting import PERIOD_FREQ, period_start
from hotspots.spatial.filters import Filters, apply_filters
from hotspots.spatial.grids import GRID_KINDS, Grid, GridKind, auto_cell_size_m, make_grid
from hotspots.spatial.projection import require_metric, to_metric
from hotspots.stats.gistar import describe_weights, gi_star
from hotspots.stats.significance import check_alpha
from hotspots.stats.trend_tests import MIN_STEPS, mann_kendall
from hotspots.stats.weights import Neighbours, grid_contiguity

log = logging.getLogger(__name__)

Interval = Literal["month", "quarter", "year"]
CityTrend = Literal["standardise", "detrend", "none"]
Scheme = Literal["arcgis", "sfhotspot"]
Inference = Literal["exact", "normal"]

INTERVALS: tuple[str, ...] = ("month", "quarter", "year")
CITY_TRENDS: tuple[str, ...] = ("standardise", "detrend", "none")
SCHEMES: tuple[str, ...] = ("arcgis", "sfhotspot")
INFERENCES: tuple[str, ...] = ("exact", "normal")

NO_PATTERN = "No Pattern Detected"
#: ArcGIS Emerging Hot Spot Analysis categories, hot then cold, exactly as ArcGIS names them.
ARCGIS_PATTERNS: tuple[str, ...] = (
    *(
        f"{kind} {side} Spot"
        for side in ("Hot", "Cold")
        for kind in (
            "New", "Consecutive", "Intensifying", "Persistent", "Diminishing",
            "Sporadic", "Oscillating", "Historical",
        )
    ),
    NO_PATTERN,
)  # fmt: skip
#: sfhotspot ``hotspot_classify`` categories.
SFHOTSPOT_PATTERNS: tuple[str, ...] = (
    *(
        f"{kind} {side}"
        for side in ("hotspot", "coldspot")
        for kind in ("persistent", "emerging", "former", "intermittent")
    ),
    "no pattern",
)

#: ArcGIS's persistence threshold: hot in at least this share of the intervals.
PERSISTENT_SHARE = 0.9
#: Columns of :attr:`EmergingHotspots.cells` (plus ``geometry``).
EMERGING_COLUMNS: tuple[str, ...] = (
    "cell_id", "pattern", "trend_z", "trend_p", "hot_intervals", "cold_intervals",
    "final_hot", "count",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class EmergingHotspots:
    """The result of :func:`emerging_hotspots`.

    Attributes
    ----------
    cells : GeoDataFrame (metric CRS)
        One row per active grid cell: see :data:`EMERGING_COLUMNS` — ``pattern`` (category
        name), ``trend_z`` / ``trend_p`` (Mann–Kendall on the series ``params["city_trend"]``
        describes), ``hot_intervals`` / ``cold_intervals`` (how many intervals the cell was a
        significant hot / cold spot), ``final_hot`` (hot in the last interval), ``count``
        (incidents over all intervals) and the cell polygon.
    periods : DatetimeIndex
        Start day of each interval, oldest first.
    counts : ndarray of int64, shape (cells, intervals)
        The space-time cube.
    gi_z : ndarray of float64, shape (cells, intervals)
        Gi* z-score of each cell in each interval.
    hot, cold : ndarray of bool, shape (cells, intervals)
        Significant hot / cold spot after FDR.
    trend_series : ndarray of float64, shape (cells, intervals)
        What the trend test read (counts after the city-trend handling).
    grid : Grid
    params : dict
        Every parameter, ready for JSON, including ``pattern_counts`` and ``notes``.
    """

    cells: gpd.GeoDataFrame
    periods: pd.DatetimeIndex
    counts: NDArray[np.int64]
    gi_z: NDArray[np.float64]
    hot: NDArray[np.bool_]
    cold: NDArray[np.bool_]
    trend_series: NDArray[np.float64]
    grid: Grid
    params: dict[str, Any] = field(default_factory=dict)

    def series(self, cell_id: int) -> pd.DataFrame:
        """One cell's history: ``period``, ``count``, ``gi_z``, ``hot``, ``cold``, ``trend_value``.

        Raises
        ------
        InputError
            When ``cell_id`` is not an active cell.
        """
        matches = np.flatnonzero(self.cells["cell_id"].to_numpy() == int(cell_id))
        if not matches.size:
            raise invalid("cell_id", cell_id, "the id of an active grid cell (cells['cell_id'])")
        i = int(matches[0])
        return pd.DataFrame(
            {
                "period": self.periods,
                "count": self.counts[i],
                "gi_z": self.gi_z[i],
                "hot": self.hot[i],
                "cold": self.cold[i],
                "trend_value": self.trend_series[i],
            }
        )


def emerging_hotspots(
    incidents: gpd.GeoDataFrame,
    *,
    interval: Interval = "month",
    cell_size_m: float | None = None,
    grid: GridKind = "square",
    boundaries: gpd.GeoDataFrame | None = None,
    filters: Filters | None = None,
    alpha: float = 0.05,
    temporal_neighbours: int = 0,
    city_trend: CityTrend = "standardise",
    scheme: Scheme = "arcgis",
    inference: Inference = "exact",
    quiet: bool = False,
) -> EmergingHotspots:
    """Emerging hot spot analysis of ``incidents`` on a grid, per ``interval``.

    Parameters
    ----------
    incidents : GeoDataFrame
        Points in a metric CRS with a tz-aware ``occurred_at`` column (as from
        :func:`hotspots.read_incidents`).
    interval : {"month", "quarter", "year"}, default "month"
        Length of a time step. Every step from the first to the last incident must hold
        incidents; at least 3 steps are needed for the trend test.
    cell_size_m : float, optional
        Cell size in metres; by default sfhotspot's rule (1/50 of the shorter side), logged.
    grid : {"square", "hex"}
    boundaries : GeoDataFrame, optional
        Polygons whose union the grid covers (else the points' hull plus half a cell).
    filters : Filters, optional
        Offense and date selection (``start``/``end`` trim the cube).
    alpha : float, default 0.05
        False discovery rate of the per-interval Gi* and level of the trend test.
    temporal_neighbours : int, default 0
        How many previous intervals join a cell's neighbourhood (ArcGIS's time step).
    city_trend : {"standardise", "detrend", "none"}, default "standardise"
        How the trend test handles a city-wide rise or fall (module docs).
    scheme : {"arcgis", "sfhotspot"}, default "arcgis"
        Category names and rules.
    inference : {"exact", "normal"}, default "exact"
        p-values of Gi* in each interval: exact permutation p-values for counts
        (:mod:`hotspots.stats.exact`; right for the sparse counts of a month in a small
        cell, where the normal approximation gives false hot spots), or the normal
        approximation. With ``temporal_neighbours > 0`` the space-time Gi* uses the normal
        approximation (``params["inference"]`` says so).
    quiet : bool
        Log automatic choices at debug level.

    Returns
    -------
    EmergingHotspots

    Raises
    ------
    InputError
        Bad options, fewer than 3 intervals, or intervals without incidents.
    EmptyDataError
        No incident passes the filters.
    """
    level = logging.DEBUG if quiet else logging.INFO
    options = _check_options(
        interval=interval,
        grid=grid,
        alpha=alpha,
        temporal_neighbours=temporal_neighbours,
        city_trend=city_trend,
        scheme=scheme,
        inference=inference,
    )
    crs = _check_incidents(incidents)
    selected = apply_filters(incidents, filters or Filters())
    if len(selected) == 0:
        raise EmptyDataError(
            f"No incident passes the filters ({(filters or Filters()).describe()}); widen them."
        )
    the_grid, size_auto = _grid(selected, boundaries, cell_size_m, kind=grid, crs=crs, level=level)
    counts, periods = count_cube(selected, the_grid, interval=interval)
    neighbours = grid_contiguity(the_grid)
    cube = emerging_cube(
        counts,
        neighbours,
        alpha=options["alpha"],
        temporal_neighbours=temporal_neighbours,
        city_trend=city_trend,
        scheme=scheme,
        inference=inference,
        weights_label=describe_weights(neighbours),
    )
    ids = the_grid.cell_ids
    cells = gpd.GeoDataFrame(
        {
            "cell_id": ids,
            "pattern": cube.pattern,
            "trend_z": cube.trend_z,
            "trend_p": cube.trend_p,
            "hot_intervals": cube.hot.sum(axis=1).astype(np.int64),
            "cold_intervals": cube.cold.sum(axis=1).astype(np.int64),
            "final_hot": cube.hot[:, -1],
            "count": counts.sum(axis=1),
        },
        geometry=the_grid.polygons(ids),
        crs=crs,
    )
    pattern_counts = {name: int(n) for name, n in cells["pattern"].value_counts().items() if n > 0}
    params: dict[str, Any] = {
        **cube.params,
        "interval": interval,
        "intervals": len(periods),
        "first_interval": periods[0].strftime("%Y-%m-%d"),
        "last_interval": periods[-1].strftime("%Y-%m-%d"),
        "grid": grid,
        "cell_size_m": the_grid.cell_size_m,
        "cell_size_automatic": size_auto,
        "cells": int(ids.size),
        "filters": (filters or Filters()).as_dict(),
        "filters_text": (filters or Filters()).describe(),
        "crs": crs.to_string(),
        "incidents_total": len(incidents),
        "incidents_selected": len(selected),
        "incidents_in_cube": int(counts.sum()),
        "pattern_counts": pattern_counts,
    }
    log.log(
        level,
        "Emerging hot spots (%d %s intervals, %g m cells, city trend: %s): %s",
        len(periods),
        interval,
        the_grid.cell_size_m,
        city_trend,
        ", ".join(f"{n:,} {name}" for name, n in pattern_counts.items() if name != NO_PATTERN),
    )
    return EmergingHotspots(
        cells=cells,
        periods=periods,
        counts=counts,
        gi_z=cube.gi_z,
        hot=cube.hot,
        cold=cube.cold,
        trend_series=cube.trend_series,
        grid=the_grid,
        params=params,
    )


@dataclass(frozen=True, eq=False)
class EmergingCube:
    """Per-cell results of :func:`emerging_cube` (arrays in the neighbours' unit order)."""

    pattern: NDArray[np.object_]
    trend_z: NDArray[np.float64]
    trend_p: NDArray[np.float64]
    gi_z: NDArray[np.float64]
    hot: NDArray[np.bool_]
    cold: NDArray[np.bool_]
    trend_series: NDArray[np.float64]
    params: dict[str, Any]


def emerging_cube(
    counts: NDArray[np.integer] | NDArray[np.floating],
    neighbours: Neighbours,
    *,
    alpha: float = 0.05,
    temporal_neighbours: int = 0,
    city_trend: CityTrend = "standardise",
    scheme: Scheme = "arcgis",
    inference: Inference = "exact",
    weights_label: str | None = None,
) -> EmergingCube:
    """Classify every unit of a space-time cube (the statistics of :func:`emerging_hotspots`).

    Parameters
    ----------
    counts : array_like, shape (units, intervals)
        Incidents per unit (in ``neighbours``' order) and interval, oldest first.
    neighbours : Neighbours
        Spatial neighbours of the units (binary, self added by Gi*).
    alpha, temporal_neighbours, city_trend, scheme, inference
        As in :func:`emerging_hotspots`.
    weights_label : str, optional
        Description of the neighbourhood for ``params``.
    """
    options = _check_options(
        interval="month",
        grid="square",
        alpha=alpha,
        temporal_neighbours=temporal_neighbours,
        city_trend=city_trend,
        scheme=scheme,
        inference=inference,
    )
    x = _check_cube(counts, neighbours)
    if temporal_neighbours > 0:
        z, hot, cold, notes = _space_time_gi(x, neighbours, options["alpha"], temporal_neighbours)
    else:
        z, hot, cold, notes = _per_interval_gi(x, neighbours, options["alpha"], inference)
    series = trend_series(x, city_trend=city_trend)
    mk = mann_kendall(series)
    classify: Callable[..., NDArray[np.object_]] = (
        classify_arcgis if scheme == "arcgis" else classify_sfhotspot
    )
    pattern = classify(hot, cold, trend_z=mk.z, trend_p=mk.p, alpha=options["alpha"])
    params = {
        "statistic": "Getis-Ord Gi* per interval (binary weights, self included)"
        if temporal_neighbours == 0
        else f"Getis-Ord Gi* over the space-time cube (neighbours in space and the previous "
        f"{temporal_neighbours} interval(s))",
        "inference": _inference_text(inference if temporal_neighbours == 0 else "normal"),
        "multiple_testing": "Benjamini-Hochberg false discovery rate"
        + (" per interval" if temporal_neighbours == 0 else " over every bin of the cube"),
        "neighbourhood": weights_label or describe_weights(neighbours),
        "temporal_neighbours": temporal_neighbours,
        "alpha": options["alpha"],
        "trend_test": "Mann-Kendall (ties corrected), two-sided, at alpha",
        "city_trend": city_trend,
        "city_trend_text": CITY_TREND_TEXT[city_trend],
        "scheme": scheme,
        "notes": notes,
    }
    return EmergingCube(
        pattern=pattern,
        trend_z=np.asarray(mk.z),
        trend_p=np.asarray(mk.p),
        gi_z=z,
        hot=hot,
        cold=cold,
        trend_series=series,
        params=params,
    )


CITY_TREND_TEXT: dict[str, str] = {
    "standardise": "each interval's counts divided by that interval's mean count per cell before "
    "the trend test (every interval at the same city-wide level: a cell trends only if it moves "
    "relative to the city)",
    "detrend": "each interval's counts divided by the city total's fitted linear trend before "
    "the trend test (the city's level made flat)",
    "none": "raw counts in the trend test (a city-wide rise or fall shows in every busy cell)",
}


def trend_series(
    counts: NDArray[np.floating], *, city_trend: CityTrend = "standardise"
) -> NDArray[np.float64]:
    """The per-cell series the trend test reads, after handling the city-wide trend.

    Parameters
    ----------
    counts : ndarray, shape (cells, intervals)
    city_trend : {"standardise", "detrend", "none"}
        See the module docs.
    """
    x = np.asarray(counts, dtype=np.float64)
    if city_trend == "none":
        return x.copy()
    if city_trend == "standardise":
        mean = x.mean(axis=0, keepdims=True)
        return np.divide(x, mean, out=np.zeros_like(x), where=mean > 0)
    if city_trend == "detrend":
        totals = x.sum(axis=0)
        steps = np.arange(totals.size, dtype=np.float64)
        slope, intercept = np.polyfit(steps, totals, 1)
        fitted = np.maximum(intercept + slope * steps, 1e-9)
        return x * (totals.mean() / fitted)[None, :]
    raise invalid("city_trend", city_trend, CITY_TRENDS)


def classify_arcgis(
    hot: NDArray[np.bool_],
    cold: NDArray[np.bool_],
    *,
    trend_z: NDArray[np.float64],
    trend_p: NDArray[np.float64],
    alpha: float,
) -> NDArray[np.object_]:
    """ArcGIS Emerging Hot Spot categories from per-interval hot/cold flags and the trend.

    Parameters
    ----------
    hot, cold : ndarray of bool, shape (units, intervals)
        Significant hot / cold spot in each interval.
    trend_z, trend_p : ndarray of float, shape (units,)
        Mann–Kendall z and p of each unit's series.
    alpha : float
        Level at which the trend is significant.

    Returns
    -------
    ndarray of str (object), shape (units,)
        Names from :data:`ARCGIS_PATTERNS`.
    """
    out = np.full(hot.shape[0], NO_PATTERN, dtype=object)
    rising = (trend_p <= alpha) & (trend_z > 0)
    falling = (trend_p <= alpha) & (trend_z < 0)
    for side, mine, other, up, down in (
        ("Cold", cold, hot, falling, rising),
        ("Hot", hot, cold, rising, falling),
    ):
        labels = _arcgis_side(mine, other, getting_worse=up, getting_better=down)
        # Hot wins over cold when both match (checked last, so it overwrites).
        for i in np.flatnonzero(labels != ""):
            out[i] = f"{labels[i]} {side} Spot"
    return out


def _arcgis_side(
    mine: NDArray[np.bool_],
    other: NDArray[np.bool_],
    *,
    getting_worse: NDArray[np.bool_],
    getting_better: NDArray[np.bool_],
) -> NDArray[np.object_]:
    n, t = mine.shape
    share = mine.sum(axis=1) / t
    final = mine[:, -1]
    before = mine[:, :-1]
    ever_before = before.any(axis=1)
    # Length of the run of hot steps ending in the final step.
    misses = ~mine
    last_miss = np.where(misses.any(axis=1), t - 1 - np.argmax(misses[:, ::-1], axis=1), -1)
    run = t - 1 - last_miss
    hot_before_run = mine.any(axis=1) & (np.argmax(mine, axis=1) < last_miss)
    persistent = share >= PERSISTENT_SHARE
    other_before = other[:, :-1].any(axis=1)
    rules = (
        ("New", final & ~ever_before),
        ("Consecutive", final & (run >= 2) & ~hot_before_run & ~persistent),
        ("Intensifying", final & persistent & getting_worse),
        ("Persistent", final & persistent & ~getting_worse & ~getting_better),
        ("Diminishing", final & persistent & getting_better),
        ("Historical", ~final & persistent),
        ("Oscillating", final & ~persistent & other_before),
        ("Sporadic", final & ~persistent & ~other.any(axis=1)),
    )
    labels = np.full(n, "", dtype=object)
    for name, rule in reversed(rules):
        labels[rule] = name
    return labels


def classify_sfhotspot(
    hot: NDArray[np.bool_],
    cold: NDArray[np.bool_],
    *,
    trend_z: NDArray[np.float64] | None = None,
    trend_p: NDArray[np.float64] | None = None,
    alpha: float = 0.05,
    recent_share: float = 0.2,
    persistent_share: float = 0.8,
    rare_share: float = 0.1,
) -> NDArray[np.object_]:
    """sfhotspot ``hotspot_classify`` categories (REFERENCE.md; the trend is not used).

    Returns
    -------
    ndarray of str (object), shape (units,)
        Names from :data:`SFHOTSPOT_PATTERNS`.
    """
    n, t = hot.shape
    n_recent = max(1, round(recent_share * t))
    out = np.full(n, "no pattern", dtype=object)
    for side, flags in (("coldspot", cold), ("hotspot", hot)):
        older = flags[:, : t - n_recent].mean(axis=1) if t > n_recent else np.zeros(n)
        recent = flags[:, t - n_recent :].mean(axis=1)
        overall = flags.mean(axis=1)
        rules = (
            ("persistent", overall >= persistent_share),
            ("emerging", (older < rare_share) & (recent >= rare_share)),
            ("former", (older >= rare_share) & (recent < rare_share)),
            ("intermittent", overall >= rare_share),
        )
        labels = np.full(n, "", dtype=object)
        for name, rule in reversed(rules):
            labels[rule] = f"{name} {side}"
        out[labels != ""] = labels[labels != ""]
    return out


def count_cube(
    incidents: gpd.GeoDataFrame, grid: Grid, *, interval: Interval = "month"
) -> tuple[NDArray[np.int64], pd.DatetimeIndex]:
    """Incidents per active cell (ascending cell id) × interval, and the intervals' start days.

    Every interval from the first to the last incident is a column. Incidents outside the
    grid are not counted (logged).

    Raises
    ------
    InputError
        With fewer than 3 intervals, or when an interval holds no incident (the message
        lists them and how to trim the dates).
    """
    if interval not in INTERVALS:
        raise invalid("interval", interval, INTERVALS)
    starts = period_start(incidents["occurred_at"], interval)
    freq = PERIOD_FREQ[interval]
    periods = pd.period_range(starts.min(), starts.max(), freq=freq).start_time
    if len(periods) < MIN_STEPS:
        raise InputError(
            f"interval={interval!r} gives {len(periods)} interval(s) "
            f"({periods[0]:%Y-%m-%d} to {periods[-1]:%Y-%m-%d}); the trend test needs at least "
            f"{MIN_STEPS}. Use a shorter interval or a longer date range."
        )
    step = periods.get_indexer(pd.DatetimeIndex(starts))
    coords = shapely.get_coordinates(incidents.geometry.values)
    flat = grid.locate(coords[:, 0], coords[:, 1])
    position = np.full(grid.n_rows * grid.n_cols, -1, dtype=np.int64)
    ids = grid.cell_ids
    position[ids] = np.arange(ids.size)
    pos = np.where(flat >= 0, position[np.maximum(flat, 0)], -1)
    inside = pos >= 0
    if not inside.all():
        log.warning(
            "%s incident(s) fall outside the grid and are not counted", f"{int((~inside).sum()):,}"
        )
    cube = np.bincount(
        pos[inside] * len(periods) + step[inside], minlength=ids.size * len(periods)
    ).reshape(ids.size, len(periods))
    empty = np.flatnonzero(cube.sum(axis=0) == 0)
    if empty.size:
        listed = ", ".join(f"{periods[i]:%Y-%m-%d}" for i in empty[:5])
        raise InputError(
            f"{empty.size} of {len(periods)} {interval} interval(s) hold no incident (starting "
            f"{listed}{', ...' if empty.size > 5 else ''}); an empty interval cannot be tested. "
            "Trim the dates to a range with incidents in every interval (start=/end=, "
            "--start/--end) or use a longer interval."
        )
    return cube.astype(np.int64), pd.DatetimeIndex(periods)


@dataclass(frozen=True, eq=False)
class SpaceTimeNeighbours:
    """Neighbours over a cube flattened interval-major (bin = interval × units + unit):
    a unit's spatial neighbours (and itself) in the same and the previous ``lag`` intervals."""

    spatial: Neighbours
    intervals: int
    previous: int
    label: str = ""

    @property
    def n(self) -> int:
        return self.spatial.n * self.intervals

    def lag(self, values: NDArray[np.floating], *, include_self: bool) -> NDArray[np.float64]:
        cube = np.asarray(values, dtype=np.float64).reshape(self.intervals, self.spatial.n)
        space = np.stack([self.spatial.lag(row, include_self=True) for row in cube])
        running = np.cumsum(space, axis=0)
        window = running.copy()
        window[self.previous + 1 :] -= running[: -self.previous - 1]
        out = window.ravel()
        return out if include_self else out - cube.ravel()

    def cardinality(self, *, include_self: bool) -> NDArray[np.float64]:
        return self.lag(np.ones(self.n), include_self=include_self)

    def to_sparse(self) -> sp.csr_matrix:
        spatial = self.spatial.to_sparse() + sp.identity(self.spatial.n, format="csr")
        steps = sp.csr_matrix(
            sp.diags(
                [np.ones(self.intervals - k) for k in range(self.previous + 1)],
                [-k for k in range(self.previous + 1)],
                shape=(self.intervals, self.intervals),
            )
        )
        full = sp.csr_matrix(sp.kron(steps, spatial, format="csr"))
        full.setdiag(0)
        full.eliminate_zeros()
        return full


# -- private steps -------------------------------------------------------------------------------


def _per_interval_gi(
    x: NDArray[np.float64], neighbours: Neighbours, alpha: float, inference: Inference
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.bool_], list[str]]:
    """Gi* and its FDR-corrected significance in each interval (one call per interval)."""
    n, t = x.shape
    z = np.zeros((n, t))
    hot = np.zeros((n, t), dtype=bool)
    cold = np.zeros((n, t), dtype=bool)
    notes: dict[str, tuple[str, int]] = {}  # kind of caveat -> (first wording, intervals)
    with _quiet_logger("hotspots.stats.gistar"):
        for k in range(t):
            zk, hk, ck, note = _interval_gi(x[:, k], neighbours, alpha, inference)
            z[:, k], hot[:, k], cold[:, k] = zk, hk, ck
            if note:
                kind = note.split("(")[0]
                first, seen = notes.get(kind, (note, 0))
                notes[kind] = (first, seen + 1)
    summary = [f"In {seen} of {t} intervals: {first}" for first, seen in notes.values()]
    for line in summary:
        log.warning("Gi*: %s", line)
    return z, hot, cold, summary


def _interval_gi(
    values: NDArray[np.float64], neighbours: Neighbours, alpha: float, inference: Inference
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.bool_], str | None]:
    """The one place the per-interval Gi* inference is chosen."""
    result = gi_star(values, neighbours, alpha=alpha, inference=inference)
    return np.asarray(result.z), result.hot, result.cold, result.note


def _space_time_gi(
    x: NDArray[np.float64], neighbours: Neighbours, alpha: float, lag: int
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.bool_], list[str]]:
    n, t = x.shape
    cube = SpaceTimeNeighbours(neighbours, t, lag)
    label = f"{describe_weights(neighbours)} and the previous {lag} interval(s)"
    result = gi_star(x.T.ravel(), cube, alpha=alpha, weights_label=label, inference="normal")
    shape = (t, n)
    return (
        np.asarray(result.z).reshape(shape).T.copy(),
        np.asarray(result.hot).reshape(shape).T.copy(),
        np.asarray(result.cold).reshape(shape).T.copy(),
        [result.note] if result.note else [],
    )


def _inference_text(inference: str) -> str:
    if inference == "exact":
        return (
            "exact permutation p-values for counts (each interval's counts shuffled over the cells)"
        )
    return "two-sided p-values from the normal approximation"


class _quiet_logger:
    """Raise a logger's level for a block (one summary instead of a warning per interval)."""

    def __init__(self, name: str) -> None:
        self.logger = logging.getLogger(name)
        self.level = self.logger.level

    def __enter__(self) -> None:
        self.logger.setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        self.logger.setLevel(self.level)


def _check_options(
    *,
    interval: Any,
    grid: Any,
    alpha: Any,
    temporal_neighbours: Any,
    city_trend: Any,
    scheme: Any,
    inference: Any,
) -> dict[str, Any]:
    if interval not in INTERVALS:
        raise invalid("interval", interval, INTERVALS)
    if grid not in GRID_KINDS:
        raise invalid("grid", grid, GRID_KINDS)
    if city_trend not in CITY_TRENDS:
        raise invalid("city_trend", city_trend, CITY_TRENDS)
    if scheme not in SCHEMES:
        raise invalid("scheme", scheme, SCHEMES)
    if inference not in INFERENCES:
        raise invalid("inference", inference, INFERENCES)
    if (
        isinstance(temporal_neighbours, bool)
        or not isinstance(temporal_neighbours, int | np.integer)
        or temporal_neighbours < 0
    ):
        raise invalid(
            "temporal_neighbours",
            temporal_neighbours,
            "a whole number of previous intervals, 0 or more",
            "For example temporal_neighbours=1 (ArcGIS's default time step).",
        )
    return {"alpha": check_alpha(alpha)}


def _check_cube(counts: Any, neighbours: Neighbours) -> NDArray[np.float64]:
    x = np.asarray(counts, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] != neighbours.n:
        raise InputError(
            f"counts has shape {x.shape}; pass one row per unit ({neighbours.n} units) and one "
            "column per interval."
        )
    if x.shape[1] < MIN_STEPS:
        raise InputError(
            f"counts has {x.shape[1]} interval(s); emerging hot spot analysis needs at least "
            f"{MIN_STEPS} for the trend test. Use a shorter interval or a longer date range."
        )
    if not np.isfinite(x).all():
        raise InputError("counts holds NaN or infinite values; fill missing counts with 0.")
    return x


def _check_incidents(incidents: gpd.GeoDataFrame) -> Any:
    if "occurred_at" not in incidents.columns:
        raise ColumnError(
            f"incidents lacks the 'occurred_at' column; it has {list(incidents.columns)}. "
            "Load them with hotspots.read_incidents(...), which produces it."
        )
    if len(incidents) == 0:
        raise EmptyDataError("incidents is empty: there is nothing to analyze.")
    return require_metric(incidents, "incidents")


def _grid(
    incidents: gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame | None,
    cell_size_m: float | None,
    *,
    kind: GridKind,
    crs: Any,
    level: int,
) -> tuple[Grid, bool]:
    if boundaries is not None:
        area = shapely.union_all(to_metric(boundaries, crs).geometry.values)
    else:
        points = shapely.multipoints(shapely.get_coordinates(incidents.geometry.values))
        area = shapely.convex_hull(points)
    size = cell_size_m
    if size is None:
        xy = shapely.get_coordinates(incidents.geometry.values)
        choice = auto_cell_size_m(
            xy[:, 0], xy[:, 1], area_m2=max(float(shapely.area(area)), 1.0), kind=kind
        )
        size = choice.cell_size_m
        log.log(level, "%s", choice.reason)
    elif not (np.isfinite(size) and size > 0):
        raise invalid(
            "cell_size_m", size, "a positive number of metres", "For example cell_size_m=250."
        )
    if boundaries is None:
        area = shapely.buffer(area, max(float(size) / 2.0, 1.0))
    return make_grid(area, crs=crs, kind=kind, cell_size_m=float(size), quiet=True), (
        cell_size_m is None
    )
