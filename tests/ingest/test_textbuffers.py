"""Text columns read from Arrow's buffers (hotspots.ingest.textbuffers)."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.blocks import BLOCK
from hotspots.ingest.textbuffers import (
    any_edge_blanks,
    nonempty,
    slash_date_fields,
    string_hashes,
)


def test_hashes_are_equal_for_equal_text_whatever_the_layout() -> None:
    # Equal text alike, whatever the chunking, slicing or offsets width.
    words = pa.chunked_array([["ab", "", None, "ba"], ["x" * 300, "ab"]])
    hashes = string_hashes(words)
    assert hashes[0] == hashes[5] and hashes[0] != hashes[3] and hashes[1] == hashes[2] == 0
    assert np.array_equal(string_hashes(words.combine_chunks().slice(3)), hashes[3:])
    assert np.array_equal(string_hashes(words.cast(pa.large_string())), hashes)
    folded = string_hashes(words, bits=32)
    assert folded.dtype == np.uint32 and folded[0] == folded[5] and folded[1] == folded[2] == 0
    # Same-length strings (hashed column by column) hash as they do among other lengths,
    # also when a block boundary separates the two.
    same = pa.array(["JD100001", "JD100002"] * BLOCK)
    mixed = pa.array(["JD100001", "x", "JD100002"])
    assert np.array_equal(string_hashes(same)[[0, 1]], string_hashes(mixed)[[0, 2]])
    assert string_hashes(same)[-2] == string_hashes(mixed)[0]
    assert nonempty(words).tolist() == [True, False, False, True, True, True]
    assert np.array_equal(string_hashes(words.cast(pa.string_view())), hashes)


def test_blanks_at_either_end_are_found_as_arrows_regex_finds_them() -> None:
    assert not any_edge_blanks(pa.chunked_array([["a b", "", None], ["c"]]))
    assert any_edge_blanks(pa.chunked_array([["a"], ["b\t"]]))
    assert any_edge_blanks(pa.array([" a"])) and any_edge_blanks(pa.array(["a\r"]))
    assert not any_edge_blanks(pa.array(["\u00a0a"]))  # RE2's \s is ASCII, as here


#: What :func:`slash_date_fields` reads: two digits, slash, two digits, slash, four digits,
#: then the end or a non-digit (ASCII digits: Python's \d would take other scripts' digits).
_FIXED = re.compile(r"([0-9]{2})/([0-9]{2})/[0-9]{4}(?:[^0-9]|$)")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet="0123456789/ :AMP-", max_size=14),
            st.from_regex(r"\A[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,5}( [0-9:]{1,8})?\Z"),
        ),
        max_size=40,
    ),
    st.integers(0, 5),
)
def test_slash_date_fields_read_exactly_the_fixed_layout(
    values: list[str | None], cut: int
) -> None:
    chunks = [values[:cut], values[cut:]]
    fixed, first, second = slash_date_fields(pa.chunked_array(chunks, type=pa.string()))
    for i, value in enumerate(values):
        found = _FIXED.match(value) if value is not None else None
        assert fixed[i] == (found is not None), value
        if found:
            assert (first[i], second[i]) == (int(found[1]), int(found[2])), value
        else:
            assert first[i] == second[i] == 0


def test_slash_date_fields_over_blocks_and_slices() -> None:
    values = ["12/31/2021 11:59:00 PM", "31/12/2021", "1/2/2021", None, "12/31/20215"]
    strings = pa.array(values * (BLOCK // 2), type=pa.large_string()).slice(3)
    fixed, first, second = slash_date_fields(strings)
    expected = np.tile([True, True, False, False, False], BLOCK // 2)[3:]
    assert np.array_equal(fixed, expected)
    assert first[2] == 12 and second[2] == 31 and first[3] == 31 and second[3] == 12
