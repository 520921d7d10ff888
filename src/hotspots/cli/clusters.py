"""``hotspots clusters SOURCE --out DIR``: dense point clusters (HDBSCAN or DBSCAN)."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from hotspots.cli._common import files_written, reject_summary, step, steps
from hotspots.cli._spacetime import add_source_options, filters_from, read_source
from hotspots.export import write_clusters
from hotspots.stats.clusters import CLUSTER_METHODS, point_clusters


def register(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``hotspots clusters``."""
    parser.description = (
        "Find dense groups of incidents without a grid and write their outlines, "
        "counts and main offense: clusters.geojson, clusters.parquet, clusters.json."
    )
    add_source_options(parser)
    parser.add_argument(
        "--method", choices=CLUSTER_METHODS, default="hdbscan", help="algorithm (default hdbscan)"
    )
    parser.add_argument(
        "--min-cluster-size", type=int, default=25, help="smallest cluster in incidents (25)"
    )
    parser.add_argument(
        "--eps-m", type=float, default=100.0, help="DBSCAN radius in metres (default 100)"
    )
    parser.add_argument("--top", type=int, default=10, help="clusters to print (default 10)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    console = Console()
    with steps(quiet=args.quiet) as progress:
        load, _ = read_source(args, progress)
        with step(progress, f"Clustering with {args.method.upper()}"):
            result = point_clusters(
                load.incidents,
                method=args.method,
                min_cluster_size=args.min_cluster_size,
                eps_m=args.eps_m,
                filters=filters_from(args),
            )
        with step(progress, f"Writing results to {args.out}"):
            paths = write_clusters(result, args.out)
    if not args.quiet:
        console.print(reject_summary(load))
        table = Table(
            title=f"{len(result.clusters):,} clusters hold {result.share_clustered:.0%} of "
            f"{len(result.incidents):,} incidents ({result.params['filters_text']})",
            title_justify="left",
        )
        for name, justify in (("#", "right"), ("Incidents", "right"), ("Area km²", "right"),
                              ("Main offense", "left")):  # fmt: skip
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for row in result.clusters.head(args.top).itertuples():
            table.add_row(
                str(row.cluster_id),
                f"{row.count:,}",
                f"{row.area_km2:.2f}",
                f"{row.main_offense} ({row.main_offense_share:.0%})",
            )
        console.print(table)
        console.print(files_written(args.out, paths))
    return 0
