"""Who can reach whom: the demand × candidate coverage matrix and the reduced model.

A demand point is *covered* by a candidate site when the straight-line distance
between them is at most the service radius (inclusive). Coordinates are (x, y) in
metres of a projected CRS; nothing here knows about geographic coordinates.

:func:`reduce_problem` shrinks a covering problem before it is solved, without
changing its optimum:

1. demand that weighs nothing, or that no candidate covers, cannot change the
   objective and is dropped;
2. demand already covered by a fixed (must-keep) site is counted once and dropped;
3. candidates that cover none of the remaining demand are dropped;
4. demand points with identical coverage sets (and, for the fairness view, the
   same area) are merged into one group whose weight is their sum.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.spatial import cKDTree

log = logging.getLogger(__name__)

#: Relative tolerance on the radius so that points exactly on the circle count as covered.
RADIUS_TOLERANCE = 1e-9
#: Fixed seed of the random keys used to hash coverage sets (not user randomness).
_HASH_SEED = 20_240_517


def coverage_matrix(
    demand_xy: NDArray[np.floating], candidate_xy: NDArray[np.floating], *, radius_m: float
) -> sp.csr_matrix:
    """Return the binary coverage matrix, demand × candidates, as CSR.

    Parameters
    ----------
    demand_xy : ndarray, shape (n, 2)
        Demand coordinates in metres (a projected CRS).
    candidate_xy : ndarray, shape (m, 2)
        Candidate site coordinates in metres, same CRS.
    radius_m : float
        Service radius in metres; a distance equal to the radius counts as covered.

    Returns
    -------
    scipy.sparse.csr_matrix of int8, shape (n, m)
        ``1`` where candidate ``j`` is within ``radius_m`` of demand point ``i``;
        column indices are sorted within each row.
    """
    d = np.asarray(demand_xy, dtype=np.float64).reshape(-1, 2)
    c = np.asarray(candidate_xy, dtype=np.float64).reshape(-1, 2)
    if d.shape[0] == 0 or c.shape[0] == 0:
        return sp.csr_matrix((d.shape[0], c.shape[0]), dtype=np.int8)
    # The ndarray output keeps zero distances (a candidate on top of a demand point).
    pairs = cKDTree(c).sparse_distance_matrix(
        cKDTree(d), radius_m * (1.0 + RADIUS_TOLERANCE), output_type="ndarray"
    )
    rows = pairs["j"].astype(np.int64)
    cols = pairs["i"].astype(np.int64)
    matrix = sp.csr_matrix(
        (np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=(d.shape[0], c.shape[0])
    )
    matrix.sum_duplicates()
    matrix.sort_indices()
    matrix.data[:] = 1
    log.debug(
        "Coverage matrix: %s demand points x %s candidates, %s pairs within %g m",
        f"{d.shape[0]:,}",
        f"{c.shape[0]:,}",
        f"{matrix.nnz:,}",
        radius_m,
    )
    return matrix


def nearest_distance_m(
    demand_xy: NDArray[np.floating], candidate_xy: NDArray[np.floating]
) -> float:
    """Smallest straight-line distance in metres between any candidate and any demand point."""
    d = np.asarray(demand_xy, dtype=np.float64).reshape(-1, 2)
    c = np.asarray(candidate_xy, dtype=np.float64).reshape(-1, 2)
    if d.shape[0] == 0 or c.shape[0] == 0:
        return float("inf")
    distances, _ = cKDTree(d).query(c, k=1)
    return float(np.min(distances))


@dataclass(frozen=True)
class Reduction:
    """How much smaller the model became before solving (counts of demand points/sites).

    Attributes
    ----------
    n_demand : int
        Demand points given.
    n_zero_weight : int
        Points that weigh nothing (dropped).
    n_uncoverable : int
        Points with weight that no candidate covers (dropped; they count in the total).
    n_covered_by_fixed : int
        Points already covered by a fixed site (counted, then dropped).
    n_groups : int
        Groups of points with identical coverage sets that the model keeps.
    n_candidates : int
        Candidates given.
    n_fixed : int
        Fixed (must-keep) sites.
    n_useful_candidates : int
        Free candidates that cover some of the remaining demand (the model's sites).
    """

    n_demand: int
    n_zero_weight: int
    n_uncoverable: int
    n_covered_by_fixed: int
    n_groups: int
    n_candidates: int
    n_fixed: int
    n_useful_candidates: int

    def describe(self) -> str:
        """One sentence for logs and reports."""
        return (
            f"{self.n_demand:,} demand points -> {self.n_groups:,} groups with distinct coverage "
            f"({self.n_zero_weight:,} weightless, {self.n_uncoverable:,} out of reach of every "
            f"candidate, {self.n_covered_by_fixed:,} already covered by fixed sites); "
            f"{self.n_candidates:,} candidates -> {self.n_useful_candidates:,} free sites that "
            f"add coverage ({self.n_fixed:,} fixed)"
        )


@dataclass(frozen=True, eq=False)
class ReducedProblem:
    """A covering problem ready for a solver, plus what was taken out of it.

    Attributes
    ----------
    cover : scipy.sparse.csr_matrix, shape (n_groups, n_useful)
        Binary coverage of demand groups by the useful free candidates.
    weight : ndarray, shape (n_groups,)
        Total demand weight of each group.
    group_area : ndarray of int, shape (n_groups,)
        Area code of each group (``-1``: no area).
    candidates : ndarray of int, shape (n_useful,)
        Positions of the model's columns among all candidates.
    fixed : ndarray of int
        Positions of the fixed sites among all candidates.
    fixed_weight : float
        Demand weight already covered by the fixed sites.
    fixed_weight_by_area : ndarray, shape (n_areas,)
        The same, per area code.
    reduction : Reduction
        The counts behind the reduction.
    """

    cover: sp.csr_matrix
    weight: NDArray[np.float64]
    group_area: NDArray[np.int64]
    candidates: NDArray[np.int64]
    fixed: NDArray[np.int64]
    fixed_weight: float
    fixed_weight_by_area: NDArray[np.float64]
    reduction: Reduction


def reduce_problem(
    cover: sp.csr_matrix,
    weight: NDArray[np.floating],
    *,
    fixed: NDArray[np.integer],
    area_code: NDArray[np.integer] | None = None,
    n_areas: int = 0,
) -> ReducedProblem:
    """Shrink a covering problem without changing its optimum (see the module docstring).

    Parameters
    ----------
    cover : scipy.sparse.csr_matrix, shape (n, m)
        Binary coverage, demand × candidates (from :func:`coverage_matrix`).
    weight : ndarray, shape (n,)
        Non-negative demand weights.
    fixed : ndarray of int
        Positions of the fixed sites among the ``m`` candidates.
    area_code : ndarray of int, shape (n,), optional
        Area code of each demand point (``-1``: none). Points are merged only within
        one area, so per-area constraints stay exact.
    n_areas : int
        Number of area codes (``0`` when there are none).
    """
    n, m = cover.shape
    w = np.asarray(weight, dtype=np.float64)
    areas = (
        np.full(n, -1, dtype=np.int64)
        if area_code is None
        else np.asarray(area_code, dtype=np.int64)
    )
    fixed_pos = np.asarray(fixed, dtype=np.int64)
    row_nnz = np.diff(cover.indptr)
    positive = w > 0
    coverable = row_nnz > 0
    by_fixed = (
        np.asarray(cover[:, fixed_pos].sum(axis=1)).ravel() > 0
        if fixed_pos.size
        else np.zeros(n, bool)
    )
    keep = positive & coverable & ~by_fixed
    fixed_hit = positive & by_fixed
    fixed_weight = float(w[fixed_hit].sum())
    in_area = fixed_hit & (areas >= 0)
    fixed_by_area = np.bincount(areas[in_area], weights=w[in_area], minlength=n_areas).astype(
        np.float64
    )

    free = np.setdiff1d(np.arange(m, dtype=np.int64), fixed_pos)
    sub = cover[keep][:, free].tocsc()
    useful = np.diff(sub.indptr) > 0
    candidates = free[useful]
    sub = sub[:, np.flatnonzero(useful)].tocsr()
    sub.sort_indices()
    group, n_groups = _group_identical_rows(sub, areas[keep])
    # The first member of each group represents it.
    first = np.unique(group, return_index=True)[1].astype(np.int64)
    reduced = sub[first] if n_groups else sp.csr_matrix((0, candidates.size), dtype=np.int8)
    group_weight = np.bincount(group, weights=w[keep], minlength=n_groups).astype(np.float64)
    group_area = areas[keep][first] if n_groups else np.zeros(0, dtype=np.int64)

    reduction = Reduction(
        n_demand=n,
        n_zero_weight=int(np.count_nonzero(~positive)),
        n_uncoverable=int(np.count_nonzero(positive & ~coverable)),
        n_covered_by_fixed=int(np.count_nonzero(fixed_hit)),
        n_groups=int(n_groups),
        n_candidates=m,
        n_fixed=int(fixed_pos.size),
        n_useful_candidates=int(candidates.size),
    )
    log.info("Model reduced: %s", reduction.describe())
    return ReducedProblem(
        cover=sp.csr_matrix(reduced, dtype=np.int8),
        weight=group_weight,
        group_area=np.asarray(group_area, dtype=np.int64),
        candidates=candidates,
        fixed=fixed_pos,
        fixed_weight=fixed_weight,
        fixed_weight_by_area=fixed_by_area,
        reduction=reduction,
    )


def _group_identical_rows(
    matrix: sp.csr_matrix, key: NDArray[np.int64]
) -> tuple[NDArray[np.int64], int]:
    """Group rows with identical sparsity patterns and equal ``key``; return (group, count).

    Rows are hashed with two sums of random 64-bit keys per column, then every row is
    checked against its group's representative, so a hash collision can never merge
    two different rows (a colliding row simply keeps a group of its own).
    """
    n, m = matrix.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    rng = np.random.default_rng(_HASH_SEED)
    keys = rng.integers(0, np.iinfo(np.int64).max, size=(2, m), dtype=np.int64).view(np.uint64)
    nnz = np.diff(matrix.indptr)
    starts = matrix.indptr[:-1]
    columns = matrix.indices
    hashes = np.zeros((n, 4), dtype=np.uint64)
    nonempty = nnz > 0
    for h in range(2):
        values = keys[h][columns]
        sums = np.add.reduceat(values, starts[nonempty]) if columns.size else values[:0]
        hashes[nonempty, h] = sums
    hashes[:, 2] = nnz.astype(np.uint64)
    hashes[:, 3] = key.astype(np.int64).view(np.uint64)
    _, group = np.unique(hashes, axis=0, return_inverse=True)
    group = np.asarray(group, dtype=np.int64).ravel()
    n_groups = int(group.max()) + 1

    # Exact check against each group's first row.
    first = np.unique(group, return_index=True)[1].astype(np.int64)
    as_int = sp.csr_matrix(matrix, dtype=np.int16)
    diff = abs(as_int - as_int[first[group]])
    diff.eliminate_zeros()
    wrong = np.flatnonzero(np.diff(diff.indptr) > 0)
    if wrong.size:
        log.debug("%d hash collision(s) while merging demand; kept them apart", wrong.size)
        group[wrong] = n_groups + np.arange(wrong.size)
        n_groups += int(wrong.size)
    return group, n_groups
