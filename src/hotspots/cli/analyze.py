"""``hotspots analyze SOURCE --out DIR``: hot spots for any city's incidents."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from hotspots.cli._common import (
    add_analysis_options,
    add_input_options,
    hotspot_table,
    path_or_url,
    print_notes,
    reject_summary,
    run_analysis,
    step,
    steps,
)
from hotspots.staging import check_output_folder, staged_folder


def register(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``hotspots analyze``."""
    parser.description = (
        "Read incidents (CSV, Parquet, GeoJSON, GPKG, SHP, KML), count them on a grid "
        "and in boundaries, flag Gi* hot spots after FDR correction, and write map-ready files."
    )
    parser.add_argument(
        "source",
        type=path_or_url,
        help="incidents file, folder/glob of Parquet files, or database URL "
        "(postgresql://user@host/db with --table or --query)",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--top", type=int, default=10, help="hot spots to print (default 10)")
    add_input_options(parser)
    add_analysis_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Analyze ``args.source`` and write the files; the exit code."""
    from hotspots.export import ANALYSIS_FILES, write_analysis

    console = Console()
    check_output_folder(args.out)  # before any work: a bad --out is not found after the run
    with steps(quiet=args.quiet) as progress:
        load, analysis, _ = run_analysis(args, progress, args.source, args.boundaries)
        with (
            step(progress, f"Writing results to {args.out}"),
            staged_folder(args.out, replaces=ANALYSIS_FILES) as stage,
        ):
            paths = write_analysis(analysis, stage, load=load)
    if not args.quiet:
        console.print(reject_summary(load))
        console.print(hotspot_table(analysis, top=args.top))
        print_notes(console, analysis)
        console.print(f"Files written to {args.out}: " + ", ".join(p.name for p in paths.values()))
    return 0
