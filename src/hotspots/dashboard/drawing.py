"""Drawing an area on the Map page: the tools on the map, the drawn area in the session.

The analyst draws a polygon or a rectangle, a circle, or clicks a point (a buffer of the
radius set under the map). Leaflet.draw provides the tools (:class:`DrawTools`, assets
inlined from an installed package: :mod:`hotspots.maps.webassets`); streamlit-folium reports
the drawn shapes as ``all_drawings``. One shape at a time: a new one replaces the last.

The page's hooks:

- ``build_base_map(..., drawing=True)`` puts the tools on the map;
- ``returned_objects=[..., "all_drawings"]`` and :func:`take_drawing` after ``st_folium``
  keep the latest shape in the session (:func:`current_feature`);
- :func:`sync_group` among the data layers puts the session's shape back on a map that was
  rebuilt (another basemap, back from another page) and clears the map when the page cleared
  the shape;
- :func:`current_area` turns it into a :class:`~hotspots.spatial.drawn.DrawnArea` (the
  geometry checks raise :class:`~hotspots.errors.InputError` with the fix);
- :func:`summary` (cached) gives its profile, trend, change and incident list;
- :func:`use_for` / :func:`area_for` hand it to the Evaluate page as target or control.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

import folium
import streamlit as st
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from hotspots.maps import palettes, webassets
from hotspots.spatial.drawn import DrawnArea, drawn_area
from hotspots.spatial.filters import apply_filters

if TYPE_CHECKING:
    from hotspots.dashboard.datasets import Dataset
    from hotspots.dashboard.selection import AnalysisKey
    from hotspots.stats.area_summary import AreaSummary

Role = Literal["target", "control"]

#: Session keys: the drawn feature (data set key, GeoJSON), the last ``all_drawings`` seen,
#: a counter the page bumps when it changes the shape itself, and the Evaluate hand-over.
FEATURE_KEY = "hs.drawn_feature"
SEEN_KEY = "hs.drawn_seen"
VERSION_KEY = "hs.drawn_version"
EVALUATE_KEY = "hs.drawn_for_evaluate"
PENDING_KEY = "hs.drawn_pending_evaluate"
#: Widget key of the panel's expander (opened whenever a new shape arrives).
OPEN_KEY = "map_drawn_open"
#: Widget key of the buffer radius (metres) for a clicked point.
RADIUS_KEY = "map_draw_radius_m"
DEFAULT_RADIUS_M = 400

#: While a tool is active, its markers (in the marker pane) rise above the incident points'
#: pane and the points let clicks through (a click on a cluster would zoom in instead of
#: adding a corner).
_DRAW_CSS = """
.hs-draw-point { background: %(colour)s; border: 2px solid #fff; border-radius: 50%%;
  box-shadow: 0 0 0 1px %(colour)s; }
.hs-drawing .leaflet-marker-pane { z-index: 645; }
.hs-drawing .leaflet-hsPoints-pane, .hs-drawing .leaflet-hsPoints-pane * { pointer-events: none !important; }
"""


class DrawTools(JSCSSMixin, MacroElement):
    """Leaflet.draw's polygon, rectangle, circle and point tools, offline, one shape at a time.

    The drawn shapes live in ``window.drawnItems`` (streamlit-folium reports them as
    ``all_drawings``); ``window.hsSyncDrawing(feature, version)`` (see :func:`sync_group`)
    puts a shape back or clears them.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  // No fill: a click inside the area still reaches the cell under it (its profile).
  var style = {color: {{ this.colour|tojson }}, weight: 3, opacity: 0.9, fill: false, dashArray: "6 4"};
  var point = L.divIcon({className: "hs-draw-point", iconSize: [14, 14]});
  var drawnItems = new L.FeatureGroup().addTo(map);
  window.drawnItems = drawnItems;
  L.drawLocal.draw.toolbar.buttons.polygon = "Draw an area (polygon)";
  L.drawLocal.draw.toolbar.buttons.rectangle = "Draw a rectangle";
  L.drawLocal.draw.toolbar.buttons.circle = "Draw a circle (buffer)";
  L.drawLocal.draw.toolbar.buttons.marker = "Click a point (buffer of the radius set under the map)";
  L.drawLocal.edit.toolbar.buttons.edit = "Change the area";
  L.drawLocal.edit.toolbar.buttons.remove = "Delete the area";
  new L.Control.Draw({
    position: "topleft",
    draw: {
      polyline: false, circlemarker: false,
      polygon: {allowIntersection: false, showArea: false, shapeOptions: style,
                drawError: {color: "#b2182b", message: "The edges cannot cross"}},
      rectangle: {showArea: false, shapeOptions: style},
      circle: {showRadius: true, metric: true, shapeOptions: style},
      marker: {icon: point}
    },
    edit: {featureGroup: drawnItems, remove: true, poly: {allowIntersection: false}}
  }).addTo(map);
  var container = map.getContainer();
  ["drawstart", "editstart", "deletestart"].forEach(function (name) {
    map.on("draw:" + name, function () { L.DomUtil.addClass(container, "hs-drawing"); });
  });
  ["drawstop", "editstop", "deletestop"].forEach(function (name) {
    map.on("draw:" + name, function () { L.DomUtil.removeClass(container, "hs-drawing"); });
  });
  function circleFeature(layer) {
    layer.feature = {type: "Feature", properties: {radius: layer.getRadius()}};
  }
  // One shape at a time: a new one replaces the last (runs before streamlit-folium reports).
  map.on(L.Draw.Event.CREATED, function (e) {
    drawnItems.clearLayers();
    if (e.layerType === "circle") { circleFeature(e.layer); }
    drawnItems.addLayer(e.layer);
  });
  map.on(L.Draw.Event.EDITED, function (e) {
    e.layers.eachLayer(function (layer) { if (layer instanceof L.Circle) { circleFeature(layer); } });
  });
  var version = null;
  window.hsSyncDrawing = function (feature, serverVersion) {
    var changed = version !== null && version !== serverVersion;
    version = serverVersion;
    if (drawnItems.getLayers().length && !changed) { return; }
    drawnItems.clearLayers();
    if (!feature || !feature.geometry) { return; }
    var g = feature.geometry, props = feature.properties || {}, layer;
    if (g.type === "Point") {
      var at = [g.coordinates[1], g.coordinates[0]];
      if (props.radius) {
        layer = L.circle(at, Object.assign({radius: props.radius}, style));
        circleFeature(layer);
      } else {
        layer = L.marker(at, {icon: point});
      }
    } else if (g.type === "Polygon") {
      layer = L.polygon(g.coordinates.map(function (ring) {
        return ring.map(function (c) { return [c[1], c[0]]; });
      }), style);
    }
    if (layer) { drawnItems.addLayer(layer); }
  };
})();
{% endmacro %}
"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "HotspotsDrawTools"
        self.colour = palettes.DRAWN_AREA
        css = _DRAW_CSS % {"colour": palettes.DRAWN_AREA}
        self.default_js = [("leaflet_draw_js", webassets.data_uri("leaflet-draw.js"))]
        self.default_css = [
            ("leaflet_draw_css", webassets.data_uri("leaflet-draw.css")),
            ("hotspots_draw_css", webassets.text_data_uri(css, mime="text/css")),
        ]


class _Sync(MacroElement):
    _template = Template(
        """
{% macro script(this, kwargs) %}
if (window.hsSyncDrawing) { window.hsSyncDrawing({{ this.feature|tojson }}, {{ this.version|tojson }}); }
{% endmacro %}
"""
    )

    def __init__(self, feature: dict[str, Any] | None, version: int) -> None:
        super().__init__()
        self._name = "HotspotsDrawSync"
        self.feature = feature
        self.version = version


def sync_group(dataset_key: str) -> folium.FeatureGroup:
    """A data layer that puts the session's drawn shape on the map (for ``feature_group_to_add``).

    A map that lost its shape (rebuilt for another basemap, or back from another page) gets
    it again, editable; a shape the page cleared or replaced (a typed point) is replaced on
    the map too.
    """
    group = folium.FeatureGroup(name="Drawn area", overlay=True, control=False)
    group.add_child(_Sync(current_feature(dataset_key), int(st.session_state.get(VERSION_KEY, 0))))
    return group


def take_drawing(state: dict[str, Any] | None, dataset_key: str) -> None:
    """Keep the map's latest drawn shape (from ``st_folium``'s ``all_drawings``) in the session."""
    latest = latest_drawing((state or {}).get("all_drawings"), st.session_state.get(SEEN_KEY))
    if latest is not None:
        st.session_state[SEEN_KEY] = latest[0]
        set_feature(dataset_key, latest[1], from_map=True)


def latest_drawing(drawings: object, seen: object) -> tuple[str, dict[str, Any] | None] | None:
    """``(report, last shape or None)`` when the map's ``all_drawings`` differ from ``seen``.

    None when nothing changed: a map that has reported nothing yet (a rebuilt map, before
    the analyst acts on it) does not erase the session's shape, and the same report seen
    again (every click on a cell repeats it) changes nothing.
    """
    if not isinstance(drawings, list):
        return None
    raw = json.dumps(drawings, sort_keys=True)
    if raw == seen:
        return None
    shapes = [d for d in drawings if isinstance(d, dict) and d.get("geometry")]
    return raw, (shapes[-1] if shapes else None)


def set_feature(
    dataset_key: str, feature: dict[str, Any] | None, *, from_map: bool = False
) -> None:
    """Store (or clear, with None) the drawn feature; a change made by the page is sent to the map."""
    st.session_state[FEATURE_KEY] = None if feature is None else (dataset_key, feature)
    if feature is not None:
        st.session_state[OPEN_KEY] = True
    if not from_map:
        st.session_state[VERSION_KEY] = int(st.session_state.get(VERSION_KEY, 0)) + 1


def clear_feature() -> None:
    """Forget the drawn shape (the map clears it too)."""
    set_feature("", None)


def current_feature(dataset_key: str) -> dict[str, Any] | None:
    """The drawn GeoJSON feature of data set ``dataset_key``, or None."""
    value = st.session_state.get(FEATURE_KEY)
    if isinstance(value, tuple) and len(value) == 2 and value[0] == dataset_key:
        feature = value[1]
        return feature if isinstance(feature, dict) else None
    return None


def is_point(feature: dict[str, Any]) -> bool:
    """A clicked point (no radius of its own: buffered by the radius under the map)."""
    geometry = feature.get("geometry") or {}
    return geometry.get("type") == "Point" and not (feature.get("properties") or {}).get("radius")


def current_area(dataset: Dataset, *, radius_m: float) -> DrawnArea | None:
    """The session's drawn shape as an area of ``dataset`` (None when nothing is drawn).

    Raises
    ------
    InputError
        When the shape crosses itself, has no area, or lies outside the data.
    """
    feature = current_feature(dataset.key)
    if feature is None:
        return None
    return drawn_area(
        feature,
        crs=dataset.load.table.crs,
        radius_m=radius_m if is_point(feature) else None,
        data_bounds=dataset.extent_m,
    )


# A frozen result no code mutates, with the area's incident list: kept as it is
# (st.cache_data would unpickle a copy on every rerun).
@st.cache_resource(max_entries=8, show_spinner="Profiling the drawn area…")
def summary(_dataset: Dataset, _area: DrawnArea, key: AnalysisKey, area_key: str) -> AreaSummary:
    """Profile, trend, change and incident list of ``_area`` under the filters of ``key``."""
    from hotspots.dashboard import cached
    from hotspots.stats.area_summary import summarise_area
    from hotspots.stats.profiles import analysis_months

    analysis = cached.analysis(_dataset, key)
    filters = key.filters
    return summarise_area(
        _area,
        selected=analysis.incidents,
        undated=apply_filters(_dataset.incidents, replace(filters, start=None, end=None)),
        start=filters.start,
        end=filters.end,
        covered_from=_dataset.default_first_day.isoformat(),
        months=analysis_months(analysis),
        with_time_of_day=_dataset.has_time_of_day,
    )


def use_for(role: Role, dataset_key: str, area: DrawnArea) -> None:
    """Hand ``area`` to the Evaluate page as its ``role`` ("target" or "control").

    The Evaluate page picks it (:func:`take_pending_choices`) the next time it runs.
    """
    chosen = dict(st.session_state.get(EVALUATE_KEY) or {})
    chosen[role] = (dataset_key, area)
    st.session_state[EVALUATE_KEY] = chosen
    pending = set(st.session_state.get(PENDING_KEY) or ())
    st.session_state[PENDING_KEY] = pending | {role}


def take_pending_choices() -> set[str]:
    """The roles just handed over by :func:`use_for` (once): the Evaluate page selects them."""
    value = st.session_state.pop(PENDING_KEY, None)
    return {str(v) for v in value} if isinstance(value, set | frozenset | list | tuple) else set()


def area_for(role: Role, dataset_key: str) -> DrawnArea | None:
    """The area handed to the Evaluate page as ``role`` for data set ``dataset_key``, or None."""
    value = (st.session_state.get(EVALUATE_KEY) or {}).get(role)
    if isinstance(value, tuple) and value[0] == dataset_key and isinstance(value[1], DrawnArea):
        return value[1]
    return None


def area_for_evaluation(role: Role, dataset_key: str) -> tuple[Any, str, str] | None:
    """``(polygons, cache key, description)`` of the drawn ``role`` area, or None."""
    area = area_for(role, dataset_key)
    if area is None:
        return None
    return area.frame(), f"drawn:{area.key}", f"{area.name} · {area.area_km2:,.2f} km²"
