"""Outreach planner speed: exact MCLP with 300 candidates x 20,000 demand points.

    .venv/bin/python bench/outreach_speed.py [--k 10] [--k-max 20] [--radius-m 1000] [--repeat 3]

Targets (issue 5): k = 10 solved exactly in <= 10 s; the coverage curve k = 1..20 in
<= 60 s. Prints a Markdown table (paste it into the README). Nothing here is a test:
timings on a shared machine are noisy, so the single plans report the best of
``--repeat`` runs, and every exact figure is shown next to the greedy heuristic timed in
the same run (the baseline), with the coverage the greedy leaves on the table (its gap).

Scenarios:

1. seeded clustered demand: 20,000 weighted points in a 30 km x 30 km city (70% in 25
   Gaussian clusters, 30% uniform), 300 candidates (half near clusters, half anywhere);
   and a dense stress case: the same in a 10 km x 10 km city with 90% of the candidates
   crowding the clusters, so that each demand point is within reach of many candidates
   (the hardest shape for an exact solver; its greedy gap is the largest);
2. real Toronto demand: the 241,000 bundled incidents aggregated to ~20,000 demand
   points (50 m cells split by neighbourhood, :func:`demand_from_incidents`) with
   (a) the centres of the ~290 significant hot spot cells of a 300 m grid and
   (b) the 140 neighbourhood centroids as candidates.

Times are wall-clock seconds of the whole verb (coverage matrix, model reduction, the
linear relaxation and CBC), as a user of ``plan_outreach`` / ``coverage_curve`` experiences
them. ``--cbc-only`` also times the exact plan and curve the way they ran before the
relaxation proof existed (every model handed to CBC), side by side in the same run: the
"before" of the relaxation, with the same answers.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.analysis import analyze
from hotspots.ingest import datasets, load_boundaries, load_incidents
from hotspots.outreach import coverage_curve, plan_outreach, solvers
from hotspots.outreach.candidates import candidates_from_analysis
from hotspots.outreach.demand import demand_from_incidents

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import best_of

CRS = 32617
EXTENT_M = 30_000.0
X0, Y0 = 620_000.0, 4_830_000.0


@dataclass(frozen=True)
class Scenario:
    name: str
    demand: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame


def clustered(
    n_demand: int, n_candidates: int, *, seed: int, extent_m: float = EXTENT_M, near: float = 0.5
) -> Scenario:
    """Seeded clustered demand (integer weights) and candidates in a square of ``extent_m``.

    ``near`` is the share of candidates placed around the demand clusters (the rest are
    uniform): the more candidates crowd the clusters, the more they overlap and the
    harder the exact problem.
    """
    rng = np.random.default_rng(seed)
    n_clusters = 25
    centres = rng.uniform(0.1 * extent_m, 0.9 * extent_m, (n_clusters, 2))
    spread = rng.uniform(300.0, 1_500.0, n_clusters) * extent_m / EXTENT_M
    in_clusters = int(0.7 * n_demand)
    which = rng.integers(0, n_clusters, in_clusters)
    xy = np.vstack(
        [
            centres[which] + rng.normal(0.0, 1.0, (in_clusters, 2)) * spread[which, None],
            rng.uniform(0.0, extent_m, (n_demand - in_clusters, 2)),
        ]
    )
    demand = gpd.GeoDataFrame(
        {"weight": rng.poisson(3.0, n_demand).astype(float) + 1.0},
        geometry=shapely.points(xy + np.array([X0, Y0])),
        crs=CRS,
    )
    n_near = int(near * n_candidates)
    cxy = np.vstack(
        [
            centres[rng.integers(0, n_clusters, n_near)]
            + rng.normal(0.0, 1.0, (n_near, 2)) * spread[rng.integers(0, n_clusters, n_near), None],
            rng.uniform(0.0, extent_m, (n_candidates - n_near, 2)),
        ]
    )
    candidates = gpd.GeoDataFrame(
        {"name": [f"Site {i}" for i in range(n_candidates)]},
        geometry=shapely.points(cxy + np.array([X0, Y0])),
        crs=CRS,
    )
    return Scenario(
        f"seeded clustered {extent_m / 1000:g} km city (seed {seed}): {n_candidates} candidates "
        f"x {n_demand:,} demand",
        demand,
        candidates,
    )


def toronto(demand_cell_size_m: float) -> list[Scenario]:
    """Toronto demand with hot spot cell centres and neighbourhood centroids as candidates."""
    boundaries = load_boundaries(datasets.toronto_boundaries_path())
    load = load_incidents(datasets.toronto_incidents_path(), boundaries=boundaries, quiet=True)
    analysis = analyze(
        load.incidents, boundaries=boundaries, cell_size_m=300.0, lisa=False, quiet=True
    )
    demand = demand_from_incidents(
        analysis.incidents, cell_size_m=demand_cell_size_m, areas=analysis.areas
    )
    out = []
    for source, label in (("hotspots", "hot spot cells"), ("neighbourhoods", "neighbourhoods")):
        candidates = candidates_from_analysis(analysis, source)  # type: ignore[arg-type]
        out.append(
            Scenario(
                f"Toronto {len(load.incidents):,} incidents: {len(candidates)} {label} x "
                f"{len(demand):,} demand",
                demand,
                candidates,
            )
        )
    return out


@contextmanager
def cbc_only() -> Iterator[None]:
    """Every exact model goes to CBC, as before the relaxation proof (same answers)."""
    proof = solvers._proven_by_relaxation
    solvers._proven_by_relaxation = lambda *args, **kwargs: None
    try:
        yield
    finally:
        solvers._proven_by_relaxation = proof


def run(
    scenario: Scenario, *, k: int, k_max: int, radius_m: float, repeat: int, before: bool
) -> list[str]:
    d, c = scenario.demand, scenario.candidates
    print(f"\n{scenario.name}", flush=True)

    def plan(method: str) -> Any:
        return plan_outreach(d, c, k=k, radius_m=radius_m, weight="weight", method=method)  # type: ignore[arg-type]

    t_exact, exact = best_of(repeat, lambda: plan("exact"))
    t_greedy, quick = best_of(repeat, lambda: plan("greedy"))
    print(f"  k={k}: exact {t_exact:.2f} s ({exact.status}), greedy {t_greedy:.2f} s", flush=True)
    print(f"  {exact.reduction.describe()}", flush=True)
    start = time.perf_counter()
    curve = coverage_curve(d, c, k_max=k_max, radius_m=radius_m, weight="weight", method="both")
    t_curve = time.perf_counter() - start
    t_greedy_curve, _ = best_of(
        repeat,
        lambda: coverage_curve(
            d, c, k_max=k_max, radius_m=radius_m, weight="weight", method="greedy"
        ),
    )
    before_cells: list[str] = []
    if before:
        with cbc_only():
            t_cbc, cbc = best_of(repeat, lambda: plan("exact"))
            start = time.perf_counter()
            cbc_curve = coverage_curve(
                d, c, k_max=k_max, radius_m=radius_m, weight="weight", method="exact"
            )
            t_cbc_curve = time.perf_counter() - start
        same = np.allclose(cbc_curve["covered_weight"], curve["covered_weight"]) and np.isclose(
            cbc.covered_weight, exact.covered_weight
        )
        print(
            f"  CBC only (before): k={k} {t_cbc:.2f} s, curve {t_cbc_curve:.2f} s; "
            f"same optimum: {same}",
            flush=True,
        )
        before_cells = [
            f"{t_cbc:.2f} s",
            f"{t_cbc_curve:.1f} s" + ("" if same else " (different optimum!)"),
        ]
    total = float(curve.attrs["total_weight"])
    gaps = curve["greedy_gap"].to_numpy() / total
    worst = int(np.argmax(gaps))
    proven = int((curve["status"] == "optimal").sum())
    print(
        f"  curve k=1..{k_max}: {t_curve:.2f} s ({proven}/{len(curve)} proven optimal), "
        f"greedy curve {t_greedy_curve:.2f} s; largest greedy gap {gaps[worst]:.2%} at "
        f"k={int(curve['k'].iloc[worst])}",
        flush=True,
    )
    return [
        scenario.name,
        f"{t_exact:.2f} s ({exact.status})",
        f"{t_greedy:.2f} s",
        f"{exact.share:.1%} / {quick.share:.1%}",
        f"{t_curve:.1f} s ({proven}/{len(curve)} optimal)",
        f"{t_greedy_curve:.2f} s",
        f"{gaps.max():.2%} (k={int(curve['k'].iloc[worst])})"
        if gaps.max() > 0
        else "0 (greedy optimal at every k)",
        *before_cells,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--k-max", type=int, default=20)
    parser.add_argument("--radius-m", type=float, default=1_000.0)
    parser.add_argument("--demand", type=int, default=20_000, help="synthetic demand points")
    parser.add_argument("--candidates", type=int, default=300, help="synthetic candidates")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2], help="30 km city")
    parser.add_argument(
        "--dense-seeds",
        type=int,
        nargs="*",
        default=[1],
        help="10 km city, candidates crowding the clusters (the hard case)",
    )
    parser.add_argument(
        "--toronto-cell-size-m",
        type=float,
        default=50.0,
        help="demand cell size for Toronto (50 m gives ~20,000 points)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--cbc-only",
        action="store_true",
        help="also time every exact model solved by CBC alone (before the relaxation proof)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    scenarios = [clustered(args.demand, args.candidates, seed=s) for s in args.seeds]
    scenarios += [
        clustered(args.demand, args.candidates, seed=s, extent_m=10_000.0, near=0.9)
        for s in args.dense_seeds
    ]
    try:
        scenarios += toronto(args.toronto_cell_size_m)
    except Exception as exc:  # the bundled data may be absent in a trimmed checkout
        print(f"Toronto scenarios skipped: {exc}")
    rows = [
        run(
            s,
            k=args.k,
            k_max=args.k_max,
            radius_m=args.radius_m,
            repeat=args.repeat,
            before=args.cbc_only,
        )
        for s in scenarios
    ]
    header = [
        "scenario",
        f"exact k={args.k}",
        f"greedy k={args.k}",
        "share exact / greedy",
        f"exact curve k=1..{args.k_max}",
        "greedy curve",
        "largest greedy gap",
    ]
    if args.cbc_only:
        header += [f"CBC only k={args.k} (before)", f"CBC only curve k=1..{args.k_max} (before)"]
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print(
        f"\nOutreach planner, radius {args.radius_m:,.0f} m; Python {platform.python_version()}, "
        f"pandas {pd.__version__}; best of {args.repeat} (curves with exact: one run)\n"
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
