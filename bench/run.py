"""Core-engine benchmarks: ratios against baselines measured in the same run.

    .venv/bin/python bench/run.py [--sizes 1000000 10000000] [--repeat 3]

Prints a Markdown table (paste it into the README). Nothing here is a test: timings on
a shared 2-core machine are noisy, so we report the best of ``--repeat`` runs and the
ratio against a baseline timed in the same process moments apart.

Measured:
1. grid assignment — ``Grid.locate`` vs ``geopandas.sjoin`` into the same cell polygons,
   and vs a bare NumPy ``floor`` + ``bincount`` (the floor of what is possible);
2. neighbourhood assignment — ``units.locate_in_polygons`` (STRtree) vs ``sjoin``;
3. Gi* on a 300 × 300 grid — ours (array shifts) vs esda ``G_Local`` with libpysal Queen
   weights (weights construction included, permutations=0), confirming identical z;
4. end to end — CSV of 1M incidents → ``load_incidents`` → ``analyze`` → hotspot table;
5. peak memory (tracemalloc) of each of our steps.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import tempfile
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from hotspots.analysis import analyze
from hotspots.ingest import load_incidents
from hotspots.ingest.synthetic import PlantedHotspot, synthetic_csv, synthetic_incidents
from hotspots.spatial.grids import make_grid
from hotspots.spatial.units import locate_in_polygons
from hotspots.stats.weights import grid_contiguity

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import best_of

# A Toronto-sized extent in UTM 17N (30 km x 30 km) and 250 m cells: 14,400 cells.
EXTENT = (620_000.0, 4_830_000.0, 650_000.0, 4_860_000.0)
CELL_SIZE_M = 250.0
CRS = 32617
ROWS: list[tuple[str, str, str, str]] = []


def peak_mib(func: Callable[[], Any]) -> float:
    """Peak traced memory (MiB) allocated while ``func`` runs."""
    gc.collect()
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def row(what: str, ours: str, baseline: str, ratio: str) -> None:
    ROWS.append((what, ours, baseline, ratio))
    print(f"  {what}: ours {ours}, baseline {baseline}, {ratio}", flush=True)


def bench_grid_assignment(n: int, repeat: int, *, with_sjoin: bool) -> None:
    pts = synthetic_incidents(n, extent_m=EXTENT, crs=CRS, hotspots=20, rng=1).incidents
    xy = shapely.get_coordinates(pts.geometry.values)
    x, y = xy[:, 0].copy(), xy[:, 1].copy()
    grid = make_grid(shapely.box(*EXTENT), crs=pts.crs, cell_size_m=CELL_SIZE_M, quiet=True)

    def ours() -> np.ndarray:
        ids = grid.locate(x, y)
        return np.bincount(ids[ids >= 0], minlength=grid.n_rows * grid.n_cols)

    def bare() -> np.ndarray:
        col = np.floor((x - EXTENT[0]) / CELL_SIZE_M).astype(np.int64)
        r = np.floor((y - EXTENT[1]) / CELL_SIZE_M).astype(np.int64)
        ok = (col >= 0) & (col < grid.n_cols) & (r >= 0) & (r < grid.n_rows)
        return np.bincount(r[ok] * grid.n_cols + col[ok], minlength=grid.n_rows * grid.n_cols)

    t_ours, counts = best_of(repeat, ours)
    t_bare, counts_bare = best_of(repeat, bare)
    if not np.array_equal(counts, counts_bare):
        raise SystemExit("grid assignment differs from the bare NumPy baseline")
    row(
        f"grid assignment, {n:,} points → {grid.n_cells:,} cells vs bare NumPy",
        f"{t_ours:.3f} s",
        f"{t_bare:.3f} s",
        f"{t_ours / t_bare:.2f}x the bare time",
    )
    if with_sjoin:
        cells = grid.to_geodataframe()

        def sjoin() -> np.ndarray:
            joined = gpd.sjoin(
                pts[["geometry"]], cells[["cell_id", "geometry"]], how="inner", predicate="within"
            )
            return np.bincount(joined["cell_id"].to_numpy(), minlength=grid.n_rows * grid.n_cols)

        t_sjoin, counts_sjoin = best_of(1, sjoin)
        if not np.array_equal(counts, counts_sjoin):
            raise SystemExit("grid assignment differs from sjoin")
        row(
            f"grid assignment, {n:,} points vs geopandas.sjoin",
            f"{t_ours:.3f} s",
            f"{t_sjoin:.2f} s",
            f"{t_sjoin / t_ours:.0f}x faster",
        )
    row(f"grid assignment, {n:,} points: peak memory", f"{peak_mib(ours):.0f} MiB", "-", "-")


def bench_neighbourhoods(n: int, repeat: int) -> None:
    pts = synthetic_incidents(n, extent_m=EXTENT, crs=CRS, rng=2).incidents
    # 140 irregular "neighbourhoods": Voronoi cells of random seeds, like Toronto's.
    seeds = np.random.default_rng(3).uniform(EXTENT[:2], EXTENT[2:], size=(140, 2))
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=shapely.box(*EXTENT))
    polys = gpd.GeoDataFrame(
        {"name": [f"N{i}" for i in range(140)]},
        geometry=shapely.intersection(shapely.get_parts(cells), shapely.box(*EXTENT)),
        crs=CRS,
    )
    t_ours, idx = best_of(repeat, lambda: locate_in_polygons(pts.geometry, polys))
    t_sjoin, joined = best_of(
        1, lambda: gpd.sjoin(pts[["geometry"]], polys, how="left", predicate="intersects")
    )
    if int((idx >= 0).sum()) != int(joined.index.unique().size):
        raise SystemExit("neighbourhood assignment differs from sjoin")
    row(
        f"neighbourhood assignment, {n:,} points → 140 polygons vs sjoin",
        f"{t_ours:.2f} s",
        f"{t_sjoin:.2f} s",
        f"{t_sjoin / t_ours:.1f}x faster",
    )


def bench_gistar(repeat: int) -> None:
    import esda
    import libpysal

    from hotspots.stats.gistar import gi_star

    side = 300
    grid = make_grid(
        shapely.box(0, 0, side * 100.0, side * 100.0), crs=CRS, cell_size_m=100.0, quiet=True
    )
    values = np.random.default_rng(4).poisson(3.0, grid.n_cells).astype(np.float64)

    t_ours, ours = best_of(repeat, lambda: gi_star(values, grid_contiguity(grid)))

    def esda_path() -> np.ndarray:
        w = libpysal.weights.lat2W(side, side, rook=False)
        # lat2W numbers cells row by row from the top; ours from the bottom row: flip.
        y = values.reshape(side, side)[::-1].ravel()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            z = esda.G_Local(y, w, transform="B", star=True, permutations=0).Zs
        return np.asarray(z).reshape(side, side)[::-1].ravel()

    t_esda, z_esda = best_of(1, esda_path)
    diff = float(np.max(np.abs(ours.z - z_esda)))
    if diff > 1e-9:
        raise SystemExit(f"Gi* differs from esda by {diff}")
    row(
        f"Gi* on a {side} × {side} grid vs esda G_Local + libpysal Queen (max |Δz| = {diff:.1e})",
        f"{t_ours * 1000:.0f} ms",
        f"{t_esda:.2f} s",
        f"{t_esda / t_ours:.0f}x faster",
    )
    big = make_grid(shapely.box(0, 0, 100_000.0, 100_000.0), crs=CRS, cell_size_m=100.0, quiet=True)
    big_values = np.random.default_rng(5).poisson(3.0, big.n_cells).astype(np.float64)
    t_big, _ = best_of(repeat, lambda: gi_star(big_values, grid_contiguity(big)))
    row("Gi* on a 1,000 × 1,000 grid", f"{t_big:.2f} s", "-", "-")


def bench_end_to_end(n: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = synthetic_csv(
            Path(tmp) / "incidents.csv", n, extent_m=EXTENT, crs=CRS, hotspots=20, rng=6
        )
        size_mb = path.stat().st_size / 1e6

        def run(lisa: bool) -> Any:
            load = load_incidents(path, timezone="America/Toronto", quiet=True)
            return analyze(load.table, cell_size_m=CELL_SIZE_M, lisa=lisa, quiet=True).hotspots

        t_gi, table = best_of(repeat, lambda: run(False))
        t_all, _ = best_of(repeat, lambda: run(True))
        row(
            f"end to end, CSV of {n:,} incidents ({size_mb:.0f} MB) → hotspot table (Gi* + FDR)",
            f"{t_gi:.2f} s",
            "-",
            f"{len(table)} hot cells",
        )
        row(
            f"end to end, {n:,} incidents, with Local Moran (999 permutations)",
            f"{t_all:.2f} s",
            "-",
            "-",
        )
        row(
            f"end to end, {n:,} incidents: peak memory",
            f"{peak_mib(lambda: run(False)):.0f} MiB",
            "-",
            "-",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--sjoin-max", type=int, default=10_000_000, help="largest size to time sjoin on"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    _ = PlantedHotspot  # re-exported for readers of this script
    print(
        f"Python {sys.version.split()[0]}, numpy {np.__version__}, geopandas {gpd.__version__}, shapely {shapely.__version__}"
    )
    for n in args.sizes:
        print(f"{n:,} incidents", flush=True)
        bench_grid_assignment(n, args.repeat, with_sjoin=n <= args.sjoin_max)
        bench_neighbourhoods(n, args.repeat)
    bench_gistar(args.repeat)
    bench_end_to_end(1_000_000, args.repeat)
    print("\n| benchmark | ours | baseline | ratio |\n|---|---|---|---|")
    for what, ours, baseline, ratio in ROWS:
        print(f"| {what} | {ours} | {baseline} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
