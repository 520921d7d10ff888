"""Quartic kernel density: FFT on the grid against the exact sum, scikit-learn, sfhotspot's bandwidth."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import CRS
from sklearn.neighbors import KernelDensity

from hotspots.errors import InputError
from hotspots.spatial.grids import Grid, make_grid
from hotspots.stats.kde import (
    bandwidth_nrd_m,
    kde_exact,
    kde_grid,
    kde_points_on_grid,
    kernel_weight,
)

UTM17 = CRS.from_epsg(32617)
X0, Y0 = 620_000.0, 4_830_000.0


def _grid(cols: int = 25, rows: int = 20, size: float = 100.0) -> Grid:
    return make_grid(
        shapely.box(X0, Y0, X0 + cols * size, Y0 + rows * size), crs=UTM17, cell_size_m=size
    )


@pytest.mark.parametrize("bandwidth_m", [90.0, 150.0, 350.0, 1234.5])
def test_fft_on_the_grid_equals_the_exact_sum(bandwidth_m: float) -> None:
    grid = _grid()
    rng = np.random.default_rng(3)
    counts = rng.poisson(0.7, grid.n_cells).astype(float)
    centres = grid.centres()
    fft = kde_grid(grid, counts, bandwidth_m=bandwidth_m)
    exact = kde_exact(
        centres[:, 0], centres[:, 1], centres[:, 0], centres[:, 1],
        bandwidth_m=bandwidth_m, weights=counts,
    )  # fmt: skip
    assert exact.max() > 0
    np.testing.assert_allclose(fft, exact, rtol=1e-6, atol=exact.max() * 1e-9)
    assert np.all(fft >= 0)


def test_fft_handles_inactive_cells_like_empty_ones() -> None:
    area = shapely.Polygon([(X0, Y0), (X0 + 3000, Y0), (X0, Y0 + 2000)])
    grid = make_grid(area, crs=UTM17, cell_size_m=100.0)
    assert grid.n_cells < grid.n_rows * grid.n_cols
    counts = np.random.default_rng(4).poisson(1.0, grid.n_cells).astype(float)
    c = grid.centres()
    exact = kde_exact(c[:, 0], c[:, 1], c[:, 0], c[:, 1], bandwidth_m=260.0, weights=counts)
    np.testing.assert_allclose(kde_grid(grid, counts, bandwidth_m=260.0), exact, rtol=1e-6)


def test_binning_points_is_close_to_the_exact_density_for_a_wide_kernel() -> None:
    grid = _grid(size=50.0, cols=40, rows=40)
    rng = np.random.default_rng(5)
    x = rng.uniform(X0 + 500, X0 + 1500, 300)
    y = rng.uniform(Y0 + 500, Y0 + 1500, 300)
    binned, h = kde_points_on_grid(grid, x, y, bandwidth_m=600.0)
    c = grid.centres()
    exact = kde_exact(x, y, c[:, 0], c[:, 1], bandwidth_m=600.0)
    assert h == 600.0
    # Binning moves each point by at most half a diagonal (35 m) against a 600 m kernel.
    assert np.abs(binned - exact).max() < 0.1 * exact.max()


def test_quartic_kernel_integrates_to_one_and_vanishes_at_the_bandwidth() -> None:
    h, step = 200.0, 2.0
    axis = np.arange(-h, h + step, step)
    xx, yy = np.meshgrid(axis, axis)
    total = kernel_weight(np.hypot(xx, yy), h).sum() * step * step
    assert total == pytest.approx(1.0, rel=1e-3)
    assert kernel_weight(h, h) == 0.0
    assert kernel_weight(0.0, h) == pytest.approx(3.0 / (math.pi * h * h))


def test_epanechnikov_matches_scikit_learn_kernel_density() -> None:
    rng = np.random.default_rng(6)
    pts = rng.normal(0.0, 300.0, size=(200, 2))
    at = rng.normal(0.0, 300.0, size=(50, 2))
    ours = kde_exact(
        pts[:, 0], pts[:, 1], at[:, 0], at[:, 1], bandwidth_m=250.0, kernel="epanechnikov"
    )
    sk = KernelDensity(kernel="epanechnikov", bandwidth=250.0).fit(pts)
    with np.errstate(divide="ignore"):
        theirs = np.exp(sk.score_samples(at)) * len(pts)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-15)


def test_bandwidth_is_mass_bandwidth_nrd_averaged_over_x_and_y() -> None:
    x = np.arange(1.0, 11.0)
    # R: MASS::bandwidth.nrd(1:10) = 4 * 1.06 * min(sd, IQR/1.34) * 10^(-1/5)
    nrd_x = 4 * 1.06 * min(np.std(x, ddof=1), 4.5 / 1.34) * 10 ** (-0.2)
    assert nrd_x == pytest.approx(8.0998, abs=1e-3)
    assert bandwidth_nrd_m(x, 3 * x) == pytest.approx((nrd_x + 3 * nrd_x) / 2)


def test_bad_input_gets_clear_errors() -> None:
    grid = _grid()
    with pytest.raises(InputError, match="bandwidth_m"):
        kde_grid(grid, np.zeros(grid.n_cells), bandwidth_m=0.0)
    with pytest.raises(InputError, match="one value per active cell"):
        kde_grid(grid, np.zeros(3), bandwidth_m=100.0)
    hexes = make_grid(
        shapely.box(X0, Y0, X0 + 1000, Y0 + 1000), crs=UTM17, kind="hex", cell_size_m=100.0
    )
    with pytest.raises(InputError, match="square"):
        kde_grid(hexes, np.zeros(hexes.n_cells), bandwidth_m=300.0)
    with pytest.raises(InputError, match="one place"):
        bandwidth_nrd_m([1.0, 1.0, 1.0], [2.0, 2.0, 2.0])
