"""Polygon units of analysis (neighbourhoods, wards, districts): point-in-polygon assignment.

Regular grids assign points arithmetically (:mod:`hotspots.spatial.grids`); arbitrary polygons
go through a Shapely 2 STRtree, vectorised over all points at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from hotspots.ingest.table import IncidentTable
from hotspots.spatial.projection import require_metric, to_metric

log = logging.getLogger(__name__)


def locate_in_polygons(
    points: NDArray[np.object_] | NDArray[np.float64] | gpd.GeoSeries, polygons: gpd.GeoDataFrame
) -> NDArray[np.int64]:
    """Row position in ``polygons`` of the polygon containing each point, or -1.

    ``points`` are Shapely points or an ``(n, 2)`` float array of coordinates (no Shapely
    object is made for a point the lookup grid answers). ``points`` and ``polygons`` must be
    in the same CRS. A point on a border shared by two polygons goes to one of them (never
    both, never neither); NaN coordinates are in none.

    Large inputs take a shortcut: a square lookup grid is laid over the polygons, cells
    that lie wholly inside one polygon answer for every point in them arithmetically, and
    only points in cells that straddle a border (typically 10–20 %) go through the STRtree.
    """
    geoms: NDArray[np.object_] | None
    xy: NDArray[np.float64] | None
    if isinstance(points, np.ndarray) and points.dtype != object:
        xy, geoms = np.asarray(points, dtype=np.float64).reshape(-1, 2), None
        n = len(xy)
    else:
        geoms = (
            points.values if isinstance(points, gpd.GeoSeries) else np.asarray(points, dtype=object)
        )
        xy, n = None, len(geoms)
    out = np.full(n, -1, dtype=np.int64)
    if n == 0 or len(polygons) == 0:
        return out
    tree = shapely.STRtree(polygons.geometry.values)
    pending = np.arange(n)
    if n >= _SHORTCUT_MIN_POINTS:
        if xy is None:
            xy = shapely.get_coordinates(geoms)
        pending = _locate_by_lookup_grid(xy, polygons, tree, out)
    query = geoms[pending] if geoms is not None else shapely.points(xy[pending])  # type: ignore[index]
    point_idx, poly_idx = tree.query(query, predicate="intersects")
    # Several hits = a point on a shared border: keep the lowest-numbered polygon.
    first = np.ones(point_idx.size, dtype=bool)
    first[1:] = point_idx[1:] != point_idx[:-1]
    chosen = np.minimum.reduceat(poly_idx, np.flatnonzero(first)) if point_idx.size else poly_idx
    out[pending[point_idx[first]]] = chosen
    return out


_SHORTCUT_MIN_POINTS = 50_000


def _locate_by_lookup_grid(
    xy: NDArray[np.float64],
    polygons: gpd.GeoDataFrame,
    tree: shapely.STRtree,
    out: NDArray[np.int64],
) -> NDArray[np.intp]:
    """Fill ``out`` for points in lookup cells wholly inside one polygon; return the rest."""
    xmin, ymin, xmax, ymax = polygons.total_bounds
    n_cells = int(np.clip(len(xy) // 40, 4_096, 262_144))
    size = max(np.sqrt((xmax - xmin) * (ymax - ymin) / n_cells), 1e-9)
    n_cols = int(np.ceil((xmax - xmin) / size)) + 1
    n_rows = int(np.ceil((ymax - ymin) / size)) + 1
    cols, rows = np.meshgrid(np.arange(n_cols), np.arange(n_rows))
    x0, y0 = xmin + cols.ravel() * size, ymin + rows.ravel() * size
    boxes = shapely.box(x0, y0, x0 + size, y0 + size)
    # Query with the polygons so that each is prepared once and tested against many cells.
    poly_idx, cell_idx = shapely.STRtree(boxes).query(
        polygons.geometry.values, predicate="contains_properly"
    )
    owner = np.full(n_rows * n_cols, -1, dtype=np.int64)
    owner[cell_idx] = poly_idx  # interiors are disjoint, so a cell has at most one owner
    col = np.floor((xy[:, 0] - xmin) / size)
    row = np.floor((xy[:, 1] - ymin) / size)
    inside = (col >= 0) & (col < n_cols) & (row >= 0) & (row < n_rows)
    found = np.full(len(xy), -1, dtype=np.int64)
    found[inside] = owner[(row[inside] * n_cols + col[inside]).astype(np.int64)]
    resolved = found >= 0
    out[resolved] = found[resolved]
    return np.flatnonzero(~resolved)


def unit_names_for_points(points: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> pd.Series:
    """Name of the boundary polygon each point falls in (``<NA>`` when in none).

    Both frames must be in the same metric CRS; ``boundaries`` has a ``name`` column.
    """
    require_metric(boundaries, "boundaries")
    return names_at(boundaries, locate_in_polygons(points.geometry, boundaries), index=points.index)


def names_at(
    boundaries: gpd.GeoDataFrame, positions: NDArray[np.integer], *, index: pd.Index | None = None
) -> pd.Series:
    """``boundaries["name"]`` at each row position (``<NA>`` where the position is -1)."""
    names = boundaries["name"].astype("string").to_numpy()
    values = pd.array(
        np.where(positions >= 0, names[np.maximum(positions, 0)], None), dtype="string"
    )
    return pd.Series(values, index=index, name="name")


def labels_match_boundaries(
    labels: pd.Series, boundaries: gpd.GeoDataFrame, *, min_share: float = 0.9
) -> bool:
    """True when at least ``min_share`` of the non-missing ``labels`` are names in ``boundaries``.

    Used to decide whether counts by unit can use the source's own authoritative labels
    (e.g. Toronto's ``Neighbourhood``) instead of a point-in-polygon join.
    """
    present = labels.dropna()
    if present.empty:
        return False
    return float(present.isin(set(boundaries["name"])).mean()) >= min_share


def incident_areas(
    incidents: gpd.GeoDataFrame | IncidentTable,
    boundaries: gpd.GeoDataFrame,
    *,
    in_polygons: Callable[[], NDArray[np.int64]] | None = None,
) -> tuple[NDArray[np.int64], str]:
    """Row position in ``boundaries`` of each incident's area (-1 = in none), and the method.

    The source's own labels (``neighbourhood`` column) are authoritative when they match the
    boundary names (:func:`labels_match_boundaries`, e.g. Toronto's police labels); otherwise
    each incident goes to the polygon it falls in. ``incidents`` (points or an
    :class:`~hotspots.ingest.table.IncidentTable`) is in a metric CRS;
    ``boundaries`` (with a ``name`` column) may be in any CRS.

    ``in_polygons``, when given, returns the point-in-polygon answer for ``incidents``
    (e.g. the rows of one computed for a larger set) instead of computing it.

    Returns
    -------
    positions : int64 array aligned with ``incidents``
    method : ``"source labels"`` or ``"point in polygon"``
    """
    labels = (
        incidents["neighbourhood"]
        if "neighbourhood" in incidents.columns
        else pd.Series(dtype="string")
    )
    if labels_match_boundaries(labels, boundaries):
        first = pd.Series(np.arange(len(boundaries)), index=boundaries["name"].to_numpy())
        first = first[~first.index.duplicated()]
        if isinstance(labels.dtype, pd.CategoricalDtype):  # look up each distinct label once
            categories = labels.cat.categories.to_numpy(dtype=object)
            at = first.reindex(categories).fillna(-1).to_numpy(dtype=np.int64)
            codes = labels.cat.codes.to_numpy()
            return np.where(codes >= 0, at[np.maximum(codes, 0)], -1).astype(np.int64), (
                "source labels"
            )
        positions = first.reindex(labels.to_numpy(dtype=object)).fillna(-1).to_numpy(dtype=np.int64)
        return positions, "source labels"
    located = in_polygons() if in_polygons is not None else points_in_areas(incidents, boundaries)
    return located, "point in polygon"


def points_in_areas(
    incidents: gpd.GeoDataFrame | IncidentTable, boundaries: gpd.GeoDataFrame
) -> NDArray[np.int64]:
    """Row position in ``boundaries`` of the polygon each incident falls in (-1 = none)."""
    metric = to_metric(boundaries.reset_index(drop=True), incidents.crs)
    if isinstance(incidents, IncidentTable):
        return locate_in_polygons(np.column_stack([incidents.x_m, incidents.y_m]), metric)
    return locate_in_polygons(incidents.geometry, metric)
