"""Tests for block-wise work in threads (hotspots.blocks)."""

from __future__ import annotations

import numpy as np

from hotspots.blocks import BLOCK, compact, in_blocks, spans


def test_spans_cover_the_range_once_in_order() -> None:
    assert spans(0) == []
    assert spans(5, block=2) == [slice(0, 2), slice(2, 4), slice(4, 5)]
    covered = np.concatenate([np.arange(10_007)[s] for s in spans(10_007, block=1_000)])
    np.testing.assert_array_equal(covered, np.arange(10_007))


def test_results_come_back_in_block_order_and_outputs_are_written() -> None:
    values = np.arange(100_003, dtype=np.float64)
    out = np.empty_like(values)

    def work(span: slice) -> int:
        np.multiply(values[span], 2.0, out=out[span])
        return span.start

    assert in_blocks(values.size, work, block=1_000) == list(range(0, 100_003, 1_000))
    np.testing.assert_array_equal(out, values * 2.0)


def test_compact_keeps_the_chosen_values_in_order_in_place() -> None:
    rng = np.random.default_rng(0)
    for n in (0, 1, 5, BLOCK - 1, BLOCK, 3 * BLOCK + 7):
        for share in (0.0, 0.3, 1.0):
            values = rng.random(n)
            keep = rng.random(n) < share
            expected = values[keep]
            kept = compact(values, keep)
            np.testing.assert_array_equal(kept, expected)
            assert kept.base is values or kept is values or n == 0  # a view, not a copy
            frozen = rng.random(n)
            frozen.flags.writeable = False
            np.testing.assert_array_equal(compact(frozen, keep), frozen[keep])
