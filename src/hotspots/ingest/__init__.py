"""Ingest: read incident files, map their columns, validate every row, report rejects.

:func:`load_incidents` reads a source (CSV, Parquet, GeoJSON, GeoPackage, Shapefile, KML,
or an already-read DataFrame), detects the columns, and returns a :class:`LoadResult`
whose ``incidents`` and ``rejects`` together hold every input row exactly once::

    len(result.incidents) + len(result.rejects) == result.rows_read

Incidents schema (``LoadResult.incidents``, a GeoDataFrame with a RangeIndex)
-----------------------------------------------------------------------------
The same rows travel as arrays in ``LoadResult.table`` (an
:class:`~hotspots.ingest.table.IncidentTable`: ``x_m``/``y_m`` instead of ``geometry``, the
labels categorical); the GeoDataFrame is built from it on first use. A CSV file is read
straight from disk by Arrow's multithreaded reader with the detected coordinate columns as
float64 and the labels dictionary-encoded (falling back to text when a value is not a plain
number, so bad values still become rejects).

``source_row`` (int64)
    1-based number of the data row in the source (the first row after a CSV header is
    1; blank lines are not rows), so a user can find it.
``occurred_at`` (``datetime64[us, <LoadResult.timezone>]``)
    When the incident happened, tz-aware. With month-only sources it is the first day of
    the month at midnight (``LoadResult.time_resolution == "month"``).
``offense`` (string)
    From the offense column; ``default_offense`` when the source has none (or for the
    rows where it is empty).
``neighbourhood`` (string, may be ``<NA>``)
    The source's own area label when it has one (Toronto ``Neighbourhood``, Vancouver
    ``NEIGHBOURHOOD``, Chicago ``district``); otherwise all ``<NA>``.
``premises`` (string, may be ``<NA>``)
    Premises/location type when the source has one (Chicago ``loc_cat``), else ``<NA>``.
``location`` (string, may be ``<NA>``; only when the source has such a column)
    Block, street or address text (Vancouver ``HUNDRED_BLOCK``, police.uk ``location``),
    kept for the analyst's context (the outreach planner's nearest block). It is never
    published: snapshots hold aggregates only, and their audit rejects any such value.
``geometry``
    Points in ``LoadResult.metric_crs``: the WGS 84 / UTM zone of the data's median point,
    always (also for projected sources, so every result is comparable); in metres.

Rejects: see :mod:`hotspots.ingest.rejects` (``source_row``, ``reason``, ``detail``,
then the original columns as text). Checks run in the order of :data:`REJECT_REASONS`
and a row gets the first reason it fails.

Duplicates
----------
``duplicates="id"`` (default) rejects later rows repeating an incident id (missing ids
are never duplicates; a no-op without an id column). It is the default because two
*different* incidents can legitimately share every other field - a multi-offense event
recorded as one row per victim or offense, at one address, at one minute - so
``duplicates="rows"`` (rows identical in every source column) can drop real incidents
when the export leaves out the id, while a repeated id is a re-exported record. Note
that some sources (Toronto MCI) repeat the event id once per offense: use
``duplicates="keep"`` to keep them all. Duplicates are looked for among rows that pass
every other check, so a valid copy is kept rather than a broken one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from hotspots.allocator import release_free_memory
from hotspots.blocks import compact
from hotspots.errors import EmptyDataError, HotspotsError, InputError, Option, invalid, literal
from hotspots.ingest.boundaries import load_boundaries
from hotspots.ingest.columns import ColumnMapping, detect_columns, resolve_columns
from hotspots.ingest.coordinates import (
    Located,
    locate,
    parse_crs,
    reject_outside,
)
from hotspots.ingest.database import DatabaseRows, is_database_url, read_incidents_table
from hotspots.ingest.duplicates import reject_duplicates
from hotspots.ingest.landing import CRSOrigin, check_landing, place_clues, reject_far_points
from hotspots.ingest.localtime import aware_series, utc_values
from hotspots.ingest.readers import SUPPORTED_FORMATS, Source, read_table, read_with_notes
from hotspots.ingest.rejects import (
    REJECT_REASONS,
    NoIncidentsError,
    RejectLedger,
    counts_by_reason,
    summarise,
)
from hotspots.ingest.table import IncidentTable
from hotspots.ingest.timestamps import (
    Timestamps,
    check_date_format,
    check_timezone,
    infer_timezone,
    parse_timestamps,
    require_date_columns,
)
from hotspots.ingest.window import reject_before_window

__all__ = [
    "REJECT_REASONS",
    "SUPPORTED_FORMATS",
    "ColumnMapping",
    "IncidentTable",
    "LoadResult",
    "NoIncidentsError",
    "detect_columns",
    "load_boundaries",
    "load_incidents",
    "read_table",
]

log = logging.getLogger(__name__)

DUPLICATE_POLICIES = ("id", "rows", "keep")
INCIDENT_COLUMNS = ("source_row", "occurred_at", "offense", "neighbourhood", "premises", "geometry")


@dataclass(frozen=True)
class LoadResult:
    """The outcome of :func:`load_incidents`: accepted incidents, rejects and the choices made.

    Attributes
    ----------
    table : IncidentTable
        Accepted rows as arrays (``x_m``/``y_m`` instead of ``geometry``, ``offense``
        categorical): the fast form :func:`hotspots.analyze` and the CLI use.
    incidents : geopandas.GeoDataFrame
        The same rows as points (schema in the module docstring), in ``metric_crs``; built
        from ``table`` on first use.
    rejects : pandas.DataFrame
        One row per rejected input row (``source_row``, ``reason``, ``detail``, originals).
    rows_read : int
        Data rows read from the source; ``len(incidents) + len(rejects) == rows_read``.
    mapping : ColumnMapping
        The column mapping actually used (auto-detected plus overrides).
    source_crs : str
        CRS of the source coordinates, e.g. ``"EPSG:4326"``.
    metric_crs : pyproj.CRS
        CRS of ``incidents.geometry`` (local UTM zone, in metres).
    timezone : str
        IANA name of the time zone of ``occurred_at``.
    time_resolution : str
        ``"minute"``, ``"hour"``, ``"day"`` or ``"month"``: the finest the source gives.
    notes : tuple of str
        Human-readable notes on the automatic choices (encoding, columns, CRS, time zone...).
    """

    table: IncidentTable
    rejects: pd.DataFrame
    rows_read: int
    mapping: ColumnMapping
    source_crs: str
    metric_crs: CRS
    timezone: str
    time_resolution: str
    notes: tuple[str, ...]

    def __getstate__(self) -> dict[str, object]:
        # The points are rebuilt from the arrays on demand; they are not worth pickling.
        return {k: v for k, v in self.__dict__.items() if k != "incidents"}

    @cached_property
    def incidents(self) -> gpd.GeoDataFrame:
        """Accepted rows as a GeoDataFrame of points (built once, on first use)."""
        return self.table.to_geodataframe()

    def reject_counts(self) -> pd.Series:
        """Return the number of rejected rows per reason, largest first."""
        return counts_by_reason(self.rejects)


def load_incidents(
    source: Source | pd.DataFrame,
    *,
    columns: ColumnMapping | Mapping[str, str | None] | None = None,
    crs: str | int | None = None,
    timezone: str | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    default_offense: str = "All incidents",
    duplicates: Literal["id", "rows", "keep"] = "id",
    keep_early: bool = False,
    keep_far: bool = False,
    now: pd.Timestamp | None = None,
    layer: str | None = None,
    filename: str | None = None,
    encoding: str | None = None,
    swap_lat_lon: bool = False,
    table: str | None = None,
    query: str | None = None,
    date_format: str | None = None,
    quiet: bool = False,
) -> LoadResult:
    """Load incidents from a file, a database or a DataFrame, validating every row.

    Parameters
    ----------
    source : path, glob, binary file object, SQLAlchemy URL, DataFrame or GeoDataFrame
        See :func:`read_table` for the file formats (a folder or glob of Parquet files is
        read as one data set). A URL such as ``"postgresql://user@host/rms"`` reads
        ``table`` or ``query`` from that database in chunks
        (:mod:`hotspots.ingest.database`; needs the ``db`` extra).
    columns : ColumnMapping or dict, optional
        Overrides of the auto-detected columns, e.g. ``{"date": "Occurred", "id": None}``.
    crs : str or int, optional
        CRS of the coordinates (needed for projected X/Y in a CSV, e.g. ``"EPSG:26910"``);
        overrides a file's own CRS. Default: the file's CRS, else EPSG:4326.
    timezone : str, optional
        IANA time zone of the timestamps; inferred from the data's centre when omitted.
    boundaries : GeoDataFrame, optional
        Study area polygons (any CRS); points outside all of them are rejected (points on
        a border are kept).
    default_offense : str
        Offense label when the source has no offense column (or an empty cell).
    duplicates : {"id", "rows", "keep"}
        How repeated records are rejected (see the module docstring).
    keep_early : bool, default False
        Keep incidents that occurred long before the data's reporting window (see
        :mod:`hotspots.ingest.window`); by default they are rejected as ``before reporting
        window`` and the notes say how many.
    keep_far : bool, default False
        Keep the few points far from all the others (see
        :func:`~hotspots.ingest.landing.reject_far_points`); by default they are rejected as
        ``far from the rest`` (one bad geocode abroad would stretch the grid across the
        ocean) and the notes say how many.
    now : pandas.Timestamp, optional
        Rows after this moment are rejected as ``future date`` (default: now).
    layer, filename, encoding : str, optional
        Passed to :func:`read_table`.
    swap_lat_lon : bool
        The latitude and longitude columns are swapped in the source: swap them back.
    table, query : str, optional
        With a database URL: the table (``schema.table``) or SQL query to read.
    date_format : str, optional
        Format of the date column: ``"day-first"``, ``"month-first"`` or a ``strptime``
        format. Default: detected from the whole column (see
        :func:`~hotspots.ingest.timestamps.parse_timestamps`).
    quiet : bool
        Log the automatic choices at DEBUG instead of INFO level.

    Returns
    -------
    LoadResult

    Raises
    ------
    InputError, ColumnError, CRSError, EmptyDataError
        For user mistakes (messages say how to fix them). :class:`NoIncidentsError` (an
        ``EmptyDataError``) when every row is rejected; it carries the reject report.
    """
    level = logging.DEBUG if quiet else logging.INFO
    _check_options(duplicates, default_offense, swap_lat_lon)
    tz_given = None if timezone is None else check_timezone(timezone)
    date_format = check_date_format(date_format)
    declared_crs = parse_crs(crs)

    if (table is not None or query is not None) and not is_database_url(source):
        raise invalid(
            "table" if table is not None else "query",
            table if table is not None else query,
            "only with a database URL source such as 'postgresql://user@host/rms'",
        )
    if is_database_url(source):
        rows = read_incidents_table(str(source), table=table, query=query)
        frame, notes = _read(rows.frame, layer=None, filename=None, encoding=None, quiet=quiet)
        notes = rows.notes + notes
        columns, declared_crs = _database_points(rows, columns, declared_crs)
        logged = 0
    else:
        frame, notes = _read(
            source,
            layer=layer,
            filename=filename,
            encoding=encoding,
            quiet=quiet,
            mapping=_mapping_for(columns),
            prune=duplicates != "rows",  # every column is compared then
        )
        logged = len(notes)  # the reader has logged its own notes
    # The reader's freed buffers, kept by the C library otherwise: a fifth of the peak of a
    # ten-million-row command (README, "Memory is time on this VM").
    release_free_memory()
    rows_read = len(frame)
    mapping, overridden = resolve_columns(frame, columns)
    require_date_columns(frame, mapping)
    notes.append(f"columns: {mapping.describe()}")
    ledger = RejectLedger(rows_read)
    use_geometry = _uses_geometry(frame, overridden)
    if use_geometry:
        _refuse_areas(frame, filename or _source_name(source))

    located = locate(
        frame,
        mapping,
        ledger,
        crs=declared_crs,
        swap_lat_lon=swap_lat_lon,
        use_geometry=use_geometry,
    )
    notes.extend(located.notes)
    if located.metric_crs is None or located.centre_lon_lat is None:
        _raise_nothing_left(ledger, frame, rows_read)
    far_note = reject_far_points(located, ledger, keep=bool(keep_far))
    if far_note:
        notes.append(far_note)
    if boundaries is not None:
        outside = reject_outside(located, boundaries, ledger)
        notes.append(f"{outside:,} points outside the study boundaries")
    check_landing(
        located,
        clues=place_clues(frame, mapping, timezone=tz_given),
        # a point kept by reject_outside lies inside the boundaries: nothing to check then
        boundaries=None if ledger.accepted.any() else boundaries,
        crs=_crs_origin(declared_crs, use_geometry),
    )
    tz = tz_given or _inferred_timezone(located, notes)
    stamps = parse_timestamps(frame, mapping, ledger, timezone=tz, now=now, date_format=date_format)
    notes.extend(stamps.notes)
    notes.append(f"time resolution: {stamps.resolution}")
    _, early_note = reject_before_window(
        stamps.values, ledger, keep_early=bool(keep_early), wall=stamps.wall
    )
    if early_note:
        notes.append(early_note)
    reject_duplicates(frame, mapping, ledger, duplicates, notes)

    accepted = _incidents(frame, mapping, located, stamps, ledger, default_offense, notes)
    rejects = ledger.report(frame)
    if len(accepted) == 0:
        _raise_nothing_left(ledger, frame, rows_read)
    notes.append(f"{len(accepted):,} of {rows_read:,} rows accepted, {len(rejects):,} rejected")
    for note in notes[logged:]:
        log.log(level, note)
    return LoadResult(
        table=accepted,
        rejects=rejects,
        rows_read=rows_read,
        mapping=mapping,
        source_crs=located.source_crs.to_string(),
        metric_crs=located.metric_crs,  # type: ignore[arg-type]  # checked above
        timezone=tz,
        time_resolution=stamps.resolution,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- steps


def _check_options(duplicates: str, default_offense: str, swap_lat_lon: bool) -> None:
    if duplicates not in DUPLICATE_POLICIES:
        raise invalid("duplicates", duplicates, DUPLICATE_POLICIES)
    if not isinstance(default_offense, str) or not default_offense.strip():
        raise invalid(
            "default_offense", default_offense, "a non-empty label such as 'All incidents'"
        )
    if not isinstance(swap_lat_lon, bool):
        raise invalid("swap_lat_lon", swap_lat_lon, (True, False))


def _read(
    source: Source | pd.DataFrame,
    *,
    layer: str | None,
    filename: str | None,
    encoding: str | None,
    quiet: bool,
    mapping: Callable[[list[str]], ColumnMapping | None] | None = None,
    prune: bool = False,
) -> tuple[pd.DataFrame, list[str]]:
    if isinstance(source, pd.DataFrame):
        if len(source) == 0:
            raise EmptyDataError(
                f"source is an empty DataFrame (columns: {', '.join(map(str, source.columns))}); "
                "pass a table with at least one row."
            )
        return source.reset_index(drop=True), []
    frame, notes = read_with_notes(
        source,
        layer=layer,
        encoding=encoding,
        filename=filename,
        quiet=quiet,
        typed=True,
        mapping=mapping,
        prune=prune,
    )
    notes.insert(0, f"read {len(frame):,} rows")
    return frame.reset_index(drop=True), notes


def _mapping_for(
    columns: ColumnMapping | Mapping[str, str | None] | None,
) -> Callable[[list[str]], ColumnMapping | None]:
    """The mapping of a file with these column names (auto-detected, or as ``columns``
    says), for the reader to type and choose columns by; None when it does not resolve (the
    error is raised on the frame read, listing every column)."""

    def resolved(names: list[str]) -> ColumnMapping | None:
        try:
            return resolve_columns(pd.DataFrame(columns=names), columns)[0]
        except HotspotsError:
            return None

    return resolved


def _database_points(
    rows: DatabaseRows,
    columns: ColumnMapping | Mapping[str, str | None] | None,
    crs: CRS | None,
) -> tuple[ColumnMapping | Mapping[str, str | None] | None, CRS | None]:
    """Point the mapping at a PostGIS column's coordinates unless the user named others."""
    if rows.x_column is None or rows.y_column is None:
        return columns, crs
    given = columns.as_dict() if isinstance(columns, ColumnMapping) else dict(columns or {})
    if any(given.get(field) is not None for field in ("lat", "lon", "x", "y")):
        return columns, crs
    points = {"lat": None, "lon": None, "x": rows.x_column, "y": rows.y_column}
    if isinstance(columns, ColumnMapping):
        return columns.replace(**points), crs or parse_crs(rows.crs)
    return {**given, **points}, crs or parse_crs(rows.crs)


def _uses_geometry(frame: pd.DataFrame, overridden: tuple[str, ...]) -> bool:
    if not isinstance(frame, gpd.GeoDataFrame) or frame._geometry_column_name not in frame:
        return False
    return not any(field in overridden for field in ("lat", "lon", "x", "y"))


def _source_name(source: object) -> str:
    if isinstance(source, pd.DataFrame):
        return "the data"
    return Path(str(getattr(source, "name", source))).name


def _refuse_areas(frame: gpd.GeoDataFrame, label: str) -> None:
    """A file of polygons only is boundaries given as incidents: say so (not "every row
    rejected: not a point geometry")."""
    kinds = frame.geometry.geom_type.dropna()
    if len(kinds) and kinds.isin(["Polygon", "MultiPolygon"]).all():
        raise InputError(
            literal(
                f"{label} holds polygons (areas), not incident points: it looks like a "
                "boundary file. "
            )
            + "Give it as the boundaries ({0}) and the incident points as the data.",
            options=(Option("boundaries"),),
        )


def _crs_origin(declared: CRS | None, use_geometry: bool) -> CRSOrigin:
    if declared is not None:
        return "given"
    return "file" if use_geometry else "assumed"


def _inferred_timezone(located: Located, notes: list[str]) -> str:
    lon, lat = located.centre_lon_lat  # type: ignore[misc]  # set when metric_crs is
    tz = infer_timezone(lon, lat)
    notes.append(f"time zone {tz}, inferred from the data's centre ({lon:.4f}, {lat:.4f})")
    return tz


def _text_column(frame: pd.DataFrame, column: str | None, rows: np.ndarray) -> pd.Series:
    """Stripped labels of the accepted rows (empty = missing) as a categorical."""
    if column is None:
        return pd.Series(
            pd.Categorical.from_codes(np.full(len(rows), -1, dtype=np.int8), categories=[])
        )
    values = frame[column]
    if len(rows) != len(frame):
        values = values.iloc[rows]
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("category")
    # Strip the few distinct labels, not every row.
    labels = pd.Series(values.cat.categories.astype("str")).str.strip()
    merged, uniques = pd.factorize(labels.where(labels != ""), sort=True)
    old_codes = values.cat.codes.to_numpy()  # as narrow as the categories allow (int8...)
    codes = np.append(merged, -1).astype(old_codes.dtype)[old_codes]  # -1 (missing) stays -1
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype="str")))


def _incidents(
    frame: pd.DataFrame,
    mapping: ColumnMapping,
    located: Located,
    stamps: Timestamps,
    ledger: RejectLedger,
    default_offense: str,
    notes: list[str],
) -> IncidentTable:
    """The accepted rows as the incident table. The located coordinates and the parsed
    times are compacted in place (not copied): neither is used after."""
    keep = ledger.accepted
    rows = np.flatnonzero(keep)
    offense = _text_column(frame, mapping.offense, rows)
    if mapping.offense is None:
        notes.append(f"no offense column: every incident is {default_offense!r}")
    elif offense.isna().any():
        notes.append(
            f"{int(offense.isna().sum()):,} incidents without an offense set to {default_offense!r}"
        )
    data = {
        "source_row": rows,  # made 1-based below, once the text columns are taken
        "occurred_at": stamps.values.reset_index(drop=True),
        "offense": _fill_label(offense, default_offense),
        "neighbourhood": _text_column(frame, mapping.neighbourhood, rows),
        "premises": _text_column(frame, mapping.premises, rows),
        "x_m": located.x_m,
        "y_m": located.y_m,
    }
    if mapping.location is not None:
        # Only when the source has block/street text: for the analyst's context, never published.
        data["location"] = _text_column(frame, mapping.location, rows)
    rows += 1
    if len(rows) < len(keep):  # some rows rejected: compacted in place, no full-size copies
        data["x_m"], data["y_m"] = compact(located.x_m, keep), compact(located.y_m, keep)
        utc = compact(utc_values(stamps.values), keep)
        data["occurred_at"] = aware_series(utc, stamps.values.dt.tz)
    # copy=False: the columns stay separate arrays (no 2-D block copy of x, y and rows).
    return IncidentTable(pd.DataFrame(data, copy=False), located.metric_crs)  # type: ignore[arg-type]


def _fill_label(labels: pd.Series, default: str) -> pd.Series:
    if labels.isna().any():
        if default not in labels.cat.categories:
            labels = labels.cat.add_categories([default])
        labels = labels.fillna(default)
    return labels


def _raise_nothing_left(ledger: RejectLedger, frame: pd.DataFrame, rows_read: int) -> None:
    rejects = ledger.report(frame)
    raise NoIncidentsError(
        f"All {rows_read:,} rows were rejected: {literal(summarise(rejects))}. Check the "
        "column mapping ({0}), the CRS ({1}) and the date format ({3}); the reject report is "
        "in {2}.",
        options=(Option("columns"), Option("crs"), Option("rejects"), Option("date_format")),
        rejects=rejects,
        rows_read=rows_read,
    )
