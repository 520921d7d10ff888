"""What the map draws, prepared once and kept small: rounded lon/lat, compact properties.

The browser receives only what it needs: non-empty or significant units, coordinates
rounded to about a metre, outlines simplified, property names of one or two letters and
repeated texts (area names, labels) sent once in lookup lists. :mod:`.map_builder` turns
these layers into a folium map.

The units travel *packed* (:attr:`UnitLayer.packed`, read back by :func:`unpack_units`):
one list per property instead of one object per unit, and the outline coordinates as
whole numbers of 1e-5 degrees, each the difference from the one before, closing points
left out. At the default view (15,849 cells) that is 1.2 MB instead of 2.8 MB of GeoJSON,
and the page builds the polygons from it without parsing GeoJSON.

Unit properties (GeoJSON ``properties`` of each feature, one list each in the packed form):

``id``  cell id (int) or area name (str) — what a click selects;
``nm``  index of the area name in :attr:`UnitLayer.names` (-1: none);
``c``   incidents; ``d`` incidents per km²; ``r`` per 1,000 residents (areas, when known);
``z``   Gi* z-score; ``p`` FDR-adjusted p-value; ``b`` Gi* bin (-3..3);
``l``   LISA cluster index in :data:`LISA_ORDER`; ``k`` colour index in :attr:`UnitLayer.colours`.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from hotspots.dashboard.settings import MAP_DECIMALS, MAX_MAP_POINTS, OUTLINE_TOLERANCE_M
from hotspots.errors import InputError, Option
from hotspots.maps import palettes
from hotspots.spatial.projection import DISPLAY_CRS, to_display, to_metric
from hotspots.stats.classify import NEAR_HOT

if TYPE_CHECKING:
    from hotspots.analysis import Analysis

Measure = Literal["gi", "lisa", "count", "density", "kde"]
UnitKind = Literal["cell", "area"]
#: ``((south, west), (north, east))`` in degrees.
Bounds = tuple[tuple[float, float], tuple[float, float]]

MEASURES: dict[str, str] = {
    "gi": "Hot & cold spots (Gi*)",
    "lisa": "Clusters & outliers (LISA)",
    "count": "Incident counts",
    "density": "Density per km²",
    "kde": "Kernel density",
}
#: Measures drawn only on square grid cells.
SQUARE_CELL_MEASURES: tuple[str, ...] = ("kde",)
LISA_ORDER: tuple[str, ...] = ("Not significant", "High-High", "Low-High", "Low-Low", "High-Low")


@dataclass(frozen=True)
class Legend:
    """Title and (colour, label) entries of a map legend."""

    title: str
    entries: tuple[tuple[str, str], ...]
    note: str = ""


@dataclass(frozen=True, eq=False)
class UnitLayer:
    """Grid cells or areas coloured by one measure (see the module docstring for properties)."""

    packed: str
    kind: UnitKind
    measure: Measure
    names: tuple[str, ...]
    colours: tuple[str, ...]
    legend: Legend
    features: int
    bounds: Bounds

    @property
    def geojson(self) -> str:
        """The units as a GeoJSON FeatureCollection (what the page rebuilds from :attr:`packed`)."""
        return json.dumps(unpack_units(self.packed), separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, eq=False)
class OutlineLayer:
    """Area outlines for context, with one label point per area."""

    geojson: str
    labels: tuple[tuple[float, float, str], ...]


@dataclass(frozen=True, eq=False)
class PointLayer:
    """Incident points for the clustered, zoomed-in layer.

    ``rows`` are ``[lat, lon, offense index, "YYYY-MM-DD HH:MM", cell id]``; ``total`` is how
    many incidents qualified before the cap. Clicking a point selects its cell.
    """

    rows: tuple[tuple[float, float, int, str, int], ...]
    offenses: tuple[str, ...]
    total: int
    description: str = field(default="")


def unit_layer(analysis: Analysis, *, kind: UnitKind, measure: Measure) -> UnitLayer:
    """The coloured cells (``kind="cell"``) or areas (``kind="area"``) of ``analysis``."""
    bandwidth_m: float | None = None
    if kind == "area":
        if analysis.areas is None:
            raise ValueError("unit_layer(kind='area') needs an analysis made with boundaries")
        frame = analysis.areas
        ids = frame["name"].astype(str).to_numpy(dtype=object)
        names_of_rows = frame["name"].astype(str)
        keep = np.ones(len(frame), dtype=bool)
    else:
        frame = analysis.cells
        if measure == "kde":
            density, bandwidth_m = kernel_density_km2(analysis)
            frame = frame.assign(kde_km2=density)
        ids = frame["cell_id"].to_numpy()
        names_of_rows = frame["neighbourhood"].astype("string")
        significant = (frame["gi_bin"].to_numpy() != 0) | _lisa_significant(frame)
        keep = (frame["count"].to_numpy() > 0) | significant
        if measure == "kde":  # a smooth surface: every cell it reaches, not only non-empty ones
            keep = frame["kde_km2"].to_numpy() > 0
    frame = frame.loc[keep]
    ids = ids[keep]
    names_of_rows = names_of_rows.loc[keep]

    names, name_index = _lookup(names_of_rows)
    colours, colour_index, legend = _colouring(frame, measure, kind, bandwidth_m)
    lisa = _lisa_index(frame)
    props = pd.DataFrame(
        {
            "id": ids,
            "u": kind,  # which units these are: a click on a stale layer is recognised
            "nm": name_index,
            "c": frame["count"].to_numpy(dtype=np.int64),
            "d": np.round(frame["density_km2"].to_numpy(dtype=np.float64), 1),
            "z": np.round(frame["gi_z"].to_numpy(dtype=np.float64), 2),
            "p": [_sig(v) for v in frame["gi_p_fdr"].to_numpy(dtype=np.float64)],
            "b": _gi_codes(frame),
            "l": lisa,
            "k": colour_index,
        }
    )
    if kind == "area" and "rate_per_1000" in frame.columns:
        rate = frame["rate_per_1000"].to_numpy(dtype=np.float64)
        props["r"] = [None if not np.isfinite(v) else round(float(v), 2) for v in rate]
    multi, coords, offsets = _ragged_polygons(frame.geometry.values)
    lonlat = _lonlat(coords, frame.crs)  # the rings' points, as to_display gives them
    return UnitLayer(
        packed=_pack(multi, np.round(lonlat, MAP_DECIMALS), offsets, props),
        kind=kind,
        measure=measure,
        names=names,
        colours=colours,
        legend=legend,
        features=len(props),
        bounds=_coords_bounds(lonlat),
    )


def outline_layer(boundaries: gpd.GeoDataFrame) -> OutlineLayer:
    """Simplified outlines (about :data:`OUTLINE_TOLERANCE_M` metres) and label points of areas."""
    metric = to_metric(boundaries[["name", "geometry"]].reset_index(drop=True))
    simple = metric.geometry.simplify(OUTLINE_TOLERANCE_M, preserve_topology=True)
    anchors = to_display(
        gpd.GeoDataFrame(geometry=metric.geometry.representative_point(), crs=metric.crs)
    )
    display = to_display(
        gpd.GeoDataFrame(
            {"name": metric["name"].astype(str)}, geometry=simple.values, crs=metric.crs
        )
    )
    props = pd.DataFrame({"id": display["name"].to_numpy(dtype=object)})
    labels = tuple(
        (round(float(y), MAP_DECIMALS), round(float(x), MAP_DECIMALS), str(name))
        for x, y, name in zip(anchors.geometry.x, anchors.geometry.y, display["name"], strict=True)
    )
    return OutlineLayer(
        geojson=_feature_collection(_rounded(display.geometry.values), props), labels=labels
    )


def point_layer(analysis: Analysis, *, limit: int = MAX_MAP_POINTS) -> PointLayer:
    """Incidents in significant hot spot cells, most recent first, at most ``limit``.

    Sending every incident would make the map heavy; analysts zoom into hot spots, so the
    points there are the ones worth drawing.
    """
    hot_ids = analysis.cells.loc[analysis.cells["hotspot"], "cell_id"].to_numpy()
    incidents = analysis.selected.frame  # arrays: no point object for the other incidents
    inside = incidents.loc[np.isin(incidents["cell_id"].to_numpy(), hot_ids)]
    total = len(inside)
    if total == 0:
        return PointLayer(rows=(), offenses=(), total=0, description="no incidents in hot spots")
    recent = inside.sort_values("occurred_at", ascending=False, kind="stable").head(limit)
    lon, lat = _display_transformer(analysis.selected.crs).transform(
        recent["x_m"].to_numpy(dtype=np.float64), recent["y_m"].to_numpy(dtype=np.float64)
    )
    offenses, offense_index = _lookup(recent["offense"].astype("string"))
    local = recent["occurred_at"]
    local = local.dt.tz_localize(None) if local.dt.tz is not None else local
    when = local.dt.strftime("%Y-%m-%d %H:%M").to_numpy(dtype=object)
    lat = np.round(np.asarray(lat, dtype=np.float64), MAP_DECIMALS)
    lon = np.round(np.asarray(lon, dtype=np.float64), MAP_DECIMALS)
    cells = recent["cell_id"].to_numpy(dtype=np.int64)
    rows = tuple(
        (float(a), float(b), int(k), str(t), int(c))
        for a, b, k, t, c in zip(lat, lon, offense_index, when, cells, strict=True)
    )
    shown = len(rows)
    description = (
        f"{shown:,} incidents in hot spot cells"
        if shown == total
        else f"the {shown:,} most recent of {total:,} incidents in hot spot cells"
    )
    return PointLayer(rows=rows, offenses=offenses, total=total, description=description)


# -- helpers ---------------------------------------------------------------------------------


def kernel_density_km2(analysis: Analysis) -> tuple[np.ndarray, float]:
    """Quartic kernel density of the analysis' cell counts, incidents per km² at each cell
    centre (in the order of ``analysis.cells``), and sfhotspot's bandwidth of the counted
    incidents in metres."""
    if analysis.grid.kind != "square":
        raise InputError(
            "Kernel density is drawn on square grid cells; choose {0}.",
            options=(Option("grid", "square"),),
        )
    # SciPy's signal module takes 0.6-1.4 s to import: only when a density surface is drawn,
    # not on the first visit after a server start.
    from hotspots.stats.kde import bandwidth_nrd_m, kde_grid

    counted = analysis.incidents.loc[analysis.incidents["cell_id"].to_numpy() >= 0]
    xy = shapely.get_coordinates(counted.geometry.values)
    bandwidth = bandwidth_nrd_m(xy[:, 0], xy[:, 1])
    counts = analysis.cells["count"].to_numpy(dtype=np.float64)
    return kde_grid(analysis.grid, counts, bandwidth_m=bandwidth) * 1e6, bandwidth


def _colouring(
    frame: gpd.GeoDataFrame, measure: Measure, kind: UnitKind, bandwidth_m: float | None = None
) -> tuple[tuple[str, ...], np.ndarray, Legend]:
    what = "cells" if kind == "cell" else "areas"
    if measure == "gi":
        bins = _gi_codes(frame)
        order = (3, 2, 1, palettes.NEAR_HOT_CODE, 0, -1, -2, -3)
        colours = tuple(palettes.GI_COLOURS[b] for b in order)
        position = {b: i for i, b in enumerate(order)}
        index = np.array([position[b] for b in bins.tolist()], dtype=np.int64)
        present = set(bins.tolist())
        entries = tuple(
            (palettes.GI_COLOURS[b], palettes.GI_LEGEND[b])
            for b in order
            if b in present or abs(b) == 3 or b == 0
        )
        return colours, index, Legend("Getis-Ord Gi* (FDR-corrected)", entries)
    if measure == "lisa":
        index = _lisa_index(frame)
        colours = tuple(palettes.LISA_COLOURS[name] for name in LISA_ORDER)
        entries = tuple(
            (palettes.LISA_COLOURS[n], palettes.LISA_LEGEND[n])
            for n in ("High-High", "High-Low", "Low-High", "Low-Low", "Not significant")
        )
        note = "" if "lisa_cluster" in frame.columns else "LISA was not computed"
        return colours, index, Legend("Local Moran's I (LISA)", entries, note)
    column = {"count": "count", "kde": "kde_km2"}.get(measure, "density_km2")
    values = frame[column].to_numpy(dtype=np.float64)
    breaks = palettes.class_breaks(values)
    index = palettes.class_of(values, breaks)
    colours = palettes.SEQUENTIAL[: len(breaks)] if len(breaks) else (palettes.SEQUENTIAL[0],)
    labels = palettes.class_labels(breaks, integer=measure == "count")
    title = (
        f"Incidents per {'cell' if kind == 'cell' else 'area'}"
        if measure == "count"
        else "Incidents per km²"
    )
    if measure == "kde":
        title = "Kernel density, incidents per km²" + (
            f" (quartic, bandwidth {bandwidth_m:,.0f} m)" if bandwidth_m else ""
        )
    entries = tuple(zip(colours, labels, strict=False))
    return (
        tuple(colours),
        index,
        Legend(title, entries, f"Empty {what} are not drawn" if kind == "cell" else ""),
    )


def _gi_codes(frame: pd.DataFrame) -> np.ndarray:
    """Gi* bins, with cells near a hot spot (the one rule, :mod:`hotspots.stats.classify`)
    given :data:`~hotspots.maps.palettes.NEAR_HOT_CODE`."""
    bins = frame["gi_bin"].to_numpy(dtype=np.int64)
    if "gi_class" not in frame.columns:
        return bins
    near = (frame["gi_class"].astype(str) == NEAR_HOT).to_numpy(dtype=bool)
    return np.where(near, palettes.NEAR_HOT_CODE, bins)


def _lisa_index(frame: pd.DataFrame) -> np.ndarray:
    if "lisa_cluster" not in frame.columns:
        return np.zeros(len(frame), dtype=np.int64)
    codes = {name: i for i, name in enumerate(LISA_ORDER)}
    return frame["lisa_cluster"].astype(str).map(codes).fillna(0).to_numpy(dtype=np.int64)


def _lisa_significant(frame: pd.DataFrame) -> np.ndarray:
    if "lisa_cluster" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return (frame["lisa_cluster"].astype(str) != "Not significant").to_numpy(dtype=bool)


def _lookup(values: pd.Series) -> tuple[tuple[str, ...], np.ndarray]:
    """Distinct non-missing values (sorted) and each row's index among them (-1 = missing)."""
    series = pd.Series(values).astype("string")
    codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=True)
    return tuple(str(u) for u in uniques), codes.astype(np.int64)


def _sig(value: float) -> float | None:
    """A p-value with 2 significant digits (None when missing)."""
    if not np.isfinite(value):
        return None
    return float(f"{value:.2g}")


@lru_cache(maxsize=8)
def _display_transformer(crs: Any) -> Transformer:
    """Longitude/latitude from ``crs``: the transformer ``GeoDataFrame.to_crs`` uses, made
    once per CRS (``to_crs`` and its checks took 10-100 ms per layer and filter change)."""
    return Transformer.from_crs(crs, DISPLAY_CRS, always_xy=True)


def _lonlat(coords: np.ndarray, crs: Any) -> np.ndarray:
    """Points (``n × 2``, in ``crs``) in longitude/latitude, as :func:`to_display` gives them."""
    lon, lat = _display_transformer(crs).transform(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat]).astype(np.float64, copy=False).reshape(-1, 2)


def _coords_bounds(lonlat: np.ndarray) -> Bounds:
    """:func:`_bounds` of points in longitude/latitude."""
    if len(lonlat) == 0:
        return ((-85.0, -180.0), (85.0, 180.0))
    west, south = lonlat.min(axis=0)
    east, north = lonlat.max(axis=0)
    return (
        (round(float(south), 5), round(float(west), 5)),
        (round(float(north), 5), round(float(east), 5)),
    )


def _rounded(geometry: np.ndarray) -> np.ndarray:
    return shapely.transform(
        np.asarray(geometry, dtype=object), lambda c: np.round(c, MAP_DECIMALS)
    )


def _feature_collection(geometry: np.ndarray, props: pd.DataFrame) -> str:
    geoms = shapely.to_geojson(geometry)
    records = props.to_dict(orient="records")
    parts = [
        '{"type":"Feature","properties":'
        + json.dumps(_plain(rec), separators=(",", ":"), ensure_ascii=False)
        + ',"geometry":'
        + g
        + "}"
        for rec, g in zip(records, geoms, strict=True)
    ]
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


#: Whole numbers per degree in the packed coordinates (1e-5 degrees: about a metre).
PACK_SCALE = 10**MAP_DECIMALS


def pack_units(geometry: np.ndarray, props: pd.DataFrame) -> str:
    """Polygons and properties of units in the packed form the map page reads (JSON text).

    Keys: ``n`` units; ``q`` whole numbers per degree; ``m`` true when the units are
    MultiPolygons (then ``pp`` is each unit's polygon count); ``pr`` rings per polygon;
    ``r`` points per ring (the closing point left out); ``r``, ``pr`` and ``pp`` are one
    number when every ring, polygon or unit has the same count; ``xy`` every point as
    ``lon, lat`` whole numbers, each minus the point before (the first minus zero);
    ``c`` one list per property, in unit order; ``s`` the properties every unit shares
    (one value each); ``di`` true when ``c["id"]`` holds the differences of whole-number ids.
    """
    multi, coords, offsets = _ragged_polygons(geometry)
    return _pack(multi, coords, offsets, props)


def _ragged_polygons(geometry: np.ndarray) -> tuple[bool, np.ndarray, tuple[np.ndarray, ...]]:
    """Whether the polygons are packed as MultiPolygons, their points and offsets
    (``shapely.to_ragged_array``)."""
    geometry = np.asarray(geometry, dtype=object)
    kinds = set(shapely.get_type_id(geometry).tolist())
    multi = bool(kinds - {3})  # 3: Polygon; any MultiPolygon makes them all MultiPolygons
    if kinds - {3, 6}:
        raise ValueError(f"pack_units needs polygons, got geometry type ids {sorted(kinds)}")
    _, coords, offsets = shapely.to_ragged_array(geometry)
    return multi, coords, offsets


def _pack(
    multi: bool, coords: np.ndarray, offsets: tuple[np.ndarray, ...], props: pd.DataFrame
) -> str:
    """:func:`pack_units` of polygons given as ragged arrays (points in degrees)."""
    ring_offsets = offsets[0]
    points = np.rint(coords * PACK_SCALE).astype(np.int64)
    # leave out each ring's closing point (Leaflet closes polygons itself)
    keep = np.ones(len(points), dtype=bool)
    keep[ring_offsets[1:] - 1] = False
    steps = np.diff(points[keep], axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    out: dict[str, object] = {
        "n": len(props),
        "q": PACK_SCALE,
        "m": multi,
        "r": _counts(np.diff(ring_offsets) - 1),
        "pr": _counts(np.diff(offsets[1])),
        "xy": steps.reshape(-1).tolist(),
    }
    if multi:
        out["pp"] = _counts(np.diff(offsets[2]))
    columns: dict[str, list[object]] = {}
    same: dict[str, object] = {}
    for name in props.columns:
        values = _json_values(props[name].to_numpy())
        if len(values) > 1 and name != "id" and all(v == values[0] for v in values):
            same[name] = values[0]
        else:
            columns[name] = values
    ids = props["id"].to_numpy()
    out["di"] = bool(ids.dtype.kind in "iu")
    if out["di"]:
        columns["id"] = np.diff(ids.astype(np.int64), prepend=0).tolist()
    out["c"] = columns
    out["s"] = same
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False)


def _counts(counts: np.ndarray) -> int | list[int]:
    """Counts as one number when they are all the same (square cells: 4 points, 1 ring)."""
    if len(counts) and (counts == counts[0]).all():
        return int(counts[0])
    return list(counts.tolist())


def _json_values(values: np.ndarray) -> list[object]:
    """A column as JSON-ready Python values (NaN and infinities as None)."""
    if values.dtype.kind in "iub":
        return list(values.tolist())
    out = values.tolist()
    return [None if isinstance(v, float) and not math.isfinite(v) else v for v in out]


def unpack_units(packed: str) -> dict[str, object]:
    """The GeoJSON FeatureCollection (a dict) of :func:`pack_units`' text, as the page builds it."""
    data = json.loads(packed)
    scale = float(data["q"])
    xy = np.cumsum(np.asarray(data["xy"], dtype=np.int64).reshape(-1, 2), axis=0) / scale
    columns = dict(data["c"])
    columns.update({name: [value] * int(data["n"]) for name, value in data["s"].items()})
    if data["di"]:
        columns["id"] = np.cumsum(np.asarray(columns["id"], dtype=np.int64)).tolist()
    ring_sizes, polygon_rings = _counter(data["r"]), _counter(data["pr"])
    unit_polygons = _counter(data.get("pp", 1))
    start = 0

    def ring() -> list[list[float]]:
        nonlocal start
        size = next(ring_sizes)
        points = xy[start : start + size].tolist()
        start += size
        return [*points, points[0]]

    def polygon() -> list[list[list[float]]]:
        return [ring() for _ in range(next(polygon_rings))]

    features = []
    for i in range(int(data["n"])):
        geometry: dict[str, object]
        if data["m"]:
            geometry = {
                "type": "MultiPolygon",
                "coordinates": [polygon() for _ in range(next(unit_polygons))],
            }
        else:
            geometry = {"type": "Polygon", "coordinates": polygon()}
        properties = {name: values[i] for name, values in columns.items()}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def _counter(counts: int | list[int]) -> Iterator[int]:
    return itertools.repeat(counts) if isinstance(counts, int) else iter(counts)


def _plain(record: dict[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in record.items():
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and not np.isfinite(value):
            value = None
        out[key] = value
    return out


def display_bounds(frame: gpd.GeoDataFrame) -> Bounds:
    """``((south, west), (north, east))`` of ``frame`` in degrees, rounded to about a metre."""
    if len(frame) == 0:
        return ((-85.0, -180.0), (85.0, 180.0))
    box = gpd.GeoDataFrame(geometry=[shapely.box(*frame.total_bounds)], crs=frame.crs)
    return _bounds(to_display(box))


def _bounds(display: gpd.GeoDataFrame) -> Bounds:
    if len(display) == 0:
        return _coords_bounds(np.empty((0, 2)))
    west, south, east, north = display.total_bounds
    return _coords_bounds(np.array([[west, south], [east, north]]))
