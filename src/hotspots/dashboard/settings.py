"""Settings of the dashboard: the basemap, the choices offered, limits that keep the map light.

The basemap is configurable because an agency may run its own tile server and a machine
may have no internet at all:

``HOTSPOTS_TILES_URL``
    Tile URL template (``https://tiles.example.org/{z}/{x}/{y}.png``), or ``none`` for no
    basemap (neighbourhood outlines then give the context). Default: OpenStreetMap.
``HOTSPOTS_TILES_ATTRIBUTION``
    Attribution shown on the map for those tiles (HTML allowed).

The sidebar lets a user switch between these tiles, OpenStreetMap and none at any time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

TILES_URL_ENV = "HOTSPOTS_TILES_URL"
TILES_ATTRIBUTION_ENV = "HOTSPOTS_TILES_ATTRIBUTION"

OSM_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
NO_TILES = "none"

#: Cell sizes offered in the sidebar, metres (None = automatic, announced).
#: 0 stands for "automatic" (not None: a select box reads None as "nothing chosen" and then
#: shows "Choose an option").
AUTOMATIC_CELL_SIZE = 0
CELL_SIZES_M: tuple[int, ...] = (AUTOMATIC_CELL_SIZE, 150, 200, 250, 300, 400, 500, 600, 750, 1000)
#: False discovery rates offered.
ALPHAS: tuple[float, ...] = (0.01, 0.05, 0.10)
#: Among a map's returned objects in a session's first paint: the map reports once drawn
#: (:mod:`hotspots.dashboard.first_paint`).
FIRST_PAINT_MARK = "hs_first_paint"
#: Incident points sent to the map at most (analysts' view, clustered, zoomed in only).
MAX_MAP_POINTS = 2_500
#: Zoom level from which incident points are drawn.
POINTS_MIN_ZOOM = 14
#: Zoom level from which area names are written on the map.
LABELS_MIN_ZOOM = 13
#: Coordinates on the map are rounded to this many decimals (1e-5 degree ≈ 1 m).
MAP_DECIMALS = 5
#: Outlines are simplified to this tolerance in metres before drawing.
OUTLINE_TOLERANCE_M = 15.0
#: Height of the map in pixels.
MAP_HEIGHT_PX = 620


@dataclass(frozen=True)
class TileSettings:
    """Where the basemap comes from.

    Attributes
    ----------
    url : str
        Tile URL template with ``{z}``, ``{x}``, ``{y}``, or ``"none"`` for no basemap.
    attribution : str
        Attribution text (HTML) shown in the map corner.
    """

    url: str = OSM_TILES_URL
    attribution: str = OSM_ATTRIBUTION

    @property
    def enabled(self) -> bool:
        """True when a tile layer is drawn."""
        return self.url.strip().lower() != NO_TILES and bool(self.url.strip())

    @property
    def label(self) -> str:
        """Short description for the sidebar and the Method page."""
        if not self.enabled:
            return "no basemap"
        if self.url == OSM_TILES_URL:
            return "OpenStreetMap"
        return self.url


def tiles_from_env(environ: Mapping[str, str] | None = None) -> TileSettings:
    """The default basemap: ``$HOTSPOTS_TILES_URL`` / ``$HOTSPOTS_TILES_ATTRIBUTION``, else OpenStreetMap."""
    env = os.environ if environ is None else environ
    url = env.get(TILES_URL_ENV, "").strip()
    if not url:
        return TileSettings()
    if url.lower() == NO_TILES:
        return TileSettings(url=NO_TILES, attribution="")
    attribution = env.get(TILES_ATTRIBUTION_ENV, "").strip()
    if not attribution and url == OSM_TILES_URL:
        attribution = OSM_ATTRIBUTION
    return TileSettings(url=url, attribution=attribution)
