"""From a hotspot analysis to the planner's inputs: demand, candidate sites, and reach.

The CLI (``hotspots plan``) and the app's *Plan outreach* page both go through
:func:`outreach_inputs`, so neither builds demand or candidates on its own::

    analysis = analyze(load.incidents, boundaries=boundaries, filters=filters)
    inputs = outreach_inputs(analysis, demand="incidents", candidates="neighbourhoods")
    plan = inputs.plan(k=10, radius_m=1000)
    curve = inputs.curve(k_max=20, radius_m=1000)
    reach = inputs.reach(plan)          # incidents, hot spot cells, areas per site
    html = inputs.briefing(plan, curve=curve)

Demand
------
:func:`demand_from_incidents`
    The incidents (already filtered by the analysis: period, offenses...), optionally
    weighted by offense, aggregated to demand points: incidents are grouped by a square
    cell of ``cell_size_m`` (a fixed grid anchored at the CRS origin) *and* by their
    area (neighbourhood), and each group becomes one point at the weighted mean location
    of its incidents, weighing the group's (weighted) count. Area totals are therefore
    exact, and a demand point is never further than the cell's diagonal from its
    incidents (in practice much closer). 241,000 Toronto incidents become about 18,000
    points with 100 m cells.
:func:`demand_from_hotspots`
    Only the statistically significant hot spot cells (Gi* after FDR), each weighing its
    (weighted) incident count; the planner measures distances to the cell centres.

Candidates
----------
:func:`candidates_from_analysis` places automatic candidates at the centres of the
hot spot cells (``"hotspots"``) or of the neighbourhoods (``"neighbourhoods"``, needs
boundaries), through :func:`~hotspots.outreach.candidate_sites`. A file of partner
locations is read with :func:`~hotspots.ingest.sites.load_sites`. Existing sites
that must stay can be added from another file (``existing=``); they are always kept.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from hotspots.analysis import Analysis
from hotspots.errors import CRSError, EmptyDataError, InputError, Option, describe, invalid
from hotspots.outreach.briefing import briefing_html
from hotspots.outreach.coverage import coverage_matrix
from hotspots.outreach.inputs import centre_points, no_crs_message, require_frame
from hotspots.outreach.plan import (
    CurveMethod,
    Method,
    OutreachPlan,
    candidate_sites,
    coverage_curve,
    plan_outreach,
)
from hotspots.spatial.projection import choose_metric_crs, to_metric
from hotspots.spatial.units import incident_areas, names_at

log = logging.getLogger(__name__)

DemandKind = Literal["incidents", "hotspots"]
CandidateSource = Literal["hotspots", "neighbourhoods"]
DEMAND_KINDS: tuple[DemandKind, ...] = ("incidents", "hotspots")
CANDIDATE_SOURCES: tuple[CandidateSource, ...] = ("hotspots", "neighbourhoods")

#: Default size of the demand cells, in metres (a demand point is at most ~71 m, half
#: the diagonal, from the centre of its cell, and sits at its incidents' mean location).
DEFAULT_DEMAND_CELL_SIZE_M = 100.0

#: Columns of the demand frames (plus ``geometry``); ``cell_id`` only for hot spot demand.
DEMAND_COLUMNS = ("weight", "incidents", "area")
#: Columns of the candidate frames built here (plus ``geometry``).
CANDIDATE_COLUMNS = ("name", "source")
#: Columns of :attr:`PlanReach.by_site`.
REACH_COLUMNS = (
    "rank",
    "name",
    "fixed",
    "incidents",
    "incidents_added",
    "hotspot_cells",
    "n_areas_reached",
    "areas_reached",
)


# -- demand ---------------------------------------------------------------------------------


def demand_from_incidents(
    incidents: gpd.GeoDataFrame,
    *,
    offense_weights: Mapping[str, float] | None = None,
    cell_size_m: float = DEFAULT_DEMAND_CELL_SIZE_M,
    areas: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Aggregate incidents to weighted demand points (see the module docstring).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Incident points with a CRS, e.g. :attr:`Analysis.incidents` (already filtered)
        or ``LoadResult.incidents``. An ``offense`` column is needed with
        ``offense_weights``; a ``neighbourhood`` column gives each point its area.
    offense_weights : dict of str to float, optional
        Weight per offense (``{"Assault": 2, "Theft Over": 0.5}``); offenses not named
        weigh 1, weight 0 leaves an offense out. Names match exactly, else ignoring case.
    cell_size_m : float
        Side of the aggregation cells, in metres (default 100).
    areas : geopandas.GeoDataFrame, optional
        Polygons with a ``name`` column (e.g. :attr:`Analysis.areas`). The incidents'
        own ``neighbourhood`` labels are used when they match these names (Toronto),
        otherwise each incident gets the name of the polygon it falls in.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per (cell, area) with weighted incidents: ``weight`` (float, the
        weighted count), ``incidents`` (int, the unweighted count), ``area`` (string,
        ``<NA>`` when unknown) and Point ``geometry`` (the weighted mean location) in a
        metric CRS, RangeIndex. ``attrs["parameters"]`` records how it was built.

    Raises
    ------
    hotspots.errors.InputError
        Bad ``cell_size_m`` or ``offense_weights``; no CRS; no incidents; every weight 0.
    """
    require_frame(incidents, "incidents")
    if incidents.crs is None:
        raise CRSError(no_crs_message("incidents"))
    if len(incidents) == 0:
        raise EmptyDataError(
            "incidents is empty: there is no demand to cover. Widen the filters (period, "
            "offenses) or check the input file."
        )
    size = _check_cell_size(cell_size_m)
    metric = to_metric(incidents, choose_metric_crs(incidents, quiet=True))
    weights = incident_weights(metric, offense_weights)
    labels = _incident_areas(metric, areas)

    points = centre_points(metric.geometry.values, "incidents")
    xy = shapely.get_coordinates(points)
    keep = (weights > 0) & np.isfinite(xy).all(axis=1)
    if not keep.any():
        raise EmptyDataError(
            f"offense_weights={describe(dict(offense_weights or {}))} gives every one of the "
            f"{len(incidents):,} incidents weight 0, so there is no demand. Give at least one "
            "offense a positive weight."
        )
    xy, w = xy[keep], weights[keep]
    area_code, area_names = pd.factorize(labels[keep], sort=True)
    cells = np.floor(xy / size).astype(np.int64)
    key = np.column_stack([cells, np.asarray(area_code, dtype=np.int64)])
    unique, group = np.unique(key, axis=0, return_inverse=True)
    group = np.asarray(group, dtype=np.int64).ravel()
    n_groups = unique.shape[0]
    total = np.bincount(group, weights=w, minlength=n_groups)
    # Weighted mean location, computed relative to each cell's corner for precision.
    origin = unique[:, :2].astype(np.float64) * size
    offset = xy - origin[group]
    mean_x = origin[:, 0] + np.bincount(group, weights=w * offset[:, 0], minlength=n_groups) / total
    mean_y = origin[:, 1] + np.bincount(group, weights=w * offset[:, 1], minlength=n_groups) / total
    codes = unique[:, 2]
    # One name per area code; the last entry (None) serves code -1, "no area".
    names = np.asarray([*np.asarray(area_names, dtype=object).tolist(), None], dtype=object)
    area = pd.array(names[codes], dtype="string")
    demand = gpd.GeoDataFrame(
        {
            "weight": total.astype(np.float64),
            "incidents": np.bincount(group, minlength=n_groups).astype(np.int64),
            "area": area,
        },
        geometry=shapely.points(mean_x, mean_y),
        crs=metric.crs,
    )
    demand.attrs["parameters"] = {
        "demand": "incidents",
        "cell_size_m": size,
        "offense_weights": _weights_record(offense_weights),
        "incidents": len(incidents),
        "incidents_weighted": int(keep.sum()),
    }
    log.info(
        "Demand: %s incidents aggregated to %s points (%g m cells%s)",
        f"{int(keep.sum()):,}",
        f"{n_groups:,}",
        size,
        ", split by area" if len(area_names) else "",
    )
    return demand


def demand_from_hotspots(
    analysis: Analysis, *, offense_weights: Mapping[str, float] | None = None
) -> gpd.GeoDataFrame:
    """The significant hot spot cells of ``analysis`` as demand.

    Parameters
    ----------
    analysis : Analysis
        The result of :func:`hotspots.analysis.analyze`.
    offense_weights : dict of str to float, optional
        As in :func:`demand_from_incidents`: each cell then weighs its weighted count.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per hot spot cell, most significant first: ``cell_id``, ``weight``
        (the (weighted) incident count), ``incidents`` (the count, without offenses
        weighing 0), ``area`` (the cell's
        neighbourhood), ``gi_z`` and the cell polygon in the analysis CRS (the planner
        measures from the cell centre). ``attrs["parameters"]`` records how it was built.

    Raises
    ------
    hotspots.errors.EmptyDataError
        When the analysis found no hot spot cell.
    """
    hot = _hot_cells(analysis)
    if hot.empty:
        raise EmptyDataError(
            f"The analysis found no significant hot spot cells (FDR alpha="
            f"{analysis.params.get('alpha')}, {analysis.params.get('filters_text', 'all incidents')}), "
            "so there is no hot spot demand. Use demand='incidents', or widen the period or "
            "offenses, or change the cell size."
        )
    counts = hot["count"].to_numpy(dtype=np.int64)
    if offense_weights is None:
        weight = counts.astype(np.float64)
    else:
        # Weighted counts; an offense weighing 0 is left out of the incident count too.
        incidents = analysis.incidents
        w = incident_weights(incidents, offense_weights)
        cell_ids = incidents["cell_id"].to_numpy(dtype=np.int64)
        sums = pd.DataFrame({"w": w, "n": (w > 0).astype(np.int64)}).groupby(cell_ids).sum()
        sums = sums.reindex(hot["cell_id"].to_numpy(), fill_value=0)
        weight = sums["w"].to_numpy(dtype=np.float64)
        counts = sums["n"].to_numpy(dtype=np.int64)
    demand = gpd.GeoDataFrame(
        {
            "cell_id": hot["cell_id"].to_numpy(dtype=np.int64),
            "weight": weight,
            "incidents": counts,
            "area": hot["neighbourhood"].astype("string").to_numpy(),
            "gi_z": hot["gi_z"].to_numpy(dtype=np.float64),
        },
        geometry=hot.geometry.values,
        crs=hot.crs,
    )
    demand.attrs["parameters"] = {
        "demand": "hotspots",
        "offense_weights": _weights_record(offense_weights),
        "hotspot_cells": len(demand),
        "alpha": analysis.params.get("alpha"),
    }
    log.info(
        "Demand: %s hot spot cells holding %s incidents", f"{len(demand):,}", f"{counts.sum():,}"
    )
    return demand


def incident_weights(
    incidents: pd.DataFrame, offense_weights: Mapping[str, float] | None
) -> NDArray[np.float64]:
    """Weight of each incident from its ``offense`` (1 when unnamed); validated.

    Raises
    ------
    hotspots.errors.InputError
        ``offense_weights`` is not a mapping of offense names to finite numbers >= 0, or
        names an offense the incidents do not have (the message lists those they have).
    """
    n = len(incidents)
    if offense_weights is None or len(offense_weights) == 0:
        return np.ones(n, dtype=np.float64)
    if not isinstance(offense_weights, Mapping):
        raise invalid(
            "offense_weights",
            offense_weights,
            "a dict of offense name to weight",
            "For example offense_weights={'Assault': 2, 'Robbery': 1.5}.",
        )
    if "offense" not in incidents.columns:
        raise InputError(
            "offense_weights needs an 'offense' column in the incidents; they have "
            f"{describe([str(c) for c in incidents.columns])}. Load them with "
            "hotspots.ingest.load_incidents, or drop offense_weights."
        )
    offenses = incidents["offense"].astype("string")
    present = sorted(str(o) for o in offenses.dropna().unique())
    by_fold = {name.casefold(): name for name in present}
    mapping: dict[str, float] = {}
    for key, value in offense_weights.items():
        number = _weight_value(key, value)
        if key in present:
            mapping[str(key)] = number
        elif str(key).casefold() in by_fold:
            mapping[by_fold[str(key).casefold()]] = number
        else:
            raise invalid(
                "offense_weights",
                {key: value},
                f"weights for offenses the incidents have: {describe(present, limit=300)}",
                "Check the spelling (after the filters, only these offenses are left).",
            )
    values = offenses.map(mapping).astype("Float64").fillna(1.0)
    return values.to_numpy(dtype=np.float64, na_value=1.0)


# -- candidates -----------------------------------------------------------------------------


def candidates_from_analysis(
    analysis: Analysis, source: CandidateSource | Sequence[CandidateSource] = "hotspots"
) -> gpd.GeoDataFrame:
    """Automatic candidate sites at the centres of hot spot cells or neighbourhoods.

    Parameters
    ----------
    analysis : Analysis
        The result of :func:`hotspots.analysis.analyze`.
    source : {"hotspots", "neighbourhoods"} or a sequence of them
        ``"hotspots"``: the centre of every significant hot spot cell, named
        ``"Hot spot <rank> (<neighbourhood>)"`` by Gi* rank. ``"neighbourhoods"``: the
        centre of every boundary polygon (a point inside it when the centroid falls
        outside), named by the neighbourhood; needs an analysis run with boundaries.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``source`` (``"hot spot cell"`` or ``"neighbourhood centre"``) and Point
        ``geometry`` in the analysis CRS, RangeIndex.
    """
    sources = [source] if isinstance(source, str) else list(source)
    if not sources:
        raise invalid("source", source, CANDIDATE_SOURCES)
    frames = []
    for item in sources:
        if item not in CANDIDATE_SOURCES:
            raise invalid("source", item, CANDIDATE_SOURCES)
        frames.append(
            _hotspot_candidates(analysis) if item == "hotspots" else _area_candidates(analysis)
        )
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    result = gpd.GeoDataFrame(out, geometry="geometry", crs=frames[0].crs)
    log.info("%s automatic candidate sites (%s)", f"{len(result):,}", ", ".join(sources))
    return result


def _hotspot_candidates(analysis: Analysis) -> gpd.GeoDataFrame:
    ranked = analysis.hotspots
    if ranked.empty:
        raise EmptyDataError(
            "The analysis found no significant hot spot cells, so there are no hot spot "
            "candidates. Use candidates from neighbourhoods or a file of partner locations."
        )
    cells = analysis.cells.set_index("cell_id").loc[ranked["cell_id"].to_numpy()]
    hood = ranked["neighbourhood"].astype("string")
    names = ("Hot spot " + ranked["rank"].astype(str)).where(
        hood.isna().to_numpy(), "Hot spot " + ranked["rank"].astype(str) + " (" + hood + ")"
    )
    polygons = gpd.GeoDataFrame(
        {"name": names.astype(str).to_numpy()},
        geometry=cells.geometry.values,
        crs=analysis.cells.crs,
    )
    sites = candidate_sites(polygons, name="name")
    return gpd.GeoDataFrame(
        {"name": sites["name"].to_numpy(), "source": "hot spot cell"},
        geometry=sites.geometry.values,
        crs=sites.crs,
    )


def _area_candidates(analysis: Analysis) -> gpd.GeoDataFrame:
    if analysis.areas is None or len(analysis.areas) == 0:
        raise InputError(
            "candidates='neighbourhoods' needs neighbourhood boundaries, and this analysis "
            "has none. Run the analysis with boundaries= (--boundaries FILE on the command "
            "line), or use candidates='hotspots' or a file of partner locations."
        )
    areas = analysis.areas[["name", "geometry"]].reset_index(drop=True)
    sites = candidate_sites(areas, name="name")
    sites = to_metric(sites, choose_metric_crs(analysis.cells, quiet=True))
    return gpd.GeoDataFrame(
        {"name": sites["name"].to_numpy(), "source": "neighbourhood centre"},
        geometry=sites.geometry.values,
        crs=sites.crs,
    )


# -- the bundle the CLI and the app use -----------------------------------------------------


@dataclass(frozen=True, eq=False)
class PlanReach:
    """What the chosen sites reach, in incidents, hot spot cells and areas.

    Attributes
    ----------
    by_site : pandas.DataFrame
        One row per chosen site in :data:`REACH_COLUMNS` order (plan rank order):
        ``incidents`` within ``radius_m`` of the site (unweighted), ``incidents_added``
        (what it adds after the sites ranked above it; sums to ``incidents_covered``),
        ``hotspot_cells`` (significant hot spot cells whose centre is within range),
        ``n_areas_reached`` and ``areas_reached`` (from the plan).
    incidents_covered, incidents_total : int
        Incidents (of the demand, unweighted) within range of a chosen site, and all.
    hotspot_cells_covered, hotspot_cells_total : int
        Hot spot cells whose centre is within range of a chosen site, and all.
    areas_reached, areas_total : int
        Areas with some covered demand, and areas with demand.
    """

    by_site: pd.DataFrame
    incidents_covered: int
    incidents_total: int
    hotspot_cells_covered: int
    hotspot_cells_total: int
    areas_reached: int
    areas_total: int

    @property
    def incident_share(self) -> float:
        """Share of the incidents covered, in [0, 1]."""
        return self.incidents_covered / self.incidents_total if self.incidents_total else 0.0

    def describe(self, *, areas: bool = True) -> str:
        """One sentence: incidents, hot spot cells and (``areas=True``) areas reached."""
        text = (
            f"{self.incidents_covered:,} of {self.incidents_total:,} incidents "
            f"({self.incident_share:.1%}) and {self.hotspot_cells_covered:,} of "
            f"{self.hotspot_cells_total:,} hot spot cells are within range"
        )
        if areas and self.areas_total:
            text += f"; {self.areas_reached:,} of {self.areas_total:,} neighbourhoods are reached"
        return text + "."


@dataclass(frozen=True, eq=False)
class OutreachInputs:
    """Demand and candidate sites for the planner, built from one analysis.

    Attributes
    ----------
    demand : geopandas.GeoDataFrame
        From :func:`demand_from_incidents` or :func:`demand_from_hotspots` (metric CRS).
    candidates : geopandas.GeoDataFrame
        ``name``, ``source`` and Point ``geometry`` (metric CRS), RangeIndex; existing
        sites (``source == "existing"``) come last.
    existing : tuple of int
        Row labels of the existing sites in ``candidates``; every plan keeps them.
    hot_cells : geopandas.GeoDataFrame
        The analysis's significant hot spot cells (``cell_id``, ``neighbourhood``,
        ``count``, ``gi_z``, polygons), for maps and :meth:`reach`.
    areas : geopandas.GeoDataFrame or None
        The analysis's neighbourhoods (``name``, ``count``, polygons), for maps.
    demand_kind : {"incidents", "hotspots"}
    demand_label : str
        What the demand weight counts, in words, for tables and the briefing.
    parameters : dict
        How the inputs were built (JSON-ready), with the analysis parameters.
    """

    demand: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    existing: tuple[int, ...]
    hot_cells: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame | None
    demand_kind: DemandKind
    demand_label: str
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def has_areas(self) -> bool:
        """Whether the demand knows its areas (needed for ``min_share_per_area``)."""
        return bool(self.demand["area"].notna().any())

    def fixed_sites(self, fixed: Sequence[int | str] = ()) -> list[int | str]:
        """The existing sites' row labels followed by ``fixed`` (candidate names or labels)."""
        extra = [fixed] if isinstance(fixed, str) else list(fixed)
        return [*self.existing, *[f for f in extra if f not in self.existing]]

    def plan(
        self,
        *,
        k: int,
        radius_m: float,
        fixed: Sequence[int | str] = (),
        method: Method = "exact",
        min_share_per_area: float | None = None,
        time_limit_s: float | None = 60.0,
    ) -> OutreachPlan:
        """Choose ``k`` sites (existing ones included): :func:`plan_outreach` on these inputs.

        Parameters
        ----------
        k : int
            Number of sites, existing and fixed ones included.
        radius_m : float
            Service radius in metres (straight line).
        fixed : sequence of str or int
            Candidate names (or row labels) that must be chosen, besides existing sites.
        method : {"exact", "greedy"}
        min_share_per_area : float, optional
            Minimum covered share of every neighbourhood's demand (exact method only).
        time_limit_s : float, optional
            Solver time limit in seconds.
        """
        if min_share_per_area is not None and not self.has_areas:
            raise invalid(
                "min_share_per_area",
                min_share_per_area,
                "None when the demand has no neighbourhoods",
                "Run the analysis with neighbourhood boundaries (--boundaries FILE), or "
                "use incidents that carry a neighbourhood label.",
            )
        return plan_outreach(
            self.demand,
            self.candidates,
            k=k,
            radius_m=radius_m,
            weight="weight",
            name="name",
            fixed=self.fixed_sites(fixed),
            method=method,
            area="area" if self.has_areas else None,
            min_share_per_area=min_share_per_area,
            time_limit_s=time_limit_s,
        )

    def curve(
        self,
        *,
        k_max: int,
        radius_m: float,
        fixed: Sequence[int | str] = (),
        method: CurveMethod = "exact",
        time_limit_s: float | None = 60.0,
    ) -> pd.DataFrame:
        """Coverage for k = 1..``k_max`` (:func:`coverage_curve`); ``k_max`` is capped at
        the number of candidates (logged)."""
        if (
            isinstance(k_max, numbers.Integral)
            and not isinstance(k_max, bool)
            and k_max > len(self.candidates)
        ):
            log.info(
                "The coverage curve stops at k=%d, the number of candidate sites",
                len(self.candidates),
            )
            k_max = len(self.candidates)
        return coverage_curve(
            self.demand,
            self.candidates,
            k_max=k_max,
            radius_m=radius_m,
            weight="weight",
            name="name",
            fixed=self.fixed_sites(fixed),
            method=method,
            time_limit_s=time_limit_s,
        )

    def reach(self, plan: OutreachPlan) -> PlanReach:
        """Incidents, hot spot cells and neighbourhoods within range of each chosen site."""
        sites_xy = shapely.get_coordinates(plan.sites.geometry.values)
        demand = plan.demand
        incidents = self.demand["incidents"].reindex(demand.index).to_numpy(dtype=np.int64)
        demand_xy = _centres_xy(demand.geometry.values)
        in_range = coverage_matrix(demand_xy, sites_xy, radius_m=plan.radius_m).tocsc()
        per_site = np.asarray(incidents @ in_range).ravel().astype(np.int64)
        # What each site adds after those ranked above it (the first site in range counts).
        first = np.full(in_range.shape[0], -1, dtype=np.int64)
        coo = in_range.tocoo()
        if coo.nnz:
            order = np.lexsort((coo.col, coo.row))
            rows, cols = coo.row[order], coo.col[order]
            head = np.ones(rows.size, dtype=bool)
            head[1:] = rows[1:] != rows[:-1]
            first[rows[head]] = cols[head]
        hit = first >= 0
        added = np.bincount(first[hit], weights=incidents[hit], minlength=len(plan.sites))

        hot = self.hot_cells
        if len(hot):
            hot_xy = _centres_xy(hot.to_crs(plan.crs).geometry.values)
            hot_range = coverage_matrix(hot_xy, sites_xy, radius_m=plan.radius_m).tocsc()
            hot_per_site = np.diff(hot_range.indptr).astype(np.int64)
            hot_covered = int(np.count_nonzero(np.diff(hot_range.tocsr().indptr)))
        else:
            hot_per_site = np.zeros(len(plan.sites), dtype=np.int64)
            hot_covered = 0

        sites = plan.sites
        by_site = pd.DataFrame(
            {
                "rank": sites["rank"].to_numpy(),
                "name": sites["name"].to_numpy(),
                "fixed": sites["fixed"].to_numpy(dtype=bool),
                "incidents": per_site,
                "incidents_added": added.astype(np.int64),
                "hotspot_cells": hot_per_site,
                "n_areas_reached": sites["n_areas_reached"].to_numpy(),
                "areas_reached": sites["areas_reached"].to_numpy(),
            }
        )
        by_area = plan.by_area
        return PlanReach(
            by_site=by_site[list(REACH_COLUMNS)],
            incidents_covered=int(incidents[hit].sum()),
            incidents_total=int(incidents.sum()),
            hotspot_cells_covered=hot_covered,
            hotspot_cells_total=len(hot),
            areas_reached=int((by_area["covered_weight"] > 0).sum()) if len(by_area) else 0,
            areas_total=int((by_area["total_weight"] > 0).sum()) if len(by_area) else 0,
        )

    def briefing(
        self,
        plan: OutreachPlan,
        *,
        curve: pd.DataFrame | None = None,
        title: str | None = None,
        notes: str | None = None,
        date: dt.date | str | None = None,
    ) -> str:
        """The printable one-page HTML briefing (:func:`briefing_html`) of ``plan``.

        The reach (incidents, hot spot cells, neighbourhoods) is added to ``notes``.
        """
        reach = self.reach(plan)
        text = reach.describe(areas=False) + (f" {notes}" if notes else "")
        return briefing_html(
            plan,
            title=title or default_title(plan),
            demand_label=self.demand_label,
            curve=curve,
            areas=self.areas,
            notes=text,
            date=date,
        )


def outreach_inputs(
    analysis: Analysis,
    *,
    demand: DemandKind = "incidents",
    candidates: CandidateSource | Sequence[CandidateSource] | gpd.GeoDataFrame = "hotspots",
    existing: gpd.GeoDataFrame | None = None,
    offense_weights: Mapping[str, float] | None = None,
    cell_size_m: float = DEFAULT_DEMAND_CELL_SIZE_M,
) -> OutreachInputs:
    """Demand and candidate sites for :func:`plan_outreach`, from one analysis.

    Parameters
    ----------
    analysis : Analysis
        The result of :func:`hotspots.analysis.analyze`; its filters (period, offenses)
        decide which incidents are demand.
    demand : {"incidents", "hotspots"}
        ``"incidents"``: every filtered incident (:func:`demand_from_incidents`);
        ``"hotspots"``: only the significant hot spot cells (:func:`demand_from_hotspots`).
    candidates : {"hotspots", "neighbourhoods"}, a sequence of them, or GeoDataFrame
        Automatic candidates (:func:`candidates_from_analysis`) or your own sites (e.g.
        from :func:`~hotspots.ingest.sites.load_sites`; a ``name`` column is used).
    existing : geopandas.GeoDataFrame, optional
        Sites that exist and must stay (e.g. from ``load_sites``); added to the
        candidates and kept in every plan.
    offense_weights : dict of str to float, optional
        Weight per offense; see :func:`demand_from_incidents`.
    cell_size_m : float
        Demand cell size in metres for ``demand="incidents"`` (default 100).

    Returns
    -------
    OutreachInputs
    """
    if demand not in DEMAND_KINDS:
        raise invalid("demand", demand, DEMAND_KINDS)
    if demand == "incidents":
        frame = demand_from_incidents(
            analysis.incidents,
            offense_weights=offense_weights,
            cell_size_m=cell_size_m,
            areas=analysis.areas,
        )
    else:
        frame = demand_from_hotspots(analysis, offense_weights=offense_weights)
    crs = frame.crs

    if isinstance(candidates, gpd.GeoDataFrame):
        sites = _own_sites(candidates, "candidates", source="file", crs=crs)
        candidates_record: Any = f"file ({len(sites):,} sites)"
    elif isinstance(candidates, pd.DataFrame):
        raise invalid(
            "candidates",
            "a DataFrame without geometry",
            "a GeoDataFrame of points, 'hotspots' or 'neighbourhoods'",
            "Read partner locations with {1}.",
            options=(Option("read_sites"),),
        )
    else:
        sites = candidates_from_analysis(analysis, candidates)
        sites = to_metric(sites, crs)
        candidates_record = candidates if isinstance(candidates, str) else list(candidates)
    existing_labels: tuple[int, ...] = ()
    if existing is not None:
        old = _own_sites(existing, "existing", source="existing", crs=crs)
        existing_labels = tuple(range(len(sites), len(sites) + len(old)))
        sites = gpd.GeoDataFrame(
            pd.concat([sites, old], ignore_index=True), geometry="geometry", crs=crs
        )
    else:
        sites = sites.reset_index(drop=True)

    label = _demand_label(demand, offense_weights, analysis)
    parameters = {
        "demand": demand,
        "demand_points": len(frame),
        "demand_cell_size_m": frame.attrs.get("parameters", {}).get("cell_size_m"),
        "offense_weights": _weights_record(offense_weights),
        "candidates": candidates_record,
        "n_candidates": len(sites),
        "existing": [str(n) for n in sites["name"].iloc[list(existing_labels)]],
        "analysis": analysis.params,
    }
    areas = None
    if analysis.areas is not None:
        areas = analysis.areas[["name", "count", "geometry"]]
    return OutreachInputs(
        demand=frame,
        candidates=sites,
        existing=existing_labels,
        hot_cells=_hot_cells(analysis)[["cell_id", "neighbourhood", "count", "gi_z", "geometry"]],
        areas=areas,
        demand_kind=demand,
        demand_label=label,
        parameters=parameters,
    )


def default_title(plan: OutreachPlan) -> str:
    """E.g. ``"Outreach plan: 10 sites, 1,000 m service radius"``."""
    return f"Outreach plan: {plan.k} sites, {plan.radius_m:,.0f} m service radius"


# -- helpers --------------------------------------------------------------------------------


def _hot_cells(analysis: Analysis) -> gpd.GeoDataFrame:
    cells = analysis.cells
    hot = cells.loc[cells["hotspot"].to_numpy(dtype=bool)]
    return hot.sort_values(["gi_z", "count"], ascending=[False, False], kind="stable")


def _centres_xy(geoms: NDArray[np.object_]) -> NDArray[np.float64]:
    """(x, y) of points, or of the centres of polygons, as the planner measures them."""
    kinds = shapely.get_type_id(geoms)
    if np.all(kinds == 0):
        return shapely.get_coordinates(geoms)
    centroids = shapely.centroid(geoms)
    inside = (kinds == 0) | shapely.intersects(geoms, centroids)
    points = np.where(inside, centroids, shapely.point_on_surface(geoms))
    return shapely.get_coordinates(points)


def _own_sites(
    frame: gpd.GeoDataFrame, argument: str, *, source: str, crs: Any
) -> gpd.GeoDataFrame:
    require_frame(frame, argument)
    if frame.crs is None:
        raise CRSError(no_crs_message(argument))
    if len(frame) == 0:
        raise EmptyDataError(f"{argument} has no rows; give at least one site.")
    metric = to_metric(frame, crs)
    if "name" in metric.columns:
        names = metric["name"].astype("string")
        generated = pd.Series(
            [f"Site {i + 1}" for i in range(len(metric))], index=metric.index, dtype="string"
        )
        names = names.where(names.notna() & (names.str.strip() != ""), generated)
    else:
        names = pd.Series(
            [f"Site {i + 1}" for i in range(len(metric))], index=metric.index, dtype="string"
        )
        log.info("%s has no 'name' column; sites are called 'Site <row number>'", argument)
    return gpd.GeoDataFrame(
        {"name": names.astype(str).to_numpy(), "source": source},
        geometry=metric.geometry.values,
        crs=metric.crs,
    )


def _demand_label(
    demand: DemandKind, offense_weights: Mapping[str, float] | None, analysis: Analysis
) -> str:
    weights = dict(offense_weights or {})
    weighted = any(float(v) != 1.0 for v in weights.values())
    base = "weighted incidents" if weighted else "incidents"
    if demand == "hotspots":
        base += " in hot spot cells"
    scope = str(analysis.params.get("filters_text") or "all incidents")
    return base if scope == "all incidents" else f"{base} ({scope})"


def _weights_record(offense_weights: Mapping[str, float] | None) -> dict[str, float] | None:
    if not offense_weights:
        return None
    return {str(k): float(v) for k, v in offense_weights.items()}


def _weight_value(key: Any, value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
        or float(value) < 0
    ):
        raise invalid(
            "offense_weights",
            {key: value},
            "weights that are finite numbers >= 0",
            "For example {'Assault': 2}; use 0 to leave an offense out.",
        )
    return float(value)


def _check_cell_size(cell_size_m: Any) -> float:
    if (
        isinstance(cell_size_m, bool)
        or not isinstance(cell_size_m, numbers.Real)
        or not math.isfinite(float(cell_size_m))
        or float(cell_size_m) <= 0
    ):
        raise invalid(
            "cell_size_m",
            cell_size_m,
            "a positive number of metres",
            f"For example cell_size_m={DEFAULT_DEMAND_CELL_SIZE_M:g}.",
        )
    return float(cell_size_m)


def _incident_areas(incidents: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None) -> pd.Series:
    """Area of each incident: its own label when it matches ``areas`` (or there are no
    areas), else the polygon it falls in."""
    if "neighbourhood" in incidents.columns:
        labels = incidents["neighbourhood"].astype("string").reset_index(drop=True)
    else:
        labels = pd.Series(pd.NA, index=range(len(incidents)), dtype="string")
    if areas is None or len(areas) == 0:
        return labels
    if "name" not in areas.columns:
        raise InputError(
            f"areas lacks a 'name' column; it has {describe([str(c) for c in areas.columns])}. "
            "Load boundaries with hotspots.ingest.load_boundaries(...)."
        )
    if areas.crs is None:
        raise CRSError(no_crs_message("areas"))
    positions, method = incident_areas(incidents.reset_index(drop=True), areas)
    log.info("Demand areas from %s (%s areas)", method, f"{len(areas):,}")
    return names_at(areas, positions).rename(None)
