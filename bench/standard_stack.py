"""The baseline: hot spots the way a careful analyst would script them with the standard stack.

    python bench/standard_stack.py incidents.csv --out DIR [--cell-size-m 250]

pandas ``read_csv`` (or ``read_parquet``) → GeoDataFrame of points → ``to_crs`` (local UTM)
→ a fishnet of square cells → ``geopandas.sjoin`` → counts → libpysal Queen weights → esda
``G_Local`` (Gi*, binary weights, no permutations) → Benjamini–Hochberg FDR → GeoParquet.
Kept in ``bench/`` as the baseline that ``bench/end_to_end.py`` times ``hotspots analyze``
against (same input, same cells, same statistic). Not part of the library.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import shapely
from scipy.stats import false_discovery_control


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cell-size-m", type=float, default=250.0)
    parser.add_argument("--alpha", type=float, default=0.05)
    args = parser.parse_args(argv)

    if args.source.suffix == ".parquet":
        frame = pd.read_parquet(args.source)
    else:
        frame = pd.read_csv(args.source)
    frame["date"] = pd.to_datetime(frame["date"], format="ISO8601")
    frame = frame.dropna(subset=["lat", "lon", "date"])
    points = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )
    points = points.to_crs(points.estimate_utm_crs())

    size = args.cell_size_m
    xmin, ymin, xmax, ymax = points.total_bounds
    xs = np.arange(np.floor(xmin / size) * size, xmax + size, size)
    ys = np.arange(np.floor(ymin / size) * size, ymax + size, size)
    x0, y0 = np.meshgrid(xs[:-1], ys[:-1])
    fishnet = gpd.GeoDataFrame(
        {"cell_id": np.arange(x0.size)},
        geometry=shapely.box(x0.ravel(), y0.ravel(), x0.ravel() + size, y0.ravel() + size),
        crs=points.crs,
    )

    joined = gpd.sjoin(points[["geometry"]], fishnet, how="inner", predicate="within")
    counts = joined.groupby("cell_id").size()
    fishnet["count"] = counts.reindex(fishnet["cell_id"]).fillna(0).to_numpy()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weights = libpysal.weights.Queen.from_dataframe(fishnet, use_index=False)
        gi = esda.G_Local(
            fishnet["count"].to_numpy(float), weights, transform="B", star=True, permutations=0
        )
    fishnet["gi_z"] = gi.Zs
    fishnet["gi_p"] = 2 * gi.p_norm  # esda gives the one-sided normal p-value of |z|
    fishnet["gi_p_fdr"] = false_discovery_control(fishnet["gi_p"].to_numpy())
    fishnet["hotspot"] = (fishnet["gi_p_fdr"] <= args.alpha) & (fishnet["gi_z"] > 0)

    args.out.mkdir(parents=True, exist_ok=True)
    fishnet.to_parquet(args.out / "cells.parquet")
    print(f"{len(points):,} incidents, {len(fishnet):,} cells, {int(fishnet['hotspot'].sum())} hot")
    return 0


if __name__ == "__main__":
    sys.exit(main())
