"""``hotspots plan [SOURCE | --demo] --k K --radius-m R --out DIR``: choose outreach sites.

Runs the hotspot analysis (same options as ``hotspots analyze``), turns it into demand
and candidate sites (:func:`hotspots.outreach.outreach_inputs`), chooses ``k`` sites
that put the most demand within ``radius_m`` metres (exact MCLP, or ``--greedy``),
computes the coverage curve for k = 1..``--curve-k-max`` and writes ``sites.csv``,
``sites.geojson`` (EPSG:4326), ``coverage_curve.csv``, ``briefing.html`` and
``plan.json`` (:func:`hotspots.outreach.export.write_plan`).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hotspots.cli._common import (
    add_analysis_options,
    add_input_options,
    files_written,
    run_analysis,
    step,
    steps,
)
from hotspots.errors import HotspotsError, InputError, invalid
from hotspots.ingest import datasets
from hotspots.ingest.sites import load_sites
from hotspots.ingest.streets import load_streets
from hotspots.outreach.candidates import CANDIDATE_SOURCES
from hotspots.outreach.demand import DEFAULT_DEMAND_CELL_SIZE_M, DEMAND_KINDS
from hotspots.outreach.export import write_plan
from hotspots.outreach.from_analysis import OutreachInputs, outreach_inputs
from hotspots.outreach.plan import Method, OutreachPlan, format_weight
from hotspots.outreach.reach import PlanReach
from hotspots.staging import check_output_folder, staged_folder

if TYPE_CHECKING:
    import pandas as pd

    from hotspots.analysis import Analysis
    from hotspots.forecast import Forecast

#: The files ``write_plan`` may write (an older run's are replaced by a new run's).
PLAN_FILES = ("sites.csv", "sites.geojson", "coverage_curve.csv", "briefing.html", "plan.json")

#: Curve points printed in the terminal summary.
_CURVE_PRINTED = (1, 2, 3, 5, 10, 15, 20, 30, 50)


def register(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``hotspots plan``."""
    parser.description = (
        "Analyze incidents, then choose k outreach sites (partner locations from a "
        "file, or hot spot cell / neighbourhood centres) that put the most incidents within a "
        "service radius, solved exactly. Writes sites.csv, sites.geojson, coverage_curve.csv, "
        "briefing.html (printable, one page) and plan.json."
    )
    parser.add_argument(
        "source", type=Path, nargs="?", help="incidents file (or --demo for the bundled data)"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the bundled Toronto Police incidents and neighbourhoods",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--k", type=int, required=True, help="number of sites, existing/fixed ones included"
    )
    parser.add_argument(
        "--radius-m",
        type=float,
        required=True,
        help="service radius in metres, straight line (e.g. 800 for a 10-minute walk)",
    )
    sites = parser.add_argument_group("candidate sites")
    choice = sites.add_mutually_exclusive_group()
    choice.add_argument(
        "--candidates",
        type=Path,
        metavar="FILE",
        help="partner locations (CSV with lat/lon or x/y, GeoJSON, GPKG, SHP, KML)",
    )
    choice.add_argument(
        "--candidates-from",
        choices=CANDIDATE_SOURCES,
        help="automatic candidates: hot spot cell centres or neighbourhood centres "
        "(default: hotspots)",
    )
    sites.add_argument("--candidates-name", metavar="COLUMN", help="column with the site names")
    sites.add_argument(
        "--candidates-crs", help="CRS of projected X/Y in the candidates file, e.g. EPSG:26917"
    )
    sites.add_argument(
        "--existing", type=Path, metavar="FILE", help="sites that exist and must stay (a file)"
    )
    sites.add_argument("--existing-crs", help="CRS of projected X/Y in the existing-sites file")
    sites.add_argument(
        "--streets",
        type=Path,
        metavar="FILE",
        help="streets or places (any line or point layer with names, e.g. a street centreline "
        "file): each site gets its nearest street and the distance",
    )
    sites.add_argument("--streets-name", metavar="COLUMN", help="column with the street names")
    sites.add_argument("--streets-crs", help="CRS of the streets file when it carries none")
    sites.add_argument(
        "--fixed",
        action="append",
        default=[],
        metavar="NAME",
        help="a candidate that must be chosen, by name; repeatable",
    )
    demand = parser.add_argument_group("demand")
    demand.add_argument(
        "--demand",
        choices=DEMAND_KINDS,
        default="incidents",
        help="all filtered incidents, only significant hot spot cells, or the incidents "
        "forecast for the coming months (default: incidents)",
    )
    demand.add_argument(
        "--forecast-until",
        metavar="YYYY-MM-DD",
        help="with --demand forecast: last day of training data (default: the last day of the data)",
    )
    demand.add_argument(
        "--forecast-horizon-months",
        type=int,
        default=12,
        help="with --demand forecast: months forecast after --forecast-until (default 12)",
    )
    demand.add_argument(
        "--offense-weight",
        action="append",
        default=[],
        metavar="OFFENSE=WEIGHT",
        help='weight of an offense, e.g. "Assault=2" (others weigh 1, 0 leaves one out); '
        "repeatable",
    )
    demand.add_argument(
        "--demand-cell-size-m",
        type=float,
        default=DEFAULT_DEMAND_CELL_SIZE_M,
        help=f"incidents are aggregated to cells of this size (default {DEFAULT_DEMAND_CELL_SIZE_M:g} m)",
    )
    solving = parser.add_argument_group("solving")
    solving.add_argument(
        "--min-share-per-area",
        type=float,
        metavar="SHARE",
        help="cover at least this share (0-1] of every neighbourhood's incidents",
    )
    solving.add_argument(
        "--curve-k-max",
        type=int,
        default=20,
        help="coverage curve for k = 1..K (default 20; 0 for none)",
    )
    solving.add_argument(
        "--greedy", action="store_true", help="fast greedy heuristic instead of the exact solver"
    )
    solving.add_argument(
        "--time-limit-s",
        type=float,
        default=60.0,
        help="time limit of each exact solve in seconds (default 60)",
    )
    brief = parser.add_argument_group("briefing")
    brief.add_argument("--title", help="title of the briefing")
    brief.add_argument("--notes", help="a short paragraph printed on the briefing")
    add_input_options(parser)
    add_analysis_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    _check_arguments(args)
    weights = parse_offense_weights(args.offense_weight)
    if args.demo:
        source = datasets.toronto_incidents_path()
        boundaries_path = args.boundaries or datasets.toronto_boundaries_path()
    else:
        source, boundaries_path = args.source, args.boundaries
    method: Method = "greedy" if args.greedy else "exact"
    console = Console()
    check_output_folder(args.out)
    with steps(quiet=args.quiet) as progress:
        _load, analysis, _ = run_analysis(args, progress, source, boundaries_path)
        candidates = None
        if args.candidates is not None:
            with step(progress, f"Reading candidate sites {args.candidates.name}"):
                candidates = load_sites(
                    args.candidates, name=args.candidates_name, crs=args.candidates_crs
                )
        existing = None
        if args.existing is not None:
            with step(progress, f"Reading existing sites {args.existing.name}"):
                existing = load_sites(args.existing, crs=args.existing_crs)
        streets = None
        if args.streets is not None:
            with step(progress, f"Reading streets {args.streets.name}"):
                streets = load_streets(args.streets, name=args.streets_name, crs=args.streets_crs)
        forecast_result = None
        if args.demand == "forecast":
            with step(progress, "Forecasting demand (backtest of every method)"):
                forecast_result = _forecast_demand(args, analysis)
        with step(progress, "Building demand and candidate sites"):
            inputs = outreach_inputs(
                analysis,
                demand=args.demand,
                candidates=candidates
                if candidates is not None
                else (args.candidates_from or "hotspots"),
                existing=existing,
                offense_weights=weights,
                cell_size_m=args.demand_cell_size_m,
                forecast=forecast_result,
            )
        with step(progress, f"Choosing {args.k} sites ({method})"):
            plan = inputs.plan(
                k=args.k,
                radius_m=args.radius_m,
                fixed=args.fixed,
                method=method,
                min_share_per_area=args.min_share_per_area,
                time_limit_s=args.time_limit_s,
            )
        curve = None
        if args.curve_k_max > 0:
            with step(progress, f"Coverage curve for k = 1..{args.curve_k_max}"):
                curve = inputs.curve(
                    k_max=args.curve_k_max,
                    radius_m=args.radius_m,
                    fixed=args.fixed,
                    method="greedy" if args.greedy else "both",
                    time_limit_s=args.time_limit_s,
                )
        with step(progress, "Describing where each site is"):
            context = inputs.context(plan, streets=streets)
        with step(progress, "Drawing the briefing"):
            briefing = inputs.briefing(
                plan, curve=curve, title=args.title, notes=args.notes, context=context
            )
        with (
            step(progress, f"Writing results to {args.out}"),
            staged_folder(args.out, replaces=PLAN_FILES) as stage,
        ):
            paths = write_plan(inputs, plan, stage, curve=curve, briefing=briefing, context=context)
    if not args.quiet:
        reach = inputs.reach(plan)
        console.print(plan.summary())
        console.print(reach.describe())
        console.print(sites_table(plan, reach, inputs))
        console.print(where_lines(plan, context), highlight=False)
        console.print(inputs.context_note(context))
        if curve is not None:
            console.print(curve_line(curve))
        console.print(files_written(args.out, paths))
    return 0


def parse_offense_weights(pairs: list[str]) -> dict[str, float] | None:
    """Parse repeated ``OFFENSE=WEIGHT`` options (``"Break and Enter=1.5"``)."""
    weights: dict[str, float] = {}
    for pair in pairs:
        name, sep, value = pair.rpartition("=")
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not sep or not name.strip() or not math.isfinite(number) or number < 0:
            raise invalid(
                "--offense-weight",
                pair,
                "OFFENSE=WEIGHT with a number >= 0",
                'For example --offense-weight "Assault=2" --offense-weight "Robbery=1.5".',
            )
        weights[name.strip()] = number
    return weights or None


def sites_table(plan: OutreachPlan, reach: PlanReach, inputs: OutreachInputs) -> Table:
    """The chosen sites as a readable terminal table."""
    weighted = inputs.demand_label.startswith("weighted")
    table = Table(
        title=f"{plan.k} outreach sites, {plan.radius_m:,.0f} m service radius "
        f"({plan.method}, {plan.status})",
        title_justify="left",
        caption="Incidents: within range of the site; Adds: not covered by the sites above it; "
        "Hot cells: hot spot cells whose centre is in range; Areas: neighbourhoods reached.",
        caption_justify="left",
    )
    columns = [("#", "right"), ("Site", "left"), ("Incidents", "right"), ("Adds", "right")]
    if weighted:
        columns.append(("Weighted adds", "right"))
    columns += [("Hot cells", "right"), ("Areas", "right")]
    for name, justify in columns:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    sites = plan.sites.reset_index(drop=True)
    for i, row in enumerate(reach.by_site.itertuples(index=False)):
        cells = [
            str(row.rank),
            str(row.name) + (" (existing/fixed)" if bool(row.fixed) else ""),
            f"{row.incidents:,}",
            f"{row.incidents_added:,}",
        ]
        if weighted:
            cells.append(format_weight(float(sites.loc[i, "added_weight"])))
        cells += [f"{row.hotspot_cells:,}", f"{row.n_areas_reached:,}"]
        table.add_row(*cells)
    return table


def where_lines(plan: OutreachPlan, context: pd.DataFrame) -> str:
    """Where each site is, one line per site (rank, name, then the context's ``where``)."""
    names = dict(zip(plan.sites["rank"].tolist(), plan.sites["name"].astype(str), strict=True))
    lines = ["Where the sites are:"]
    lines += [
        f"{rank}. {names[rank]}: {where}"
        for rank, where in zip(context["rank"].tolist(), context["where"].astype(str), strict=True)
    ]
    return escape("\n".join(lines))


def curve_line(curve: object) -> str:
    """One line with the coverage curve at a few k and the greedy shortfall."""
    import pandas as pd

    frame = curve if isinstance(curve, pd.DataFrame) else pd.DataFrame()
    shown = frame.loc[frame["k"].isin(_CURVE_PRINTED) | (frame["k"] == frame["k"].max())]
    points = ", ".join(f"k={int(r.k)} {r.share:.1%}" for r in shown.itertuples(index=False))
    text = f"Coverage curve ({frame['method'].iloc[0]}): {points}"
    if "greedy_gap" in frame.columns:
        total = float(frame.attrs.get("total_weight", 0.0)) or 1.0
        worst = float(frame["greedy_gap"].max())
        text += (
            "; the greedy heuristic matches the exact optimum at every k"
            if worst <= 0
            else f"; the greedy heuristic falls short by up to {worst / total:.1%} of the demand"
        )
    return text + "."


def _forecast_demand(args: argparse.Namespace, analysis: Analysis) -> Forecast:
    """The forecast whose expected incidents are the demand (cells of --demand-cell-size-m)."""
    from hotspots.forecast import forecast

    incidents = analysis.incidents
    until = args.forecast_until or str(incidents["occurred_at"].max().date())
    areas = analysis.areas[["name", "geometry"]] if analysis.areas is not None else None
    try:
        return forecast(
            incidents,
            until=until,
            horizon_months=args.forecast_horizon_months,
            cell_size_m=args.demand_cell_size_m,
            boundaries=areas,
            quiet=args.quiet,
        )
    except HotspotsError as exc:
        raise exc.reworded(
            "Forecast demand: ",
            keys={"until": "forecast_until", "horizon_months": "forecast_horizon_months"},
        ) from None


def _check_arguments(args: argparse.Namespace) -> None:
    if args.demo and args.source is not None:
        raise InputError(
            f"Give either SOURCE ({str(args.source)!r}) or --demo, not both: --demo plans on the "
            "bundled Toronto data."
        )
    if not args.demo and args.source is None:
        raise InputError(
            "No incidents: give an incidents file (hotspots plan incidents.csv ...) or --demo "
            "for the bundled Toronto data."
        )
    if args.k < 1:
        raise invalid("--k", args.k, "a whole number of sites >= 1", "For example --k 10.")
    if not (math.isfinite(args.radius_m) and args.radius_m > 0):
        raise invalid(
            "--radius-m",
            args.radius_m,
            "a positive distance in metres",
            "For example --radius-m 800.",
        )
    if args.curve_k_max < 0:
        raise invalid("--curve-k-max", args.curve_k_max, "a whole number >= 0 (0: no curve)")
    if args.min_share_per_area is not None and args.greedy:
        raise invalid(
            "--greedy",
            True,
            "the exact solver when --min-share-per-area is set",
            "The greedy heuristic cannot honour a minimum per neighbourhood; drop --greedy.",
        )
