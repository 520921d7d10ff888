"""Local Moran's I: equality with esda's Moran_Local (I, quadrants), permutation p-values."""

from __future__ import annotations

import dataclasses
import itertools
import logging

import esda
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from libpysal.weights import WSP, Queen, W
from pyproj import CRS
from scipy import stats

from hotspots.errors import EmptyDataError, InputError
from hotspots.spatial.grids import Grid, GridKind, make_grid
from hotspots.stats.lisa import (
    LISA_COLUMNS,
    NOT_SIGNIFICANT,
    QUADRANT_LABELS,
    LocalMoran,
    _sample_without_replacement,
    local_moran,
)
from hotspots.stats.significance import fdr_reject
from hotspots.stats.weights import (
    Neighbours,
    SparseNeighbours,
    distance_band,
    grid_contiguity,
    polygon_contiguity,
)

UTM17 = CRS.from_epsg(32617)
X0, Y0 = 620_000.0, 4_830_000.0
CELL_M = 100.0
TRIANGLE = shapely.Polygon([(X0, Y0), (X0 + 3_000, Y0), (X0, Y0 + 2_400)])

# esda's conditional randomisation warns that its default alternative will change; the
# values we compare with are its current (documented, "directed"/folded) p_sim.
esda_alternative_warning = pytest.mark.filterwarnings(
    "ignore:The alternative hypothesis for conditional randomization:DeprecationWarning"
)


def libpysal_w(neighbours: Neighbours) -> W:
    return WSP(neighbours.to_sparse()).to_W(silence_warnings=True)


def esda_moran_local(
    y: np.ndarray, w: W, permutations: int = 0, seed: int | None = None
) -> esda.Moran_Local:
    return esda.Moran_Local(y, w, transformation="r", permutations=permutations, seed=seed)


def triangle_grid(kind: GridKind = "square") -> Grid:
    return make_grid(TRIANGLE, crs=UTM17, kind=kind, cell_size_m=CELL_M, quiet=True)


def planted_counts(
    grid: Grid, seed: int, *, base: float = 3.0, boost: float = 6.0
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson counts with a disc of radius 350 m of ``base + boost`` per cell."""
    centres = grid.centres()
    inside = np.hypot(centres[:, 0] - (X0 + 900), centres[:, 1] - (Y0 + 800)) < 350
    rate = np.where(inside, base + boost, base)
    return np.random.default_rng(seed).poisson(rate).astype(np.float64), inside


# -- I and quadrants equal esda ------------------------------------------------------------------


def _structures() -> dict[str, Neighbours]:
    rng = np.random.default_rng(5)
    points = np.column_stack([rng.uniform(X0, X0 + 5_000, 300), rng.uniform(Y0, Y0 + 4_000, 300)])
    seeds = rng.uniform(0, 5_000, (120, 2))
    frame = shapely.box(0, 0, 5_000, 5_000)
    cells = np.asarray(
        shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame))
    )
    return {
        "square triangle": grid_contiguity(triangle_grid("square")),
        "hex triangle": grid_contiguity(triangle_grid("hex")),
        "distance band 450 m (with islands)": distance_band(points, radius_m=450.0),
        "polygon contiguity": polygon_contiguity(shapely.intersection(cells, frame)),
    }


STRUCTURES = _structures()


@pytest.mark.parametrize("name", list(STRUCTURES))
@pytest.mark.parametrize("data", ["counts", "continuous"])
def test_i_and_quadrant_equal_esda(name: str, data: str) -> None:
    neighbours = STRUCTURES[name]
    rng = np.random.default_rng(len(name))
    y = (
        rng.poisson(3.0, neighbours.n).astype(float)
        if data == "counts"
        else rng.lognormal(1.0, 0.8, neighbours.n)
    )
    ours = local_moran(y, neighbours, permutations=9, inference="permutation")
    reference = esda_moran_local(y, libpysal_w(neighbours))
    np.testing.assert_allclose(ours.I, reference.Is, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(ours.quadrant, reference.q)


def test_i_equals_esda_on_libpysal_own_queen_weights() -> None:
    grid = triangle_grid("square")
    y, _ = planted_counts(grid, seed=1)
    w = Queen.from_iterable(list(grid.polygons()), silence_warnings=True)
    ours = local_moran(y, grid_contiguity(grid), permutations=9)
    reference = esda_moran_local(y, w)
    np.testing.assert_allclose(ours.I, reference.Is, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(ours.quadrant, reference.q)


# -- permutation p-values --------------------------------------------------------------------------


@esda_alternative_warning
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_p_values_agree_with_esda_statistically_on_a_planted_cluster(seed: int) -> None:
    grid = triangle_grid("square")
    neighbours = grid_contiguity(grid)
    y, inside = planted_counts(grid, seed=seed, boost=15.0)
    ours = local_moran(y, neighbours, permutations=999, rng=seed, inference="permutation")
    reference = esda_moran_local(y, libpysal_w(neighbours), permutations=999, seed=seed)
    # Ours is two-sided; esda's folded p_sim doubled is the same quantity. Same p-values up to
    # Monte Carlo noise (and ties, which we count in both tails): correlated, close on average.
    esda_two_sided = np.minimum(1.0, 2.0 * reference.p_sim)
    assert np.corrcoef(np.log(ours.p), np.log(esda_two_sided))[0, 1] > 0.98
    assert np.mean(np.abs(ours.p - esda_two_sided)) < 0.08
    # Uncorrected decisions at 5% agree for at least 95% of the cells.
    assert np.mean((ours.p <= 0.05) == (esda_two_sided <= 0.05)) >= 0.95
    # After FDR both find the planted cluster as High-High, and (nearly) the same cells.
    ours_hh = ours.significant & (ours.quadrant == 1)
    esda_hh = fdr_reject(esda_two_sided, alpha=0.05) & (reference.q == 1)
    # (esda draws one permutation set for all cells, so its recall varies more by seed; with
    # two-sided p-values and 999 permutations, BH leaves some disc-edge cells out.)
    assert ours_hh[inside].mean() >= 0.6 and esda_hh[inside].mean() >= 0.6
    jaccard = (ours_hh & esda_hh).sum() / (ours_hh | esda_hh).sum()
    assert jaccard >= 0.8


def _exact_folded_p(y: np.ndarray, i: int, neighbours_of_i: list[int]) -> float:
    """Exact conditional-permutation p (infinitely many permutations) by enumeration:
    min(P(S >= S_obs), P(S <= S_obs)) over all k-subsets of the other units."""
    others = [j for j in range(y.size) if j != i]
    k = len(neighbours_of_i)
    observed = y[neighbours_of_i].sum()
    sums = np.array([y[list(c)].sum() for c in itertools.combinations(others, k)])
    return float(min(np.mean(sums >= observed - 1e-9), np.mean(sums <= observed + 1e-9)))


def test_p_values_match_the_exact_permutation_distribution() -> None:
    # 14 units on a path (k = 1 or 2): 78 or 13 equally likely neighbour sets per unit.
    n = 14
    pairs = sp.csr_matrix(
        (np.ones(2 * (n - 1)), (np.r_[0 : n - 1, 1:n], np.r_[1:n, 0 : n - 1])), shape=(n, n)
    )
    y = np.array([9.0, 8, 7, 2, 1, 1, 3, 5, 0, 2, 6, 1, 0, 4])
    permutations = 40_000
    result = local_moran(
        y, SparseNeighbours(pairs), permutations=permutations, rng=7, inference="permutation"
    )
    exact_result = local_moran(y, SparseNeighbours(pairs))
    for i in range(n):
        nbrs = [j for j in (i - 1, i + 1) if 0 <= j < n]
        exact = _exact_folded_p(y, i, nbrs)
        # The exact default equals enumeration (two-sided) to rounding.
        assert exact_result.p[i] == pytest.approx(min(1.0, 2 * exact), abs=1e-12)
        expected = (exact * permutations + 1) / (permutations + 1)
        se = np.sqrt(exact * (1 - exact) / permutations) + 1e-12
        folded = result.p[i] / 2 if result.p[i] < 1 else None
        if folded is None:  # doubled beyond 1: the folded value was at least 0.5
            assert expected + 4 * se + 1 / permutations >= 0.5
            continue
        assert abs(folded - expected) <= 4 * se + 1 / permutations, (i, result.p[i], exact)


@pytest.mark.parametrize(("population", "size"), [(6, 4), (40, 3), (5_000, 8), (200, 30)])
def test_sampler_draws_distinct_values_uniformly(population: int, size: int) -> None:
    rng = np.random.default_rng(population)
    rows = 60_000
    draws = _sample_without_replacement(rng, rows=rows, size=size, population=population)
    assert draws.shape == (size, rows)
    ordered = np.sort(draws, axis=0)
    assert (np.diff(ordered, axis=0) > 0).all()  # distinct within each sample
    assert draws.min() >= 0 and draws.max() < population
    # Each value appears in a sample with probability size / population.
    counts = np.bincount(draws.ravel(), minlength=population)
    assert stats.chisquare(counts).pvalue > 1e-4
    # Every position is uniform on its own.
    assert stats.chisquare(np.bincount(draws[-1], minlength=population)).pvalue > 1e-4
    # Pairs in the first two positions: every ordered pair equally likely (small cases).
    if population <= 6:
        pair_counts = np.bincount(draws[0] * population + draws[1], minlength=population**2)
        off_diagonal = pair_counts[~np.eye(population, dtype=bool).ravel()]
        assert stats.chisquare(off_diagonal).pvalue > 1e-4


# -- degenerate units and data -----------------------------------------------------------------


def test_islands_get_zero_and_p_one() -> None:
    centres = np.array([[0.0, 0.0], [50.0, 0.0], [100.0, 0.0], [150.0, 0.0], [10_000.0, 0.0]])
    extra = np.column_stack([np.arange(30) * 50.0, np.full(30, 60.0)])
    neighbours = distance_band(np.vstack([centres, extra]), radius_m=70.0)
    y = np.random.default_rng(1).poisson(3.0, neighbours.n).astype(float)
    y[4] = 50.0  # a lonely extreme value is not a cluster
    result = local_moran(y, neighbours, permutations=99)
    assert result.I[4] == 0.0 and result.p[4] == 1.0 and not result.significant[4]


@esda_alternative_warning
# esda divides 0 by 0 for this unit's simulated z (its I is 0 in every permutation).
@pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")
def test_a_value_exactly_at_the_mean_gets_p_one() -> None:
    """I is 0 in every permutation; esda would report 1 / (permutations + 1)."""
    neighbours = grid_contiguity(triangle_grid())
    n = neighbours.n
    y = np.random.default_rng(3).poisson(3.0, n).astype(float)
    # Make the other values sum to a multiple of n - 1, then put their mean in unit 0:
    # the mean of all n values is then exactly y[0].
    y[1] += (n - 1) - y[1:].sum() % (n - 1)
    y[0] = y[1:].sum() / (n - 1)
    assert y[0] == y.mean()
    result = local_moran(y, neighbours, permutations=99)
    assert result.I[0] == 0.0 and result.p[0] == 1.0
    reference = esda_moran_local(y, libpysal_w(neighbours), permutations=99, seed=1)
    assert reference.p_sim[0] == pytest.approx(1 / 100)  # the most significant p esda can give


def test_constant_values_give_zero_and_a_note(caplog: pytest.LogCaptureFixture) -> None:
    neighbours = grid_contiguity(triangle_grid())
    with caplog.at_level(logging.WARNING, logger="hotspots.stats.lisa"):
        result = local_moran(np.full(neighbours.n, 2.0), neighbours)
    assert (result.I == 0).all() and (result.p == 1).all() and not result.significant.any()
    assert result.note is not None and "no variance" in result.note
    assert "no variance" in caplog.text
    assert (result.labels() == NOT_SIGNIFICANT).all()


# -- results ------------------------------------------------------------------------------------


def test_seeded_runs_repeat_and_record_their_seed() -> None:
    neighbours = grid_contiguity(triangle_grid("hex"))
    y, _ = planted_counts(triangle_grid("hex"), seed=4)

    def run(rng: int | np.random.Generator) -> LocalMoran:
        return local_moran(y, neighbours, permutations=199, rng=rng, inference="permutation")

    first, again, other = run(42), run(42), run(43)
    np.testing.assert_array_equal(first.p, again.p)
    assert not np.array_equal(first.p, other.p)
    assert (first.seed, first.permutations, first.alpha) == (42, 199, 0.05)
    assert first.inference == "permutation"
    from_generator = run(np.random.default_rng(42))
    assert from_generator.seed is None
    assert from_generator.p.min() >= 2 / 200 and from_generator.p.max() <= 1.0
    exact = local_moran(y, neighbours)
    assert (exact.inference, exact.permutations) == ("exact", 0)


def test_labels_and_frame() -> None:
    grid = triangle_grid("square")
    y, inside = planted_counts(grid, seed=5, boost=15.0)
    result = local_moran(y, grid_contiguity(grid), permutations=999, rng=1)
    labels = result.labels()
    assert set(labels) <= {NOT_SIGNIFICANT, *QUADRANT_LABELS.values()}
    assert QUADRANT_LABELS == {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
    np.testing.assert_array_equal(labels == NOT_SIGNIFICANT, ~result.significant)
    assert (labels[inside] == "High-High").mean() >= 0.75
    frame = result.to_frame(index=pd.Index(grid.cell_ids, name="cell_id"))
    assert (
        tuple(frame.columns)
        == LISA_COLUMNS
        == ("lisa_i", "lisa_quadrant", "lisa_p", "lisa_p_fdr", "lisa_cluster")
    )
    assert frame["lisa_quadrant"].dtype == np.int8
    assert frame["lisa_cluster"].tolist() == labels.tolist()
    np.testing.assert_array_equal(frame.index, grid.cell_ids)
    assert (frame["lisa_p_fdr"] >= frame["lisa_p"]).all()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.alpha = 0.1  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        result.p[0] = 0.0


def test_exact_needs_counts_and_names_the_alternative() -> None:
    neighbours = grid_contiguity(triangle_grid())
    with pytest.raises(InputError, match='inference="permutation"'):
        local_moran(np.full(neighbours.n, 0.5), neighbours)
    with pytest.raises(InputError, match="inference="):
        local_moran(np.ones(neighbours.n), neighbours, inference="normal")  # type: ignore[arg-type]


@pytest.mark.parametrize("permutations", [0, -5, 9.5, True, "999"])
def test_bad_permutations_raise(permutations: object) -> None:
    neighbours = grid_contiguity(triangle_grid())
    with pytest.raises(InputError, match="permutations="):
        local_moran(np.ones(neighbours.n), neighbours, permutations=permutations)  # type: ignore[arg-type]


def test_bad_values_and_alpha_raise() -> None:
    neighbours = grid_contiguity(triangle_grid())
    y = np.ones(neighbours.n)
    y[3] = np.nan
    with pytest.raises(InputError, match="NaN or infinite"):
        local_moran(y, neighbours)
    with pytest.raises(InputError, match="shape"):
        local_moran(np.ones(neighbours.n + 1), neighbours)
    with pytest.raises(InputError, match="alpha="):
        local_moran(np.arange(neighbours.n, dtype=float), neighbours, alpha=0.0)
    with pytest.raises(EmptyDataError):
        local_moran(np.array([]), SparseNeighbours(sp.csr_matrix((0, 0))))
