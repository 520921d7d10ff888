"""Published numbers: small counts suppressed, every number rounded, and the adversary's view.

Our protection against recovering a suppressed value by subtraction (chosen over
complementary suppression, documented here and in the snapshot):

1. *Primary suppression.* An exact count below ``k`` is not published; the snapshot
   says "fewer than k" (this includes zero: "none" and "one" look the same).
2. *Rounding.* Every other published number of incidents — every area, cell, month and
   offence group — is the exact count rounded to the nearest multiple of
   ``rounding_base`` (halves up).
3. *Derived totals.* A table's total row and the headline total are the **sums of the
   published parts** (hidden parts count as 0), never the rounded exact total, and are
   labelled "about". A derived total carries no information beyond its parts.

Why (3): with a rounded exact total, subtraction pins hidden values in small tables —
hidden 4 and 4 with an exact total 8 published as "10" means both are 4; parts 7, 7 and a
hidden 4 publish as "5, 5, fewer than 5" with a total "20", and 20 − 2 ≥ 18 forces the
hidden part to 4. Any deterministic rounding has such zero-slack alignments.

What remains is linking *different* tables of the same incidents (offence groups,
months, neighbourhoods all add up to the same exact total, so each bounds the total for
the others). Pinning a hidden value then needs every hidden value of a table at k−1
*and* every rounding of two whole tables at the extreme of its range at once (chance
about 5^-(n+m) for tables of n and m parts). :func:`suppressed_ranges` is that
adversary, exactly; the audit re-runs it on the final file and refuses to publish when a
hidden value could be pinned (it also refuses the earlier, leaky kind of total).

Why not complementary suppression: a snapshot publishes several tables that share one
total, a grid and neighbourhoods that overlap in space, and partners may receive a new
snapshot every month. Complementary suppression protects one table at a time and is
undone by differencing two tables or two periods; rounding puts an uncertainty of a few
incidents on *every* number, so every difference of published numbers is uncertain too.
The cost is precision: a neighbourhood with 127 incidents shows 125.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from hotspots.publish.rules import PublicationRules, round_to_base

#: How a derived total below ``k`` is written (it is a sum of shown numbers, not a hidden count).
TOTAL_TOO_FEW = "too few to show"


def protect_counts(counts: ArrayLike, rules: PublicationRules) -> pd.arrays.IntegerArray:
    """Published values of exact ``counts``: rounded to the base, ``<NA>`` when below ``k``.

    Parameters
    ----------
    counts : array of int
        Exact, non-negative incident counts.
    rules : PublicationRules

    Returns
    -------
    pandas IntegerArray (``Int64``)
        The published number, or ``<NA>`` for a suppressed ("fewer than k") count.
    """
    exact = np.asarray(counts, dtype=np.int64)
    if exact.size and exact.min() < 0:
        raise ValueError("counts must be non-negative")
    published = pd.array(round_to_base(exact, rules.rounding_base), dtype="Int64")
    published[exact < rules.k] = pd.NA
    return published


def protect_count(count: int, rules: PublicationRules) -> int | None:
    """:func:`protect_counts` for one number: the published value or ``None`` (suppressed)."""
    value = protect_counts([count], rules)[0]
    return None if pd.isna(value) else int(value)


@dataclass(frozen=True)
class Interval:
    """An inclusive integer range ``[low, high]`` (``low > high`` means impossible)."""

    low: int
    high: int

    @property
    def size(self) -> int:
        """Number of integers in the range."""
        return max(0, self.high - self.low + 1)


def true_range(published: int | None, rules: PublicationRules) -> Interval:
    """The exact counts that publish as ``published`` (``None`` = suppressed)."""
    if published is None:
        return Interval(0, rules.k - 1)
    base = rules.rounding_base
    low = published - base // 2
    high = published + (base + 1) // 2 - 1
    return Interval(max(low, rules.k), high)


def suppressed_ranges(
    parts: Sequence[int | None],
    total: int | Interval | None,
    rules: PublicationRules,
    *,
    total_range: Interval | None = None,
) -> list[Interval]:
    """The adversary: the values each suppressed part can take, given a published table.

    The parts partition the total exactly (every incident is in one part). The adversary
    knows the published parts, what is known of the exact total and the rules (``k``, the
    base, and that published values were rounded from exact counts). With independent
    integer ranges the result is exact, not a bound.

    Parameters
    ----------
    parts : sequence of int or None
        Published values of the parts (``None`` = "fewer than k").
    total : int, None or Interval
        A rounded exact total as published (int, or None for "fewer than k"), or an
        :class:`Interval` already known for the exact total (e.g. from other tables).
    total_range : Interval, optional
        A further range for the exact total, intersected with the first.

    Returns
    -------
    list of Interval
        One per suppressed part, in order.
    """
    t = total if isinstance(total, Interval) else true_range(total, rules)
    if total_range is not None:
        t = Interval(max(t.low, total_range.low), min(t.high, total_range.high))
    shown = [true_range(p, rules) for p in parts if p is not None]
    hidden = sum(1 for p in parts if p is None)
    rest_low = t.low - sum(r.high for r in shown)
    rest_high = t.high - sum(r.low for r in shown)
    out = []
    for _ in range(hidden):
        low = max(0, rest_low - (hidden - 1) * (rules.k - 1))
        high = min(rules.k - 1, rest_high)
        out.append(Interval(low, high))
    return out


def derived_total(parts: Sequence[int | None], rules: PublicationRules) -> int | None:
    """A table's published total: the sum of its published parts (None when that is below ``k``)."""
    value = sum(p for p in parts if p is not None)
    return value if value >= rules.k else None


def partition_total_range(parts: Sequence[int | None], rules: PublicationRules) -> Interval:
    """What a complete partition alone says about its exact total."""
    ranges = [true_range(p, rules) for p in parts]
    return Interval(sum(r.low for r in ranges), sum(r.high for r in ranges))
