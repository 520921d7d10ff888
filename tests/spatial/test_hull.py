"""The convex hull from coordinate arrays equals Shapely's hull of all the points."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from hotspots.blocks import BLOCK
from hotspots.spatial.hull import _extremes, convex_hull_xy


@pytest.mark.parametrize("n", [3, 10, 1_000, 200_000])
@pytest.mark.parametrize("shape", ["normal", "uniform", "sheared"])
def test_equals_the_hull_of_all_points(n: int, shape: str) -> None:
    rng = np.random.default_rng(n)
    if shape == "normal":
        x, y = rng.normal(size=n) * 900, rng.normal(size=n) * 300
    elif shape == "uniform":
        x, y = rng.uniform(0, 30_000, n), rng.uniform(0, 10_000, n)
    else:
        x = rng.uniform(0, 1_000, n)
        y = 3 * x + rng.normal(size=n)
    expected = shapely.convex_hull(shapely.multipoints(np.column_stack([x, y])))
    assert convex_hull_xy(x, y).equals(expected)


def test_degenerate_inputs() -> None:
    assert convex_hull_xy(np.array([1.0, 1.0]), np.array([2.0, 2.0])).equals(shapely.Point(1, 2))
    line = convex_hull_xy(np.arange(5.0), np.arange(5.0))
    assert line.equals(shapely.LineString([(0, 0), (4, 4)]))
    assert convex_hull_xy(np.array([np.nan, 1.0, 2.0, 1.0]), np.array([0.0, 0, 0, 1])).area == 0.5
    assert convex_hull_xy(np.array([]), np.array([])).is_empty


def test_many_blocks_and_ties_between_blocks() -> None:
    """Points over several blocks (:data:`hotspots.blocks.BLOCK`), with the extremes repeated
    in later blocks: the extremes are np.argmin's/np.argmax's (the first of equals) and the
    hull is Shapely's."""
    rng = np.random.default_rng(3)
    n = 3 * BLOCK + 17
    x, y = rng.uniform(0, 1_000, n), rng.uniform(0, 500, n)
    x[[5, BLOCK + 5, 2 * BLOCK + 9]] = -1.0  # equal minima of x in three blocks
    y[[BLOCK + 3, 3 * BLOCK + 1]] = 600.0  # equal maxima of y
    x[[7, n - 1]], y[[7, n - 1]] = 2_000.0, -100.0  # the same corner twice
    d, s = x - y, x + y
    assert _extremes(x, y) == [
        int(np.argmin(x)), int(np.argmin(d)), int(np.argmin(y)), int(np.argmax(s)),
        int(np.argmax(x)), int(np.argmax(d)), int(np.argmax(y)), int(np.argmin(s)),
    ]  # fmt: skip
    expected = shapely.convex_hull(shapely.multipoints(np.column_stack([x, y])))
    assert convex_hull_xy(x, y).equals(expected)
