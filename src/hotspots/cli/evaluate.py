"""``hotspots evaluate SOURCE|toronto --target FILE|plan.json --before .. --after .. --out DIR``.

Did it work? Counts incidents in the target (polygons, or the sites of a plan.json with
their radius), a displacement buffer ring and a control area (a file, or ``auto``: cells
matched on the target's level and trend before), before and after; writes
``evaluation.json`` and a printable one-page ``evaluation.html``
(:func:`hotspots.evaluate.write_evaluation`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from hotspots.cli._common import (
    BUNDLED,
    add_input_options,
    files_written,
    path_or_url,
    read_inputs,
    step,
    steps,
)
from hotspots.errors import InputError, invalid
from hotspots.evaluate import DEFAULT_BUFFER_M, evaluate_intervention, write_evaluation
from hotspots.evaluate.matching import DEFAULT_CONTROL_CELL_SIZE_M
from hotspots.ingest import datasets


def register(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``hotspots evaluate``."""
    parser.description = (
        "Compare incidents in a target area (polygons, or the sites of a plan.json) with its "
        "displacement buffer and a control area, before and after an intervention: Bowers & "
        "Johnson success measure, WDQ and net effect, the weighted displacement difference "
        "test, and a Poisson difference-in-differences estimate with a 95% interval. Writes "
        "evaluation.json and evaluation.html (one printable page)."
    )
    parser.add_argument(
        "source",
        help=f"incidents file, database URL (with --table or --query), or '{BUNDLED}' for the "
        "bundled Toronto Police data",
    )
    parser.add_argument(
        "--target",
        type=Path,
        required=True,
        metavar="FILE",
        help="target polygons (GeoJSON, GPKG, SHP, KML) or a plan.json from `hotspots plan`",
    )
    parser.add_argument(
        "--before",
        required=True,
        metavar="YYYY-MM..YYYY-MM",
        help="months before, e.g. 2018-01..2018-12",
    )
    parser.add_argument(
        "--after",
        required=True,
        metavar="YYYY-MM..YYYY-MM",
        help="months after, e.g. 2019-01..2019-12",
    )
    parser.add_argument(
        "--buffer-m",
        type=float,
        default=DEFAULT_BUFFER_M,
        help=f"width of the displacement buffer ring in metres (default {DEFAULT_BUFFER_M:g}; 0: none)",
    )
    parser.add_argument(
        "--control",
        default="auto",
        metavar="FILE|auto",
        help="control polygons, or 'auto' to match cells on the target's level and trend "
        "before (default auto)",
    )
    parser.add_argument(
        "--buffer-control",
        default="auto",
        metavar="FILE|auto",
        help="control of the buffer for the WDD test (default auto)",
    )
    parser.add_argument(
        "--control-cell-size-m",
        type=float,
        default=DEFAULT_CONTROL_CELL_SIZE_M,
        help=f"cell size of an automatic control (default {DEFAULT_CONTROL_CELL_SIZE_M:g} m)",
    )
    parser.add_argument("--offense", action="append", help="count only this offense; repeatable")
    parser.add_argument("--title", help="title of the briefing")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    add_input_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    source = _source(args.source)
    console = Console()
    with steps(quiet=args.quiet) as progress:
        load, _ = read_inputs(args, progress, source, None)
        with step(progress, "Counting target, buffer and control before and after"):
            evaluation = evaluate_intervention(
                load.incidents,
                args.target,
                before=args.before,
                after=args.after,
                buffer_m=args.buffer_m,
                control=_area(args.control, "control"),
                buffer_control=_area(args.buffer_control, "buffer_control"),
                offenses=args.offense,
                control_cell_size_m=args.control_cell_size_m,
            )
        with step(progress, f"Writing results to {args.out}"):
            paths = write_evaluation(evaluation, args.out, title=args.title)
    if not args.quiet:
        for line in evaluation.summary():
            console.print(line, soft_wrap=True, highlight=False)
        for caution in evaluation.cautions:
            console.print(f"[yellow]Caution:[/] {caution}", soft_wrap=True, highlight=False)
        console.print(files_written(args.out, paths))
    return 0


def _source(text: str) -> Path | str:
    if text.lower() == BUNDLED and not Path(text).exists():
        return datasets.toronto_incidents_path()
    source = path_or_url(text)
    if isinstance(source, Path) and not source.exists():
        raise InputError(
            f"SOURCE {text!r} does not exist; give an incidents file, a database URL, or "
            f"'{BUNDLED}' for the bundled Toronto Police data."
        )
    return source


def _area(text: str, argument: str) -> Path | str:
    if text == "auto":
        return "auto"
    path = Path(text)
    if not path.exists():
        raise invalid(
            argument, text, "an existing polygon file (GeoJSON, GPKG, SHP, KML) or 'auto'"
        )
    return path
