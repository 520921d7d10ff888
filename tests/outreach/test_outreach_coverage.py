"""The coverage matrix and the model reduction that keeps the optimum unchanged."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from outreach_helpers import brute_force_best
from scipy.spatial.distance import cdist

from hotspots.outreach import coverage as coverage_module
from hotspots.outreach.coverage import coverage_matrix, nearest_distance_m, reduce_problem
from hotspots.outreach.solvers import solve_mclp


def test_coverage_matrix_matches_the_distance_matrix() -> None:
    rng = np.random.default_rng(0)
    demand = rng.uniform(0, 5_000, (400, 2))
    sites = rng.uniform(0, 5_000, (30, 2))
    cover = coverage_matrix(demand, sites, radius_m=750.0)
    assert isinstance(cover, sp.csr_matrix)
    assert cover.shape == (400, 30)
    np.testing.assert_array_equal(cover.toarray().astype(bool), cdist(demand, sites) <= 750.0)
    assert set(np.unique(cover.data)) == {1}


def test_radius_is_inclusive_and_zero_distance_counts() -> None:
    demand = np.array([[0.0, 0.0], [600.0, 800.0], [600.0, 800.1]])
    cover = coverage_matrix(demand, np.array([[0.0, 0.0]]), radius_m=1_000.0)
    # On top of the site, exactly 1,000 m away, and just beyond.
    assert cover.toarray().ravel().tolist() == [1, 1, 0]


def test_nearest_distance() -> None:
    assert nearest_distance_m(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [30.0, 0]])) == 5.0


def _toy() -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    # 7 demand points x 4 candidates.
    dense = np.array(
        [
            [1, 0, 0, 0],  # covered by the fixed site 0
            [1, 1, 0, 0],  # covered by the fixed site 0 too
            [0, 1, 1, 0],
            [0, 1, 1, 0],  # same coverage as the row above -> merged
            [0, 1, 1, 0],  # same coverage but weight 0 -> dropped
            [0, 0, 0, 0],  # nobody covers it -> dropped
            [0, 0, 0, 1],
        ]
    )
    weight = np.array([2.0, 3.0, 1.0, 4.0, 0.0, 5.0, 6.0])
    area = np.array([0, 0, 1, 1, 1, 1, 0])
    return sp.csr_matrix(dense.astype(np.int8)), weight, area


def test_reduction_counts_and_constants() -> None:
    cover, weight, area = _toy()
    problem = reduce_problem(cover, weight, fixed=np.array([0]), area_code=area, n_areas=2)
    r = problem.reduction
    assert (r.n_demand, r.n_zero_weight, r.n_uncoverable, r.n_covered_by_fixed) == (7, 1, 1, 2)
    assert (r.n_groups, r.n_candidates, r.n_fixed, r.n_useful_candidates) == (2, 4, 1, 3)
    assert problem.fixed_weight == pytest.approx(5.0)
    np.testing.assert_allclose(problem.fixed_weight_by_area, [5.0, 0.0])
    np.testing.assert_array_equal(problem.candidates, [1, 2, 3])
    assert sorted(problem.weight.tolist()) == [5.0, 6.0]
    assert "7 demand points -> 2 groups" in r.describe()


def test_merging_respects_areas() -> None:
    cover = sp.csr_matrix(np.array([[1, 0], [1, 0], [1, 0]], dtype=np.int8))
    weight = np.array([1.0, 2.0, 4.0])
    merged = reduce_problem(cover, weight, fixed=np.array([], dtype=np.int64))
    assert merged.reduction.n_groups == 1
    kept_apart = reduce_problem(
        cover, weight, fixed=np.array([], dtype=np.int64), area_code=np.array([0, 0, 1]), n_areas=2
    )
    assert kept_apart.reduction.n_groups == 2
    assert sorted(kept_apart.weight.tolist()) == [3.0, 4.0]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reduction_keeps_the_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    dense = rng.random((60, 9)) < 0.25
    weight = rng.integers(0, 4, 60).astype(float)
    problem = reduce_problem(sp.csr_matrix(dense.astype(np.int8)), weight, fixed=np.array([4]))
    for k in (2, 3):
        best = brute_force_best(dense, weight, k=k, fixed=[4])
        solved = solve_mclp(problem.cover, problem.weight, k=k - 1)
        assert solved.status == "optimal"
        assert problem.fixed_weight + solved.value == pytest.approx(best, abs=1e-9)


def test_hash_collisions_never_merge_different_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """With useless (all-zero) hash keys every row of equal length collides; all are split."""

    class ZeroKeys:
        def integers(self, low: int, high: int, size: tuple[int, int], dtype: type) -> np.ndarray:
            return np.zeros(size, dtype=dtype)

    monkeypatch.setattr(coverage_module.np.random, "default_rng", lambda seed: ZeroKeys())
    dense = np.array([[1, 1, 0], [0, 1, 1], [1, 1, 0], [1, 0, 1], [0, 0, 1]], dtype=np.int8)
    group, n_groups = coverage_module._group_identical_rows(
        sp.csr_matrix(dense), np.zeros(5, dtype=np.int64)
    )
    # Rows 0 and 2 are identical; every other row differs.
    assert n_groups >= 4
    for g in range(n_groups):
        members = dense[group == g]
        assert (members == members[0]).all()
