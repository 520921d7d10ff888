"""What a plan's chosen sites reach: incidents, hot spot cells and areas, per site.

Computed from the plan's own coverage matrix (:attr:`OutreachPlan.in_range`, the demand
points within ``radius_m`` of each chosen site, as the solver saw them), so the reach and
the plan can never disagree about what is in range.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from hotspots.outreach.coverage import coverage_matrix
from hotspots.outreach.plan import OutreachPlan, first_site_in_range

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


def plan_reach(
    plan: OutreachPlan, *, incidents: pd.Series, hot_cells: gpd.GeoDataFrame
) -> PlanReach:
    """Incidents, hot spot cells and neighbourhoods within range of each chosen site.

    Parameters
    ----------
    plan : OutreachPlan
        The plan; its :attr:`~OutreachPlan.in_range` says which demand each site reaches.
    incidents : pandas.Series
        Unweighted incidents of each demand point, indexed like ``plan.demand``.
    hot_cells : geopandas.GeoDataFrame
        The significant hot spot cells (polygons, any CRS); a cell is reached when its
        centre is within ``plan.radius_m`` of a chosen site.
    """
    counts = incidents.reindex(plan.demand.index).to_numpy(dtype=np.int64)
    in_range = plan.in_range
    per_site = np.asarray(counts @ in_range).ravel().astype(np.int64)
    first = first_site_in_range(in_range)
    hit = first >= 0
    added = np.bincount(first[hit], weights=counts[hit], minlength=len(plan.sites))

    if len(hot_cells):
        sites_xy = shapely.get_coordinates(plan.sites.geometry.values)
        hot_xy = centres_xy(hot_cells.to_crs(plan.crs).geometry.values)
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
        incidents_covered=int(counts[hit].sum()),
        incidents_total=int(counts.sum()),
        hotspot_cells_covered=hot_covered,
        hotspot_cells_total=len(hot_cells),
        areas_reached=int((by_area["covered_weight"] > 0).sum()) if len(by_area) else 0,
        areas_total=int((by_area["total_weight"] > 0).sum()) if len(by_area) else 0,
    )


def centres_xy(geoms: NDArray[np.object_]) -> NDArray[np.float64]:
    """(x, y) of points, or of the centres of polygons, as the planner measures them."""
    kinds = shapely.get_type_id(geoms)
    if np.all(kinds == 0):
        return shapely.get_coordinates(geoms)
    centroids = shapely.centroid(geoms)
    inside = (kinds == 0) | shapely.intersects(geoms, centroids)
    points = np.where(inside, centroids, shapely.point_on_surface(geoms))
    return shapely.get_coordinates(points)
