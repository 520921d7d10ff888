"""Getis–Ord Gi*: the local hotspot statistic, with FDR-corrected significance.

For unit i with value x_i (usually an incident count), n units and binary weights
w_ij (1 for a neighbour **and** w_ii = 1 — the "star"):

    Gi* = (Σ_j w_ij x_j − x̄ W_i) / (S · sqrt((n W_i − W_i²) / (n − 1)))
    W_i = Σ_j w_ij (neighbours + 1),   x̄ = Σ x / n,   S = sqrt(Σ x² / n − x̄²)

(for binary weights Σ_j w_ij² = W_i). Gi* is a z-score; p-values are two-sided from the
standard normal, then Benjamini–Hochberg FDR corrected across all units before anything
is called hot or cold. The numbers equal ``esda.G_Local(y, w, transform="B", star=True).Zs``
and R ``spdep::localG(x, include.self(nb), style="B")`` to floating-point precision.

Our choices, documented:

- S is computed as ``sqrt(mean((x − x̄)²))`` (two passes), algebraically the same as the
  textbook ``sqrt(mean(x²) − x̄²)`` but free of cancellation when values are large; the
  neighbour sum is taken over centred values ``x − x̄`` for the same reason. So Gi* is
  unchanged (to rounding) when a constant is added to every value or all are scaled.
- When every value is equal there is no variance and Gi* is undefined: every z is 0,
  every p is 1, nothing is significant, and :attr:`GiStar.note` says why (a warning is
  logged; no exception, since a filtered view may legitimately be constant).
- A unit whose neighbourhood is the whole study area (W_i = n) has a zero denominator and
  a zero numerator; it gets z = 0, p = 1 (esda returns NaN).
- For values whose mean is negative esda's z-scores change sign (it divides by Σ x);
  ours follow the textbook formula, positive where high values cluster.

Inference. By default (``inference="exact"``) the p-values are exact permutation p-values
for count data (:mod:`hotspots.stats.exact`): the observed counts are shuffled at random
over the units (the randomisation null under which Gi*'s mean and variance, and so its
z-score, are derived), and Gi* is monotone in the neighbourhood sum, so the exact tails of
that sum are the p-values of Gi* — no Monte-Carlo error and no ``1 / (R + 1)`` floor.
Unlike esda's conditional permutation (which holds x_i fixed), a cell's own count is part
of the evidence, and the tail of the p-value always agrees with the sign of z (with x_i
held fixed, a cell with 900 incidents among empty neighbours has a large positive z but a
*low* neighbour sum). Local Moran keeps the conditional null (:mod:`hotspots.stats.lisa`).
``inference="normal"`` takes two-sided p-values from the standard normal instead (ArcGIS,
esda's ``p_norm``); it needs non-count values or dense counts. Counts are Poisson-like and
skewed to the right when sparse, so normal p-values give false *hot* spots more often than
alpha says. Measured on a 30 × 30 queen grid under complete spatial randomness (seeded runs,
BH at alpha = 0.05), the share of maps with at least one false hot cell was:

    incidents per cell (per neighbourhood)   normal p-values        exact p-values
    0.5  (4.5)                               0.30   (300 runs)      <= 0.05 (tests)
    1    (9)                                 0.19   (1000 runs)
    2.2  (20)                                0.12   (300 runs)      <= 0.05 (tests)
    5    (45)                                0.076  (1000 runs)     <= 0.05 (tests)
    10   (90)                                0.045  (1000 runs)

With the normal approximation, when non-negative whole-number values average fewer than
:data:`SPARSE_NEIGHBOURHOOD_TOTAL` per neighbourhood, the result's ``note`` says so and a
warning is logged. Exact inference needs non-negative whole numbers (counts); other values
raise an error that points to ``inference="normal"``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from hotspots.stats._unit_arrays import (
    check_inference,
    frame_index,
    frozen,
    prepare_values,
    require_counts,
)
from hotspots.stats.exact import ExactTooLargeError, neighbourhood_sum_tails
from hotspots.stats.significance import check_alpha, confidence_bins, fdr_adjust, normal_tails
from hotspots.stats.weights import GridNeighbours, Neighbours

log = logging.getLogger(__name__)

#: ArcGIS's hot spot tools require at least this many features.
MIN_UNITS_RECOMMENDED = 30

#: Below this many incidents per neighbourhood on average, Gi* p-values are not trusted
#: (Poisson counts are too skewed for the normal approximation; see the module docs).
SPARSE_NEIGHBOURHOOD_TOTAL = 40.0

#: How p-values are computed: exact conditional permutation (counts) or the normal approximation.
Inference = Literal["exact", "normal"]
INFERENCE_METHODS: tuple[Inference, ...] = ("exact", "normal")

#: Column names of :meth:`GiStar.to_frame`.
GISTAR_COLUMNS: tuple[str, ...] = ("gi_z", "gi_p", "gi_p_fdr", "gi_bin")


@dataclass(frozen=True, eq=False)
class GiStar:
    """Gi* z-scores and their significance for ``n`` units, with the parameters used.

    Attributes
    ----------
    z : ndarray of float64
        Gi* z-score of each unit (positive: hot, negative: cold).
    p : ndarray of float64
        Two-sided p-value, ``min(1, 2 · min(p_hot, p_cold))`` for exact inference, or
        from the standard normal.
    p_fdr : ndarray of float64
        Benjamini–Hochberg adjusted p-value (equal to ``p`` when ``fdr`` is False).
    bin : ndarray of int8
        ArcGIS ``Gi_Bin`` from ``z`` and ``p_fdr``: ±3 (99%), ±2 (95%), ±1 (90%), 0.
    significant : ndarray of bool
        Hot or cold at ``alpha`` (``p_fdr <= alpha``, i.e. rejected by BH when ``fdr``).
    alpha : float
        Significance level / false discovery rate.
    fdr : bool
        Whether the Benjamini–Hochberg correction was applied.
    n : int
        Number of units.
    weights : str
        The neighbourhood, e.g. ``"queen contiguity (square grid, 250 m cells)"``.
    note : str or None
        Why the result is degenerate (no variance) or needs care (counts too sparse for
        the normal p-values), else None. Show it next to the map.
    inference : {"exact", "normal"}
        How the p-values were computed.
    p_hot : ndarray of float64
        One-sided p-value for a high neighbourhood, ``P(sum >= observed)`` (exact) or
        ``P(Z >= z)`` (normal).
    p_cold : ndarray of float64
        One-sided p-value for a low neighbourhood, ``P(sum <= observed)`` or ``P(Z <= z)``.
    """

    z: NDArray[np.float64]
    p: NDArray[np.float64]
    p_fdr: NDArray[np.float64]
    bin: NDArray[np.int8]
    significant: NDArray[np.bool_]
    alpha: float
    fdr: bool
    n: int
    weights: str
    note: str | None = None
    inference: Inference = "exact"
    p_hot: NDArray[np.float64] | None = None
    p_cold: NDArray[np.float64] | None = None

    @property
    def hot(self) -> NDArray[np.bool_]:
        """Significant units with a positive z-score."""
        return self.significant & (self.z > 0)

    @property
    def cold(self) -> NDArray[np.bool_]:
        """Significant units with a negative z-score."""
        return self.significant & (self.z < 0)

    def to_frame(self, index: ArrayLike | pd.Index | None = None) -> pd.DataFrame:
        """The result as a DataFrame with columns ``gi_z``, ``gi_p``, ``gi_p_fdr``, ``gi_bin``.

        Parameters
        ----------
        index : array_like or pandas.Index, optional
            Row labels (e.g. the grid's cell ids), one per unit; default 0..n-1.
        """
        return pd.DataFrame(
            {"gi_z": self.z, "gi_p": self.p, "gi_p_fdr": self.p_fdr, "gi_bin": self.bin},
            index=frame_index(index, self.n),
        )


def gi_star(
    values: ArrayLike,
    neighbours: Neighbours,
    *,
    alpha: float = 0.05,
    fdr: bool = True,
    weights_label: str | None = None,
    inference: Inference = "exact",
) -> GiStar:
    """Getis–Ord Gi* of ``values`` over ``neighbours`` (binary weights, self included).

    Parameters
    ----------
    values : array_like of float, shape (n,)
        One value per unit in the neighbours' unit order (e.g. incident counts per active
        grid cell, ascending cell id). Negative values (rates, differences) are allowed;
        NaN and infinities are not.
    neighbours : Neighbours
        Binary contiguity / distance-band structure, e.g. ``grid_contiguity(grid)`` or
        ``distance_band(centres, radius_m=500)``.
    alpha : float, default 0.05
        Significance level; with ``fdr`` it is the false discovery rate.
    fdr : bool, default True
        Apply the Benjamini–Hochberg correction before calling a unit significant.
    weights_label : str, optional
        Description of the neighbourhood stored with the result (e.g. ``"distance band
        500 m"``); by default derived from ``neighbours``.
    inference : {"exact", "normal"}, default "exact"
        ``"exact"``: exact conditional-permutation p-values (values must be counts, i.e.
        non-negative whole numbers); ``"normal"``: two-sided p-values from the standard
        normal (any values). When a very wide distance band makes the exact table too large
        (:data:`hotspots.stats.exact.MAX_TABLE_ENTRIES`), the normal p-values are used and
        :attr:`GiStar.note` says so.

    Returns
    -------
    GiStar

    Raises
    ------
    InputError
        When ``values`` has the wrong length or contains NaN/infinite values, ``alpha`` is
        not in (0, 1), ``inference`` is unknown, or exact inference gets values that are
        not counts.
    EmptyDataError
        When there are no units.
    """
    level = check_alpha(alpha)
    method = check_inference(inference, allowed=INFERENCE_METHODS)
    x = prepare_values(values, neighbours, statistic="Gi*")
    if method == "exact":
        require_counts(x, statistic="Gi*", alternative="normal")
    n = x.size
    label = weights_label if weights_label is not None else describe_weights(neighbours)
    if n < MIN_UNITS_RECOMMENDED:
        log.warning(
            "Gi* on only %d unit(s); ArcGIS requires at least %d for reliable results",
            n,
            MIN_UNITS_RECOMMENDED,
        )
    w = neighbours.cardinality(include_self=True)
    z, notes = _z_scores(x, neighbours, w)
    p_hot, p_cold, method, inference_notes = _one_sided_p(x, z, neighbours, w, method)
    notes += inference_notes
    if method == "normal":
        notes += _sparse_counts_note(x, w)
    note = " ".join(notes) or None
    p = np.minimum(1.0, 2.0 * np.minimum(p_hot, p_cold))
    p_fdr = fdr_adjust(p) if fdr else p.copy()
    significant = p_fdr <= level
    result = GiStar(
        z=frozen(z),
        p=frozen(p),
        p_fdr=frozen(p_fdr),
        bin=frozen(confidence_bins(z, p_fdr)),
        significant=frozen(significant),
        alpha=level,
        fdr=bool(fdr),
        n=n,
        weights=label,
        note=note,
        inference=method,
        p_hot=frozen(p_hot),
        p_cold=frozen(p_cold),
    )
    log.info(
        "Gi* (%s, %s p-values, alpha=%g%s): %d hot and %d cold of %d units",
        label,
        method,
        level,
        ", FDR" if fdr else ", no FDR correction",
        int(result.hot.sum()),
        int(result.cold.sum()),
        n,
    )
    return result


def describe_weights(neighbours: Neighbours) -> str:
    """A short human description of ``neighbours`` for result metadata."""
    label = getattr(neighbours, "label", None)
    if isinstance(label, str) and label:
        return label
    if isinstance(neighbours, GridNeighbours):
        grid = neighbours.grid
        if grid.kind == "square":
            return f"queen contiguity (square grid, {grid.cell_size_m:g} m cells)"
        return f"edge contiguity (hex grid, {grid.cell_size_m:g} m cells)"
    return f"binary weights ({type(neighbours).__name__})"


# -- private steps -------------------------------------------------------------------------------


def _one_sided_p(
    x: NDArray[np.float64],
    z: NDArray[np.float64],
    neighbours: Neighbours,
    w: NDArray[np.float64],
    method: Inference,
) -> tuple[NDArray[np.float64], NDArray[np.float64], Inference, list[str]]:
    """(p_hot, p_cold, the method used, notes): exact tails of the neighbour sum, or normal."""
    if method == "exact":
        if np.ptp(x) == 0:
            return np.ones(x.size), np.ones(x.size), method, []
        try:
            tails = neighbourhood_sum_tails(
                x, sizes=w, observed=neighbours.lag(x, include_self=True)
            )
        except ExactTooLargeError as error:
            note = f"{error} Normal p-values were used instead."
            log.warning("Gi*: %s", note)
            return (*normal_tails(z), "normal", [note])
        return tails.upper, tails.lower, method, []
    return (*normal_tails(z), method, [])


def _z_scores(
    x: NDArray[np.float64], neighbours: Neighbours, w: NDArray[np.float64]
) -> tuple[NDArray[np.float64], list[str]]:
    n = x.size
    if np.ptp(x) == 0:
        note = (
            f"All {n} values are equal ({x[0]:g}), so there is no variance and Gi* is undefined; "
            "every z-score is set to 0 and nothing is significant."
        )
        log.warning("Gi*: %s", note)
        return np.zeros(n), [note]
    mean = x.mean()
    centred = x - mean
    s = np.sqrt(np.mean(centred * centred))
    numerator = neighbours.lag(centred, include_self=True)
    spread = np.maximum(n * w - w * w, 0.0) / (n - 1)
    denominator = s * np.sqrt(spread)
    z = np.zeros(n)
    np.divide(numerator, denominator, out=z, where=denominator > 0)
    whole = int(np.count_nonzero(denominator <= 0))
    if not whole:
        return z, []
    note = (
        f"{whole} unit(s) have every unit as a neighbour, so their Gi* is undefined and set to 0."
    )
    log.warning("Gi*: %s", note)
    return z, [note]


def _sparse_counts_note(x: NDArray[np.float64], w: NDArray[np.float64]) -> list[str]:
    """A caveat when counts are too sparse for the normal approximation (see module docs)."""
    looks_like_counts = bool((x >= 0).all() and (x == np.round(x)).all())
    if not looks_like_counts or np.ptp(x) == 0:
        return []
    typical_w = float(np.median(w))
    per_neighbourhood = float(x.mean()) * typical_w
    if per_neighbourhood >= SPARSE_NEIGHBOURHOOD_TOTAL:
        return []
    note = (
        f"Counts are sparse ({x.mean():.2g} per unit, about {per_neighbourhood:.2g} per "
        f"neighbourhood of {typical_w:g} units), so the normal p-values of Gi* are too small on "
        "the hot side and some hot spots may be chance. Use larger cells or a wider "
        f"neighbourhood (at least {SPARSE_NEIGHBOURHOOD_TOTAL:g} incidents per neighbourhood "
        "on average)."
    )
    log.warning("Gi*: %s", note)
    return [note]
