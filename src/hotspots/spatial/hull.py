"""The convex hull of many points from their coordinate arrays (no Shapely object per point).

Akl–Toussaint: the eight extreme points (min/max of x, y, x + y and x - y) lie on the hull,
so every point strictly inside their octagon can be dropped in a few vectorised passes;
the hull of the few that remain (distinct coordinates only) is the hull of them all.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

from hotspots.blocks import in_blocks


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
    candidates = np.unique(_outside_octagon(xs, ys), axis=0)
    return shapely.convex_hull(shapely.multipoints(candidates))


def _outside_octagon(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """The points (rows of x, y) not strictly inside the octagon of the extreme points."""
    corners = _octagon(x, y)
    if corners is None:
        return np.column_stack([x, y])
    edges = list(zip(corners, np.roll(corners, -1, axis=0), strict=True))
    box = _box_inside(corners, edges)  # a box inside the octagon: four comparisons for most

    def outside(span: slice) -> NDArray[np.float64]:
        xb, yb = x[span], y[span]
        if box is None:
            inside = np.zeros(xb.size, dtype=bool)
        else:
            x0, y0, x1, y1 = box
            inside = (xb > x0) & (xb < x1) & (yb > y0) & (yb < y1)
        rest = np.flatnonzero(~inside)
        xr, yr = xb[rest], yb[rest]
        keep = np.ones(rest.size, dtype=bool)
        for (ax, ay), (bx, by) in edges:
            keep &= (bx - ax) * (yr - ay) - (by - ay) * (xr - ax) > 0
        return np.column_stack([xr[~keep], yr[~keep]])

    return np.concatenate(in_blocks(x.size, outside))


def _octagon(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """The distinct extreme points (min/max of x, y, x + y and x - y; the first of equals)
    in counter-clockwise order, or None when they are fewer than three."""
    picks = _extremes(x, y)
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
    return corners if len(corners) >= 3 else None


#: The extremes in the octagon's order: (which of x, x - y, y, x + y; largest?).
_EXTREMES = (
    (0, False),
    (1, False),
    (2, False),
    (3, True),
    (0, True),
    (1, True),
    (2, True),
    (3, False),
)


def _extremes(x: NDArray[np.float64], y: NDArray[np.float64]) -> list[int]:
    """Positions of the extremes of :data:`_EXTREMES`, as ``np.argmin``/``np.argmax`` give
    them (the first of equal values), found a block at a time."""

    def block(span: slice) -> list[tuple[float, int]]:
        xb, yb = x[span], y[span]
        values = (xb, xb - yb, yb, xb + yb)
        found = []
        for which, largest in _EXTREMES:
            at = int(np.argmax(values[which]) if largest else np.argmin(values[which]))
            found.append((float(values[which][at]), span.start + at))
        return found

    per_block = in_blocks(x.size, block)
    picks = []
    for k, (_, largest) in enumerate(_EXTREMES):
        best_value, best_at = per_block[0][k]
        for found in per_block[1:]:
            value, at = found[k]
            if (value > best_value) if largest else (value < best_value):  # ties: the first
                best_value, best_at = value, at
        picks.append(best_at)
    return picks


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
