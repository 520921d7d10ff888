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

Speed without changing a bit: row k of every table is computed only up to the largest sum
of k units (beyond it every entry is an exact zero); the table of all units is kept for the
next call with the same counts (Gi* and Local Moran of one map share it); ln Γ is computed
step for step as SciPy's Cephes ``gammaln`` does, so SciPy is not imported. Each of these
keeps every floating-point operation that reaches a p-value, in the same order: the tests
compare the p-values with the original code's to the last bit.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

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
    # reach[k]: the largest sum of k units (the k largest counts); no sum of k draws exceeds
    # it, so row k of every table is zero beyond it and is computed only up to it.
    reach = _top_sums(x, max_draws)
    width = int(reach[-1]) + 1
    if (max_draws + 1) * width > MAX_TABLE_ENTRIES:
        raise ExactTooLargeError(
            f"The exact p-values need a table of {max_draws + 1} × {width:,} entries (over "
            f"{MAX_TABLE_ENTRIES:,}): neighbourhoods of up to {max_draws} units over counts up to "
            f"{int(values[-1]):,}. Use a smaller neighbourhood or the normal approximation."
        )
    ends = np.minimum(reach + 1, width)
    everyone = _remembered_distribution(values, multiplicity, n, max_draws, width)
    if not hold_own:
        _fill_tails(everyone, ends, kk, tt, np.arange(n), upper, lower)
        upper[flip], lower[flip] = lower[flip].copy(), upper[flip].copy()
        return SumTails(upper, lower)
    without = np.zeros((max_draws + 1, width))  # rows stay zero beyond ``ends`` (see _deflate)
    scratch = np.empty(width)
    by_value = np.argsort(inverse.reshape(-1), kind="stable")  # units grouped by own value
    starts = np.concatenate([[0], np.cumsum(multiplicity)]).tolist()
    for position, value in enumerate(values.tolist()):
        units = by_value[starts[position] : starts[position + 1]]
        top = int(kk[units].max())
        if top == 0:
            continue
        _deflate(everyone, ends, int(value), n, top, without, scratch)
        _fill_tails(without, ends, kk, tt, units, upper, lower)
    upper[flip], lower[flip] = lower[flip].copy(), upper[flip].copy()
    return SumTails(upper, lower)


# -- private steps -------------------------------------------------------------------------------


def _fill_tails(
    table: NDArray[np.float64],
    ends: NDArray[np.int64],
    sizes: NDArray[np.int64],
    sums: NDArray[np.int64],
    units: NDArray[np.int64],
    upper: NDArray[np.float64],
    lower: NDArray[np.float64],
) -> None:
    """Write the tails of ``table[size]`` at each unit's observed sum (sizes of 0: p = 1).

    Row ``size`` is zero from ``ends[size]`` on. ``P(T <= t)`` sums the pmf from 0 up to t
    and ``P(T >= t)`` from the end down to t, one term at a time (cumulative sums), so only
    the stretch between the smallest and largest observed sum and the row's ends is summed:
    the same additions, in the same order, as over the whole row.
    """
    unit_sizes = sizes[units]
    for size in sorted(set(unit_sizes.tolist()) - {0}):
        pick = units if unit_sizes.size == 1 else units[unit_sizes == size]
        pmf = table[size, : ends[size]]
        at = sums[pick]
        low, high = int(at.min()), int(at.max())
        if low < 0 or high >= pmf.size:  # only from inconsistent input: exact 0 or 1 there
            lower[pick] = np.where(at < 0, 0.0, 1.0)
            upper[pick] = np.where(at < 0, 1.0, 0.0)
            fine = (at >= 0) & (at < pmf.size)
            pick, at = pick[fine], at[fine]
            if not pick.size:
                continue
            low, high = int(at.min()), int(at.max())
        lower[pick] = np.clip(np.cumsum(pmf[: high + 1])[at], 0.0, 1.0)
        upper[pick] = np.clip(np.cumsum(pmf[low:][::-1])[::-1][at - low], 0.0, 1.0)


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


def _top_sums(x: NDArray[np.int64], max_draws: int) -> NDArray[np.int64]:
    """``S[k]``, k = 0..max_draws: the sum of the k largest of ``x``."""
    largest = np.sort(x)[::-1][:max_draws]
    return np.concatenate([[0], np.cumsum(largest)]).astype(np.int64)


# -- ln Γ of whole numbers -----------------------------------------------------------------------

#: Cephes ``lgam`` coefficients (Stirling's series for 13 <= x < 1000).
_STIRLING = (
    8.11614167470508450300e-4,
    -5.95061904284301438324e-4,
    7.93650340457716943945e-4,
    -2.77777777730099687205e-3,
    8.33333333333331927722e-2,
)
_LOG_SQRT_2PI = 0.91893853320467274178


def _lgamma_whole(v: int) -> float:
    """ln Γ(v) of a whole number v >= 1, computed as Cephes ``lgam`` does.

    Step for step the algorithm of ``scipy.special.gammaln`` (Cephes ``lgam``, in SciPy's
    ``xsf``) for these arguments, with the same C library logarithm (``math.log``), so the
    values are the same to the last bit (the tests compare them) and SciPy, which takes a
    tenth of a second to import, is not needed for exact p-values.
    """
    x = float(v)
    if x < 13.0:
        # Γ(v) = (v − 1)!, a product that is exact in floating point this far.
        z = 1.0
        u = x
        while u >= 3.0:
            u -= 1.0
            z *= u
        return math.log(z)
    q = (x - 0.5) * math.log(x) - x + _LOG_SQRT_2PI
    if x > 1.0e8:
        return q
    p = 1.0 / (x * x)
    if x >= 1000.0:
        return (
            q
            + (
                (7.9365079365079365079365e-4 * p - 2.7777777777777777777778e-3) * p
                + 0.0833333333333333333333
            )
            / x
        )
    series = _STIRLING[0]
    for coefficient in _STIRLING[1:]:
        series = series * p + coefficient
    return q + series / x


def _log_comb_rows(a: NDArray[np.int64], max_j: int) -> NDArray[np.float64]:
    """``L[i, j] = log C(a[i], j)`` for j = 0..max_j (−inf where j > a[i]), as
    ``ln Γ(a + 1) − ln Γ(j + 1) − ln Γ(a − j + 1)``."""
    j = np.arange(max_j + 1, dtype=np.int64)[None, :]
    aa = np.broadcast_to(a[:, None], (a.size, max_j + 1))
    valid = j <= aa
    jj = np.broadcast_to(j, aa.shape)
    arguments = np.concatenate([aa[valid] + 1, jj[valid] + 1, aa[valid] - jj[valid] + 1])
    wanted, where = np.unique(arguments, return_inverse=True)
    lg = np.array([_lgamma_whole(v) for v in wanted.tolist()])[where.reshape(-1)]
    m = int(valid.sum())
    out = np.full(aa.shape, -np.inf)
    out[valid] = lg[:m] - lg[m : 2 * m] - lg[2 * m :]
    return out


def _weight_logs(
    multiplicity: NDArray[np.int64], max_draws: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """For each distinct value i (N units of earlier values, m of value i), row j of the
    three arrays: ``log C(N + m, j)``, ``log C(m, j)`` and ``log C(N, j)``, j = 0..max_draws."""
    after = np.cumsum(multiplicity)
    before = after - multiplicity
    steps = multiplicity.size
    logs = _log_comb_rows(np.concatenate([after, multiplicity, before]), max_draws)
    return logs[:steps], logs[steps : 2 * steps], logs[2 * steps :]


def _hypergeometric_weights(
    log_total: NDArray[np.float64],
    log_new: NDArray[np.float64],
    log_old: NDArray[np.float64],
    m: int,
) -> NDArray[np.float64]:
    """``h[k, c] = C(m, c) C(N, k − c) / C(N + m, k)`` (k = 0..max_draws, c = 0..min(m, max_draws)):
    the chance that c of k draws from the N + m units so far are of the new value (0 where
    k exceeds N + m), from one row of each of :func:`_weight_logs`."""
    ks = np.arange(log_total.size)[:, None]
    cs = np.arange(min(m, log_total.size - 1) + 1)[None, :]
    old_draws = ks - cs  # draws left for the earlier values
    log_rest = np.where(old_draws >= 0, log_old[np.maximum(old_draws, 0)], -np.inf)
    with np.errstate(invalid="ignore"):  # −inf − −inf where k exceeds the units so far
        weights = np.exp(log_new[cs] + log_rest - log_total[:, None])
    weights[~np.isfinite(log_total)] = 0.0
    return weights


# -- the distribution of k draws from all units ----------------------------------------------------

#: Distributions kept for reuse: Gi* and Local Moran of one map draw from the same counts, one
#: right after the other (so a few suffice), and no more than this many bytes in all.
_KEPT = 2
_KEPT_BYTES = 128 * 2**20
_kept: OrderedDict[tuple[int, bytes, bytes], NDArray[np.float64]] = OrderedDict()
_kept_lock = threading.Lock()


def forget_distributions() -> None:
    """Drop the kept all-units tables (benchmarks time a computation from scratch with it)."""
    with _kept_lock:
        _kept.clear()


def _remembered_distribution(
    values: NDArray[np.int64],
    multiplicity: NDArray[np.int64],
    n: int,
    max_draws: int,
    width: int,
) -> NDArray[np.float64]:
    """:func:`_all_units_distribution`, reusing a table of the same counts with as many or
    more draws (its first rows and columns are the same numbers; read-only)."""
    key = (n, values.tobytes(), multiplicity.tobytes())
    with _kept_lock:
        table = _kept.get(key)
        if table is not None and table.shape[0] > max_draws:
            _kept.move_to_end(key)
            return table[: max_draws + 1, :width]
    table = _all_units_distribution(values, multiplicity, n, max_draws, width)
    table.setflags(write=False)
    with _kept_lock:
        _kept[key] = table
        while len(_kept) > _KEPT or (
            len(_kept) > 1 and sum(kept.nbytes for kept in _kept.values()) > _KEPT_BYTES
        ):
            _kept.popitem(last=False)
    return table


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
    log_total, log_new, log_old = _weight_logs(multiplicity, max_draws)
    # Values come in ascending order, so after a value the k largest units so far are the
    # last k of the sorted counts: row k is zero beyond their sum (``reach``). Rows are
    # updated in place from the largest k down (row k needs rows k − c, c >= 0, still
    # holding the previous values); every term is added in the same order as over the
    # whole row, and the terms left out are exact zeros, so the result is the same.
    ascending = np.concatenate([[0], np.cumsum(np.repeat(values, multiplicity))])
    ks = np.arange(max_draws + 1)
    so_far = 0
    reach_before = np.zeros(max_draws + 1, dtype=np.int64)
    scratch = np.empty(width)
    for step, (value, m) in enumerate(zip(values.tolist(), multiplicity.tolist(), strict=True)):
        so_far += m
        reach_after = ascending[so_far] - ascending[np.maximum(so_far - ks, 0)]
        h = _hypergeometric_weights(log_total[step], log_new[step], log_old[step], m)
        span = min(width, int(reach_after[-1]) + 1)
        if span * (max_draws + 1) <= _ALL_ROWS_AT_ONCE:
            _add_value_all_rows(table, h, value, m, span)
            reach_before = reach_after
            continue
        for k in range(max_draws, -1, -1):
            size = min(width, int(reach_after[k]) + 1)
            row = table[k]
            # c = 0: the row's own previous values, scaled.
            part = min(size, int(reach_before[k]) + 1)
            if h[k, 0] != 0.0:
                np.multiply(row[:part], h[k, 0], out=row[:part])
            else:
                row[:part] = 0.0
            for c in range(1, min(m, k) + 1):
                weight = h[k, c]
                if weight == 0.0:
                    continue
                shift = c * value
                if shift >= size:
                    continue
                part = min(size - shift, int(reach_before[k - c]) + 1)
                term = np.multiply(table[k - c, :part], weight, out=scratch[:part])
                np.add(row[shift : shift + part], term, out=row[shift : shift + part])
        reach_before = reach_after
    return table


#: Below this many table entries a value is added to all rows in one pass per draw count c
#: (fewer, larger array operations); above it row by row, each only as far as it reaches.
_ALL_ROWS_AT_ONCE = 30_000


def _add_value_all_rows(
    table: NDArray[np.float64], h: NDArray[np.float64], value: int, m: int, span: int
) -> None:
    """One step of :func:`_all_units_distribution` for every row at once, over the first
    ``span`` columns: ``F'_k = Σ_c h[k, c] · shift(F_{k−c}, c · value)``, the terms added in
    the order c = 0, 1, ... (the terms the row-by-row step leaves out are exact zeros)."""
    rows = table.shape[0]
    new = np.zeros((rows, span))
    for c in range(min(m, rows - 1) + 1):
        shift = c * value
        if shift >= span:
            break
        new[c:, shift:] += table[: rows - c, : span - shift] * h[c:, c, None]
    table[:, :span] = new


def _deflate(
    everyone: NDArray[np.float64],
    ends: NDArray[np.int64],
    value: int,
    n: int,
    top: int,
    out: NDArray[np.float64],
    scratch: NDArray[np.float64],
) -> None:
    """Rows 0..top of ``out`` := Q[k], the distribution of k draws from the n − 1 units left
    when one unit of ``value`` is removed: ``Q_k = (n F_k − k · shift(Q_{k−1}, value)) / (n − k)``.

    Row k is computed up to ``ends[k]`` (the largest sum of k of all units): beyond it F_k
    is zero and so, by induction, is Q_k (a non-positive difference clipped at 0), so the
    rest of ``out`` keeps its zeros.
    """
    out[0, 0] = 1.0
    for k in range(1, top + 1):
        end = int(ends[k])
        row = out[k, :end]
        np.multiply(everyone[k, :end], n, out=row)
        if value < end:
            reach = end - value
            term = np.multiply(out[k - 1, :reach], k, out=scratch[:reach])
            np.subtract(row[value:], term, out=row[value:])
        np.divide(row, n - k, out=row)
        np.maximum(row, 0.0, out=row)
