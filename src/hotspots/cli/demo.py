"""``hotspots demo``: ``hotspots analyze`` on the bundled Toronto Police data."""

from __future__ import annotations

import argparse
from pathlib import Path

from hotspots.cli import analyze
from hotspots.cli._common import add_analysis_options
from hotspots.ingest import datasets


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
    """``hotspots analyze`` with the bundled incidents and (unless given) boundaries."""
    args.source = datasets.toronto_incidents_path()
    args.boundaries = args.boundaries or datasets.toronto_boundaries_path()
    return analyze.run(args)
