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
from hotspots.errors import EmptyDataError, InputError, Option, invalid, whole_number
from hotspots.outreach.plan import candidate_sites
from hotspots.spatial.projection import choose_metric_crs, require_geodata, to_metric

log = logging.getLogger(__name__)

CandidateSource = Literal["hotspots", "neighbourhoods"]
CANDIDATE_SOURCES: tuple[CandidateSource, ...] = ("hotspots", "neighbourhoods")

#: Columns of the candidate frames built here (plus ``geometry``).
CANDIDATE_COLUMNS = ("name", "source")
#: Hot spot cell candidates kept at most (the highest-ranked by Gi*): beyond a few hundred
#: the exact solve slows down while the extra cells add sites next to ones already there.
MAX_HOTSPOT_CANDIDATES = 300


def candidates_from_analysis(
    analysis: Analysis,
    source: CandidateSource | Sequence[CandidateSource] = "hotspots",
    *,
    max_hotspot_sites: int | None = MAX_HOTSPOT_CANDIDATES,
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
    max_hotspot_sites : int or None
        Keep only this many hot spot cells, the highest-ranked by Gi* (default
        :data:`MAX_HOTSPOT_CANDIDATES`; logged when cells are left out); ``None`` keeps all.
        :func:`describe_candidates` says which were kept.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``source`` (``"hot spot cell"`` or ``"neighbourhood centre"``) and Point
        ``geometry`` in the analysis CRS, RangeIndex.
    """
    sources = [source] if isinstance(source, str) else list(source)
    if not sources:
        raise invalid("source", source, CANDIDATE_SOURCES)
    if max_hotspot_sites is not None:
        max_hotspot_sites = whole_number(
            "max_hotspot_sites", max_hotspot_sites, "a whole number >= 1, or None", minimum=1
        )
    frames = []
    for item in sources:
        if item not in CANDIDATE_SOURCES:
            raise invalid("source", item, CANDIDATE_SOURCES)
        frames.append(
            _hotspot_candidates(analysis, max_hotspot_sites)
            if item == "hotspots"
            else _area_candidates(analysis)
        )
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    result = gpd.GeoDataFrame(out, geometry="geometry", crs=frames[0].crs)
    log.info("%s automatic candidate sites (%s)", f"{len(result):,}", ", ".join(sources))
    return result


def describe_candidates(
    analysis: Analysis,
    source: CandidateSource | Sequence[CandidateSource],
    *,
    max_hotspot_sites: int | None = MAX_HOTSPOT_CANDIDATES,
) -> str:
    """What :func:`candidates_from_analysis` returns, in words with the counts, e.g.
    ``"300 hot spot cell centres (the 300 highest-ranked of 1,234 hot spot cells)"``."""
    parts = []
    for item in [source] if isinstance(source, str) else list(source):
        if item == "hotspots":
            total = len(analysis.hotspots)
            kept = total if max_hotspot_sites is None else min(total, max_hotspot_sites)
            parts.append(
                f"{kept:,} hot spot cell centres "
                + (
                    f"(every significant hot spot cell, Gi* FDR {analysis.params.get('alpha', 0.05):g})"
                    if kept == total
                    else f"(the {kept:,} highest-ranked by Gi* of {total:,} hot spot cells)"
                )
            )
        else:
            n_areas = 0 if analysis.areas is None else len(analysis.areas)
            parts.append(f"{n_areas:,} neighbourhood centres")
    return " and ".join(parts)


def _hotspot_candidates(analysis: Analysis, max_sites: int | None) -> gpd.GeoDataFrame:
    ranked = analysis.hotspots
    if max_sites is not None and len(ranked) > max_sites:
        log.info(
            "Hot spot candidates: the %s highest-ranked of %s hot spot cells (max_hotspot_sites)",
            f"{max_sites:,}",
            f"{len(ranked):,}",
        )
        ranked = ranked.sort_values("rank").head(max_sites)
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
