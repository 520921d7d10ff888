"""Reading incidents and boundaries from PostgreSQL/PostGIS: a URL plus a table or a query.

``load_incidents("postgresql://user@host/rms", table="incidents")`` reads the rows in chunks
(a server-side cursor, ``chunk_rows`` at a time) and hands them to the same column mapping,
checks and reject report as a file. PostGIS point columns arrive as two float columns
(``ST_X``/``ST_Y``, no geometry objects) with their SRID as the CRS; polygon boundaries
(:func:`read_boundaries_table`) arrive as geometries.

SQLAlchemy and a driver (psycopg for PostgreSQL) are the optional extra ``db``
(``pip install 'hotspots[db]'``), imported only when a URL is read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from hotspots.errors import EmptyDataError, InputError, describe, invalid

if TYPE_CHECKING:
    import geopandas as gpd
    from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

#: Rows fetched from the server per round trip.
CHUNK_ROWS = 100_000
_URL = re.compile(r"^[a-z][a-z0-9+]*://", re.IGNORECASE)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")
INSTALL_HINT = "install the database extra: pip install 'hotspots[db]' (SQLAlchemy + psycopg)"


@dataclass
class DatabaseRows:
    """Rows read from a database, with what :func:`hotspots.ingest.load_incidents` needs."""

    frame: pd.DataFrame
    label: str
    x_column: str | None = None
    y_column: str | None = None
    crs: str | None = None
    notes: list[str] = field(default_factory=list)


def is_database_url(source: object) -> bool:
    """True for an SQLAlchemy URL such as ``postgresql://user@host:5432/rms``."""
    return isinstance(source, str) and bool(_URL.match(source)) and not source.startswith("file:")


def read_incidents_table(
    url: str,
    *,
    table: str | None = None,
    query: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> DatabaseRows:
    """Read every row of ``table`` (or of ``query``), streamed ``chunk_rows`` at a time.

    A PostGIS geometry column becomes ``<column>_x`` / ``<column>_y`` floats (NaN for rows
    whose geometry is missing or not a point), with its SRID as the CRS.

    Raises
    ------
    InputError
        Neither or both of ``table`` and ``query``; a bad table name; a failed connection
        or query (with the database's message); SQLAlchemy missing (with the install hint).
    """
    with _session(url, table, query) as (connection, sql, label, geometry, _):
        select, x_column, y_column, srid = _select(connection, sql, geometry)
        chunks = pd.read_sql_query(
            _text(select),
            connection.execution_options(stream_results=True, max_row_buffer=chunk_rows),
            chunksize=chunk_rows,
        )
        parts = [_compact(chunk) for chunk in chunks]
    if not parts or sum(map(len, parts)) == 0:
        raise EmptyDataError(f"{label} returned no rows; check the table or the query's WHERE.")
    frame = pd.concat(parts, ignore_index=True)
    rows = DatabaseRows(frame, label, x_column, y_column)
    if srid:
        rows.crs = f"EPSG:{srid}"
        rows.notes.append(f"{label}: points from PostGIS column {geometry[0]!r}, SRID {srid}")
    rows.notes.insert(0, f"read {len(frame):,} rows from {label} in chunks of {chunk_rows:,}")
    return rows


def read_boundaries_table(
    url: str, *, table: str | None = None, query: str | None = None
) -> gpd.GeoDataFrame:
    """Polygons of a PostGIS ``table`` (or ``query``) as a GeoDataFrame in their SRID."""
    import geopandas as gpd

    with _session(url, table, query) as (connection, sql, label, geometry, engine):
        if not geometry:
            raise InputError(
                f"{label} has no PostGIS geometry column; boundaries must be polygons "
                "(a geometry column of Polygon/MultiPolygon)."
            )
        frame = gpd.read_postgis(_text(sql), connection, geom_col=geometry[0])
    if frame.crs is None:
        srid = _srid(engine, sql, geometry[0])
        frame = frame.set_crs(f"EPSG:{srid}") if srid else frame
    return frame


# --------------------------------------------------------------------------- steps


@contextmanager
def _session(
    url: str, table: str | None, query: str | None
) -> Iterator[tuple[Connection, str, str, list[str], Any]]:
    """Connect for one read: yields ``(connection, sql, label, geometry columns, engine)``;
    database errors become :class:`InputError` naming the source; the engine is disposed."""
    sql = _source_sql(table, query)
    label = _label(url, table, query)
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            yield connection, sql, label, _geometry_columns(connection, sql), engine
    except _database_errors() as error:
        raise _failed(label, error, url) from None
    finally:
        engine.dispose()


def _source_sql(table: str | None, query: str | None) -> str:
    if (table is None) == (query is None):
        raise InputError(
            f"table={describe(table)}, query={describe(query)}: a database source needs "
            "exactly one of them, e.g. --table incidents or --query 'SELECT * FROM incidents'."
        )
    if table is not None:
        if not _IDENTIFIER.match(table):
            raise invalid(
                "table",
                table,
                "a table name, optionally with its schema (letters, digits, _), e.g. rms.incidents",
                "For anything else pass --query 'SELECT ...'.",
            )
        return "SELECT * FROM " + ".".join(f'"{part}"' for part in table.split("."))
    text = str(query).strip().rstrip(";")
    if not text:
        raise invalid("query", query, "an SQL SELECT statement")
    return text


def public_url(url: str) -> str:
    """``url`` without its user, password and query string: what messages and notes show.

    The user info ends at the last "@" (a mistyped password may hold an "@" or a "/")."""
    scheme, separator, _ = url.partition("://")
    return f"{scheme}{separator}{_address(url).rpartition('@')[2]}"


def _address(url: str) -> str:
    """``url`` after the scheme, up to its parameters (``?``)."""
    return url.partition("://")[2].partition("?")[0]


def _label(url: str, table: str | None, query: str | None) -> str:
    where = public_url(url)
    return f"{where} table {table}" if table else f"{where} query"


def _engine(url: str) -> Any:
    """An SQLAlchemy engine for a PostgreSQL ``url`` (through psycopg); anything else, a
    malformed URL or a missing driver is an :class:`InputError` that never shows the password."""
    shown = public_url(url)
    scheme, _, rest = url.partition("://")
    dialect, _, driver = scheme.lower().partition("+")
    if dialect not in ("postgresql", "postgres"):
        raise InputError(
            f"{shown}: hotspots reads incidents and boundaries from PostgreSQL (with or "
            f"without PostGIS), not from {dialect!r}. Give a postgresql://user@host:5432/database "
            "URL, or export the table to CSV or Parquet and read that file."
        )
    try:
        import sqlalchemy
    except ImportError:
        raise InputError(f"Reading {shown} needs SQLAlchemy; {INSTALL_HINT}.") from None
    try:
        return sqlalchemy.create_engine(f"postgresql+{driver or 'psycopg'}://{rest}")
    except ImportError as error:
        fix = (
            INSTALL_HINT
            if driver in ("", "psycopg")
            else (
                f"install {driver}, or write the URL as postgresql://… to use psycopg "
                "(in the database extra)"
            )
        )
        raise InputError(
            f"Reading {shown} needs a driver that is missing ({error}); {fix}."
        ) from None
    except (sqlalchemy.exc.ArgumentError, ValueError) as error:
        raise InputError(
            f"{shown} is not a database URL SQLAlchemy can read ({_scrub(error, url)}); write "
            "it as postgresql://user:password@host:5432/database."
        ) from None


def _scrub(error: BaseException, url: str) -> str:
    """The first line of ``error``'s message with ``url``'s user info (password) cut out."""
    message = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    user_info = _address(url).rpartition("@")[0]
    return message.replace(user_info, "…") if user_info else message


def _database_errors() -> tuple[type[BaseException], ...]:
    import sqlalchemy

    return (sqlalchemy.exc.SQLAlchemyError,)


def _failed(label: str, error: BaseException, url: str) -> InputError:
    return InputError(
        f"Reading {label} failed: {_scrub(error, url)}. Check the URL (user, password, host, "
        "port, database), that the server is running, and the table name or query."
    )


def _text(sql: str) -> Any:
    import sqlalchemy

    return sqlalchemy.text(sql.replace(":", r"\:"))


def _geometry_columns(connection: Connection, sql: str) -> list[str]:
    """Names of the PostGIS geometry columns ``sql`` returns (none without PostGIS)."""
    oid = connection.exec_driver_sql("SELECT to_regtype('geometry')::oid").scalar()
    if not oid:
        return []
    result = connection.execute(_text(f"SELECT * FROM ({sql}) AS q LIMIT 0"))
    description = result.cursor.description if result.cursor is not None else []
    result.close()
    return [str(column[0]) for column in description if column[1] == oid]


def _select(
    connection: Connection, sql: str, geometry: list[str]
) -> tuple[str, str | None, str | None, int | None]:
    if not geometry:
        return sql, None, None, None
    column = geometry[0]
    quoted = '"' + column.replace('"', '""') + '"'
    x_column, y_column = f"{column}_x", f"{column}_y"
    point = f"GeometryType(q.{quoted}) = 'POINT'"
    # The geometry itself is not fetched: the coordinates are enough for points.
    select = (
        f"SELECT {_all_but(connection, sql, column)}, "
        f'CASE WHEN {point} THEN ST_X(q.{quoted}) END AS "{x_column}", '
        f'CASE WHEN {point} THEN ST_Y(q.{quoted}) END AS "{y_column}" FROM ({sql}) AS q'
    )
    srid = connection.execute(
        _text(f"SELECT ST_SRID(q.{quoted}) FROM ({sql}) AS q WHERE q.{quoted} IS NOT NULL LIMIT 1")
    ).scalar()
    return select, x_column, y_column, int(srid) if srid else None


def _all_but(connection: Connection, sql: str, skip: str) -> str:
    result = connection.execute(_text(f"SELECT * FROM ({sql}) AS q LIMIT 0"))
    names = [str(c[0]) for c in (result.cursor.description if result.cursor is not None else [])]
    result.close()
    kept = ['q."' + name.replace('"', '""') + '"' for name in names if name != skip]
    return ", ".join(kept) if kept else "NULL AS no_columns"


def _srid(engine: Any, sql: str, column: str) -> int | None:
    quoted = '"' + column.replace('"', '""') + '"'
    with engine.connect() as connection:
        value = connection.execute(
            _text(
                f"SELECT ST_SRID(q.{quoted}) FROM ({sql}) AS q WHERE q.{quoted} IS NOT NULL LIMIT 1"
            )
        ).scalar()
    return int(value) if value else None


def _compact(chunk: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Arrow-backed strings (not one Python object per cell)."""
    text = [c for c in chunk.columns if chunk[c].dtype == object]
    return chunk.astype(dict.fromkeys(text, "str")) if text else chunk
