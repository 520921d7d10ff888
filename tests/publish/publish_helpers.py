"""Hand-made incidents for the publication tests: small, seeded, and full of traps.

Six 2 km square neighbourhoods in UTM 17N (around Toronto). One is named with a
``<script>`` tag, one has an accent, "Delta" holds only 3 incidents (must be hidden) and
the sixth none. The incidents carry sensitive categories (must be excluded), an
``event_unique_id`` (must never appear), premises (must never appear) and hour-precise
timestamps (must never appear finer than a month).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

CRS = "EPSG:32617"
X0, Y0 = 620_000.0, 4_830_000.0
SCRIPT_NAME = '<script>window.__xss = 1</script><img src=x onerror="window.__xss=2">'
NAMES = ("Alpha", "Bravo", "Charlie", "Delta", "Échoville", SCRIPT_NAME)
SENSITIVE = ("Sexual Assault", "Domestic Violence - Family")
NOW = pd.Timestamp("2024-06-01")
PREMISES = ("Apartment", "House", "Commercial")


def boundaries_frame() -> gpd.GeoDataFrame:
    """Six 2 km squares: three across, two down."""
    polys = []
    for i in range(6):
        col, row = i % 3, i // 3
        polys.append(
            shapely.box(
                X0 + 2000 * col, Y0 + 2000 * row, X0 + 2000 * (col + 1), Y0 + 2000 * (row + 1)
            )
        )
    return gpd.GeoDataFrame({"name": list(NAMES), "population": np.nan}, geometry=polys, crs=CRS)


def incidents_frame(seed: int = 7) -> gpd.GeoDataFrame:
    """About 900 incidents in the ingest schema (plus an id column)."""
    rng = np.random.default_rng(seed)
    pieces = []
    # A hot cluster in Alpha, background everywhere but Delta and Foxtrot, 3 in Delta.
    pieces.append(rng.normal([X0 + 900, Y0 + 900], 250, size=(420, 2)))
    bg = np.column_stack([rng.uniform(X0, X0 + 6000, 600), rng.uniform(Y0, Y0 + 4000, 600)])
    col = np.floor((bg[:, 0] - X0) / 2000)
    row = np.floor((bg[:, 1] - Y0) / 2000)
    bg = bg[~((col == 0) & (row == 1))]  # Delta (index 3: col 0, row 1)
    pieces.append(bg)
    pieces.append(
        np.array(
            [
                [X0 + 500.123456, Y0 + 2500.654321],
                [X0 + 1500.5, Y0 + 3500.25],
                [X0 + 800.75, Y0 + 3100.125],
            ]
        )
    )
    xy = np.vstack(pieces)
    xy = np.clip(xy, [X0 + 1, Y0 + 1], [X0 + 5999, Y0 + 3999])
    n = len(xy)
    offense = rng.choice(
        ["Assault", "Robbery", "Break and Enter"], size=n, p=[0.6, 0.2, 0.2]
    ).astype(object)
    sensitive_rows = rng.choice(n - 3, size=60, replace=False)
    offense[sensitive_rows] = rng.choice(list(SENSITIVE), size=60)
    seconds = rng.integers(0, 365 * 24 * 3600, size=n)
    occurred = pd.to_datetime("2021-01-01") + pd.to_timedelta(seconds, unit="s")
    occurred = occurred.floor("h")
    occurred = pd.DatetimeIndex(occurred).tz_localize(
        "America/Toronto", ambiguous="NaT", nonexistent="shift_forward"
    )
    occurred = occurred.fillna(pd.Timestamp("2021-06-15 12:00", tz="America/Toronto"))
    # A few incidents in 2020 (outside the published period).
    occurred = occurred.where(np.arange(n) % 50 != 1, occurred - pd.Timedelta(days=366))
    points = shapely.points(xy)
    b = boundaries_frame()
    idx = shapely.STRtree(b.geometry.values).query(points, predicate="within")
    label = np.full(n, None, dtype=object)
    label[idx[0]] = b["name"].to_numpy()[idx[1]]
    frame = gpd.GeoDataFrame(
        {
            "source_row": np.arange(1, n + 1, dtype=np.int64),
            "occurred_at": occurred,
            "offense": pd.array(offense, dtype="string"),
            "neighbourhood": pd.array(label, dtype="string"),
            "premises": pd.array(rng.choice(PREMISES, size=n), dtype="string"),
            "event_unique_id": pd.array(
                [f"GO-2021{i:07d}" for i in rng.permutation(n) + 1_234_000], dtype="string"
            ),
        },
        geometry=points,
        crs=CRS,
    )
    return frame


def artifacts_dir() -> Path:
    """``test-artifacts/publish`` at the project root (gitignored)."""
    path = Path(__file__).resolve().parents[2] / "test-artifacts" / "publish"
    path.mkdir(parents=True, exist_ok=True)
    return path


def embedded_data(html: str) -> dict[str, Any]:
    """The published content embedded in a snapshot page."""
    match = re.search(
        r'<script type="application/json" id="snapshot-data">(.*?)</script>', html, re.DOTALL
    )
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data
