"""The solvers on small matrices: greedy, exact MCLP, the fairness helpers, CBC's status."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from outreach_helpers import brute_force_best

from hotspots.outreach.solvers import (
    cbc_solver,
    greedy,
    relaxation_bound,
    solve_max_min_share,
    solve_mclp,
    solve_min_sites,
)

# 5 demand groups x 4 sites.
DENSE = np.array(
    [
        [1, 1, 0, 0],
        [1, 0, 0, 0],
        [0, 1, 1, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
    ],
    dtype=np.int8,
)
WEIGHT = np.array([4.0, 1.0, 3.0, 2.0, 1.5])
AREA = np.array([0, 0, 1, 1, 2])


def test_greedy_takes_marginal_gains_in_order() -> None:
    solution = greedy(sp.csr_matrix(DENSE), WEIGHT, k=3)
    # Site 1 covers 7; then site 2 adds 2 (site 0 would add 1); then site 3 adds 1.5.
    assert solution.chosen.tolist() == [1, 2, 3]
    assert solution.value == pytest.approx(4 + 3 + 2 + 1.5)
    assert solution.status == "heuristic"
    assert solution.gap is None


def test_greedy_stops_when_nothing_is_left() -> None:
    solution = greedy(sp.csr_matrix(DENSE), WEIGHT, k=4)
    assert solution.value == pytest.approx(WEIGHT.sum())
    assert len(solution.chosen) <= 4


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_exact_matches_brute_force(k: int) -> None:
    solution = solve_mclp(sp.csr_matrix(DENSE), WEIGHT, k=k)
    assert solution.status == "optimal"
    assert solution.gap == 0.0
    assert solution.value == pytest.approx(brute_force_best(DENSE.astype(bool), WEIGHT, k=k))


def test_trivial_cases_skip_the_solver() -> None:
    everything = solve_mclp(sp.csr_matrix(DENSE), WEIGHT, k=10)
    assert everything.chosen.tolist() == [0, 1, 2, 3]
    assert everything.status == "optimal"
    nothing = solve_mclp(sp.csr_matrix(DENSE), WEIGHT, k=0)
    assert nothing.chosen.size == 0 and nothing.value == 0.0


def test_area_requirements_change_the_answer() -> None:
    cover = sp.csr_matrix(DENSE)
    free = solve_mclp(cover, WEIGHT, k=2)
    assert free.value == pytest.approx(10.0)  # sites 1 and 2
    required = np.array([0.0, 0.0, 1.5])  # area 2 must be covered
    fair = solve_mclp(cover, WEIGHT, k=2, group_area=AREA, area_required=required)
    assert fair.status == "optimal"
    assert 3 in fair.chosen.tolist()
    assert fair.value == pytest.approx(8.5)  # site 1 (7) + site 3 (1.5)
    impossible = solve_mclp(
        cover, WEIGHT, k=1, group_area=AREA, area_required=np.array([5.0, 0.0, 1.5])
    )
    assert impossible.status == "infeasible"


def test_min_sites_and_max_min_share() -> None:
    cover = sp.csr_matrix(DENSE)
    area_total = np.bincount(AREA, weights=WEIGHT).astype(np.float64)
    fewest = solve_min_sites(cover, WEIGHT, group_area=AREA, area_required=area_total)
    assert fewest.status == "optimal"
    assert fewest.value == 3.0  # groups 1, 3 and 4 need sites 0, 2 and 3
    none_needed = solve_min_sites(cover, WEIGHT, group_area=AREA, area_required=np.zeros(3))
    assert none_needed.value == 0.0
    too_much = solve_min_sites(cover, WEIGHT, group_area=AREA, area_required=area_total * 2)
    assert too_much.status == "infeasible"
    best = solve_max_min_share(
        cover, WEIGHT, k=2, group_area=AREA, area_total=area_total, area_base=np.zeros(3)
    )
    # Two sites: site 1 covers 4/5 of area 0 and 3/5 of area 1; site 3 all of area 2.
    assert best.status == "optimal"
    assert best.value == pytest.approx(0.6)


def test_cbc_is_the_bundled_binary_without_deprecation_warnings() -> None:
    # filterwarnings=error turns PuLP's PULP_CBC_CMD DeprecationWarning into a failure.
    solver = cbc_solver(time_limit_s=1.0)
    assert solver.available()


def test_a_time_limit_stop_is_not_called_optimal() -> None:
    """A dense random instance that CBC cannot close in half a second."""
    rng = np.random.default_rng(0)
    dense = rng.random((3_000, 200)) < 0.02
    weight = rng.integers(1, 5, 3_000).astype(float)
    cover = sp.csr_matrix(dense.astype(np.int8))
    start = greedy(cover, weight, k=10)
    solution = solve_mclp(cover, weight, k=10, time_limit_s=0.5, warm_start=start.chosen)
    assert solution.status == "feasible"
    assert solution.value >= start.value
    # On a loaded machine CBC can stop before its first bound: then the start is kept, no gap.
    if solution.bound is not None:
        assert solution.bound >= solution.value
        assert solution.gap is not None and 0 <= solution.gap < 0.5


def test_the_relaxation_proves_most_plans_and_cbc_the_fractional_rest() -> None:
    """Seeded random instances: every exact answer equals the brute-force optimum, whether
    the linear relaxation proved it (no CBC process) or CBC had to (a fractional relaxation)."""
    proofs: dict[str, int] = {}
    for seed in range(40):
        rng = np.random.default_rng(seed)
        cover = sp.csr_matrix((rng.random((12, 7)) < 0.3).astype(np.int8))
        weight = rng.integers(1, 6, 12).astype(float)
        k = int(rng.integers(1, 4))
        solution = solve_mclp(cover, weight, k=k, time_limit_s=10)
        best = brute_force_best(cover.toarray(), weight, k=k)
        assert solution.status == "optimal"
        assert solution.value == pytest.approx(best), seed
        relaxed = relaxation_bound(cover, weight, k=k)
        assert relaxed is not None and relaxed[0] >= best - 1e-6
        proofs[solution.proof] = proofs.get(solution.proof, 0) + 1
    assert proofs.get("relaxation", 0) >= 20, proofs
    assert proofs.get("cbc", 0) >= 1, proofs
