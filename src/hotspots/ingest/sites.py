"""Reading a file of candidate outreach sites (partner locations): :func:`load_sites`.

Community centres, schools, NGOs, places of worship... any table of points that could
host outreach. The file is read with :func:`hotspots.ingest.read_table` and its
coordinates are checked exactly like incident coordinates (same column detection, same
checks, same CRS rules, see :mod:`hotspots.ingest.coordinates`):

- ``lat``/``lon`` columns (degrees), ``x``/``y`` columns (projected, with ``crs=``), or
  point geometry (GeoJSON, GeoPackage, Shapefile, KML, GeoParquet);
- a file with no coordinates, or with projected-looking numbers and no CRS, raises an
  error that says how to fix it;
- a row with a missing, non-numeric, withheld (0/0) or out-of-range location is left
  out and listed in ``result.attrs["rejects"]`` (with its reason); a warning says how
  many, so nothing is lost silently.

Site names come from ``name=`` or the first column named like a name (``name``,
``site_name``, ``site``, ``facility``, ``organisation``, ``partner``...); rows without
one are called ``"Site <row number>"``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.errors import ColumnError, CRSError, EmptyDataError, Option, describe, literal
from hotspots.ingest.columns import ColumnMapping, normalise_name, resolve_columns
from hotspots.ingest.coordinates import locate, parse_crs
from hotspots.ingest.readers import Source, read_with_notes
from hotspots.ingest.rejects import RejectLedger, summarise

log = logging.getLogger(__name__)

#: Columns of the frame :func:`load_sites` returns (plus ``geometry``).
SITE_FILE_COLUMNS = ("name", "source_row")

#: Normalised column names tried, in order, for the site name.
NAME_CANDIDATES = (
    "name",
    "site_name",
    "site",
    "facility_name",
    "facility",
    "organisation",
    "organization",
    "organisation_name",
    "organization_name",
    "org_name",
    "partner_name",
    "partner",
    "location_name",
    "place_name",
    "place",
    "venue",
    "title",
    "label",
)


def load_sites(
    source: Source | pd.DataFrame,
    *,
    name: str | None = None,
    crs: str | int | None = None,
    columns: Mapping[str, str | None] | None = None,
    layer: str | None = None,
    filename: str | None = None,
) -> gpd.GeoDataFrame:
    """Load candidate (or existing) outreach sites from a file of points.

    Parameters
    ----------
    source : path, binary file object (e.g. a Streamlit upload) or DataFrame
        CSV, Parquet/GeoParquet, GeoJSON, GeoPackage, Shapefile (or a zip of one) or KML.
    name : str, optional
        Column with the site names (detected when omitted, see the module docstring).
    crs : str or int, optional
        CRS of the coordinates, needed for projected ``x``/``y`` columns in a CSV or a
        Shapefile without ``.prj`` (e.g. ``"EPSG:26917"``). Overrides a file's own CRS.
    columns : dict, optional
        Coordinate columns when detection fails, e.g. ``{"lat": "Y_deg", "lon": "X_deg"}``
        or ``{"x": "EASTING", "y": "NORTHING"}`` (with ``crs=``).
    layer : str, optional
        Layer of a multi-layer GeoPackage or KML.
    filename : str, optional
        File name (for its extension) when ``source`` is a file object.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name`` (str, never missing), ``source_row`` (int, 1-based data row in the
        file) and Point ``geometry`` in a metric CRS (the local UTM zone, metres), one
        row per usable site. ``attrs["rejects"]`` holds the reject report of the rows
        left out (``source_row``, ``reason``, ``detail``, original columns);
        ``attrs["notes"]`` the automatic choices.

    Raises
    ------
    ColumnError
        No coordinates (no lat/lon or x/y columns, no point geometry), or ``name=`` /
        ``columns=`` names a column the file does not have.
    CRSError
        Projected-looking coordinates and no CRS, or an unknown ``crs``.
    EmptyDataError
        The file is empty, or no row has a usable location.
    """
    label = _label(source, filename)
    declared_crs = parse_crs(crs)
    if isinstance(source, pd.DataFrame):
        if len(source) == 0:
            raise EmptyDataError(f"{label} has no rows; give at least one candidate site.")
        frame: pd.DataFrame = source.reset_index(drop=True)
        notes: list[str] = []
    else:
        frame, notes = read_with_notes(source, layer=layer, filename=filename)
        frame = frame.reset_index(drop=True)
    mapping, overridden = resolve_columns(frame, columns)
    use_geometry = _uses_geometry(frame, overridden)
    if not use_geometry:
        _require_coordinates(frame, mapping, label)
    name_column = _name_column(frame, name, mapping, label)

    ledger = RejectLedger(len(frame))
    try:
        located = locate(
            frame, mapping, ledger, crs=declared_crs, swap_lat_lon=False, use_geometry=use_geometry
        )
    except CRSError as exc:
        raise exc.reworded(f"Candidate sites {label}: ", keys={"crs": "site_crs"}) from None
    notes.extend(located.notes)
    rejects = ledger.report(frame)
    keep = ledger.accepted
    if not keep.any():
        raise EmptyDataError(
            f"None of the {len(frame):,} rows of {label} has a usable location: "
            f"{literal(summarise(rejects))}. Check the coordinate columns (and {{0}}).",
            options=(Option("site_crs"),),
        )
    if len(rejects):
        log.warning(
            "%s of %s candidate sites in %s have no usable location and are left out: %s",
            f"{len(rejects):,}",
            f"{len(frame):,}",
            label,
            summarise(rejects),
        )
    rows = np.flatnonzero(keep)
    names = _names(frame, name_column, rows)
    sites = gpd.GeoDataFrame(
        {
            "name": pd.array(names, dtype="string"),
            "source_row": (rows + 1).astype(np.int64),
        },
        geometry=shapely.points(located.x_m[rows], located.y_m[rows]),
        crs=located.metric_crs,
    )
    duplicated = sites["name"].duplicated(keep=False)
    if duplicated.any():
        log.warning(
            "%s site names in %s are used more than once (e.g. %s); refer to those sites by "
            "row rather than by name",
            int(duplicated.sum()),
            label,
            describe(sites.loc[duplicated, "name"].iloc[0]),
        )
    notes.append(f"{len(sites):,} of {len(frame):,} sites loaded from {label}")
    for note in notes:
        log.info(note)
    sites.attrs["rejects"] = rejects
    sites.attrs["notes"] = tuple(notes)
    return sites


def _label(source: Source | pd.DataFrame, filename: str | None) -> str:
    if isinstance(source, pd.DataFrame):
        return "the sites table"
    if filename:
        return repr(filename)
    return repr(Path(str(getattr(source, "name", source))).name)


def _uses_geometry(frame: pd.DataFrame, overridden: tuple[str, ...]) -> bool:
    if not isinstance(frame, gpd.GeoDataFrame) or frame._geometry_column_name not in frame:
        return False
    return not any(field in overridden for field in ("lat", "lon", "x", "y"))


def _require_coordinates(frame: pd.DataFrame, mapping: ColumnMapping, label: str) -> None:
    if (mapping.lat and mapping.lon) or (mapping.x and mapping.y):
        return
    names = ", ".join(repr(str(c)) for c in frame.columns) or "(no columns)"
    raise ColumnError(
        f"Candidate sites {literal(label)} have no coordinates: no latitude/longitude columns (lat, "
        f"latitude, lon, lng, longitude...), no X/Y columns and no point geometry; the file "
        f"has {literal(names)}. Add lat/lon columns (degrees), use {{0}}, give X/Y with "
        "{1}, or use a GeoJSON/GeoPackage of points.",
        options=(Option("site_columns"), Option("site_crs", "EPSG:26917")),
    )


def _name_column(
    frame: pd.DataFrame, name: str | None, mapping: ColumnMapping, label: str
) -> str | None:
    geometry_name = getattr(frame, "_geometry_column_name", None)
    columns = [c for c in frame.columns if isinstance(c, str) and c != geometry_name]
    if name is not None:
        if name in columns:
            return name
        raise ColumnError(
            f"name={describe(name)} is not a column of {label}; use one of "
            f"{', '.join(repr(c) for c in columns) or '(no columns)'}, or leave name=None "
            "to detect it."
        )
    used = {c for c in mapping.as_dict().values() if c is not None}
    by_normal: dict[str, str] = {}
    for column in columns:
        if column not in used:
            by_normal.setdefault(normalise_name(column), column)
    for candidate in NAME_CANDIDATES:
        if candidate in by_normal:
            return by_normal[candidate]
    for normal, column in by_normal.items():
        if "name" in normal and not pd.api.types.is_numeric_dtype(frame[column]):
            return column
    log.info("%s has no name column; sites are called 'Site <row number>'", label)
    return None


def _names(frame: pd.DataFrame, column: str | None, rows: np.ndarray) -> np.ndarray:
    generated = np.char.add("Site ", (rows + 1).astype(str)).astype(object)
    if column is None:
        return generated
    text = frame[column].iloc[rows].astype("string").str.strip()
    missing = (text.isna() | (text == "")).to_numpy(dtype=bool)
    values = text.to_numpy(dtype=object, na_value="")
    return np.where(missing, generated, values).astype(object)
