"""sfhotspot-style verbs: incidents in, a grid of cells with fixed, documented columns out.

``hotspot_count``, ``hotspot_gistar`` and ``hotspot_lisa`` take any GeoDataFrame of points
(incidents from :func:`hotspots.read_incidents`, or your own points) and return one row per
grid cell. They are views of :func:`hotspots.analyze`, so they build exactly the grid it
builds (same study area, same automatic cell size, announced in the log) and call cells
significant by the same rule; use ``analyze`` for everything at once (areas, ranked hot
spots, the incidents behind them).

Columns
-------
Every verb returns a GeoDataFrame in the incidents' metric CRS (metres) with

- ``cell_id`` (int): the cell's flat index in the grid (``row * n_cols + col``);
- ``count`` (int): incidents in the cell;
- ``density_km2`` (float): incidents per square kilometre;
- ``geometry``: the cell's polygon;

and, by verb:

- ``hotspot_gistar``: ``gi_z``, ``gi_p``, ``gi_p_fdr`` (Benjamini–Hochberg), ``gi_bin``
  (-3..3: cold/hot at 99, 95, 90 % confidence, 0 not significant), ``gi_label``,
  ``hotspot`` (bool: significant at ``alpha`` after FDR and hot);
- ``hotspot_lisa``: ``lisa_i``, ``lisa_quadrant``, ``lisa_p``, ``lisa_p_fdr``,
  ``lisa_cluster`` ("High-High", "Low-Low", "High-Low", "Low-High", "Not significant").

Examples
--------
>>> import hotspots
>>> incidents = hotspots.read_incidents("incidents.csv").incidents   # doctest: +SKIP
>>> cells = hotspots.hotspot_gistar(incidents, cell_size_m=250)     # doctest: +SKIP
>>> cells.loc[cells["hotspot"], ["cell_id", "count", "gi_z"]]        # doctest: +SKIP
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS

from hotspots.analysis import Analysis, analyze
from hotspots.errors import InputError
from hotspots.spatial.grids import GridKind
from hotspots.spatial.projection import require_geodata, to_metric

log = logging.getLogger(__name__)

#: The columns each verb returns, in order (``geometry`` last).
COUNT_COLUMNS = ("cell_id", "count", "density_km2", "geometry")
GISTAR_COLUMNS = (
    "cell_id", "count", "density_km2", "gi_z", "gi_p", "gi_p_fdr", "gi_bin", "gi_label",
    "hotspot", "geometry",
)  # fmt: skip
LISA_COLUMNS = (
    "cell_id", "count", "density_km2", "lisa_i", "lisa_quadrant", "lisa_p", "lisa_p_fdr",
    "lisa_cluster", "geometry",
)  # fmt: skip

#: Offense given to points that carry none (plain points, not loaded incidents).
UNLABELLED_OFFENSE = "incident"


def hotspot_count(
    incidents: gpd.GeoDataFrame,
    *,
    cell_size_m: float | None = None,
    grid: GridKind = "square",
    boundaries: gpd.GeoDataFrame | None = None,
    quiet: bool = False,
) -> gpd.GeoDataFrame:
    """Count incidents on a regular grid.

    Parameters
    ----------
    incidents : GeoDataFrame
        Points with a CRS. Longitude/latitude are projected to a local metric CRS
        (announced). ``occurred_at`` and ``offense`` columns are used when present.
    cell_size_m : float, optional
        Side of a square (or distance between hexagon centres), in metres. Default:
        chosen automatically, as :func:`hotspots.analyze` does, and announced in the log.
    grid : {"square", "hex"}
        Cell shape.
    boundaries : GeoDataFrame, optional
        Polygons with a ``name`` column (:func:`hotspots.read_boundaries`); the grid then
        covers their union instead of the points' convex hull.
    quiet : bool
        Announce automatic choices at debug level instead of info.

    Returns
    -------
    GeoDataFrame
        One row per cell, columns :data:`COUNT_COLUMNS` (see the module docstring).
    """
    result = _analyze(incidents, cell_size_m=cell_size_m, grid=grid, boundaries=boundaries,
                      distance_band_m=None, alpha=0.05, lisa=False, quiet=quiet)  # fmt: skip
    return _columns(result, COUNT_COLUMNS)


def hotspot_gistar(
    incidents: gpd.GeoDataFrame,
    *,
    cell_size_m: float | None = None,
    grid: GridKind = "square",
    distance_band_m: float | None = None,
    alpha: float = 0.05,
    boundaries: gpd.GeoDataFrame | None = None,
    quiet: bool = False,
) -> gpd.GeoDataFrame:
    """Getis-Ord Gi* hot and cold spots on a regular grid, FDR-corrected.

    Parameters
    ----------
    incidents, cell_size_m, grid, boundaries, quiet :
        As in :func:`hotspot_count`.
    distance_band_m : float, optional
        Neighbourhood of each cell as a distance band between cell centres, in metres.
        Default: contiguity (the 8 surrounding squares, or the 6 surrounding hexagons).
    alpha : float
        False discovery rate (Benjamini–Hochberg) for calling a cell hot or cold.

    Returns
    -------
    GeoDataFrame
        One row per cell, columns :data:`GISTAR_COLUMNS` (see the module docstring).
    """
    result = _analyze(incidents, cell_size_m=cell_size_m, grid=grid, boundaries=boundaries,
                      distance_band_m=distance_band_m, alpha=alpha, lisa=False, quiet=quiet)  # fmt: skip
    return _columns(result, GISTAR_COLUMNS)


def hotspot_lisa(
    incidents: gpd.GeoDataFrame,
    *,
    cell_size_m: float | None = None,
    grid: GridKind = "square",
    distance_band_m: float | None = None,
    alpha: float = 0.05,
    permutations: int = 999,
    seed: int = 0,
    boundaries: gpd.GeoDataFrame | None = None,
    quiet: bool = False,
) -> gpd.GeoDataFrame:
    """Local Moran's I clusters and outliers on a regular grid, FDR-corrected.

    Parameters
    ----------
    incidents, cell_size_m, grid, distance_band_m, alpha, boundaries, quiet :
        As in :func:`hotspot_gistar`.
    permutations : int
        Conditional permutations per cell for the pseudo p-values.
    seed : int
        Seed of the permutations (results are reproducible).

    Returns
    -------
    GeoDataFrame
        One row per cell, columns :data:`LISA_COLUMNS` (see the module docstring).
    """
    result = _analyze(incidents, cell_size_m=cell_size_m, grid=grid, boundaries=boundaries,
                      distance_band_m=distance_band_m, alpha=alpha, lisa=True,
                      permutations=permutations, seed=seed, quiet=quiet)  # fmt: skip
    return _columns(result, LISA_COLUMNS)


# -- steps ---------------------------------------------------------------------------------------


def _analyze(
    incidents: gpd.GeoDataFrame,
    *,
    boundaries: gpd.GeoDataFrame | None,
    quiet: bool,
    **options: Any,
) -> Analysis:
    return analyze(_points(incidents, quiet=quiet), boundaries=boundaries, quiet=quiet, **options)


def _points(incidents: gpd.GeoDataFrame, *, quiet: bool) -> gpd.GeoDataFrame:
    """``incidents`` as points in a metric CRS with ``occurred_at`` and ``offense`` columns."""
    require_geodata(incidents, "incidents")
    kinds = set(shapely.get_type_id(incidents.geometry.values).tolist())
    if kinds - {0}:  # 0 = Point
        raise InputError(
            "incidents holds geometries other than points; give one point per incident "
            "(e.g. polygons.representative_point())."
        )
    points = incidents
    if not CRS.from_user_input(points.crs).is_projected:
        points = to_metric(points)
        log.log(
            logging.DEBUG if quiet else logging.INFO,
            "Incidents projected to %s (metres) for distances and areas",
            points.crs.to_string(),
        )
    extra: dict[str, object] = {}
    if "offense" not in points.columns:
        extra["offense"] = UNLABELLED_OFFENSE
    if "occurred_at" not in points.columns:
        extra["occurred_at"] = pd.Series(pd.NaT, index=points.index, dtype="datetime64[ns]")
    return points.assign(**extra) if extra else points


def _columns(result: Analysis, columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    cells = result.cells
    out = gpd.GeoDataFrame(cells[list(columns)], geometry="geometry", crs=cells.crs)
    out.attrs["params"] = dict(result.params)
    return out.reset_index(drop=True)
