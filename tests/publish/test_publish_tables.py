"""Suppression, rounding and derived totals, attacked by subtraction."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.publish.rules import PublicationRules, round_to_base
from hotspots.publish.tables import (
    Interval,
    derived_total,
    partition_total_range,
    protect_count,
    protect_counts,
    suppressed_ranges,
)

RULES = PublicationRules()


def test_protect_counts_hides_below_k_and_rounds_the_rest() -> None:
    out = protect_counts([0, 1, 4, 5, 7, 8, 12, 13, 127, 1002], RULES)
    assert out.dtype == "Int64"
    assert out.isna().tolist() == [True] * 3 + [False] * 7
    assert out[3:].tolist() == [5, 5, 10, 10, 15, 125, 1000]
    assert protect_count(3, RULES) is None and protect_count(23, RULES) == 25


def test_zero_is_hidden_like_any_small_count() -> None:
    # Our choice: "none" and "one" look the same, so a hidden cell says nothing about either.
    assert protect_count(0, RULES) is None


def test_round_half_up() -> None:
    assert round_to_base(np.array([2, 3, 7, 8, 12, 13]), 5).tolist() == [0, 5, 5, 10, 10, 15]
    assert round_to_base(np.array([1, 2, 5, 6]), 4).tolist() == [0, 4, 4, 8]


def test_derived_total_is_the_sum_of_what_is_shown() -> None:
    assert derived_total([20, None, 5], RULES) == 25
    assert derived_total([None, None], RULES) is None


@pytest.mark.parametrize(
    ("exact", "pinned"),
    [([4, 4], 4), ([7, 7, 4], 4), ([2, 2, 4, 4, 4, 4, 3], None)],
)
def test_a_rounded_exact_total_leaks_which_is_why_totals_are_derived(
    exact: list[int], pinned: int | None
) -> None:
    """The weakness hypothesis found in the first design: rounded exact totals pin hidden values."""
    published = [protect_count(v, RULES) for v in exact]
    ranges = suppressed_ranges(published, protect_count(sum(exact), RULES), RULES)
    if pinned is not None:
        assert any(r.size == 1 and r.low == pinned for r in ranges)
    # With the derived total (our design) the table alone says nothing about hidden values.
    derived = derived_total(published, RULES)
    known = partition_total_range(published, RULES)
    assert derived is None or known.low <= derived <= known.high
    assert all(
        (r.low, r.high) == (0, RULES.k - 1) for r in suppressed_ranges(published, known, RULES)
    )


def _options(published: int | None, rules: PublicationRules) -> list[int]:
    if published is None:
        return list(range(rules.k))
    return [
        v
        for v in range(max(0, published - rules.rounding_base), published + rules.rounding_base + 1)
        if protect_count(v, rules) == published
    ]


def _brute_force(
    pub_a: list[int | None], pub_b: list[int | None], rules: PublicationRules
) -> list[set[int]]:
    """Every exact pair of tables (same total) consistent with what was published; the
    values each hidden part of table A can take."""
    sums_b = {sum(c) for c in itertools.product(*[_options(p, rules) for p in pub_b])}
    hidden = [i for i, p in enumerate(pub_a) if p is None]
    seen: list[set[int]] = [set() for _ in hidden]
    for combo in itertools.product(*[_options(p, rules) for p in pub_a]):
        if sum(combo) in sums_b:
            for j, i in enumerate(hidden):
                seen[j].add(combo[i])
    return seen


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(min_value=0, max_value=6), min_size=3, max_size=3),
        min_size=2,
        max_size=3,
    )
)
def test_two_tables_of_the_same_incidents_never_pin_unnoticed(matrix: list[list[int]]) -> None:
    """Offence groups (rows) and months (columns) of the same incidents, published with
    rounding and derived totals. A brute-force attacker over both tables finds exactly
    what the audit's interval adversary finds, so the audit never misses a pin."""
    m = np.array(matrix)
    pub_a = [protect_count(int(v), RULES) for v in m.sum(axis=1)]
    pub_b = [protect_count(int(v), RULES) for v in m.sum(axis=0)]
    if all(p is not None for p in pub_a):
        return
    truth = [int(v) for v, p in zip(m.sum(axis=1), pub_a, strict=True) if p is None]
    brute = _brute_force(pub_a, pub_b, RULES)
    known = partition_total_range(pub_b, RULES)
    ranges = suppressed_ranges(pub_a, known, RULES, total_range=partition_total_range(pub_a, RULES))
    for values, r, t in zip(brute, ranges, truth, strict=True):
        assert t in values
        assert values == set(range(r.low, r.high + 1))


def test_cross_table_pin_is_possible_but_caught_by_the_adversary() -> None:
    """The residual channel: every rounding at its extreme in both tables at once."""
    pub_b = [
        5,
        5,
        5,
    ]  # months: each 5..7 -> total 15..21, but the true total is 21 only if all are 7
    pub_a = [15, None]  # offences: 13..17 and a hidden 0..4
    r = suppressed_ranges(pub_a, partition_total_range(pub_b, RULES), RULES)[0]
    assert (r.low, r.high) == (0, 4)
    pub_b = [10, 10]  # 8..12 each -> 16..24
    pub_a = [5, 5, None]  # 5..7 each -> hidden >= 16 - 14 = 2
    r = suppressed_ranges(pub_a, partition_total_range(pub_b, RULES), RULES)[0]
    assert (r.low, r.high) == (2, 4)  # narrowed, never pinned here


def test_suppressed_ranges_with_known_total_range() -> None:
    (r,) = suppressed_ranges([20, None], Interval(22, 22), RULES)
    assert (r.low, r.high) == (0, 4)
    (r,) = suppressed_ranges([20, None], 30, RULES)  # inconsistent: impossible
    assert r.size == 0


def test_partition_total_range() -> None:
    r = partition_total_range([10, None, 5], RULES)
    assert (r.low, r.high) == (8 + 0 + 5, 12 + 4 + 7)


def test_protect_counts_rejects_negative() -> None:
    with pytest.raises(ValueError):
        protect_counts([-1], RULES)


def test_protect_counts_accepts_series() -> None:
    out = protect_counts(pd.Series([3, 30]), RULES)
    assert out.isna().tolist() == [True, False]
