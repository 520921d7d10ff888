"""The exact tails as first written (scipy ``gammaln``, whole rows): an oracle for the tests.

:mod:`hotspots.stats.exact` was later made faster (no SciPy, rows computed only as far as
a sum can reach, one table shared by Gi* and Local Moran of the same counts, buffers
reused). Every one of those changes keeps each floating-point operation that contributes
to a p-value, in the same order, so the results must equal these to the last bit. This
copy of the original code is kept only to check that.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

from hotspots.stats.exact import MAX_TABLE_ENTRIES, SumTails, _prepare


def reference_tails(
    counts: ArrayLike, *, sizes: ArrayLike, observed: ArrayLike, hold_own: bool = False
) -> SumTails:
    """The tails as the exact module computed them before it was made faster."""
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
        raise ValueError(
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
