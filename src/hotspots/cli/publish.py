"""``hotspots publish SOURCE --title … --period … --out DIR``: a privacy-safe map snapshot.

Writes ``snapshot.html`` (self-contained, opens offline), ``snapshot.png`` and
``snapshot.json`` through :func:`hotspots.publish.publish_snapshot`, which audits every
byte before writing and refuses (exit 2, nothing written) when a privacy rule would
break. ``SOURCE`` may be the word ``toronto`` for the bundled Toronto Police data (with
its approximate neighbourhoods and source notes).
"""

from __future__ import annotations

import argparse
from contextlib import nullcontext
from pathlib import Path

from rich.console import Console

from hotspots.cli._common import (
    add_alpha_option,
    add_bundled_source,
    add_grid_options,
    add_input_options,
    is_bundled,
    read_inputs,
    step,
    steps,
)
from hotspots.errors import InputError
from hotspots.ingest import datasets
from hotspots.publish import (
    FILE_NAMES,
    GENERIC,
    TORONTO,
    Basemap,
    PublicationRules,
    Publisher,
    SourceNotes,
    check_request,
    publish_snapshot,
)
from hotspots.publish.archive import add_to_archive
from hotspots.publish.rules import MAP_UNITS
from hotspots.spatial.filters import match_offenses
from hotspots.staging import check_output_folder, staged_folder


def register(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``hotspots publish``."""
    parser.description = (
        "Aggregate incidents into a self-contained map snapshot for the public: neighbourhood "
        "shading and hot-spot squares, every number perturbed with the cell-key method, only allow-listed "
        "offense groups, no coordinates, IDs or exact dates. Every output is audited, and every release is "
        "checked against the publisher's release ledger, before it is written."
    )
    add_bundled_source(parser)
    parser.add_argument("--title", required=True, help="title shown on the map")
    parser.add_argument(
        "--period",
        required=True,
        help="a calendar month, quarter or year, e.g. 2021-03, 2021-Q1 or 2021",
    )
    parser.add_argument(
        "--out", type=Path, help="output folder (required unless --archive is given)"
    )
    parser.add_argument(
        "--boundaries",
        type=Path,
        help="neighbourhood polygons (default for 'toronto': the bundled ones)",
    )
    parser.add_argument(
        "--boundaries-crs",
        help="CRS of a boundary file that does not say it (a shapefile without .prj), e.g. EPSG:4326",
    )
    parser.add_argument(
        "--offense",
        action="append",
        help="one allow-listed offense group to cover (default: all of them)",
    )
    parser.add_argument(
        "--map",
        dest="units",
        choices=MAP_UNITS,
        default="both",
        help="what the map shows (default: both)",
    )
    add_grid_options(parser, cell_size_help="grid cell size in metres (default: the minimum, 500)")
    add_alpha_option(parser)
    rules = parser.add_argument_group("privacy rules (floors: k >= 3, cells >= 500 m)")
    rules.add_argument(
        "--k", type=int, default=5, help="never show a number from 1 to k-1 (default 5, at least 3)"
    )
    rules.add_argument(
        "--min-cell-size-m",
        type=float,
        default=500.0,
        help="smallest published grid cell (default and floor 500)",
    )
    rules.add_argument(
        "--min-lag-months",
        type=int,
        default=1,
        help="whole months between the end of the period and today (default 1)",
    )
    rules.add_argument(
        "--publisher-dir",
        type=Path,
        help="the publisher folder holding the secret, the allow list and the release ledger "
        "(default: $HOTSPOTS_PUBLISHER_DIR or ~/.config/hotspots/publisher); never inside --out",
    )
    rules.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="CATEGORY",
        help="add an offense category to the publisher's allow list (kept for later runs); repeatable",
    )
    parser.add_argument(
        "--archive",
        type=Path,
        help="also add the snapshot to this archive folder and rebuild its offline index.html",
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
    bundled = is_bundled(args)
    source = datasets.toronto_incidents_path() if bundled else Path(args.source)
    boundaries_path = args.boundaries or (datasets.toronto_boundaries_path() if bundled else None)
    base = TORONTO if bundled else GENERIC
    notes = SourceNotes(
        data_source=args.data_source or base.data_source,
        boundaries_note=args.boundaries_note or base.boundaries_note,
    )
    rules = PublicationRules(
        k=args.k,
        min_cell_size_m=args.min_cell_size_m,
        min_lag_months=args.min_lag_months,
        units=args.units,
    )
    if args.out is None and args.archive is None:
        raise InputError(
            "--out is missing; give --out DIR (or --archive DIR) for the snapshot files."
        )
    check_request(
        title=args.title,
        period=args.period,
        rules=rules,
        cell_size_m=args.cell_size_m,
        notes=notes,
    )
    publisher = Publisher(args.publisher_dir)
    if args.allow:
        publisher.allow(args.allow)
    publisher.check_outside(args.archive)
    out = args.out
    basemap = None
    if args.basemap_url or args.basemap_attribution:
        basemap = Basemap(url=args.basemap_url or "", attribution=args.basemap_attribution or "")
    if out is not None:
        check_output_folder(out)  # before any work
    with steps(quiet=args.quiet) as progress:
        load, boundaries = read_inputs(args, progress, source, boundaries_path)
        offenses = (
            match_offenses(args.offense, load.incidents["offense"].unique())
            if args.offense
            else None
        )
        staged = (
            staged_folder(out, replaces=tuple(FILE_NAMES.values()))
            if out is not None
            else nullcontext(None)
        )
        with (
            step(progress, "Aggregating, perturbing, rendering, auditing, checking the ledger"),
            staged as stage,
        ):
            snapshot = publish_snapshot(
                load.incidents,
                stage,
                publisher=publisher,
                title=args.title,
                period=args.period,
                boundaries=boundaries,
                rules=rules,
                offenses=offenses,
                grid=args.grid,
                cell_size_m=args.cell_size_m,
                alpha=args.alpha,
                notes=notes,
                basemap=basemap,
                quiet=args.quiet,
            )
        if args.archive is not None:
            with step(progress, f"Updating the archive {args.archive}"):
                add_to_archive(args.archive, snapshot)
    if not args.quiet:
        published = snapshot.metadata["published"]
        sup = snapshot.suppression
        total = published["total"]["incidents"]
        console.print(
            f"Published about {total:,} incidents"
            if total is not None
            else "Published fewer than k incidents",
            f"in {snapshot.metadata['period']['label']}; {published['hot_spot_cells'] or 0} hot spot squares.",
        )
        console.print(
            f"Hidden: {sup.areas} of {sup.areas_total} neighbourhoods, {sup.cells} of {sup.cells_total} significant "
            f"squares, {sup.months} month(s), {sup.offenses} offense group(s). Audit passed ({len(snapshot.audit.rules)} "
            f"rules); release {snapshot.release_id} recorded in {publisher.directory}."
        )
        if out is not None:
            console.print(
                f"Files written to {out}: "
                + ", ".join(sorted(p.name for p in snapshot.paths.values()))
            )
        if args.archive is not None:
            console.print(f"Archive updated: {args.archive / 'index.html'}")
    return 0
