"""Loading polygon units (neighbourhoods, wards, districts, precincts): :func:`load_boundaries`.

The result always has exactly three columns:

``name`` (str, unique)
    From the ``name=`` column or an auto-detected one (priority: ``name``,
    ``neighbourhood``/``neighborhood``/``neighbourh``, ``area_name``, ``hood_name``,
    ``ward_name``, ``ward``, ``district_name``, ``district``, ``precinct_name``,
    ``precinct``, ``beat``, ``community``, ``label``, then any text column whose name
    contains ``name``). Rows sharing a name are dissolved into one unit. Rows without a
    name, or every row when there is no name column, are called ``"Unit <row number>"``.
``population`` (float)
    From ``population=`` or an auto-detected ``population``/``pop``/``pop_total``...
    column; NaN when unknown. Dissolved parts add up, unless they all repeat the same
    value (an attribute copied onto every part), which is then kept once.
``geometry``
    Valid (``make_valid``) 2-D Polygons/MultiPolygons in the file's own CRS (the caller
    reprojects). Rows without polygonal geometry are dropped and logged.

Notes on the automatic choices are logged and kept in ``result.attrs["notes"]``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from hotspots.errors import ColumnError, CRSError, InputError, Option, given, literal
from hotspots.ingest.columns import normalise_name
from hotspots.ingest.coordinates import parse_crs
from hotspots.ingest.database import is_database_url, read_boundaries_table
from hotspots.ingest.readers import Source, read_with_notes

log = logging.getLogger(__name__)

_NAME_CANDIDATES = (
    "name",
    "neighbourhood",
    "neighborhood",
    "neighbourh",
    "neighbourhood_name",
    "neighborhood_name",
    "area_name",
    "areaname",
    "hood_name",
    "ward_name",
    "wardname",
    "ward",
    "district_name",
    "dist_name",
    "district",
    "precinct_name",
    "precinct",
    "beat_name",
    "beat",
    "community",
    "label",
    "title",
)
_POPULATION_CANDIDATES = (
    "population",
    "pop",
    "pop_total",
    "total_pop",
    "total_population",
    "totpop",
    "tot_pop",
    "pop_est",
    "popn",
    "residents",
)
_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def load_boundaries(
    source: Source | gpd.GeoDataFrame,
    *,
    name: str | None = None,
    population: str | None = None,
    crs: str | int | None = None,
    layer: str | None = None,
    filename: str | None = None,
    table: str | None = None,
    query: str | None = None,
) -> gpd.GeoDataFrame:
    """Load polygon units with a unique ``name`` and a ``population`` column.

    Parameters
    ----------
    source : path, binary file object or GeoDataFrame
        GeoJSON, GeoPackage, Shapefile (or a zip of one), KML/KMZ or GeoParquet.
    name : str, optional
        Column holding the unit names (auto-detected when omitted).
    population : str, optional
        Column holding the resident population (auto-detected when omitted).
    crs : str or int, optional
        CRS of the coordinates, for files that carry none (e.g. a shapefile without
        ``.prj``). Overrides the file's own CRS when given.
    layer : str, optional
        Layer of a multi-layer GeoPackage or KML.
    filename : str, optional
        File name (for its extension) when ``source`` is a file object.
    table, query : str, optional
        With an SQLAlchemy URL as ``source`` (e.g. ``"postgresql://user@host/gis"``): the
        PostGIS table or query holding the polygons (needs the ``db`` extra).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name``, ``population``, ``geometry`` (see the module docstring), in the
        source's CRS, one row per unit, RangeIndex.

    Raises
    ------
    InputError
        The source has no polygons.
    ColumnError
        ``name=`` or ``population=`` names a column the source does not have.
    CRSError
        The source has no CRS and ``crs=`` was not given.
    """
    notes: list[str] = []
    if is_database_url(source):
        frame = read_boundaries_table(str(source), table=table, query=query)
        label = f"table {table}" if table else "query"
    elif isinstance(source, pd.DataFrame):
        frame = source
        label = "boundaries"
    else:
        frame, notes = read_with_notes(source, layer=layer, filename=filename)
        label = filename or Path(str(getattr(source, "name", source))).name
    if not isinstance(frame, gpd.GeoDataFrame) or frame._geometry_column_name not in frame:
        raise InputError(
            "{0} has no geometry; boundaries must be polygons from GeoJSON, GeoPackage, "
            "Shapefile, KML or GeoParquet.",
            options=(given("boundaries_source", label),),
        )
    frame = frame.reset_index(drop=True)
    source_crs = _boundary_crs(frame, parse_crs(crs), label, notes)

    name_column = _pick(frame, name, "name", _NAME_CANDIDATES, text=True)
    population_column = _pick(frame, population, "population", _POPULATION_CANDIDATES, text=False)
    names = _names(frame, name_column, notes)
    people = _population(frame, population_column, notes)

    geometry, keep = _polygons(frame.geometry.to_numpy())
    dropped = int((~keep).sum())
    if dropped:
        notes.append(f"{label}: dropped {dropped:,} rows without polygon geometry")
    if not keep.any():
        kinds = ", ".join(sorted(set(map(str, frame.geom_type.dropna())))) or "none"
        raise InputError(
            "{0} has no polygons "
            + literal(f"(geometry types: {kinds}); ")
            + "boundaries must be Polygon/MultiPolygon units such as neighbourhoods or wards.",
            options=(given("boundaries_source", label),),
        )
    units = gpd.GeoDataFrame(
        {"name": names[keep], "population": people[keep]},
        geometry=gpd.GeoSeries(geometry[keep], crs=source_crs),
    ).reset_index(drop=True)
    units = _dissolve_same_names(units, notes)
    units.attrs["notes"] = tuple(notes)
    for note in notes:
        log.info(note)
    log.info("Loaded %s boundary units from %s", f"{len(units):,}", label)
    return units


def _boundary_crs(frame: gpd.GeoDataFrame, crs: CRS | None, label: str, notes: list[str]) -> CRS:
    own = None if frame.crs is None else CRS.from_user_input(frame.crs)
    if crs is not None:
        if own is not None and not own.equals(crs):
            notes.append(f"{label}: file CRS {own.to_string()} overridden by crs={crs.to_string()}")
        return crs
    if own is not None:
        return own
    if label.lower().endswith((".geojson", ".json")):
        notes.append(f"{label}: GeoJSON without a CRS is EPSG:4326 by specification")
        return CRS.from_epsg(4326)
    raise CRSError(
        "{0} has no CRS (e.g. a shapefile without its .prj); give the CRS of its "
        "coordinates, e.g. {1} for longitude/latitude or {2} for UTM zone 10N.",
        options=(
            given("boundaries_source", label),
            Option("boundaries_crs", "EPSG:4326"),
            Option("boundaries_crs", "EPSG:26910"),
        ),
    )


def _pick(
    frame: gpd.GeoDataFrame,
    chosen: str | None,
    argument: str,
    candidates: tuple[str, ...],
    *,
    text: bool,
) -> str | None:
    columns = [str(c) for c in frame.columns if c != frame._geometry_column_name]
    if chosen is not None:
        if chosen in columns:
            return chosen
        folded = [c for c in columns if c.lower() == chosen.lower()]
        if len(folded) == 1:
            return folded[0]
        listed = ", ".join(map(repr, columns)) or "(no columns)"
        raise ColumnError(
            "{0} is not a column of the boundaries; use one of "
            + literal(listed)
            + ", or leave it unset to detect it.",
            options=(given(f"boundary_{argument}", chosen),),
        )
    usable = {normalise_name(c): c for c in reversed(columns) if frame[c].notna().any()}
    for candidate in candidates:
        if candidate in usable:
            return usable[candidate]
    for normal, column in usable.items():
        if text and "name" in normal:
            return column
        if not text and (
            normal.startswith(("population", "pop_")) or normal[:4] in ("pop1", "pop2")
        ):
            return column
    return None


def _names(frame: gpd.GeoDataFrame, column: str | None, notes: list[str]) -> np.ndarray:
    fallback = pd.Series([f"Unit {i}" for i in range(1, len(frame) + 1)], dtype="str")
    if column is None:
        notes.append("no name column found: units are called 'Unit 1'...'Unit n'")
        return fallback.to_numpy()
    values = frame[column].astype("str").str.strip()
    values = values.where(values.notna() & (values != ""), fallback)
    notes.append(f"unit names from column {column!r}")
    return values.to_numpy()


def _population(frame: gpd.GeoDataFrame, column: str | None, notes: list[str]) -> np.ndarray:
    if column is None:
        return np.full(len(frame), np.nan)
    notes.append(f"population from column {column!r}")
    values = frame[column]
    if not pd.api.types.is_numeric_dtype(values.dtype):
        values = pd.to_numeric(
            values.astype("str").str.replace(",", "", regex=False), errors="coerce"
        )
    return values.to_numpy(dtype=float, na_value=np.nan)


def _polygons(geometry: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return valid 2-D polygonal geometries and a mask of the rows that have any."""
    geometry = shapely.force_2d(geometry)
    present = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    present &= np.isfinite(shapely.bounds(geometry)).all(axis=1)  # no NaN/inf coordinates
    invalid = present & ~shapely.is_valid(geometry)
    if invalid.any():
        geometry[invalid] = shapely.make_valid(geometry[invalid])
    types = shapely.get_type_id(geometry)
    collections = np.flatnonzero(present & (types == shapely.GeometryType.GEOMETRYCOLLECTION))
    if len(collections):
        parts, index = shapely.get_parts(geometry[collections], return_index=True)
        flat, flat_index = shapely.get_parts(parts, return_index=True)
        owner = index[flat_index]
        polygonal = shapely.get_type_id(flat) == shapely.GeometryType.POLYGON
        merged = np.full(len(collections), None, dtype=object)
        if polygonal.any():
            rows, inverse = np.unique(owner[polygonal], return_inverse=True)
            merged[rows] = shapely.multipolygons(flat[polygonal], indices=inverse)
        geometry[collections] = merged
        types = shapely.get_type_id(geometry)
    keep = present & np.isin(types, _POLYGONAL) & ~shapely.is_empty(geometry)
    return geometry, keep


def _dissolve_same_names(units: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    repeated = units["name"].duplicated(keep=False)
    if not repeated.any():
        return units
    groups = units.groupby("name", sort=False)
    geometry = groups.geometry.agg(lambda parts: shapely.union_all(parts.to_numpy()))
    population = groups["population"].agg(_combined_population)
    notes.append(
        f"dissolved {int(repeated.sum()):,} parts sharing a name into "
        f"{units.loc[repeated, 'name'].nunique():,} units"
    )
    return gpd.GeoDataFrame(
        {"name": pd.Series(geometry.index, dtype="str"), "population": population.to_numpy(float)},
        geometry=gpd.GeoSeries(geometry.to_numpy(), crs=units.crs),
    )


def _combined_population(values: pd.Series) -> float:
    present = values.dropna()
    if present.empty:
        return float("nan")
    if present.nunique() == 1 and len(present) > 1:
        return float(present.iloc[0])
    return float(present.sum())
