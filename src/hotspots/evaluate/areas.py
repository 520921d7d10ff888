"""The areas of an evaluation: target, displacement buffer and control.

A target comes from polygons (a file or a GeoDataFrame), from the sites of a saved
``plan.json`` (``hotspots plan``) drawn as circles of their service radius, or from the
significant hot cells of an :class:`~hotspots.analysis.Analysis`. The buffer is the ring of
``buffer_m`` metres around the whole target. Every geometry is in the incidents' metric CRS.

``plan.json`` is read as a file format (its ``sites`` with ``name``, ``lon``, ``lat`` and
``radius_m`` in EPSG:4326, and ``parameters.inputs.analysis.filters`` for the period the
sites were chosen on); nothing of the planner is imported.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from hotspots.errors import InputError, Option, describe, invalid, literal
from hotspots.ingest.boundaries import load_boundaries
from hotspots.spatial.projection import DISPLAY_CRS

if TYPE_CHECKING:
    from hotspots.analysis import Analysis

log = logging.getLogger(__name__)

TargetKind = Literal["polygons", "plan", "hotspots"]
#: Segments per quarter circle of a site's service circle.
_QUAD_SEGS = 32
#: Overlap (m²) below which two areas only touch (shared edges, rounding).
_TOUCH_M2 = 1.0


@dataclass(frozen=True, eq=False)
class TargetArea:
    """Where the intervention happened.

    Attributes
    ----------
    parts : geopandas.GeoDataFrame
        ``name`` and polygon ``geometry`` of each part (site circle, polygon, hot cell),
        in the metric CRS.
    kind : {"polygons", "plan", "hotspots"}
        Where the target came from.
    chosen_for_hotness : bool
        True when the parts were chosen *because* they had much crime (plan sites, hot
        cells): a fall afterwards is then partly expected (regression to the mean).
    selection : dict
        What the choice was based on, when known: ``start``, ``end`` (days) and
        ``offenses`` of the data the plan or analysis used.
    description : str
        One line for people, e.g. "3 sites of plan.json, 400 m radius".
    """

    parts: gpd.GeoDataFrame
    kind: TargetKind
    chosen_for_hotness: bool
    description: str
    selection: dict[str, Any] = field(default_factory=dict)

    @property
    def geometry(self) -> shapely.Geometry:
        """The union of the parts."""
        return shapely.union_all(self.parts.geometry.to_numpy())


def target_area(
    target: gpd.GeoDataFrame | Analysis | Mapping[str, Any] | str | Path,
    *,
    crs: CRS,
    chosen_for_hotness: bool | None = None,
) -> TargetArea:
    """Turn any accepted ``target`` into a :class:`TargetArea` in ``crs``.

    Parameters
    ----------
    target : GeoDataFrame, Analysis, dict or path
        Polygons (a GeoDataFrame, or a GeoJSON/GPKG/SHP/KML file); points with a
        ``radius_m`` column (circles); a plan (``plan.json`` path or its parsed dict);
        or an analysis, whose significant hot cells are the target.
    crs : pyproj.CRS
        The metric CRS of the incidents.
    chosen_for_hotness : bool, optional
        Override whether the target was chosen for having much crime (default: True for
        plans and hot cells, False for polygons).
    """
    if isinstance(target, gpd.GeoDataFrame):
        area = _from_frame(target, crs, "the target polygons")
    elif isinstance(target, Mapping):
        area = _from_plan(target, crs, "the plan")
    elif isinstance(target, str | Path):
        area = _from_path(Path(target), crs)
    elif hasattr(target, "cells") and hasattr(target, "params"):
        area = _from_analysis(target, crs)
    else:
        raise invalid(
            "target",
            target,
            "polygons (a file or GeoDataFrame), a plan.json, or an Analysis",
            "For example target='plan/plan.json' or target='areas.geojson'.",
        )
    check_not_empty("target", area.parts, area.description)
    if chosen_for_hotness is not None:
        area = TargetArea(
            area.parts, area.kind, bool(chosen_for_hotness), area.description, area.selection
        )
    return area


def read_plan(path: str | Path) -> dict[str, Any]:
    """Read a ``plan.json`` written by ``hotspots plan`` (or the app's download)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise invalid("target", str(p), "an existing plan.json or polygon file") from None
    except UnicodeDecodeError:
        text = ""
    return parse_plan(text, label=p.name)


def parse_plan(text: str | bytes, *, label: str = "plan.json") -> dict[str, Any]:
    """Parse the text of a ``plan.json``; raise an error naming ``label`` when it is not one."""
    try:
        record = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"target={label!r} is not valid JSON ({exc}); give the plan.json written by "
            "`hotspots plan` or the Plan outreach page, or a polygon file."
        ) from None
    if not isinstance(record, dict) or not isinstance(record.get("sites"), list):
        raise InputError(
            f"target={label!r} is JSON but has no 'sites' list, so it is not a plan.json from "
            "`hotspots plan`; give that file, or target areas as polygons (GeoJSON)."
        )
    return record


def buffer_ring(target: shapely.Geometry, buffer_m: float) -> shapely.Geometry | None:
    """The ring of ``buffer_m`` metres around ``target`` (``None`` for 0)."""
    if not (np.isfinite(buffer_m) and buffer_m >= 0):
        raise invalid(
            "buffer_m",
            buffer_m,
            "a distance in metres >= 0 (0: no displacement buffer)",
            "For example buffer_m=400 (about one or two blocks).",
        )
    if buffer_m == 0:
        return None
    return shapely.difference(shapely.buffer(target, buffer_m, quad_segs=_QUAD_SEGS), target)


def polygons(source: gpd.GeoDataFrame | str | Path, *, crs: CRS, argument: str) -> gpd.GeoDataFrame:
    """Polygons (``name``, ``geometry``) from a file or GeoDataFrame, in ``crs``."""
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.exists():
            raise invalid(argument, str(path), "an existing polygon file (GeoJSON, GPKG, SHP, KML)")
        frame = load_boundaries(path)
        label = path.name
    else:
        frame = source
        label = f"the {argument} polygons"
    parts = _from_frame(frame, crs, label).parts
    check_not_empty(argument, parts, label)
    return parts


def check_not_empty(argument: str, parts: gpd.GeoDataFrame, label: str) -> None:
    """Raise when ``parts`` has no area."""
    total = float(parts.geometry.area.sum()) if len(parts) else 0.0
    if total <= 0:
        raise InputError(
            f"{argument}: {label} has no area (no polygons, or only points and lines); give "
            "polygons, or sites with a radius_m."
        )


def overlap_m2(a: shapely.Geometry, b: shapely.Geometry | None) -> float:
    """Area shared by ``a`` and ``b`` in square metres (0 when ``b`` is None)."""
    if b is None:
        return 0.0
    return float(shapely.area(shapely.intersection(a, b)))


def check_disjoint(
    name_a: str, a: shapely.Geometry, name_b: str, b: shapely.Geometry, argument: str
) -> None:
    """Raise when ``a`` and ``b`` share more than a sliver of area (``argument``: b's option)."""
    shared = overlap_m2(a, b)
    if shared > _TOUCH_M2:
        raise InputError(
            literal(
                f"The {name_a} and the {name_b} overlap ({shared / 1e6:.3f} km² shared), so the "
                f"same incidents would count on both sides of the comparison. Choose a "
                f"{name_b} away from the {name_a}, or use "
            )
            + "{0}.",
            options=(Option(argument, "auto"),),
        )


def inside(
    geometry: shapely.Geometry | None, x: NDArray[np.float64], y: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Which points (x, y) lie inside ``geometry`` (all False for None)."""
    if geometry is None or shapely.is_empty(geometry):
        return np.zeros(len(x), dtype=bool)
    shapely.prepare(geometry)
    return np.asarray(shapely.contains_xy(geometry, x, y), dtype=bool)


# -- the kinds of target --------------------------------------------------------------------


def _from_path(path: Path, crs: CRS) -> TargetArea:
    if not path.exists():
        raise invalid(
            "target", str(path), "an existing plan.json or polygon file (GeoJSON, GPKG, SHP, KML)"
        )
    if path.suffix.lower() == ".json" and _looks_like_plan(path):
        return _from_plan(read_plan(path), crs, path.name)
    frame = load_boundaries(path)
    return _from_frame(frame, crs, path.name)


def _looks_like_plan(path: Path) -> bool:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return is_plan_record(record)


def is_plan_record(record: object) -> bool:
    """Whether parsed JSON is a plan (a ``sites`` list, not a GeoJSON object)."""
    return isinstance(record, dict) and "sites" in record and "type" not in record


def _from_frame(frame: gpd.GeoDataFrame, crs: CRS, label: str) -> TargetArea:
    if frame.crs is None:
        raise InputError(
            f"{label} has no CRS; set one (e.g. frame.set_crs('EPSG:4326') for longitude/latitude)."
        )
    metric = frame.to_crs(crs)
    geometry = metric.geometry.to_numpy()
    names = (
        metric["name"].astype(str).to_numpy()
        if "name" in metric.columns
        else np.array([f"Area {i + 1}" for i in range(len(metric))])
    )
    is_point = shapely.get_type_id(geometry) == 0
    if is_point.any():
        if "radius_m" not in metric.columns:
            raise InputError(
                f"{label} holds points; give each a radius_m column (a circle around the "
                "site), or give polygons."
            )
        radius = metric["radius_m"].to_numpy(dtype=float)
        if not np.all(np.isfinite(radius[is_point]) & (radius[is_point] > 0)):
            raise invalid(
                "evaluate:radius_m", radius[is_point].tolist(), "positive distances in metres"
            )
        geometry = np.where(
            is_point,
            shapely.buffer(geometry, np.where(is_point, radius, 0.0), quad_segs=_QUAD_SEGS),
            geometry,
        )
    keep = np.isin(shapely.get_type_id(geometry), (3, 6)) & ~shapely.is_empty(geometry)
    parts = gpd.GeoDataFrame({"name": names[keep]}, geometry=geometry[keep], crs=crs)
    return TargetArea(parts, "polygons", False, f"{_count(len(parts), 'area')} from {label}")


def _from_plan(record: Mapping[str, Any], crs: CRS, label: str) -> TargetArea:
    sites = record.get("sites")
    rows: list[tuple[str, float, float, float]] = []
    for i, site in enumerate(sites if isinstance(sites, list) else []):
        try:
            rows.append(
                (
                    str(site.get("name", f"Site {i + 1}")),
                    float(site["lon"]),
                    float(site["lat"]),
                    float(site["radius_m"]),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise InputError(
                f"target: site {i + 1} of {label} has no lon, lat and radius_m "
                f"({describe(site)}); use a plan.json written by `hotspots plan`."
            ) from None
    if not rows:
        raise InputError(
            f"target: {label} has no sites, so there is no target area; make a plan with "
            "`hotspots plan --k K ...` first, or give target polygons."
        )
    names, lon, lat, radius = (np.array(v) for v in zip(*rows, strict=True))
    points = gpd.GeoDataFrame(
        {"name": names, "radius_m": radius.astype(float)},
        geometry=gpd.points_from_xy(lon, lat),
        crs=DISPLAY_CRS,
    )
    parts = _from_frame(points, crs, label).parts
    radii = sorted({float(r) for r in radius})
    radius_text = " or ".join(f"{r:,.0f}" for r in radii)
    selection = _plan_selection(record)
    return TargetArea(
        parts,
        "plan",
        True,
        f"{_count(len(parts), 'site')} of {label}, {radius_text} m radius",
        selection,
    )


def _plan_selection(record: Mapping[str, Any]) -> dict[str, Any]:
    parameters = record.get("parameters") or {}
    analysis = (parameters.get("inputs") or {}).get("analysis") or {}
    filters = analysis.get("filters") or {}
    return {
        key: filters.get(key)
        for key in ("start", "end", "offenses")
        if filters.get(key) is not None
    }


def _from_analysis(analysis: Any, crs: CRS) -> TargetArea:
    cells = analysis.cells
    hot = cells.loc[cells["hotspot"].to_numpy(dtype=bool)]
    if hot.empty:
        raise InputError(
            "target: the analysis has no significant hot cells, so there is no target; give "
            "target polygons or a plan.json instead."
        )
    frame = gpd.GeoDataFrame(
        {"name": [f"Hot cell {int(c)}" for c in hot["cell_id"]]},
        geometry=hot.geometry.to_numpy(),
        crs=cells.crs,
    )
    parts = _from_frame(frame, crs, "the hot cells").parts
    filters = analysis.params.get("filters") or {}
    selection = {k: filters.get(k) for k in ("start", "end", "offenses") if filters.get(k)}
    return TargetArea(
        parts,
        "hotspots",
        True,
        f"{_count(len(parts), 'significant hot cell')} of the analysis",
        selection,
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
