"""What the "Over time" page and the Map page's cluster layer draw, prepared small.

Pattern layer feature properties: ``id`` cell id; ``k`` index of the pattern in
:attr:`PatternLayer.patterns`, ``p`` its name; ``z`` Mann–Kendall z; ``h`` / ``o`` intervals hot / cold;
``c`` incidents over all intervals. Cluster layer properties: ``cl`` cluster id (not ``id``: a click must not select a cell), ``c`` incidents,
``m`` main offense, ``s`` its share, ``a`` area in km².
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.dashboard.map_layers import Legend, _feature_collection, _rounded
from hotspots.maps import palettes
from hotspots.spatial.projection import to_display

if TYPE_CHECKING:
    from hotspots.stats.clusters import PointClusters
    from hotspots.stats.emerging import EmergingHotspots


@dataclass(frozen=True, eq=False)
class PatternLayer:
    """Cells with a pattern (``No Pattern Detected`` is left out), their legend and counts."""

    geojson: str
    patterns: tuple[str, ...]
    colours: tuple[str, ...]
    legend: Legend
    counts: tuple[tuple[str, int], ...]
    features: int


@dataclass(frozen=True, eq=False)
class ClusterLayer:
    """Cluster outlines with their count and main offense."""

    geojson: str
    clusters: int
    share_clustered: float
    description: str


def pattern_layer(result: EmergingHotspots) -> PatternLayer:
    """The emerging-pattern cells of ``result`` for the map, most worrying patterns first."""
    cells = result.cells
    order = [name for name in palettes.EMERGING_COLOURS if name in set(cells["pattern"])]
    keep = cells["pattern"].isin(order).to_numpy()
    shown = cells.loc[keep]
    index = {name: i for i, name in enumerate(order)}
    props = pd.DataFrame(
        {
            "id": shown["cell_id"].to_numpy(dtype=np.int64),
            "k": shown["pattern"].map(index).to_numpy(dtype=np.int64),
            "p": shown["pattern"].to_numpy(dtype=object),
            "z": np.round(shown["trend_z"].to_numpy(dtype=np.float64), 2),
            "h": shown["hot_intervals"].to_numpy(dtype=np.int64),
            "o": shown["cold_intervals"].to_numpy(dtype=np.int64),
            "c": shown["count"].to_numpy(dtype=np.int64),
        }
    )
    display = to_display(gpd.GeoDataFrame(geometry=shown.geometry.values, crs=cells.crs))
    counts = cells["pattern"].value_counts()
    colours = tuple(palettes.EMERGING_COLOURS[name] for name in order)
    params = result.params
    legend = Legend(
        title=f"Pattern over {params['intervals']} {params['interval']}s",
        entries=tuple(
            (colour, f"{name} ({int(counts[name]):,})")
            for name, colour in zip(order, colours, strict=True)
        ),
        note=f"{int(counts.get('No Pattern Detected', 0)):,} cells with no pattern are not drawn.",
    )
    return PatternLayer(
        geojson=_feature_collection(_rounded(display.geometry.values), props),
        patterns=tuple(order),
        colours=colours,
        legend=legend,
        counts=tuple((str(name), int(n)) for name, n in counts.items()),
        features=len(shown),
    )


def cluster_layer(result: PointClusters) -> ClusterLayer:
    """Outlines of the point clusters of ``result`` for the Map page."""
    clusters = result.clusters
    props = pd.DataFrame(
        {
            "cl": clusters["cluster_id"].to_numpy(dtype=np.int64),
            "c": clusters["count"].to_numpy(dtype=np.int64),
            # Folium's tooltips insert values as HTML: offense names from the data are escaped.
            "m": clusters["main_offense"]
            .astype(object)
            .where(clusters["main_offense"].notna(), "–")
            .map(lambda name: html.escape(str(name))),
            "s": np.round(clusters["main_offense_share"].to_numpy(dtype=np.float64), 2),
            "a": np.round(clusters["area_km2"].to_numpy(dtype=np.float64), 3),
        }
    )
    display = to_display(gpd.GeoDataFrame(geometry=clusters.geometry.values, crs=clusters.crs))
    params = result.params
    return ClusterLayer(
        geojson=_feature_collection(_rounded(display.geometry.values), props),
        clusters=len(clusters),
        share_clustered=result.share_clustered,
        description=f"{len(clusters):,} {params['method'].upper()} clusters holding "
        f"{result.share_clustered:.0%} of {params['incidents']:,} incidents",
    )
