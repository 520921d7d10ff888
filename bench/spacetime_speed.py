"""Space-time analyses on the bundled Toronto data: time against budgets and baselines.

    .venv/bin/python bench/spacetime_speed.py [--repeat 3] [--permutations 999]

Prints a Markdown table (paste it into the README). Nothing here is a test. Budgets from
issue 11, each measured against a baseline in the same run (best of ``--repeat``):

1. emerging — ``emerging_hotspots`` on Toronto 2014–2021, monthly (96 intervals), 250 m
   square cells over the bundled neighbourhoods (Gi* per month with FDR, Mann–Kendall per
   cell); budget 20 s. Baseline: ``analyze`` (one Gi* map, no LISA) on the same incidents
   and grid — what an analyst ran before, so the ratio is the price of 96 maps and a trend.
2. knox — ``knox_test`` on the last 20,000 Toronto break-ins (real places and dates),
   bands 0/100/200/400 m × 0/7/14/28 days, ``--permutations`` shuffles; budget 10 s.
   Baseline: the same test written plainly (one shuffle at a time, ``np.histogram2d`` on the
   same KD-tree pairs), run with 99 shuffles and scaled per shuffle.
3. clusters — ``point_clusters`` (HDBSCAN, leaf) on the same 20,000 break-ins; baseline
   DBSCAN (eps 100 m) on the same points. No budget; for the README.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely
from scipy.spatial import cKDTree

from hotspots.analysis import analyze
from hotspots.ingest import datasets, load_boundaries, load_incidents
from hotspots.spatial.filters import Filters, apply_filters
from hotspots.stats.clusters import point_clusters
from hotspots.stats.emerging import emerging_hotspots
from hotspots.stats.near_repeat import knox_test, local_day_numbers

EMERGING_BUDGET_S = 20.0
KNOX_BUDGET_S = 10.0
DISTANCE = (0.0, 100.0, 200.0, 400.0)
DAYS = (0, 7, 14, 28)
FILTERS = Filters(start="2014-01-01", end="2021-12-31")


#: CPU seconds of the best run, by label (the machine is shared: wall time includes waiting).
CPU: dict[str, float] = {}


def best_of(repeat: int, run: Callable[[], Any], *, label: str = "") -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs (seconds) and the last result; its CPU time in CPU."""
    times, result = [], None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = run()
        times.append(time.perf_counter() - start)
        if times[-1] == min(times):
            CPU[label] = time.process_time() - cpu
    return min(times), result


def plain_knox(xy: np.ndarray, days: np.ndarray, permutations: int, seed: int) -> np.ndarray:
    """The Knox counts written plainly: one shuffle at a time, histogram2d per shuffle."""
    pairs = cKDTree(xy).query_pairs(DISTANCE[-1], output_type="ndarray")
    gap = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    rng = np.random.default_rng(seed)
    edges_t = np.array(DAYS, dtype=float) + np.array([0.0, 0.5, 0.5, 0.5])
    sims = []
    for _ in range(permutations):
        t = rng.permutation(days)
        dt = np.abs(t[pairs[:, 0]] - t[pairs[:, 1]]).astype(float)
        counts, _, _ = np.histogram2d(gap, dt, bins=[np.array(DISTANCE), edges_t])
        sims.append(counts)
    return np.asarray(sims)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (best is reported)")
    parser.add_argument("--permutations", type=int, default=999, help="Knox shuffles (999)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    boundaries = load_boundaries(datasets.toronto_boundaries_path())
    incidents = load_incidents(datasets.toronto_incidents_path(), quiet=True).incidents
    rows: list[tuple[str, str, str, str, str]] = []

    t_em, result = best_of(
        args.repeat,
        lambda: emerging_hotspots(
            incidents,
            interval="month",
            cell_size_m=250.0,
            boundaries=boundaries,
            filters=FILTERS,
            quiet=True,
        ),
        label="emerging",
    )
    t_an, _ = best_of(
        args.repeat,
        lambda: analyze(
            incidents,
            boundaries=boundaries,
            filters=FILTERS,
            cell_size_m=250.0,
            lisa=False,
            quiet=True,
        ),
        label="analyze",
    )
    params = result.params
    rows.append(
        (
            f"emerging, {params['cells']:,} cells × {params['intervals']} months "
            f"({params['inference']})",
            f"{t_em:.1f} s ({CPU['emerging']:.1f} s CPU)",
            f"{EMERGING_BUDGET_S:g} s",
            f"analyze (one Gi* map) {t_an:.1f} s ({CPU['analyze']:.1f} s CPU)",
            f"{t_em / t_an:.1f}×",
        )
    )

    burglaries = apply_filters(incidents, Filters(offenses=("Break and Enter",)))
    burglaries = burglaries.sort_values("occurred_at").tail(20_000)
    xy = shapely.get_coordinates(burglaries.geometry.values)
    days = local_day_numbers(burglaries["occurred_at"])
    t_knox, knox = best_of(
        args.repeat,
        lambda: knox_test(
            xy,
            days,
            distance_bands_m=DISTANCE,
            day_bands=DAYS,
            permutations=args.permutations,
            rng=0,
        ),
        label="knox",
    )
    plain_reps = 99
    t_plain, _ = best_of(1, lambda: plain_knox(xy, days, plain_reps, 0), label="plain")
    t_plain_scaled = t_plain / plain_reps * args.permutations
    rows.append(
        (
            f"knox, {len(days):,} break-ins, {knox.pairs_within_reach:,} pairs, "
            f"{args.permutations} shuffles",
            f"{t_knox:.1f} s ({CPU['knox']:.1f} s CPU)",
            f"{KNOX_BUDGET_S:g} s",
            f"plain loop {t_plain_scaled:.1f} s, {CPU['plain'] / plain_reps * args.permutations:.1f} s "
            f"CPU (99 shuffles × {args.permutations / 99:.1f})",
            f"{t_knox / t_plain_scaled:.2f}×",
        )
    )

    t_hdb, clusters = best_of(
        args.repeat,
        lambda: point_clusters(burglaries, method="hdbscan", min_cluster_size=25),
        label="hdbscan",
    )
    t_db, _ = best_of(args.repeat, lambda: point_clusters(burglaries, method="dbscan", eps_m=100.0))
    rows.append(
        (
            f"clusters (HDBSCAN leaf), {len(burglaries):,} break-ins, {len(clusters.clusters)} "
            "clusters",
            f"{t_hdb:.1f} s ({CPU['hdbscan']:.1f} s CPU)",
            "–",
            f"DBSCAN 100 m {t_db:.2f} s",
            f"{t_hdb / t_db:.0f}×",
        )
    )

    print(f"| analysis | wall time (best of {args.repeat}) | budget | baseline, same run | ratio |")
    print("|---|---:|---:|---|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    print("Emerging patterns:", params["pattern_counts"])
    print(knox.table.round(3).to_string(index=False))
    print(knox.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
