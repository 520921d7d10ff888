"""Helpers for the outreach planner tests: seeded instances and a brute-force optimum."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from scipy.spatial.distance import cdist

#: A projected CRS in metres (WGS 84 / UTM zone 16N); coordinates below are inside it.
UTM16 = 32616
X0, Y0 = 440_000.0, 4_630_000.0


def random_instance(
    seed: int,
    *,
    n_demand: int = 45,
    n_candidates: int = 10,
    side_m: float = 4_000.0,
    areas: Sequence[str] = ("North", "South", "East"),
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Clustered demand (integer weights, some zero) and candidates in a square, seeded."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, side_m, (4, 2))
    which = rng.integers(0, 4, n_demand)
    xy = centres[which] + rng.normal(0, side_m / 10, (n_demand, 2))
    demand = gpd.GeoDataFrame(
        {
            "weight": rng.integers(0, 6, n_demand).astype(float),
            "hood": np.asarray(areas, dtype=object)[rng.integers(0, len(areas), n_demand)],
        },
        geometry=shapely.points(xy + np.array([X0, Y0])),
        crs=UTM16,
    )
    cxy = rng.uniform(0, side_m, (n_candidates, 2))
    candidates = gpd.GeoDataFrame(
        {"name": [f"Site {j}" for j in range(n_candidates)]},
        geometry=shapely.points(cxy + np.array([X0, Y0])),
        crs=UTM16,
    )
    return demand, candidates


def within(demand: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, radius_m: float) -> np.ndarray:
    """Dense boolean coverage (demand x candidates) computed the slow, obvious way."""
    d = shapely.get_coordinates(demand.geometry.values)
    c = shapely.get_coordinates(candidates.geometry.values)
    return cdist(d, c) <= radius_m


def brute_force_best(
    cover: np.ndarray, weight: np.ndarray, *, k: int, fixed: Sequence[int] = ()
) -> float:
    """Best covered weight over every k-subset of candidates containing ``fixed``."""
    fixed = list(fixed)
    free = [j for j in range(cover.shape[1]) if j not in fixed]
    best = 0.0
    for extra in itertools.combinations(free, k - len(fixed)):
        chosen = fixed + list(extra)
        best = max(best, float(weight[cover[:, chosen].any(axis=1)].sum()))
    return best
