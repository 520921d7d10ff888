"""Exact permutation p-values for counts: equal to enumeration, agree with esda, honest and powerful.

- Exactness: on tiny populations every p-value equals the share of all equally likely
  neighbourhood draws (itertools enumeration) at least / at most as extreme, both nulls.
- esda: Local Moran's exact two-sided p-value agrees with esda's ``Moran_Local`` p_sim at
  99,999 permutations within Monte-Carlo error (4.5 binomial standard errors).
- Honesty: under complete spatial randomness (Poisson counts with the same mean in every
  cell) the share of maps with *any* hot (or any significant) cell after BH stays within
  alpha + 3 binomial standard errors at 0.2, 0.5, 2 and 5 incidents per cell, 150 seeded
  maps each (600 in all).
- Power: a planted hot disc is recovered (cell recall >= 0.9) at the same four rates, and a
  planted empty (cold) disc at 2 and 5 per cell. At 0.2 and 0.5 per cell an empty queen
  neighbourhood is common by chance (P = e^(-9λ) = 0.17 and 0.011), so no 9-cell test can
  call it cold at FDR 5%: the scale rule picks larger cells for such data instead.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterator

import esda
import numpy as np
import pytest
import shapely
from libpysal.weights import WSP
from pyproj import CRS

from hotspots.errors import InputError
from hotspots.spatial.grids import Grid, make_grid
from hotspots.stats.exact import MAX_TABLE_ENTRIES, neighbourhood_sum_tails
from hotspots.stats.gistar import gi_star
from hotspots.stats.lisa import local_moran
from hotspots.stats.weights import distance_band, grid_contiguity

ALPHA = 0.05
UTM17 = CRS.from_epsg(32617)
CELL_M = 100.0


@pytest.fixture(autouse=True)
def _quiet_logs() -> Iterator[None]:
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def square_grid(cells_per_side: int) -> Grid:
    area = shapely.box(0.0, 0.0, cells_per_side * CELL_M, cells_per_side * CELL_M)
    return make_grid(area, crs=UTM17, cell_size_m=CELL_M, quiet=True)


GRID = square_grid(30)
NEIGHBOURS = grid_contiguity(GRID)
CENTRES = GRID.centres()


def tolerance(runs: int) -> float:
    return 3.0 * math.sqrt(ALPHA * (1.0 - ALPHA) / runs)


# -- exactness ------------------------------------------------------------------------------------


def _enumerated(
    x: np.ndarray, i: int, size: int, observed: int, *, hold_own: bool
) -> tuple[float, float]:
    population = np.delete(x, i) if hold_own else x
    sums = np.array([sum(c) for c in itertools.combinations(population.tolist(), size)])
    return float(np.mean(sums >= observed)), float(np.mean(sums <= observed))


@pytest.mark.parametrize("hold_own", [False, True])
def test_tails_equal_brute_force_enumeration(hold_own: bool) -> None:
    rng = np.random.default_rng(11)
    for _ in range(60):
        n = int(rng.integers(2, 10))
        x = rng.poisson(rng.uniform(0.2, 4.0), n)
        x[rng.integers(n)] += int(rng.integers(0, 30))  # one large count, as at a mall
        population = n - 1 if hold_own else n
        sizes = rng.integers(0 if hold_own else 1, population + 1, n)
        observed = np.array(
            [
                sum(rng.choice(np.delete(x, i) if hold_own else x, sizes[i], replace=False))
                for i in range(n)
            ]
        )
        tails = neighbourhood_sum_tails(x, sizes=sizes, observed=observed, hold_own=hold_own)
        for i in range(n):
            upper, lower = _enumerated(x, i, int(sizes[i]), int(observed[i]), hold_own=hold_own)
            assert tails.upper[i] == pytest.approx(upper, abs=1e-12)
            assert tails.lower[i] == pytest.approx(lower, abs=1e-12)
        np.testing.assert_allclose(
            tails.two_sided, np.minimum(1, 2 * np.minimum(tails.upper, tails.lower))
        )


def test_gi_star_exact_p_equals_enumeration_on_a_tiny_grid() -> None:
    grid = square_grid(3)  # 9 cells: the centre sees all 9, corners 4
    neighbours = grid_contiguity(grid)
    x = np.array([0, 3, 0, 1, 7, 0, 0, 2, 1])
    result = gi_star(x, neighbours)
    sums = neighbours.lag(x.astype(float), include_self=True)
    sizes = neighbours.cardinality(include_self=True)
    for i in range(9):
        upper, lower = _enumerated(x, i, int(sizes[i]), int(sums[i]), hold_own=False)
        assert result.p_hot is not None and result.p_cold is not None
        assert result.p_hot[i] == pytest.approx(upper, abs=1e-12)
        assert result.p_cold[i] == pytest.approx(lower, abs=1e-12)
        assert result.p[i] == pytest.approx(min(1.0, 2 * min(upper, lower)), abs=1e-12)
    # The centre's neighbourhood is everything: p = 1, never significant.
    assert result.p[4] == 1.0
    assert result.inference == "exact"


def test_large_counts_and_wide_neighbourhoods_stay_accurate() -> None:
    """Deflation and the undrawn-side trick keep rounding far below any BH threshold."""
    rng = np.random.default_rng(3)
    x = rng.poisson(2.0, 12)
    x[0] = 917
    sizes = np.full(12, 10)  # more than half of the 11 others: drawn via the complement
    observed = np.array([sum(np.delete(x, i)[:10]) for i in range(12)])
    tails = neighbourhood_sum_tails(x, sizes=sizes, observed=observed, hold_own=True)
    for i in range(12):
        upper, lower = _enumerated(x, i, 10, int(observed[i]), hold_own=True)
        assert tails.upper[i] == pytest.approx(upper, abs=1e-12)
        assert tails.lower[i] == pytest.approx(lower, abs=1e-12)


def test_bad_inputs_raise_input_errors() -> None:
    with pytest.raises(InputError, match="whole numbers"):
        neighbourhood_sum_tails([0.5, 1, 2], sizes=[1, 1, 1], observed=[1, 1, 1])
    with pytest.raises(InputError, match="one entry per unit"):
        neighbourhood_sum_tails([0, 1, 2], sizes=[1, 1], observed=[1, 1, 1])
    with pytest.raises(InputError, match="cannot hold more units"):
        neighbourhood_sum_tails([0, 1, 2], sizes=[3, 1, 1], observed=[1, 1, 1], hold_own=True)


def test_a_table_too_large_falls_back_to_normal_with_a_note() -> None:
    rng = np.random.default_rng(1)
    centres = rng.uniform(0, 1_000, (2_000, 2))
    y = rng.poisson(3.0, 2_000).astype(float)
    y[:100] = 30_000  # huge counts in a wide band (about 300 neighbours): too large a table
    band = distance_band(centres, radius_m=250.0)
    result = gi_star(y, band)
    assert MAX_TABLE_ENTRIES < 100 * 30_000 * 200
    assert result.inference == "normal"
    assert result.note is not None and "Normal p-values were used instead" in result.note


# -- agreement with esda's Monte Carlo ------------------------------------------------------------


@pytest.mark.filterwarnings(
    "ignore:The alternative hypothesis for conditional randomization:DeprecationWarning"
)
def test_local_moran_exact_agrees_with_esda_at_99999_permutations() -> None:
    grid = square_grid(12)
    neighbours = grid_contiguity(grid)
    rng = np.random.default_rng(8)
    centres = grid.centres()
    hot = np.hypot(centres[:, 0] - 400, centres[:, 1] - 400) < 250
    y = rng.poisson(np.where(hot, 6.0, 1.5)).astype(float)
    permutations = 99_999
    ours = local_moran(y, neighbours)
    w = WSP(neighbours.to_sparse()).to_W(silence_warnings=True)
    reference = esda.Moran_Local(y, w, transformation="r", permutations=permutations, seed=8)
    k = neighbours.cardinality(include_self=False)
    tails = neighbourhood_sum_tails(
        y, sizes=k, observed=neighbours.lag(y, include_self=False), hold_own=True
    )
    # esda counts I_sim >= I and folds to the smaller side. I_sim >= I is T_sim >= t for
    # z_i > 0 and T_sim <= t for z_i < 0, but with integer counts ties T_sim = t are common
    # and esda's floating-point I puts each tie on either side by rounding, so its share lies
    # between the strict and the inclusive tail: we check it does, within Monte-Carlo error.
    z = y - y.mean()
    inclusive = np.where(z > 0, tails.upper, tails.lower)
    strict = 1.0 - np.where(z > 0, tails.lower, tails.upper)
    low = np.minimum(strict, 1.0 - inclusive)
    high = np.minimum(np.minimum(inclusive, 1.0 - strict), 0.5)
    testable = (k > 0) & (z != 0)
    slack = 4.5 * np.sqrt(0.25 / permutations) + 2.0 / permutations
    p_sim = reference.p_sim
    assert ((p_sim >= low - slack) & (p_sim <= high + slack))[testable].all()
    # Where there are no ties at the observed sum, the bounds coincide: a sharp check.
    sharp = testable & (np.abs(high - low) < 1e-12)
    se = np.sqrt(low * (1 - low) / permutations)
    assert (np.abs(p_sim - low) <= 4.5 * se + 2.0 / permutations)[sharp].all()
    # And our two-sided p is the doubled smaller tail of the same distribution.
    np.testing.assert_allclose(ours.p[testable], tails.two_sided[testable], rtol=0, atol=1e-15)
    assert ours.significant[hot].any()


@pytest.mark.filterwarnings(
    "ignore:The alternative hypothesis for conditional randomization:DeprecationWarning",
    "ignore:`row_stack` alias is deprecated:DeprecationWarning",
)
def test_gi_star_conditional_exact_agrees_with_esda_at_99999_permutations() -> None:
    """Gi*'s conditional null (hold_own=True) is esda's ``G_Local(star=True)`` permutation test.

    The default for Gi* is total randomisation (see stats/exact.py for why); the conditional
    tails are offered too and must match esda's Monte Carlo within its error.
    """
    grid = square_grid(12)
    neighbours = grid_contiguity(grid)
    rng = np.random.default_rng(8)
    centres = grid.centres()
    hot = np.hypot(centres[:, 0] - 400, centres[:, 1] - 400) < 250
    y = rng.poisson(np.where(hot, 6.0, 1.5)).astype(float)
    permutations = 99_999
    w = WSP(neighbours.to_sparse()).to_W(silence_warnings=True)
    reference = esda.G_Local(y, w, transform="B", star=True, permutations=permutations, seed=8)
    k = neighbours.cardinality(include_self=False)
    tails = neighbourhood_sum_tails(
        y, sizes=k, observed=neighbours.lag(y, include_self=False), hold_own=True
    )
    # esda's share of simulations >= observed lies between P(T > t) and P(T >= t) (ties go
    # either way by floating-point rounding), then is folded to the smaller side.
    inclusive, strict = tails.upper, 1.0 - tails.lower
    folded_a, folded_b = np.minimum(inclusive, 1 - inclusive), np.minimum(strict, 1 - strict)
    low = np.minimum(folded_a, folded_b)
    spans_half = (strict <= 0.5) & (inclusive >= 0.5)
    high = np.where(spans_half, 0.5, np.maximum(folded_a, folded_b))
    slack = 4.5 * np.sqrt(0.25 / permutations) + 2.0 / permutations
    testable = k > 0
    p_sim = reference.p_sim
    assert ((p_sim >= low - slack) & (p_sim <= high + slack))[testable].all()
    # Sums of whole numbers are exact in floating point, so esda's ties all count as ">=":
    # its p-value is the folded inclusive tail, which we check to Monte-Carlo precision.
    expected = np.minimum(inclusive, 1 - inclusive)
    se = np.sqrt(expected * (1 - expected) / permutations)
    assert (np.abs(p_sim - expected) <= 4.5 * se + 2.0 / permutations)[testable].all()


# -- honesty under complete spatial randomness ----------------------------------------------------

RATES = (0.2, 0.5, 2.0, 5.0)
RUNS_PER_RATE = 150


@pytest.fixture(scope="module")
def csr_runs() -> dict[float, tuple[float, float]]:
    """Per rate: (share of maps with any hot cell, share with any significant cell)."""
    out = {}
    for r, rate in enumerate(RATES):
        rng = np.random.default_rng(1_000 + r)
        any_hot = any_significant = 0
        for _ in range(RUNS_PER_RATE):
            y = rng.poisson(rate, NEIGHBOURS.n).astype(float)
            result = gi_star(y, NEIGHBOURS, alpha=ALPHA)
            any_hot += bool(result.hot.any())
            any_significant += bool(result.significant.any())
        out[rate] = (any_hot / RUNS_PER_RATE, any_significant / RUNS_PER_RATE)
    return out


@pytest.mark.parametrize("rate", RATES)
def test_csr_false_alarm_rate_stays_at_alpha(
    rate: float, csr_runs: dict[float, tuple[float, float]]
) -> None:
    any_hot, any_significant = csr_runs[rate]
    assert any_hot <= ALPHA + tolerance(RUNS_PER_RATE)
    assert any_significant <= ALPHA + tolerance(RUNS_PER_RATE)


def test_csr_false_alarm_rate_pooled_over_600_maps(
    csr_runs: dict[float, tuple[float, float]],
) -> None:
    runs = RUNS_PER_RATE * len(RATES)
    pooled = sum(hot for hot, _ in csr_runs.values()) / len(RATES)
    assert pooled <= ALPHA + tolerance(runs)


# -- power: planted hot and cold discs --------------------------------------------------------------

HOT_DISC = np.hypot(CENTRES[:, 0] - 800, CENTRES[:, 1] - 900) < 300  # 29 cells
COLD_DISC = np.hypot(CENTRES[:, 0] - 2_000, CENTRES[:, 1] - 2_000) < 450  # 69 cells
#: Cells whose whole queen neighbourhood lies in the cold disc (45 cells): a disc-edge cell
#: still has incidents next door, so only these have an empty neighbourhood.
COLD_CORE = (GRID.neighbour_sum(GRID.to_array((~COLD_DISC).astype(float))).ravel() == 0)[
    GRID.cell_ids
]


@pytest.mark.parametrize("rate", RATES)
def test_planted_hot_disc_is_recovered(rate: float) -> None:
    """The disc holds about 4 × the background plus 3 per cell (e.g. 3.8 vs 0.2)."""
    recall = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        mean = np.where(HOT_DISC, 4 * rate + 3.0, rate)
        result = gi_star(rng.poisson(mean).astype(float), NEIGHBOURS, alpha=ALPHA)
        recall.append(result.hot[HOT_DISC].mean())
        assert not result.cold[HOT_DISC].any()
    assert min(recall) >= 0.9


@pytest.mark.parametrize("rate", [2.0, 5.0])
def test_planted_cold_disc_is_recovered(rate: float) -> None:
    """An empty disc (a park, a lake) among 2 or 5 incidents per cell: recall over the cells
    whose neighbourhood is empty."""
    for seed in range(3):
        rng = np.random.default_rng(50 + seed)
        mean = np.where(COLD_DISC, 0.0, rate)
        result = gi_star(rng.poisson(mean).astype(float), NEIGHBOURS, alpha=ALPHA)
        assert result.cold[COLD_CORE].mean() >= 0.9
        assert not result.hot[COLD_DISC].any()


@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_an_empty_queen_neighbourhood_is_not_evidence_at_sparse_rates(rate: float) -> None:
    """Why cold spots need enough incidents per neighbourhood: with 9 λ expected, an empty
    neighbourhood has probability about e^(-9λ) under the null, too common to pass BH."""
    rng = np.random.default_rng(7)
    y = rng.poisson(np.where(COLD_DISC, 0.0, rate)).astype(float)
    result = gi_star(y, NEIGHBOURS, alpha=ALPHA)
    assert result.p_cold is not None
    assert result.p_cold[COLD_DISC].min() >= 0.3 * math.exp(-9 * rate)
    assert not result.cold.any()
