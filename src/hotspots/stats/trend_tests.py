"""Mann–Kendall trend test, vectorised over many series at once (one per grid cell).

For a series x_1..x_n (REFERENCE.md):

    S = Σ_{i<j} sign(x_j − x_i)
    Var(S) = [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)] / 18      (t: sizes of the groups of tied values)
    Z = (S − 1)/√Var(S) if S > 0,  (S + 1)/√Var(S) if S < 0,  else 0

with a two-sided p-value from the standard normal. The numbers equal
``pymannkendall.original_test`` (checked in the tests). A series whose values are all equal
has Var(S) = 0: its Z is 0 and its p is 1 (no trend can be seen).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hotspots.errors import InputError, describe
from hotspots.stats._unit_arrays import frozen
from hotspots.stats.significance import two_sided_p

#: The test needs at least this many time steps (with fewer, no p-value can be small).
MIN_STEPS = 3


@dataclass(frozen=True, eq=False)
class MannKendall:
    """Mann–Kendall results for ``m`` series of ``n`` steps each.

    Attributes
    ----------
    s : ndarray of float64, shape (m,)
        Kendall's S (positive: rising).
    var_s : ndarray of float64, shape (m,)
        Variance of S under no trend, corrected for ties.
    z : ndarray of float64, shape (m,)
        Continuity-corrected z-score.
    p : ndarray of float64, shape (m,)
        Two-sided p-value from the standard normal.
    n : int
        Length of each series.
    """

    s: NDArray[np.float64]
    var_s: NDArray[np.float64]
    z: NDArray[np.float64]
    p: NDArray[np.float64]
    n: int


def mann_kendall(series: ArrayLike) -> MannKendall:
    """Mann–Kendall trend test of each row of ``series`` (ties corrected).

    Parameters
    ----------
    series : array_like of float, shape (m, n) or (n,)
        One series per row, oldest step first. NaN is not allowed.

    Returns
    -------
    MannKendall

    Raises
    ------
    InputError
        When a series is shorter than :data:`MIN_STEPS` or holds NaN/infinite values.
    """
    x = _prepare(series)
    m, n = x.shape
    s = np.zeros(m, dtype=np.float64)
    for i in range(n - 1):
        s += np.sign(x[:, i + 1 :] - x[:, i : i + 1]).sum(axis=1)
    var_s = (n * (n - 1) * (2 * n + 5) - _tie_term(x)) / 18.0
    z = np.zeros(m, dtype=np.float64)
    root = np.sqrt(np.maximum(var_s, 0.0))
    ok = root > 0
    z[ok] = (s[ok] - np.sign(s[ok])) / root[ok]
    return MannKendall(s=frozen(s), var_s=frozen(var_s), z=frozen(z), p=frozen(two_sided_p(z)), n=n)


def _tie_term(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Σ_t t(t−1)(2t+5) over the tie groups of each row, without a loop over rows."""
    m, n = x.shape
    ordered = np.sort(x, axis=1)
    starts = np.ones((m, n), dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    group = np.cumsum(starts.ravel()) - 1
    sizes = np.bincount(group).astype(np.float64)
    rows = np.repeat(np.arange(m), n)[starts.ravel()]
    term = np.bincount(rows, weights=sizes * (sizes - 1) * (2 * sizes + 5), minlength=m)
    return term.astype(np.float64)


def _prepare(series: ArrayLike) -> NDArray[np.float64]:
    try:
        x = np.asarray(series, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(
            f"series={describe(series)} cannot be read as numbers; pass one row of numbers per "
            "series (e.g. a cell's counts per month)."
        ) from None
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] < MIN_STEPS:
        raise InputError(
            f"series has shape {np.shape(series)}; the Mann–Kendall test needs at least "
            f"{MIN_STEPS} time steps per series. Use a shorter interval (e.g. month instead of "
            "year) or a longer date range."
        )
    if not np.isfinite(x).all():
        raise InputError(
            f"series contains {int((~np.isfinite(x)).sum())} NaN or infinite value(s); every "
            "time step needs a number. Fill steps without incidents with 0."
        )
    return x
