"""Demand for the planner, from a hotspot analysis: what the outreach sites should reach.

:func:`demand_from_incidents`
    The incidents (already filtered by the analysis: period, offenses...), optionally
    weighted by offense, aggregated to demand points: incidents are grouped by a square
    cell of ``cell_size_m`` (a fixed grid anchored at the CRS origin) *and* by their
    area (neighbourhood), and each group becomes one point at the weighted mean location
    of its incidents, weighing the group's (weighted) count. Area totals are therefore
    exact, and a demand point is never further than the cell's diagonal from its
    incidents (in practice much closer). 241,000 Toronto incidents become about 18,000
    points with 100 m cells.
:func:`demand_from_hotspots`
    Only the statistically significant hot spot cells (Gi* after FDR), each weighing its
    (weighted) incident count; the planner measures distances to the cell centres.
:func:`demand_from_forecast`
    The cells of a :func:`hotspots.forecast` ranking, each weighing its expected incidents
    over the forecast horizon (the top cells holding 95 % of them): plan for where
    incidents are expected next rather than where they were.

Candidate sites are in :mod:`hotspots.outreach.candidates`, what a plan reaches in
:mod:`hotspots.outreach.reach`, and the bundle the CLI and the app use in
:mod:`hotspots.outreach.from_analysis`.
"""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from hotspots.analysis import Analysis
from hotspots.errors import EmptyDataError, InputError, Option, describe, invalid, literal
from hotspots.outreach.validation import centre_points
from hotspots.spatial.projection import choose_metric_crs, require_geodata, to_metric
from hotspots.spatial.units import incident_areas, locate_in_polygons, names_at

if TYPE_CHECKING:
    from hotspots.forecast import Forecast

log = logging.getLogger(__name__)

DemandKind = Literal["incidents", "hotspots", "forecast"]
DEMAND_KINDS: tuple[DemandKind, ...] = ("incidents", "hotspots", "forecast")
#: Forecast demand keeps the top-ranked cells that hold this share of the expected incidents
#: (the long tail of cells expecting a fraction of an incident adds points, not coverage).
FORECAST_DEMAND_SHARE = 0.95

#: Default size of the demand cells, in metres (a demand point is at most ~71 m, half
#: the diagonal, from the centre of its cell, and sits at its incidents' mean location).
DEFAULT_DEMAND_CELL_SIZE_M = 100.0

#: Columns of the demand frames (plus ``geometry``); ``cell_id`` only for hot spot demand.
DEMAND_COLUMNS = ("weight", "incidents", "area")


def demand_from_incidents(
    incidents: gpd.GeoDataFrame,
    *,
    offense_weights: Mapping[str, float] | None = None,
    cell_size_m: float = DEFAULT_DEMAND_CELL_SIZE_M,
    areas: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Aggregate incidents to weighted demand points (see the module docstring).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Incident points with a CRS, e.g. :attr:`Analysis.incidents` (already filtered)
        or ``LoadResult.incidents``. An ``offense`` column is needed with
        ``offense_weights``; a ``neighbourhood`` column gives each point its area.
    offense_weights : dict of str to float, optional
        Weight per offense (``{"Assault": 2, "Theft Over": 0.5}``); offenses not named
        weigh 1, weight 0 leaves an offense out. Names match exactly, else ignoring case.
    cell_size_m : float
        Side of the aggregation cells, in metres (default 100).
    areas : geopandas.GeoDataFrame, optional
        Polygons with a ``name`` column (e.g. :attr:`Analysis.areas`). The incidents'
        own ``neighbourhood`` labels are used when they match these names (Toronto),
        otherwise each incident gets the name of the polygon it falls in.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per (cell, area) with weighted incidents: ``weight`` (float, the
        weighted count), ``incidents`` (int, the unweighted count), ``area`` (string,
        ``<NA>`` when unknown) and Point ``geometry`` (the weighted mean location) in a
        metric CRS, RangeIndex. ``attrs["parameters"]`` records how it was built.

    Raises
    ------
    hotspots.errors.InputError
        Bad ``cell_size_m`` or ``offense_weights``; no CRS; no incidents; every weight 0.
    """
    require_geodata(incidents, "incidents")
    if len(incidents) == 0:
        raise EmptyDataError(
            "incidents is empty: there is no demand to cover. Widen the filters (period, "
            "offenses) or check the input file."
        )
    size = _check_cell_size(cell_size_m)
    metric = to_metric(incidents, choose_metric_crs(incidents, quiet=True))
    weights = incident_weights(metric, offense_weights)
    labels = _incident_areas(metric, areas)

    points = centre_points(metric.geometry.values, "incidents")
    xy = shapely.get_coordinates(points)
    keep = (weights > 0) & np.isfinite(xy).all(axis=1)
    if not keep.any():
        raise EmptyDataError(
            f"offense_weights={describe(dict(offense_weights or {}))} gives every one of the "
            f"{len(incidents):,} incidents weight 0, so there is no demand. Give at least one "
            "offense a positive weight."
        )
    xy, w = xy[keep], weights[keep]
    area_code, area_names = pd.factorize(labels[keep], sort=True)
    cells = np.floor(xy / size).astype(np.int64)
    key = np.column_stack([cells, np.asarray(area_code, dtype=np.int64)])
    unique, group = _unique_rows(key)
    n_groups = unique.shape[0]
    total = np.bincount(group, weights=w, minlength=n_groups)
    # Weighted mean location, computed relative to each cell's corner for precision.
    origin = unique[:, :2].astype(np.float64) * size
    offset = xy - origin[group]
    mean_x = origin[:, 0] + np.bincount(group, weights=w * offset[:, 0], minlength=n_groups) / total
    mean_y = origin[:, 1] + np.bincount(group, weights=w * offset[:, 1], minlength=n_groups) / total
    codes = unique[:, 2]
    # One name per area code; the last entry (None) serves code -1, "no area".
    names = np.asarray([*np.asarray(area_names, dtype=object).tolist(), None], dtype=object)
    area = pd.array(names[codes], dtype="string")
    demand = gpd.GeoDataFrame(
        {
            "weight": total.astype(np.float64),
            "incidents": np.bincount(group, minlength=n_groups).astype(np.int64),
            "area": area,
        },
        geometry=shapely.points(mean_x, mean_y),
        crs=metric.crs,
    )
    demand.attrs["parameters"] = {
        "demand": "incidents",
        "cell_size_m": size,
        "offense_weights": weights_record(offense_weights),
        "incidents": len(incidents),
        "incidents_weighted": int(keep.sum()),
    }
    log.info(
        "Demand: %s incidents aggregated to %s points (%g m cells%s)",
        f"{int(keep.sum()):,}",
        f"{n_groups:,}",
        size,
        ", split by area" if len(area_names) else "",
    )
    return demand


def demand_from_hotspots(
    analysis: Analysis, *, offense_weights: Mapping[str, float] | None = None
) -> gpd.GeoDataFrame:
    """The significant hot spot cells of ``analysis`` as demand.

    Parameters
    ----------
    analysis : Analysis
        The result of :func:`hotspots.analysis.analyze`.
    offense_weights : dict of str to float, optional
        As in :func:`demand_from_incidents`: each cell then weighs its weighted count.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per hot spot cell, most significant first: ``cell_id``, ``weight``
        (the (weighted) incident count), ``incidents`` (the count, without offenses
        weighing 0), ``area`` (the cell's
        neighbourhood), ``gi_z`` and the cell polygon in the analysis CRS (the planner
        measures from the cell centre). ``attrs["parameters"]`` records how it was built.

    Raises
    ------
    hotspots.errors.EmptyDataError
        When the analysis found no hot spot cell.
    """
    hot = significant_hot_cells(analysis)
    if hot.empty:
        selection = analysis.params.get("filters_text", "all incidents")
        raise EmptyDataError(
            literal(
                f"The analysis found no significant hot spot cells (false discovery rate "
                f"{analysis.params.get('alpha')}, {selection}), so there is no hot spot demand. "
            )
            + "Cover all incidents ({0}), or widen the period or offenses, or change the "
            "cell size.",
            options=(Option("demand", "incidents"),),
        )
    counts = hot["count"].to_numpy(dtype=np.int64)
    if offense_weights is None:
        weight = counts.astype(np.float64)
    else:
        # Weighted counts; an offense weighing 0 is left out of the incident count too.
        incidents = analysis.incidents
        w = incident_weights(incidents, offense_weights)
        cell_ids = incidents["cell_id"].to_numpy(dtype=np.int64)
        sums = pd.DataFrame({"w": w, "n": (w > 0).astype(np.int64)}).groupby(cell_ids).sum()
        sums = sums.reindex(hot["cell_id"].to_numpy(), fill_value=0)
        weight = sums["w"].to_numpy(dtype=np.float64)
        counts = sums["n"].to_numpy(dtype=np.int64)
    demand = gpd.GeoDataFrame(
        {
            "cell_id": hot["cell_id"].to_numpy(dtype=np.int64),
            "weight": weight,
            "incidents": counts,
            "area": hot["neighbourhood"].astype("string").to_numpy(),
            "gi_z": hot["gi_z"].to_numpy(dtype=np.float64),
        },
        geometry=hot.geometry.values,
        crs=hot.crs,
    )
    demand.attrs["parameters"] = {
        "demand": "hotspots",
        "offense_weights": weights_record(offense_weights),
        "hotspot_cells": len(demand),
        "alpha": analysis.params.get("alpha"),
    }
    log.info(
        "Demand: %s hot spot cells holding %s incidents", f"{len(demand):,}", f"{counts.sum():,}"
    )
    return demand


def demand_from_forecast(
    result: Forecast,
    *,
    areas: gpd.GeoDataFrame | None = None,
    share: float = FORECAST_DEMAND_SHARE,
) -> gpd.GeoDataFrame:
    """The cells of a forecast as demand, each weighing its expected incidents.

    Parameters
    ----------
    result : hotspots.forecast.Forecast
        The result of :func:`hotspots.forecast`.
    areas : geopandas.GeoDataFrame, optional
        Boundary polygons with ``name``: each cell's area is the one holding its centre.
    share : float
        Keep the top-ranked cells until they hold this share of the expected incidents.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per kept cell, best first: ``cell_id``, ``weight`` (expected incidents over
        the horizon), ``incidents`` (the same, rounded: reach tables count whole
        incidents), ``area``, ``rank`` and the cell polygon (the planner measures from its
        centre). ``attrs["parameters"]`` records the forecast (method, period).
    """
    cells = result.cells.loc[result.cells["expected"].to_numpy() > 0]
    if cells.empty:
        raise EmptyDataError(
            "The forecast expects no incident anywhere, so there is no forecast demand; cover "
            "all incidents ({0}) or forecast from a longer history.",
            options=(Option("demand", "incidents"),),
        )
    expected = cells["expected"].to_numpy(dtype=np.float64)
    reach = np.cumsum(expected) / expected.sum()
    cells = cells.iloc[: int(np.searchsorted(reach, share - 1e-12)) + 1]
    expected = cells["expected"].to_numpy(dtype=np.float64)
    area = pd.array([pd.NA] * len(cells), dtype="string")
    if areas is not None:
        polygons = to_metric(areas, cells.crs)
        centres = shapely.get_coordinates(shapely.centroid(cells.geometry.values))
        area = names_at(polygons, locate_in_polygons(centres, polygons)).array
    demand = gpd.GeoDataFrame(
        {
            "cell_id": cells["cell_id"].to_numpy(dtype=np.int64),
            "weight": expected,
            "incidents": np.rint(expected).astype(np.int64),
            "area": area,
            "rank": cells["rank"].to_numpy(dtype=np.int64),
        },
        geometry=cells.geometry.values,
        crs=cells.crs,
    )
    params = result.params
    demand.attrs["parameters"] = {
        "demand": "forecast",
        "forecast:method": params.get("method"),
        "forecast_period": params.get("forecast_period"),
        "forecast:cell_size_m": params.get("cell_size_m"),
        "cells": len(demand),
        "share_of_expected": share,
    }
    log.info(
        "Demand: the top %s forecast cells, holding %.0f%% of the %s incidents expected %s",
        f"{len(demand):,}",
        100 * share,
        f"{result.cells['expected'].sum():,.0f}",
        " to ".join(params.get("forecast_period", [])),
    )
    return demand


def incident_weights(
    incidents: pd.DataFrame, offense_weights: Mapping[str, float] | None
) -> NDArray[np.float64]:
    """Weight of each incident from its ``offense`` (1 when unnamed); validated.

    Raises
    ------
    hotspots.errors.InputError
        ``offense_weights`` is not a mapping of offense names to finite numbers >= 0, or
        names an offense the incidents do not have (the message lists those they have).
    """
    n = len(incidents)
    if offense_weights is None or len(offense_weights) == 0:
        return np.ones(n, dtype=np.float64)
    if not isinstance(offense_weights, Mapping):
        raise invalid(
            "offense_weights",
            offense_weights,
            "a dict of offense name to weight",
            "For example offense_weights={'Assault': 2, 'Robbery': 1.5}.",
        )
    if "offense" not in incidents.columns:
        raise InputError(
            "offense_weights needs an 'offense' column in the incidents; they have "
            f"{describe([str(c) for c in incidents.columns])}. Load them with "
            "hotspots.ingest.load_incidents, or drop offense_weights."
        )
    offenses = incidents["offense"].astype("string")
    present = sorted(str(o) for o in offenses.dropna().unique())
    by_fold = {name.casefold(): name for name in present}
    mapping: dict[str, float] = {}
    for key, value in offense_weights.items():
        number = _weight_value(key, value)
        if key in present:
            mapping[str(key)] = number
        elif str(key).casefold() in by_fold:
            mapping[by_fold[str(key).casefold()]] = number
        else:
            raise invalid(
                "offense_weights",
                {key: value},
                f"weights for offenses the incidents have: {describe(present, limit=300)}",
                "Check the spelling (after the filters, only these offenses are left).",
            )
    values = offenses.map(mapping).astype("Float64").fillna(1.0)
    return values.to_numpy(dtype=np.float64, na_value=1.0)


def significant_hot_cells(analysis: Analysis) -> gpd.GeoDataFrame:
    """The analysis's significant hot spot cells, hottest first (Gi* z, then count)."""
    cells = analysis.cells
    hot = cells.loc[cells["hotspot"].to_numpy(dtype=bool)]
    return hot.sort_values(["gi_z", "count"], ascending=[False, False], kind="stable")


# -- helpers --------------------------------------------------------------------------------


def weights_record(offense_weights: Mapping[str, float] | None) -> dict[str, float] | None:
    if not offense_weights:
        return None
    return {str(k): float(v) for k, v in offense_weights.items()}


def _weight_value(key: Any, value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
        or float(value) < 0
    ):
        raise invalid(
            "offense_weights",
            {key: value},
            "weights that are finite numbers >= 0",
            "For example {'Assault': 2}; use 0 to leave an offense out.",
        )
    return float(value)


def _check_cell_size(cell_size_m: Any) -> float:
    if (
        isinstance(cell_size_m, bool)
        or not isinstance(cell_size_m, numbers.Real)
        or not math.isfinite(float(cell_size_m))
        or float(cell_size_m) <= 0
    ):
        raise invalid(
            "demand:cell_size_m",
            cell_size_m,
            "a positive number of metres",
            "For example {1}.",
            options=(Option("demand:cell_size_m", DEFAULT_DEMAND_CELL_SIZE_M),),
        )
    return float(cell_size_m)


def _unique_rows(key: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``np.unique(key, axis=0, return_inverse=True)`` (same rows, same order), fast.

    Each row (cell x, cell y, area code) becomes one int64 whose order is the rows'
    lexicographic order, so a 1-D unique replaces the slow row-wise one; when the ranges are
    too wide for one int64 the row-wise unique runs.
    """
    low = key.min(axis=0) if len(key) else np.zeros(key.shape[1], dtype=np.int64)
    shifted = key - low
    spans = [int(v) + 1 for v in (shifted.max(axis=0) if len(key) else np.zeros(key.shape[1]))]
    if int(np.prod([float(v) for v in spans])) >= 2**62:
        unique, group = np.unique(key, axis=0, return_inverse=True)
        return unique, np.asarray(group, dtype=np.int64).ravel()
    combined = np.zeros(len(key), dtype=np.int64)
    for column, span in enumerate(spans):
        combined = combined * span + shifted[:, column]
    _, first, group = np.unique(combined, return_index=True, return_inverse=True)
    return key[first], np.asarray(group, dtype=np.int64).ravel()


def _incident_areas(incidents: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None) -> pd.Series:
    """Area of each incident: its own label when it matches ``areas`` (or there are no
    areas), else the polygon it falls in."""
    if "neighbourhood" in incidents.columns:
        labels = incidents["neighbourhood"].astype("string").reset_index(drop=True)
    else:
        labels = pd.Series(pd.NA, index=range(len(incidents)), dtype="string")
    if areas is None or len(areas) == 0:
        return labels
    if "name" not in areas.columns:
        raise InputError(
            f"areas lacks a 'name' column; it has {describe([str(c) for c in areas.columns])}. "
            "Load boundaries with hotspots.ingest.load_boundaries(...)."
        )
    require_geodata(areas, "areas")
    positions, method = incident_areas(incidents.reset_index(drop=True), areas)
    log.info("Demand areas from %s (%s areas)", method, f"{len(areas):,}")
    return names_at(areas, positions).rename(None)
