"""``hotspots near-repeat SOURCE --distance-bands-m 0,100,200,400 --day-bands 0,7,14,28``."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from hotspots.cli._common import files_written, reject_summary, step, steps
from hotspots.cli._spacetime import add_source_options, filters_from, read_source
from hotspots.export import write_knox
from hotspots.stats.near_repeat import check_bands, near_repeat


def register(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``hotspots near-repeat``."""
    parser.description = (
        "Count pairs of incidents close in space (distance bands) and time (day "
        "bands), compare with the counts when the dates are shuffled among the places, and "
        "write knox.csv (distance_from, distance_to, days_from, days_to, observed, expected, "
        "ratio, p) and knox.json."
    )
    add_source_options(parser)
    parser.add_argument(
        "--distance-bands-m",
        default="0,100,200,400",
        help="increasing distance band edges in metres (default 0,100,200,400)",
    )
    parser.add_argument(
        "--day-bands",
        default="0,7,14,28",
        help="increasing day band edges in whole days (default 0,7,14,28)",
    )
    parser.add_argument("--permutations", type=int, default=999, help="date shuffles (default 999)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the shuffles (default 0)")
    parser.add_argument("--alpha", type=float, default=0.05, help="level for the summary (0.05)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    console = Console()
    # Check the bands before reading anything (a typo should fail fast).
    distance = check_bands(args.distance_bands_m, "--distance-bands-m", whole=False)
    days = check_bands(args.day_bands, "--day-bands", whole=True)
    with steps(quiet=args.quiet) as progress:
        load, _ = read_source(args, progress)
        with step(progress, f"Knox test with {args.permutations:,} shuffles"):
            result = near_repeat(
                load.incidents,
                distance_bands_m=distance.tolist(),
                day_bands=[int(d) for d in days],
                permutations=args.permutations,
                filters=filters_from(args),
                rng=args.seed,
                alpha=args.alpha,
            )
        with step(progress, f"Writing results to {args.out}"):
            paths = write_knox(result, args.out)
    if not args.quiet:
        console.print(reject_summary(load))
        ratios, ps = result.ratio_grid(), result.p_grid()
        table = Table(
            title=f"Knox ratios, {result.events:,} incidents ({result.params['filters_text']}); "
            f"* p <= {args.alpha:g}",
            title_justify="left",
        )
        table.add_column("Distance")
        for column in ratios.columns:
            table.add_column(str(column), justify="right")
        for label, row in ratios.iterrows():
            table.add_row(
                str(label),
                *(
                    f"{r:.2f}{'*' if p <= args.alpha else ''}"
                    for r, p in zip(row, ps.loc[label], strict=True)
                ),
            )
        console.print(table)
        console.print(result.summary(), soft_wrap=True)
        console.print(files_written(args.out, paths))
    return 0
