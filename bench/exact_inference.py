"""Exact Gi* / Local Moran p-values on the bundled Toronto data, against the baselines.

    .venv/bin/python bench/exact_inference.py [--cell-size-m 250] [--repeat 3] [--esda-permutations 999]

Prints a Markdown table (paste it into the README). Nothing here is a test: timings on a
shared 2-core machine are noisy, so each row is the best of ``--repeat`` runs, and the
ratios are against baselines timed in the same process moments apart:

1. exact Gi* (``gi_star(inference="exact")``) vs the normal approximation
   (``inference="normal"``) on the same counts — the cost of exactness;
2. exact Local Moran vs our own 999-permutation Local Moran, and vs esda ``G_Local`` /
   ``Moran_Local`` with ``--esda-permutations`` (a count that is feasible here; with
   Benjamini–Hochberg over m cells a Monte-Carlo test needs ``R >= 2 m / alpha - 1``
   permutations before any cell can pass, printed for reference);
3. what the map says: hot / near / cold cells under each inference.

The counts are all 240,992 bundled incidents (2014–2021) on a square grid of
``--cell-size-m`` over the city's convex hull, queen contiguity.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from hotspots.analysis import analyze
from hotspots.ingest import datasets, load_incidents
from hotspots.stats.exact import forget_distributions
from hotspots.stats.gistar import gi_star
from hotspots.stats.lisa import local_moran
from hotspots.stats.weights import grid_contiguity

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import best_of

T = TypeVar("T")


def _fresh(run: Callable[[], T]) -> T:
    forget_distributions()
    return run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell-size-m", type=float, default=250.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--esda-permutations", type=int, default=999)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    incidents = load_incidents(datasets.toronto_incidents_path()).incidents
    result = analyze(incidents, cell_size_m=args.cell_size_m, lisa=False, quiet=True)
    counts = result.cells["count"].to_numpy(dtype=np.float64)
    neighbours = grid_contiguity(result.grid)
    m = counts.size
    rows: list[tuple[str, str, str]] = []

    normal_s, normal = best_of(args.repeat, lambda: gi_star(counts, neighbours, inference="normal"))
    # Each exact run starts without the all-units table that the analysis above (and the run
    # before) left for reuse: what a new map costs, not a cache hit.
    exact_s, exact = best_of(args.repeat, lambda: _fresh(lambda: gi_star(counts, neighbours)))
    rows.append(("Gi*, normal approximation (baseline)", f"{normal_s * 1000:,.0f} ms", "1×"))
    rows.append(
        (
            "Gi*, exact permutation p-values",
            f"{exact_s * 1000:,.0f} ms",
            f"{exact_s / normal_s:.1f}×",
        )
    )
    perm_s, _ = best_of(
        1, lambda: local_moran(counts, neighbours, permutations=999, inference="permutation")
    )
    lisa_s, _ = best_of(args.repeat, lambda: _fresh(lambda: local_moran(counts, neighbours)))
    rows.append(("Local Moran, 999 random permutations (ours)", f"{perm_s:,.2f} s", "1×"))
    rows.append(
        ("Local Moran, exact p-values", f"{lisa_s * 1000:,.0f} ms", f"{lisa_s / perm_s:.2f}×")
    )

    try:
        import esda
        from libpysal.weights import WSP

        w = WSP(neighbours.to_sparse()).to_W(silence_warnings=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            esda_g_s, _ = best_of(
                1,
                lambda: esda.G_Local(
                    counts, w, transform="B", star=True, permutations=args.esda_permutations, seed=0
                ),
            )
            esda_m_s, _ = best_of(
                1,
                lambda: esda.Moran_Local(
                    counts, w, transformation="r", permutations=args.esda_permutations, seed=0
                ),
            )
        rows.append(
            (
                f"esda G_Local, {args.esda_permutations:,} permutations",
                f"{esda_g_s:,.2f} s",
                f"exact is {esda_g_s / exact_s:,.0f}× faster",
            )
        )
        rows.append(
            (
                f"esda Moran_Local, {args.esda_permutations:,} permutations",
                f"{esda_m_s:,.2f} s",
                f"exact is {esda_m_s / lisa_s:,.0f}× faster",
            )
        )
    except ImportError:
        rows.append(("esda", "not installed (pip install -e .[dev])", ""))

    print(
        f"Toronto, all {len(incidents):,} incidents, {args.cell_size_m:g} m square cells: "
        f"{m:,} cells, queen contiguity; best of {args.repeat}\n"
    )
    print("| step | time | ratio |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    needed = int(np.ceil(2 * m / 0.05 - 1))
    print(
        f"\nMonte Carlo with BH over {m:,} cells needs at least {needed:,} permutations "
        "before any cell can pass at FDR 5%."
    )
    for label, gi in (("normal", normal), ("exact", exact)):
        print(
            f"- {label}: {int(gi.hot.sum()):,} significant high and {int(gi.cold.sum()):,} "
            f"significant low cells at FDR 5%"
        )
    cells = analyze(incidents, cell_size_m=args.cell_size_m, lisa=False, quiet=True).params
    print(
        f"- with the hot-spot rule: {cells['hotspot_cells']:,} hot spots, "
        f"{cells['near_hotspot_cells']:,} near a hot spot, {cells['coldspot_cells']:,} cold spots"
    )


if __name__ == "__main__":
    main()
