"""Options and steps shared by the sub-commands.

The analysis stack (pandas, GeoPandas, the statistics) is imported when a command runs,
not when its options are declared, so ``hotspots analyze --help`` answers at once.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hotspots.errors import invalid

if TYPE_CHECKING:
    import geopandas as gpd

    from hotspots.analysis import Analysis
    from hotspots.ingest import LoadResult


#: SOURCE that means the bundled Toronto data.
BUNDLED = "toronto"


def add_bundled_source(parser: argparse.ArgumentParser) -> None:
    """The positional ``SOURCE``: an incidents file or 'toronto' (see :func:`is_bundled`)."""
    parser.add_argument(
        "source", help=f"incidents file, or '{BUNDLED}' for the bundled Toronto Police data"
    )


def is_bundled(args: argparse.Namespace) -> bool:
    """Whether ``SOURCE`` means the bundled data (the word 'toronto', not a file so named)."""
    return str(args.source).casefold() == BUNDLED and not Path(args.source).exists()


def files_written(out: Path | str, paths: Mapping[str, Path]) -> str:
    """The closing line of a command: the folder and the names of the files written there."""
    return f"Files written to {out}: " + ", ".join(p.name for p in paths.values())


def add_input_options(parser: argparse.ArgumentParser) -> None:
    """Options that describe how to read an incidents file."""
    group = parser.add_argument_group("reading the incidents")
    group.add_argument(
        "--crs", help="CRS of projected X/Y columns, e.g. EPSG:26910 (lon/lat needs none)"
    )
    group.add_argument(
        "--timezone", help="IANA time zone of naive timestamps (default: from the coordinates)"
    )
    group.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FIELD=NAME",
        help="override the auto-detected column for FIELD (lat, lon, x, y, date, time, year, month, day, hour, minute, offense, neighbourhood, id); repeatable",
    )
    group.add_argument(
        "--swap-lat-lon", action="store_true", help="the latitude and longitude columns are swapped"
    )
    group.add_argument(
        "--table", help="with a database URL source (postgresql://...): the table to read"
    )
    group.add_argument("--query", help="with a database URL source: the SQL query to read")
    group.add_argument(
        "--date-format",
        help="format of the date column: day-first, month-first or a strptime format such as "
        "'%%d/%%m/%%Y %%H:%%M' (default: detected from the whole column)",
    )
    group.add_argument(
        "--encoding",
        help="text encoding of a CSV file, e.g. cp1252 (default: detected: UTF-8, UTF-16, "
        "else cp1252)",
    )
    group.add_argument(
        "--layer",
        help="layer of a GeoPackage (or other file) that holds several; default: the only one",
    )


def add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """Options of the hotspot analysis itself."""
    parser.add_argument(
        "--boundaries",
        type=path_or_url,
        help="neighbourhood/ward polygons (GeoJSON, GPKG, SHP, zip, KML, GeoParquet, or a "
        "postgresql:// URL with --boundaries-table)",
    )
    parser.add_argument("--boundaries-table", help="PostGIS table of the boundary polygons")
    parser.add_argument(
        "--boundaries-crs",
        help="CRS of a boundary file that does not say it (a shapefile without .prj), e.g. EPSG:4326",
    )
    add_grid_options(parser, cell_size_help="cell size in metres (default: automatic, announced)")
    parser.add_argument(
        "--distance-band-m",
        type=float,
        help="Gi* neighbourhood as a distance band in metres (default: contiguity)",
    )
    parser.add_argument("--offense", action="append", help="keep only this offense; repeatable")
    parser.add_argument("--start", help="first day, YYYY-MM-DD")
    parser.add_argument("--end", help="last day, YYYY-MM-DD")
    add_alpha_option(parser)
    parser.add_argument(
        "--no-lisa", dest="lisa", action="store_false", help="skip Local Moran's I clusters"
    )
    parser.add_argument(
        "--inference",
        choices=("exact", "normal"),
        default="exact",
        help="p-values: exact permutation p-values for counts (default) or the normal "
        "approximation (with random permutations for Local Moran)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the random permutations with --inference normal (default 0)",
    )
    parser.add_argument(
        "--keep-early",
        action="store_true",
        help="keep incidents that occurred long before the data's reporting window "
        "(rejected and reported by default)",
    )
    parser.add_argument(
        "--keep-far",
        action="store_true",
        help="keep the few points far from all the others, e.g. a bad geocode abroad "
        "(rejected and reported by default)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only errors")


def add_grid_options(parser: argparse.ArgumentParser, *, cell_size_help: str) -> None:
    """``--grid`` (cell shape) and ``--cell-size-m``."""
    parser.add_argument(
        "--grid",
        choices=("square", "hex"),
        default="square",
        help="grid cell shape (default: square)",
    )
    parser.add_argument("--cell-size-m", type=float, help=cell_size_help)


def add_alpha_option(parser: argparse.ArgumentParser) -> None:
    """``--alpha``: the false discovery rate for calling a cell a hot spot."""
    parser.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        help="false discovery rate for hot spots (default 0.05)",
    )


def column_overrides(pairs: list[str]) -> dict[str, str]:
    """Parse repeated ``FIELD=NAME`` options."""
    out: dict[str, str] = {}
    for pair in pairs:
        field, sep, name = pair.partition("=")
        if not sep or not field.strip() or not name.strip():
            raise invalid("--column", pair, "FIELD=NAME, e.g. --column date=REPORT_DATE")
        out[field.strip()] = name.strip()
    return out


@contextmanager
def steps(*, quiet: bool) -> Iterator[Progress]:
    """A progress display (on stderr) for the named steps of a command."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=quiet,
        transient=False,
    )
    with progress:
        yield progress


@contextmanager
def step(progress: Progress, description: str) -> Iterator[None]:
    task = progress.add_task(description, total=1)
    yield
    progress.update(task, completed=1)


def path_or_url(text: str) -> Path | str:
    """A file path, or a database URL kept as text."""
    from hotspots.ingest.database import is_database_url

    return text if is_database_url(text) else Path(text)


def source_label(source: Path | str) -> str:
    """What to call a source in progress messages (a URL without its password)."""
    from hotspots.ingest.database import is_database_url, public_url

    if isinstance(source, str) and is_database_url(source):
        return public_url(source)
    return Path(source).name


def read_inputs(
    args: argparse.Namespace,
    progress: Progress,
    source: Path | str,
    boundaries_path: Path | str | None,
) -> tuple[LoadResult, gpd.GeoDataFrame | None]:
    """Read the boundaries (when given) and the incidents with the reading options."""
    from hotspots.ingest import load_boundaries, load_incidents

    boundaries = None
    if boundaries_path is not None:
        with step(progress, f"Reading boundaries {source_label(boundaries_path)}"):
            boundaries = load_boundaries(
                boundaries_path,
                table=getattr(args, "boundaries_table", None),
                crs=getattr(args, "boundaries_crs", None),
            )
    with step(progress, f"Reading incidents {source_label(source)}"):
        load = load_incidents(
            source,
            table=getattr(args, "table", None),
            query=getattr(args, "query", None),
            columns=column_overrides(getattr(args, "column", [])) or None,
            crs=getattr(args, "crs", None),
            timezone=getattr(args, "timezone", None),
            boundaries=boundaries,
            swap_lat_lon=getattr(args, "swap_lat_lon", False),
            keep_early=getattr(args, "keep_early", False),
            keep_far=getattr(args, "keep_far", False),
            layer=getattr(args, "layer", None),
            encoding=getattr(args, "encoding", None),
            date_format=getattr(args, "date_format", None),
            quiet=args.quiet,
        )
    return load, boundaries


def run_analysis(
    args: argparse.Namespace,
    progress: Progress,
    source: Path | str,
    boundaries_path: Path | str | None,
) -> tuple[LoadResult, Analysis, gpd.GeoDataFrame | None]:
    """Read the incidents (and boundaries) and analyze them as the options say."""
    from hotspots.analysis import analyze
    from hotspots.spatial.filters import Filters, match_offenses

    load, boundaries = read_inputs(args, progress, source, boundaries_path)
    offenses = None
    if args.offense:
        offenses = match_offenses(args.offense, load.incidents["offense"].unique())
    filters = Filters(offenses=offenses, start=args.start, end=args.end)
    with step(progress, "Counting and testing for hot spots"):
        analysis = analyze(
            load.table,
            boundaries=boundaries,
            filters=filters,
            grid=args.grid,
            cell_size_m=args.cell_size_m,
            distance_band_m=args.distance_band_m,
            alpha=args.alpha,
            lisa=args.lisa,
            seed=args.seed,
            inference=args.inference,
            quiet=args.quiet,
        )
    return load, analysis, boundaries


def hotspot_table(analysis: Analysis, *, top: int) -> Table:
    """The top hot spots as a readable terminal table."""
    params = analysis.params
    table = Table(
        title=f"Top {min(top, len(analysis.hotspots))} of {len(analysis.hotspots)} hot spots "
        f"({params['grid']} cells of {params['cell_size_m']:g} m, FDR {params['alpha']:g})",
        title_justify="left",
    )
    for name, justify in (
        ("#", "right"), ("Neighbourhood", "left"), ("Incidents", "right"), ("Gi* z", "right"),
        ("FDR p", "right"), ("Confidence", "left"), ("Main offense", "left"),
    ):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in analysis.hotspots.head(top).itertuples():
        table.add_row(
            str(row.rank),
            str(row.neighbourhood) if row.neighbourhood is not None else "-",
            f"{row.count:,}",
            f"{row.gi_z:.2f}",
            f"{row.gi_p_fdr:.1e}",
            str(row.confidence),
            f"{row.top_offense} ({row.top_offense_share:.0%})",
        )
    return table


def print_notes(console: Console, analysis: Analysis) -> None:
    """The statistics' caveats, so nobody reads a table without them."""
    for note in analysis.params.get("notes", []):
        console.print(f"[yellow]Note:[/] {note}", soft_wrap=True)


def reject_summary(load: LoadResult) -> str:
    """One line: rows read, accepted, rejected by reason."""
    counts = load.reject_counts()
    reasons = ", ".join(f"{n:,} {reason}" for reason, n in counts.items())
    return (
        f"{load.rows_read:,} rows read: {len(load.table):,} accepted, {len(load.rejects):,} rejected"
        + (f" ({reasons})" if reasons else "")
    )
