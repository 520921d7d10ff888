"""The fast exact tails equal the original computation to the last bit.

:mod:`hotspots.stats.exact` computes ln Γ without SciPy, builds each row of its tables only
as far as a sum of that many units can reach, shares one table between Gi* and Local Moran
of the same counts, and reuses its buffers. None of that may change a p-value in any bit:
every result is compared with ``np.array_equal`` against the original code, kept in
``exact_reference.py``, on seeded synthetic counts of many shapes and on the bundled Toronto
data through :func:`hotspots.analyze`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import shapely
from exact_reference import reference_tails
from pyproj import CRS
from scipy.special import gammaln

from hotspots.spatial.grids import make_grid
from hotspots.stats import exact
from hotspots.stats.exact import neighbourhood_sum_tails
from hotspots.stats.weights import Neighbours, distance_band, grid_contiguity


@pytest.fixture(autouse=True)
def _quiet_logs() -> Iterator[None]:
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def queen(cells_per_side: int, kind: str = "square") -> Neighbours:
    area = shapely.box(0.0, 0.0, cells_per_side * 100.0, cells_per_side * 100.0)
    grid = make_grid(area, crs=CRS.from_epsg(32617), cell_size_m=100.0, kind=kind, quiet=True)
    return grid_contiguity(grid)


def counts_of(shape: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Seeded counts: sparse, dense, heavy-tailed (many distinct values) or few distinct."""
    if shape == "sparse":
        return rng.poisson(0.3, n)
    if shape == "dense":
        return rng.poisson(25.0, n)
    if shape == "heavy":
        x = np.floor(rng.pareto(1.1, n) * 3).astype(np.int64)
        x[rng.integers(0, n, 5)] = rng.integers(500, 5_000, 5)  # a few very busy cells
        return x
    return rng.choice([0, 1, 7], size=n, p=[0.6, 0.3, 0.1])  # "few" distinct values


def assert_same_bits(
    counts: np.ndarray, sizes: np.ndarray, observed: np.ndarray, own: bool
) -> None:
    fast = neighbourhood_sum_tails(counts, sizes=sizes, observed=observed, hold_own=own)
    slow = reference_tails(counts, sizes=sizes, observed=observed, hold_own=own)
    assert np.array_equal(fast.upper, slow.upper)
    assert np.array_equal(fast.lower, slow.lower)


def test_lgamma_of_whole_numbers_is_scipys_to_the_last_bit() -> None:
    whole = [*range(1, 60_001), 99_999, 1_000_000, 99_999_999, 100_000_000, 100_000_001]
    ours = np.array([exact._lgamma_whole(v) for v in whole])
    assert np.array_equal(ours, gammaln(np.array(whole, dtype=np.float64)))


@pytest.mark.parametrize("shape", ["sparse", "dense", "heavy", "few"])
@pytest.mark.parametrize("kind", ["square", "hex"])
def test_gi_star_and_local_moran_tails_on_grids(shape: str, kind: str) -> None:
    neighbours = queen(24, kind)
    rng = np.random.default_rng(sum(map(ord, shape + kind)))
    x = counts_of(shape, neighbours.n, rng).astype(np.float64)
    w = neighbours.cardinality(include_self=True)
    lag = neighbours.lag(x, include_self=True)
    for order in ("gi first", "moran first"):  # the shared table, built by either statistic
        exact._kept.clear()
        runs = [(w, lag, False), (w - 1, lag - x, True)]
        for sizes, observed, own in runs if order == "gi first" else runs[::-1]:
            assert_same_bits(x, sizes, observed, own)


@pytest.mark.parametrize("own", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_random_sizes_including_more_than_half_of_the_units(own: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    x = counts_of(["sparse", "dense", "heavy", "few"][seed % 4], n, rng)
    population = n - 1 if own else n
    sizes = rng.integers(0 if own else 1, population + 1, n)
    # Observed sums that can happen: the sum of some `size` of the units that may be drawn.
    observed = np.array(
        [
            rng.choice(np.delete(x, i) if own else x, size=s, replace=False).sum()
            for i, s in enumerate(sizes)
        ]
    )
    exact._kept.clear()
    assert_same_bits(x, sizes, observed, own)


def test_a_wide_distance_band() -> None:
    rng = np.random.default_rng(11)
    centres = rng.uniform(0, 2_000, (400, 2))
    band = distance_band(centres, radius_m=300.0)
    x = rng.poisson(3.0, 400).astype(np.float64)
    x[:4] = [140, 90, 60, 250]
    exact._kept.clear()
    w = band.cardinality(include_self=True)
    assert_same_bits(x, w, band.lag(x, include_self=True), False)
    assert_same_bits(x, w - 1, band.lag(x, include_self=False), True)


def test_the_shared_table_is_read_only_and_bounded() -> None:
    rng = np.random.default_rng(5)
    exact._kept.clear()
    for _ in range(exact._KEPT + 3):
        x = rng.poisson(4.0, 50)
        neighbourhood_sum_tails(x, sizes=np.full(50, 9), observed=np.full(50, 36))
    assert len(exact._kept) == exact._KEPT
    assert not any(table.flags.writeable for table in exact._kept.values())


def test_toronto_analysis_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bundled Toronto, cells and neighbourhoods, Gi* and Local Moran: the whole result frames
    equal those computed with the original tails."""
    from hotspots.analysis import analyze
    from hotspots.ingest import datasets, load_boundaries, load_incidents
    from hotspots.stats import gistar, lisa

    try:
        path = datasets.toronto_incidents_path()
        boundaries = load_boundaries(datasets.toronto_boundaries_path())
    except Exception as error:  # the bundled files are part of the project, but be explicit
        pytest.skip(f"bundled Toronto data not available: {error}")
    table = load_incidents(path, timezone="America/Toronto", quiet=True).table

    def run() -> tuple[pd.DataFrame, pd.DataFrame]:
        exact._kept.clear()
        result = analyze(table, boundaries=boundaries, cell_size_m=250.0, quiet=True)
        assert result.areas is not None
        return pd.DataFrame(result.cells.drop(columns="geometry")), pd.DataFrame(
            result.areas.drop(columns="geometry")
        )

    fast_cells, fast_areas = run()
    monkeypatch.setattr(gistar, "neighbourhood_sum_tails", reference_tails)
    monkeypatch.setattr(lisa, "neighbourhood_sum_tails", reference_tails)
    slow_cells, slow_areas = run()
    assert fast_cells["gi_bin"].abs().sum() > 100  # a real map, with many significant cells
    pd.testing.assert_frame_equal(fast_cells, slow_cells, check_exact=True)
    pd.testing.assert_frame_equal(fast_areas, slow_areas, check_exact=True)


@pytest.mark.parametrize("own", [False, True])
def test_sums_no_draw_can_reach_get_exact_tails(own: bool) -> None:
    """Observed sums outside what the neighbourhood can hold (only from inconsistent input)
    get the exact tails 0 and 1, not a value read from elsewhere in the table."""
    x = np.array([0, 1, 5, 2, 3])
    tails = neighbourhood_sum_tails(
        x, sizes=[1, 1, 3, 2, 1], observed=[0, 6, 100, 4, 3], hold_own=own
    )
    assert tails.lower[1] == 1.0 and tails.upper[1] == 0.0  # above any single count
    assert tails.lower[2] == 1.0 and tails.upper[2] == 0.0  # via the undrawn units' sum
    assert 0.0 < tails.upper[3] < 1.0 and 0.0 < tails.lower[4] < 1.0  # ordinary sums
