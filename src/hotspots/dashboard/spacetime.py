"""Cached wrappers for the space-time analyses (emerging hot spots, near repeat, clusters).

Like :mod:`.cached`: keyed by hashable values (data set key, :class:`Filters`, options);
the data set travels as an underscore argument Streamlit does not hash. Results are frozen
dataclasses kept with ``st.cache_resource``; the small layers derived from them use
``st.cache_data``. The statistics are imported inside the wrappers (first use only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from hotspots.dashboard import spacetime_layers
from hotspots.dashboard.datasets import Dataset
from hotspots.spatial.filters import Filters

#: The Map page draws point clusters for at most this many selected incidents (HDBSCAN takes
#: about 10 s on 30,000 Toronto incidents on a busy 2-core machine).
MAX_CLUSTER_POINTS = 30_000

if TYPE_CHECKING:
    from hotspots.stats.clusters import PointClusters
    from hotspots.stats.emerging import CityTrend, EmergingHotspots, Interval
    from hotspots.stats.near_repeat import KnoxResult


@st.cache_resource(max_entries=8, show_spinner="Testing every interval and every cell's trend…")
def emerging(
    _dataset: Dataset,
    dataset_key: str,
    filters: Filters,
    interval: Interval,
    cell_size_m: float | None,
    alpha: float,
    city_trend: CityTrend,
) -> EmergingHotspots:
    """Emerging hot spots of the selection (square grid, ArcGIS patterns)."""
    from hotspots.stats.emerging import emerging_hotspots

    return emerging_hotspots(
        _dataset.incidents,
        interval=interval,
        cell_size_m=cell_size_m,
        boundaries=_dataset.boundaries,
        filters=filters,
        alpha=alpha,
        city_trend=city_trend,
        quiet=True,
    )


@st.cache_data(max_entries=8, show_spinner=False)
def pattern_layer(
    _dataset: Dataset,
    dataset_key: str,
    filters: Filters,
    interval: Interval,
    cell_size_m: float | None,
    alpha: float,
    city_trend: CityTrend,
) -> spacetime_layers.PatternLayer:
    """The pattern map's cells and legend."""
    result = emerging(_dataset, dataset_key, filters, interval, cell_size_m, alpha, city_trend)
    return spacetime_layers.pattern_layer(result)


@st.cache_resource(max_entries=8, show_spinner="Counting pairs close in space and time…")
def knox(
    _dataset: Dataset,
    dataset_key: str,
    filters: Filters,
    distance_bands_m: tuple[float, ...],
    day_bands: tuple[int, ...],
    permutations: int,
    alpha: float,
) -> KnoxResult:
    """The Knox near-repeat table of the selection (seed 0)."""
    from hotspots.stats.near_repeat import near_repeat

    return near_repeat(
        _dataset.incidents,
        distance_bands_m=distance_bands_m,
        day_bands=day_bands,
        permutations=permutations,
        filters=filters,
        rng=0,
        alpha=alpha,
    )


@st.cache_resource(max_entries=8, show_spinner="Finding point clusters…")
def clusters(
    _dataset: Dataset, dataset_key: str, filters: Filters, min_cluster_size: int
) -> PointClusters:
    """HDBSCAN point clusters of the selection."""
    from hotspots.stats.clusters import point_clusters

    return point_clusters(_dataset.incidents, filters=filters, min_cluster_size=min_cluster_size)


@st.cache_data(max_entries=8, show_spinner=False)
def cluster_layer(
    _dataset: Dataset, dataset_key: str, filters: Filters, min_cluster_size: int
) -> spacetime_layers.ClusterLayer:
    """Cluster outlines for the Map page."""
    return spacetime_layers.cluster_layer(
        clusters(_dataset, dataset_key, filters, min_cluster_size)
    )


def knox_styled(result: KnoxResult) -> pd.io.formats.style.Styler:
    """The Knox ratios as the Near Repeat Calculator's grid, coloured where significant."""
    from hotspots.maps.palettes import knox_colour

    alpha = float(result.params["alpha"])
    ratios, ps = result.ratio_grid(), result.p_grid()
    colours = pd.DataFrame(
        [
            [
                f"background-color: {knox_colour(r, p, alpha=alpha)}"
                + ("; font-weight: bold" if p <= alpha else "")
                for r, p in zip(ratios.loc[i], ps.loc[i], strict=True)
            ]
            for i in ratios.index
        ],
        index=ratios.index,
        columns=ratios.columns,
    )
    return ratios.style.apply(lambda _: colours, axis=None).format("{:.2f}", na_rep="–")
