"""``hotspots demo``: the analysis on the bundled Toronto Police data."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from hotspots.cli._common import (
    add_analysis_options,
    hotspot_table,
    print_notes,
    reject_summary,
    run_analysis,
    step,
    steps,
)
from hotspots.export import ANALYSIS_FILES, write_analysis
from hotspots.ingest import datasets
from hotspots.staging import check_output_folder, staged_folder


def register(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``hotspots demo``."""
    parser.description = (
        "Run `hotspots analyze` on the bundled Toronto Police Service Major Crime "
        "Indicators with the approximate neighbourhood boundaries, and print the top hot spots."
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("results/toronto"),
        help="output folder (default results/toronto)",
    )
    parser.add_argument("--top", type=int, default=15, help="hot spots to print (default 15)")
    add_analysis_options(parser)
    parser.set_defaults(run=run, boundaries=None)


def run(args: argparse.Namespace) -> int:
    console = Console()
    boundaries = args.boundaries or datasets.toronto_boundaries_path()
    check_output_folder(args.out)
    with steps(quiet=args.quiet) as progress:
        load, analysis, _ = run_analysis(
            args, progress, datasets.toronto_incidents_path(), boundaries
        )
        with (
            step(progress, f"Writing results to {args.out}"),
            staged_folder(args.out, replaces=ANALYSIS_FILES) as stage,
        ):
            write_analysis(analysis, stage, load=load)
    if not args.quiet:
        console.print(reject_summary(load))
        console.print(hotspot_table(analysis, top=args.top))
        print_notes(console, analysis)
        console.print(
            f"Maps and tables written to {args.out}/ (cells.geojson, neighbourhoods.geojson, hotspots.csv, summary.json)"
        )
    return 0
