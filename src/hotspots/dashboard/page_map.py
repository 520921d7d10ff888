"""The one way a page puts a data set's map on screen.

The base map depends only on the data set and the basemap (:func:`map_builder.build_base_map`);
the page's data layers travel separately, so a filter change swaps them inside the map
instead of reloading it. Pages pass what differs: their layers, what the map reports back
and whether it offers drawing and keeps its view in the URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium

from hotspots.dashboard import first_paint, map_builder
from hotspots.dashboard.datasets import Dataset
from hotspots.dashboard.selection import Selection
from hotspots.dashboard.settings import MAP_HEIGHT_PX


def show_map(
    selection: Selection,
    dataset: Dataset,
    *,
    key: str,
    layers: Sequence[folium.FeatureGroup],
    returned_objects: Sequence[str],
    view_key: str | None = None,
    drawing: bool = False,
    view_in_url: bool = False,
    reports_drawn: bool = False,
) -> dict[str, Any] | None:
    """Draw ``dataset``'s base map with ``layers`` swapped in; what ``st_folium`` returns.

    ``view_key`` names where the browser keeps the map's view (default: one per data set,
    shared by the pages that show its cells). ``reports_drawn``: the map reruns the app once
    its cells are drawn (a first paint needs it: :mod:`hotspots.dashboard.first_paint`).
    """
    # Imported here: streamlit-folium registers its component inside a script run, and an
    # import before the server answers (the warm-up) left the map without it.
    from streamlit_folium import st_folium

    state: dict[str, Any] | None = st_folium(
        map_builder.build_base_map(
            tiles=selection.tiles,
            bounds=dataset.bounds,
            outlines=dataset.outlines,
            view_key=view_key or f"hotspots-view-{dataset.key}",
            drawing=drawing,
            view_in_url=view_in_url,
        ),
        key=key,
        feature_group_to_add=list(layers),
        layer_control=map_builder.layer_control(),
        height=MAP_HEIGHT_PX,
        use_container_width=True,
        returned_objects=first_paint.reporting(returned_objects)
        if reports_drawn
        else list(returned_objects),
    )
    return state
