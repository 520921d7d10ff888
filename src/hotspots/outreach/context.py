"""Where is each chosen site? Context from the data the user already has: :func:`site_context`.

There is no street map offline, so a site's whereabouts are described from real data:

- always: the neighbourhood it lies in (from the analysis's boundaries), its longitude and
  latitude to 5 decimals (about 1 m), and what happens around it: the dominant premises
  types and the offense mix of the incidents within the service radius (when the data has
  those columns);
- when the incidents carry block or street text (the ``location`` column of
  :func:`hotspots.ingest.load_incidents`: Vancouver ``HUNDRED_BLOCK``, police.uk
  ``location``...): the most common text among the incidents within :data:`NEAR_M` metres,
  with how many incidents carry it and how far the nearest of them is;
- with a streets or places layer (:func:`hotspots.ingest.streets.load_streets`, e.g. a
  city's street centreline file): the nearest street (or place) name and its distance.

Every distance is a straight line in metres in the plan's metric CRS. This is analyst and
command-staff context: block text and coordinates never go into published snapshots.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from hotspots.ingest.table import IncidentTable
from hotspots.spatial.projection import to_display

log = logging.getLogger(__name__)

#: Incidents within this distance (metres) name a site's nearest block or street.
NEAR_M = 150.0
#: Longitude/latitude decimals of the context (5: about 1 m).
LONLAT_DECIMALS = 5
#: Premises types or offenses listed in a mix, at most.
MIX_ITEMS = 3

#: Columns of :func:`site_context`, one row per site.
CONTEXT_COLUMNS = (
    "rank",
    "area",
    "lon",
    "lat",
    "block",
    "block_incidents",
    "block_distance_m",
    "street",
    "street_distance_m",
    "premises_mix",
    "offense_mix",
    "where",
)


def site_context(
    sites: gpd.GeoDataFrame,
    *,
    incidents: IncidentTable | None = None,
    areas: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    radius_m: float,
    near_m: float = NEAR_M,
) -> pd.DataFrame:
    """Describe where each site is: area, coordinates, nearest block or street, what is near.

    Parameters
    ----------
    sites : geopandas.GeoDataFrame
        Point sites in a metric CRS with a ``rank`` column (``OutreachPlan.sites``).
    incidents : IncidentTable, optional
        The incidents of the selection (``Analysis.selected``); their ``premises``,
        ``offense`` and (when present) ``location`` columns are read.
    areas : geopandas.GeoDataFrame, optional
        Neighbourhood polygons with a ``name`` column.
    streets : geopandas.GeoDataFrame, optional
        Named lines or points (``name`` column, any CRS), from
        :func:`hotspots.ingest.streets.load_streets`.
    radius_m : float
        The service radius in metres: the premises and offense mixes describe the
        incidents within it.
    near_m : float
        Incidents within this distance in metres name the nearest block (default
        :data:`NEAR_M`, at most ``radius_m``).

    Returns
    -------
    pandas.DataFrame
        :data:`CONTEXT_COLUMNS`: ``rank``; ``area`` (``<NA>`` outside every area);
        ``lon``/``lat`` (EPSG:4326, 5 decimals); ``block`` (most common location text
        within ``near_m``, ``<NA>`` when none), ``block_incidents`` (incidents there with
        that text), ``block_distance_m`` (to the nearest of them); ``street`` and
        ``street_distance_m`` (nearest feature of ``streets``; ``<NA>`` without);
        ``premises_mix`` and ``offense_mix`` (e.g. ``"Apartment 41%, House 22%"`` of the
        incidents within ``radius_m`` that have one; ``<NA>`` when none); ``where``, all
        of it in one line for tables and briefings.
    """
    n = len(sites)
    xy = shapely.get_coordinates(sites.geometry.values).reshape(-1, 2)
    lonlat = shapely.get_coordinates(to_display(sites).geometry.values).reshape(-1, 2)
    near_m = min(float(near_m), float(radius_m))
    frame = pd.DataFrame(
        {
            "rank": sites["rank"].to_numpy() if "rank" in sites.columns else np.arange(1, n + 1),
            "area": pd.array(_areas(sites, areas), dtype="string"),
            "lon": np.round(lonlat[:, 0], LONLAT_DECIMALS),
            "lat": np.round(lonlat[:, 1], LONLAT_DECIMALS),
        }
    )
    near, gaps = _near_incidents(xy, incidents, max(float(radius_m), near_m))
    blocks = _blocks(near, gaps, incidents, near_m=near_m)
    frame["block"] = pd.array(blocks[0], dtype="string")
    frame["block_incidents"] = pd.array(blocks[1], dtype="Int64")
    frame["block_distance_m"] = np.round(blocks[2], 0)
    street, street_m = _nearest_streets(sites, streets)
    frame["street"] = pd.array(street, dtype="string")
    frame["street_distance_m"] = np.round(street_m, 0)
    frame["premises_mix"] = pd.array(_mixes(near, incidents, "premises"), dtype="string")
    frame["offense_mix"] = pd.array(_mixes(near, incidents, "offense"), dtype="string")
    frame["where"] = pd.array(
        [_where(row, near_m) for row in frame.itertuples(index=False)], dtype="string"
    )
    return frame[list(CONTEXT_COLUMNS)]


def describe_context(
    context: pd.DataFrame, *, near_m: float = NEAR_M, has_location_text: bool
) -> str:
    """One sentence saying what the context shows and what it cannot (e.g. no street text)."""
    shown = ["neighbourhood", "coordinates (5 decimals)"]
    if context["premises_mix"].notna().any():
        shown.append("the main premises types")
    if context["offense_mix"].notna().any():
        shown.append("the offense mix within the service radius")
    text = "Where each site is: " + ", ".join(shown)
    if has_location_text:
        text += f"; the most common block or street of the incidents within {near_m:g} m"
    if context["street"].notna().any():
        text += "; the nearest street or place of your streets file"
    text += "."
    if not has_location_text and not context["street"].notna().any():
        text += (
            " These incidents carry no block or street text, so no street is named: add a "
            "streets or places file (any line or point layer with names) for the nearest street."
        )
    return text


# -- pieces ---------------------------------------------------------------------------------


def _areas(sites: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None) -> list[str | None]:
    """The name of the area each site lies in (``None`` outside all of them)."""
    if areas is None or len(areas) == 0 or len(sites) == 0 or "name" not in areas.columns:
        return [None] * len(sites)
    polygons = areas.to_crs(sites.crs).geometry.values
    names = areas["name"].astype(str).to_numpy()
    points = sites.geometry.values
    site_index, area_index = shapely.STRtree(polygons).query(points, predicate="within")
    found: list[str | None] = [None] * len(sites)
    for s, a in zip(site_index.tolist(), area_index.tolist(), strict=True):
        if found[s] is None:
            found[s] = str(names[a])
    return found


def _labels(
    incidents: IncidentTable, column: str
) -> tuple[NDArray[np.int64], NDArray[np.object_]] | None:
    """Codes (-1: missing) and labels of a text column, or ``None`` when absent or empty."""
    if column not in incidents.columns:
        return None
    values = incidents[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy().astype(np.int64)
        labels = np.asarray(values.cat.categories.astype(str), dtype=object)
    else:
        codes, uniques = pd.factorize(values.astype("string"))
        codes = np.asarray(codes, dtype=np.int64)
        labels = np.asarray(uniques.astype(str), dtype=object)
    if not bool(np.any(codes >= 0)):
        return None
    return codes, labels


def _near_incidents(
    xy: NDArray[np.float64], incidents: IncidentTable | None, radius_m: float
) -> tuple[list[NDArray[np.int64]], list[NDArray[np.float64]]]:
    """Per site: the incidents within ``radius_m`` (positions) and their distances."""
    n = xy.shape[0]
    if incidents is None or len(incidents) == 0 or n == 0:
        return [np.zeros(0, np.int64)] * n, [np.zeros(0)] * n
    points = np.column_stack([incidents.x_m, incidents.y_m])
    found = cKDTree(points).query_ball_point(xy, r=float(radius_m))
    near = [np.asarray(f, dtype=np.int64) for f in found]
    gaps = [np.hypot(*(points[f] - xy[i]).T) for i, f in enumerate(near)]
    return near, gaps


def _blocks(
    near: list[NDArray[np.int64]],
    gaps: list[NDArray[np.float64]],
    incidents: IncidentTable | None,
    *,
    near_m: float,
) -> tuple[list[str | None], list[int | None], NDArray[np.float64]]:
    """Per site: the most common location text within ``near_m``, its count, the distance
    to the nearest incident with it."""
    n = len(near)
    texts: list[str | None] = [None] * n
    counts: list[int | None] = [None] * n
    distances = np.full(n, np.nan)
    labelled = None if incidents is None else _labels(incidents, "location")
    if labelled is None:
        return texts, counts, distances
    codes, labels = labelled
    for i, (idx, gap) in enumerate(zip(near, gaps, strict=True)):
        close = gap <= near_m
        code = codes[idx[close]]
        has = code >= 0
        if not has.any():
            continue
        code, gap_close = code[has], gap[close][has]
        tally = np.bincount(code, minlength=labels.size)
        nearest = np.full(labels.size, np.inf)
        np.minimum.at(nearest, code, gap_close)
        # Most incidents first; a tie goes to the text closest to the site, then by name.
        seen = np.flatnonzero(tally)
        best = seen[np.lexsort((labels[seen].astype(str), nearest[seen], -tally[seen]))[0]]
        texts[i] = str(labels[best])
        counts[i] = int(tally[best])
        distances[i] = float(nearest[best])
    return texts, counts, distances


def _mixes(
    near: list[NDArray[np.int64]], incidents: IncidentTable | None, column: str
) -> list[str | None]:
    """Per site: the top :data:`MIX_ITEMS` values of ``column`` among ``near`` with shares."""
    n = len(near)
    labelled = None if incidents is None else _labels(incidents, column)
    if labelled is None:
        return [None] * n
    codes, labels = labelled
    if column == "offense" and np.unique(codes[codes >= 0]).size < 2:
        return [None] * n  # one offense everywhere says nothing about a place
    out: list[str | None] = []
    for idx in near:
        code = codes[idx]
        code = code[code >= 0]
        if code.size == 0:
            out.append(None)
            continue
        tally = np.bincount(code, minlength=labels.size)
        seen = np.flatnonzero(tally)
        order = seen[np.lexsort((labels[seen].astype(str), -tally[seen]))][:MIX_ITEMS]
        parts = [f"{labels[j]} {tally[j] / code.size:.0%}" for j in order]
        out.append(", ".join(parts) + f" (of {code.size:,})")
    return out


def _nearest_streets(
    sites: gpd.GeoDataFrame, streets: gpd.GeoDataFrame | None
) -> tuple[list[str | None], NDArray[np.float64]]:
    """Per site: the name of the nearest feature of ``streets`` and its distance in metres."""
    n = len(sites)
    if streets is None or len(streets) == 0 or n == 0:
        return [None] * n, np.full(n, np.nan)
    features = streets.to_crs(sites.crs)
    names = features["name"].astype(str).to_numpy()
    tree = shapely.STRtree(features.geometry.values)
    (site_index, feature_index), gaps = tree.query_nearest(
        sites.geometry.values, return_distance=True, all_matches=False
    )
    found: list[str | None] = [None] * n
    distances = np.full(n, np.nan)
    for s, f, d in zip(site_index.tolist(), feature_index.tolist(), gaps.tolist(), strict=True):
        found[s] = str(names[f])
        distances[s] = float(d)
    return found, distances


def _where(row: Any, near_m: float) -> str:
    """One line: nearest street, block, area, coordinates."""
    parts: list[str] = []
    street = row.street
    if not pd.isna(street):
        parts.append(f"{street} ({row.street_distance_m:,.0f} m)")
    block = row.block
    if not pd.isna(block):
        parts.append(
            f"near {block} ({row.block_incidents:,} incidents within "
            f"{near_m:g} m, nearest {row.block_distance_m:,.0f} m)"
        )
    area = row.area
    if not pd.isna(area):
        parts.append(str(area))
    premises = row.premises_mix
    if not pd.isna(premises):
        parts.append("premises: " + str(premises).split(",")[0].split(" (of")[0])
    parts.append(f"{row.lat:.5f}, {row.lon:.5f}")
    return "; ".join(parts)
