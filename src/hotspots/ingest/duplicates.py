"""Duplicate incidents: the same record exported twice is one incident, reported once.

:func:`reject_duplicates` rejects, with the source row they repeat, the accepted rows that
repeat an earlier one: by the id column (``duplicates="id"``, the default: the same case
number twice; blank ids never repeat), or by every column (``"rows"``; points compare by
their coordinates). It works on hashes — 32 bits of each id's text, computed on Arrow's
buffers, and 64 of the columns that hash fast — and compares as text only the rows whose
hashes repeat.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from hotspots.blocks import MIX64, spans
from hotspots.ingest.columns import ColumnMapping
from hotspots.ingest.rejects import RejectLedger, quoted
from hotspots.ingest.textbuffers import any_edge_blanks, nonempty, string_hashes
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
    if duplicates == "id":
        # The compared rows' positions: none needed when every row is still accepted.
        rows = None if ledger.accepted.all() else np.flatnonzero(ledger.accepted)
        ids = frame[mapping.id]
        repeated, earlier = repeated_ids(ids if rows is None else ids.iloc[rows])
    else:
        rows = np.flatnonzero(ledger.accepted)
        rows = rows[may_repeat(frame, rows)]
        subset = _comparable(frame.iloc[rows])
        repeated = subset.duplicated(keep="first").to_numpy()
        if repeated.any():
            hashes = pd.util.hash_pandas_object(subset, index=False).to_numpy()
            earlier = first_of_each(pd.factorize(hashes)[0])[1][repeated]
    if not repeated.any():
        return
    # Source positions of the repeating rows and of the rows they repeat.
    at = np.flatnonzero(repeated) if rows is None else rows[repeated]
    if rows is not None:
        earlier = rows[earlier]
    mask = np.zeros(len(ledger.codes), dtype=bool)
    mask[at] = True
    detail = np.full(len(ledger.codes), "", dtype=object)
    source_rows = (earlier + 1).astype(str).astype(object)
    if duplicates == "id":
        keys = frame[mapping.id].iloc[at].astype("str").str.strip()
        shown = quoted(keys).to_numpy(dtype=object)
        detail[mask] = f"{mapping.id}=" + shown + " repeats source row " + source_rows
    else:
        detail[mask] = "identical to source row " + source_rows
    count = ledger.reject(mask, "duplicate", detail)
    notes.append(f"{count:,} duplicate rows rejected (duplicates={duplicates!r})")


def repeated_ids(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Which ids repeat an earlier row's id (text compared without surrounding blanks; a
    missing or blank id repeats nothing), and for each of them, in order, the position of
    the first row with it.

    Text ids are hashed to 32 bits first (:func:`string_hashes`, vectorised over Arrow's
    buffers): only rows whose hash repeats are compared as text, so ten million distinct case
    numbers cost a hash each rather than a place in a table of ten million strings."""
    if pd.api.types.is_numeric_dtype(ids.dtype) and not pd.api.types.is_bool_dtype(ids.dtype):
        repeated, first = first_of_each(pd.factorize(ids)[0])
        return repeated, first[repeated]
    strings = arrow_strings(ids.astype("str"))
    if any_edge_blanks(strings):  # else no copy
        strings = pc.utf8_trim_whitespace(strings)
    rows = np.flatnonzero(nonempty(strings) & repeating(string_hashes(strings, bits=32)))
    repeated = np.zeros(len(ids), dtype=bool)
    texts = strings.take(pa.array(rows)).to_pandas()
    again, first_of_rows = first_of_each(pd.factorize(texts)[0])
    repeated[rows[again]] = True
    return repeated, rows[first_of_rows[again]]


#: Bits of a hash :func:`repeating` looks up in a table before searching (a 16 MiB table).
_TABLE_BITS = 24


def repeating(hashes: np.ndarray) -> np.ndarray:
    """Which of ``hashes`` (unsigned) occur more than once: one sorted copy, then each
    hash's low bits looked up in a table of the repeated ones' (no table of every value: ten
    million ids in about half the time and memory of pandas' ``duplicated``); only the few
    that pass are searched for exactly."""
    ordered = np.sort(hashes)
    twice = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    del ordered
    found = np.zeros(len(hashes), dtype=bool)
    if not twice.size:
        return found
    mask = hashes.dtype.type((1 << _TABLE_BITS) - 1)
    table = np.zeros(1 << _TABLE_BITS, dtype=bool)
    table[twice & mask] = True
    for span in spans(len(hashes)):
        values = hashes[span]
        maybe = np.flatnonzero(table[values & mask])
        at = np.minimum(np.searchsorted(twice, values[maybe]), twice.size - 1)
        found[span.start + maybe[twice[at] == values[maybe]]] = True
    return found


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
        key = hashed if key is None else key * MIX64 ^ hashed
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
