"""Spatial neighbours: who counts as a neighbour of whom, with binary weights.

Two representations behind one small interface:

- :class:`GridNeighbours` — contiguity on a regular grid (queen for squares, the six
  edge neighbours for hexagons) computed with array shifts, never a sparse matrix;
- :class:`SparseNeighbours` — any other structure (a distance band in metres, polygon
  contiguity) as a binary CSR matrix without the diagonal.

Units are always in a fixed order: the grid's active ``cell_ids`` ascending, or the
row order of the polygons / points the weights were built from.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import shapely
from numpy.typing import NDArray

from hotspots.errors import InputError, Option, invalid
from hotspots.spatial.grids import Grid

if TYPE_CHECKING:  # scipy.sparse loads only when a sparse matrix is built
    import scipy.sparse as sp

log = logging.getLogger(__name__)


class Neighbours(Protocol):
    """Binary spatial weights over ``n`` units."""

    @property
    def n(self) -> int: ...

    def lag(self, values: NDArray[np.floating], *, include_self: bool) -> NDArray[np.float64]:
        """Sum of ``values`` over each unit's neighbours (plus itself when ``include_self``)."""
        ...

    def cardinality(self, *, include_self: bool) -> NDArray[np.float64]:
        """Number of neighbours of each unit (plus one when ``include_self``)."""
        ...

    def to_sparse(self) -> sp.csr_matrix:
        """Binary n × n CSR matrix of neighbour pairs, without the diagonal."""
        ...


@dataclass(frozen=True, eq=False)
class GridNeighbours:
    """Contiguity on a regular grid's active cells (queen squares / hexagon edges)."""

    grid: Grid

    @property
    def n(self) -> int:
        return self.grid.n_cells

    def lag(self, values: NDArray[np.floating], *, include_self: bool) -> NDArray[np.float64]:
        ids = self.grid.cell_ids
        summed = self.grid.neighbour_sum(self.grid.to_array(values, ids), include_self=include_self)
        return summed.ravel()[ids]

    def cardinality(self, *, include_self: bool) -> NDArray[np.float64]:
        return self.lag(np.ones(self.n), include_self=include_self)

    def to_sparse(self) -> sp.csr_matrix:
        from scipy.spatial import cKDTree  # scipy.spatial loads only when pairs are needed

        grid = self.grid
        ids = grid.cell_ids
        reach = grid.cell_size_m * (np.sqrt(2.0) if grid.kind == "square" else 1.0) * 1.0001
        return _pairs_to_csr(
            cKDTree(grid.centres(ids)).query_pairs(reach, output_type="ndarray"), ids.size
        )


@dataclass(frozen=True, eq=False)
class SparseNeighbours:
    """Neighbours as a binary CSR matrix (no diagonal)."""

    matrix: sp.csr_matrix

    def __post_init__(self) -> None:
        m = self.matrix
        if m.shape[0] != m.shape[1] or m.diagonal().any() or not np.all(m.data == 1.0):
            raise InputError(
                f"SparseNeighbours needs a square binary matrix without a diagonal; got shape "
                f"{m.shape}, {int(np.count_nonzero(m.diagonal()))} self-weights and weights "
                f"{sorted(set(np.unique(m.data).tolist()))[:5]}. Build it with distance_band() or "
                "polygon_contiguity(), or binarise it and set the diagonal to 0."
            )

    @property
    def n(self) -> int:
        return int(self.matrix.shape[0])

    def lag(self, values: NDArray[np.floating], *, include_self: bool) -> NDArray[np.float64]:
        v = np.asarray(values, dtype=np.float64)
        out = np.asarray(self.matrix @ v, dtype=np.float64)
        return out + v if include_self else out

    def cardinality(self, *, include_self: bool) -> NDArray[np.float64]:
        counts = np.diff(self.matrix.indptr).astype(np.float64)
        return counts + 1.0 if include_self else counts

    def to_sparse(self) -> sp.csr_matrix:
        return self.matrix


def grid_contiguity(grid: Grid) -> GridNeighbours:
    """Queen contiguity (squares: the 8 surrounding cells) or edge contiguity (hexagons: 6)."""
    return GridNeighbours(grid)


def distance_band(centres: NDArray[np.floating], *, radius_m: float) -> SparseNeighbours:
    """Units whose centres are within ``radius_m`` metres of each other (inclusive).

    ``centres`` is an (n, 2) array in a metric CRS. For a square grid a band of
    ``cell_size_m * sqrt(2)`` equals queen contiguity (sfhotspot's default).
    """
    if not (np.isfinite(radius_m) and radius_m > 0):
        raise invalid(
            "weights:radius_m",
            radius_m,
            "a positive distance in metres",
            "For example {1}.",
            options=(Option("weights:radius_m", 500),),
        )
    from scipy.spatial import cKDTree  # scipy.spatial loads only when pairs are needed

    xy = np.asarray(centres, dtype=np.float64)
    # A tiny tolerance so that exact lattice distances (e.g. size * sqrt(2)) are included.
    pairs = cKDTree(xy).query_pairs(radius_m * (1 + 1e-9), output_type="ndarray")
    weights = _pairs_to_csr(pairs, xy.shape[0])
    _log_islands(weights, f"a {radius_m:g} m distance band")
    return SparseNeighbours(weights)


def polygon_contiguity(polygons: NDArray[np.object_]) -> SparseNeighbours:
    """Queen contiguity of polygons: units that share at least one boundary point.

    Uses a Shapely 2 STRtree, vectorised. Polygons that overlap also count as neighbours.
    """
    geoms = np.asarray(polygons, dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    weights = _pairs_to_csr(np.column_stack([left[keep], right[keep]]), geoms.size)
    _log_islands(weights, "polygon contiguity")
    return SparseNeighbours(weights)


def _pairs_to_csr(pairs: NDArray[np.integer], n: int) -> sp.csr_matrix:
    import scipy.sparse as sp

    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    data = np.ones(rows.size, dtype=np.float64)
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(n, n))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def _log_islands(weights: sp.csr_matrix, what: str) -> None:
    islands = int(np.count_nonzero(np.diff(weights.indptr) == 0))
    if islands:
        log.warning("%d unit(s) have no neighbours under %s (islands)", islands, what)
