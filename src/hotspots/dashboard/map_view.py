"""The map's zoom and centre in the address bar, written by the browser without a rerun.

A link must reopen the map where the analyst left it. Sending every pan to the server would
rerun the app (streamlit-folium reports ``zoom``/``center`` as component values), so the
map itself does it: on ``moveend`` the script of :class:`UrlView` rewrites the page's
query string with ``history.replaceState`` — no new history entry, no message to the
server, no rebuilt iframe — and on load it opens at the view of the URL (when it lies
within the data). The server only keeps the three parameters when it rewrites the query
string for the filters, and across changes of page, which drop them from the URL
(:func:`kept_view`, called by the sidebar).

Centre coordinates are rounded to the map's pixel size at that zoom (:func:`decimals_for_zoom`:
4 decimals at zoom 12, 5 at zoom 14), so small jitters do not change the URL. Back at the
whole-area view the parameters are removed, so a plain visit keeps a plain URL.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping
from typing import Any

from branca.element import MacroElement
from folium.template import Template

#: Query parameters of the view: zoom, latitude and longitude of the centre.
VIEW_KEYS = ("z", "lat", "lon")
#: Zoom range accepted from a link.
MIN_ZOOM, MAX_ZOOM = 0.0, 19.0


def decimals_for_zoom(zoom: float) -> int:
    """Decimals of a degree that resolve one screen pixel (256 px tiles) at ``zoom``."""
    pixel_deg = 360.0 / (256.0 * 2.0 ** max(MIN_ZOOM, min(MAX_ZOOM, zoom)))
    return max(0, math.ceil(-math.log10(pixel_deg)))


def view_params(params: Mapping[str, Any]) -> dict[str, str]:
    """The valid view parameters (``z``, ``lat``, ``lon``) of ``params``, as the map writes them.

    Zoom in [0, 19] in half steps, latitude in [-85, 85] and longitude in [-180, 180];
    anything else (missing, not a number, out of range) gives an empty dict, so a stale or
    hand-edited link opens at the whole area.
    """
    try:
        z, lat, lon = (float(str(params[k])) for k in VIEW_KEYS)
    except (KeyError, ValueError):
        return {}
    if not all(math.isfinite(v) for v in (z, lat, lon)):
        return {}
    if not (MIN_ZOOM <= z <= MAX_ZOOM and abs(lat) <= 85 and abs(lon) <= 180):
        return {}
    z = round(z * 2) / 2
    digits = decimals_for_zoom(z)
    return {"z": f"{z:g}", "lat": f"{lat:.{digits}f}", "lon": f"{lon:.{digits}f}"}


#: Session key: (data set key, page, view parameters) of the last run.
LAST_VIEW_KEY = "hs.url_view"


def kept_view(
    state: MutableMapping[str, Any], params: Mapping[str, Any], *, dataset_key: str, page: str
) -> dict[str, str]:
    """The view parameters the server writes back into the URL on this run.

    The map writes its view into the URL in the browser; the server rewrites the query
    string on every run (the filters), so it keeps them: those of the URL, or — when a
    change of page dropped them from the URL — those of the last run. A change of data set
    forgets them (the view belongs to the data). Remembers this run's in ``state``.
    """
    view = view_params(params)
    last = state.get(LAST_VIEW_KEY)
    if isinstance(last, tuple) and len(last) == 3:
        last_dataset, last_page, last_view = last
        if last_dataset != dataset_key:
            view = {}
        elif not view and last_page != page and isinstance(last_view, dict):
            view = dict(last_view)
    state[LAST_VIEW_KEY] = (dataset_key, page, view)
    return view


class UrlView(MacroElement):
    """Opens the map at the URL's view and writes the view back to the URL on every move.

    Add it to the base map after the element that restores the tab's remembered view: a
    view in the URL wins. ``bounds`` (((south, west), (north, east)), degrees) is the data's
    extent: a URL view whose centre lies outside it (a link of another data set) is ignored.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var bounds = L.latLngBounds({{ this.bounds|tojson }}).pad(0.5);
  var keys = {{ this.keys|tojson }};
  var top = null;
  try { top = window.parent; void top.location.search; } catch (err) { top = null; }
  if (!top) { return; }
  function decimals(z) {
    var pixel = 360 / (256 * Math.pow(2, Math.max(0, Math.min(19, z))));
    return Math.max(0, Math.ceil(-Math.log10(pixel)));
  }
  function current() {
    var z = map.getZoom(), c = map.getCenter(), d = decimals(z);
    return {z: String(Math.round(z * 2) / 2), lat: c.lat.toFixed(d), lon: c.lng.toFixed(d)};
  }
  var query = new URLSearchParams(top.location.search);
  var z = parseFloat(query.get("z")), lat = parseFloat(query.get("lat")), lon = parseFloat(query.get("lon"));
  if (isFinite(z) && isFinite(lat) && isFinite(lon) && z >= 0 && z <= 19 && bounds.contains([lat, lon])) {
    map.setView([lat, lon], z, {animate: false});
  }
  // The whole-area view (what fitBounds shows): back there, the URL loses its view.
  var whole = map._getBoundsCenterZoom(L.latLngBounds({{ this.bounds|tojson }}));
  var home = {z: String(Math.round(whole.zoom * 2) / 2), lat: whole.center.lat.toFixed(decimals(whole.zoom)),
              lon: whole.center.lng.toFixed(decimals(whole.zoom))};
  function write() {
    var view = current();
    var params = new URLSearchParams(top.location.search);
    var atHome = view.z === home.z && view.lat === home.lat && view.lon === home.lon;
    keys.forEach(function (k) { if (atHome) { params.delete(k); } else { params.set(k, view[k]); } });
    var search = params.toString();
    var url = top.location.pathname + (search ? "?" + search : "") + top.location.hash;
    if (url !== top.location.pathname + top.location.search + top.location.hash) {
      top.history.replaceState(top.history.state, "", url);
    }
  }
  map.on("moveend", write);
  window.hsViewInUrl = current;
})();
{% endmacro %}
"""
    )

    def __init__(self, *, bounds: Any) -> None:
        super().__init__()
        self._name = "HotspotsUrlView"
        self.bounds = [list(b) for b in bounds]
        self.keys = list(VIEW_KEYS)
