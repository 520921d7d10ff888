"""The differencing adversary: what every published number together says about hidden counts.

An adversary holds every release ever published. Each published number says that the
exact count of one set of *atoms* — (unit, month, offense group) counts — lies in the
range of counts that the perturbation table maps to that number
(:meth:`~hotspots.publish.perturbation.PerturbationTable.preimage`). :func:`pinned`
tightens the range of every atom by interval propagation over all those sums (each
atom ≥ the sum's low end minus the others' high ends, ≤ the high end minus the others'
low ends, repeated until nothing changes) and reports every hidden number ("fewer than
k") and every atom below ``k`` whose range has shrunk to a single value.

The release ledger (:mod:`hotspots.publish.publisher`) refuses a release when this
finds anything. The tests run an exact linear-programming adversary
(``scipy.optimize.linprog``, a lower and an upper bound per unknown) on accepted
releases and check it recovers nothing either.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from hotspots.publish.perturbation import PerturbationTable

#: Propagation rounds (each round tightens every atom from every sum it is in).
MAX_ROUNDS = 200


@dataclass(frozen=True)
class Constraint:
    """One published number: the atoms it counts, the published value and a label."""

    atoms: tuple[Hashable, ...]
    value: int
    label: str


@dataclass(frozen=True)
class Recovery:
    """A hidden count the adversary can work out."""

    label: str
    value: int

    def __str__(self) -> str:
        return f"{self.label} could be worked out exactly"


def atom_bounds(
    constraints: Sequence[Constraint], table: PerturbationTable
) -> tuple[list[Hashable], np.ndarray, np.ndarray]:
    """Atoms and their tightest ranges ``(atoms, low, high)`` under interval propagation."""
    index: dict[Hashable, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    lo_c = np.empty(len(constraints), dtype=np.int64)
    hi_c = np.empty(len(constraints), dtype=np.int64)
    for r, con in enumerate(constraints):
        lo_c[r], hi_c[r] = table.preimage(con.value)
        for atom in set(con.atoms):
            rows.append(r)
            cols.append(index.setdefault(atom, len(index)))
    row = np.asarray(rows, dtype=np.int64)
    col = np.asarray(cols, dtype=np.int64)
    n = len(index)
    big = int(hi_c.max()) if hi_c.size else 0
    low = np.zeros(n, dtype=np.int64)
    high = np.full(n, big, dtype=np.int64)
    for _ in range(MAX_ROUNDS):
        sum_lo = np.bincount(row, weights=low[col], minlength=len(constraints))
        sum_hi = np.bincount(row, weights=high[col], minlength=len(constraints))
        new_low = low.copy()
        new_high = high.copy()
        np.maximum.at(new_low, col, (lo_c[row] - (sum_hi[row] - high[col])).astype(np.int64))
        np.minimum.at(new_high, col, (hi_c[row] - (sum_lo[row] - low[col])).astype(np.int64))
        new_low = np.maximum(new_low, 0)
        if np.array_equal(new_low, low) and np.array_equal(new_high, high):
            break
        low, high = new_low, new_high
        if np.any(low > high):
            break
    return list(index), low, high


def pinned(constraints: Sequence[Constraint], table: PerturbationTable) -> list[Recovery]:
    """Hidden numbers and small atoms the adversary pins to one value (empty: none)."""
    if not constraints:
        return []
    atoms, low, high = atom_bounds(constraints, table)
    position = {a: i for i, a in enumerate(atoms)}
    found: list[Recovery] = []
    for con in constraints:
        if con.value != 0:
            continue
        idx = [position[a] for a in set(con.atoms)]
        lo = max(0, int(low[idx].sum()))
        hi = min(table.k - 1, int(high[idx].sum()))
        if lo >= hi:
            found.append(Recovery(con.label, lo))
    small = np.flatnonzero((high - low <= 0) & (high < table.k))
    found += [Recovery(f"the count of {atoms[i]!r}", int(low[i])) for i in small]
    return found
