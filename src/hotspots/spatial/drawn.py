"""Areas an analyst draws on the map: a polygon, a rectangle, or a buffer around a point.

The map's drawing tools hand over GeoJSON in longitude/latitude (EPSG:4326). This module
turns it into a :class:`DrawnArea` in the incidents' metric CRS — checked for the mistakes
a hand makes (a polygon that crosses itself, one with no area, a shape far from the data)
— selects the incidents inside it, and writes it back out as GeoJSON or as the polygons the
evaluation takes as a target or control (:func:`hotspots.evaluate.evaluate_intervention`).

- :func:`drawn_area` — a drawn GeoJSON feature (polygon, rectangle, point or circle);
- :func:`buffer_area` — a buffer of ``radius_m`` metres around a point;
- :func:`inside_area` — which incidents lie inside (on the edge counts as inside).

A buffer is the circle of ``radius_m`` metres in the metric CRS, drawn with
:data:`QUAD_SEGS` segments per quarter circle: the polygon is at most
``radius_m * (1 - cos(pi / (4 * QUAD_SEGS)))`` inside the true circle (4 cm for 500 m),
and the same polygon is counted, downloaded and evaluated.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer

from hotspots.errors import InputError, invalid, literal
from hotspots.spatial.projection import DISPLAY_CRS

AreaKind = Literal["polygon", "buffer"]
#: Segments per quarter circle of a buffer.
QUAD_SEGS = 64
#: Smallest mean width (2 × area / perimeter, metres) of a drawn polygon: a thinner one has
#: its corners on one line (on the screen's projection they may not be quite on one in metres).
MIN_WIDTH_M = 1.0
#: Largest buffer radius, metres.
MAX_RADIUS_M = 50_000.0


@dataclass(frozen=True, eq=False)
class DrawnArea:
    """A drawn area in the incidents' metric CRS.

    Attributes
    ----------
    geometry : shapely.Polygon
        The area, in ``crs`` (metres).
    crs : pyproj.CRS
        The metric CRS of the incidents.
    kind : {"polygon", "buffer"}
        A drawn polygon or rectangle, or a buffer around a point.
    name : str
        For people: ``"Drawn area"`` or ``"500 m around 43.65000, -79.38000"``.
    centre : (float, float) or None
        Longitude and latitude of a buffer's point.
    radius_m : float or None
        A buffer's radius in metres.
    """

    geometry: shapely.Polygon
    crs: CRS
    kind: AreaKind
    name: str
    centre: tuple[float, float] | None = None
    radius_m: float | None = None

    @property
    def area_km2(self) -> float:
        """Area in square kilometres."""
        return float(self.geometry.area) / 1e6

    @property
    def key(self) -> str:
        """A short hash of the geometry and CRS (a cache key: equal for equal areas)."""
        digest = hashlib.sha256(shapely.to_wkb(self.geometry, output_dimension=2))
        digest.update(self.crs.to_wkt().encode("utf-8"))
        return digest.hexdigest()[:16]

    def frame(self) -> gpd.GeoDataFrame:
        """The area as a one-row GeoDataFrame (``name``, ``geometry``) in the metric CRS.

        What :func:`hotspots.evaluate.evaluate_intervention` takes as ``target`` or
        ``control``.
        """
        return gpd.GeoDataFrame({"name": [self.name]}, geometry=[self.geometry], crs=self.crs)

    def geojson(self) -> str:
        """The area as a GeoJSON FeatureCollection in longitude/latitude (EPSG:4326).

        Properties: ``name``, ``kind``, ``area_km2`` and, for a buffer, ``radius_m``,
        ``lon``, ``lat``. Coordinates are rounded to 7 decimals (about 1 cm).
        """
        display = self.frame().to_crs(DISPLAY_CRS)
        geometry = shapely.set_precision(display.geometry.iloc[0], 1e-7)
        properties: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "area_km2": round(self.area_km2, 6),
        }
        if self.centre is not None and self.radius_m is not None:
            properties.update(radius_m=self.radius_m, lon=self.centre[0], lat=self.centre[1])
        feature = {
            "type": "Feature",
            "properties": properties,
            "geometry": json.loads(shapely.to_geojson(geometry)),
        }
        return json.dumps({"type": "FeatureCollection", "features": [feature]})


def drawn_area(
    feature: Mapping[str, Any],
    *,
    crs: CRS,
    radius_m: float | None = None,
    data_bounds: Sequence[float] | None = None,
) -> DrawnArea:
    """A drawn GeoJSON feature (or bare geometry) in longitude/latitude, as a :class:`DrawnArea`.

    Parameters
    ----------
    feature : dict
        A GeoJSON ``Feature`` or geometry: a ``Polygon`` (drawn polygon or rectangle), or a
        ``Point`` — a clicked point (buffered by ``radius_m``) or a drawn circle (its
        ``properties.radius`` in metres, unless ``radius_m`` is given).
    crs : pyproj.CRS
        The metric CRS of the incidents.
    radius_m : float, optional
        Buffer radius in metres for a point.
    data_bounds : (xmin, ymin, xmax, ymax), optional
        Extent of the data in ``crs``; an area that does not reach it is refused.

    Raises
    ------
    InputError
        For a geometry that is not a polygon or point, coordinates that are not degrees, a
        polygon that crosses itself or has no area, a missing or bad radius, or an area
        outside the data.
    """
    geometry = feature.get("geometry") if feature.get("type") == "Feature" else feature
    properties = feature.get("properties") if feature.get("type") == "Feature" else None
    if not isinstance(geometry, Mapping) or geometry.get("type") not in ("Polygon", "Point"):
        kind = geometry.get("type") if isinstance(geometry, Mapping) else geometry
        raise invalid(
            "drawing",
            kind,
            "a polygon, a rectangle or a point",
            "Draw the area with the polygon or rectangle tool, or click a point for a buffer.",
        )
    if geometry["type"] == "Point":
        lon, lat = _lon_lat(geometry.get("coordinates"))
        if radius_m is None and isinstance(properties, Mapping):
            radius_m = properties.get("radius")
        if radius_m is None:
            raise invalid(
                "selection:radius_m",
                None,
                "a buffer radius in metres",
                "Set the radius of the buffer.",
            )
        return buffer_area(lon, lat, float(radius_m), crs=crs, data_bounds=data_bounds)
    rings = geometry.get("coordinates")
    if not isinstance(rings, list) or not rings or not isinstance(rings[0], list):
        raise invalid("drawing", describe_rings(rings), "a polygon with at least three corners")
    exterior = [_lon_lat(point) for point in rings[0]]
    corners = {(round(x, 9), round(y, 9)) for x, y in exterior}
    if len(corners) < 3:
        raise InputError(
            literal(
                f"The drawn polygon has {len(corners)} distinct corner(s); an area needs at "
                "least three. Draw it again, clicking at least three points."
            )
        )
    to_metric = Transformer.from_crs(DISPLAY_CRS, crs, always_xy=True)
    xs, ys = to_metric.transform([p[0] for p in exterior], [p[1] for p in exterior])
    polygon = shapely.Polygon(np.column_stack([xs, ys]))
    if not shapely.is_valid(polygon):
        reason = shapely.is_valid_reason(polygon)
        where = _where(reason, crs)
        raise InputError(
            literal(
                f"The drawn polygon crosses itself{where}, so its inside is not defined. "
                "Draw it again without crossing lines (or use the rectangle tool)."
            )
        )
    width_m = 2 * polygon.area / polygon.length
    if width_m < MIN_WIDTH_M:
        raise InputError(
            literal(
                f"The drawn polygon has no area ({polygon.area:.2g} m², {width_m:.2g} m wide on "
                "average): its corners lie on one line. Draw it again with corners around the area."
            )
        )
    area = DrawnArea(
        geometry=shapely.normalize(polygon),
        crs=crs,
        kind="polygon",
        name="Drawn area",
    )
    _check_reaches_data(area, data_bounds)
    return area


def buffer_area(
    lon: float,
    lat: float,
    radius_m: float,
    *,
    crs: CRS,
    data_bounds: Sequence[float] | None = None,
) -> DrawnArea:
    """The buffer of ``radius_m`` metres around the point (``lon``, ``lat``) in degrees.

    Raises
    ------
    InputError
        For a point that is not in degrees, a radius that is not in (0,
        :data:`MAX_RADIUS_M`] metres, or a buffer outside the data (``data_bounds``, as in
        :func:`drawn_area`).
    """
    lon, lat = _lon_lat([lon, lat])
    if not (isinstance(radius_m, int | float) and math.isfinite(radius_m)) or not (
        0 < radius_m <= MAX_RADIUS_M
    ):
        raise invalid(
            "selection:radius_m",
            radius_m,
            f"a buffer radius above 0 and at most {MAX_RADIUS_M:,.0f} metres",
            "For example 400 (about two blocks).",
        )
    x, y = Transformer.from_crs(DISPLAY_CRS, crs, always_xy=True).transform(lon, lat)
    circle = shapely.buffer(shapely.Point(x, y), float(radius_m), quad_segs=QUAD_SEGS)
    area = DrawnArea(
        geometry=circle,
        crs=crs,
        kind="buffer",
        name=f"{radius_m:,.0f} m around {lat:.5f}, {lon:.5f}",
        centre=(lon, lat),
        radius_m=float(radius_m),
    )
    _check_reaches_data(area, data_bounds)
    return area


def inside_area(
    area: DrawnArea, x: NDArray[np.float64], y: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Which points (``x``, ``y`` in the area's metric CRS) lie inside or on the edge of ``area``."""
    shapely.prepare(area.geometry)
    return np.asarray(shapely.intersects_xy(area.geometry, x, y), dtype=bool)


def incidents_in_area(incidents: gpd.GeoDataFrame, area: DrawnArea) -> gpd.GeoDataFrame:
    """The incidents (a metric GeoDataFrame in the area's CRS) inside ``area``; index kept.

    Raises
    ------
    InputError
        When the incidents are in another CRS than the area.
    """
    return incidents.loc[area_mask(incidents, area)]


def area_mask(incidents: gpd.GeoDataFrame, area: DrawnArea) -> NDArray[np.bool_]:
    """Which of ``incidents`` (in the area's metric CRS) lie inside ``area``, in row order.

    Raises
    ------
    InputError
        When the incidents are in another CRS than the area.
    """
    if incidents.crs is None or not CRS(incidents.crs).equals(area.crs):
        raise invalid(
            "incidents",
            incidents.crs,
            f"incidents in the area's metric CRS ({area.crs.name})",
            "Select from the incidents the area was drawn for.",
        )
    return inside_area(area, incidents.geometry.x.to_numpy(), incidents.geometry.y.to_numpy())


def describe_rings(rings: object) -> str:
    """A short description of malformed polygon coordinates (for messages)."""
    return type(rings).__name__ if not isinstance(rings, list) else f"{len(rings)} ring(s)"


def _lon_lat(point: object) -> tuple[float, float]:
    if isinstance(point, list | tuple) and len(point) >= 2:
        try:
            lon, lat = float(point[0]), float(point[1])
        except (TypeError, ValueError):
            lon = lat = math.nan
        if math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90:
            return lon, lat
    raise invalid(
        "drawing",
        point,
        "longitude/latitude pairs in degrees",
        "Draw the area on the map again.",
    )


def _where(reason: str, crs: CRS) -> str:
    """ " near 43.65000, -79.38000" from shapely's "Self-intersection[x y]" (metric)."""
    start, end = reason.find("["), reason.find("]")
    try:
        x, y = (float(v) for v in reason[start + 1 : end].split()[:2])
    except ValueError:
        return ""
    lon, lat = Transformer.from_crs(crs, DISPLAY_CRS, always_xy=True).transform(x, y)
    return f" near {lat:.5f}, {lon:.5f}"


def _check_reaches_data(area: DrawnArea, data_bounds: Sequence[float] | None) -> None:
    if data_bounds is None:
        return
    xmin, ymin, xmax, ymax = (float(v) for v in data_bounds)
    extent = shapely.box(xmin, ymin, xmax, ymax)
    if shapely.intersects(area.geometry, extent):
        return
    distance_km = float(shapely.distance(area.geometry, extent)) / 1000
    raise InputError(
        literal(
            f"The {'buffer' if area.kind == 'buffer' else 'drawn area'} lies outside the data "
            f"({distance_km:,.1f} km from the nearest incident's extent), so it holds no "
            "incident. Draw it where the incidents are (the Home button shows the whole area)."
        )
    )
