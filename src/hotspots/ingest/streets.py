"""Reading a streets or places layer for the outreach planner's site context: :func:`load_streets`.

Any layer of named lines or points works: a city's street centreline file (Toronto's
``LINEAR_NAME_FULL``, an OpenStreetMap extract's ``name``), a list of landmarks or
addresses as points (a CSV with lat/lon is read like a sites file,
:func:`hotspots.ingest.sites.load_sites`). Each chosen outreach site then gets the name of
its nearest feature and the distance to it (:mod:`hotspots.outreach.context`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd

from hotspots.errors import ColumnError, EmptyDataError, describe, literal
from hotspots.ingest.boundaries import _boundary_crs
from hotspots.ingest.columns import normalise_name
from hotspots.ingest.coordinates import parse_crs
from hotspots.ingest.readers import Source, read_with_notes
from hotspots.ingest.sites import load_sites

log = logging.getLogger(__name__)

#: Normalised column names tried, in order, for the street or place name.
STREET_NAME_CANDIDATES = (
    "name",
    "street_name",
    "streetname",
    "street",
    "linear_name_full",
    "linear_name",
    "lf_name",
    "full_name",
    "fullname",
    "road_name",
    "road",
    "st_name",
    "stname",
    "hblock",
    "hundred_block",
    "address",
    "place_name",
    "place",
    "label",
)


def load_streets(
    source: Source | pd.DataFrame,
    *,
    name: str | None = None,
    crs: str | int | None = None,
    layer: str | None = None,
    filename: str | None = None,
) -> gpd.GeoDataFrame:
    """Load named streets (lines) or places (points) for the nearest-street context.

    Parameters
    ----------
    source : path, binary file object (e.g. a Streamlit upload) or DataFrame
        GeoJSON, GeoPackage, Shapefile (or a zip of one), KML, GeoParquet, or a CSV of
        points with lat/lon (or x/y with ``crs``) columns.
    name : str, optional
        Column with the street or place names; detected when omitted (``name``,
        ``street_name``, ``LINEAR_NAME_FULL``, ``LF_NAME``, ``road_name``...).
    crs : str or int, optional
        CRS of the coordinates when the file carries none (or to override it).
    layer : str, optional
        Layer of a multi-layer GeoPackage or KML.
    filename : str, optional
        File name (for its extension) when ``source`` is a file object.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name`` (str) and ``geometry`` (lines, points or polygons, in the file's CRS),
        one row per named feature; features without a name or a geometry are dropped
        (counted in ``attrs["notes"]``).

    Raises
    ------
    ColumnError
        No name column can be found, or ``name=`` is not a column.
    CRSError
        The file has no CRS and ``crs=`` was not given.
    EmptyDataError
        No feature has both a name and a geometry.
    """
    label = filename or Path(str(getattr(source, "name", "streets"))).name
    if isinstance(source, pd.DataFrame):
        frame: pd.DataFrame = source
        notes: list[str] = []
    else:
        frame, notes = read_with_notes(source, layer=layer, filename=filename)
    if not isinstance(frame, gpd.GeoDataFrame) or frame._geometry_column_name not in frame:
        # A plain table: points from lat/lon or x/y columns, read like a sites file.
        column = _name_column(frame, name, label)
        points = load_sites(frame, name=column, crs=crs, filename=label)
        return _named(points[["name", "geometry"]], label, notes)
    frame = frame.reset_index(drop=True)
    source_crs = _boundary_crs(frame, parse_crs(crs), label, notes)
    column = _name_column(frame, name, label)
    streets = gpd.GeoDataFrame(
        {"name": frame[column].astype("string").str.strip()},
        geometry=gpd.GeoSeries(frame.geometry.to_numpy(), crs=source_crs),
    )
    return _named(streets, label, notes)


def _named(streets: gpd.GeoDataFrame, label: str, notes: list[str]) -> gpd.GeoDataFrame:
    keep = (
        streets["name"].notna().to_numpy()
        & (streets["name"].astype("string").str.len() > 0).fillna(False).to_numpy()
        & ~streets.geometry.isna().to_numpy()
        & ~streets.geometry.is_empty.to_numpy()
    )
    if not keep.any():
        raise EmptyDataError(
            f"None of the {len(streets):,} features of {label} has both a name and a geometry; "
            "give a streets or places layer with a name column."
        )
    dropped = int((~keep).sum())
    if dropped:
        notes.append(f"{label}: {dropped:,} features without a name or a geometry left out")
    out = gpd.GeoDataFrame(
        {"name": streets["name"].astype(str).to_numpy()[keep]},
        geometry=streets.geometry.to_numpy()[keep],
        crs=streets.crs,
    )
    notes.append(f"{len(out):,} named streets or places loaded from {label}")
    for note in notes:
        log.info(note)
    out.attrs["notes"] = tuple(notes)
    return out


def _name_column(frame: pd.DataFrame, name: str | None, label: str) -> str:
    geometry_name = getattr(frame, "_geometry_column_name", None)
    columns = [c for c in frame.columns if isinstance(c, str) and c != geometry_name]
    if name is not None:
        if name in columns:
            return name
        raise ColumnError(
            f"name={describe(name)} is not a column of {label}; use one of "
            f"{literal(', '.join(columns)) or '(no columns)'}."
        )
    by_normal: dict[str, str] = {}
    for column in columns:
        by_normal.setdefault(normalise_name(column), column)
    for candidate in STREET_NAME_CANDIDATES:
        found = by_normal.get(candidate)
        if found is not None and not pd.api.types.is_numeric_dtype(frame[found]):
            return found
    texts = [
        c
        for normal, c in by_normal.items()
        if "name" in normal and not pd.api.types.is_numeric_dtype(frame[c])
    ]
    if texts:
        return texts[0]
    raise ColumnError(
        f"{label} has no column of street or place names (tried "
        f"{', '.join(STREET_NAME_CANDIDATES[:8])}...); its columns are "
        f"{literal(', '.join(columns)) or '(none)'}. Name the column with name=... "
        "(the CLI's --streets-name, the app's name box)."
    )
