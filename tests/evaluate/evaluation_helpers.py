"""Seeded towns with a planted intervention: a target disc, its buffer ring, a control disc.

Incidents are generated month by month as Poisson counts, uniform within each region, in
the ingest schema (``occurred_at`` tz-aware, ``offense``, points in UTM 17N metres). The
before period is 2020-01..2020-12, the after period 2021-01..2021-12.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

CRS = "EPSG:32617"
X0, Y0 = 630_000.0, 4_840_000.0
EXTENT_M = 6_000.0
TARGET = shapely.Point(X0 + 2_000, Y0 + 3_000).buffer(300, quad_segs=32)
CONTROL = shapely.Point(X0 + 4_500, Y0 + 3_000).buffer(300, quad_segs=32)
#: The control's own ring, the same width as the target's buffer (400 m).
CONTROL_RING = shapely.difference(CONTROL.buffer(400, quad_segs=32), CONTROL)
BEFORE = "2020-01..2020-12"
AFTER = "2021-01..2021-12"
MONTHS = pd.period_range("2020-01", "2021-12", freq="M")


def frame(geometry: shapely.Geometry, name: str = "area") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [name]}, geometry=[geometry], crs=CRS)


def town(
    seed: int,
    *,
    drop: float = 0.0,
    buffer_drop: float = 0.0,
    displaced: float = 0.0,
    background_per_month: float = 300.0,
    hot_per_month: float = 40.0,
    target_trend_per_year: float = 0.0,
    months: pd.PeriodIndex = MONTHS,
) -> gpd.GeoDataFrame:
    """Incidents of one seeded town.

    Parameters
    ----------
    drop : share of the target's incidents removed after the intervention.
    buffer_drop : share of the buffer's incidents removed after (diffusion of benefits).
    displaced : incidents moved into the buffer after, as a share of those removed from
        the target (displacement).
    background_per_month : uniform incidents a month over the 6 x 6 km town.
    hot_per_month : extra incidents a month in the target disc and in the control disc.
    target_trend_per_year : relative yearly growth of the target's extra incidents.
    """
    rng = np.random.default_rng(seed)
    buffer = shapely.difference(TARGET.buffer(400, quad_segs=32), TARGET)
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    stamps: list[np.ndarray] = []
    for i, month in enumerate(months):
        after = month >= pd.Period("2021-01", freq="M")
        growth = (1.0 + target_trend_per_year) ** (i / 12.0)
        x = [rng.uniform(X0, X0 + EXTENT_M, rng.poisson(background_per_month))]
        y = [rng.uniform(Y0, Y0 + EXTENT_M, len(x[0]))]
        for disc, rate in ((TARGET, hot_per_month * growth), (CONTROL, hot_per_month)):
            px, py = _in_disc(disc, rng.poisson(rate), rng)
            x.append(px)
            y.append(py)
        mx, my = np.concatenate(x), np.concatenate(y)
        if after:
            in_target = shapely.contains_xy(TARGET, mx, my)
            in_buffer = shapely.contains_xy(buffer, mx, my)
            removed = in_target & (rng.random(len(mx)) < drop)
            removed |= in_buffer & (rng.random(len(mx)) < buffer_drop)
            n_moved = rng.binomial(int((removed & in_target).sum()), displaced) if displaced else 0
            bx, by = _in_ring(buffer, n_moved, rng)
            mx = np.concatenate([mx[~removed], bx])
            my = np.concatenate([my[~removed], by])
        start = month.start_time.value
        seconds = rng.uniform(0, month.end_time.value - start, len(mx)).astype(np.int64)
        xs.append(mx)
        ys.append(my)
        stamps.append(start + seconds)
    times = pd.to_datetime(np.concatenate(stamps)).tz_localize(
        "America/Toronto", ambiguous="NaT", nonexistent="shift_forward"
    )
    x, y = np.concatenate(xs), np.concatenate(ys)
    keep = ~pd.isna(times)
    return gpd.GeoDataFrame(
        {
            "source_row": np.arange(1, int(keep.sum()) + 1, dtype=np.int64),
            "occurred_at": times[keep],
            "offense": np.where(rng.random(int(keep.sum())) < 0.5, "Assault", "Robbery"),
        },
        geometry=gpd.points_from_xy(x[keep], y[keep]),
        crs=CRS,
    )


def _in_disc(
    disc: shapely.Geometry, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    centre = disc.centroid
    radius = np.sqrt(disc.area / np.pi) * np.sqrt(rng.random(n))
    angle = rng.uniform(0, 2 * np.pi, n)
    return centre.x + radius * np.cos(angle), centre.y + radius * np.sin(angle)


def _in_ring(
    ring: shapely.Geometry, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    xmin, ymin, xmax, ymax = ring.bounds
    xs: list[float] = []
    ys: list[float] = []
    while len(xs) < n:
        x = rng.uniform(xmin, xmax, 4 * n + 8)
        y = rng.uniform(ymin, ymax, 4 * n + 8)
        ok = shapely.contains_xy(ring, x, y)
        xs.extend(x[ok].tolist())
        ys.extend(y[ok].tolist())
    return np.array(xs[:n]), np.array(ys[:n])
