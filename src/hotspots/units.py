"""Polygon units of analysis (neighbourhoods, wards, districts): point-in-polygon assignment.

Regular grids assign points arithmetically (:mod:`hotspots.grids`); arbitrary polygons
go through a Shapely 2 STRtree, vectorised over all points at once.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from hotspots.projection import require_metric

log = logging.getLogger(__name__)


def locate_in_polygons(
    points: NDArray[np.object_] | gpd.GeoSeries, polygons: gpd.GeoDataFrame
) -> NDArray[np.int64]:
    """Row position in ``polygons`` of the polygon containing each point, or -1.

    A point on a shared border goes to the first polygon (in row order) that covers it.
    ``points`` and ``polygons`` must be in the same CRS.
    """
    geoms = points.values if isinstance(points, gpd.GeoSeries) else np.asarray(points, dtype=object)
    out = np.full(len(geoms), -1, dtype=np.int64)
    if len(geoms) == 0 or len(polygons) == 0:
        return out
    tree = shapely.STRtree(polygons.geometry.values)
    point_idx, poly_idx = tree.query(geoms, predicate="intersects")
    # Keep the first (lowest-numbered) polygon for points on shared borders.
    order = np.lexsort((poly_idx, point_idx))
    point_idx, poly_idx = point_idx[order], poly_idx[order]
    first = np.ones(point_idx.size, dtype=bool)
    first[1:] = point_idx[1:] != point_idx[:-1]
    out[point_idx[first]] = poly_idx[first]
    return out


def unit_names_for_points(points: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> pd.Series:
    """Name of the boundary polygon each point falls in (``<NA>`` when in none).

    Both frames must be in the same metric CRS; ``boundaries`` has a ``name`` column.
    """
    require_metric(boundaries, "boundaries")
    idx = locate_in_polygons(points.geometry, boundaries)
    names = boundaries["name"].astype("string").to_numpy()
    values = pd.array(np.where(idx >= 0, names[np.maximum(idx, 0)], None), dtype="string")
    return pd.Series(values, index=points.index, name="name")


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
