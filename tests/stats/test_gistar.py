"""Gi*: equality with esda's G_Local (binary weights, self included) and its edge cases."""

from __future__ import annotations

import dataclasses
import logging

import esda
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from libpysal.weights import WSP, DistanceBand, Queen, W, lat2W
from pyproj import CRS

from hotspots.errors import EmptyDataError, InputError
from hotspots.spatial.grids import Grid, GridKind, make_grid
from hotspots.stats.gistar import GISTAR_COLUMNS, GiStar, gi_star
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

# Tolerance for "equal to esda": both are a handful of floating-point operations.
ATOL = 1e-9


def box_cells(cols: int, rows: int) -> shapely.Geometry:
    """A study area exactly ``cols`` x ``rows`` cells of CELL_M (square grids)."""
    return shapely.box(X0, Y0, X0 + cols * CELL_M, Y0 + rows * CELL_M)


TRIANGLE = shapely.Polygon([(X0, Y0), (X0 + 3_000, Y0), (X0, Y0 + 2_400)])
L_SHAPE = shapely.Polygon(
    [
        (X0, Y0),
        (X0 + 2_500, Y0),
        (X0 + 2_500, Y0 + 800),
        (X0 + 900, Y0 + 800),
        (X0 + 900, Y0 + 2_000),
        (X0, Y0 + 2_000),
    ]
)
AREAS = {"7x5": box_cells(7, 5), "40x23": box_cells(40, 23), "triangle": TRIANGLE, "L": L_SHAPE}


def libpysal_w(neighbours: Neighbours) -> W:
    """A libpysal W built from our neighbour matrix."""
    return WSP(neighbours.to_sparse()).to_W(silence_warnings=True)


def esda_gi_star(y: np.ndarray, w: W) -> np.ndarray:
    """The reference: esda's G_Local with binary weights and the self weight (star)."""
    return np.asarray(esda.G_Local(y, w, transform="B", star=True, permutations=0).Zs)


def counts(n: int, seed: int, mean: float = 4.0) -> np.ndarray:
    return np.random.default_rng(seed).poisson(mean, n).astype(np.float64)


def grid_for(area: str, kind: GridKind) -> Grid:
    return make_grid(AREAS[area], crs=UTM17, kind=kind, cell_size_m=CELL_M, quiet=True)


# -- equality with esda --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["square", "hex"])
@pytest.mark.parametrize("area", list(AREAS))
def test_grid_gi_star_equals_esda(area: str, kind: GridKind) -> None:
    grid = grid_for(area, kind)
    neighbours = grid_contiguity(grid)
    assert neighbours.n >= 30
    y = counts(neighbours.n, seed=len(area))
    ours = gi_star(y, neighbours)
    np.testing.assert_allclose(ours.z, esda_gi_star(y, libpysal_w(neighbours)), rtol=0, atol=ATOL)
    assert np.isfinite(ours.z).all()


@pytest.mark.parametrize(("cols", "rows"), [(7, 5), (40, 23)])
def test_full_square_grid_equals_esda_on_libpysal_own_queen_lattice(cols: int, rows: int) -> None:
    """Weights built by libpysal itself (lat2W, queen), not from our neighbour matrix."""
    grid = make_grid(box_cells(cols, rows), crs=UTM17, cell_size_m=CELL_M, quiet=True)
    assert grid.shape == (rows, cols) and grid.active.all()
    y = counts(grid.n_cells, seed=cols)
    # lat2W numbers cells row by row like our cell ids (id = row * n_cols + col).
    w = lat2W(rows, cols, rook=False)
    np.testing.assert_allclose(
        gi_star(y, grid_contiguity(grid)).z, esda_gi_star(y, w), rtol=0, atol=ATOL
    )


def test_masked_square_grid_equals_esda_on_libpysal_queen_of_the_cell_polygons() -> None:
    grid = grid_for("triangle", "square")
    y = counts(grid.n_cells, seed=11)
    w = Queen.from_iterable(list(grid.polygons()), silence_warnings=True)
    np.testing.assert_allclose(
        gi_star(y, grid_contiguity(grid)).z, esda_gi_star(y, w), rtol=0, atol=ATOL
    )


def test_masked_hex_grid_equals_esda_on_libpysal_distance_band_of_the_centres() -> None:
    """Hexagon edge neighbours are the centres exactly one cell size apart."""
    grid = grid_for("L", "hex")
    y = counts(grid.n_cells, seed=12)
    w = DistanceBand(grid.centres(), threshold=CELL_M * 1.01, binary=True, silence_warnings=True)
    np.testing.assert_allclose(
        gi_star(y, grid_contiguity(grid)).z, esda_gi_star(y, w), rtol=0, atol=ATOL
    )


def test_distance_band_equals_esda_with_libpysal_distance_band() -> None:
    rng = np.random.default_rng(5)
    centres = np.column_stack([rng.uniform(X0, X0 + 5_000, 400), rng.uniform(Y0, Y0 + 4_000, 400)])
    neighbours = distance_band(centres, radius_m=500.0)
    y = counts(400, seed=6, mean=2.5)
    ours = gi_star(y, neighbours, weights_label="distance band 500 m")
    assert ours.weights == "distance band 500 m"
    np.testing.assert_allclose(ours.z, esda_gi_star(y, libpysal_w(neighbours)), rtol=0, atol=ATOL)
    independent = DistanceBand(centres, threshold=500.0, binary=True, silence_warnings=True)
    np.testing.assert_allclose(ours.z, esda_gi_star(y, independent), rtol=0, atol=ATOL)


def test_distance_band_of_cell_size_sqrt2_equals_queen() -> None:
    """sfhotspot's default band (cell size × √2) is queen contiguity."""
    grid = grid_for("triangle", "square")
    y = counts(grid.n_cells, seed=13)
    band = distance_band(grid.centres(), radius_m=CELL_M * np.sqrt(2))
    np.testing.assert_allclose(
        gi_star(y, band).z, gi_star(y, grid_contiguity(grid)).z, rtol=0, atol=1e-12
    )


def test_polygon_contiguity_equals_esda_with_libpysal_queen() -> None:
    rng = np.random.default_rng(8)
    seeds = rng.uniform(0, 5_000, (150, 2))
    frame = shapely.box(0, 0, 5_000, 5_000)
    cells = np.asarray(
        shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame))
    )
    cells = shapely.intersection(cells, frame)
    neighbours = polygon_contiguity(cells)
    y = counts(cells.size, seed=9, mean=6.0)
    ours = gi_star(y, neighbours)
    np.testing.assert_allclose(ours.z, esda_gi_star(y, libpysal_w(neighbours)), rtol=0, atol=ATOL)
    independent = Queen.from_iterable(list(cells), silence_warnings=True)
    np.testing.assert_allclose(ours.z, esda_gi_star(y, independent), rtol=0, atol=ATOL)


def test_negative_values_equal_esda_while_the_mean_is_positive() -> None:
    grid = grid_for("40x23", "square")
    neighbours = grid_contiguity(grid)
    y = np.random.default_rng(4).normal(2.0, 3.0, neighbours.n)  # about 25% negative
    assert (y < 0).any() and y.mean() > 0
    np.testing.assert_allclose(
        gi_star(y, neighbours, inference="normal").z,
        esda_gi_star(y, libpysal_w(neighbours)),
        rtol=0,
        atol=ATOL,
    )


def test_negative_mean_follows_the_textbook_formula_where_esda_flips_the_sign() -> None:
    """esda computes G = Σ w x / Σ x, so a negative total flips its z-scores; the textbook
    Gi* (and ours) stays positive where high values cluster."""
    grid = grid_for("7x5", "square")
    neighbours = grid_contiguity(grid)
    y = np.random.default_rng(4).normal(-3.0, 2.0, neighbours.n)
    ours = gi_star(y, neighbours, inference="normal").z
    n, w = neighbours.n, neighbours.cardinality(include_self=True)
    s = np.sqrt((y**2).mean() - y.mean() ** 2)
    textbook = (neighbours.lag(y, include_self=True) - y.mean() * w) / (
        s * np.sqrt((n * w - w**2) / (n - 1))
    )
    np.testing.assert_allclose(ours, textbook, rtol=0, atol=ATOL)
    np.testing.assert_allclose(ours, -esda_gi_star(y, libpysal_w(neighbours)), rtol=0, atol=ATOL)


# -- the two pitfalls give different numbers ----------------------------------------------------


def test_pitfall_row_standardised_weights_give_different_numbers() -> None:
    grid = grid_for("triangle", "square")  # edge cells have fewer neighbours
    neighbours = grid_contiguity(grid)
    y = counts(neighbours.n, seed=21)
    w = libpysal_w(neighbours)
    with pytest.warns(UserWarning, match="Gi\\* requested, but"):  # esda guesses a self weight
        row_standardised = esda.G_Local(y, w, transform="R", star=True, permutations=0).Zs
    assert np.abs(row_standardised - gi_star(y, neighbours).z).max() > 0.1


def test_pitfall_forgetting_the_self_weight_gives_different_numbers() -> None:
    grid = grid_for("triangle", "square")
    neighbours = grid_contiguity(grid)
    y = counts(neighbours.n, seed=22)
    without_self = esda.G_Local(
        y, libpysal_w(neighbours), transform="B", star=False, permutations=0
    ).Zs
    assert np.abs(without_self - gi_star(y, neighbours).z).max() > 0.1


def test_esda_star_uses_a_self_weight_of_one_for_binary_weights() -> None:
    """What we rely on: esda fills the diagonal with 1 (our w_ii = 1), so passing the
    self weight explicitly gives the same numbers."""
    grid = grid_for("7x5", "hex")
    neighbours = grid_contiguity(grid)
    y = counts(neighbours.n, seed=23)
    with_diagonal = WSP(neighbours.to_sparse() + sp.identity(neighbours.n, format="csr")).to_W(
        silence_warnings=True
    )
    explicit = esda.G_Local(y, with_diagonal, transform="B", star=None, permutations=0).Zs
    np.testing.assert_allclose(gi_star(y, neighbours).z, explicit, rtol=0, atol=ATOL)


# -- a value computed by hand --------------------------------------------------------------------


def test_gi_star_by_hand_on_a_path_of_five_units() -> None:
    # Path 0-1-2-3-4; unit 2 with itself: W = 3, sum = 2 + 9 + 3 = 14.
    pairs = sp.csr_matrix(
        (np.ones(8), ([0, 1, 1, 2, 2, 3, 3, 4], [1, 0, 2, 1, 3, 2, 4, 3])), shape=(5, 5)
    )
    x = np.array([1.0, 2.0, 9.0, 3.0, 0.0])
    n, mean = 5, 3.0
    s = np.sqrt((x**2).mean() - mean**2)  # sqrt(95/5 - 9) = sqrt(10)
    expected = (14 - mean * 3) / (s * np.sqrt((n * 3 - 3**2) / (n - 1)))
    result = gi_star(x, SparseNeighbours(pairs))
    assert result.z[2] == pytest.approx(expected, rel=1e-12)


# -- invariances (hypothesis) --------------------------------------------------------------------

GRID_7x5 = grid_for("7x5", "square")
NEIGHBOURS_7x5 = grid_contiguity(GRID_7x5)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shift=st.floats(-1e4, 1e4, allow_nan=False),
    scale=st.floats(1e-3, 1e3, allow_nan=False),
)
def test_gi_star_is_invariant_to_adding_a_constant_and_positive_scaling(
    seed: int, shift: float, scale: float
) -> None:
    y = counts(NEIGHBOURS_7x5.n, seed=seed % 2**32)
    if np.ptp(y) == 0:
        return

    def z(values: np.ndarray) -> np.ndarray:
        return gi_star(values, NEIGHBOURS_7x5, inference="normal").z

    base = z(y)
    np.testing.assert_allclose(gi_star(y, NEIGHBOURS_7x5).z, base, rtol=0, atol=0)
    np.testing.assert_allclose(z(y + shift), base, rtol=0, atol=1e-8)
    np.testing.assert_allclose(z(y * scale), base, rtol=0, atol=1e-8)
    np.testing.assert_allclose(z(-y), -base, rtol=0, atol=1e-12)


# -- results, metadata and edge cases ------------------------------------------------------------


def test_result_carries_parameters_and_consistent_significance() -> None:
    grid = grid_for("40x23", "square")
    neighbours = grid_contiguity(grid)
    y = counts(neighbours.n, seed=31, mean=6.0)
    centres = grid.centres()
    hot = np.hypot(centres[:, 0] - (X0 + 2_000), centres[:, 1] - (Y0 + 1_100)) < 250
    y[hot] += 10
    result = gi_star(y, neighbours, alpha=0.05)
    assert (result.alpha, result.fdr, result.n) == (0.05, True, neighbours.n)
    assert result.weights == "queen contiguity (square grid, 100 m cells)"
    assert result.note is None
    assert result.hot.sum() > 0
    np.testing.assert_array_equal(result.significant, np.abs(result.bin) >= 2)
    np.testing.assert_array_equal(result.significant, result.hot | result.cold)
    assert (np.sign(result.bin) == np.sign(result.z))[result.bin != 0].all()
    assert (result.p_fdr >= result.p).all()
    hex_result = gi_star(
        counts(grid_for("7x5", "hex").n_cells, 1), grid_contiguity(grid_for("7x5", "hex"))
    )
    assert hex_result.weights == "edge contiguity (hex grid, 100 m cells)"


def test_without_fdr_p_fdr_is_p_and_more_cells_are_flagged() -> None:
    grid = grid_for("40x23", "hex")
    neighbours = grid_contiguity(grid)
    y = counts(neighbours.n, seed=32)
    raw = gi_star(y, neighbours, fdr=False)
    corrected = gi_star(y, neighbours)
    np.testing.assert_array_equal(raw.p_fdr, raw.p)
    np.testing.assert_array_equal(raw.to_frame()["gi_p_fdr"], raw.to_frame()["gi_p"])
    assert raw.significant.sum() >= corrected.significant.sum()


def test_to_frame_has_exactly_the_documented_columns() -> None:
    grid = grid_for("7x5", "square")
    neighbours = grid_contiguity(grid)
    result = gi_star(counts(neighbours.n, seed=3), neighbours)
    frame = result.to_frame()
    assert tuple(frame.columns) == GISTAR_COLUMNS == ("gi_z", "gi_p", "gi_p_fdr", "gi_bin")
    assert frame["gi_bin"].dtype == np.int8
    assert (frame.dtypes.iloc[:3] == np.float64).all()
    pd.testing.assert_index_equal(frame.index, pd.RangeIndex(neighbours.n))
    labelled = result.to_frame(index=pd.Index(grid.cell_ids, name="cell_id"))
    assert labelled.index.name == "cell_id"
    np.testing.assert_array_equal(labelled.index, grid.cell_ids)
    with pytest.raises(InputError, match="index has 3 labels"):
        result.to_frame(index=[1, 2, 3])


def test_result_is_immutable() -> None:
    neighbours = grid_contiguity(grid_for("7x5", "square"))
    result = gi_star(counts(neighbours.n, seed=3), neighbours)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.alpha = 0.1  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        result.z[0] = 99.0
    assert isinstance(result, GiStar)


def test_constant_values_give_zero_scores_and_a_note(caplog: pytest.LogCaptureFixture) -> None:
    neighbours = grid_contiguity(grid_for("7x5", "square"))
    with caplog.at_level(logging.WARNING, logger="hotspots.stats.gistar"):
        result = gi_star(np.full(neighbours.n, 3.0), neighbours)
    assert (result.z == 0).all() and (result.p == 1).all() and (result.bin == 0).all()
    assert not result.significant.any()
    assert result.note is not None and "no variance" in result.note
    assert "no variance" in caplog.text


def test_sparse_counts_get_a_note_and_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    """Below 40 incidents per neighbourhood the normal p-values are too optimistic on the
    hot side (measured in tests/test_statistical_honesty.py): the result says so. Exact
    p-values (the default) are valid at any density: no note."""
    neighbours = grid_contiguity(grid_for("40x23", "square"))

    def normal(values: np.ndarray) -> GiStar:
        return gi_star(values, neighbours, inference="normal")

    with caplog.at_level(logging.WARNING, logger="hotspots.stats.gistar"):
        sparse = normal(counts(neighbours.n, seed=1, mean=1.0))
    assert sparse.note is not None and "Counts are sparse" in sparse.note
    assert "Counts are sparse" in caplog.text
    assert gi_star(counts(neighbours.n, seed=1, mean=1.0), neighbours).note is None
    assert normal(counts(neighbours.n, seed=1, mean=6.0)).note is None
    # Rates (not whole numbers) and values with negatives are not counts: no such note.
    assert normal(counts(neighbours.n, seed=1, mean=1.0) / 1_000).note is None
    assert normal(counts(neighbours.n, seed=1, mean=1.0) - 0.5).note is None


def test_fewer_than_30_units_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    neighbours = grid_contiguity(
        make_grid(box_cells(5, 4), crs=UTM17, cell_size_m=CELL_M, quiet=True)
    )
    assert neighbours.n == 20
    y = counts(20, seed=2)
    with caplog.at_level(logging.WARNING, logger="hotspots.stats.gistar"):
        result = gi_star(y, neighbours)
    assert "at least 30" in caplog.text
    np.testing.assert_allclose(result.z, esda_gi_star(y, libpysal_w(neighbours)), rtol=0, atol=ATOL)


def test_unit_neighbouring_everything_gets_zero_not_nan() -> None:
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0], [500.0, 0.0]])
    neighbours = distance_band(centres, radius_m=15.0)
    values = np.array([1.5, 5.0, 2.0, 0.0])
    result = gi_star(values, neighbours, inference="normal")
    assert np.isfinite(result.z).all() and result.note is None
    everything = distance_band(centres, radius_m=1_000.0)
    for inference, data in (("normal", values), ("exact", np.array([1.0, 5.0, 2.0, 0.0]))):
        result = gi_star(data, everything, inference=inference)  # type: ignore[arg-type]
        assert (result.z == 0).all() and (result.p == 1).all()
        assert result.note is not None and "every unit as a neighbour" in result.note


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (np.array([1.0, np.nan] + [1.0] * 33), "NaN or infinite"),
        (np.array([1.0, np.inf] + [1.0] * 33), "NaN or infinite"),
        (np.ones(34), "shape"),
        (np.ones((5, 7)), "shape"),
        (["a"] * 35, "cannot be read as numbers"),
    ],
)
def test_bad_values_raise_input_errors(values: object, message: str) -> None:
    neighbours = grid_contiguity(grid_for("7x5", "square"))
    with pytest.raises(InputError, match=message):
        gi_star(values, neighbours)  # type: ignore[arg-type]


def test_exact_needs_counts_and_names_the_alternative() -> None:
    neighbours = grid_contiguity(grid_for("7x5", "square"))
    with pytest.raises(InputError, match='inference="normal"'):
        gi_star(np.full(neighbours.n, 2.5), neighbours)
    with pytest.raises(InputError, match="inference="):
        gi_star(np.ones(neighbours.n), neighbours, inference="poisson")  # type: ignore[arg-type]


def test_bad_alpha_and_empty_input_raise() -> None:
    neighbours = grid_contiguity(grid_for("7x5", "square"))
    with pytest.raises(InputError, match="alpha="):
        gi_star(np.ones(neighbours.n), neighbours, alpha=5)
    empty = SparseNeighbours(sp.csr_matrix((0, 0)))
    with pytest.raises(EmptyDataError):
        gi_star(np.array([]), empty)
