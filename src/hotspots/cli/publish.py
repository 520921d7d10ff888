"""``hotspots publish SOURCE --title … --period … --out DIR``: a privacy-safe map snapshot.

Writes ``snapshot.html`` (self-contained, opens offline), ``snapshot.png`` and
``snapshot.json`` through :func:`hotspots.publish.publish_snapshot`, which audits every
byte before writing and refuses (exit 2, nothing written) when a privacy rule would
break. ``SOURCE`` may be the word ``toronto`` for the bundled Toronto Police data (with
its approximate neighbourhoods and source notes).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from hotspots.cli._common import add_input_options, column_overrides, step, steps
from hotspots.ingest import datasets, load_boundaries, load_incidents
from hotspots.publish import (
    DEFAULT_SENSITIVE_CATEGORIES,
    GENERIC,
    TORONTO,
    Basemap,
    PublicationRules,
    SourceNotes,
    publish_snapshot,
)
from hotspots.publish.rules import MAP_UNITS

BUNDLED = "toronto"


def register(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``hotspots publish``."""
    parser.description = (
        "Aggregate incidents into a self-contained map snapshot for the public: neighbourhood "
        "shading and hot-spot squares, counts below k hidden, every number rounded, sensitive offences "
        "excluded, no coordinates, IDs or exact dates. Every output is audited before it is written."
    )
    parser.add_argument(
        "source", help=f"incidents file, or '{BUNDLED}' for the bundled Toronto Police data"
    )
    parser.add_argument("--title", required=True, help="title shown on the map")
    parser.add_argument(
        "--period", required=True, help="whole months, e.g. 2021-01..2021-12 or 2021"
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--boundaries",
        type=Path,
        help="neighbourhood polygons (default for 'toronto': the bundled ones)",
    )
    parser.add_argument(
        "--offense",
        action="append",
        help="offence category to cover; repeatable (default: all non-sensitive)",
    )
    parser.add_argument(
        "--map",
        dest="units",
        choices=MAP_UNITS,
        default="both",
        help="what the map shows (default: both)",
    )
    parser.add_argument(
        "--grid",
        choices=("square", "hex"),
        default="square",
        help="grid cell shape (default: square)",
    )
    parser.add_argument(
        "--cell-size-m", type=float, help="grid cell size in metres (default: the minimum, 500)"
    )
    parser.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        help="false discovery rate for hot spots (default 0.05)",
    )
    rules = parser.add_argument_group("privacy rules")
    rules.add_argument(
        "--k", type=int, default=5, help="hide numbers below k (default 5, at least 3)"
    )
    rules.add_argument(
        "--rounding-base",
        type=int,
        default=5,
        help="round every number to a multiple of this (default 5)",
    )
    rules.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="also exclude offence categories matching PATTERN; repeatable",
    )
    rules.add_argument(
        "--no-default-exclusions",
        action="store_true",
        help="do not exclude the default sensitive categories (sexual offences, domestic violence, child abuse, human trafficking, homicide)",
    )
    rules.add_argument(
        "--min-cell-size-m",
        type=float,
        default=500.0,
        help="smallest published grid cell (default 500)",
    )
    rules.add_argument(
        "--min-lag-days",
        type=int,
        default=0,
        help="days between the end of the period and today (default 0)",
    )
    notes = parser.add_argument_group("notes and basemap")
    notes.add_argument("--data-source", help="data-source note shown in the snapshot")
    notes.add_argument("--boundaries-note", help="note about the boundaries shown in the snapshot")
    notes.add_argument(
        "--basemap-url",
        help="tile URL template {z}/{x}/{y} (default: none, the file makes no request)",
    )
    notes.add_argument(
        "--basemap-attribution",
        help="attribution text of the tile layer (required with --basemap-url)",
    )
    add_input_options(parser)
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    console = Console()
    bundled = str(args.source).casefold() == BUNDLED and not Path(args.source).exists()
    source = datasets.toronto_incidents_path() if bundled else Path(args.source)
    boundaries_path = args.boundaries or (datasets.toronto_boundaries_path() if bundled else None)
    base = TORONTO if bundled else GENERIC
    notes = SourceNotes(
        data_source=args.data_source or base.data_source,
        boundaries_note=args.boundaries_note or base.boundaries_note,
    )
    patterns = (() if args.no_default_exclusions else DEFAULT_SENSITIVE_CATEGORIES) + tuple(
        args.exclude
    )
    rules = PublicationRules(
        k=args.k,
        rounding_base=args.rounding_base,
        sensitive_categories=patterns,
        min_cell_size_m=args.min_cell_size_m,
        min_lag_days=args.min_lag_days,
        units=args.units,
    )
    basemap = None
    if args.basemap_url or args.basemap_attribution:
        basemap = Basemap(url=args.basemap_url or "", attribution=args.basemap_attribution or "")
    with steps(quiet=args.quiet) as progress:
        boundaries = None
        if boundaries_path is not None:
            with step(progress, f"Reading boundaries {boundaries_path.name}"):
                boundaries = load_boundaries(boundaries_path)
        with step(progress, f"Reading incidents {source.name}"):
            load = load_incidents(
                source,
                columns=column_overrides(args.column) or None,
                crs=args.crs,
                timezone=args.timezone,
                boundaries=boundaries,
                swap_lat_lon=args.swap_lat_lon,
                quiet=args.quiet,
            )
        with step(progress, "Aggregating, suppressing, rendering and auditing"):
            snapshot = publish_snapshot(
                load.incidents,
                args.out,
                title=args.title,
                period=args.period,
                boundaries=boundaries,
                rules=rules,
                offenses=args.offense,
                grid=args.grid,
                cell_size_m=args.cell_size_m,
                alpha=args.alpha,
                notes=notes,
                basemap=basemap,
                quiet=args.quiet,
            )
    if not args.quiet:
        published = snapshot.metadata["published"]
        sup = snapshot.suppression
        total = published["total"]["incidents"]
        console.print(
            f"Published {total:,} incidents (rounded to {rules.rounding_base})"
            if total is not None
            else "Published fewer than k incidents",
            f"in {snapshot.metadata['period']['label']}; {published['hot_spot_cells'] or 0} hot spot squares.",
        )
        console.print(
            f"Hidden (fewer than {rules.k}): {sup.areas} of {sup.areas_total} neighbourhoods, {sup.cells} of {sup.cells_total} "
            f"hot spot squares, {sup.months} month(s), {sup.offenses} offence group(s). Audit passed ({len(snapshot.audit.rules)} rules)."
        )
        console.print(
            f"Files written to {args.out}: "
            + ", ".join(sorted(p.name for p in snapshot.paths.values()))
        )
    return 0
