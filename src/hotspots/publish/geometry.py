"""Publishable geometry: aggregated polygons only, from the boundaries and the grid.

Published coordinates are longitude/latitude rounded to :data:`OUTPUT_DECIMALS`
decimals (about 1 m). No vertex depends on where an incident lies: boundaries come from
the publisher and the grid from the boundaries' extent (or a 10 km-aligned box), so a
vertex is never moved, added or dropped because of an incident (an earlier version
moved vertices off incident locations, which located the incident by the move).
:func:`exposure_keys` and :func:`coordinate_decimals` serve the audit's coordinate rule.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray

from hotspots.sampling import every_kth
from hotspots.spatial.projection import DISPLAY_CRS

log = logging.getLogger(__name__)

#: Decimals of published longitude/latitude (1e-5 degree is about 1.1 m of latitude).
OUTPUT_DECIMALS = 5
#: Largest number of decimals looked for when estimating an input's precision.
MAX_DECIMALS = 8


def coordinate_decimals(
    values: NDArray[np.floating],
    *,
    max_decimals: int = MAX_DECIMALS,
    noise: float = 1e-9,
    min_decimals: int = 0,
) -> int:
    """Estimate how many decimals ``values`` were given to.

    The smallest ``d`` (from ``min_decimals``; may be negative for metres rounded to
    tens) at which 99.9% of the values lie on the ``10**-d`` lattice within
    ``noise * 10`` (reprojection round trips add ~1e-9 degree); ``max_decimals`` when none.
    """
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    if not finite.any():
        return max_decimals
    sample = v[every_kth(finite, 50_000, cap=False)]
    for d in range(min_decimals, max_decimals):
        scaled = sample * 10.0**d
        off = np.abs(scaled - np.rint(scaled))
        if np.mean(off <= noise * 10.0 * 10.0**d) >= 0.999:
            return d
    return max_decimals


def exposure_keys(
    x: NDArray[np.floating], y: NDArray[np.floating], decimals: int
) -> NDArray[np.int64]:
    """One integer per (x, y): the pair's cell on the ``10**-decimals`` lattice.

    Two pairs with the same key are the same location at that precision.
    """
    scale = 10.0**decimals
    sx = np.rint(np.asarray(x, dtype=np.float64) * scale)
    sy = np.rint(np.asarray(y, dtype=np.float64) * scale)
    # Keys pack two 32-bit cells: fine for degrees at <= 5 decimals and metres at >= 1 m.
    sx = np.where(np.abs(sx) < 2**31, sx, np.sign(sx) * (2**31 - 1))
    sy = np.where(np.abs(sy) < 2**31, sy, np.sign(sy) * (2**31 - 1))
    ix, iy = sx.astype(np.int64), sy.astype(np.int64)
    return (ix << np.int64(32)) ^ (iy & np.int64(0xFFFFFFFF))


def display_polygons(
    geoms: NDArray[np.object_], crs: Any, *, simplify_m: float | None = None, coverage: bool = False
) -> NDArray[np.object_]:
    """Polygons in a metric ``crs`` → simplified (optional) → EPSG:4326 → rounded to 5 decimals."""
    polys = np.asarray(geoms, dtype=object)
    if simplify_m:
        polys = _simplify(polys, simplify_m, coverage=coverage)
    lonlat = gpd.GeoSeries(polys, crs=crs).to_crs(DISPLAY_CRS).values
    rounded = shapely.transform(
        np.asarray(lonlat, dtype=object), lambda c: np.round(c, OUTPUT_DECIMALS)
    )
    return np.asarray(rounded, dtype=object)


def geojson_geometry(geom: shapely.Geometry) -> dict[str, Any]:
    """A GeoJSON geometry dict (lists, not tuples) with the geometry's own float values."""
    mapping = shapely.geometry.mapping(geom)
    return {"type": mapping["type"], "coordinates": _lists(mapping["coordinates"])}


# -- helpers ----------------------------------------------------------------------------------------


def _simplify(
    polys: NDArray[np.object_], tolerance_m: float, *, coverage: bool
) -> NDArray[np.object_]:
    if coverage:
        try:
            simplified = shapely.coverage_simplify(polys, tolerance_m)
            if not np.any(shapely.is_empty(simplified)):
                return np.asarray(simplified, dtype=object)
        except shapely.errors.GEOSException:  # pragma: no cover - invalid coverage
            log.info("Boundaries are not a clean coverage; simplifying each polygon on its own")
    return np.asarray(shapely.simplify(polys, tolerance_m, preserve_topology=True), dtype=object)


def _lists(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_lists(v) for v in value]
    return float(value)
