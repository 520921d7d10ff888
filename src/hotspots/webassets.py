"""Browser assets (Leaflet, jQuery) served from installed packages — never from a CDN.

Maps must render on a machine with no internet, so every script and stylesheet a map
needs is read from a Python package installed with the project (``xstatic-leaflet``,
``xstatic-jquery``, part of the ``app`` extra) and inlined or served locally.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from hotspots.errors import HotspotsError

#: Asset name -> (xstatic package module, file inside its data folder).
ASSETS: dict[str, tuple[str, str]] = {
    "leaflet.js": ("xstatic.pkg.leaflet", "leaflet.js"),
    "leaflet.css": ("xstatic.pkg.leaflet", "leaflet.css"),
    "jquery.js": ("xstatic.pkg.jquery", "jquery.min.js"),
}


def asset_path(name: str) -> Path:
    """Path of the installed file for asset ``name`` (see :data:`ASSETS`)."""
    if name not in ASSETS:
        raise HotspotsError(f"Unknown browser asset {name!r}; known: {', '.join(ASSETS)}.")
    module_name, filename = ASSETS[name]
    try:
        module = __import__(module_name, fromlist=["BASE_DIR"])
    except ImportError as exc:
        package = module_name.replace("xstatic.pkg.", "xstatic-")
        raise HotspotsError(
            f"The browser asset {name!r} comes from the package {package!r}, which is not installed. "
            "Install the app extra: pip install 'hotspots[app]'."
        ) from exc
    return Path(module.BASE_DIR) / filename


@cache
def asset_text(name: str) -> str:
    """Content of asset ``name`` as text, for inlining into a self-contained HTML file."""
    return asset_path(name).read_text(encoding="utf-8")
