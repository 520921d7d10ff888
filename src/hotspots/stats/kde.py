"""Kernel density on a grid: quartic (biweight) kernel, binned + FFT convolution.

The quartic kernel of bandwidth ``h`` (a radius, in metres) is

    K(d) = 3 / (π h²) · (1 − d²/h²)²   for d < h, else 0,

which integrates to 1 over the plane, so a density built from counts is in incidents per
square metre and density × cell area is an expected count per cell. On a square grid the
incidents are binned to their cells (each counts at its cell centre) and the binned counts
are convolved with the kernel sampled at the cell offsets, by FFT (:func:`kde_grid`). The
exact sum over points (:func:`kde_exact`) is the test oracle: on binned data both agree to
floating-point round-off.

The default bandwidth is sfhotspot's (:func:`bandwidth_nrd_m`, MASS ``bandwidth.nrd`` per
axis, averaged over x and y — sfhotspot 1.0.0 ignores y by mistake).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.signal import fftconvolve

from hotspots.errors import InputError, invalid, positive_number
from hotspots.spatial.grids import Grid

Kernel = Literal["quartic", "epanechnikov"]
KERNELS: tuple[Kernel, ...] = ("quartic", "epanechnikov")

#: FFT round-off below this fraction of the largest value is set to exactly 0.
_ROUND_OFF = 1e-12


def kernel_weight(
    distance_m: ArrayLike, bandwidth_m: float, kernel: Kernel = "quartic"
) -> NDArray[np.float64]:
    """Kernel value (per square metre) at ``distance_m`` from a point, in two dimensions.

    ``"quartic"``: 3/(π h²) (1 − d²/h²)²; ``"epanechnikov"``: 2/(π h²) (1 − d²/h²) (the
    kernel scikit-learn's ``KernelDensity`` uses, for cross-checks); both 0 for d ≥ h.
    """
    h = _check_bandwidth(bandwidth_m)
    if kernel not in KERNELS:
        raise invalid("kernel", kernel, KERNELS)
    u2 = (np.asarray(distance_m, dtype=np.float64) / h) ** 2
    inside = np.clip(1.0 - u2, 0.0, None)
    if kernel == "quartic":
        return 3.0 / (math.pi * h * h) * inside**2
    return 2.0 / (math.pi * h * h) * inside


def bandwidth_nrd_m(x: ArrayLike, y: ArrayLike) -> float:
    """sfhotspot's default bandwidth in metres: MASS ``bandwidth.nrd`` per axis, averaged.

    Per axis ``4 × 1.06 × min(sd, IQR / 1.34) × n^(−1/5)`` (``sd`` with ``n − 1``), the
    mean of the x and y values. Coordinates must be in metres.
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.size < 2 or xs.size != ys.size:
        raise InputError(
            f"A bandwidth needs at least 2 points with x and y (got {xs.size} x and {ys.size} y); "
            "pass bandwidth_m= explicitly for tiny data."
        )
    per_axis = [_nrd(values) for values in (xs, ys)]
    h = float(np.mean(per_axis))
    if not (np.isfinite(h) and h > 0):
        raise InputError(
            "The points do not spread out (all at one place), so no bandwidth can be chosen "
            "from them; pass bandwidth_m= explicitly."
        )
    return h


def _nrd(values: NDArray[np.float64]) -> float:
    q25, q75 = np.quantile(values, [0.25, 0.75])
    spread = min(float(np.std(values, ddof=1)), float(q75 - q25) / 1.34)
    return 4.0 * 1.06 * spread * values.size ** (-0.2)


def kde_exact(
    x: ArrayLike,
    y: ArrayLike,
    at_x: ArrayLike,
    at_y: ArrayLike,
    *,
    bandwidth_m: float,
    weights: ArrayLike | None = None,
    kernel: Kernel = "quartic",
) -> NDArray[np.float64]:
    """Density (weighted incidents per m²) at the points (``at_x``, ``at_y``), summed exactly.

    Brute force over every pair (memory ``len(x) × len(at_x)``): the oracle for small data.
    """
    px = np.asarray(x, dtype=np.float64)
    py = np.asarray(y, dtype=np.float64)
    w = np.ones_like(px) if weights is None else np.asarray(weights, dtype=np.float64)
    qx = np.asarray(at_x, dtype=np.float64)
    qy = np.asarray(at_y, dtype=np.float64)
    d = np.hypot(qx[:, None] - px[None, :], qy[:, None] - py[None, :])
    return np.asarray(kernel_weight(d, bandwidth_m, kernel) @ w, dtype=np.float64)


def kde_grid(
    grid: Grid,
    counts: ArrayLike,
    *,
    bandwidth_m: float,
    kernel: Kernel = "quartic",
) -> NDArray[np.float64]:
    """Density (incidents per m²) at the centres of the active cells of a square ``grid``.

    Parameters
    ----------
    grid : Grid
        A square grid (hexagonal rows are offset, so they do not form a convolution lattice).
    counts : array of shape (grid.n_cells,)
        Incidents (or weights) per active cell, in the order of ``grid.cell_ids``; each
        counts at its cell centre.
    bandwidth_m : float
        Kernel radius in metres.

    Returns
    -------
    ndarray of shape (grid.n_cells,)
        Equal (to round-off) to :func:`kde_exact` of the binned points at the cell centres.
    """
    if grid.kind != "square":
        raise invalid(
            "grid", grid.kind, "a square grid", "Kernel density on the grid needs square cells."
        )
    h = _check_bandwidth(bandwidth_m)
    values = np.asarray(counts, dtype=np.float64)
    if values.shape != (grid.n_cells,):
        raise InputError(
            f"counts has shape {values.shape}; it needs one value per active cell "
            f"({grid.n_cells},) in the order of grid.cell_ids."
        )
    reach = math.ceil(h / grid.cell_size_m)
    offsets = np.arange(-reach, reach + 1, dtype=np.float64) * grid.cell_size_m
    kernel_array = kernel_weight(np.hypot(*np.meshgrid(offsets, offsets)), h, kernel)
    surface = fftconvolve(grid.to_array(values), kernel_array, mode="same")
    density = surface.ravel()[grid.cell_ids]
    # FFT round-off leaves ±1e-17-sized values where the exact sum is 0.
    scale = float(np.abs(density).max()) if density.size else 0.0
    density[density < scale * _ROUND_OFF] = 0.0
    return np.asarray(density, dtype=np.float64)


def kde_points_on_grid(
    grid: Grid,
    x: ArrayLike,
    y: ArrayLike,
    *,
    bandwidth_m: float | None = None,
    weights: ArrayLike | None = None,
    kernel: Kernel = "quartic",
) -> tuple[NDArray[np.float64], float]:
    """Bin points to ``grid`` and return (density per m² at the active cells, bandwidth in m).

    ``bandwidth_m=None`` uses :func:`bandwidth_nrd_m` of the points. Points outside the
    active cells are left out.
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    h = bandwidth_nrd_m(xs, ys) if bandwidth_m is None else float(bandwidth_m)
    cell = grid.locate(xs, ys)
    position = np.full(grid.n_rows * grid.n_cols, -1, dtype=np.int64)
    position[grid.cell_ids] = np.arange(grid.n_cells)
    inside = cell >= 0
    w = np.ones_like(xs) if weights is None else np.asarray(weights, dtype=np.float64)
    binned = np.bincount(position[cell[inside]], weights=w[inside], minlength=grid.n_cells)
    return kde_grid(grid, binned, bandwidth_m=h, kernel=kernel), h


def _check_bandwidth(bandwidth_m: float) -> float:
    return positive_number(
        "bandwidth_m", bandwidth_m, "a positive number of metres", "For example bandwidth_m=250."
    )
