"""Neighbour structures: grid shifts agree with their sparse form; bad matrices are refused."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from pyproj import CRS

from hotspots.errors import InputError
from hotspots.spatial.grids import make_grid
from hotspots.stats.weights import (
    SparseNeighbours,
    distance_band,
    grid_contiguity,
    polygon_contiguity,
)


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_grid_lag_equals_sparse_lag(kind: str) -> None:
    area = shapely.Polygon(
        [(0, 0), (5_000, 0), (5_000, 2_000), (2_000, 2_000), (2_000, 4_000), (0, 4_000)]
    )
    grid = make_grid(area, crs=CRS.from_epsg(32617), kind=kind, cell_size_m=300)
    nb = grid_contiguity(grid)
    values = np.random.default_rng(0).poisson(4, nb.n).astype(float)
    sparse = SparseNeighbours(nb.to_sparse())
    for include_self in (True, False):
        np.testing.assert_allclose(
            nb.lag(values, include_self=include_self), sparse.lag(values, include_self=include_self)
        )
        np.testing.assert_allclose(
            nb.cardinality(include_self=include_self), sparse.cardinality(include_self=include_self)
        )


def test_distance_band_on_a_square_grid_equals_queen() -> None:
    grid = make_grid(shapely.box(0, 0, 2_000, 1_500), crs=CRS.from_epsg(32617), cell_size_m=100)
    queen = grid_contiguity(grid).to_sparse()
    band = distance_band(grid.centres(), radius_m=100 * np.sqrt(2)).to_sparse()
    assert (queen != band).nnz == 0


def test_polygon_contiguity_is_queen() -> None:
    boxes = shapely.box(
        [0, 10, 0, 10, 30], [0, 0, 10, 10, 30], [10, 20, 10, 20, 40], [10, 10, 20, 20, 40]
    )
    w = polygon_contiguity(boxes).to_sparse().toarray()
    assert w[0].tolist() == [0, 1, 1, 1, 0]  # the diagonal neighbour (corner) counts
    assert w[4].sum() == 0  # an island


def test_bad_matrices_and_radii_are_refused() -> None:
    with pytest.raises(InputError, match="self-weights"):
        SparseNeighbours(sp.csr_matrix(np.eye(3)))
    with pytest.raises(InputError, match="binarise"):
        SparseNeighbours(sp.csr_matrix(np.array([[0, 0.5], [0.5, 0]])))
    with pytest.raises(InputError, match="radius_m=0"):
        distance_band(np.zeros((3, 2)), radius_m=0)
