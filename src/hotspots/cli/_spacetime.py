"""Options and steps shared by the space-time sub-commands (emerging, near-repeat, clusters)."""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
from rich.progress import Progress

from hotspots.cli._common import (
    BUNDLED,
    add_bundled_source,
    add_input_options,
    is_bundled,
    read_inputs,
)
from hotspots.ingest import LoadResult, datasets
from hotspots.spatial.filters import Filters

#: The bundled data holds a few hundred incidents reported years later (back to 1966);
#: the regular monthly flow starts here, so it is the default first day for 'toronto'.
TORONTO_FIRST_DAY = "2014-01-01"


def add_source_options(parser: argparse.ArgumentParser, *, boundaries: bool = False) -> None:
    """``SOURCE`` (a file or 'toronto'), the reading options, the selection and ``--quiet``."""
    add_bundled_source(parser)
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    if boundaries:
        parser.add_argument(
            "--boundaries",
            type=Path,
            help="polygons the grid covers (default for 'toronto': the bundled neighbourhoods)",
        )
    parser.add_argument("--offense", action="append", help="keep only this offense; repeatable")
    parser.add_argument(
        "--start", help=f"first day, YYYY-MM-DD (default for '{BUNDLED}': {TORONTO_FIRST_DAY})"
    )
    parser.add_argument("--end", help="last day, YYYY-MM-DD")
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    add_input_options(parser)


def read_source(
    args: argparse.Namespace, progress: Progress
) -> tuple[LoadResult, gpd.GeoDataFrame | None]:
    """Read the incidents (and the boundaries when the command has them)."""
    bundled = is_bundled(args)
    source = datasets.toronto_incidents_path() if bundled else Path(args.source)
    boundaries_path = getattr(args, "boundaries", None)
    if boundaries_path is None and bundled and hasattr(args, "boundaries"):
        boundaries_path = datasets.toronto_boundaries_path()
    return read_inputs(
        args, progress, source, Path(boundaries_path) if boundaries_path is not None else None
    )


def filters_from(args: argparse.Namespace) -> Filters:
    """The offense and date selection (the bundled data starts at its regular flow)."""
    start = args.start or (TORONTO_FIRST_DAY if is_bundled(args) else None)
    return Filters(
        offenses=tuple(args.offense) if args.offense else None, start=start, end=args.end
    )
