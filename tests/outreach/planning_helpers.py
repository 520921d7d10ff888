"""Helpers for the planning tests: a small seeded city with neighbourhoods and hot spots."""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
import shapely

from hotspots.analysis import Analysis, analyze
from hotspots.ingest.synthetic import PlantedHotspot, synthetic_incidents

#: WGS 84 / UTM zone 17N, a 6 km x 6 km town (metres).
CRS = 32617
X0, Y0 = 620_000.0, 4_830_000.0
SIDE_M = 6_000.0
EXTENT = (X0, Y0, X0 + SIDE_M, Y0 + SIDE_M)
PLANTED = (
    PlantedHotspot(x=X0 + 1_500.0, y=Y0 + 1_500.0, radius_m=300.0, share=0.10),
    PlantedHotspot(x=X0 + 4_200.0, y=Y0 + 4_500.0, radius_m=300.0, share=0.08),
)
HOODS = (
    "South West", "South", "South East",
    "West", "Centre", "East",
    "North West", "North", "North East",
)  # fmt: skip


def neighbourhoods() -> gpd.GeoDataFrame:
    """Nine square neighbourhoods (3 x 3) covering the town, as load_boundaries returns them."""
    third = SIDE_M / 3
    boxes = [
        shapely.box(X0 + c * third, Y0 + r * third, X0 + (c + 1) * third, Y0 + (r + 1) * third)
        for r in range(3)
        for c in range(3)
    ]
    return gpd.GeoDataFrame(
        {"name": list(HOODS), "population": np.full(len(HOODS), np.nan)}, geometry=boxes, crs=CRS
    )


def town_incidents(n: int = 3_000, seed: int = 5) -> gpd.GeoDataFrame:
    """Seeded incidents (ingest schema, no neighbourhood labels) with two planted hot spots."""
    return synthetic_incidents(n, extent_m=EXTENT, crs=CRS, hotspots=PLANTED, rng=seed).incidents


@cache
def town_analysis(with_areas: bool = True) -> Analysis:
    """The analysis of :func:`town_incidents` on 300 m cells (cached: treat as read-only)."""
    return analyze(
        town_incidents(),
        boundaries=neighbourhoods() if with_areas else None,
        cell_size_m=300.0,
        lisa=False,
        quiet=True,
    )
