"""Local Moran's I (LISA): clusters of high or low values and spatial outliers.

For unit i with standardised value z_i = (x_i − x̄) / sd(x) (population sd), row-standardised
binary weights without the self weight (each of the k_i neighbours weighs 1 / k_i):

    I_i = (n − 1) · z_i · lag_i / Σ_j z_j²,     lag_i = (1 / k_i) Σ_{j ∈ N(i)} z_j

exactly as ``esda.Moran_Local(y, w, transformation="r")``. The quadrant of the Moran
scatter plot uses esda's codes: 1 High-High (z > 0, lag > 0), 2 Low-High, 3 Low-Low,
4 High-Low; "High" means strictly above the mean.

Significance is by conditional permutation: unit i keeps its own value and its k_i
neighbours' values are replaced by k_i values drawn without replacement from the other
n − 1 units. I_sim >= I exactly when z_i (S_sim − S_obs) >= 0, where S is the sum of the
neighbours' raw values, so the permutation distribution of I is that of the neighbour sum.

- ``inference="exact"`` (default, counts): the exact tails of that sum
  (:mod:`hotspots.stats.exact`), no Monte-Carlo error and no ``1 / (permutations + 1)`` floor.
- ``inference="permutation"`` (any values): ``permutations`` random draws per unit; ties
  count in both tails, and the folded pseudo p-value is
  ``(min(#{S_sim >= S}, #{S_sim <= S}) + 1) / (permutations + 1)``.

Either way the p-value is **two-sided**: ``min(1, 2 · min(upper tail, lower tail))``, then
Benjamini–Hochberg corrected across units before a unit is labelled. (esda and GeoDa report
the folded one-tailed value, which under the null is at most alpha about 2 · alpha of the
time: testing at twice the stated level.)

Our choices, documented (they differ from esda only in degenerate cases):

- In permutation mode each unit gets its own independent draws (esda reuses one set of permuted ids for
  every unit), generated in vectorised chunks from the ``rng`` passed in.
- A simulated value equal to the observed one counts in both tails. esda counts ties as
  "at least as large" only, so in the lower tail they are not counted: with integer
  counts its p-values there are smaller, and a unit whose value is exactly the mean
  (I = 0 in every permutation) gets p = 1 / (permutations + 1). Here it gets p = 1.
- A neighbour average that equals the mean up to rounding noise (common with integer
  counts) is treated as exactly the mean (quadrant "Low"), rather than taking the sign of
  the noise.
- Islands (no neighbours) get I = 0 and p = 1. Constant values (no variance) give I = 0,
  p = 1 everywhere and a :attr:`LocalMoran.note` (esda returns NaN).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from hotspots.errors import whole_number
from hotspots.stats._unit_arrays import (
    check_inference,
    frame_index,
    frozen,
    prepare_values,
    require_counts,
)
from hotspots.stats.exact import neighbourhood_sum_tails
from hotspots.stats.significance import check_alpha, fdr_adjust
from hotspots.stats.weights import Neighbours

log = logging.getLogger(__name__)

#: esda's quadrant codes (``Moran_Local.q``) and their names.
QUADRANT_LABELS: dict[int, str] = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
#: How p-values are computed: exact (counts) or random conditional permutations (any values).
LisaInference = Literal["exact", "permutation"]
LISA_INFERENCE_METHODS: tuple[LisaInference, ...] = ("exact", "permutation")
#: Label of units that are not significant after the FDR correction.
NOT_SIGNIFICANT = "Not significant"
#: Column names of :meth:`LocalMoran.to_frame`.
LISA_COLUMNS: tuple[str, ...] = ("lisa_i", "lisa_quadrant", "lisa_p", "lisa_p_fdr", "lisa_cluster")

# Work arrays hold at most this many drawn indices at a time (about 16 MB of int32).
_CHUNK_DRAWS = 1 << 22
# Relative size under which a difference is rounding noise, not a real difference.
_NOISE = 1e-12


@dataclass(frozen=True, eq=False)
class LocalMoran:
    """Local Moran's I for ``n`` units, with permutation p-values and the parameters used.

    Attributes
    ----------
    I : ndarray of float64
        Local Moran's I of each unit (equal to esda's ``Moran_Local.Is``).
    quadrant : ndarray of int8
        Moran scatter-plot quadrant, esda's ``q`` codes (see :data:`QUADRANT_LABELS`).
    p : ndarray of float64
        Two-sided conditional-permutation p-value (exact, or from random permutations).
    p_fdr : ndarray of float64
        Benjamini–Hochberg adjusted ``p``.
    significant : ndarray of bool
        ``p_fdr <= alpha``.
    permutations : int
        Number of random conditional permutations per unit (0 for exact inference).
    alpha : float
        False discovery rate.
    seed : int or None
        The integer seed when one was given (None for a Generator or fresh entropy).
    note : str or None
        Why the result is degenerate (e.g. no variance), else None.
    inference : {"exact", "permutation"}
        How the p-values were computed.
    """

    I: NDArray[np.float64]  # noqa: E741 -- the statistic's name in the literature and in esda
    quadrant: NDArray[np.int8]
    p: NDArray[np.float64]
    p_fdr: NDArray[np.float64]
    significant: NDArray[np.bool_]
    permutations: int
    alpha: float
    seed: int | None
    note: str | None = None
    inference: LisaInference = "exact"

    @property
    def n(self) -> int:
        """Number of units."""
        return int(self.I.size)

    def labels(self) -> NDArray[np.str_]:
        """Cluster label per unit: its quadrant name when significant, else "Not significant"."""
        names = np.array([NOT_SIGNIFICANT, *QUADRANT_LABELS.values()])
        codes = np.where(self.significant, self.quadrant, 0)
        return names[codes]

    def to_frame(self, index: ArrayLike | pd.Index | None = None) -> pd.DataFrame:
        """The result as a DataFrame with columns ``lisa_i``, ``lisa_quadrant`` (int8),
        ``lisa_p``, ``lisa_p_fdr`` and ``lisa_cluster`` (label).

        Parameters
        ----------
        index : array_like or pandas.Index, optional
            Row labels (e.g. the grid's cell ids), one per unit; default 0..n-1.
        """
        return pd.DataFrame(
            {
                "lisa_i": self.I,
                "lisa_quadrant": self.quadrant,
                "lisa_p": self.p,
                "lisa_p_fdr": self.p_fdr,
                "lisa_cluster": self.labels(),
            },
            index=frame_index(index, self.n),
        )


def local_moran(
    values: ArrayLike,
    neighbours: Neighbours,
    *,
    permutations: int = 999,
    alpha: float = 0.05,
    rng: np.random.Generator | int | None = 0,
    inference: LisaInference = "exact",
) -> LocalMoran:
    """Local Moran's I of ``values`` over ``neighbours`` with two-sided conditional-permutation
    p-values (exact for counts by default).

    Parameters
    ----------
    values : array_like of float, shape (n,)
        One value per unit in the neighbours' unit order (e.g. incident counts per cell).
    neighbours : Neighbours
        Binary neighbour structure; weights are row-standardised, self excluded.
    permutations : int, default 999
        Conditional permutations per unit with ``inference="permutation"`` (ignored when
        exact). The smallest attainable p-value is then ``2 / (permutations + 1)``.
    alpha : float, default 0.05
        False discovery rate for :attr:`LocalMoran.significant`.
    rng : numpy.random.Generator, int or None, default 0
        Source of randomness for ``inference="permutation"`` (an int is a seed; None draws
        fresh entropy).
    inference : {"exact", "permutation"}, default "exact"
        ``"exact"``: exact p-values (values must be counts: non-negative whole numbers);
        ``"permutation"``: random conditional permutations (any values).

    Returns
    -------
    LocalMoran

    Raises
    ------
    InputError
        When ``values`` has the wrong length or contains NaN/infinite values,
        ``permutations`` is not a positive integer, ``alpha`` is not in (0, 1), or exact
        inference gets values that are not counts.
    EmptyDataError
        When there are no units.
    """
    level = check_alpha(alpha)
    perms = _check_permutations(permutations)
    method = check_inference(inference, allowed=LISA_INFERENCE_METHODS)
    y = prepare_values(values, neighbours, statistic="local Moran's I")
    if method == "exact":
        require_counts(y, statistic="local Moran's I", alternative="permutation")
        perms = 0
    seed = int(rng) if isinstance(rng, int | np.integer) and not isinstance(rng, bool) else None
    generator = np.random.default_rng(rng)
    n = y.size

    if np.ptp(y) == 0:
        note = (
            f"All {n} values are equal ({y[0]:g}), so there is no variance and local Moran's I "
            "is undefined; every I is set to 0 and nothing is significant."
        )
        log.warning("Local Moran: %s", note)
        zeros = np.zeros(n)
        return _result(
            zeros, np.full(n, 3, dtype=np.int8), np.ones(n), perms, level, seed, note, method
        )

    k = neighbours.cardinality(include_self=False)
    observed_sum = neighbours.lag(y, include_self=False)
    local_i, quadrant, z = _statistic(y, k, observed_sum, neighbours)
    testable = (k > 0) & (np.abs(z) > _NOISE * np.abs(z).max())
    p = np.ones(n)
    if method == "exact":
        tails = neighbourhood_sum_tails(y, sizes=k, observed=observed_sum, hold_own=True)
        p[testable] = tails.two_sided[testable]
    else:
        folded = _permutation_p(y, k, observed_sum, np.flatnonzero(testable), perms, generator)
        p[testable] = np.minimum(1.0, 2.0 * folded)
        _log_fdr_floor(n, perms, level)
    return _result(local_i, quadrant, p, perms, level, seed, None, method)


# -- private steps -------------------------------------------------------------------------------


def _statistic(
    y: NDArray[np.float64],
    k: NDArray[np.float64],
    observed_sum: NDArray[np.float64],
    neighbours: Neighbours,
) -> tuple[NDArray[np.float64], NDArray[np.int8], NDArray[np.float64]]:
    """I, quadrant and z as esda computes them, with rounding noise in the lag set to 0."""
    n = y.size
    mean = y.mean()
    z = (y - mean) / y.std()
    has = k > 0
    lag = np.zeros(n)
    lag[has] = neighbours.lag(z, include_self=False)[has] / k[has]
    # The sign of the lag decides the quadrant: where the neighbours' sum equals k * mean
    # up to rounding, the lag is exactly 0 (not "High" or "Low" by noise).
    centred_sum = observed_sum - k * mean
    tie = np.abs(centred_sum) <= _NOISE * np.maximum(k, 1.0) * np.abs(y).max()
    lag[tie] = 0.0
    local_i = (n - 1) * z * lag / np.sum(z * z)
    high, lag_high = z > 0, lag > 0
    quadrant = np.select(
        [high & lag_high, ~high & lag_high, ~high & ~lag_high], [1, 2, 3], default=4
    ).astype(np.int8)
    return local_i, quadrant, z


def _permutation_p(
    y: NDArray[np.float64],
    k: NDArray[np.float64],
    observed_sum: NDArray[np.float64],
    units: NDArray[np.int64],
    permutations: int,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Folded conditional-permutation p-values of ``units`` (all with k >= 1).

    For unit i, I_sim >= I  <=>  z_i (S_sim − S_obs) >= 0, where S is the sum of the raw
    values over the (drawn) neighbours, so the count of simulated values at least as
    extreme in either tail only needs the neighbour sums. Integer counts give exact sums,
    so ties are detected exactly; other values use a relative rounding tolerance.
    """
    n = y.size
    scale = float(np.abs(y).max())
    counts = k[units].astype(np.int64)
    p = np.empty(units.size)
    for size in np.unique(counts):
        group_positions = np.flatnonzero(counts == size)
        group = units[group_positions]
        per_chunk = max(1, _CHUNK_DRAWS // (_draw_cost(int(size), n - 1) * permutations))
        for start in range(0, group.size, per_chunk):
            chunk = group[start : start + per_chunk]
            sums = _simulated_sums(y, chunk, int(size), permutations, n, rng)
            obs = observed_sum[chunk][:, None]
            tol = _NOISE * size * scale
            upper = np.count_nonzero(sums >= obs - tol, axis=1)
            lower = np.count_nonzero(sums <= obs + tol, axis=1)
            p[group_positions[start : start + per_chunk]] = (np.minimum(upper, lower) + 1.0) / (
                permutations + 1.0
            )
    return p


def _simulated_sums(
    y: NDArray[np.float64],
    units: NDArray[np.int64],
    size: int,
    permutations: int,
    n: int,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Sums of ``size`` values drawn without replacement from the n − 1 others, per unit and draw.

    Returns shape (len(units), permutations).
    """
    rows = units.size * permutations
    draws = _sample_without_replacement(rng, rows=rows, size=size, population=n - 1)
    own = np.repeat(units, permutations).astype(np.int32)
    total = np.zeros(rows)
    for column in draws:
        # Skip the unit itself: others are 0..n-2 mapped onto 0..n-1 without i.
        column += column >= own
        total += np.take(y, column)
    return total.reshape(units.size, permutations)


def _sample_without_replacement(
    rng: np.random.Generator, *, rows: int, size: int, population: int
) -> NDArray[np.int32]:
    """``rows`` independent uniform samples of ``size`` distinct ints in [0, population).

    Returns shape (size, rows) (one contiguous row per draw position). Large populations:
    draw with replacement and redraw the samples that repeat a value (exact: a uniform
    sample conditioned on being distinct). Small ones: the ``size`` smallest of random keys.
    """
    if _uses_random_keys(size, population):
        keys = rng.random((rows, population))
        chosen = np.argpartition(keys, size - 1, axis=1)[:, :size]
        return np.ascontiguousarray(chosen.T, dtype=np.int32)
    draws = rng.integers(0, population, size=(size, rows), dtype=np.int32)
    redo = np.flatnonzero(_has_repeats(draws))
    while redo.size:
        fresh = rng.integers(0, population, size=(size, redo.size), dtype=np.int32)
        repeated = _has_repeats(fresh)
        draws[:, redo[~repeated]] = fresh[:, ~repeated]
        redo = redo[repeated]
    return draws


def _uses_random_keys(size: int, population: int) -> bool:
    """Redrawing repeats is cheap while size² <= 2 · population (>= 37% of samples are
    distinct at once); beyond that, sorting random keys over the small population is."""
    return size * size > 2 * population


def _draw_cost(size: int, population: int) -> int:
    """Work-array elements per sample (to size the chunks)."""
    return population if _uses_random_keys(size, population) else size


def _has_repeats(draws: NDArray[np.int32]) -> NDArray[np.bool_]:
    """Which columns of ``draws`` (shape (size, m)) contain a value twice."""
    size = draws.shape[0]
    if size > 16:
        ordered = np.sort(draws.T, axis=1)
        return np.asarray((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))
    repeated = np.zeros(draws.shape[1], dtype=bool)
    for a in range(size):
        for b in range(a + 1, size):
            repeated |= draws[a] == draws[b]
    return repeated


def _result(
    local_i: NDArray[np.float64],
    quadrant: NDArray[np.int8],
    p: NDArray[np.float64],
    permutations: int,
    alpha: float,
    seed: int | None,
    note: str | None,
    method: LisaInference,
) -> LocalMoran:
    p_fdr = fdr_adjust(p)
    result = LocalMoran(
        I=frozen(local_i),
        quadrant=frozen(quadrant),
        p=frozen(p),
        p_fdr=frozen(p_fdr),
        significant=frozen(p_fdr <= alpha),
        permutations=permutations,
        alpha=alpha,
        seed=seed,
        note=note,
        inference=method,
    )
    sig = result.significant
    log.info(
        "Local Moran (%s p-values, FDR alpha=%g): %d High-High, %d Low-Low, %d outliers of %d units",
        method if method == "exact" else f"{permutations} permutations",
        alpha,
        int(np.count_nonzero(sig & (result.quadrant == 1))),
        int(np.count_nonzero(sig & (result.quadrant == 3))),
        int(np.count_nonzero(sig & np.isin(result.quadrant, (2, 4)))),
        result.n,
    )
    return result


def _log_fdr_floor(n: int, permutations: int, alpha: float) -> None:
    floor = 2.0 / (permutations + 1)
    needed = math.ceil(n * floor / alpha)
    if needed > 1:
        log.info(
            "With %d permutations the smallest p-value is %.3g; after the FDR correction over %d "
            "units a cluster is only found if at least %d units reach it (more permutations lower this)",
            permutations,
            floor,
            n,
            needed,
        )


def _check_permutations(permutations: Any) -> int:
    return whole_number(
        "permutations",
        permutations,
        "a positive whole number",
        "For example permutations=999 (the smallest p-value is then 0.001).",
        minimum=1,
    )
