"""Candidate outreach sites from a hotspot analysis, or from the user's own sites.

:func:`candidates_from_analysis` places automatic candidates at the centres of the
hot spot cells (``"hotspots"``) or of the neighbourhoods (``"neighbourhoods"``, needs
boundaries), through :func:`~hotspots.outreach.candidate_sites`. A file of partner
locations is read with :func:`hotspots.read_sites` (:func:`hotspots.ingest.sites.load_sites`)
and checked by :func:`own_sites`. Existing sites that must stay come the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

import geopandas as gpd
import pandas as pd

from hotspots.analysis import Analysis
from hotspots.errors import EmptyDataError, InputError, Option, invalid
from hotspots.outreach.plan import candidate_sites
from hotspots.spatial.projection import choose_metric_crs, require_geodata, to_metric

log = logging.getLogger(__name__)

CandidateSource = Literal["hotspots", "neighbourhoods"]
CANDIDATE_SOURCES: tuple[CandidateSource, ...] = ("hotspots", "neighbourhoods")

#: Columns of the candidate frames built here (plus ``geometry``).
CANDIDATE_COLUMNS = ("name", "source")


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
            "{0} needs neighbourhood boundaries, and this analysis has none. Run the "
            "analysis with {1}, or use {2} or a file of partner locations.",
            options=(
                Option("candidates_from", "neighbourhoods"),
                Option("boundaries"),
                Option("candidates_from", "hotspots"),
            ),
        )
    areas = analysis.areas[["name", "geometry"]].reset_index(drop=True)
    sites = candidate_sites(areas, name="name")
    sites = to_metric(sites, choose_metric_crs(analysis.cells, quiet=True))
    return gpd.GeoDataFrame(
        {"name": sites["name"].to_numpy(), "source": "neighbourhood centre"},
        geometry=sites.geometry.values,
        crs=sites.crs,
    )


def own_sites(frame: gpd.GeoDataFrame, argument: str, *, source: str, crs: Any) -> gpd.GeoDataFrame:
    """``frame`` (points with a CRS) as candidates in ``crs``: ``name`` (generated when
    missing), ``source`` and the point ``geometry``."""
    require_geodata(frame, argument)
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
