"""Publishable geometry: aggregated polygons only, rounded, and never on an incident location.

Published coordinates are longitude/latitude rounded to :data:`OUTPUT_DECIMALS`
decimals (about 1 m). A published vertex *exposes* an incident when both coordinates
round to the same values at the **comparison precision** ``d = min(input decimals,
OUTPUT_DECIMALS)`` — i.e. it is the incident's location as precisely as the input or
the output can say it. Polygon vertices come from boundaries and from a regular grid, so
they coincide with an incident only by chance; when one does, it is moved to the
nearest free position on the ``d`` lattice (rings of 1, 2, 3 … steps, in a fixed
order), the same way for every polygon that shares it, so shared edges stay shared.
For inputs given to 5 or more decimals a move is about 1 m; for coarse inputs (say 3
decimals, about 100 m) a few vertices move by one input step. The audit re-checks every
output with the same rule (:func:`exposure_keys`).
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray

from hotspots.errors import PrivacyError
from hotspots.spatial.projection import DISPLAY_CRS

log = logging.getLogger(__name__)

#: Decimals of published longitude/latitude (1e-5 degree is about 1.1 m of latitude).
OUTPUT_DECIMALS = 5
#: Largest number of decimals looked for when estimating an input's precision.
MAX_DECIMALS = 8
#: Rings of lattice steps tried when moving a vertex off an incident.
_MAX_RINGS = 4


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
    v = v[np.isfinite(v)]
    if v.size == 0:
        return max_decimals
    sample = v[:: max(1, v.size // 50_000)]
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


def keep_away_from_incidents(
    geoms: NDArray[np.object_], incident_keys: NDArray[np.int64], decimals: int
) -> tuple[NDArray[np.object_], int]:
    """Move every vertex that exposes an incident (see module docstring) to a free lattice spot.

    Parameters
    ----------
    geoms : array of polygons in EPSG:4326, rounded to :data:`OUTPUT_DECIMALS`.
    incident_keys : sorted unique :func:`exposure_keys` of every input incident.
    decimals : comparison precision ``d``.

    Returns
    -------
    (geometries, number of distinct vertices moved)
    """
    geoms = np.asarray(geoms, dtype=object)
    coords = shapely.get_coordinates(geoms)
    if coords.size == 0 or incident_keys.size == 0:
        return geoms, 0
    unique, inverse = np.unique(coords, axis=0, return_inverse=True)
    bad = np.flatnonzero(_exposes(unique, incident_keys, decimals))
    if bad.size == 0:
        return geoms, 0
    step = 10.0 ** (-decimals)
    moved = unique.copy()
    todo = bad
    for ring in range(1, _MAX_RINGS + 1):
        offsets = _ring_offsets(ring) * step
        candidates = np.round(moved[todo][:, None, :] + offsets[None, :, :], OUTPUT_DECIMALS)
        free = ~_exposes(candidates.reshape(-1, 2), incident_keys, decimals).reshape(
            candidates.shape[:2]
        )
        has = free.any(axis=1)
        first = np.argmax(free, axis=1)
        moved[todo[has]] = candidates[has, first[has]]
        todo = todo[~has]
        if todo.size == 0:
            break
    if todo.size:
        raise PrivacyError(
            f"Rule 'no incident coordinates' failed: {todo.size} polygon vertex(es) could not be moved off "
            "the incident locations around them. Use a larger cell size or simpler boundaries. Nothing was written."
        )
    log.info(
        "Moved %d polygon vertex(es) that coincided with an incident location (precision 1e-%d degree)",
        bad.size,
        decimals,
    )
    out = shapely.set_coordinates(geoms.copy(), moved[inverse.ravel()])
    return np.asarray(out, dtype=object), int(bad.size)


def geojson_geometry(geom: shapely.Geometry) -> dict[str, Any]:
    """A GeoJSON geometry dict (lists, not tuples) with the geometry's own float values."""
    mapping = shapely.geometry.mapping(geom)
    return {"type": mapping["type"], "coordinates": _lists(mapping["coordinates"])}


def bounds_lonlat(geoms: NDArray[np.object_]) -> list[float]:
    """[west, south, east, north] of the published polygons (their own vertices)."""
    b = shapely.total_bounds(np.asarray(geoms, dtype=object))
    return [float(v) for v in b]


# -- helpers ----------------------------------------------------------------------------------------


def _exposes(
    coords: NDArray[np.float64], incident_keys: NDArray[np.int64], decimals: int
) -> NDArray[np.bool_]:
    keys = exposure_keys(coords[:, 0], coords[:, 1], decimals)
    return np.isin(keys, incident_keys)


def _ring_offsets(ring: int) -> NDArray[np.float64]:
    """Lattice offsets at Chebyshev distance ``ring``, nearest first, in a fixed order."""
    r = np.arange(-ring, ring + 1)
    dx, dy = np.meshgrid(r, r, indexing="xy")
    on_ring = np.maximum(np.abs(dx), np.abs(dy)) == ring
    pts = np.column_stack([dx[on_ring], dy[on_ring]]).astype(np.float64)
    order = np.lexsort((pts[:, 1], pts[:, 0], np.hypot(pts[:, 0], pts[:, 1])))
    return pts[order]


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
