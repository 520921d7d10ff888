"""An analysis as an interactive map in a notebook or a saved HTML file: :func:`explore`.

The same offline folium map as the dashboard's Map page (every script inlined, no CDN),
without Streamlit: display it in Jupyter (a folium map renders itself) or ``m.save(path)``.
Needs the ``app`` extra (folium).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from hotspots.dashboard import map_builder, map_layers
from hotspots.dashboard.settings import TILES_URL_ENV, TileSettings, tiles_from_env
from hotspots.errors import invalid

if TYPE_CHECKING:
    import folium

    from hotspots.analysis import Analysis

Units = Literal["cells", "areas"]


def explore(
    analysis: Analysis,
    *,
    measure: map_layers.Measure = "gi",
    units: Units = "cells",
    tiles: str | None = None,
    points: bool = True,
) -> folium.Map:
    """The analysis as an interactive, offline Leaflet map.

    Parameters
    ----------
    analysis : Analysis
        From :func:`hotspots.analyze`.
    measure : {"gi", "lisa", "count", "density"}
        What colours the units: Gi* hot and cold spots, LISA clusters, counts or density.
    units : {"cells", "areas"}
        Grid cells, or the boundaries' areas (needs an analysis made with ``boundaries``).
    tiles : str, optional
        Basemap tile URL (``{z}/{x}/{y}``), or ``"none"`` for no basemap. Default:
        ``$HOTSPOTS_TILES_URL``, else OpenStreetMap.
    points : bool
        Add the incidents in hot spots as a clustered layer (shown when zoomed in).

    Returns
    -------
    folium.Map
        Display it in a notebook, or save it with ``.save("map.html")``.
    """
    if measure not in map_layers.MEASURES:
        raise invalid("measure", measure, tuple(map_layers.MEASURES))
    if units not in ("cells", "areas"):
        raise invalid("units", units, ("cells", "areas"))
    if units == "areas" and analysis.areas is None:
        raise invalid(
            "units", units, "'cells' for an analysis without boundaries",
            "Analyze with boundaries=hotspots.read_boundaries(path) to map areas.",
        )  # fmt: skip
    layer = map_layers.unit_layer(
        analysis, kind="area" if units == "areas" else "cell", measure=measure
    )
    outlines = map_layers.outline_layer(analysis.areas) if analysis.areas is not None else None
    return map_builder.build_map(
        layer,
        tiles=_tiles(tiles),
        outlines=outlines,
        points=map_layers.point_layer(analysis) if points else None,
    )


def _tiles(url: str | None) -> TileSettings:
    return tiles_from_env() if url is None else tiles_from_env({TILES_URL_ENV: url})
