"""Text columns read straight from Arrow's buffers with NumPy: no Python string per value.

A column of ten million case numbers or dates is two buffers in Arrow - the bytes of every
value end to end, and where each value starts. NumPy reads them a block at a time:
:func:`string_hashes` (a hash of each value, for finding repeated ids) and
:func:`slash_date_fields` (the two fields of ``MM/DD/YYYY``-shaped dates, for telling
day-first from month-first without a regular expression per value).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from hotspots.blocks import MIX64, spans

#: Multiplier of the strings' polynomial hash (the 64-bit FNV prime).
_HASH_BASE = np.uint64(0x100000001B3)
_SLASH, _ZERO = ord("/"), ord("0")


def _blocks(
    strings: pa.Array | pa.ChunkedArray,
) -> Iterator[tuple[slice, pa.Array, np.ndarray, np.ndarray]]:
    """Each block of at most :data:`hotspots.blocks.BLOCK` strings: its rows (a slice of
    ``strings``), the block, its value offsets (int64, one more than its strings) into its
    bytes (uint8; the block's first value starts at ``offsets[0]``)."""
    chunks = strings.chunks if isinstance(strings, pa.ChunkedArray) else [strings]
    done = 0
    for chunk in chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            chunk = chunk.cast(pa.large_string())  # string views, say: offsets and bytes
        wide = pa.types.is_large_string(chunk.type)
        for span in spans(len(chunk)):
            block = chunk.slice(span.start, span.stop - span.start)
            _, offsets_buffer, data_buffer = block.buffers()
            offsets = np.frombuffer(
                offsets_buffer,
                dtype=np.int64 if wide else np.int32,
                count=len(block) + 1,
                offset=block.offset * (8 if wide else 4),
            ).astype(np.int64)
            data = (
                np.frombuffer(data_buffer, dtype=np.uint8)
                if data_buffer is not None
                else np.zeros(0, dtype=np.uint8)
            )
            yield slice(done, done + len(block)), block, offsets, data
            done += len(block)


def _valid(block: pa.Array) -> np.ndarray:
    return np.asarray(block.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def string_hashes(strings: pa.Array | pa.ChunkedArray, *, bits: int = 64) -> np.ndarray:
    """A hash of each string (missing and empty strings: 0): the sum of each byte times the
    base to the power of its position, modulo 2**64, mixed with the length; ``bits=32``
    folds it to 32 bits (half the memory; more collisions). Equal strings hash alike; a
    collision only makes two different strings compared as text."""
    out = np.empty(len(strings), dtype=np.uint64 if bits == 64 else np.uint32)
    for rows, _, offsets, data in _blocks(strings):
        lengths = np.diff(offsets)
        hashes = lengths.astype(np.uint64) * MIX64
        if lengths.size and lengths.max() > 0:
            powers = np.cumprod(np.full(int(lengths.max()), _HASH_BASE, dtype=np.uint64))
            if (lengths == lengths[0]).all():  # case numbers often share a length: by columns
                table = data[offsets[0] : offsets[-1]].reshape(len(lengths), int(lengths[0]))
                terms = np.zeros(len(lengths), dtype=np.uint64)
                for position in range(table.shape[1]):
                    terms += table[:, position].astype(np.uint64) * powers[position]
                hashes ^= terms
            else:
                filled = lengths > 0
                text = data[offsets[0] : offsets[-1]]
                starts = offsets[:-1] - offsets[0]
                position = np.arange(text.size) - np.repeat(starts, lengths)
                terms = text.astype(np.uint64) * powers[position]
                hashes[filled] ^= np.add.reduceat(terms, starts[filled])
        out[rows] = hashes if bits == 64 else hashes ^ (hashes >> np.uint64(32))  # (truncated)
    return out


def nonempty(strings: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Which strings are present and not empty."""
    out = np.empty(len(strings), dtype=bool)
    for rows, block, offsets, _ in _blocks(strings):
        out[rows] = _valid(block) & (np.diff(offsets) > 0)
    return out


#: The bytes of ``\s`` in Arrow's regular expressions (RE2): tab, newline, form feed,
#: carriage return, space.
_BLANKS = np.array([9, 10, 12, 13, 32], dtype=np.uint8)


def any_edge_blanks(strings: pa.Array | pa.ChunkedArray) -> bool:
    r"""Whether any string begins or ends with a blank (as ``^\s|\s$`` would find)."""
    for _, _, offsets, data in _blocks(strings):
        filled = np.diff(offsets) > 0
        edges = np.concatenate([data[offsets[:-1][filled]], data[offsets[1:][filled] - 1]])
        if np.isin(edges, _BLANKS).any():
            return True
    return False


def slash_date_fields(
    strings: pa.Array | pa.ChunkedArray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which strings begin ``DD/DD/DDDD`` (two digits, slash, two digits, slash, four
    digits) followed by the end or by a non-digit - the layout of nearly every slash date
    an export writes - and their first and second fields as numbers (0 elsewhere). Values
    of other shapes (``3/4/21``, leading blanks) are left to a regular expression."""
    fixed = np.zeros(len(strings), dtype=bool)
    first = np.zeros(len(strings), dtype=np.uint8)
    second = np.zeros(len(strings), dtype=np.uint8)
    for rows, block, offsets, data in _blocks(strings):
        lengths = np.diff(offsets)
        candidates = np.flatnonzero(_valid(block) & (lengths >= 10))
        at = offsets[:-1][candidates]
        # Each position's byte as a digit's value: bytes below "0" wrap above 9 (uint8).
        digit = {p: data[at + p] - np.uint8(_ZERO) for p in (0, 1, 3, 4, 6, 7, 8, 9)}
        shaped = (data[at + 2] == _SLASH) & (data[at + 5] == _SLASH)
        for value in digit.values():
            shaped &= value <= 9
        longer = lengths[candidates] > 10
        after = np.zeros(len(candidates), dtype=np.uint8)
        after[longer] = data[at[longer] + 10] - np.uint8(_ZERO)
        shaped &= ~longer | (after > 9)
        found = rows.start + candidates[shaped]
        fixed[found] = True
        first[found] = (digit[0] * 10 + digit[1])[shaped]
        second[found] = (digit[3] * 10 + digit[4])[shaped]
    return fixed, first, second
