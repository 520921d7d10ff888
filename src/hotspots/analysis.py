"""The hotspot analysis: incidents in, counts and significant clusters out.

:func:`analyze` is the verb the CLI and the app call. It reads as a short pipeline:

    study area → grid → filter → assign → count → Gi* (FDR) → Local Moran → areas → ranking

The grid is laid over *all* incidents (or the boundaries), not the filtered ones, so
cells stay put when a filter changes. Every result carries the parameters that made it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from hotspots.blocks import spans
from hotspots.errors import ColumnError, EmptyDataError, InputError, invalid
from hotspots.ingest.table import IncidentTable, as_table
from hotspots.maps import palettes
from hotspots.spatial.counting import count_by_unit, density_per_km2, rate_per_1000
from hotspots.spatial.filters import Filters, filter_mask
from hotspots.spatial.grids import (
    GRID_KINDS,
    CellSizeChoice,
    Grid,
    GridKind,
    auto_cell_size_m,
    check_cell_size_m,
    distinct_points,
    grid_and_cells,
    study_area,
    study_outline,
)
from hotspots.spatial.projection import require_metric, to_display, to_metric
from hotspots.spatial.units import incident_areas, locate_in_polygons, points_in_areas
from hotspots.stats.classify import (
    HOT,
    MIN_INCIDENTS,
    NEAR_HOT,
    NOT_SIGNIFICANT,
    OWN_COUNT_RULE,
    classify_hotspots,
)
from hotspots.stats.concentration import concentration_curve, count_places
from hotspots.stats.gistar import INFERENCE_METHODS, Inference, gi_star
from hotspots.stats.lisa import local_moran
from hotspots.stats.significance import check_alpha
from hotspots.stats.weights import Neighbours, distance_band, grid_contiguity, polygon_contiguity

if TYPE_CHECKING:
    from hotspots.ingest import LoadResult

log = logging.getLogger(__name__)

_T = TypeVar("_T")

#: A grid cell is a unit when at least this share of it lies in the study area, or when it
#: holds an incident (:func:`hotspots.spatial.grids.make_grid`).
MIN_INSIDE_SHARE = 0.5

INCIDENT_COLUMNS = ("occurred_at", "offense")
HOTSPOT_COLUMNS = (
    "rank", "cell_id", "neighbourhood", "count", "density_km2", "gi_z", "gi_p", "gi_p_fdr",
    "confidence", "top_offense", "top_offense_share", "lon", "lat",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Analysis:
    """The result of :func:`analyze`.

    Attributes
    ----------
    cells : GeoDataFrame (metric CRS)
        One row per active grid cell: ``cell_id``, ``neighbourhood``, ``count``,
        ``density_km2``, ``gi_z``, ``gi_p``, ``gi_p_fdr``, ``gi_bin``, ``gi_label``,
        ``gi_class`` ("Hot spot", "Near a hot spot", "Cold spot", "Not significant":
        :mod:`hotspots.stats.classify`), ``hotspot`` (bool: ``gi_class == "Hot spot"``, the
        one set every surface uses; ``gi_bin`` is non-zero only inside the significant
        set), ``lisa_i``,
        ``lisa_quadrant``, ``lisa_p``, ``lisa_p_fdr``, ``lisa_cluster``, ``geometry``.
    areas : GeoDataFrame or None (metric CRS)
        One row per boundary polygon when boundaries were given: ``name``, ``count``,
        ``area_km2``, ``density_km2``, ``population``, ``rate_per_1000``, the ``gi_*``
        and ``lisa_*`` columns (polygon queen contiguity), ``geometry``.
    hotspots : DataFrame
        Significant hot cells ranked by z: see :data:`HOTSPOT_COLUMNS`.
    selected : IncidentTable
        The incidents that passed the filters as arrays, with ``cell_id`` (-1 = outside
        the grid).
    incidents : GeoDataFrame
        ``selected`` as points (built on first use).
    grid : Grid
    params : dict
        Every parameter, including the automatic ones, ready for JSON. ``params["notes"]``
        lists caveats the statistics raised (e.g. counts too sparse for Gi*'s normal p-values).
    """

    cells: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame | None
    hotspots: pd.DataFrame
    selected: IncidentTable
    grid: Grid
    params: dict[str, Any] = field(default_factory=dict)

    def __getstate__(self) -> dict[str, object]:
        # The points are rebuilt from the arrays on demand; they are not worth pickling.
        return {k: v for k, v in self.__dict__.items() if k != "incidents"}

    @cached_property
    def incidents(self) -> gpd.GeoDataFrame:
        """The selected incidents as a GeoDataFrame of points, with ``cell_id``."""
        return self.selected.to_geodataframe()


class Layouts:
    """What :func:`analyze` builds from a data set that no filter changes, kept for reuse.

    The study area, the grid (its cells, polygons, names and the cell of every incident),
    the cells' contiguity and the boundaries' contiguity depend on *all* the incidents, the
    boundaries, the grid kind and the cell size — never on the filters (the automatic cell
    size is chosen from the filtered incidents first, and the grid is then looked up by the
    chosen size). Pass one ``Layouts`` per data set to every :func:`analyze` of it (the
    dashboard keeps one per data set): a new filter then only counts and tests. Results
    are identical to an analysis without it.

    Parameters
    ----------
    incidents : IncidentTable
        The data set's incidents, the very object later given to :func:`analyze`.
    boundaries : GeoDataFrame, optional
        Its boundaries, the very object later given to :func:`analyze`.
    max_entries : int
        Structures kept (grid kind × cell size × neighbourhood); the least recently used go
        first (the study area and the distinct places, used by every analysis, stay).
    """

    def __init__(
        self,
        incidents: IncidentTable,
        boundaries: gpd.GeoDataFrame | None = None,
        *,
        max_entries: int = 12,
    ) -> None:
        self.incidents = incidents
        self.boundaries = boundaries
        self.max_entries = max_entries
        self._entries: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    def serves(self, incidents: object, boundaries: object) -> bool:
        """Whether these are the incidents and boundaries this ``Layouts`` was made for."""
        return incidents is self.incidents and boundaries is self.boundaries

    def get(self, key: tuple[Any, ...], build: Callable[[], _T]) -> _T:
        """The structure stored under ``key``, built by ``build()`` on first use."""
        with self._lock:
            if key in self._entries:
                found: _T = self._entries.pop(key)
                self._entries[key] = found  # now the most recently used
                return found
        value = build()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                del self._entries[next(iter(self._entries))]
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries


def _remember(layouts: Layouts | None, key: tuple[Any, ...], build: Callable[[], _T]) -> _T:
    """``build()``, or its stored result when ``layouts`` is given (see :class:`Layouts`)."""
    return build() if layouts is None else layouts.get(key, build)


def analyze(
    incidents: gpd.GeoDataFrame | IncidentTable | LoadResult,
    *,
    boundaries: gpd.GeoDataFrame | None = None,
    filters: Filters | None = None,
    grid: GridKind = "square",
    cell_size_m: float | None = None,
    distance_band_m: float | None = None,
    alpha: float = 0.05,
    lisa: bool = True,
    permutations: int = 999,
    seed: int = 0,
    inference: Inference = "exact",
    quiet: bool = False,
    layouts: Layouts | None = None,
) -> Analysis:
    """Count incidents on a grid (and in boundaries) and find significant hotspots.

    Parameters
    ----------
    incidents : LoadResult, GeoDataFrame or IncidentTable
        What :func:`hotspots.ingest.load_incidents` returns (its array form
        ``LoadResult.table`` is used), or points in a metric CRS with ``occurred_at`` and
        ``offense`` columns (``LoadResult.incidents``).
    boundaries : GeoDataFrame, optional
        Polygons with ``name`` (and optional ``population``) columns, any CRS, as returned
        by :func:`hotspots.ingest.load_boundaries`. The grid then covers their union.
    filters : Filters, optional
        Offense, date, hour and weekday selection.
    grid : {"square", "hex"}
    cell_size_m : float, optional
        Cell size in metres; when omitted, chosen from the selected incidents' own pattern
        (:func:`hotspots.spatial.grids.auto_cell_size_m`) and announced.
    distance_band_m : float, optional
        Neighbourhood for Gi* and Local Moran: a distance band in metres between cell
        centres. Default: contiguity (queen for squares, the 6 edge neighbours for hexagons).
    alpha : float
        False discovery rate for calling a cell a hot or cold spot (Benjamini–Hochberg).
    lisa : bool
        Also compute Local Moran's I clusters (two-sided conditional-permutation p-values).
    permutations, seed : int
        Random conditional permutations for Local Moran and their seed, used only with
        ``inference="normal"`` (exact p-values need neither).
    inference : {"exact", "normal"}
        ``"exact"`` (default): exact permutation p-values for Gi* and Local Moran
        (:mod:`hotspots.stats.exact`). ``"normal"``: Gi*'s normal approximation and Local
        Moran by ``permutations`` random permutations (too many false hot spots on sparse
        counts).
    quiet : bool
        Log automatic choices at debug level instead of info.
    layouts : Layouts, optional
        The filter-independent structures of these incidents and boundaries, built on
        first use and reused by later calls with the same ``layouts`` (same results,
        faster: see :class:`Layouts`).
    """
    level = logging.DEBUG if quiet else logging.INFO
    filters = filters or Filters()
    alpha = check_alpha(alpha)
    if grid not in GRID_KINDS:
        raise invalid("grid", grid, GRID_KINDS)
    if inference not in INFERENCE_METHODS:
        raise invalid("inference", inference, INFERENCE_METHODS)
    incidents = as_table(incidents)
    crs = _check_incidents(incidents)
    if layouts is not None and not layouts.serves(incidents, boundaries):
        raise InputError(
            "layouts was made for other incidents or boundaries than the ones given; "
            "make one Layouts(incidents, boundaries) per data set and pass those same objects."
        )
    bounds_gdf = _remember(layouts, ("boundaries",), lambda: _prepare_boundaries(boundaries, crs))

    keep = filter_mask(incidents.frame, filters)
    selected = incidents.select(keep)
    log.log(
        level,
        "%s of %s incidents pass the filters (%s)",
        f"{len(selected):,}",
        f"{len(incidents):,}",
        filters.describe(),
    )
    # The boundaries' union or all incidents' hull, once: the cell size and the grid buffer it.
    outline = _remember(
        layouts,
        ("outline",),
        lambda: study_outline((incidents.x_m, incidents.y_m), boundaries=bounds_gdf),
    )
    size, choice = _cell_size(
        incidents, selected, keep, bounds_gdf, cell_size_m, outline, kind=grid, layouts=layouts
    )
    if choice is not None:
        log.log(level, "%s", choice.reason)
    layout = _remember(
        layouts,
        ("grid", grid, size),
        lambda: _grid_layout(incidents, bounds_gdf, outline, crs, grid, size),
    )
    the_grid, every_cell = layout.grid, layout.every_cell
    # assign copies the array: the layout's read-only cells stay untouched.
    cell_index = every_cell if selected is incidents else every_cell[keep]
    selected = selected.assign(cell_id=cell_index)
    outside = int(np.count_nonzero(cell_index < 0))
    if outside:
        log.warning(
            "%s incident(s) fall outside the grid's study area and are not counted", f"{outside:,}"
        )

    ids = the_grid.cell_ids
    counts = the_grid.count_located(cell_index)

    neighbours, weights_label = _remember(
        layouts,
        ("cell neighbours", grid, size, distance_band_m),
        lambda: _cell_neighbours(the_grid, distance_band_m),
    )
    cells = gpd.GeoDataFrame(
        {
            "cell_id": ids,
            "neighbourhood": layout.names.copy(),
            "count": counts,
            "density_km2": density_per_km2(counts, the_grid.cell_area_m2),
        },
        geometry=layout.polygons.copy(),
        crs=crs,
    )
    cells, notes = _add_statistics(
        cells,
        counts,
        neighbours,
        weights_label,
        incidents=len(selected),
        alpha=alpha,
        lisa=lisa,
        permutations=permutations,
        seed=seed,
        inference=inference,
    )

    areas = None
    area_method = None
    if bounds_gdf is not None:
        areas, area_method, area_notes = _area_table(
            selected,
            bounds_gdf,
            in_polygons=_points_in_areas(incidents, selected, keep, bounds_gdf, layouts),
            alpha=alpha,
            lisa=lisa,
            permutations=permutations,
            seed=seed,
            inference=inference,
            layouts=layouts,
        )
        notes += [f"Neighbourhoods: {note}" for note in area_notes]

    params: dict[str, Any] = {
        "grid": grid,
        "cell_size_m": size,
        "cell_size_automatic": choice is not None,
        "cell_size_reason": choice.reason if choice is not None else "given",
        "cells": int(ids.size),
        "cells_rule": f"cells with at least {MIN_INSIDE_SHARE:.0%} of their area in the study "
        "area, or holding an incident",
        "neighbourhood": weights_label,
        "statistic": "Getis-Ord Gi* (binary weights, self included), " + _INFERENCE_TEXT[inference],
        "inference": inference,
        "multiple_testing": "Benjamini-Hochberg false discovery rate",
        "alpha": alpha,
        "hotspot_rule": "significant at the false discovery rate, positive z, and "
        f"{OWN_COUNT_RULE}; significant cells that fail the own-count rule are "
        "'near a hot spot'",
        "min_incidents": MIN_INCIDENTS,
        "enough_evidence": len(selected) >= MIN_INCIDENTS,
        "lisa": _lisa_params(lisa, inference, permutations, seed),
        "filters": filters.as_dict(),
        "filters_text": filters.describe(),
        "crs": crs.to_string(),
        "incidents_total": len(incidents),
        "incidents_selected": len(selected),
        "incidents_outside_grid": outside,
        "area_counts": area_method,
        "hotspot_cells": int(cells["hotspot"].sum()),
        "near_hotspot_cells": int((cells["gi_class"] == NEAR_HOT).sum()),
        "coldspot_cells": int((cells["gi_class"] == "Cold spot").sum()),
        "notes": notes,
    }
    log.log(
        level,
        "%d hot spot cells (%d more near a hot spot) and %d cold spot cells at FDR %g",
        params["hotspot_cells"],
        params["near_hotspot_cells"],
        params["coldspot_cells"],
        alpha,
    )
    return Analysis(
        cells=cells,
        areas=areas,
        hotspots=rank_hotspots(cells, selected.frame),
        selected=selected,
        grid=the_grid,
        params=params,
    )


def rank_hotspots(cells: gpd.GeoDataFrame, incidents: pd.DataFrame) -> pd.DataFrame:
    """Significant hot cells ranked by Gi* z (highest first), with their main offense and
    the cell centre in longitude/latitude."""
    hot = cells.loc[cells["hotspot"]].sort_values(["gi_z", "count"], ascending=[False, False])
    centres = to_display(gpd.GeoDataFrame(geometry=hot.geometry.centroid, crs=cells.crs))
    mix = _top_label(
        incidents["cell_id"].to_numpy(), incidents["offense"], hot["cell_id"].to_numpy()
    ).rename(columns={"label": "offense"})
    table = pd.DataFrame(
        {
            "rank": np.arange(1, len(hot) + 1),
            "cell_id": hot["cell_id"].to_numpy(),
            "neighbourhood": hot["neighbourhood"].to_numpy(),
            "count": hot["count"].to_numpy(),
            "density_km2": hot["density_km2"].round(1).to_numpy(),
            "gi_z": hot["gi_z"].to_numpy(),
            "gi_p": hot["gi_p"].to_numpy(),
            "gi_p_fdr": hot["gi_p_fdr"].to_numpy(),
            "confidence": hot["gi_label"]
            .str.replace("Hot spot, ", "", regex=False)
            .str.replace(" confidence", "", regex=False)
            .to_numpy(),
            "top_offense": mix["offense"].reindex(hot["cell_id"]).to_numpy(),
            "top_offense_share": (
                mix["n"].reindex(hot["cell_id"]).to_numpy() / np.maximum(hot["count"].to_numpy(), 1)
            ).round(3),
            "lon": centres.geometry.x.round(6).to_numpy(),
            "lat": centres.geometry.y.round(6).to_numpy(),
        }
    )
    return table[list(HOTSPOT_COLUMNS)]


def _top_label(
    cell_id: NDArray[np.integer], labels: pd.Series, cells: NDArray[np.integer]
) -> pd.DataFrame:
    """The most common of the incidents' ``labels`` (``label``, as text) and its count
    (``n``) in each of ``cells`` that holds labelled incidents, indexed by cell id; ties go to
    the label seen first in the incidents' order. Counted on integer codes, not on text per
    incident; over the (cell, label) pairs that occur when a table of every pair would be
    larger than the incidents (a label column of street names, say)."""
    wanted = np.unique(cells)
    if wanted.size == 0 or len(cell_id) == 0:
        return pd.DataFrame(
            {"label": pd.array([], dtype="string"), "n": np.zeros(0, dtype=np.int64)},
            index=pd.Index(wanted[:0], name="cell_id"),
        )
    # Position of each incident's cell among ``cells`` (-1: another cell or none), by lookup.
    lookup = np.full(int(max(wanted.max(), cell_id.max())) + 2, -1, dtype=np.int64)
    lookup[wanted] = np.arange(wanted.size)
    if isinstance(labels.dtype, pd.CategoricalDtype):  # the codes, no frame copy
        codes, names = labels.cat.codes.to_numpy(), labels.cat.categories
    else:
        codes, names = pd.factorize(labels)
    width = max(len(names), 1)
    if wanted.size * width <= min(max(len(cell_id), 1 << 16), _PAIR_TABLE):
        # A table of every pair (no larger than the incidents), counted a block at a time.
        n = np.zeros(wanted.size * width, dtype=np.int64)
        first = np.full(n.size, len(cell_id), dtype=np.int64)  # the first incident with it
        for span in spans(len(cell_id)):
            pair, at = _pairs(lookup, cell_id[span], codes[span], width)
            n += np.bincount(pair, minlength=n.size)
            np.minimum.at(first, pair, at + span.start)
        seen = np.flatnonzero(n)
        n, first = n[seen], first[seen]
    else:  # only the pairs that occur (a label column of street names, say)
        pair, at = _pairs(lookup, cell_id, codes, width)
        seen, inverse, n = np.unique(pair, return_inverse=True, return_counts=True)
        first = np.full(seen.size, len(cell_id), dtype=np.int64)
        np.minimum.at(first, inverse, at)
    ranked = np.lexsort((first, -n, seen // width))
    cell = seen[ranked] // width
    top = ranked[np.r_[True, cell[1:] != cell[:-1]]] if ranked.size else ranked
    return pd.DataFrame(
        {
            "label": pd.array(np.asarray(names, dtype=object)[seen[top] % width], dtype="string"),
            "n": n[top],
        },
        index=pd.Index(wanted[seen[top] // width], name="cell_id"),
    )


#: Largest (cell, label) table :func:`_top_label` counts in (8 MiB); more pairs are sorted.
_PAIR_TABLE = 1 << 20


def _pairs(
    lookup: NDArray[np.int64], cell_id: NDArray[np.integer], codes: NDArray[np.integer], width: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The (cell position, label code) pair of each incident in a looked-up cell with a
    label, as one number, and the incidents' positions."""
    slot = lookup[cell_id]  # cell id -1 reads the last entry, which is -1
    at = np.flatnonzero((slot >= 0) & (codes >= 0))  # missing labels are not counted
    return slot[at] * width + codes[at], at


def concentration(analysis: Analysis, *, max_points: int | None = 400) -> pd.DataFrame:
    """Concentration curves of the analysed incidents: over places (distinct incident
    locations) and over the grid's cells (equal cells, so the share of cells is the share of
    area), in one long frame with columns ``units``, ``share_of_units``,
    ``share_of_incidents`` (see :mod:`hotspots.stats.concentration`)."""
    table = analysis.selected
    counted = table["cell_id"].to_numpy() >= 0
    places = count_places(table.x_m[counted], table.y_m[counted])
    size = analysis.params["cell_size_m"]
    curves = [
        concentration_curve(places["count"], units="places", max_points=max_points)
        if len(places)
        else None,
        concentration_curve(
            analysis.cells["count"], units=f"{size:g} m cells (area)", max_points=max_points
        ),
    ]
    return pd.concat([c for c in curves if c is not None], ignore_index=True)


# -- steps ---------------------------------------------------------------------------------------

_INFERENCE_TEXT: dict[str, str] = {
    "exact": "two-sided exact conditional-permutation p-values",
    "normal": "two-sided normal-approximation p-values",
}


def _lisa_params(
    lisa: bool, inference: Inference, permutations: int, seed: int
) -> dict[str, Any] | None:
    if not lisa:
        return None
    if inference == "exact":
        return {"inference": "exact", "p_values": "two-sided"}
    return {
        "inference": "permutation",
        "p_values": "two-sided",
        "permutations": permutations,
        "seed": seed,
    }


def _check_incidents(incidents: IncidentTable) -> Any:
    missing = [c for c in INCIDENT_COLUMNS if c not in incidents.columns]
    if missing:
        raise ColumnError(
            f"incidents lacks column(s) {missing}; it has {list(incidents.columns)}. "
            "Load them with hotspots.ingest.load_incidents(...), which produces these columns."
        )
    if len(incidents) == 0:
        raise EmptyDataError(
            "incidents is empty: there is nothing to analyze. Check the input file and the reject report."
        )
    return require_metric(incidents, "incidents")


def _prepare_boundaries(boundaries: gpd.GeoDataFrame | None, crs: Any) -> gpd.GeoDataFrame | None:
    if boundaries is None:
        return None
    if "name" not in boundaries.columns:
        raise ColumnError(
            f"boundaries lacks a 'name' column; it has {list(boundaries.columns)}. "
            "Load them with hotspots.ingest.load_boundaries(...), which names every polygon."
        )
    out = to_metric(boundaries, crs)
    if "population" not in out.columns:
        out = out.assign(population=np.nan)
    return out.reset_index(drop=True)


def _cell_size(
    incidents: IncidentTable,
    selected: IncidentTable,
    keep: NDArray[np.bool_],
    boundaries: gpd.GeoDataFrame | None,
    cell_size_m: float | None,
    outline: shapely.Geometry,
    *,
    kind: GridKind,
    layouts: Layouts | None,
) -> tuple[float, CellSizeChoice | None]:
    """The cell size: given, or :func:`~hotspots.spatial.grids.auto_cell_size_m` from the
    *selected* incidents' own pattern over the unbuffered study area (their distinct
    locations looked up among all incidents' when ``layouts`` holds those)."""
    if cell_size_m is not None:
        return check_cell_size_m(cell_size_m), None
    hull = study_area((incidents.x_m, incidents.y_m), boundaries=boundaries, outline=outline)
    chosen = selected if len(selected) else incidents
    places = None
    if layouts is not None:
        place_of, place_xy = layouts.get(("places",), lambda: _places(incidents))
        ids = place_of if chosen is incidents else place_of[keep]
        places = place_xy[np.unique(ids[ids >= 0])]
    choice = auto_cell_size_m(
        chosen.x_m, chosen.y_m, area_m2=float(shapely.area(hull)), kind=kind, places_xy=places
    )
    return check_cell_size_m(choice.cell_size_m), choice


def _places(incidents: IncidentTable) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Each incident's distinct location (-1 without finite coordinates) and the distinct
    locations in the lexicographic order ``np.unique(..., axis=0)`` gives, so that
    ``xy[np.unique(place[subset])]`` is exactly the ``np.unique`` of the subset's points."""
    xy = np.column_stack([incidents.x_m, incidents.y_m]).astype(np.float64)
    ok = np.isfinite(xy).all(axis=1)
    place_xy, inverse = distinct_points(xy[ok], inverse=True)
    place_of = np.full(len(xy), -1, dtype=np.int64)
    place_of[ok] = inverse
    place_of.setflags(write=False)
    place_xy.setflags(write=False)
    return place_of, place_xy


@dataclass(frozen=True, eq=False)
class _GridLayout:
    """The grid of one (data set, kind, cell size) and what follows from it alone."""

    grid: Grid
    every_cell: NDArray[np.int64]  # the cell of every incident (-1 = outside)
    names: pd.Series  # the area name of each active cell
    polygons: NDArray[np.object_]  # the polygon of each active cell


def _grid_layout(
    incidents: IncidentTable,
    boundaries: gpd.GeoDataFrame | None,
    outline: shapely.Geometry,
    crs: Any,
    kind: GridKind,
    size: float,
) -> _GridLayout:
    """The grid over the study area (:func:`~hotspots.spatial.grids.study_area`: the
    boundaries, or all incidents' convex hull buffered by half a cell, so cells stay put when
    filters change) with its cells' names and polygons and every incident's cell."""
    area = study_area(
        (incidents.x_m, incidents.y_m), boundaries=boundaries, buffer_m=size / 2.0, outline=outline
    )
    # Cells mostly outside the area are units only when they hold an incident (any incident,
    # so the grid stays put when the filters change): see make_grid.
    the_grid, every_cell = grid_and_cells(
        area,
        incidents.x_m,
        incidents.y_m,
        crs=crs,
        kind=kind,
        cell_size_m=size,
        min_inside_share=MIN_INSIDE_SHARE,
        quiet=True,
    )
    every_cell.setflags(write=False)
    return _GridLayout(
        grid=the_grid,
        every_cell=every_cell,
        names=_cell_names(the_grid, boundaries, incidents, every_cell),
        polygons=the_grid.polygons(the_grid.cell_ids),
    )


def _cell_neighbours(grid: Grid, distance_band_m: float | None) -> tuple[Neighbours, str]:
    if distance_band_m is None:
        label = (
            "queen contiguity (8 neighbours)"
            if grid.kind == "square"
            else "hexagon contiguity (6 neighbours)"
        )
        return grid_contiguity(grid), label
    return distance_band(
        grid.centres(), radius_m=distance_band_m
    ), f"distance band {distance_band_m:g} m"


def _cell_names(
    grid: Grid,
    boundaries: gpd.GeoDataFrame | None,
    incidents: IncidentTable,
    every_cell: NDArray[np.int64],
) -> pd.Series:
    """Name of each cell's area: the boundary containing its centre, else the most common
    source label among the incidents in it (``every_cell``: each incident's cell; ties go to
    the label seen first), else missing."""
    ids = grid.cell_ids
    if boundaries is not None:
        centres = shapely.points(grid.centres(ids))
        idx = locate_in_polygons(centres, boundaries)
        names = boundaries["name"].to_numpy(dtype=object)
        return pd.Series(np.where(idx >= 0, names[np.maximum(idx, 0)], None), dtype="string")
    labels = incidents["neighbourhood"] if "neighbourhood" in incidents.columns else None
    if labels is None or labels.isna().all():
        return pd.Series([None] * ids.size, dtype="string")
    top = _top_label(every_cell, labels, ids)["label"]
    return pd.Series(top.reindex(ids).to_numpy(), dtype="string")


def _add_statistics(
    units: gpd.GeoDataFrame,
    values: NDArray[np.number],
    neighbours: Neighbours,
    weights_label: str,
    *,
    incidents: int,
    alpha: float,
    lisa: bool,
    permutations: int,
    seed: int,
    inference: Inference,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Gi* and (optionally) Local Moran columns for ``units`` classified by the one rule
    (:func:`hotspots.stats.classify.classify_hotspots`); also the statistics' caveats."""
    gi = gi_star(
        values.astype(np.float64),
        neighbours,
        alpha=alpha,
        weights_label=weights_label,
        inference=inference,
    )
    classes = classify_hotspots(values, gi.z, gi.p_fdr, alpha=alpha, incidents=incidents)
    stats = gi.to_frame(index=units.index)
    stats["gi_bin"] = classes.bin
    stats["gi_class"] = pd.Series(classes.label, index=units.index, dtype="string")
    stats["gi_label"] = _gi_labels(classes.label, classes.bin, units.index)
    stats["hotspot"] = classes.hot
    notes = [note for note in (classes.note, gi.note) if note]
    if lisa:
        lm = local_moran(
            values.astype(np.float64),
            neighbours,
            permutations=permutations,
            alpha=alpha,
            rng=seed,
            inference="exact" if inference == "exact" else "permutation",
        )
        lisa_frame = lm.to_frame(index=units.index)
        if not classes.enough_evidence:
            lisa_frame["lisa_cluster"] = NOT_SIGNIFICANT
        stats = stats.join(lisa_frame)
        notes += [lm.note] if lm.note else []
    geometry = units.geometry
    frame = gpd.GeoDataFrame(
        pd.concat([units.drop(columns="geometry"), stats], axis=1), geometry=geometry, crs=units.crs
    )
    return frame, notes


def _gi_labels(label: NDArray[np.str_], bins: NDArray[np.int8], index: pd.Index) -> pd.Series:
    """ "Hot spot, 99% confidence", "Near a hot spot, 95% confidence", ... per unit."""
    # Each bin's two labels (as is, and near a hot spot) built once, then looked up per unit.
    lowest, highest = min(palettes.GI_LEGEND), max(palettes.GI_LEGEND)
    table = np.array(
        [
            (text, text.replace(HOT, NEAR_HOT))
            if (text := palettes.GI_LEGEND.get(b))
            else (None,) * 2
            for b in range(lowest, highest + 1)
        ],
        dtype=object,
    )
    near = (label == NEAR_HOT).astype(np.int64)
    text = table[np.asarray(bins, dtype=np.int64) - lowest, near]
    return pd.Series(text, index=index, dtype="string")


def _points_in_areas(
    incidents: IncidentTable,
    selected: IncidentTable,
    keep: NDArray[np.bool_],
    boundaries: gpd.GeoDataFrame,
    layouts: Layouts | None,
) -> Callable[[], NDArray[np.int64]] | None:
    """The polygon of each selected incident, from one lookup of every incident kept in
    ``layouts`` (None without: :func:`incident_areas` looks the selection up itself)."""
    if layouts is None:
        return None

    def located() -> NDArray[np.int64]:
        every = layouts.get(("area positions",), lambda: points_in_areas(incidents, boundaries))
        return every if selected is incidents else every[keep]

    return located


def _area_table(
    incidents: IncidentTable,
    boundaries: gpd.GeoDataFrame,
    *,
    alpha: float,
    lisa: bool,
    permutations: int,
    seed: int,
    inference: Inference,
    layouts: Layouts | None = None,
    in_polygons: Callable[[], NDArray[np.int64]] | None = None,
) -> tuple[gpd.GeoDataFrame, str, list[str]]:
    """Counts, density, rate and statistics per boundary polygon (+ the counting method, caveats)."""
    names = boundaries["name"]
    positions, method = incident_areas(incidents, boundaries, in_polygons=in_polygons)
    counts = count_by_unit(positions, len(boundaries))
    area_m2, neighbours = _remember(
        layouts,
        ("area neighbours",),
        lambda: (
            boundaries.geometry.area.to_numpy(),
            polygon_contiguity(boundaries.geometry.values),
        ),
    )
    areas = gpd.GeoDataFrame(
        {
            "name": names.to_numpy(),
            "count": counts,
            "area_km2": area_m2 / 1e6,
            "density_km2": density_per_km2(counts, area_m2),
            "population": boundaries["population"].to_numpy(dtype=np.float64),
            "rate_per_1000": rate_per_1000(
                counts, boundaries["population"].to_numpy(dtype=np.float64)
            ),
        },
        geometry=boundaries.geometry.values,
        crs=boundaries.crs,
    )
    areas, notes = _add_statistics(
        areas,
        counts,
        neighbours,
        "polygon queen contiguity",
        incidents=len(incidents),
        alpha=alpha,
        lisa=lisa,
        permutations=permutations,
        seed=seed,
        inference=inference,
    )
    return areas, method, notes
