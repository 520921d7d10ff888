"""Statistical honesty on seeded synthetic data.

Two promises, checked by simulation rather than by formula:

1. **No hotspots from chance.** Under complete spatial randomness (uniform incidents, see
   :mod:`hotspots.ingest.synthetic`) the share of maps that show *any* hot cell after the
   Benjamini–Hochberg correction stays at about alpha. Over ``RUNS`` independent seeded
   maps that share is a binomial proportion, so we allow
   ``alpha + 3 * sqrt(alpha * (1 - alpha) / RUNS)`` (0.05 + 0.038 for 300 runs): a
   calibrated method fails this less than once in 700 seed sets.
2. **Real clusters are found.** Discs of known size and intensity are planted on top of the
   background; at cell level (truth = cells whose centre lies in a disc) Gi* and LISA
   High-High must reach the recall and precision stated in each test, on every seed.

The counts are realistic for a busy area: about 10 incidents per 100 m cell (90 per queen
neighbourhood). Sparser counts make Gi*'s normal p-values too optimistic on the hot side;
that case is measured here too (``inference="normal"``, which adds a note); the exact default
is checked at sparse rates in tests/stats/test_exact_inference.py.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass

import esda
import numpy as np
import pytest
import shapely
from libpysal.weights import WSP
from pyproj import CRS
from scipy.ndimage import binary_dilation

from hotspots.ingest.synthetic import PlantedHotspot, in_planted, synthetic_incidents
from hotspots.spatial.grids import Grid, GridKind, make_grid
from hotspots.stats.gistar import Inference, gi_star
from hotspots.stats.lisa import local_moran
from hotspots.stats.weights import grid_contiguity

ALPHA = 0.05
RUNS = 300


def tolerance(runs: int, alpha: float = ALPHA) -> float:
    """Three binomial standard errors of a proportion alpha estimated from ``runs`` runs."""
    return 3.0 * math.sqrt(alpha * (1.0 - alpha) / runs)


UTM17 = CRS.from_epsg(32617)
X0, Y0 = 620_000.0, 4_830_000.0
CELL_M = 100.0


@pytest.fixture(autouse=True)
def _quiet_logs() -> Iterator[None]:
    """Thousands of runs would log thousands of lines."""
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def study_grid(
    extent: tuple[float, float, float, float], kind: GridKind, *, inset_m: float = 0.0
) -> Grid:
    """Grid over ``extent`` shrunk by ``inset_m``, so that every active cell lies wholly
    inside the extent the incidents are drawn from (hexagons at the edge would otherwise
    be partly outside and look cold)."""
    area = (
        shapely.box(*extent).buffer(-inset_m, join_style="mitre")
        if inset_m
        else shapely.box(*extent)
    )
    return make_grid(area, crs=UTM17, kind=kind, cell_size_m=CELL_M, quiet=True)


def cell_counts(
    grid: Grid, extent: tuple[float, float, float, float], n: int, seed: int, **kwargs: object
) -> np.ndarray:
    """Incidents from :func:`synthetic_incidents` counted per active cell (ascending cell id)."""
    data = synthetic_incidents(n, extent_m=extent, rng=seed, **kwargs)  # type: ignore[arg-type]
    xy = shapely.get_coordinates(data.incidents.geometry.values)
    ids = grid.locate(xy[:, 0], xy[:, 1])
    full = np.bincount(ids[ids >= 0], minlength=grid.n_rows * grid.n_cols)
    return full[grid.cell_ids].astype(np.float64)


@dataclass(frozen=True)
class NullRuns:
    any_hot: float  # share of maps with >= 1 hot cell after FDR
    any_significant: float  # ... hot or cold
    any_raw: float  # share of maps with >= 1 significant cell without correction
    raw_cell_rate: float  # share of cells significant without correction, over all maps
    noted: float  # share of maps whose result carries a note


def simulate_null(
    kind: GridKind,
    runs: int,
    n: int,
    extent: tuple[float, float, float, float],
    inset_m: float,
    inference: Inference = "exact",
) -> NullRuns:
    grid = study_grid(extent, kind, inset_m=inset_m)
    neighbours = grid_contiguity(grid)
    any_hot = any_sig = any_raw = noted = 0
    raw_cells = 0
    for seed in range(runs):
        y = cell_counts(grid, extent, n, seed=10_000 + seed)
        corrected = gi_star(y, neighbours, alpha=ALPHA, inference=inference)
        raw = gi_star(y, neighbours, alpha=ALPHA, fdr=False, inference=inference)
        any_hot += bool(corrected.hot.any())
        any_sig += bool(corrected.significant.any())
        any_raw += bool(raw.significant.any())
        raw_cells += int(raw.significant.sum())
        noted += corrected.note is not None
    return NullRuns(
        any_hot / runs,
        any_sig / runs,
        any_raw / runs,
        raw_cells / (runs * neighbours.n),
        noted / runs,
    )


SQUARE_EXTENT = (X0, Y0, X0 + 3_000, Y0 + 3_000)  # 30 x 30 cells
HEX_EXTENT = (X0, Y0, X0 + 2_900, Y0 + 2_500)  # 743 hexagons after the inset


@pytest.fixture(scope="module")
def square_null() -> NullRuns:
    # 9,000 incidents on 900 cells: 10 per cell, 90 per queen neighbourhood.
    return simulate_null("square", RUNS, 9_000, SQUARE_EXTENT, inset_m=0.0)


def test_csr_square_grid_any_hot_cell_after_fdr_stays_at_alpha(square_null: NullRuns) -> None:
    """Share of CSR maps with any hot cell after BH at 0.05 <= 0.05 + 3 SE (0.088, 300 runs)."""
    assert square_null.any_hot <= ALPHA + tolerance(RUNS)
    assert square_null.any_significant <= ALPHA + tolerance(RUNS)
    assert square_null.noted == 0.0  # dense enough: no sparse-count caveat


def test_csr_without_fdr_every_map_has_false_hotspots_at_the_nominal_cell_rate(
    square_null: NullRuns,
) -> None:
    """Why FDR matters: uncorrected, ~5% of cells (45 of 900) are flagged on nearly every
    map. The per-cell rate itself is calibrated: within 0.01 of alpha (~270,000 tests)."""
    assert square_null.any_raw >= 0.95
    assert abs(square_null.raw_cell_rate - ALPHA) <= 0.01


def test_csr_hex_grid_any_hot_cell_after_fdr_stays_at_alpha() -> None:
    """Hexagons (6 neighbours + self), about 12 incidents per cell, 200 runs:
    share of maps with any significant cell <= 0.05 + 3 SE (0.096)."""
    runs = 200
    result = simulate_null("hex", runs, 11_000, HEX_EXTENT, inset_m=120.0)
    assert result.any_hot <= ALPHA + tolerance(runs)
    assert result.any_significant <= ALPHA + tolerance(runs)
    assert abs(result.raw_cell_rate - ALPHA) <= 0.01


def test_sparse_counts_have_too_many_false_hotspots_and_are_flagged() -> None:
    """(inference="normal"; the exact default does not have this problem, see
    tests/stats/test_exact_inference.py.) The known limit of the normal approximation: at 1 incident per cell (9 per
    neighbourhood) about one CSR map in five shows a false hot cell after FDR. We check
    that the excess is real (> alpha + 3 SE over 100 runs, so the note is justified) and
    that every such result carries the sparse-count note."""
    runs = 100
    result = simulate_null("square", runs, 900, SQUARE_EXTENT, inset_m=0.0, inference="normal")
    assert result.any_hot > ALPHA + tolerance(runs)
    assert result.noted == 1.0


# -- planted clusters ---------------------------------------------------------------------------

PLANTED_EXTENT = (X0, Y0, X0 + 4_000, Y0 + 4_000)  # 40 x 40 cells
#: Two discs of 300 m (about 28 cells each), each with 3% of 10,000 incidents: roughly
#: 6 background + 11 planted incidents per cell inside, 6 outside.
PLANTED = (
    PlantedHotspot(x=X0 + 1_000, y=Y0 + 1_200, radius_m=300.0, share=0.03),
    PlantedHotspot(x=X0 + 2_900, y=Y0 + 2_700, radius_m=300.0, share=0.03),
)


@pytest.fixture(scope="module")
def planted_setting() -> tuple[Grid, np.ndarray, np.ndarray]:
    grid = study_grid(PLANTED_EXTENT, "square")
    centres = grid.centres()
    truth = in_planted(centres[:, 0], centres[:, 1], PLANTED)
    near = binary_dilation(
        grid.to_array(truth.astype(float)) > 0, structure=np.ones((3, 3), dtype=bool)
    )
    return grid, truth, near.ravel()[grid.cell_ids]


@pytest.mark.parametrize("seed", range(6))
def test_gi_star_finds_planted_clusters(
    seed: int, planted_setting: tuple[Grid, np.ndarray, np.ndarray]
) -> None:
    """Cell level, every seed: recall >= 0.80 (truth cells flagged hot), precision >= 0.80
    (hot cells that are truth cells; Gi* smooths over the queen neighbourhood, so cells
    touching a disc may be flagged), and no hot cell farther than one cell from a disc."""
    grid, truth, near = planted_setting
    y = cell_counts(grid, PLANTED_EXTENT, 10_000, seed=seed, hotspots=PLANTED)
    hot = gi_star(y, grid_contiguity(grid), alpha=ALPHA).hot
    # Exact p-values are honest on the hot side where the normal ones were too small, so
    # recall of these moderate discs (17 vs 6 per cell) is 0.81-0.9 by seed (0.85-0.9 normal).
    assert hot[truth].mean() >= 0.80
    assert truth[hot].mean() >= 0.80
    assert near[hot].all()


@pytest.mark.parametrize("seed", range(3))
def test_lisa_finds_planted_clusters_as_high_high(
    seed: int, planted_setting: tuple[Grid, np.ndarray, np.ndarray]
) -> None:
    """Cell level, every seed, 999 permutations, FDR 0.05: High-High recall >= 0.60 (disc
    edge cells have half their neighbours outside, so LISA misses some), precision >= 0.90."""
    grid, truth, near = planted_setting
    y = cell_counts(grid, PLANTED_EXTENT, 10_000, seed=seed, hotspots=PLANTED)
    result = local_moran(y, grid_contiguity(grid), permutations=999, alpha=ALPHA, rng=seed)
    high_high = result.significant & (result.quadrant == 1)
    assert high_high[truth].mean() >= 0.60
    assert truth[high_high].mean() >= 0.90
    assert near[high_high].all()


@pytest.mark.filterwarnings(
    "ignore:The alternative hypothesis for conditional randomization:DeprecationWarning"
)
def test_lisa_permutation_p_values_are_calibrated_under_the_null() -> None:
    """Continuous values placed at random on a 30 x 30 grid, 20 maps, 999 permutations.

    Our p is two-sided, so under the null P(p <= 0.05) is about 0.05 (esda's folded p_sim
    would be about 0.10); over 18,000 cell tests (correlated within a map) we allow
    0.05 ± 0.015, and esda's p_sim doubled must agree within 0.015. After FDR
    the share of maps with any High-High cell stays <= 0.05 + 3 SE (20 runs: 0.196)."""
    grid = study_grid(SQUARE_EXTENT, "square")
    neighbours = grid_contiguity(grid)
    w = WSP(neighbours.to_sparse()).to_W(silence_warnings=True)
    runs = 20
    ours_small = esda_small = 0
    maps_with_high_high = 0
    for seed in range(runs):
        y = np.random.default_rng(seed).lognormal(1.0, 0.7, neighbours.n)
        result = local_moran(y, neighbours, permutations=999, rng=seed, inference="permutation")
        ours_small += int(np.count_nonzero(result.p <= ALPHA))
        maps_with_high_high += bool((result.significant & (result.quadrant == 1)).any())
        reference = esda.Moran_Local(y, w, transformation="r", permutations=999, seed=seed)
        esda_small += int(np.count_nonzero(np.minimum(1.0, 2.0 * reference.p_sim) <= ALPHA))
    tests = runs * neighbours.n
    assert abs(ours_small / tests - ALPHA) <= 0.015
    assert abs(ours_small / tests - esda_small / tests) <= 0.015
    assert maps_with_high_high / runs <= ALPHA + tolerance(runs)
