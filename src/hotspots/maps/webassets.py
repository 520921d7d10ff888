"""Browser assets (Leaflet, jQuery, MarkerCluster, Leaflet.draw) served from installed packages — never a CDN.

Maps must render on a machine with no internet, so every script and stylesheet a map
needs is read from a Python package installed with the project (``xstatic-leaflet``, a
core dependency for published snapshots; ``xstatic-jquery``,
``xstatic-leaflet-markercluster`` and ``django-leaflet`` — which ships Leaflet.draw 1.0.4
among its static files; only those files are read, nothing of Django is imported — with
the ``app`` extra) and inlined, or handed to the browser as a ``data:`` URI.

Leaflet's stylesheet refers to a few images (layer-control icon, default marker); they are
inlined as data URIs by :func:`inline_css` so no relative URL is ever requested. Two small
pieces are the project's own: a full-screen map control (:data:`FULLSCREEN_JS`,
:data:`FULLSCREEN_CSS`) and a transparent tile (:data:`TRANSPARENT_PNG`) shown in place of
a basemap tile that failed to load, so an offline map shows no broken-image icons.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

from hotspots.errors import HotspotsError

#: Asset name -> (xstatic package module, file inside its data folder).
ASSETS: dict[str, tuple[str, str]] = {
    "leaflet.js": ("xstatic.pkg.leaflet", "leaflet.js"),
    "leaflet.css": ("xstatic.pkg.leaflet", "leaflet.css"),
    "jquery.js": ("xstatic.pkg.jquery", "jquery.min.js"),
    "markercluster.js": ("xstatic.pkg.leaflet_markercluster", "leaflet.markercluster.js"),
    "markercluster.css": ("xstatic.pkg.leaflet_markercluster", "MarkerCluster.css"),
    "markercluster-default.css": ("xstatic.pkg.leaflet_markercluster", "MarkerCluster.Default.css"),
}
#: Asset name -> (distribution, file inside it): packages whose files are read without importing
#: them (django-leaflet's ``leaflet`` package imports Django settings).
DIST_ASSETS: dict[str, tuple[str, str]] = {
    "leaflet-draw.js": ("django-leaflet", "leaflet/static/leaflet/draw/leaflet.draw.js"),
    "leaflet-draw.css": ("django-leaflet", "leaflet/static/leaflet/draw/leaflet.draw.css"),
}

_MIME = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml"}
_CSS_URL = re.compile(r"url\((['\"]?)(?!data:|#)([^)'\"]+)\1\)")

#: A 1×1 transparent PNG as a data URI (Leaflet's ``errorTileUrl`` for unreachable tiles).
TRANSPARENT_PNG = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)

#: A minimal full-screen control for Leaflet (the project's own, ~40 lines, no CDN plugin).
#: ``L.control.hotspotsFullscreen({position: "topleft"}).addTo(map)``.
FULLSCREEN_JS = """
L.Control.HotspotsFullscreen = L.Control.extend({
  options: {position: "topleft", title: "Full screen", titleCancel: "Exit full screen"},
  onAdd: function (map) {
    var bar = L.DomUtil.create("div", "leaflet-bar leaflet-control hotspots-fullscreen");
    var link = L.DomUtil.create("a", "hotspots-fullscreen-button", bar);
    link.href = "#";
    link.title = this.options.title;
    link.setAttribute("role", "button");
    link.setAttribute("aria-label", this.options.title);
    link.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" style="vertical-align:middle">' +
      '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#333" stroke-width="2"/></svg>';
    var container = map.getContainer();
    var self = this;
    L.DomEvent.disableClickPropagation(bar);
    L.DomEvent.on(link, "click", function (e) {
      L.DomEvent.preventDefault(e);
      var doc = document;
      if (doc.fullscreenElement) {
        doc.exitFullscreen();
      } else if (container.requestFullscreen) {
        container.requestFullscreen();
      }
    });
    L.DomEvent.on(document, "fullscreenchange", function () {
      var on = document.fullscreenElement === container;
      link.title = on ? self.options.titleCancel : self.options.title;
      L.DomUtil[on ? "addClass" : "removeClass"](container, "hotspots-is-fullscreen");
      map.invalidateSize();
    });
    return bar;
  }
});
L.control.hotspotsFullscreen = function (options) { return new L.Control.HotspotsFullscreen(options); };
"""

#: Stylesheet of :data:`FULLSCREEN_JS`.
FULLSCREEN_CSS = """
.hotspots-fullscreen a.hotspots-fullscreen-button { line-height: 30px; }
.hotspots-is-fullscreen { width: 100% !important; height: 100% !important; }
"""


def asset_path(name: str) -> Path:
    """Path of the installed file for asset ``name`` (see :data:`ASSETS`).

    Raises
    ------
    HotspotsError
        When ``name`` is unknown or the package that ships it is not installed (the message
        names the package to install).
    """
    if name in DIST_ASSETS:
        return _dist_path(name)
    if name not in ASSETS:
        raise HotspotsError(
            f"Unknown browser asset {name!r}; known: {', '.join([*ASSETS, *DIST_ASSETS])}."
        )
    module_name, filename = ASSETS[name]
    try:
        module = __import__(module_name, fromlist=["BASE_DIR"])
    except ImportError as exc:
        package = "xstatic-" + module_name.removeprefix("xstatic.pkg.").replace("_", "-")
        raise HotspotsError(
            f"The browser asset {name!r} comes from the package {package!r}, which is not installed. "
            "Install the app extra: pip install 'hotspots[app]'."
        ) from exc
    return Path(module.BASE_DIR) / filename


@cache
def asset_text(name: str) -> str:
    """Content of asset ``name`` as text, for inlining into a self-contained HTML file."""
    return asset_path(name).read_text(encoding="utf-8")


@cache
def inline_css(name: str) -> str:
    """Stylesheet ``name`` with every relative ``url(...)`` replaced by a data URI.

    Leaflet's ``leaflet.css`` points at ``images/layers.png`` and the default marker icon;
    inlined, the stylesheet requests nothing from anywhere.
    """
    path = asset_path(name)
    if path.suffix != ".css":
        raise HotspotsError(f"inline_css needs a stylesheet; {name!r} is {path.name!r}.")
    folder = path.parent

    def replace(match: re.Match[str]) -> str:
        target = (folder / match.group(2)).resolve()
        if not target.is_file():
            return match.group(0)
        return f"url({_file_data_uri(target)})"

    return _CSS_URL.sub(replace, asset_text(name))


@cache
def data_uri(name: str) -> str:
    """Asset ``name`` as a ``data:`` URI (stylesheets with their images inlined).

    A ``<script src>`` or ``<link href>`` pointing at this URI loads the asset without a
    network request, which is how the app's map iframe gets Leaflet offline.
    """
    path = asset_path(name)
    if path.suffix == ".css":
        return text_data_uri(inline_css(name), mime="text/css")
    return _file_data_uri(path)


def text_data_uri(text: str, *, mime: str) -> str:
    """``data:`` URI (base64) of ``text`` with media type ``mime`` (e.g. ``"text/css"``)."""
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"data:{mime};charset=utf-8;base64,{encoded}"


def _dist_path(name: str) -> Path:
    from importlib.metadata import PackageNotFoundError, distribution

    package, filename = DIST_ASSETS[name]
    try:
        path = Path(str(distribution(package).locate_file(filename)))
    except PackageNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise HotspotsError(
            f"The browser asset {name!r} comes from the package {package!r}, which is not "
            "installed (or lacks the file). Install the app extra: pip install 'hotspots[app]'."
        )
    return path


def _file_data_uri(path: Path) -> str:
    mime = _MIME.get(path.suffix.lower(), "application/octet-stream")
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{mime};base64,{encoded}"
