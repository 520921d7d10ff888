"""Significance with many tests at once: two-sided p-values, Benjamini–Hochberg FDR, ArcGIS bins.

A grid has thousands of cells; at ``p < 0.05`` about 5% of them look "significant" by
chance alone. Nothing is called a hotspot here until its p-value survives the
Benjamini–Hochberg false discovery rate (FDR) correction:

    sort the m p-values ascending, find the largest k with p_(k) <= (k / m) * alpha,
    and flag the k smallest.

The BH-adjusted p-value of a unit is the smallest alpha at which it would be flagged,
so ``fdr_reject(p, alpha=a)`` equals ``fdr_adjust(p) <= a`` for every ``a`` (up to
rounding when a p-value sits exactly on the boundary ``k / m * a``).

The confidence bins follow ArcGIS's ``Gi_Bin`` after FDR correction: ±3 for 99%,
±2 for 95%, ±1 for 90% confidence and 0 otherwise, with the sign of the z-score.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hotspots.errors import InputError, Option, describe, invalid

log = logging.getLogger(__name__)

#: (adjusted p-value at most, |bin|) from the strictest level down, as ArcGIS ``Gi_Bin``.
CONFIDENCE_LEVELS: tuple[tuple[float, int], ...] = ((0.01, 3), (0.05, 2), (0.10, 1))


def check_alpha(alpha: Any) -> float:
    """Return ``alpha`` as a float, or raise :class:`~hotspots.errors.InputError`.

    Parameters
    ----------
    alpha : float
        Significance level (false discovery rate when FDR is applied); must satisfy
        ``0 < alpha < 1``.

    Returns
    -------
    float
    """
    try:
        value = float(alpha)
    except (TypeError, ValueError):
        value = float("nan")
    if isinstance(alpha, bool) or not (np.isfinite(value) and 0.0 < value < 1.0):
        raise invalid(
            "alpha",
            alpha,
            "a number strictly between 0 and 1",
            "For example {1} (5%).",
            options=(Option("alpha", 0.05),),
        )
    return value


def two_sided_p(z: ArrayLike) -> NDArray[np.float64]:
    """Two-sided p-values of standard normal z-scores: ``2 * P(Z > |z|)``.

    Parameters
    ----------
    z : array_like of float
        z-scores (dimensionless).

    Returns
    -------
    ndarray of float64
        p-values in [0, 1], same shape as ``z``. Accurate far into the tails (uses the
        normal CDF of ``-|z|``, not ``1 - CDF``).
    """
    values = np.asarray(z, dtype=np.float64)
    if np.isnan(values).any():
        raise InputError(
            f"z contains {int(np.isnan(values).sum())} NaN value(s); z-scores must be numbers. "
            "Check the statistic that produced them."
        )
    return np.minimum(2.0 * _ndtr(-np.abs(values)), 1.0)


def normal_tails(z: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """One-sided p-values of z-scores from the standard normal: ``(P(Z >= z), P(Z <= z))``,
    each accurate far into its tail."""
    return _ndtr(-z), _ndtr(z)


def fdr_adjust(p: ArrayLike) -> NDArray[np.float64]:
    """Benjamini–Hochberg adjusted p-values ("q-values" in some tools).

    ``adjusted_(i) = min over j >= i of  p_(j) * m / j``, capped at 1, where ``p_(j)`` is
    the j-th smallest of the ``m`` p-values. Adjusted values are monotone in ``p``
    (a smaller p never gets a larger adjusted value) and never below ``p``.

    Parameters
    ----------
    p : array_like of float
        p-values in [0, 1], any shape.

    Returns
    -------
    ndarray of float64
        Adjusted p-values, same shape as ``p``.
    """
    values = _check_p(p)
    flat = values.ravel()
    m = flat.size
    if m == 0:
        return values.copy()
    order = np.argsort(flat)
    scaled = flat[order] * m / np.arange(1, m + 1, dtype=np.float64)
    # Step-up: running minimum from the largest p-value down. The maximum with p only
    # removes rounding (p * m / m can come out one ulp below p).
    adjusted_sorted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    adjusted_sorted = np.maximum(adjusted_sorted, flat[order])
    adjusted = np.empty(m, dtype=np.float64)
    adjusted[order] = adjusted_sorted
    return adjusted.reshape(values.shape)


def fdr_reject(p: ArrayLike, *, alpha: float = 0.05) -> NDArray[np.bool_]:
    """Which hypotheses the Benjamini–Hochberg procedure rejects at false discovery rate ``alpha``.

    Finds the largest k with ``p_(k) <= k / m * alpha`` and flags the k smallest p-values.

    Parameters
    ----------
    p : array_like of float
        p-values in [0, 1], any shape.
    alpha : float, default 0.05
        False discovery rate, ``0 < alpha < 1``.

    Returns
    -------
    ndarray of bool
        True where the hypothesis is rejected (the unit is significant), same shape as ``p``.
    """
    level = check_alpha(alpha)
    values = _check_p(p)
    flat = values.ravel()
    m = flat.size
    reject = np.zeros(m, dtype=bool)
    if m == 0:
        return reject.reshape(values.shape)
    order = np.argsort(flat)
    passes = np.flatnonzero(flat[order] <= np.arange(1, m + 1) / m * level)
    if passes.size:
        reject[order[: passes[-1] + 1]] = True
    return reject.reshape(values.shape)


def confidence_bins(z: ArrayLike, p_adjusted: ArrayLike) -> NDArray[np.int8]:
    """ArcGIS ``Gi_Bin`` confidence bins from z-scores and (FDR-)adjusted p-values.

    ±3 when ``p_adjusted <= 0.01`` (99% confidence), ±2 when ``<= 0.05`` (95%), ±1 when
    ``<= 0.10`` (90%), 0 otherwise; positive for hot (z > 0), negative for cold (z < 0).

    Parameters
    ----------
    z : array_like of float
        z-scores.
    p_adjusted : array_like of float
        p-values after the multiple-testing correction, same shape as ``z``.

    Returns
    -------
    ndarray of int8
        Bins in {-3, ..., 3}.
    """
    zs = np.asarray(z, dtype=np.float64)
    ps = _check_p(p_adjusted, argument="p_adjusted")
    if zs.shape != ps.shape:
        raise InputError(
            f"z has shape {zs.shape} but p_adjusted has shape {ps.shape}; pass one adjusted "
            "p-value per z-score."
        )
    level = np.zeros(zs.shape, dtype=np.int8)
    for threshold, magnitude in CONFIDENCE_LEVELS[::-1]:
        level[ps <= threshold] = magnitude
    return (level * np.sign(zs).astype(np.int8)).astype(np.int8)


def _ndtr(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """The standard normal CDF. SciPy takes about a tenth of a second to import, so it is
    loaded when a normal p-value is first needed, not by every analysis (exact p-values
    do without it)."""
    from scipy.special import ndtr

    result: NDArray[np.float64] = ndtr(z)
    return result


def _check_p(p: ArrayLike, *, argument: str = "p") -> NDArray[np.float64]:
    try:
        values = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError):
        raise invalid(argument, p, "an array of p-values between 0 and 1") from None
    bad = ~((values >= 0.0) & (values <= 1.0))  # NaN fails both comparisons
    if bad.any():
        first = values.ravel()[np.flatnonzero(bad.ravel())[0]]
        raise InputError(
            f"{argument} contains {int(bad.sum())} value(s) outside [0, 1] or NaN "
            f"(first: {describe(float(first))}); p-values must lie between 0 and 1. "
            "Check the statistic that produced them."
        )
    return values
