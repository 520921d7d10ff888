"""Exact permutation p-values for sums of counts over neighbourhoods (no Monte Carlo).

A neighbourhood sum of counts is tested against random relabelling of the observed counts
over the units. Two nulls, both exact:

- **Total randomisation** (``hold_own=False``; Gi*'s default): all n counts are shuffled
  over the n units, so a neighbourhood of w_i units (self included) holds the sum of w_i
  counts drawn without replacement from all n. This is the null under which Gi*'s own
  mean and variance (and so its z-score) are derived (Getis & Ord 1992), so the sign of z
  and the tail of the p-value always agree, and a cell's own count counts as evidence.
- **Conditional randomisation** (``hold_own=True``; Local Moran, esda, GeoDa): unit i keeps
  its count and the other n − 1 counts are shuffled, so its k_i neighbours (self excluded)
  hold the sum of k_i counts drawn from the other n − 1. Local Moran's I_i is
  ``z_i (T_i − k_i x̄)`` up to a positive factor, so I's p-values are these tails.

The p-values are the exact tails ``P(T >= t)`` (upper, "hot") and ``P(T <= t)`` (lower,
"cold"); the two-sided p-value is ``min(1, 2 · min(upper, lower))`` (REFERENCE.md).

How it is computed. Counts take few distinct values, so the distribution of a sum of k
draws without replacement from the multiset of all n counts is a small dynamic programme
over the value histogram (a multivariate hypergeometric, accumulated one distinct value at
a time), kept as probabilities so it neither overflows nor loses precision. For the
conditional null, removing unit i's own value from the population is one exact deflation
step per draw,

    Q_k = (n · F_k − k · shift(Q_{k−1}, x_i)) / (n − k),

(F_k: k draws from all n; Q_k: from the n − 1 others), shared by every unit with the same
own value. When more than half of the units are drawn, the sum of the undrawn ones is used
instead (``T = total − T'``), so tables stay small and the deflation never amplifies
rounding. p-values are accurate to about 1e-12 in absolute terms, far below any
Benjamini–Hochberg threshold ``alpha / m``.

With Benjamini–Hochberg over m units a Monte-Carlo test with R permutations cannot call
any unit significant unless ``R >= 2 m / alpha − 1`` (75,719 for 1,893 cells); exact tails
have no such floor. The cost is about ``d · K · L`` operations for d distinct counts,
K = the largest neighbourhood and L = the largest possible neighbourhood sum.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

from hotspots.errors import InputError, describe

log = logging.getLogger(__name__)

#: Largest table (neighbourhood size × possible sums) the exact computation builds; beyond
#: it (very wide distance bands over very large counts) callers fall back with a note.
MAX_TABLE_ENTRIES = 50_000_000


@dataclass(frozen=True, eq=False)
class SumTails:
    """Exact tail probabilities of each unit's neighbour sum under conditional permutation.

    Attributes
    ----------
    upper : ndarray of float64
        ``P(T_i >= t_i)``: the one-sided p-value for a high neighbourhood (hot).
    lower : ndarray of float64
        ``P(T_i <= t_i)``: the one-sided p-value for a low neighbourhood (cold).
    """

    upper: NDArray[np.float64]
    lower: NDArray[np.float64]

    @property
    def two_sided(self) -> NDArray[np.float64]:
        """``min(1, 2 · min(upper, lower))``."""
        return np.minimum(1.0, 2.0 * np.minimum(self.upper, self.lower))


class ExactTooLargeError(InputError):
    """The exact table would be too large (see :data:`MAX_TABLE_ENTRIES`)."""


def is_count_data(values: ArrayLike) -> bool:
    """True when every value is a finite, non-negative whole number (what the exact test needs)."""
    x = np.asarray(values, dtype=np.float64)
    return bool(np.isfinite(x).all() and (x >= 0).all() and (x == np.round(x)).all())


def neighbourhood_sum_tails(
    counts: ArrayLike, *, sizes: ArrayLike, observed: ArrayLike, hold_own: bool = False
) -> SumTails:
    """Exact permutation tails of each unit's neighbourhood sum of counts.

    Reusable for any binary neighbourhood: a grid's contiguity, one time slice of a
    space-time cube, or a space-time neighbourhood.

    Parameters
    ----------
    counts : array_like of int, shape (n,)
        Non-negative whole numbers (incident counts), one per unit.
    sizes : array_like of int, shape (n,)
        Units in each neighbourhood: with ``hold_own=False`` the unit itself included
        (Gi*'s W_i, ``1 .. n``); with ``hold_own=True`` its neighbours only (``0 .. n − 1``).
    observed : array_like of int, shape (n,)
        The observed neighbourhood sum, over the same units as ``sizes``.
    hold_own : bool, default False
        False: total randomisation (all n counts shuffled; Gi*). True: conditional
        randomisation (each unit keeps its count, the others are shuffled; Local Moran).

    Returns
    -------
    SumTails

    Raises
    ------
    InputError
        When the arrays differ in length, counts are not non-negative whole numbers, or
        sizes / observed are out of range.
    ExactTooLargeError
        When the table would exceed :data:`MAX_TABLE_ENTRIES` entries.

    Examples
    --------
    >>> tails = neighbourhood_sum_tails([0, 1, 5], sizes=[1, 1, 1], observed=[0, 1, 5])
    >>> tails.upper.round(3).tolist()
    [1.0, 0.667, 0.333]
    >>> tails = neighbourhood_sum_tails([0, 1, 5], sizes=[1, 1, 1], observed=[1, 5, 1], hold_own=True)
    >>> tails.upper.tolist()
    [0.5, 0.5, 1.0]
    """
    x, k, t = _prepare(counts, sizes, observed, hold_own=hold_own)
    n = x.size
    upper = np.ones(n)
    lower = np.ones(n)
    if n < 2:
        return SumTails(upper, lower)
    total = int(x.sum())
    # Draw the smaller side: the sum of the k drawn = the population's total − the rest.
    population = n - 1 if hold_own else n
    flip = k > (population - k)
    kk = np.where(flip, population - k, k)
    tt = np.where(flip, total - (x if hold_own else 0) - t, t)
    max_draws = int(kk.max())
    if max_draws == 0:
        return SumTails(upper, lower)
    values, inverse, multiplicity = np.unique(x, return_inverse=True, return_counts=True)
    largest = int(np.sort(x)[::-1][:max_draws].sum())
    width = largest + 1
    if (max_draws + 1) * width > MAX_TABLE_ENTRIES:
        raise ExactTooLargeError(
            f"The exact p-values need a table of {max_draws + 1} × {width:,} entries (over "
            f"{MAX_TABLE_ENTRIES:,}): neighbourhoods of up to {max_draws} units over counts up to "
            f"{int(values[-1]):,}. Use a smaller neighbourhood or the normal approximation."
        )
    everyone = _all_units_distribution(values, multiplicity, n, max_draws, width)
    if not hold_own:
        _fill_tails(everyone, kk, tt, np.arange(n), upper, lower)
        upper[flip], lower[flip] = lower[flip].copy(), upper[flip].copy()
        return SumTails(upper, lower)
    for position, value in enumerate(values.tolist()):
        units = np.flatnonzero(inverse == position)
        sizes = kk[units]
        top = int(sizes.max())
        if top == 0:
            continue
        without = _deflate(everyone[: top + 1], int(value), n)
        _fill_tails(without, kk, tt, units, upper, lower)
    upper[flip], lower[flip] = lower[flip].copy(), upper[flip].copy()
    return SumTails(upper, lower)


# -- private steps -------------------------------------------------------------------------------


def _fill_tails(
    table: NDArray[np.float64],
    sizes: NDArray[np.int64],
    sums: NDArray[np.int64],
    units: NDArray[np.int64],
    upper: NDArray[np.float64],
    lower: NDArray[np.float64],
) -> None:
    """Write the tails of ``table[size]`` at each unit's observed sum (sizes of 0: p = 1)."""
    unit_sizes = sizes[units]
    for size in np.unique(unit_sizes[unit_sizes > 0]).tolist():
        pick = units[unit_sizes == size]
        pmf = table[size]
        at_most = np.clip(np.cumsum(pmf), 0.0, 1.0)
        at_least = np.clip(np.cumsum(pmf[::-1])[::-1], 0.0, 1.0)
        lower[pick] = at_most[sums[pick]]
        upper[pick] = at_least[sums[pick]]


def _prepare(
    counts: Any, sizes: Any, observed: Any, *, hold_own: bool
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    arrays = []
    for name, value in (("counts", counts), ("sizes", sizes), ("observed", observed)):
        try:
            a = np.asarray(value, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise InputError(
                f"{name}={describe(value)} cannot be read as numbers; pass whole numbers."
            ) from None
        if not is_count_data(a):
            raise InputError(
                f"{name} must hold non-negative whole numbers (incident counts); got values such "
                f"as {describe(a[:5].tolist())}. Round or count first, or use the normal "
                "approximation for other values."
            )
        arrays.append(np.round(a).astype(np.int64))
    x, k, t = arrays
    if not (x.size == k.size == t.size):
        raise InputError(
            f"counts, sizes and observed must have one entry per unit; got lengths {x.size}, "
            f"{k.size} and {t.size}."
        )
    population = x.size - 1 if hold_own else x.size
    if k.size and k.max() > max(population, 0):
        raise InputError(
            f"sizes has a value of {int(k.max())} but only {population} units can be drawn "
            f"(hold_own={hold_own}); a neighbourhood cannot hold more units than there are."
        )
    return x, k, t


def _log_comb(a: float | NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """log C(a, b), −inf where b < 0 or b > a."""
    aa, bb = np.broadcast_arrays(np.asarray(a, dtype=np.float64), b)
    valid = (bb >= 0) & (bb <= aa)
    out = np.full(aa.shape, -np.inf)
    out[valid] = (
        gammaln(aa[valid] + 1) - gammaln(bb[valid] + 1) - gammaln(aa[valid] - bb[valid] + 1)
    )
    return out


def _all_units_distribution(
    values: NDArray[np.int64],
    multiplicity: NDArray[np.int64],
    n: int,
    max_draws: int,
    width: int,
) -> NDArray[np.float64]:
    """F[k, s] = P(sum of k draws without replacement from all n counts = s), k = 0..max_draws.

    Adds one distinct value at a time: with N units so far and m new units of value v,
    ``F'_k[s] = Σ_c h(c) F_k−c[s − c v]`` with the hypergeometric weight
    ``h(c) = C(m, c) C(N, k − c) / C(N + m, k)``.
    """
    table = np.zeros((max_draws + 1, width))
    table[0, 0] = 1.0
    so_far = 0
    ks = np.arange(max_draws + 1, dtype=np.float64)[:, None]
    # Values come in ascending order, so k draws so far sum to at most k × the largest value
    # so far: only that prefix of row k can be non-zero. Rows are updated in place from the
    # largest k down (row k needs rows k − c, c >= 0, still holding the previous values); the
    # terms are added in the same order as over the whole row, so the result is identical.
    largest = 0
    rows, scratch = np.empty(width), np.empty(width)  # reused buffers: no temporaries
    for value, m in zip(values.tolist(), multiplicity.tolist(), strict=True):
        cs = np.arange(min(m, max_draws) + 1, dtype=np.float64)[None, :]
        log_total = _log_comb(float(so_far + m), ks)
        with np.errstate(invalid="ignore"):  # −inf − −inf where k exceeds the units so far
            weights = np.exp(
                _log_comb(float(m), cs) + _log_comb(float(so_far), ks - cs) - log_total
            )
        weights[~np.isfinite(log_total[:, 0])] = 0.0
        for k in range(max_draws, -1, -1):
            size = min(width, k * max(largest, value) + 1)
            row = rows[:size]
            row[:] = 0.0
            for c in range(min(m, k) + 1):
                h = weights[k, c]
                if h == 0.0:
                    continue
                shift = c * value
                if shift >= size:
                    continue
                part = min(size - shift, (k - c) * largest + 1)
                term = np.multiply(table[k - c, :part], h, out=scratch[:part])
                np.add(row[shift : shift + part], term, out=row[shift : shift + part])
            table[k, :size] = row
        largest = max(largest, value)
        so_far += m
    return table


def _deflate(everyone: NDArray[np.float64], value: int, n: int) -> NDArray[np.float64]:
    """Q[k] = distribution of k draws from the n − 1 units left when one unit of ``value`` is
    removed: ``Q_k = (n F_k − k · shift(Q_{k−1}, value)) / (n − k)``."""
    top = everyone.shape[0] - 1
    width = everyone.shape[1]
    out = np.zeros_like(everyone)
    out[0, 0] = 1.0
    for k in range(1, top + 1):
        row = n * everyone[k]
        if value < width:
            row[value:] -= k * out[k - 1, : width - value]
        out[k] = np.maximum(row / (n - k), 0.0)
    return out
