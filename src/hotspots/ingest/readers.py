"""Reading incident and boundary files into (Geo)DataFrames: :func:`read_table`.

Supported formats (by file-name extension, case-insensitive):

* **CSV** ``.csv``, ``.csv.gz``, ``.txt``, ``.tsv``, ``.tab`` (also gzip-compressed): the
  delimiter (``,`` ``;`` tab ``|``) is sniffed from the header and the first rows; every
  column is read as text (numbers are coerced later, so a stray ``"abc"`` in a coordinate
  column becomes a reject, not a failed read). Text is decoded as UTF-8 (with or without a
  byte-order mark) or UTF-16 (with a byte-order mark), falling back to cp1252 and then
  latin-1; the encoding used is logged. Blank lines are skipped and do not count as rows.
* **Parquet / GeoParquet** ``.parquet``, ``.geoparquet``, ``.pq``; also a folder of them or
  a glob such as ``incidents/*.parquet``, read as one data set (same columns required).
* **GeoJSON** ``.geojson``, ``.json``.
* **GeoPackage** ``.gpkg`` (choose a layer with ``layer=`` when it has several).
* **Shapefile** ``.shp``, or a ``.zip`` holding one (a ``.zip`` holding a single CSV is
  read as CSV).
* **KML / KMZ** ``.kml``, ``.kmz`` (all folders are read and stacked unless ``layer=``).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import logging
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from hotspots.errors import (
    EmptyDataError,
    HotspotsError,
    InputError,
    Option,
    given,
    invalid,
    literal,
)
from hotspots.ingest.columns import ColumnMapping, detect_columns

log = logging.getLogger(__name__)

Source = str | os.PathLike[str] | IO[bytes]

CSV_EXTENSIONS = (".csv", ".txt", ".tsv", ".tab")
PARQUET_EXTENSIONS = (".parquet", ".geoparquet", ".pq")
GDAL_EXTENSIONS = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".kml", ".kmz")
SUPPORTED_FORMATS: dict[str, tuple[str, ...]] = {
    "CSV": (".csv", ".csv.gz", ".txt", ".tsv", ".tab"),
    "Parquet/GeoParquet": PARQUET_EXTENSIONS,
    "GeoJSON": (".geojson", ".json"),
    "GeoPackage": (".gpkg",),
    "Shapefile": (".shp", ".zip"),
    "KML": (".kml", ".kmz"),
}
_DELIMITERS = (",", ";", "\t", "|")
_FALLBACK_ENCODINGS = ("cp1252", "latin-1")
_SNIFF_CHARS = 65_536


def read_table(
    source: Source,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    filename: str | None = None,
) -> pd.DataFrame | gpd.GeoDataFrame:
    """Read a table of incidents or boundaries from a file or an uploaded file object.

    Parameters
    ----------
    source : str, os.PathLike or binary file object
        A path, or an open binary file (e.g. a Streamlit upload); then ``filename`` (or
        the object's ``name``) gives the format by its extension.
    layer : str, optional
        Layer of a GeoPackage, KML or zipped multi-shapefile source.
    encoding : str, optional
        Text encoding of a CSV or shapefile; detected when omitted.
    filename : str, optional
        File name to take the extension from when ``source`` is a file object.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        CSV columns are text (``str`` dtype, missing cells missing); geometry formats give
        a GeoDataFrame in the file's own CRS.

    Raises
    ------
    InputError
        Unknown extension, unreadable file, a missing layer, bad encoding.
    EmptyDataError
        The file is empty or has a header but no data rows.
    """
    frame, _notes = read_with_notes(source, layer=layer, encoding=encoding, filename=filename)
    return frame


def read_with_notes(
    source: Source,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    filename: str | None = None,
    quiet: bool = False,
    typed: bool = False,
    mapping: Callable[[list[str]], ColumnMapping | None] | None = None,
    prune: bool = False,
) -> tuple[pd.DataFrame, list[str]]:
    """Like :func:`read_table` but also return notes on the automatic choices made.

    ``quiet=True`` logs at DEBUG instead of INFO level. ``typed=True`` (what
    :func:`~hotspots.ingest.load_incidents` uses) reads a plain UTF-8 CSV file straight from
    disk with the coordinate columns as float64 (when every value is a plain number) and the
    offense/neighbourhood/premises columns as categoricals: the columns ``mapping(names)``
    maps (the caller's mapping for the file's column names), else the auto-detected ones.
    ``prune=True`` then reads only the columns the mapping takes (see :func:`_read_csv_file`).
    """
    files = _parquet_files(source)
    if files is not None:
        frame = _read_parquet_dataset(files, str(source))
        log.log(logging.DEBUG if quiet else logging.INFO, "Read %s rows from %s Parquet files",
                f"{len(frame):,}", f"{len(files):,}")  # fmt: skip
        return frame, [f"{source}: {len(files):,} Parquet files read as one data set"]
    name, path = _name_and_path(source, filename)
    lowered = name.lower()
    notes: list[str] = []
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    extension = Path(lowered).suffix
    if extension in CSV_EXTENSIONS:
        fast = None
        if typed and path is not None and encoding is None:
            fast = _read_csv_file(path, notes, mapping, prune=prune)
        frame = (
            fast
            if fast is not None
            else _read_csv_bytes(_read_bytes(source, path, name), name, encoding, notes)
        )
    elif extension in PARQUET_EXTENSIONS:
        frame = _read_parquet(source if path is None else path, name, typed=typed, mapping=mapping)
    elif extension in GDAL_EXTENSIONS:
        frame = _read_gdal(source, path, name, extension, layer, encoding, notes)
    else:
        formats = "; ".join(f"{k} ({', '.join(v)})" for k, v in SUPPORTED_FORMATS.items())
        raise _file_error(
            InputError,
            name,
            f" has an unsupported file extension {extension or '(none)'!r}; "
            f"supported formats are {formats}. Rename the file or convert it to one of these.",
        )
    if len(frame) == 0 and extension not in CSV_EXTENSIONS:
        raise _file_error(
            EmptyDataError, name, " has no rows (features); load a file with at least one."
        )
    if len(frame) == 0:
        header = ", ".join(map(str, frame.columns))
        raise _file_error(
            EmptyDataError,
            name,
            " is empty: "
            + (f"it has a header ({header}) but no data rows" if header else "it has no data rows")
            + "; load a file that contains at least one row.",
        )
    level = logging.DEBUG if quiet else logging.INFO
    for note in notes:
        log.log(level, note)
    log.log(level, "Read %s rows from %s", f"{len(frame):,}", name)
    return frame, notes


# --------------------------------------------------------------------------- sources


def _file_error(kind: type[HotspotsError], name: str, text: str) -> HotspotsError:
    """``kind`` with the message "<file> <text>": ``source='x.csv' …`` in the library, the
    file name on the command line and in the app."""
    return kind("{0}" + literal(text), options=(given("source", name),))


def _name_and_path(source: Source, filename: str | None) -> tuple[str, Path | None]:
    if isinstance(source, str | os.PathLike):
        path = Path(os.fspath(source))
        if not path.exists():
            raise _file_error(
                InputError,
                str(path),
                " does not exist; pass the path of an existing "
                "file (check the spelling and the working directory).",
            )
        if path.is_dir():
            raise _file_error(
                InputError, str(path), " is a folder; pass a file in it, e.g. the .shp."
            )
        return filename or path.name, path
    if not hasattr(source, "read"):
        raise invalid(
            "source",
            source,
            "a file path, an open binary file, or a pandas/GeoPandas DataFrame",
        )
    name = filename or getattr(source, "name", None)
    if not name or not isinstance(name, str):
        raise invalid(
            "filename",
            filename,
            "a file name with an extension such as 'incidents.csv'",
            "A file object has no name to tell its format; give it with {1}.",
            options=(Option("filename", "incidents.csv"),),
        )
    return Path(name).name, None


def _read_bytes(source: Source, path: Path | None, name: str) -> bytes:
    if path is not None:
        data = path.read_bytes()
    else:
        raw: Any = source.read()  # type: ignore[union-attr]
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, name)
    return data


def _gunzip(data: bytes, name: str) -> bytes:
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as error:
        raise _file_error(
            InputError,
            str(name),
            f" is a damaged or incomplete gzip file ({error}); "
            "download or copy it again (or load the uncompressed file).",
        ) from None


#: File signatures of formats someone may save under a .csv name, with the fix.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive (e.g. an Excel .xlsx or a zipped shapefile)"),
    (b"PAR1", "a Parquet file; rename it to .parquet"),
    (b"SQLite format 3", "an SQLite database (a GeoPackage? rename it to .gpkg)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls or other Office file; save it as CSV"),
    (b"%PDF", "a PDF document"),
)
_BINARY_SHARE = 0.05


def _refuse_binary(data: bytes, name: str) -> None:
    """Raise when ``data`` is not text (a binary file with a text extension)."""
    sample = data[:_SNIFF_CHARS]
    kind = next((what for magic, what in _SIGNATURES if sample.startswith(magic)), None)
    controls = sum(sample.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13))
    if kind is None and b"\x00" not in sample and controls <= _BINARY_SHARE * len(sample):
        return
    raise _file_error(
        InputError,
        name,
        f" is not a text table: it looks like "
        f"{kind or 'binary data'}. Load a CSV file (text, one row per line), or give the file "
        "the extension of its real format.",
    )


def _utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le"/"utf-16-be" when ``data`` looks like UTF-16 text without a byte-order mark."""
    sample = data[: min(len(data), 4096) // 2 * 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    half = len(sample) // 2
    if odd.count(0) > 0.4 * half and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.4 * half and odd.count(0) == 0:
        return "utf-16-be"
    return None


# --------------------------------------------------------------------------- CSV


def _to_utf8(data: bytes, name: str, encoding: str | None, notes: list[str]) -> bytes:
    """Return the file's content as UTF-8 bytes without a byte-order mark."""
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise invalid(
                "encoding", encoding, "a Python codec name such as 'utf-8', 'cp1252', 'latin-1'"
            ) from None
        except UnicodeDecodeError as error:
            byte = error.object[error.start : error.start + 1]
            raise InputError(
                "{0} cannot decode "
                + literal(f"{name!r} (byte {error.start}: {byte!r}); ")
                + "leave the encoding unset to detect it, or give the file's real encoding, "
                "e.g. {1}.",
                options=(given("encoding", encoding), Option("encoding", "cp1252")),
            ) from None
        return text.removeprefix("\ufeff").encode("utf-8")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        notes.append(f"{name}: read as UTF-8 (with byte-order mark)")
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        notes.append(f"{name}: read as UTF-16")
        return data.decode("utf-16").encode("utf-8")
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            pass
        else:
            notes.append(f"{name}: read as {utf16.upper()} (no byte-order mark)")
            return text.removeprefix("\ufeff").encode("utf-8")
    _refuse_binary(data, name)
    if data.isascii():
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    for fallback in _FALLBACK_ENCODINGS:
        try:
            text = data.decode(fallback)
        except UnicodeDecodeError:
            continue
        notes.append(f"{name}: not valid UTF-8, read as {fallback} (give the encoding if not)")
        return text.encode("utf-8")
    raise InputError(  # pragma: no cover - latin-1 never fails
        literal(f"Cannot decode {name!r}; ") + "give its encoding with {0}.",
        options=(Option("encoding", "cp1252"),),
    )


def _sniff_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if len(lines) > 1 and len(sample) >= _SNIFF_CHARS:
        lines = lines[:-1]  # the last line may be cut off
    best, best_fields = ",", 1
    for delimiter in _DELIMITERS:
        rows = list(csv.reader(lines, delimiter=delimiter))
        if not rows:
            continue
        fields = len(rows[0])
        if fields < 2:
            continue
        data_rows = rows[1:]
        consistent = sum(len(row) == fields for row in data_rows)
        if data_rows and consistent < 0.8 * len(data_rows):
            continue
        if fields > best_fields:
            best, best_fields = delimiter, fields
    return best


def _column_names(header: Sequence[str]) -> list[str]:
    """Unique column names; a repeated header gets a suffix (``lat``, ``lat.1``).

    Which names were repeated is kept by :func:`repeated_headers`, so that a column the
    analysis needs is refused when it is ambiguous instead of silently taking the first.
    """
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(header, start=1):
        name = raw.strip() or f"column_{position}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        names.append(name)
    return names


def _read_csv_file(
    path: Path,
    notes: list[str],
    mapping: Callable[[list[str]], ColumnMapping | None] | None = None,
    *,
    prune: bool = False,
) -> pd.DataFrame | None:
    """Plain UTF-8 files straight from disk: multithreaded, coordinates typed as float64.

    Returns None when the file needs the careful path (compressed, a byte-order mark,
    another encoding, leading blank lines, ragged rows or coordinates that are not all
    plain numbers); that path reads the bytes and gives the same rows.

    ``mapping(names)`` says which columns to type (see :func:`_typed_columns`); with
    ``prune=True`` only the columns it takes are read, and the frame's ``attrs["unread"]``
    (:class:`UnreadColumns`) fetches the others' values for a few rows from the file when
    asked (the reject report's original rows).
    """
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_CHARS)
    if (
        head[:2] == b"\x1f\x8b"
        or head[:3] == b"\xef\xbb\xbf"
        or head[:2] in (b"\xff\xfe", b"\xfe\xff")
    ):
        return None
    if not head.strip() or head[:1] in (b"\r", b"\n") or b"\x00" in head:
        return None  # blank start, UTF-16 without a mark or binary: the careful path decides
    if any(head.startswith(magic) for magic, _ in _SIGNATURES):
        return None
    try:
        sample = head.decode("utf-8")
    except UnicodeDecodeError:
        if len(head) < _SNIFF_CHARS:
            return None
        try:  # the sample may end inside a multi-byte character
            sample = head[: len(head) - 3].decode("utf-8")
        except UnicodeDecodeError:
            return None
    _refuse_markup(sample, path.name)
    delimiter = _sniff_delimiter(sample)
    header = next(csv.reader(io.StringIO(sample), delimiter=delimiter))
    names = _column_names(header)
    mapped = mapping(names) if mapping is not None else None
    numeric, parts, labels = _typed_columns(names, mapped)
    wanted = _needed_columns(mapped) if prune else None
    include = [n for n in names if n in wanted] if wanted is not None else None
    if include is not None and (len(include) == len(names) or not include):
        include = None
    frame = None
    # Date parts read as whole numbers when they all are (month names are not): else as
    # text, with the coordinates typed; else (ragged rows, text coordinates) the careful path.
    for integers in (parts, ()) if parts else ((),):
        try:
            frame = _pyarrow_csv(
                path,
                names,
                delimiter,
                newlines_in_values=False,
                numeric=numeric,
                integers=integers,
                labels=labels,
                include=include,
            )
            break
        except pa.ArrowInvalid as exc:
            if "conversion error" not in str(exc):
                return None
    if frame is None:
        return None
    if delimiter != ",":
        notes.append(f"{path.name}: delimiter {delimiter!r} detected")
    frame.attrs["repeated_headers"] = repeated_headers(header)
    if include is not None:
        types = _column_types(names, numeric, integers, labels)
        unread = tuple(n for n in names if n not in include)
        frame.attrs["unread"] = UnreadColumns(path, tuple(names), delimiter, unread, types)
    return frame


@dataclass(frozen=True)
class UnreadColumns:
    """The columns of a CSV file that were not read (``names``: all of them, in order), and
    how to read them as the whole file would have been read: :meth:`rows` gives their values
    for some rows, streaming through the file a batch at a time."""

    path: Path
    names: tuple[str, ...]
    delimiter: str
    columns: tuple[str, ...]
    types: dict[str, pa.DataType]

    def rows(self, positions: np.ndarray) -> pd.DataFrame:
        """The unread columns of the rows at ``positions`` (0-based, ascending); the file is
        read up to the last of them only."""
        if not len(positions):
            empty = pa.schema([pa.field(c, self.types[c]) for c in self.columns]).empty_table()
            return _to_pandas(empty)
        reader = pacsv.open_csv(
            self.path,
            read_options=pacsv.ReadOptions(column_names=list(self.names), skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=self.delimiter),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(self.columns),
                column_types={c: self.types[c] for c in self.columns},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
        taken, start, last = [], 0, int(positions[-1])
        for batch in reader:
            end = start + batch.num_rows
            inside = positions[(positions >= start) & (positions < end)]
            if len(inside):
                taken.append(batch.take(pa.array(inside - start)))
            if end > last:
                break
            start = end
        return _to_pandas(pa.Table.from_batches(taken))


def _typed_columns(
    names: list[str], mapping: ColumnMapping | None = None
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Columns ``mapping`` (else auto-detection) takes as coordinates and as date parts -
    year, month, day, hour, minute - (read as numbers when they all are), and as category
    labels - offense, neighbourhood, premises, location - (read dictionary-encoded)."""
    if mapping is None:
        mapping = detect_columns(pd.DataFrame(columns=names))
    numeric = (mapping.lat, mapping.lon, mapping.x, mapping.y)
    parts = (mapping.year, mapping.month, mapping.day, mapping.hour, mapping.minute)
    labels = (mapping.offense, mapping.neighbourhood, mapping.premises, mapping.location)
    present = [tuple(c for c in group if c is not None) for group in (numeric, parts, labels)]
    return present[0], present[1], present[2]


def _needed_columns(mapping: ColumnMapping | None) -> set[str] | None:
    """The columns ``mapping`` takes, when they name a place and a time; otherwise None
    (everything is read, so that an error lists every column). The other columns are read
    only for the reject report's rejected rows."""
    if mapping is None:
        return None
    fields = mapping.as_dict()
    placed = (fields["lat"] and fields["lon"]) or (fields["x"] and fields["y"])
    timed = fields["date"] or (fields["year"] and fields["month"])
    if not (placed and timed):
        return None
    return {column for column in fields.values() if column is not None}


def repeated_headers(header: Sequence[str]) -> dict[str, list[int]]:
    """Header names that occur more than once -> their 1-based column positions."""
    positions: dict[str, list[int]] = {}
    for position, raw in enumerate(header, start=1):
        if raw.strip():
            positions.setdefault(raw.strip(), []).append(position)
    return {name: where for name, where in positions.items() if len(where) > 1}


def _read_csv_bytes(data: bytes, name: str, encoding: str | None, notes: list[str]) -> pd.DataFrame:
    utf8 = _to_utf8(data, name, encoding, notes).lstrip(b"\r\n")
    if not utf8 or utf8.isspace():
        raise _file_error(
            EmptyDataError, name, " is empty; load a file with a header row and data rows."
        )
    sample = utf8[:_SNIFF_CHARS].decode("utf-8", errors="ignore")
    _refuse_markup(sample, name)
    delimiter = _sniff_delimiter(sample)
    if delimiter != ",":
        notes.append(f"{name}: delimiter {delimiter!r} detected")
    header = next(csv.reader(io.StringIO(sample), delimiter=delimiter))
    names = _column_names(header)
    frame = _csv_frame(utf8, names, delimiter, name)
    frame.attrs["repeated_headers"] = repeated_headers(header)
    return frame


def _csv_frame(utf8: bytes, names: list[str], delimiter: str, name: str) -> pd.DataFrame:
    try:
        return _pyarrow_csv(utf8, names, delimiter, newlines_in_values=False)
    except pa.ArrowInvalid:
        pass
    try:
        return _pyarrow_csv(utf8, names, delimiter, newlines_in_values=True)
    except pa.ArrowInvalid:
        return _python_csv(utf8.decode("utf-8"), names, delimiter, name)


def _pyarrow_csv(
    data: bytes | Path,
    names: list[str],
    delimiter: str,
    *,
    newlines_in_values: bool,
    numeric: tuple[str, ...] = (),
    integers: tuple[str, ...] = (),
    labels: tuple[str, ...] = (),
    include: list[str] | None = None,
) -> pd.DataFrame:
    types = _column_types(names, numeric, integers, labels)
    table = pacsv.read_csv(
        data if isinstance(data, Path) else io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=newlines_in_values
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            null_values=[""],
            include_columns=include or [],
        ),
    )
    return _to_pandas(table)


def _column_types(
    names: list[str],
    numeric: tuple[str, ...],
    integers: tuple[str, ...],
    labels: tuple[str, ...],
) -> dict[str, pa.DataType]:
    """Arrow types of a CSV's columns: text, except coordinates (float64), date parts (int32)
    and labels (dictionary-encoded). Text is read with 64-bit offsets, as pandas keeps it
    (no conversion copy)."""
    types: dict[str, pa.DataType] = {column: pa.large_string() for column in names}
    types.update({column: pa.float64() for column in numeric})
    types.update({column: pa.int32() for column in integers})
    types.update({column: pa.dictionary(pa.int32(), pa.string()) for column in labels})
    return types


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    # No consolidation copy into 2-D blocks; Arrow buffers are released as they convert.
    # Whole numbers stay whole where some are missing (Int32: a reject report shows "2020").
    return table.to_pandas(
        split_blocks=True, self_destruct=True, types_mapper={pa.int32(): pd.Int32Dtype()}.get
    )


def _python_csv(text: str, names: list[str], delimiter: str, name: str) -> pd.DataFrame:
    """Slow but forgiving reader: short rows are padded with missing values."""
    csv.field_size_limit(2**31 - 1)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    next(reader)
    width = len(names)
    rows: list[list[str | None]] = []
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip() and width > 1):
            continue
        if len(row) > width:
            raise InputError(
                f"{name}: line {reader.line_num} has {len(row)} fields but the header has "
                f"{width} ({', '.join(names)}); quote values that contain the delimiter "
                f"{delimiter!r} or remove the extra delimiters, then load the file again."
            )
        rows.append([value or None for value in row] + [None] * (width - len(row)))
    log.info("%s: rows of uneven length were read with the forgiving CSV reader", name)
    return pd.DataFrame(rows, columns=names, dtype="str")


# --------------------------------------------------------------------------- Parquet


def _parquet_files(source: Source) -> list[Path] | None:
    """The files of a folder of Parquet files or of a glob such as ``data/*.parquet``."""
    if not isinstance(source, str | os.PathLike):
        return None
    text = os.fspath(source)
    path = Path(text)
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PARQUET_EXTENSIONS
        )
        if not files:
            raise _file_error(
                InputError,
                text,
                " is a folder without Parquet files; pass a file in "
                "it (e.g. the .shp or .csv) or a folder of .parquet files.",
            )
        return files
    if not path.exists() and any(ch in text for ch in "*?["):
        files = sorted(p for p in Path(path.anchor or ".").glob(text.removeprefix(path.anchor)))
        files = [p for p in files if p.is_file()]
        if not files:
            raise _file_error(InputError, text, " matches no files; check the pattern.")
        if any(p.suffix.lower() not in PARQUET_EXTENSIONS for p in files):
            raise _file_error(
                InputError,
                text,
                f" matches files that are not Parquet "
                f"(e.g. {next(p.name for p in files if p.suffix.lower() not in PARQUET_EXTENSIONS)!r});"
                " a pattern reads Parquet files only, e.g. 'incidents/*.parquet'.",
            )
        return files
    return None


def _read_parquet_dataset(files: list[Path], name: str) -> pd.DataFrame:
    """Several Parquet (or GeoParquet) files with the same columns, as one table."""
    frames = [_read_parquet(file, file.name) for file in files]
    kinds = {isinstance(frame, gpd.GeoDataFrame) for frame in frames}
    columns = {tuple(map(str, frame.columns)) for frame in frames}
    if len(kinds) > 1 or len(columns) > 1:
        raise _file_error(
            InputError,
            name,
            f": the Parquet files differ in their columns "
            f"({' vs '.join(', '.join(c) for c in sorted(columns)[:2])}); a data set needs "
            "files with the same columns.",
        )
    if len(frames) == 1:
        return frames[0]
    if isinstance(frames[0], gpd.GeoDataFrame):
        crs = {str(frame.crs) for frame in frames}
        if len(crs) > 1:
            raise _file_error(
                InputError,
                name,
                f": the GeoParquet files are in different CRSs "
                f"({', '.join(sorted(crs))}); convert them to one CRS first.",
            )
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    return pd.concat(frames, ignore_index=True)


def _read_parquet(
    source: Source | Path,
    name: str,
    *,
    typed: bool = False,
    mapping: Callable[[list[str]], ColumnMapping | None] | None = None,
) -> pd.DataFrame:
    """One Parquet file; ``typed``: text label columns (offense...; those ``mapping(names)``
    maps, else the auto-detected ones) read dictionary-encoded, as categoricals, without a
    Python string per row."""
    handle: Any = source
    if not isinstance(source, str | os.PathLike):
        handle = io.BytesIO(_read_bytes(source, None, name))
    try:
        schema = pq.read_schema(handle)
        metadata = schema.metadata or {}
        if hasattr(handle, "seek"):
            handle.seek(0)
        options: dict[str, Any] = {}
        if typed:
            names = [str(n) for n in schema.names]
            labels = _typed_columns(names, mapping(names) if mapping is not None else None)[2]
            text = [c for c in labels if pa.types.is_string(schema.field(c).type)
                    or pa.types.is_large_string(schema.field(c).type)]  # fmt: skip
            if text:
                options["read_dictionary"] = text
        if b"geo" in metadata:
            return gpd.read_parquet(handle, **options)
        # As the CSV path: no consolidation copy into 2-D blocks, Arrow buffers released
        # as they convert.
        table = pq.read_table(handle, **options)
        return table.to_pandas(split_blocks=True, self_destruct=True)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise _file_error(
            InputError,
            name,
            f" could not be read as Parquet ({error}); check that it "
            "is a Parquet file or change its extension.",
        ) from None


# --------------------------------------------------------------------------- GDAL formats


def _read_gdal(
    source: Source,
    path: Path | None,
    name: str,
    extension: str,
    layer: str | None,
    encoding: str | None,
    notes: list[str],
) -> pd.DataFrame:
    if path is None:
        if extension == ".shp":
            raise _file_error(
                InputError,
                name,
                ": a shapefile upload needs its .shx/.dbf/.prj files; "
                "zip them together and load the .zip instead.",
            )
        with _on_disk(source, None, name) as temporary:
            return _read_gdal(temporary, temporary, name, extension, layer, encoding, notes)

    if extension == ".zip":
        inner_csv = _single_csv_in_zip(path)
        if inner_csv is not None:
            with zipfile.ZipFile(path) as archive:
                data = archive.read(inner_csv)
            if data[:2] == b"\x1f\x8b":
                data = _gunzip(data, inner_csv)
            notes.append(f"{name}: read {inner_csv} from the zip")
            return _read_csv_bytes(data, inner_csv, encoding, notes)

    import pyogrio  # GDAL loads only for the formats that need it (not CSV or Parquet)
    import pyogrio.errors

    target = str(path)
    layers = _layers(path, name, extension)
    kwargs: dict[str, Any] = {"engine": "pyogrio"}
    if encoding is not None:
        kwargs["encoding"] = encoding
    if layer is not None:
        if layer not in layers:
            raise invalid("layer", layer, layers, f"{name} has these layers.")
        chosen = [layer]
    elif len(layers) > 1 and extension in (".kml", ".kmz"):
        chosen = layers
        notes.append(f"{name}: stacked {len(layers)} KML folders ({', '.join(layers)})")
    elif len(layers) > 1:
        listed = ", ".join(map(repr, layers))
        raise InputError(
            literal(f"{name} has {len(layers)} layers ({listed}); choose one with ") + "{0}.",
            options=(Option("layer", layers[0]),),
        )
    else:
        chosen = layers[:1]
    try:
        frames = [gpd.read_file(target, layer=item, **kwargs) for item in chosen]
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        pyogrio.errors.GeometryError,
        OSError,
        ValueError,
    ) as error:
        raise _file_error(
            InputError,
            name,
            f" could not be read ({_gdal_reason(error, path, name)}); check the file is complete "
            "and of the format its extension says.",
        ) from None
    if len(frames) == 1:
        return frames[0]
    non_empty = [frame for frame in frames if len(frame)]
    if not non_empty:
        return frames[0]
    return gpd.GeoDataFrame(pd.concat(non_empty, ignore_index=True), crs=non_empty[0].crs)


def layer_names(source: Source, *, filename: str | None = None) -> list[str]:
    """The layers of a GDAL file (a GeoPackage's tables, a KML's folders), in its order.

    ``source`` and ``filename`` as for :func:`read_table`.

    Raises
    ------
    InputError
        The file does not exist or cannot be opened as the format its extension says.
    """
    name, path = _name_and_path(source, filename)
    with _on_disk(source, path, name) as target:
        return _layers(target, name, Path(name.lower().removesuffix(".gz")).suffix)


@contextlib.contextmanager
def _on_disk(source: Source, path: Path | None, name: str) -> Iterator[Path]:
    """``path``, or a temporary copy of ``source``'s bytes named ``name`` (GDAL reads files)."""
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="hotspots-") as folder:
        temporary = Path(folder) / name
        temporary.write_bytes(_read_bytes(source, None, name))
        yield temporary


def _layers(path: Path, name: str, extension: str) -> list[str]:
    """The layer names of the GDAL file at ``path`` (``name``: what the user calls it)."""
    import pyogrio
    import pyogrio.errors

    try:
        return [str(row[0]) for row in pyogrio.list_layers(str(path))]
    except (pyogrio.errors.DataSourceError, OSError) as error:
        raise _file_error(
            InputError,
            name,
            f" could not be opened as {extension} ({_gdal_reason(error, path, name)}); check the "
            "file is complete and of the format its extension says.",
        ) from None


def _single_csv_in_zip(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/")]
    except zipfile.BadZipFile:
        raise _file_error(
            InputError, path.name, " is not a valid zip file; re-create the archive."
        ) from None
    lowered = [m.lower() for m in members]
    if any(m.endswith(GDAL_EXTENSIONS) for m in lowered):
        return None
    tables = [
        m
        for m, low in zip(members, lowered, strict=True)
        if low.removesuffix(".gz").endswith(CSV_EXTENSIONS)
    ]
    if len(tables) == 1:
        return tables[0]
    held = ", ".join(members[:6]) + (", …" if len(members) > 6 else "") or "nothing"
    what = "several tables" if tables else "no table or map layer"
    raise _file_error(
        InputError,
        path.name,
        f" holds {what} (it holds {held}); zip one CSV, or a shapefile's .shp, .shx, .dbf "
        "and .prj, or unzip it and load the file you want.",
    )


def _gdal_reason(error: BaseException, path: Path, name: str) -> str:
    """GDAL's reason without its advice to prefix a driver name (not an option here) and
    with the file's own name for a temporary copy's path."""
    text = str(error).split("; It might help to specify the correct driver", 1)[0].rstrip(".")
    return text.replace(str(path), name)


#: How a web page or a JSON document starts (saved or renamed as .csv by mistake).
_MARKUP = (
    (
        ("<!doctype html", "<html", "<?xml", "<table"),
        "a web page or XML document, not a table; "
        "download the data file itself (CSV) rather than the page that links to it",
    ),
    (("{", "["), "JSON, not a table; if it is GeoJSON give it the .geojson extension"),
)


def _refuse_markup(sample: str, name: str) -> None:
    start = sample.lstrip().lower()
    for prefixes, what in _MARKUP:
        if start.startswith(prefixes):
            raise _file_error(InputError, name, f" holds {what}.")
