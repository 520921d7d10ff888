"""The convex hull of many points from their coordinate arrays (no Shapely object per point).

Akl–Toussaint: the eight extreme points (min/max of x, y, x + y and x - y) lie on the hull,
so every point strictly inside their octagon can be dropped in a few vectorised passes;
the hull of the few that remain (distinct coordinates only) is the hull of them all.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray


def convex_hull_xy(x: NDArray[np.floating], y: NDArray[np.floating]) -> shapely.Geometry:
    """Convex hull of the points (``x``, ``y``); NaN coordinates are ignored.

    Returns a Polygon, or a LineString / Point when the points are collinear or one
    (an empty GeometryCollection when there are none).
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    finite = np.isfinite(xs) & np.isfinite(ys)
    if not finite.all():
        xs, ys = xs[finite], ys[finite]
    if xs.size == 0:
        return shapely.GeometryCollection()
    keep = ~_strictly_inside_octagon(xs, ys)
    candidates = np.unique(np.column_stack([xs[keep], ys[keep]]), axis=0)
    return shapely.convex_hull(shapely.multipoints(candidates))


def _strictly_inside_octagon(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.bool_]:
    s, d = x + y, x - y
    picks = [
        int(np.argmin(x)), int(np.argmin(d)), int(np.argmin(y)), int(np.argmax(s)),
        int(np.argmax(x)), int(np.argmax(d)), int(np.argmax(y)), int(np.argmin(s)),
    ]  # fmt: skip
    corners = np.column_stack([x[picks], y[picks]])
    # Extreme points in angular order around their centre: a convex polygon (counter-clockwise).
    centre = corners.mean(axis=0)
    order = np.argsort(np.arctan2(corners[:, 1] - centre[1], corners[:, 0] - centre[0]))
    corners = corners[order]
    distinct = np.ones(len(corners), dtype=bool)
    distinct[1:] = np.any(corners[1:] != corners[:-1], axis=1)
    corners = corners[distinct]
    if len(corners) > 1 and np.all(corners[-1] == corners[0]):
        corners = corners[:-1]
    if len(corners) < 3:
        return np.zeros(x.size, dtype=bool)
    edges = list(zip(corners, np.roll(corners, -1, axis=0), strict=True))
    # A box inside the octagon answers for most points with four comparisons.
    inside = np.zeros(x.size, dtype=bool)
    box = _box_inside(corners, edges)
    if box is not None:
        x0, y0, x1, y1 = box
        inside = (x > x0) & (x < x1) & (y > y0) & (y < y1)
    rest = np.flatnonzero(~inside)
    xr, yr = x[rest], y[rest]
    keep = np.ones(rest.size, dtype=bool)
    for (ax, ay), (bx, by) in edges:
        keep &= (bx - ax) * (yr - ay) - (by - ay) * (xr - ax) > 0
    inside[rest[keep]] = True
    return inside


def _box_inside(
    corners: NDArray[np.float64], edges: list[tuple[NDArray[np.float64], NDArray[np.float64]]]
) -> tuple[float, float, float, float] | None:
    """The largest of a few shrunken bounding boxes that lies inside the convex polygon."""
    centre = corners.mean(axis=0)
    half = (corners.max(axis=0) - corners.min(axis=0)) / 2.0
    for shrink in (0.95, 0.9, 0.8, 0.7, 0.5, 0.3):
        (x0, y0), (x1, y1) = centre - shrink * half, centre + shrink * half
        box = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
        if all(
            np.all((bx - ax) * (box[:, 1] - ay) - (by - ay) * (box[:, 0] - ax) > 0)
            for (ax, ay), (bx, by) in edges
        ):
            return float(x0), float(y0), float(x1), float(y1)
    return None
