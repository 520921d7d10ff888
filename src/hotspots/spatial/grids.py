"""Regular grids (square and hexagonal) as units of analysis.

A :class:`Grid` is pure arithmetic: an origin, a cell size in metres, a number of
rows and columns, and a mask of the cells that cover the study area. Points are
assigned to cells with ``floor`` (squares) or cube rounding (hexagons) — no spatial
join — and neighbour sums are array shifts, so a million-cell grid is cheap.

Cell identifiers are flat indices ``cell_id = row * n_cols + col``; row 0 is the
southernmost row and column 0 the westernmost column.

Hexagons are "pointy-top" in an odd-row offset layout: odd rows are shifted east by
half a cell. For hexagons ``cell_size_m`` is the distance between the centres of two
adjacent cells (the flat-to-flat width), so a hexagon's area is ``sqrt(3)/2 * size**2``.
"""

from __future__ import annotations

import logging
import math
import sys
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, overload

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from hotspots.blocks import MIX64, in_blocks, spans
from hotspots.errors import InputError, Option, invalid, literal
from hotspots.spatial.hull import convex_hull_xy

log = logging.getLogger(__name__)

GridKind = Literal["square", "hex"]
GRID_KINDS: tuple[GridKind, ...] = ("square", "hex")

#: Automatic cell size: this many times the median spacing of distinct incident locations.
SPACING_FACTOR = 2.0
#: Automatic cell size: at least this many incidents per cell on average over the area.
MIN_MEAN_PER_CELL = 0.5
#: Automatic cell size: at least this many cells (ArcGIS's minimum number of features for Gi*).
MIN_CELLS = 30
#: Above this many cells a grid is slow to draw and its statistics are thin; we warn.
LARGE_GRID_CELLS = 100_000

_SQRT3 = math.sqrt(3.0)


@dataclass(frozen=True, eq=False)
class Grid:
    """A regular grid in a metric CRS.

    Attributes
    ----------
    kind : {"square", "hex"}
    cell_size_m : float
        Side of a square, or distance between adjacent hexagon centres, in metres.
    x0, y0 : float
        Centre of cell (row 0, col 0), in the CRS's metres.
    n_rows, n_cols : int
    crs : pyproj.CRS
        A projected CRS in metres.
    active : ndarray of bool, shape (n_rows, n_cols)
        Cells that cover the study area; only these are units of analysis.
    """

    kind: GridKind
    cell_size_m: float
    x0: float
    y0: float
    n_rows: int
    n_cols: int
    crs: CRS
    active: NDArray[np.bool_]

    # -- geometry of the layout -------------------------------------------------------------
    @property
    def row_spacing_m(self) -> float:
        """Distance between the centres of two consecutive rows, in metres."""
        return self.cell_size_m if self.kind == "square" else self.cell_size_m * _SQRT3 / 2.0

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell in square metres."""
        s = self.cell_size_m
        return s * s if self.kind == "square" else _SQRT3 / 2.0 * s * s

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_rows, self.n_cols)

    @property
    def n_cells(self) -> int:
        """Number of active cells."""
        return int(self.active.sum())

    @property
    def cell_ids(self) -> NDArray[np.int64]:
        """Flat ids of the active cells, ascending."""
        return np.flatnonzero(self.active.ravel()).astype(np.int64)

    def centres(self, cell_ids: NDArray[np.int64] | None = None) -> NDArray[np.float64]:
        """Centre coordinates (x, y) of ``cell_ids`` (default: active cells), shape (n, 2)."""
        ids = self.cell_ids if cell_ids is None else np.asarray(cell_ids, dtype=np.int64)
        rows, cols = np.divmod(ids, self.n_cols)
        x = self.x0 + self.cell_size_m * cols
        if self.kind == "hex":
            x = x + self.cell_size_m * 0.5 * (rows & 1)
        y = self.y0 + self.row_spacing_m * rows
        return np.column_stack([x, y])

    # -- points to cells ----------------------------------------------------------------------
    def locate(
        self,
        x: NDArray[np.floating] | NDArray[np.integer],
        y: NDArray[np.floating] | NDArray[np.integer],
    ) -> NDArray[np.int64]:
        """Flat cell id of each point, or -1 when it falls in no active cell.

        Vectorised arithmetic: ``floor`` for squares, cube rounding for hexagons.
        A point exactly on a shared edge goes to the cell east / north of it (squares),
        except on the grid's outer east / north edge, where it goes to the last cell.
        """
        xs: NDArray[np.float64] = np.asarray(x, dtype=np.float64)
        ys: NDArray[np.float64] = np.asarray(y, dtype=np.float64)
        shape = np.broadcast_shapes(xs.shape, ys.shape)
        xs, ys = np.broadcast_to(xs, shape).ravel(), np.broadcast_to(ys, shape).ravel()
        ids = np.empty(xs.size, dtype=np.int64)
        in_blocks(xs.size, lambda span: self._locate_block(xs[span], ys[span], ids[span]))
        return ids.reshape(shape)

    def _locate_block(
        self, xs: NDArray[np.float64], ys: NDArray[np.float64], ids: NDArray[np.int64]
    ) -> None:
        """:meth:`locate` of one block of points, written into ``ids``."""
        if self.kind == "square":
            half = self.cell_size_m / 2.0
            fcol = (xs - (self.x0 - half)) / self.cell_size_m
            frow = (ys - (self.y0 - half)) / self.cell_size_m
            # A point exactly on the grid's east or north edge belongs to the last cell.
            fcol[fcol == self.n_cols] = self.n_cols - 1
            frow[frow == self.n_rows] = self.n_rows - 1
        else:
            # Infinite coordinates make NaN on the way; they end up outside like NaN input.
            with np.errstate(invalid="ignore", over="ignore"):
                frow, fcol = _hex_row_col(xs - self.x0, ys - self.y0, self.cell_size_m)
        # NaN compares False, so missing coordinates fall outside as well.
        inside = (fcol >= 0) & (fcol < self.n_cols) & (frow >= 0) & (frow < self.n_rows)
        outside = ~inside
        # Zero the outside values before the integer cast (NaN or huge values cannot be cast).
        np.copyto(fcol, 0.0, where=outside)
        np.copyto(frow, 0.0, where=outside)
        ids[:] = frow.astype(np.int64)
        ids *= self.n_cols
        ids += fcol.astype(np.int64)
        ids[outside] = -1
        if not self._all_active:
            ids[:] = self._active_lookup[ids]

    def only_active(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """``ids`` (flat ids of any cells, -1 = none) with the inactive cells' ids set to -1."""
        return np.asarray(ids, dtype=np.int64) if self._all_active else self._active_lookup[ids]

    def count(
        self,
        x: NDArray[np.floating] | NDArray[np.integer],
        y: NDArray[np.floating] | NDArray[np.integer],
    ) -> NDArray[np.int64]:
        """Number of points (``x``, ``y`` in the grid's metres) in each active cell.

        Returns
        -------
        ndarray of int64
            One count per active cell, in the order of :attr:`cell_ids`; points in no
            active cell are not counted (``len(x) - counts.sum()`` of them).

        Examples
        --------
        >>> counts = grid.count(*shapely.get_coordinates(incidents.geometry.values).T)  # doctest: +SKIP
        """
        return self.count_located(self.locate(x, y))

    def count_located(self, located: NDArray[np.integer]) -> NDArray[np.int64]:
        """Like :meth:`count`, for points already located with :meth:`locate` (-1: outside)."""
        per_cell = np.bincount(_located(located), minlength=self.n_rows * self.n_cols)
        return per_cell[self.cell_ids].astype(np.int64)

    @cached_property
    def _all_active(self) -> bool:
        return bool(self.active.all())

    @cached_property
    def _active_lookup(self) -> NDArray[np.int64]:
        """Flat id -> the id if the cell is active, else -1; one more entry (index -1) is -1."""
        flat = self.active.ravel()
        return np.append(np.where(flat, np.arange(flat.size, dtype=np.int64), -1), -1)

    # -- values on the grid -------------------------------------------------------------------
    def to_array(
        self, values: NDArray[np.floating], cell_ids: NDArray[np.int64] | None = None
    ) -> NDArray[np.float64]:
        """Scatter per-cell ``values`` (for ``cell_ids``, default active cells) into a 2-D array; 0 elsewhere."""
        ids = self.cell_ids if cell_ids is None else cell_ids
        out = np.zeros(self.n_rows * self.n_cols, dtype=np.float64)
        out[ids] = values
        return out.reshape(self.shape)

    def neighbour_sum(
        self, array: NDArray[np.floating], *, include_self: bool = True
    ) -> NDArray[np.float64]:
        """Sum of ``array`` over each cell's contiguity neighbours (queen for squares: 8; hexagons: 6).

        ``array`` has shape ``(n_rows, n_cols)``; cells outside the grid count as 0, so pass
        values that are 0 on inactive cells. Array shifts only — no loops over cells.
        """
        a = np.asarray(array, dtype=np.float64)
        padded = np.pad(a, 1)
        total = padded[1:-1, 1:-1].copy() if include_self else np.zeros_like(a)
        n_r, n_c = a.shape

        def shifted(dr: int, dc: int) -> NDArray[np.float64]:
            return padded[1 + dr : 1 + dr + n_r, 1 + dc : 1 + dc + n_c]

        if self.kind == "square":
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    if dr or dc:
                        total += shifted(dr, dc)
            return total
        # Odd-r hexagons: east/west neighbours in the row; above/below, even rows reach
        # columns (c-1, c) and odd rows (c, c+1).
        total += shifted(0, -1) + shifted(0, 1)
        odd = (np.arange(n_r) & 1).astype(bool)[:, None]
        for dr in (-1, 1):
            even_part = shifted(dr, -1) + shifted(dr, 0)
            odd_part = shifted(dr, 0) + shifted(dr, 1)
            total += np.where(odd, odd_part, even_part)
        return total

    # -- drawing --------------------------------------------------------------------------------
    def polygons(self, cell_ids: NDArray[np.int64] | None = None) -> NDArray[np.object_]:
        """Shapely polygons of ``cell_ids`` (default: active cells), vectorised."""
        centres = self.centres(cell_ids)
        return _cell_polygons(self.kind, self.cell_size_m, centres)

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """Active cells as a GeoDataFrame with ``cell_id``, ``row``, ``col`` and polygon geometry."""
        ids = self.cell_ids
        rows, cols = np.divmod(ids, self.n_cols)
        return gpd.GeoDataFrame(
            {"cell_id": ids, "row": rows, "col": cols},
            geometry=self.polygons(ids),
            crs=self.crs,
        )


@dataclass(frozen=True)
class CellSizeChoice:
    """The automatic cell size and why (see :func:`auto_cell_size_m`).

    Attributes
    ----------
    cell_size_m : float
        The chosen size in metres.
    spacing_m : float
        Median distance from each distinct incident location to the nearest other one
        (NaN when it provably could not decide, and was not searched for).
    by_spacing_m : float
        ``SPACING_FACTOR * spacing_m``: the size the pattern asks for (NaN likewise).
    by_evidence_m : float
        The smallest size at which cells hold at least :data:`MIN_MEAN_PER_CELL` incidents
        on average over the area.
    reason : str
        One sentence for the log, the parameters and the app.
    """

    cell_size_m: float
    spacing_m: float
    by_spacing_m: float
    by_evidence_m: float
    reason: str


def auto_cell_size_m(
    x: NDArray[np.floating],
    y: NDArray[np.floating],
    *,
    area_m2: float,
    kind: GridKind = "square",
    places_xy: NDArray[np.floating] | None = None,
) -> CellSizeChoice:
    """The one automatic cell size, from the incidents actually mapped (after filters).

    Cells about twice the typical spacing between distinct incident locations (the median
    nearest-neighbour distance) separate neighbouring places while keeping a place's
    incidents together, so the grid follows the data's own scale: fine where incidents are
    dense (micro-places), coarse for a rare offense. Three guards:

    - **evidence:** cells at least large enough that the area holds
      :data:`MIN_MEAN_PER_CELL` incidents per cell on average (about 4.5 per queen
      neighbourhood), so a map is not mostly empty cells;
    - **size:** cells at least large enough that the area holds at most
      :data:`LARGE_GRID_CELLS` of them (ten million incidents, each at its own place, would
      otherwise ask for 7 m cells: 18 million of them, 23 GB and five minutes);
    - **units:** at most so large that the area still has 30 cells (ArcGIS's minimum for Gi*).

    The spacing is not searched for when it provably cannot matter: half of ``P`` distinct
    places have a nearest neighbour at least the median spacing ``d`` away, so discs of
    diameter ``d`` around them do not overlap inside the points' bounding box grown by ``d``;
    that bounds ``d`` (:func:`_spacing_bound`), and when twice the bound is below the other
    guards the choice is theirs (a lower bound on ``P`` is all it needs: a count of distinct
    hashes of the points, :func:`_distinct_at_least`).

    The size is rounded up to a multiple of 50 m (of 10 m below 100 m, of 1 m below 10 m).

    Parameters
    ----------
    x, y : ndarray of float
        Incident coordinates in metres (a metric CRS), after filters.
    area_m2 : float
        Area of the study area in square metres.
    kind : {"square", "hex"}
    places_xy : ndarray, optional
        The distinct finite locations among (``x``, ``y``) as ``np.unique(xy, axis=0)``
        gives them, when the caller already knows them (:class:`hotspots.analysis.Layouts`
        looks them up among a data set's; the sort is the slow part).

    Returns
    -------
    CellSizeChoice
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(xs) & np.isfinite(ys)
    xy = np.column_stack([xs[ok], ys[ok]])
    if not (np.isfinite(area_m2) and area_m2 > 0) or xy.shape[0] == 0:
        raise InputError(
            literal(
                f"An automatic cell size needs incidents spread over an area (got "
                f"{xy.shape[0]} point(s) over {area_m2:g} m²). "
            )
            + "Give the cell size, e.g. {0}.",
            options=(Option("cell_size_m", 250),),
        )
    cell_area = _SQRT3 / 2.0 if kind == "hex" else 1.0  # area of a cell of size 1
    by_evidence = math.sqrt(MIN_MEAN_PER_CELL * area_m2 / (xy.shape[0] * cell_area))
    by_size = math.sqrt(area_m2 / (LARGE_GRID_CELLS * cell_area))
    most = math.sqrt(area_m2 / (MIN_CELLS * cell_area))
    floor = max(by_evidence, by_size)
    places = np.asarray(places_xy) if places_xy is not None else None
    known = places.shape[0] if places is not None else _distinct_at_least(xy)
    width, height = (float(v) for v in np.ptp(xy, axis=0))
    if SPACING_FACTOR * _spacing_bound(known, width, height) <= floor:
        spacing = by_spacing = math.nan  # cannot reach the other guards: not searched for
    else:
        places = distinct_points(xy) if places is None else places
        spacing = float(np.median(nearest_distances(places))) if places.shape[0] >= 2 else 0.0
        by_spacing = SPACING_FACTOR * spacing
    raw = min(max(floor, 0.0 if math.isnan(by_spacing) else by_spacing), most)
    size = _round_up_nicely(raw)
    if raw == most:
        why = f"the largest size that still gives {MIN_CELLS} cells over the area"
    elif raw == by_size and not by_spacing > by_size:
        why = f"the smallest size that keeps the grid within {LARGE_GRID_CELLS:,} cells"
    elif by_spacing >= by_evidence:
        assert places is not None
        why = (
            f"{SPACING_FACTOR:g} × the median spacing of {places.shape[0]:,} distinct incident "
            f"locations ({spacing:,.0f} m)"
        )
    else:
        spaced = (
            ""
            if math.isnan(by_spacing)
            else f"; their spacing alone would give {by_spacing:,.0f} m"
        )
        why = (
            f"the smallest size with {MIN_MEAN_PER_CELL:g} incidents per cell on average "
            f"({xy.shape[0]:,} incidents{spaced})"
        )
    reason = f"Cell size set to {size:g} m automatically: {why}."
    return CellSizeChoice(size, spacing, by_spacing, by_evidence, reason)


def _distinct_at_least(xy: NDArray[np.float64]) -> int:
    """A lower bound on the number of distinct rows of ``xy`` (n × 2, finite): the number
    of distinct 64-bit mixes of each row's two coordinates (equal rows mix alike, -0.0 as
    0.0; different rows rarely collide, which only lowers the count). One sort of integers,
    a block of rows at a time into the keys: ten million points in about a second."""
    keys = np.empty(xy.shape[0], dtype=np.uint64)
    for span in spans(xy.shape[0]):
        bits = (xy[span] + 0.0).view(np.uint64)  # + 0.0: -0.0 is 0.0
        keys[span] = bits[:, 0] * MIX64 ^ bits[:, 1]
    keys.sort()
    return int(keys.size and 1 + (keys[1:] != keys[:-1]).sum())


@overload
def distinct_points(xy: NDArray[np.float64]) -> NDArray[np.float64]: ...
@overload
def distinct_points(
    xy: NDArray[np.float64], *, inverse: Literal[True]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]: ...
def distinct_points(
    xy: NDArray[np.float64], *, inverse: bool = False
) -> NDArray[np.float64] | tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The distinct rows of ``xy`` (n × 2, finite) in lexicographic order, as
    ``np.unique(xy, axis=0)`` gives them (and with ``inverse=True`` the position of each
    row among them), by one ``lexsort``: a third of the time."""
    order = np.lexsort((xy[:, 1], xy[:, 0]))
    ordered = xy[order]
    new = np.ones(len(ordered), dtype=bool)
    new[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    distinct = ordered[new].reshape(-1, 2)
    if not inverse:
        return distinct
    where = np.empty(len(order), dtype=np.int64)
    where[order] = np.cumsum(new) - 1
    return distinct, where


def _spacing_bound(places: int, width: float, height: float) -> float:
    """An upper bound on the median nearest-neighbour distance ``d`` of ``places`` distinct
    points within a ``width`` × ``height`` box: the half of them whose nearest neighbour is
    at least ``d`` away carry disjoint discs of radius ``d``/2 inside the box grown by ``d``,
    so ``(places / 2) · π d² / 4 <= (width + d)(height + d)``; the larger root of that
    quadratic (infinite when it does not bound ``d``: fewer than three places)."""
    a = places * math.pi / 8.0 - 1.0
    if places < 3 or a <= 0:
        return math.inf
    b = width + height
    return (b + math.sqrt(b * b + 4.0 * a * width * height)) / (2.0 * a)


#: Distinct places up to which :func:`nearest_distances` searches with shapely's tree
#: (loaded with GeoPandas) instead of importing SciPy (~0.15 s) for its quicker k-d tree:
#: shapely takes ~4.4 µs a place, SciPy ~0.7 µs once imported (30,000 places: 0.13 s
#: against 0.02 s plus the import).
SHAPELY_NEAREST_MAX = 30_000


def nearest_distances(places: NDArray[np.floating]) -> NDArray[np.float64]:
    """Distance from each of ``places`` (n × 2, *distinct* points, n ≥ 2) to the nearest other.

    SciPy's ``cKDTree`` when there are more than :data:`SHAPELY_NEAREST_MAX` places or SciPy's
    spatial module is loaded already (a long-running server), else shapely's ``STRtree``:
    both compute ``sqrt(dx² + dy²)`` between the same pairs, so the distances are identical
    (tests/spatial/test_grids.py compares them) and only the time differs — a small
    ``hotspots analyze`` with an automatic cell size no longer imports SciPy.
    """
    xy = np.asarray(places, dtype=np.float64)
    if xy.shape[0] > SHAPELY_NEAREST_MAX or "scipy.spatial" in sys.modules:
        return _nearest_by_kdtree(xy)
    return _nearest_by_strtree(xy)


def _nearest_by_kdtree(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    from scipy.spatial import cKDTree

    distances, _ = cKDTree(xy).query(xy, k=2)
    return np.asarray(distances[:, 1], dtype=np.float64)


def _nearest_by_strtree(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    points = shapely.points(xy)
    (which, _), found = shapely.STRtree(points).query_nearest(
        points, exclusive=True, return_distance=True, all_matches=False
    )
    out = np.full(xy.shape[0], np.inf)
    out[which] = found
    return out


def _round_up_nicely(size: float) -> float:
    for step in (50.0, 10.0, 1.0):
        if size >= 2 * step or step == 1.0:
            return float(max(math.ceil(size / step - 1e-9) * step, step))
    raise AssertionError("unreachable")


def _positive_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return False
    return bool(np.isfinite(value) and value > 0)


def check_cell_size_m(cell_size_m: object) -> float:
    """``cell_size_m`` as a float, or :class:`~hotspots.errors.InputError` unless it is a
    positive finite number of metres."""
    if not _positive_number(cell_size_m):
        raise invalid(
            "cell_size_m",
            cell_size_m,
            "a positive number of metres",
            "For example {1}.",
            options=(Option("cell_size_m", 250),),
        )
    return float(cell_size_m)  # type: ignore[arg-type]


def make_grid(
    area: shapely.Geometry,
    *,
    crs: CRS | str | int,
    kind: GridKind = "square",
    cell_size_m: float,
    min_inside_share: float = 0.0,
    keep_xy: NDArray[np.floating] | tuple[NDArray[np.floating], NDArray[np.floating]] | None = None,
    quiet: bool = False,
) -> Grid:
    """Build a grid of ``kind`` and ``cell_size_m`` covering ``area`` (a polygon in the metric
    ``crs``); for an automatic size use :func:`auto_cell_size_m` first.

    Which cells are units (active): those with part of their area inside ``area`` (a cell
    that only touches it has none inside) and, with ``min_inside_share``, at least that
    share of their area inside — unless they hold one of the points ``keep_xy`` (an (n, 2)
    array or an (x, y) pair of arrays), which always keeps a cell. :func:`hotspots.analysis.analyze` uses 0.5 and all
    incidents: empty cells mostly outside the study area (a lake, beyond the city limit)
    are dropped, because they always count zero and pull the mean down; no incident is
    left without a cell.
    """
    if keep_xy is not None and not isinstance(keep_xy, tuple):
        xy = np.asarray(keep_xy, dtype=np.float64).reshape(-1, 2)
        keep_xy = (xy[:, 0], xy[:, 1])
    grid, _ = _grid(area, crs, kind, cell_size_m, min_inside_share, keep_xy, quiet)
    return grid


def grid_and_cells(
    area: shapely.Geometry,
    x: NDArray[np.floating],
    y: NDArray[np.floating],
    *,
    crs: CRS | str | int,
    kind: GridKind = "square",
    cell_size_m: float,
    min_inside_share: float = 0.0,
    quiet: bool = False,
) -> tuple[Grid, NDArray[np.int64]]:
    """:func:`make_grid` with the points (``x``, ``y``) as ``keep_xy``, and the cell of each
    point in the grid (as :meth:`Grid.locate` gives): the points are located only once."""
    grid, cells = _grid(area, crs, kind, cell_size_m, min_inside_share, (x, y), quiet)
    return grid, cells  # type: ignore[return-value]  # points given: cells located


def _grid(
    area: shapely.Geometry,
    crs: CRS | str | int,
    kind: GridKind,
    cell_size_m: float,
    min_inside_share: float,
    keep_xy: tuple[NDArray[np.floating], NDArray[np.floating]] | None,
    quiet: bool,
) -> tuple[Grid, NDArray[np.int64] | None]:
    if kind not in GRID_KINDS:
        raise invalid("grid", kind, GRID_KINDS)
    if area is None or shapely.is_empty(area):
        raise InputError(
            "The study area is empty, so no grid can cover it; check the input points or boundaries."
        )
    level = logging.DEBUG if quiet else logging.INFO
    size = check_cell_size_m(cell_size_m)
    xmin, ymin, xmax, ymax = shapely.bounds(area)
    if kind == "square":
        n_cols = max(1, math.ceil((xmax - xmin) / size))
        n_rows = max(1, math.ceil((ymax - ymin) / size))
        x0, y0 = xmin + size / 2.0, ymin + size / 2.0
    else:
        spacing = size * _SQRT3 / 2.0
        radius = size / _SQRT3
        x0, y0 = xmin, ymin
        n_cols = math.ceil((xmax - xmin) / size) + 2
        n_rows = math.ceil((ymax - ymin + radius) / spacing) + 1
    n_total = n_rows * n_cols
    if n_total > 20_000_000:
        raise invalid(
            "cell_size_m",
            size,
            f"a size giving at most 20,000,000 cells (this gives {n_total:,})",
            "Use a larger cell size.",
        )
    full = np.ones((n_rows, n_cols), dtype=bool)
    grid = Grid(kind, size, x0, y0, n_rows, n_cols, CRS.from_user_input(crs), full)
    shapely.prepare(area)
    cells = grid.polygons(np.arange(n_total, dtype=np.int64))
    # A cell that only touches the area has none of it inside: it is not a unit (it would
    # always count zero and drag the mean down).
    active = shapely.intersects(area, cells) & ~shapely.touches(area, cells)
    held = None if keep_xy is None else grid.locate(*keep_xy)
    if min_inside_share > 0:
        active = _mostly_inside(area, cells, active, min_inside_share, grid.cell_area_m2)
        if held is not None:  # a cell holding a point is kept: every point keeps its cell
            active[_located(held)] = True
    grid = Grid(kind, size, x0, y0, n_rows, n_cols, grid.crs, active.reshape(n_rows, n_cols))
    if held is not None and min_inside_share <= 0:  # points in cells left out: outside
        held = grid.only_active(held)
    log.log(
        level, "Grid: %s cells of %g m, %s covering the study area", f"{grid.n_cells:,}", size, kind
    )
    if grid.n_cells > LARGE_GRID_CELLS:
        log.warning(
            "The grid has %s cells (over %s); maps will be heavy. Consider a larger cell_size_m.",
            f"{grid.n_cells:,}",
            f"{LARGE_GRID_CELLS:,}",
        )
    return grid, held


def _located(ids: NDArray[np.integer]) -> NDArray[np.int64]:
    """The cell ids of the points in a cell (``ids`` without its -1s; no copy when none)."""
    flat: NDArray[np.int64] = np.asarray(ids, dtype=np.int64)
    return flat if flat.size == 0 or int(flat.min()) >= 0 else flat[flat >= 0]


def _mostly_inside(
    area: shapely.Geometry,
    cells: NDArray[np.object_],
    active: NDArray[np.bool_],
    share: float,
    cell_area_m2: float,
) -> NDArray[np.bool_]:
    """``active`` without the cells that have less than ``share`` of their area inside."""
    out = active.copy()
    edge = np.flatnonzero(active & ~shapely.contains_properly(area, cells))
    if edge.size:
        inside = shapely.area(shapely.intersection(cells[edge], area)) / cell_area_m2
        out[edge[inside < share]] = False
    return out


def study_area(
    points: gpd.GeoSeries | gpd.GeoDataFrame | tuple[NDArray[np.floating], NDArray[np.floating]],
    *,
    boundaries: gpd.GeoDataFrame | None = None,
    buffer_m: float = 0.0,
    outline: shapely.Geometry | None = None,
) -> shapely.Geometry:
    """The area a grid must cover: the union of ``boundaries`` if given, else the
    convex hull of ``points`` (points, or a pair of coordinate arrays ``(x, y)``) buffered
    by ``buffer_m`` (sfhotspot uses half a cell). ``outline``: :func:`study_outline` of the
    same points and boundaries, when already at hand (it is what is buffered)."""
    if outline is None:
        outline = study_outline(points, boundaries=boundaries)
    if boundaries is not None:
        return outline
    # A hull of one point or of collinear points has no area: a buffer gives it one.
    return shapely.buffer(outline, max(buffer_m, 1.0))


def study_outline(
    points: gpd.GeoSeries | gpd.GeoDataFrame | tuple[NDArray[np.floating], NDArray[np.floating]],
    *,
    boundaries: gpd.GeoDataFrame | None = None,
) -> shapely.Geometry:
    """What :func:`study_area` buffers: the union of ``boundaries``, or the convex hull of
    ``points`` (without area for one point or points on a line)."""
    if boundaries is not None:
        return shapely.union_all(boundaries.geometry.values)
    if isinstance(points, tuple):
        x, y = (np.asarray(v, dtype=np.float64) for v in points)
    else:
        geoms = points.geometry.values if isinstance(points, gpd.GeoDataFrame) else points.values
        xy = shapely.get_coordinates(geoms)
        x, y = xy[:, 0], xy[:, 1]
    if x.size == 0:
        raise InputError(
            "There are no points, so there is no study area; check the filters and the input."
        )
    return convex_hull_xy(x, y)


def _hex_row_col(
    dx: NDArray[np.float64], dy: NDArray[np.float64], size: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Odd-r offset (row, col) of the pointy-top hexagon containing each offset point."""
    radius = size / _SQRT3
    q = (_SQRT3 / 3.0 * dx - dy / 3.0) / radius
    r = (2.0 / 3.0 * dy) / radius
    s = -q - r
    rq, rr, rs = np.round(q), np.round(r), np.round(s)
    dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs - s)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    rq = np.where(fix_q, -rr - rs, rq)
    rr = np.where(fix_r, -rq - rs, rr)
    col = rq + (rr - np.mod(rr, 2)) / 2.0
    return rr, col


def _cell_polygons(
    kind: GridKind, size: float, centres: NDArray[np.float64]
) -> NDArray[np.object_]:
    if kind == "square":
        h = size / 2.0
        offsets = np.array([[-h, -h], [h, -h], [h, h], [-h, h], [-h, -h]])
    else:
        radius = size / _SQRT3
        angles = np.deg2rad(np.array([30, 90, 150, 210, 270, 330, 30]))
        offsets = np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])
    rings = centres[:, None, :] + offsets[None, :, :]
    return shapely.polygons(rings)
