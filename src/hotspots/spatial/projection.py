"""Choosing the metric CRS every distance, area, grid and kernel is computed in.

Input may be lon/lat or projected; analysis happens in the local UTM zone of the
data (chosen automatically and logged) and results go back to EPSG:4326 only for
display.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
from pyproj import CRS

from hotspots.errors import CRSError, invalid

if TYPE_CHECKING:
    from hotspots.ingest.table import IncidentTable

log = logging.getLogger(__name__)

DISPLAY_CRS = CRS.from_epsg(4326)


def utm_crs_for(lon: float, lat: float) -> CRS:
    """Return the WGS 84 / UTM zone CRS containing the point (``lon``, ``lat``) in degrees."""
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise CRSError(
            f"lon={lon!r}, lat={lat!r} is not a longitude/latitude pair in degrees; "
            "longitude must be within [-180, 180] and latitude within [-90, 90]."
        )
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def choose_metric_crs(gdf: gpd.GeoDataFrame, *, quiet: bool = False) -> CRS:
    """Pick a metric CRS for ``gdf``: its own if already projected in metres, else local UTM.

    The choice is logged (``quiet=True`` lowers it to debug level).
    """
    if gdf.crs is None:
        raise CRSError(
            "The data has no CRS. Set it with gdf.set_crs('EPSG:4326') for longitude/latitude, "
            "or with the EPSG code of its projection (e.g. 'EPSG:26910' for UTM zone 10N)."
        )
    crs = CRS.from_user_input(gdf.crs)
    if crs.is_projected and _unit_is_metre(crs):
        return crs
    lon_lat = gdf.to_crs(DISPLAY_CRS) if not crs.equals(DISPLAY_CRS) else gdf
    bounds = lon_lat.total_bounds
    if not np.all(np.isfinite(bounds)):
        raise CRSError("The data has no finite coordinates, so no metric CRS can be chosen.")
    chosen = utm_crs_for((bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0)
    log.log(
        logging.DEBUG if quiet else logging.INFO,
        "Metric CRS set to %s (EPSG:%s) automatically",
        chosen.name,
        chosen.to_epsg(),
    )
    return chosen


def to_metric(gdf: gpd.GeoDataFrame, crs: CRS | None = None) -> gpd.GeoDataFrame:
    """Return ``gdf`` in ``crs`` (or in an automatically chosen metric CRS)."""
    target = crs if crs is not None else choose_metric_crs(gdf)
    if gdf.crs is not None and CRS.from_user_input(gdf.crs).equals(target):
        return gdf
    return gdf.to_crs(target)


def to_display(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326 (longitude/latitude) for maps and files."""
    if gdf.crs is None:
        raise CRSError("Cannot convert data without a CRS to EPSG:4326; set its CRS first.")
    if CRS.from_user_input(gdf.crs).equals(DISPLAY_CRS):
        return gdf
    return gdf.to_crs(DISPLAY_CRS)


def require_metric(gdf: gpd.GeoDataFrame | IncidentTable, argument: str) -> CRS:
    """Return the CRS of ``gdf`` or raise when it is missing or not in metres."""
    if gdf.crs is None:
        raise CRSError(
            f"{argument} has no CRS. Set one with {argument}.set_crs(...) before analysis."
        )
    crs = CRS.from_user_input(gdf.crs)
    if not (crs.is_projected and _unit_is_metre(crs)):
        raise CRSError(
            f"{argument} is in {crs.name!r}, which is not a projected CRS in metres; "
            f"distances would be wrong. Convert it first: hotspots.spatial.projection.to_metric({argument})."
        )
    return crs


def _unit_is_metre(crs: CRS) -> bool:
    units = {axis.unit_name.lower() for axis in crs.axis_info}
    return bool(units) and units <= {"metre", "meter", "m"}


def require_geodata(frame: object, argument: str) -> None:
    """Raise unless ``frame`` is a GeoDataFrame with a CRS: the check every verb that takes
    geometry makes first (the message names ``argument`` and says how to fix it)."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise invalid(
            argument,
            type(frame).__name__,
            "a geopandas.GeoDataFrame",
            "Read files with hotspots.read_incidents / read_boundaries / read_sites, or build "
            "one with geopandas.GeoDataFrame(..., geometry=..., crs=...).",
        )
    if frame.crs is None:
        raise CRSError(
            f"{argument} has no CRS, so distances cannot be measured. Set it with "
            f"{argument}.set_crs('EPSG:4326') for longitude/latitude, or with the EPSG code of "
            "its projection (e.g. 'EPSG:26916' for UTM zone 16N)."
        )
