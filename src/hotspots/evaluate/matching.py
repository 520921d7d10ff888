"""Choosing a control area automatically: grid cells that looked like the target before.

The comparison cells are squares of ``cell_size_m`` over the incidents' extent that do not
touch the target or its buffer (or any area to exclude) and had incidents before the
intervention. Each is described by two numbers from the before period:

- **level**: incidents per km² per month (a hot target is compared with hot cells, which
  also shrinks the regression-to-the-mean problem of targets chosen for being hot);
- **trend**: ``log((second half + 0.5) / (first half + 0.5))``, the change between the
  first and second half of the before period.

Cells are ranked by the distance ``|log level − log target level| / sd + |trend − target
trend| / sd`` (standard deviations over all candidate cells) and the nearest are taken
until the control has at least as many before-period incidents as the target (and at least
``min_cells`` cells), so its counts are no noisier than the target's. The table of every
chosen cell is kept so the matching can be shown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from hotspots.errors import InputError, Option
from hotspots.spatial.grids import make_grid

log = logging.getLogger(__name__)

#: Columns of :attr:`ControlMatch.cells`.
MATCH_COLUMNS = ("rank", "cell_id", "before", "level_km2_month", "trend", "distance", "geometry")
DEFAULT_CONTROL_CELL_SIZE_M = 500.0
DEFAULT_MIN_CELLS = 5


@dataclass(frozen=True, eq=False)
class ControlMatch:
    """An automatically matched control area.

    Attributes
    ----------
    cells : geopandas.GeoDataFrame
        The chosen cells, nearest first: :data:`MATCH_COLUMNS` (``before`` = incidents in
        the before period, ``level_km2_month``, ``trend``, ``distance``).
    geometry : shapely geometry
        Their union: the control area.
    target_level, target_trend : float
        The target's level (incidents per km² per month) and trend, on the same scale.
    control_level, control_trend : float
        The same for the control area as a whole.
    candidates : int
        Cells that could have been chosen.
    cell_size_m : float
        Side of the cells in metres.
    """

    cells: gpd.GeoDataFrame
    geometry: shapely.Geometry
    target_level: float
    target_trend: float
    control_level: float
    control_trend: float
    candidates: int
    cell_size_m: float

    def describe(self, what: str = "target") -> str:
        """One sentence on how well the control matches."""
        return (
            f"{len(self.cells)} comparison cells of {self.cell_size_m:g} m (of "
            f"{self.candidates:,} candidates) matched on the {what}'s level before "
            f"({self.target_level:.2f} incidents per km² a month; control "
            f"{self.control_level:.2f}) and trend (change from the first to the second half of "
            f"the before period: {_pct(self.target_trend)} in the {what}, "
            f"{_pct(self.control_trend)} in the control)."
        )

    def as_records(self) -> list[dict[str, object]]:
        """The chosen cells as JSON-ready rows (centres in EPSG:4326)."""
        centres = self.cells.geometry.centroid.to_crs(4326)
        table = pd.DataFrame(self.cells.drop(columns="geometry"))
        table["lon"] = centres.x.round(6).to_numpy()
        table["lat"] = centres.y.round(6).to_numpy()
        return [
            {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
            for row in table.to_dict(orient="records")
        ]


def match_control(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    month: NDArray[np.int64],
    *,
    target: shapely.Geometry,
    exclude: shapely.Geometry,
    n_months: int,
    crs: CRS,
    cell_size_m: float = DEFAULT_CONTROL_CELL_SIZE_M,
    min_cells: int = DEFAULT_MIN_CELLS,
) -> ControlMatch:
    """Choose comparison cells for ``target`` (see the module docstring).

    Parameters
    ----------
    x, y : ndarray
        Metric coordinates of the before-period incidents (already filtered).
    month : ndarray of int
        Month of each incident, 0 .. ``n_months - 1`` within the before period.
    target : shapely geometry
        The area to match (the target, or the buffer ring for the buffer's control).
    exclude : shapely geometry
        Cells touching this are never chosen (target, buffer, other controls).
    n_months : int
        Months in the before period.
    crs : pyproj.CRS
        Metric CRS of ``x``, ``y`` and the geometries.
    cell_size_m : float
        Side of the comparison cells in metres.
    min_cells : int
        Fewest cells to take.

    Raises
    ------
    InputError
        When no cell outside ``exclude`` had incidents, or the target had none.
    """
    half = month >= n_months / 2.0
    in_target = np.asarray(shapely.contains_xy(target, x, y), dtype=bool)
    target_km2 = float(shapely.area(target)) / 1e6
    t_first, t_second = int((in_target & ~half).sum()), int((in_target & half).sum())
    if t_first + t_second == 0:
        raise InputError(
            "The target has no incidents in the before period, so no control can be matched "
            "to it; check the periods and offenses, or give a control area."
        )
    bounds = (float(x.min()), float(y.min()), float(x.max()), float(y.max()))
    grid = make_grid(shapely.box(*bounds), crs=crs, cell_size_m=cell_size_m, quiet=True)
    cell = grid.locate(x, y)
    n_total = grid.n_rows * grid.n_cols
    first = np.bincount(cell[(cell >= 0) & ~half], minlength=n_total)
    second = np.bincount(cell[(cell >= 0) & half], minlength=n_total)
    ids = np.flatnonzero((first + second) > 0)
    polygons = grid.polygons(ids)
    shapely.prepare(exclude)
    free = ~np.asarray(shapely.intersects(exclude, polygons), dtype=bool)
    ids, polygons = ids[free], polygons[free]
    if len(ids) == 0:
        raise InputError(
            "No comparison cells with incidents lie outside the target and its buffer; give "
            "control areas with {0}, or a narrower {1}.",
            options=(Option("control"), Option("buffer_m", 200)),
        )
    cell_km2 = grid.cell_area_m2 / 1e6
    before = first[ids] + second[ids]
    level = before / cell_km2 / n_months
    trend = _trend(first[ids], second[ids])
    t_level = (t_first + t_second) / target_km2 / n_months
    t_trend = float(_trend(np.array([t_first]), np.array([t_second]))[0])
    distance = np.abs(np.log(level) - np.log(t_level)) / _spread(np.log(level)) + np.abs(
        trend - t_trend
    ) / _spread(trend)
    order = np.argsort(distance, kind="stable")
    cumulative = np.cumsum(before[order])
    needed = int(np.searchsorted(cumulative, t_first + t_second, side="left")) + 1
    take = order[: min(len(order), max(needed, min_cells))]
    cells = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, len(take) + 1),
            "cell_id": ids[take],
            "before": before[take].astype(np.int64),
            "level_km2_month": level[take],
            "trend": trend[take],
            "distance": distance[take],
        },
        geometry=polygons[take],
        crs=crs,
    )
    c_first, c_second = int(first[ids[take]].sum()), int(second[ids[take]].sum())
    match = ControlMatch(
        cells=cells,
        geometry=shapely.union_all(polygons[take]),
        target_level=t_level,
        target_trend=t_trend,
        control_level=(c_first + c_second) / (len(take) * cell_km2) / n_months,
        control_trend=float(_trend(np.array([c_first]), np.array([c_second]))[0]),
        candidates=len(ids),
        cell_size_m=float(cell_size_m),
    )
    if cumulative[-1] < t_first + t_second:
        log.warning(
            "The control has fewer before-period incidents (%s) than the target (%s): "
            "every candidate cell is used.",
            f"{int(cumulative[-1]):,}",
            f"{t_first + t_second:,}",
        )
    log.info("Control matched: %s", match.describe())
    return match


def _trend(first: NDArray[np.integer], second: NDArray[np.integer]) -> NDArray[np.float64]:
    return np.log((np.asarray(second, dtype=float) + 0.5) / (np.asarray(first, dtype=float) + 0.5))


def _spread(values: NDArray[np.float64]) -> float:
    sd = float(np.std(values)) if len(values) > 1 else 0.0
    return sd if sd > 0 else 1.0


def _pct(log_ratio: float) -> str:
    return f"{np.expm1(log_ratio):+.0%}"
