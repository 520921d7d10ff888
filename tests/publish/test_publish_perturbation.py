"""Cell-key perturbation: consistent, exactly zero-mean, bounded, never 1..k-1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from publish_helpers import incidents_frame

from hotspots.publish.perturbation import (
    KEY_RANGE,
    PerturbationTable,
    cell_key,
    record_keys,
    unit_keys,
)

KEYS = np.arange(KEY_RANGE)


@pytest.mark.parametrize("k", [3, 5, 10])
@pytest.mark.parametrize("max_noise", [1, 2, 3])
def test_table_is_zero_mean_bounded_and_skips_small_values(k: int, max_noise: int) -> None:
    table = PerturbationTable(k=k, max_noise=max_noise)
    for count in range(0, 60):
        values = table.values(np.full(KEY_RANGE, count), KEYS)
        assert values.mean() == count  # exactly, over the keys
        assert np.abs(values - count).max() <= table.bound
        assert not ((values >= 1) & (values < k)).any()
        assert (values >= 0).all()
    assert table.values(np.zeros(KEY_RANGE, dtype=np.int64), KEYS).tolist() == [0] * KEY_RANGE


def test_preimage_covers_every_count_that_publishes_a_value() -> None:
    table = PerturbationTable(k=5)
    for count in range(0, 40):
        for value in set(table.values(np.full(KEY_RANGE, count), KEYS).tolist()):
            low, high = table.preimage(value)
            assert low <= count <= high


def test_record_keys_are_keyed_consistent_and_uniform() -> None:
    frame = incidents_frame()
    a = record_keys(frame, b"publisher-secret-one-0123456789ab")
    b = record_keys(frame.iloc[::-1], b"publisher-secret-one-0123456789ab")[::-1]
    c = record_keys(frame, b"publisher-secret-two-0123456789ab")
    assert np.array_equal(a, b)  # the same incidents get the same keys in any order
    assert not np.array_equal(a, c)  # another secret, other keys
    assert a.min() >= 0 and a.max() < KEY_RANGE
    # Roughly uniform: each quarter of the key range holds a quarter of the records.
    share = np.bincount(a // 64, minlength=4) / a.size
    assert np.all(np.abs(share - 0.25) < 0.06)


def test_identity_without_an_id_column_uses_time_offense_and_place() -> None:
    frame = incidents_frame().drop(columns=["event_unique_id"])
    keys = record_keys(frame, b"s" * 32)
    moved = frame.copy()
    moved.loc[0, "offense"] = "Robbery" if moved.loc[0, "offense"] != "Robbery" else "Assault"
    assert record_keys(moved, b"s" * 32)[1:].tolist() == keys[1:].tolist()


def test_same_incidents_same_published_value_in_any_table() -> None:
    """The consistency that defeats averaging: a unit's value depends on its set of
    incidents only, not on the table, the release or the order."""
    frame = incidents_frame()
    keys = record_keys(frame, b"k" * 32)
    table = PerturbationTable()
    units = np.arange(len(frame)) % 7
    first = table.values(np.bincount(units), unit_keys(keys, units, 7))
    shuffled = np.random.default_rng(3).permutation(len(frame))
    second = table.values(
        np.bincount(units[shuffled]), unit_keys(keys[shuffled], units[shuffled], 7)
    )
    assert first.tolist() == second.tolist()
    assert cell_key(keys[units == 2]) == unit_keys(keys, units, 7)[2]


def test_noise_is_zero_mean_over_many_real_units() -> None:
    """Across units with random keys the published-minus-exact differences average to ~0."""
    rng = np.random.default_rng(11)
    counts = rng.integers(0, 200, 20_000)
    keys = rng.integers(0, KEY_RANGE, 20_000)
    diff = PerturbationTable().values(counts, keys) - counts
    assert abs(diff.mean()) < 0.05 and np.abs(diff).max() <= 5


def test_bad_tables() -> None:
    from hotspots.errors import InputError

    with pytest.raises(InputError, match="max_noise"):
        PerturbationTable(max_noise=9)
    with pytest.raises(InputError, match="secret"):
        record_keys(pd.DataFrame({"id": [1]}), b"")
