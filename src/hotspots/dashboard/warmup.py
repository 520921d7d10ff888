"""Everything the first page needs, done while the server starts (``streamlit run serve.py``).

A fresh ``streamlit run app.py`` does nothing until the first visitor arrives; that
visitor then waits for the science stack and the map libraries to import, the saved
default view (:mod:`.startup`) to load and the default map's layers to be drawn — about
two seconds of CPU, against a tenth of a second for every later visit. ``serve.py`` runs
the same app through Streamlit's ASGI app (``st.App``) and calls :func:`warm_up` in its
lifespan, before the server answers: the first visitor gets what any later visitor gets.

The results land in the same ``st.cache_resource``/``st.cache_data`` entries the pages
read (the Streamlit runtime is running when the lifespan starts), keyed exactly as the
Map page keys them for the default selection. The structures every filter change reuses
are built too (:func:`_prepare_filters`).
"""

from __future__ import annotations

import gc
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotspots.dashboard.datasets import Dataset
    from hotspots.dashboard.selection import AnalysisKey


def warm_up() -> float:
    """Import the Map page's modules, load the default view and compute its map layers.

    Returns
    -------
    float
        Seconds it took.
    """
    started = time.perf_counter()
    # folium and its plugins compile a hundred templates on import. Not streamlit_folium
    # itself: it registers its component on import only inside a script run, so the page
    # imports it (quickly, once folium is loaded).
    import folium.plugins  # noqa: F401

    # A server lives long: the automatic cell size of every filter change then takes its
    # nearest neighbours from SciPy's k-d tree (grids.nearest_distances), the quicker search.
    import scipy.spatial  # noqa: F401

    from hotspots.dashboard import (  # noqa: F401  # what app.py and the Map page import
        cached,
        downloads,
        drawing,
        drawn_panel,
        map_builder,
        sidebar,
        spacetime,
        tables,
        ui,
    )
    from hotspots.dashboard.startup import default_key

    dataset, _ = cached.default_view()
    key = default_key(dataset)
    cached.selected_count(dataset, dataset.key, key.filters)
    cached.headline(dataset, key)
    cached.unit_layer(dataset, key, "cell", "gi")
    cached.point_layer(dataset, key)
    _prepare_filters(dataset, key)
    # What is loaded now lives as long as the server: out of the collector's sight, so no
    # later collection walks the modules, the data set and the default view again (garbage
    # collected first: frozen garbage would never be freed).
    gc.collect()
    gc.freeze()
    return time.perf_counter() - started


def _prepare_filters(dataset: Dataset, key: AnalysisKey) -> None:
    """Build what every filter change of ``dataset`` needs and no filter changes
    (:class:`~hotspots.analysis.Layouts`: the boundaries in the data's CRS, the study area,
    the distinct incident locations, the grid of the default cell size and its contiguity).

    ``key`` is the default selection. The saved default view brings its analysis but not
    these, so the first filter change after a start built them (0.76 s for a first offense
    filter against 0.1-0.3 s for later ones, in process). Built here by analysing the
    default selection once more through the data set's ``Layouts`` (without Local Moran,
    which builds nothing to keep); the result is dropped: the default view's own analysis is
    the cached one. It runs before the server answers (about 0.9 s more start-up) because
    in a background thread, even one started after the first page was sent, it took CPU from
    that page's browser on the same laptop (the cold first visit went from 2.4 to 2.8 s).
    """
    from hotspots.dashboard import cached
    from hotspots.dashboard.startup import analyze_key

    table = dataset.load.table
    layouts = cached.layouts(dataset, dataset.key, id(table))
    analyze_key(dataset, key, layouts=layouts, lisa=False)
