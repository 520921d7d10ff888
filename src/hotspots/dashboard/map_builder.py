"""The hotspot map: a folium map that renders offline, stays light and updates in place.

The map comes in two parts, so that a filter change does not reload it:

- :func:`build_base_map` — what stays while the user filters: the basemap from
  :class:`~.settings.TileSettings` (or none, with a transparent tile in place of any tile
  that fails to load), area outlines and names (from zoom :data:`LABELS_MIN_ZOOM`), the
  full-screen and "whole area" buttons, the scale bar, the view remembered by the browser
  tab, and every script and stylesheet the data layers need. It depends only on the data
  set and the basemap.
- :func:`data_layers` — what a filter, unit or measure change replaces: the coloured units
  (Gi* bins, LISA clusters, counts or density) with their tooltip (count, z, FDR-adjusted
  p, confidence bin, name), click highlight and legend; and the incident points in hot
  spots, clustered, drawn from zoom :data:`POINTS_MIN_ZOOM` (built on the first zoom in).

The Map page hands both to ``st_folium(base, feature_group_to_add=data_layers(...),
layer_control=layer_control())``. streamlit-folium keys its iframe on the base map's
script: while that script is the same, the iframe, Leaflet and the view stay, and only the
data layers are swapped (measured: 0.1–0.2 s from their arrival to the redrawn map, where
rebuilding the iframe took about 0.5 s more). :func:`build_map` assembles everything into
one static map instead (tests, other pages, saved HTML).

Every script and stylesheet comes from installed packages (:mod:`hotspots.maps.webassets`) as
``data:`` URIs: :func:`make_offline` replaces folium's CDN links on the map and on every
element, and raises if any element still points elsewhere.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template

from hotspots.dashboard.map_layers import (
    LISA_ORDER,
    Bounds,
    Legend,
    OutlineLayer,
    PointLayer,
    UnitLayer,
)
from hotspots.dashboard.settings import (
    FIRST_PAINT_MARK,
    LABELS_MIN_ZOOM,
    POINTS_MIN_ZOOM,
    TileSettings,
)
from hotspots.dashboard.spacetime_layers import ClusterLayer, PatternLayer
from hotspots.errors import HotspotsError
from hotspots.maps import palettes, webassets

#: folium's asset names -> our offline asset (None: not needed by our maps, dropped).
_OFFLINE_JS: dict[str, str | None] = {
    "leaflet": "leaflet.js",
    "jquery": None,  # folium lists it, nothing on our maps uses it (117 kB less per map)
    "bootstrap": None,
    "awesome_markers": None,
}
_OFFLINE_CSS: dict[str, str | None] = {
    "leaflet_css": "leaflet.css",
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers_font_css": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
}

_MAP_CSS = """
.leaflet-container { font-family: "Source Sans Pro", "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
.leaflet-container.hs-no-tiles { background: %(background)s; }
.hs-legend { background: rgba(255,255,255,0.93); padding: 8px 10px; border-radius: 6px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-size: 12px; line-height: 18px; color: #222; max-width: 240px; }
.hs-legend h4 { margin: 0 0 4px; font-size: 13px; font-weight: 600; }
.hs-legend i { width: 14px; height: 14px; float: left; margin: 2px 6px 0 0; border: 1px solid #999; }
.hs-legend .hs-note { color: #555; font-size: 11px; margin-top: 4px; }
.hs-label { color: #222; font-size: 11px; font-weight: 600; white-space: nowrap; pointer-events: none;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; transform: translate(-50%%, -50%%); }
.hs-tip b { font-size: 13px; }
.hs-home a { font-size: 16px; line-height: 30px; }
"""


def _cluster_css() -> str:
    """Marker clusters in the palette's colours (MarkerCluster's own are green/yellow/orange)."""
    rules = []
    for k, (fill, text) in enumerate(
        zip(palettes.MARKER_CLUSTER_FILLS, palettes.MARKER_CLUSTER_TEXT, strict=True)
    ):
        rules.append(
            f".hs-cluster-{k} {{ background-color: {fill}99; }} "
            f".hs-cluster-{k} div {{ background-color: {fill}; color: {text}; }}"
        )
    return "\n".join(rules) + "\n"


_SHARED_JS = """
window.hsEsc = function (s) {
  return String(s).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
  });
};
window.hsNumber = function (v, digits) {
  if (v === null || v === undefined) { return "–"; }
  return Number(v).toLocaleString("en-US", {maximumFractionDigits: digits});
};
// The units of hotspots.dashboard.map_layers.pack_units on one canvas of their own: one path
// per style rather than one Leaflet layer per unit (10,000 cells are drawn in milliseconds,
// where 10,000 L.polygon layers took 0.3-0.6 s to build and draw). The layer reads the
// pointer from the map's own events (its canvas lets them through), so layers above it keep
// theirs; it shows one tooltip (tip(unit), unit.feature.properties as L.geoJson gives them),
// outlines the unit under the pointer and the clicked one, and fires "click" with `layer`: an
// L.polygon of the clicked unit with its feature (what streamlit-folium reports).
// hsUnitLayers(map) lists such layers: layer.hsEach(fn(properties, drawn, i)) visits the
// units (drawn: inside the canvas at the last draw), layer.hsBounds(i) is a unit's extent.
window.hsUnitLayers = function (map) {
  var out = [];
  map.eachLayer(function (l) { if (l.hsEach) { out.push(l); } });
  return out;
};
window.hsUnits = function (d, style, options) {
  var q = d.q, xy = d.xy, cols = d.c, same = d.s, names = Object.keys(cols), ids = cols.id;
  if (d.di) { var sum = 0; ids = ids.map(function (v) { sum += v; return sum; }); }
  function counter(c) {
    var k = 0;
    return typeof c === "number" ? function () { return c; } : function () { return c[k++]; };
  }
  var ringSize = counter(d.r), polygonRings = counter(d.pr), unitPolygons = counter(d.m ? d.pp : 1);
  var n = d.n, points = xy.length / 2;
  var lat = new Float64Array(points), lng = new Float64Array(points);
  var unitPoly = new Int32Array(n + 1), polyRing = [0], ringStart = [0], features = new Array(n);
  var x = 0, y = 0, at = 0, pt = 0;
  for (var i = 0; i < n; i++) {
    var p = {};
    for (var k = 0; k < names.length; k++) { p[names[k]] = cols[names[k]][i]; }
    for (var s in same) { p[s] = same[s]; }
    p.id = ids[i];
    features[i] = {type: "Feature", properties: p};
    var polygons = d.m ? unitPolygons() : 1;
    for (var j = 0; j < polygons; j++) {
      var rings = polygonRings();
      for (var r = 0; r < rings; r++) {
        var size = ringSize();
        for (var v = 0; v < size; v++) { x += xy[at++]; y += xy[at++]; lng[pt] = x / q; lat[pt] = y / q; pt++; }
        ringStart.push(pt);
      }
      polyRing.push(ringStart.length - 1);
    }
    unitPoly[i + 1] = polyRing.length - 1;
  }
  var geometry = {multi: !!d.m, lat: lat, lng: lng, unitPoly: unitPoly,
                  polyRing: Int32Array.from(polyRing), ringStart: Int32Array.from(ringStart)};
  return new (window.hsUnitsLayerClass())(features, geometry, style, options || {});
};
window.hsUnitsLayerClass = function () {
  if (window.hsUnitsLayer) { return window.hsUnitsLayer; }
  function styleKey(s, what) {
    return what === "fill" ? [s.fillColor || s.color, s.fillOpacity].join("|")
                           : [s.color, s.weight, s.opacity].join("|");
  }
  window.hsUnitsLayer = L.Renderer.extend({
    initialize: function (features, geometry, style, options) {
      L.Renderer.prototype.initialize.call(this, {padding: 0.1, pane: options.pane || "overlayPane"});
      this._features = features;
      this._g = geometry;
      this._style = style;
      this._tipContent = options.tooltip || null;
      this._tipOptions = L.extend({sticky: true, direction: "top"}, options.tooltipOptions || {});
      this._hoverStyle = options.hoverStyle || {weight: 2, color: "#222", opacity: 1};
      this._selectedStyle = options.selectedStyle || {weight: 3.5, color: "#000", opacity: 1};
      this._hover = -1;
      this._selected = -1;
      this._otherTooltips = 0;
      this._drawn = new Uint8Array(features.length);
      // units grouped by fill and by outline style, in unit order
      var fills = {}, strokes = {}, i, st;
      this._fills = []; this._strokes = []; this._styles = new Array(features.length);
      for (i = 0; i < features.length; i++) {
        st = this._styles[i] = L.extend({stroke: true, fill: true, color: "#3388ff", weight: 3, opacity: 1,
                                          fillOpacity: 0.2}, style(features[i]));
        if (st.fill && st.fillOpacity > 0) {
          var fk = styleKey(st, "fill");
          if (!(fk in fills)) { fills[fk] = this._fills.length; this._fills.push({style: st, units: []}); }
          this._fills[fills[fk]].units.push(i);
        }
        if (st.stroke && st.weight > 0 && st.opacity > 0) {
          var sk = styleKey(st, "stroke");
          if (!(sk in strokes)) { strokes[sk] = this._strokes.length; this._strokes.push({style: st, units: []}); }
          this._strokes[strokes[sk]].units.push(i);
        }
      }
    },
    // -- Leaflet's renderer life cycle (as L.Canvas, with our own drawing) -------------------
    _initContainer: function () {
      var container = this._container = document.createElement("canvas");
      container.style.pointerEvents = "none";  // the map's events tell what is under the pointer
      this._ctx = container.getContext("2d");
    },
    _destroyContainer: function () {
      L.Util.cancelAnimFrame(this._redrawRequest);
      delete this._ctx;
      L.DomUtil.remove(this._container);
      delete this._container;
    },
    onAdd: function (map) {
      this._project(map);
      L.Renderer.prototype.onAdd.call(this);
      map.on("mousemove", this._onMove, this);
      map.on("mouseout", this._onOut, this);
      map.on("click", this._onUnitClick, this);
      map.on("tooltipopen", this._onTooltipOpen, this);
      map.on("tooltipclose", this._onTooltipClose, this);
      this._redraw();
    },
    onRemove: function (map) {
      map.off("mousemove", this._onMove, this);
      map.off("mouseout", this._onOut, this);
      map.off("click", this._onUnitClick, this);
      map.off("tooltipopen", this._onTooltipOpen, this);
      map.off("tooltipclose", this._onTooltipClose, this);
      this._onOut();
      L.Renderer.prototype.onRemove.call(this);
    },
    _update: function () {
      if (this._map._animatingZoom && this._bounds) { return; }
      L.Renderer.prototype._update.call(this);
      var b = this._bounds, container = this._container, size = b.getSize(), m = L.Browser.retina ? 2 : 1;
      L.DomUtil.setPosition(container, b.min);
      container.width = m * size.x;
      container.height = m * size.y;
      container.style.width = size.x + "px";
      container.style.height = size.y + "px";
      if (L.Browser.retina) { this._ctx.scale(2, 2); }
      this._ctx.translate(-b.min.x, -b.min.y);
      this.fire("update");
    },
    _updatePaths: function () { this._redraw(); },
    _onZoomEnd: function () {},
    _reset: function () {
      this._update();
      this._updateTransform(this._center, this._zoom);
    },
    getBounds: function () {
      var g = this._g, s = Infinity, w = Infinity, nth = -Infinity, e = -Infinity;
      for (var k = 0; k < g.lat.length; k++) {
        s = Math.min(s, g.lat[k]); nth = Math.max(nth, g.lat[k]); w = Math.min(w, g.lng[k]); e = Math.max(e, g.lng[k]);
      }
      return L.latLngBounds([s, w], [nth, e]);
    },
    // -- projected coordinates, boxes and a grid index for finding the unit under the pointer --
    _project: function (map) {
      if (this._px) { return; }
      var g = this._g, proj = map.options.crs.projection, count = g.lat.length;
      var px = this._px = new Float64Array(count), py = this._py = new Float64Array(count);
      for (var k = 0; k < count; k++) {
        var point = proj.project(L.latLng(g.lat[k], g.lng[k]));
        px[k] = point.x; py[k] = point.y;
      }
      var n = this._features.length, box = this._box = new Float64Array(4 * n);
      var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      for (var i = 0; i < n; i++) {
        var a = g.ringStart[g.polyRing[g.unitPoly[i]]], z = g.ringStart[g.polyRing[g.unitPoly[i + 1]]];
        var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
        for (var v = a; v < z; v++) {
          if (px[v] < x0) { x0 = px[v]; } if (px[v] > x1) { x1 = px[v]; }
          if (py[v] < y0) { y0 = py[v]; } if (py[v] > y1) { y1 = py[v]; }
        }
        box[4 * i] = x0; box[4 * i + 1] = y0; box[4 * i + 2] = x1; box[4 * i + 3] = y1;
        minX = Math.min(minX, x0); minY = Math.min(minY, y0); maxX = Math.max(maxX, x1); maxY = Math.max(maxY, y1);
      }
      var side = Math.max(1, Math.ceil(Math.sqrt(n / 2)));
      var grid = this._grid = {x0: minX, y0: minY, side: side, w: (maxX - minX) / side || 1,
                               h: (maxY - minY) / side || 1, cells: new Array(side * side)};
      for (i = 0; i < n; i++) {
        var c0 = this._gridCol(box[4 * i]), c1 = this._gridCol(box[4 * i + 2]);
        var r0 = this._gridRow(box[4 * i + 1]), r1 = this._gridRow(box[4 * i + 3]);
        for (var r = r0; r <= r1; r++) {
          for (var c = c0; c <= c1; c++) { (grid.cells[r * side + c] = grid.cells[r * side + c] || []).push(i); }
        }
      }
    },
    _gridCol: function (x) {
      var g = this._grid; return Math.max(0, Math.min(g.side - 1, Math.floor((x - g.x0) / g.w)));
    },
    _gridRow: function (y) {
      var g = this._grid; return Math.max(0, Math.min(g.side - 1, Math.floor((y - g.y0) / g.h)));
    },
    _unitAt: function (latlng) {
      if (!this._grid) { return -1; }
      var p = this._map.options.crs.projection.project(latlng), g = this._grid;
      if (p.x < g.x0 || p.y < g.y0 || p.x > g.x0 + g.w * g.side || p.y > g.y0 + g.h * g.side) { return -1; }
      var candidates = g.cells[this._gridRow(p.y) * g.side + this._gridCol(p.x)] || [], box = this._box;
      for (var k = candidates.length - 1; k >= 0; k--) {  // the last drawn is on top
        var i = candidates[k];
        if (p.x < box[4 * i] || p.x > box[4 * i + 2] || p.y < box[4 * i + 1] || p.y > box[4 * i + 3]) { continue; }
        if (this._contains(i, p.x, p.y)) { return i; }
      }
      return -1;
    },
    _contains: function (i, x, y) {  // even-odd rule over every ring of the unit (holes too)
      var g = this._g, px = this._px, py = this._py, inside = false;
      for (var r = g.polyRing[g.unitPoly[i]]; r < g.polyRing[g.unitPoly[i + 1]]; r++) {
        var a = g.ringStart[r], z = g.ringStart[r + 1];
        for (var v = a, w = z - 1; v < z; w = v++) {
          if ((py[v] > y) !== (py[w] > y) && x < (px[w] - px[v]) * (y - py[v]) / (py[w] - py[v]) + px[v]) {
            inside = !inside;
          }
        }
      }
      return inside;
    },
    // -- drawing ------------------------------------------------------------------------------
    _requestRedraw: function () {
      if (this._map && !this._redrawRequest) { this._redrawRequest = L.Util.requestAnimFrame(this._redraw, this); }
    },
    _redraw: function () {
      this._redrawRequest = null;
      var ctx = this._ctx, map = this._map;
      if (!ctx || !map || !this._bounds) { return; }
      var canvas = this._container, b = this._bounds;
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.restore();
      var crs = map.options.crs, scale = crs.scale(this._zoom === undefined ? map.getZoom() : this._zoom);
      var t = crs.transformation, origin = map.getPixelOrigin();
      this._ax = scale * t._a; this._bx = scale * t._b - origin.x;
      this._cy = scale * t._c; this._dy = scale * t._d - origin.y;
      var box = this._box, n = this._features.length;
      for (var i = 0; i < n; i++) {
        var xa = this._ax * box[4 * i] + this._bx, xb = this._ax * box[4 * i + 2] + this._bx;
        var ya = this._cy * box[4 * i + 1] + this._dy, yb = this._cy * box[4 * i + 3] + this._dy;
        this._drawn[i] = Math.max(xa, xb) >= b.min.x && Math.min(xa, xb) <= b.max.x &&
                         Math.max(ya, yb) >= b.min.y && Math.min(ya, yb) <= b.max.y ? 1 : 0;
      }
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      var k, group;
      for (k = 0; k < this._fills.length; k++) {
        group = this._fills[k];
        this._path(group.units);
        this._fill(group.style);
      }
      for (k = 0; k < this._strokes.length; k++) {
        group = this._strokes[k];
        this._path(group.units);
        this._stroke(group.style);
      }
      if (this._hover >= 0 && this._hover !== this._selected) {
        this._path([this._hover], true);
        this._stroke(L.extend({}, this._styles[this._hover], this._hoverStyle));
      }
      if (this._selected >= 0) {
        var selected = L.extend({}, this._styles[this._selected], this._selectedStyle);
        this._path([this._selected], true);
        if (selected.fill && selected.fillOpacity > 0) { this._fill(selected); }
        this._stroke(selected);
      }
      ctx.globalAlpha = 1;
    },
    _path: function (units, always) {
      var ctx = this._ctx, g = this._g, px = this._px, py = this._py;
      var ax = this._ax, bx = this._bx, cy = this._cy, dy = this._dy;
      ctx.beginPath();
      for (var u = 0; u < units.length; u++) {
        var i = units[u];
        if (!always && !this._drawn[i]) { continue; }
        for (var r = g.polyRing[g.unitPoly[i]]; r < g.polyRing[g.unitPoly[i + 1]]; r++) {
          var a = g.ringStart[r], z = g.ringStart[r + 1];
          ctx.moveTo(ax * px[a] + bx, cy * py[a] + dy);
          for (var v = a + 1; v < z; v++) { ctx.lineTo(ax * px[v] + bx, cy * py[v] + dy); }
          // back to the start rather than closePath(), which costs in proportion to the path
          // so far in Chrome (10,000 rings: 0.3 s instead of 1 ms); round joins hide the seam
          ctx.lineTo(ax * px[a] + bx, cy * py[a] + dy);
        }
      }
    },
    _fill: function (s) {
      this._ctx.globalAlpha = s.fillOpacity;
      this._ctx.fillStyle = s.fillColor || s.color;
      this._ctx.fill(s.fillRule || "evenodd");
    },
    _stroke: function (s) {
      if (!s.stroke || !s.weight) { return; }
      this._ctx.globalAlpha = s.opacity;
      this._ctx.lineWidth = s.weight;
      this._ctx.strokeStyle = s.color;
      this._ctx.stroke();
    },
    // -- the pointer ----------------------------------------------------------------------------
    _unit: function (i) {
      var g = this._g, polygons = [];
      for (var j = g.unitPoly[i]; j < g.unitPoly[i + 1]; j++) {
        var rings = [];
        for (var r = g.polyRing[j]; r < g.polyRing[j + 1]; r++) {
          var ring = [];
          for (var v = g.ringStart[r]; v < g.ringStart[r + 1]; v++) { ring.push(L.latLng(g.lat[v], g.lng[v])); }
          rings.push(ring);
        }
        polygons.push(rings);
      }
      var unit = L.polygon(g.multi ? polygons : polygons[0], this._styles[i]);
      unit.feature = this._features[i];
      return unit;
    },
    _onMove: function (e) {
      var map = this._map;
      if (!map || (map.dragging && map.dragging.moving()) || map._animatingZoom) { return; }
      var i = this._unitAt(e.latlng);
      if (i !== this._hover) {
        this._hover = i;
        map.getContainer().style.cursor = i >= 0 ? "pointer" : "";
        this._requestRedraw();
        if (this._tip) { this._tip.close(); }
      }
      if (i < 0 || !this._tipContent || this._otherTooltips > 0) { return; }
      if (!this._tip) { this._tip = L.tooltip(this._tipOptions); }
      if (this._tip._hsFor !== i || !map.hasLayer(this._tip)) {
        this._tip._hsFor = i;
        this._tip.setContent(this._tipContent({feature: this._features[i]}));
        this._tip.setLatLng(e.latlng).openOn(map);
      } else {
        this._tip.setLatLng(e.latlng);
      }
    },
    _onOut: function () {
      if (this._tip) { this._tip.close(); }
      if (this._map) { this._map.getContainer().style.cursor = ""; }
      if (this._hover >= 0) { this._hover = -1; this._requestRedraw(); }
    },
    _onTooltipOpen: function (e) {
      if (e.tooltip === this._tip) { return; }
      this._otherTooltips += 1;
      if (this._tip) { this._tip.close(); }
    },
    _onTooltipClose: function (e) {
      if (e.tooltip !== this._tip) { this._otherTooltips = Math.max(0, this._otherTooltips - 1); }
    },
    _onUnitClick: function (e) {
      var i = this._unitAt(e.latlng);
      if (i < 0) { return; }
      this._selected = i;
      this._requestRedraw();
      this.fire("click", {latlng: e.latlng, layerPoint: e.layerPoint, containerPoint: e.containerPoint,
                          originalEvent: e.originalEvent, layer: this._unit(i)}, true);
    },
    // -- for tests and tools --------------------------------------------------------------------
    hsEach: function (fn) {
      for (var i = 0; i < this._features.length; i++) { fn(this._features[i].properties, !!this._drawn[i], i); }
    },
    hsBounds: function (i) {
      var g = this._g, a = g.ringStart[g.polyRing[g.unitPoly[i]]], z = g.ringStart[g.polyRing[g.unitPoly[i + 1]]];
      var bounds = L.latLngBounds([]);
      for (var v = a; v < z; v++) { bounds.extend([g.lat[v], g.lng[v]]); }
      return bounds;
    }
  });
  return window.hsUnitsLayer;
};
"""

#: streamlit-folium drops a new map's arguments that arrive while its iframe is still loading
#: Leaflet (a filter changed during the first load): remember them, and replay them once the
#: map exists (the base map calls ``hsReplayMissedRender`` right after it is built).
_REPLAY_JS = """
(function () {
  var S = window.Streamlit;
  if (!S || !S.events) { return; }
  var missed = null;
  S.events.addEventListener(S.RENDER_EVENT, function (e) { if (!window.map) { missed = e.detail; } });
  window.hsReplayMissedRender = function () {
    if (!missed) { return; }
    var detail = missed; missed = null;
    S.events.dispatchEvent(new CustomEvent(S.RENDER_EVENT, {detail: detail}));
  };
})();
"""


class _ScriptText(Element):
    """Script text added to a page as it is (a plain :class:`Element` compiles its text as a
    Jinja template: 0.35 s for the 3 MB of cells at the default view, on every script run)."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


_NO_SCRIPT = Template("")


class _DataLayer(Layer):
    """A layer whose script carries data: its script goes to the page as text, not as a template."""

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as folium's Layer
        script = self._template.module.__dict__["script"]
        figure: Any = self.get_root()
        figure.script.add_child(_ScriptText(script(self, kwargs)), name=self.get_name())
        template, self._template = self._template, _NO_SCRIPT  # the rest as folium does it
        try:
            super().render(**kwargs)
        finally:
            self._template = template


class _UnitsGeoJson(_DataLayer):
    """The coloured units with tooltips, hover and click highlight."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
  var colours = {{ this.colours|tojson }};
  var names = {{ this.names|tojson }};
  var giLabels = {{ this.gi_labels|tojson }};
  var lisaLabels = {{ this.lisa_labels|tojson }};
  var kind = {{ this.kind|tojson }};
  var measure = {{ this.measure|tojson }};
  function style(f) {
    var p = f.properties;
    var colour = p.k >= 0 ? colours[p.k] : null;
    var quiet = (measure === "gi" && p.b === 0) || (measure === "lisa" && p.l === 0);
    return {fillColor: colour || "#ffffff", fillOpacity: colour === null ? 0 : (quiet ? 0.35 : 0.78),
            color: "#555555", weight: kind === "area" ? 0.8 : 0.25, opacity: 0.6};
  }
  function tip(layer) {
    var p = layer.feature.properties;
    var name = p.nm >= 0 ? names[p.nm] : (kind === "area" ? p.id : "");
    var lines = ["<b>" + hsEsc(name || ("Cell " + p.id)) + "</b>" + (name && kind === "cell" ? " <span style='color:#666'>cell " + p.id + "</span>" : "")];
    lines.push("Incidents: <b>" + hsNumber(p.c, 0) + "</b> (" + hsNumber(p.d, 1) + " per km²)");
    if (p.r !== undefined && p.r !== null) { lines.push("Per 1,000 residents: " + hsNumber(p.r, 2)); }
    lines.push("Gi* z = " + hsNumber(p.z, 2) + ", FDR-adjusted p = " + (p.p === null ? "–" : (p.p < 0.001 ? "&lt; 0.001" : hsNumber(p.p, 3))));
    lines.push((p.b === {{ this.near_hot_code }} ? "" : "Bin " + p.b + ": ") + hsEsc(giLabels[String(p.b)]));
    if (lisaLabels.length) { lines.push("LISA: " + hsEsc(lisaLabels[p.l])); }
    lines.push("<span style='color:#666'>Click for the profile</span>");
    return "<div class='hs-tip'>" + lines.join("<br>") + "</div>";
  }
  // one tooltip for the layer, filled for the unit under the pointer; a click outlines the unit
  return hsUnits(JSON.parse({{ this.data_text }}), style, {
    tooltip: tip, tooltipOptions: {sticky: true, direction: "top", opacity: 0.95},
    hoverStyle: {weight: 2, color: "#222", opacity: 1},
    selectedStyle: {weight: 3.5, color: {{ this.selected_colour|tojson }}, opacity: 1}
  });
})();
{% endmacro %}
"""
    )

    def __init__(self, layer: UnitLayer, *, name: str) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "HotspotsUnits"
        # a JSON text parsed by JSON.parse: read faster than the same object as script
        self.data_text = json.dumps(layer.packed).replace("<", "\\u003c")
        self.colours = list(layer.colours)
        self.names = list(layer.names)
        self.kind = layer.kind
        self.measure = layer.measure
        self.gi_labels = {str(k): v for k, v in palettes.GI_LEGEND.items()}
        self.near_hot_code = palettes.NEAR_HOT_CODE
        self.lisa_labels = list(LISA_ORDER)
        self.selected_colour = palettes.SELECTED


class _Legend(Layer):
    """The legend of the units, shown while its layer group is on the map."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
  var html = {{ this.legend_html|tojson }};
  var control = null;
  var Legend = L.Layer.extend({
    onAdd: function (map) {
      control = L.control({position: "bottomright"});
      control.onAdd = function () {
        var div = L.DomUtil.create("div", "hs-legend");
        div.innerHTML = html;
        L.DomEvent.disableClickPropagation(div);
        return div;
      };
      control.addTo(map);
    },
    onRemove: function () { if (control) { control.remove(); control = null; } }
  });
  return new Legend();
})();
{% endmacro %}
"""
    )

    def __init__(self, legend: Legend) -> None:
        super().__init__(name="Legend", overlay=True, control=False, show=True)
        self._name = "HotspotsLegend"
        self.legend_html = legend_html(legend)


class _ForgetReplacedGroups(MacroElement):
    """Lets the browser free the data layers a filter change replaced.

    streamlit-folium removes the previous data layers from the map before adding new ones,
    but keeps them in ``window.feature_group``, which would hold every past selection's
    layers for as long as the map lives. Runs first among the new layers, before they are
    listed there.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
window.feature_group = [];
{% endmacro %}
"""
    )


class _Outlines(_DataLayer):
    """Area outlines (non-interactive, above the units) for context."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
  var map = {{ this._parent.get_name() }};
  if (!map.getPane("hsOutlines")) {
    var pane = map.createPane("hsOutlines"); pane.style.zIndex = 450; pane.style.pointerEvents = "none";
  }
  return L.geoJson({{ this.data }}, {pane: "hsOutlines", interactive: false,
    style: {fill: false, color: {{ this.colour|tojson }}, weight: 1.3, opacity: 0.85}});
})();
{% endmacro %}
"""
    )

    def __init__(self, outlines: OutlineLayer, *, name: str) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "HotspotsOutlines"
        self.data = outlines.geojson.replace("<", "\\u003c")
        self.colour = palettes.OUTLINE


class _Labels(_DataLayer):
    """Area names, written from zoom :data:`LABELS_MIN_ZOOM`."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
  var map = {{ this._parent.get_name() }};
  var pane = map.getPane("hsLabels") || map.createPane("hsLabels");
  pane.style.zIndex = 640; pane.style.pointerEvents = "none";
  var group = L.layerGroup();
  {{ this.rows|tojson }}.forEach(function (r) {
    L.marker([r[0], r[1]], {pane: "hsLabels", interactive: false, keyboard: false,
      icon: L.divIcon({className: "hs-label", html: hsEsc(r[2]), iconSize: null})}).addTo(group);
  });
  function apply() { pane.style.display = map.getZoom() >= {{ this.min_zoom }} ? "" : "none"; }
  map.on("zoomend", apply); apply();
  return group;
})();
{% endmacro %}
"""
    )

    def __init__(self, outlines: OutlineLayer, *, name: str) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "HotspotsLabels"
        self.rows = [list(r) for r in outlines.labels]
        self.min_zoom = LABELS_MIN_ZOOM


class _Points(_DataLayer):
    """Incident points, clustered, on the map from zoom :data:`POINTS_MIN_ZOOM` only.

    The markers and their clusters are built the first time the map is zoomed in that far,
    so a map that is never zoomed in pays nothing for them.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
  var offenses = {{ this.offenses|tojson }};
  var rows = {{ this.rows|tojson }};
  var minZoom = {{ this.min_zoom }};
  var cluster = null;
  function build(parent) {
    cluster = L.markerClusterGroup({clusterPane: "hsPoints", showCoverageOnHover: false,
      maxClusterRadius: 40, chunkedLoading: true, spiderfyOnMaxZoom: true,
      iconCreateFunction: function (c) {  // the project's palette, not MarkerCluster's own
        var n = c.getChildCount(), k = n < 10 ? 0 : (n < 100 ? 1 : 2);
        return L.divIcon({html: "<div><span>" + n + "</span></div>",
          className: "marker-cluster hs-cluster-" + k, iconSize: L.point(40, 40)});
      }});
    cluster.addLayers(rows.map(function (r) {
      var marker = L.circleMarker([r[0], r[1]], {pane: "hsPoints", radius: 5,
        color: {{ this.outline|tojson }}, weight: 1, fillColor: {{ this.fill|tojson }}, fillOpacity: 0.95})
        .bindTooltip(hsEsc(offenses[r[2]]) + "<br>" + r[3] + "<br><span style='color:#666'>cell " + r[4] + "</span>");
      // a click selects its cell ("u": which units the id belongs to)
      marker.feature = {type: "Feature", properties: {id: r[4], u: "cell"}, geometry: null};
      return marker;
    }));
    cluster.addEventParent(parent);  // clicks reach the layer the app listens to
  }
  var Points = L.Layer.extend({
    onAdd: function (map) {
      var pane = map.getPane("hsPoints") || map.createPane("hsPoints");
      pane.style.zIndex = 620;
      map.on("zoomend", this._apply, this);
      this._apply();
    },
    onRemove: function (map) {
      map.off("zoomend", this._apply, this);
      if (cluster && map.hasLayer(cluster)) { map.removeLayer(cluster); }
    },
    _apply: function () {
      var map = this._map;
      if (!map) { return; }
      if (map.getZoom() >= minZoom) {
        if (!cluster) { build(this); }
        if (!map.hasLayer(cluster)) { map.addLayer(cluster); }
      } else if (cluster && map.hasLayer(cluster)) {
        map.removeLayer(cluster);
      }
    }
  });
  return new Points();
})();
{% endmacro %}
"""
    )

    def __init__(self, points: PointLayer) -> None:
        super().__init__(name="Incident points", overlay=True, control=False, show=True)
        self._name = "HotspotsPoints"
        self.rows = [list(r) for r in points.rows]
        self.offenses = list(points.offenses)
        self.min_zoom = POINTS_MIN_ZOOM
        self.fill = palettes.POINT_FILL
        self.outline = palettes.POINT_OUTLINE


class _Controls(JSCSSMixin):
    """Full-screen and "whole area" buttons, no-tiles background, remembered view, assets.

    Carries every script and stylesheet the data layers need (shared helpers, MarkerCluster,
    the map's CSS): streamlit-folium loads them once, when its iframe is created, so they
    must be there even if the first data layers do not use them.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  {% if not this.tiles %}L.DomUtil.addClass(map.getContainer(), "hs-no-tiles");{% endif %}
  L.control.hotspotsFullscreen({position: "topleft"}).addTo(map);
  var bounds = {{ this.bounds|tojson }};
  var Home = L.Control.extend({options: {position: "topleft"}, onAdd: function () {
    var bar = L.DomUtil.create("div", "leaflet-bar leaflet-control hs-home");
    var a = L.DomUtil.create("a", "", bar); a.href = "#"; a.title = "Show the whole area";
    a.setAttribute("role", "button"); a.setAttribute("aria-label", "Show the whole area");
    a.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" style="vertical-align:middle">' +
      '<path d="M2 8l6-5.5L14 8M4 7v7h3v-4h2v4h3V7" fill="none" stroke="#333" stroke-width="1.6"/></svg>';
    L.DomEvent.disableClickPropagation(bar);
    L.DomEvent.on(a, "click", function (e) { L.DomEvent.preventDefault(e); map.fitBounds(bounds); });
    return bar;
  }});
  new Home().addTo(map);
  var key = {{ this.view_key|tojson }};
  try {
    var v = JSON.parse(window.sessionStorage.getItem(key) || "null");
    if (v && typeof v.z === "number") { map.setView([v.lat, v.lng], v.z, {animate: false}); }
  } catch (err) { /* no storage: start from the whole area */ }
  map.on("moveend", function () {
    try { var c = map.getCenter(); window.sessionStorage.setItem(key, JSON.stringify({lat: c.lat, lng: c.lng, z: map.getZoom()})); }
    catch (err) { /* no storage */ }
  });
  window.hotspotsMap = map;
  setTimeout(function () { if (window.hsReplayMissedRender) { window.hsReplayMissedRender(); } }, 0);
  // A map whose returned objects carry the mark (the Map page's: hotspots.dashboard.first_paint)
  // reruns the app once the data layers (added right after this script) are on screen: that
  // run completes a new visitor's first paint, and changes nothing later in a session.
  var G = window.__GLOBAL_DATA__, S = window.Streamlit, mark = {{ this.first_paint_mark|tojson }};
  if (S && S.setComponentValue && G && (G.returned_objects || []).indexOf(mark) >= 0) {
    setTimeout(function () { requestAnimationFrame(function () { setTimeout(function () {
      var value = {}; value[mark] = true; S.setComponentValue(value);
    }, 0); }); }, 0);
  }
})();
{% endmacro %}
"""
    )

    def __init__(self, *, bounds: Any, tiles: bool, view_key: str) -> None:
        super().__init__()
        self._name = "HotspotsControls"
        self.bounds = [list(b) for b in bounds]
        self.tiles = tiles
        self.view_key = view_key
        self.first_paint_mark = FIRST_PAINT_MARK
        css = (
            _MAP_CSS % {"background": palettes.NO_TILES_BACKGROUND}
            + _cluster_css()
            + webassets.FULLSCREEN_CSS
        )
        self.default_js = [
            ("hotspots_shared", webassets.text_data_uri(_SHARED_JS, mime="text/javascript")),
            ("hotspots_replay", webassets.text_data_uri(_REPLAY_JS, mime="text/javascript")),
            (
                "hotspots_fullscreen",
                webassets.text_data_uri(webassets.FULLSCREEN_JS, mime="text/javascript"),
            ),
            ("leaflet_markercluster", webassets.data_uri("markercluster.js")),
        ]
        self.default_css = [
            ("hotspots_css", webassets.text_data_uri(css, mime="text/css")),
            ("leaflet_markercluster_css", webassets.data_uri("markercluster.css")),
            ("leaflet_markercluster_default_css", webassets.data_uri("markercluster-default.css")),
        ]


def build_base_map(
    *,
    tiles: TileSettings,
    bounds: Bounds,
    outlines: OutlineLayer | None = None,
    view_key: str = "hotspots-view",
    drawing: bool = False,
    view_in_url: bool = False,
    offline: bool = True,
) -> folium.Map:
    """The part of the hotspot map that stays while the user filters (offline-ready).

    Basemap, outlines and names of areas, buttons, scale bar, remembered view and every
    asset of the data layers. Keep its inputs fixed for a data set (``bounds`` of the whole
    data, not of a selection): streamlit-folium rebuilds its iframe whenever this map
    changes, and swaps only the :func:`data_layers` otherwise.

    Parameters
    ----------
    tiles : TileSettings
        Basemap URL and attribution, or ``"none"``.
    bounds : ((south, west), (north, east))
        Area the map opens on and the "whole area" button shows, in degrees.
    outlines : OutlineLayer, optional
        Area outlines and names for context.
    view_key : str
        Key under which the browser tab remembers the map's centre and zoom, so the view
        survives a reload of the map (use one per data set).
    drawing : bool
        Add the tools to draw an area (:class:`hotspots.dashboard.drawing.DrawTools`).
    view_in_url : bool
        Keep the zoom and centre in the page's URL and open at the URL's view
        (:class:`hotspots.dashboard.map_view.UrlView`).
    offline : bool
        Make its assets offline and bundle its scripts (:func:`make_offline`,
        :func:`bundle_scripts`); ``False`` for a map that gets more layers first.
    """
    m = folium.Map(
        location=None,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        zoom_snap=0.5,
    )
    # With no tile layer Leaflet has no maximum zoom, which MarkerCluster needs.
    m.options["max_zoom"] = 19
    if tiles.enabled:
        folium.TileLayer(
            tiles=tiles.url,
            attr=tiles.attribution or " ",
            name="Basemap",
            overlay=False,
            control=False,
            max_zoom=19,
            error_tile_url=webassets.TRANSPARENT_PNG,
        ).add_to(m)
    if outlines is not None:
        m.add_child(_Outlines(outlines, name="Neighbourhood outlines"))
        m.add_child(_Labels(outlines, name="Neighbourhood names (zoom in)"))
    m.fit_bounds([list(bounds[0]), list(bounds[1])])
    m.add_child(_Controls(bounds=bounds, tiles=tiles.enabled, view_key=view_key))
    if drawing:
        from hotspots.dashboard.drawing import DrawTools

        m.add_child(DrawTools())
    if view_in_url:
        from hotspots.dashboard.map_view import UrlView

        m.add_child(UrlView(bounds=bounds))
    return bundle_scripts(make_offline(m)) if offline else m


def data_layers(
    units: UnitLayer, *, points: PointLayer | None = None, units_name: str | None = None
) -> list[folium.FeatureGroup]:
    """The layers a filter, unit or measure change replaces, one group per layer-control entry.

    Parameters
    ----------
    units : UnitLayer
        The coloured cells or areas (drawn with their legend).
    points : PointLayer, optional
        Incident points for the zoomed-in, clustered layer (left out when empty).
    units_name : str, optional
        Name of the units in the layer control (default: the legend title).

    Returns
    -------
    list of folium.FeatureGroup
        For ``st_folium(..., feature_group_to_add=...)`` or to add to a :func:`build_base_map`.
    """
    group = folium.FeatureGroup(name=units_name or units.legend.title, overlay=True, control=True)
    group.add_child(_ForgetReplacedGroups())
    group.add_child(_UnitsGeoJson(units, name=units_name or units.legend.title))
    group.add_child(_Legend(units.legend))
    groups = [group]
    if points is not None and points.rows:
        pts = folium.FeatureGroup(
            name="Incidents in hot spots (zoom in)", overlay=True, control=True
        )
        pts.add_child(_Points(points))
        groups.append(pts)
    return groups


def layer_control() -> folium.LayerControl:
    """The layer control of the hotspot map (collapsed, top right)."""
    return folium.LayerControl(position="topright", collapsed=True)


def build_map(
    units: UnitLayer,
    *,
    tiles: TileSettings,
    outlines: OutlineLayer | None = None,
    points: PointLayer | None = None,
    view_key: str = "hotspots-view",
    units_name: str | None = None,
) -> folium.Map:
    """The whole hotspot map as one static folium map (offline-ready: see :func:`make_offline`).

    :func:`build_base_map` with the :func:`data_layers` and the :func:`layer_control` added,
    opening on the drawn units. The Map page sends the two parts separately instead, so a
    filter change does not reload the map.

    Parameters
    ----------
    units : UnitLayer
        The coloured cells or areas.
    tiles : TileSettings
        Basemap URL and attribution, or ``"none"``.
    outlines : OutlineLayer, optional
        Area outlines and names for context.
    points : PointLayer, optional
        Incident points for the zoomed-in, clustered layer.
    view_key : str
        Key under which the browser tab remembers the map's centre and zoom.
    units_name : str, optional
        Name of the units layer in the layer control (default: the legend title).
    """
    m = build_base_map(
        tiles=tiles, bounds=units.bounds, outlines=outlines, view_key=view_key, offline=False
    )
    for group in data_layers(units, points=points, units_name=units_name):
        m.add_child(group)
    layer_control().add_to(m)
    return bundle_scripts(make_offline(m))


def make_offline(m: folium.Map) -> folium.Map:
    """Point every script and stylesheet of ``m`` (and its elements) at installed assets.

    folium's defaults load Leaflet, jQuery, Bootstrap and icon fonts from CDNs, which renders
    nothing offline. Leaflet and jQuery are replaced by ``data:`` URIs of the installed
    xstatic packages; Bootstrap and the icon fonts are dropped (the map uses neither).

    Raises
    ------
    HotspotsError
        When an element still refers to a non-local asset (a plugin this module does not know).
    """
    for element in _walk(m):
        js = getattr(element, "default_js", None)
        if js:
            setattr(element, "default_js", _localise(js, _OFFLINE_JS, "script"))  # noqa: B010
        css = getattr(element, "default_css", None)
        if css:
            setattr(element, "default_css", _localise(css, _OFFLINE_CSS, "stylesheet"))  # noqa: B010
    return m


def bundle_scripts(m: folium.Map) -> folium.Map:
    """Every script of ``m`` and its elements as one ``data:`` URI on the map, in their order.

    streamlit-folium loads a map's script links one after the other, waiting for each to
    load before adding the next: six links were six waits in a page load (each behind
    whatever else the browser's main thread was doing). One script is one wait; the code,
    its order and what runs are the same. Call after :func:`make_offline` (every link a
    ``data:`` URI).
    """
    links: list[str] = []
    for element in _walk(m):
        for _, url in getattr(element, "default_js", None) or []:
            if url not in links:
                links.append(url)
        if getattr(element, "default_js", None):
            setattr(element, "default_js", [])  # noqa: B010
    if links:
        setattr(m, "default_js", [("hotspots_scripts", _bundle(tuple(links)))])  # noqa: B010
    return m


@cache
def _bundle(links: tuple[str, ...]) -> str:
    texts = []
    for url in links:
        head, _, body = url.partition(",")
        if not url.startswith("data:") or not head.endswith(";base64"):
            raise HotspotsError(f"bundle_scripts needs base64 data: URIs; got {url[:60]!r}.")
        texts.append(base64.b64decode(body).decode("utf-8"))
    # a newline and a semicolon between scripts: a script ending in an expression does not
    # run into the next one's opening parenthesis
    return webassets.text_data_uri("\n;\n".join(texts), mime="text/javascript")


def legend_html(legend: Legend) -> str:
    """The legend as HTML (every text escaped)."""
    rows = [f"<h4>{html.escape(legend.title)}</h4>"]
    rows += [
        f'<div><i style="background:{html.escape(colour)}"></i>{html.escape(label)}</div>'
        for colour, label in legend.entries
    ]
    if legend.note:
        rows.append(f'<div class="hs-note">{html.escape(legend.note)}</div>')
    return "".join(rows)


def payload_bytes(
    m: folium.Map,
    *,
    groups: list[folium.FeatureGroup] | None = None,
    control: folium.LayerControl | None = None,
) -> int:
    """Bytes the app sends to the browser for a map through streamlit-folium.

    The same pieces ``st_folium`` sends: the map script, header and HTML, the (inlined)
    script and stylesheet links, and — for a base map with data layers passed as
    ``feature_group_to_add`` and ``layer_control`` — their scripts. Adds ``groups`` and
    ``control`` to ``m``, as ``st_folium`` does: measure a map built for the purpose.
    """
    from streamlit_folium import (
        _get_feature_group_string,
        _get_header,
        _get_html,
        _get_layer_control_string,
        generate_leaflet_string,
    )

    m.get_root().render()
    parts = [generate_leaflet_string(m), _get_header(m), _get_html(m)]
    parts += [_get_feature_group_string(g, map=m, idx=i) for i, g in enumerate(groups or [])]
    if control is not None:
        parts.append(_get_layer_control_string(control, m))
    links: dict[str, None] = {}
    for element in _walk(m):
        for _, url in getattr(element, "default_js", []) or []:
            links[url] = None
        for _, url in getattr(element, "default_css", []) or []:
            links[url] = None
    return sum(len(p.encode("utf-8")) for p in parts) + sum(len(u) for u in links)


def external_urls(m: folium.Map) -> list[str]:
    """Script and stylesheet URLs of ``m`` that are not ``data:`` URIs (should be empty)."""
    return [
        url
        for element in _walk(m)
        for attr in ("default_js", "default_css")
        for _, url in (getattr(element, attr, None) or [])
        if not url.startswith("data:")
    ]


def _localise(
    links: list[tuple[str, str]], table: dict[str, str | None], what: str
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, url in links:
        if url.startswith("data:"):
            out.append((name, url))
            continue
        if name not in table:
            raise HotspotsError(
                f"The map {what} {name!r} would be loaded from {url!r}, which needs the internet. "
                "Add an offline copy to hotspots.maps.webassets and to the table in hotspots.dashboard.map_builder."
            )
        asset = table[name]
        if asset is not None:
            out.append((name, webassets.data_uri(asset)))
    return out


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


# -- space and time: emerging patterns ("Over time" page) and point clusters (Map page) ----------


def pattern_layers(layer: PatternLayer) -> list[folium.FeatureGroup]:
    """The emerging-pattern cells (coloured by pattern) and their legend, as data layers.

    Send them with ``st_folium(build_base_map(...), feature_group_to_add=...)`` like the Map
    page's layers; a click on a cell returns its feature (``properties["id"]`` is the cell id)
    through ``returned_objects=["last_active_drawing"]``.
    """
    colours = list(layer.colours)
    group = folium.FeatureGroup(name=layer.legend.title, overlay=True, control=True)
    group.add_child(_ForgetReplacedGroups())
    folium.GeoJson(
        json.loads(layer.geojson),
        name=layer.legend.title,
        style_function=lambda f: {
            "fillColor": colours[f["properties"]["k"]],
            "fillOpacity": 0.8,
            "color": "#555555",
            "weight": 0.3,
        },
        highlight_function=lambda f: {"weight": 2.5, "color": palettes.SELECTED},
        tooltip=folium.GeoJsonTooltip(
            fields=["p", "z", "h", "o", "c", "id"],
            aliases=[
                "Pattern",
                "Trend z (Mann–Kendall)",
                "Intervals hot",
                "Intervals cold",
                "Incidents",
                "Cell",
            ],
            sticky=True,
        ),
    ).add_to(group)
    group.add_child(_Legend(layer.legend))
    make_offline(group)  # type: ignore[arg-type]  # walks any element, not only maps
    return [group]


def cluster_group(layer: ClusterLayer) -> folium.FeatureGroup:
    """Point-cluster outlines as one layer-control entry (for ``feature_group_to_add``)."""
    group = folium.FeatureGroup(name="Point clusters", overlay=True, control=True)
    folium.GeoJson(
        json.loads(layer.geojson),
        name="Point clusters",
        style_function=lambda f: {
            "fillColor": palettes.CLUSTER_FILL,
            "fillOpacity": 0.25,
            "color": palettes.CLUSTER_OUTLINE,
            "weight": 1.5,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["cl", "c", "m", "s", "a"],
            aliases=["Cluster", "Incidents", "Main offense", "Its share", "Area km²"],
            sticky=True,
        ),
    ).add_to(group)
    make_offline(group)  # type: ignore[arg-type]  # walks any element, not only maps
    return group
