"""Duplicate incidents: the same record exported twice is one incident, reported once.

:func:`reject_duplicates` rejects, with the source row they repeat, the accepted rows that
repeat an earlier one: by the id column (``duplicates="id"``, the default: the same case
number twice; blank ids never repeat), or by every column (``"rows"``; points compare by
their coordinates). It works on 64-bit hashes — of each id's text, computed on Arrow's buffers,
and of the columns that hash fast — and compares as text only the rows whose hashes repeat.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from hotspots.blocks import BLOCK
from hotspots.ingest.columns import ColumnMapping
from hotspots.ingest.rejects import RejectLedger, quoted
from hotspots.ingest.timestamps import arrow_strings


def reject_duplicates(
    frame: pd.DataFrame,
    mapping: ColumnMapping,
    ledger: RejectLedger,
    duplicates: str,
    notes: list[str],
) -> None:
    """Reject the accepted rows of ``frame`` that repeat an earlier accepted row, by
    ``duplicates`` ("id", "rows" or "keep": none), noting how many in ``notes``."""
    if duplicates == "keep":
        return
    if duplicates == "id" and mapping.id is None:
        notes.append("no id column: duplicate incidents were not checked")
        return
    rows = np.flatnonzero(ledger.accepted)
    if duplicates == "id":
        ids = frame[mapping.id]
        repeated, first = repeated_ids(ids if len(rows) == len(ids) else ids.iloc[rows])
    else:
        rows = rows[may_repeat(frame, rows)]
        subset = _comparable(frame.iloc[rows])
        repeated = subset.duplicated(keep="first").to_numpy()
        if repeated.any():
            hashes = pd.util.hash_pandas_object(subset, index=False).to_numpy()
            first = first_of_each(pd.factorize(hashes)[0])[1]
    if not repeated.any():
        return
    mask = np.zeros(len(ledger.codes), dtype=bool)
    mask[rows[repeated]] = True
    detail = np.full(len(ledger.codes), "", dtype=object)
    earlier = (rows[first[repeated]] + 1).astype(str).astype(object)
    if duplicates == "id":
        keys = frame[mapping.id].iloc[rows[repeated]].astype("str").str.strip()
        shown = quoted(keys).to_numpy(dtype=object)
        detail[mask] = f"{mapping.id}=" + shown + " repeats source row " + earlier
    else:
        detail[mask] = "identical to source row " + earlier
    count = ledger.reject(mask, "duplicate", detail)
    notes.append(f"{count:,} duplicate rows rejected (duplicates={duplicates!r})")


def repeated_ids(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """For each id: whether an earlier row has the same id (text compared without surrounding
    blanks; a missing or blank id repeats nothing), and the position of the first row with it.

    Text ids are hashed to 64 bits first (:func:`string_hashes`, vectorised over Arrow's
    buffers): only rows whose hash repeats are compared as text, so ten million distinct case
    numbers cost a hash each rather than a place in a table of ten million strings."""
    positions = np.arange(len(ids))
    if pd.api.types.is_numeric_dtype(ids.dtype) and not pd.api.types.is_bool_dtype(ids.dtype):
        return first_of_each(pd.factorize(ids)[0])
    strings = arrow_strings(ids.astype("str"))
    if pc.any(pc.match_substring_regex(strings, r"^\s|\s$")).as_py():  # else no copy
        strings = pc.utf8_trim_whitespace(strings)
    hashes = string_hashes(strings)
    present = np.asarray(pc.greater(pc.utf8_length(strings), 0).fill_null(False), dtype=bool)
    candidates = present & repeating(hashes)
    repeated = np.zeros(len(ids), dtype=bool)
    first = positions
    if candidates.any():
        rows = np.flatnonzero(candidates)
        texts = strings.take(pa.array(rows)).to_pandas()
        again, first_of_rows = first_of_each(pd.factorize(texts)[0])
        repeated[rows[again]] = True
        first = positions.copy()
        first[rows] = rows[first_of_rows]
    return repeated, first


#: Multiplier of the strings' polynomial hash (the 64-bit FNV prime).
_HASH_BASE = np.uint64(0x100000001B3)


def string_hashes(strings: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 64-bit hash of each string (missing and empty strings: 0), computed on the Arrow
    buffers with NumPy: the sum of each byte times the base to the power of its position,
    modulo 2**64, mixed with the length. Equal strings hash alike; a collision only makes
    two different strings compared as text."""
    chunks = strings.chunks if isinstance(strings, pa.ChunkedArray) else [strings]
    out = [np.zeros(0, dtype=np.uint64)]
    # A block of strings at a time: the products take 8 bytes per byte of text.
    pieces = (c.slice(start, BLOCK) for c in chunks for start in range(0, len(c), BLOCK))
    for chunk in pieces:
        wide = pa.types.is_large_string(chunk.type)
        _, offsets_buffer, data_buffer = chunk.buffers()
        offsets = np.frombuffer(
            offsets_buffer,
            dtype=np.int64 if wide else np.int32,
            count=len(chunk) + 1,
            offset=chunk.offset * (8 if wide else 4),
        ).astype(np.int64)
        lengths = np.diff(offsets)
        hashes = lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        filled = lengths > 0
        if filled.any():
            data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
            starts = offsets[:-1] - offsets[0]
            position = np.arange(data.size) - np.repeat(starts, lengths)
            powers = np.cumprod(np.full(int(lengths.max()), _HASH_BASE, dtype=np.uint64))
            terms = data.astype(np.uint64) * powers[position]
            hashes[filled] ^= np.add.reduceat(terms, starts[filled])
        out.append(hashes)
    return np.concatenate(out)


def repeating(hashes: np.ndarray) -> np.ndarray:
    """Which of ``hashes`` occur more than once: one sort, no table of every value (ten
    million ids: about half the time and memory of pandas' ``duplicated``)."""
    ordered = np.sort(hashes)
    twice = ordered[1:][ordered[1:] == ordered[:-1]]
    if not twice.size:
        return np.zeros(len(hashes), dtype=bool)
    return np.isin(hashes, np.unique(twice))


def first_of_each(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row: whether an earlier row has its code (-1 never repeats), and the
    position of the first row with its code."""
    _, first_positions, inverse = np.unique(codes, return_index=True, return_inverse=True)
    first = first_positions[inverse.reshape(-1)]
    return (first != np.arange(len(codes))) & (codes >= 0), first


def may_repeat(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Which of ``rows`` may repeat another row: those whose columns that hash fast
    (numbers, dates, categories) hash alike. Only they can repeat one in every column, so the
    text columns (descriptions, case numbers...) are compared for those rows alone. One
    64-bit hash per row (a collision only adds a candidate), not a multi-column group-by."""
    key: np.ndarray | None = None
    for _, values in frame.items():
        dtype = values.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            hashed = pd.util.hash_array(values.cat.codes.to_numpy()[rows])
        elif pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
            hashed = pd.util.hash_pandas_object(values.iloc[rows], index=False).to_numpy()
        else:
            continue
        key = hashed if key is None else key * np.uint64(0x9E3779B97F4A7C15) ^ hashed
    if key is None:
        return np.ones(len(rows), dtype=bool)
    return repeating(key)


def _comparable(subset: pd.DataFrame) -> pd.DataFrame:
    """``subset`` with its point geometry (if any) as coordinate columns, which compare as
    numbers, not as WKB per row."""
    if not isinstance(subset, gpd.GeoDataFrame):
        return subset
    name = subset._geometry_column_name
    points = subset.geometry.to_numpy()
    return pd.DataFrame(subset.drop(columns=name)).assign(
        **{
            f"{name} {axis}": coordinate(points)
            for axis, coordinate in (
                ("x", shapely.get_x),
                ("y", shapely.get_y),
                ("z", shapely.get_z),
            )
        }
    )
