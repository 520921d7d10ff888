"""``hotspots emerging SOURCE|toronto --interval month --out DIR``: emerging hot spots."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from hotspots.cli._common import reject_summary, step, steps
from hotspots.cli._spacetime import add_source_options, filters_from, read_source
from hotspots.export import write_emerging
from hotspots.stats.emerging import CITY_TRENDS, INFERENCES, INTERVALS, SCHEMES, emerging_hotspots


def register(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``hotspots emerging``."""
    parser.description = (
        "Count incidents per grid cell and interval, test each interval with Gi* "
        "(FDR), test each cell's trend (Mann-Kendall) and name its pattern as ArcGIS's Emerging "
        "Hot Spot Analysis does (New, Consecutive, Intensifying, Persistent, Diminishing, "
        "Sporadic, Oscillating, Historical; hot and cold). Writes emerging.parquet, "
        "emerging.geojson and emerging.json."
    )
    add_source_options(parser, boundaries=True)
    parser.add_argument(
        "--interval", choices=INTERVALS, default="month", help="time step (default month)"
    )
    parser.add_argument(
        "--cell-size-m", type=float, help="cell size in metres (default: automatic, announced)"
    )
    parser.add_argument(
        "--grid", choices=("square", "hex"), default="square", help="cell shape (default square)"
    )
    parser.add_argument(
        "--alpha", type=float, default=0.05, help="false discovery rate and trend level (0.05)"
    )
    parser.add_argument(
        "--temporal-neighbours",
        type=int,
        default=0,
        help="previous intervals in each cell's neighbourhood, as ArcGIS's time step (default 0)",
    )
    parser.add_argument(
        "--city-trend",
        choices=CITY_TRENDS,
        default="standardise",
        help="how the trend test handles a city-wide rise or fall (default standardise)",
    )
    parser.add_argument(
        "--scheme",
        choices=SCHEMES,
        default="arcgis",
        help="pattern names: ArcGIS (default) or sfhotspot's hotspot_classify",
    )
    parser.add_argument(
        "--inference",
        choices=INFERENCES,
        default="exact",
        help="Gi* p-values: exact for counts (default) or the normal approximation",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    console = Console()
    with steps(quiet=args.quiet) as progress:
        load, boundaries = read_source(args, progress)
        with step(progress, f"Testing every {args.interval} and every cell's trend"):
            result = emerging_hotspots(
                load.incidents,
                interval=args.interval,
                cell_size_m=args.cell_size_m,
                grid=args.grid,
                boundaries=boundaries,
                filters=filters_from(args),
                alpha=args.alpha,
                temporal_neighbours=args.temporal_neighbours,
                city_trend=args.city_trend,
                scheme=args.scheme,
                inference=args.inference,
                quiet=args.quiet,
            )
        with step(progress, f"Writing results to {args.out}"):
            paths = write_emerging(result, args.out)
    if not args.quiet:
        params = result.params
        console.print(reject_summary(load))
        table = Table(
            title=f"Patterns of {params['cells']:,} cells of {params['cell_size_m']:g} m over "
            f"{params['intervals']} {args.interval}s ({params['first_interval']} to "
            f"{params['last_interval']})",
            title_justify="left",
        )
        table.add_column("Pattern")
        table.add_column("Cells", justify="right")
        for name, n in params["pattern_counts"].items():
            table.add_row(name, f"{n:,}")
        console.print(table)
        console.print(f"City-wide trend: {params['city_trend_text']}.", soft_wrap=True)
        for note in params["notes"]:
            console.print(f"[yellow]Note:[/] {note}", soft_wrap=True)
        console.print(f"Files written to {args.out}: " + ", ".join(p.name for p in paths.values()))
    return 0
