"""Colours, class breaks and legend labels of every map, chart and legend (colour-blind-safe).

The one home of how results look: the dashboard, the published snapshot (HTML and PNG) and
the outreach briefing all take their colours and labels from here.

- Gi* hot and cold spots: ColorBrewer *RdBu* 7-class, reversed — hot spots at 99/95/90%
  confidence in three reds, cold spots in three blues, not significant in light grey.
  Published snapshots show hot spots only, in ColorBrewer *OrRd* over blue areas.
- LISA clusters: the GeoDa convention (High-High red, Low-Low blue, outliers pale).
- Counts and density: ColorBrewer *YlOrRd* on the dashboard; *Blues* for published areas
  (so red stays reserved for hot spots there).
- Offenses in charts: Okabe–Ito, the palette designed to stay distinct for colour-blind readers.
- Outreach: sites dark blue, service areas lighter blue, covered demand red, uncovered grey.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Gi* confidence bin -> fill colour (RdBu reversed).
GI_COLOURS: dict[int, str] = {
    3: "#b2182b",
    2: "#ef8a62",
    1: "#fddbc7",
    0: "#f7f7f7",
    -1: "#d1e5f0",
    -2: "#67a9cf",
    -3: "#2166ac",
}

#: Display code (not an ArcGIS bin) of cells significant only through their neighbours
#: ("near a hot spot", :mod:`hotspots.stats.classify`): drawn apart from hot spots.
NEAR_HOT_CODE = 4
GI_COLOURS[NEAR_HOT_CODE] = "#e7d4e8"

#: Gi* bin -> short legend label.
GI_LEGEND: dict[int, str] = {
    3: "Hot spot, 99% confidence",
    2: "Hot spot, 95% confidence",
    1: "Hot spot, 90% confidence",
    0: "Not significant",
    -1: "Cold spot, 90% confidence",
    -2: "Cold spot, 95% confidence",
    -3: "Cold spot, 99% confidence",
    NEAR_HOT_CODE: "Near a hot spot (significant through its neighbours, few incidents itself)",
}

#: LISA cluster label -> fill colour.
LISA_COLOURS: dict[str, str] = {
    "High-High": "#d7191c",
    "High-Low": "#fdae61",
    "Low-High": "#abd9e9",
    "Low-Low": "#2c7bb6",
    "Not significant": "#f7f7f7",
}

#: LISA cluster label -> legend text.
LISA_LEGEND: dict[str, str] = {
    "High-High": "High-High: high, among high (cluster)",
    "High-Low": "High-Low: high, among low (outlier)",
    "Low-High": "Low-High: low, among high (outlier)",
    "Low-Low": "Low-Low: low, among low (cluster)",
    "Not significant": "Not significant",
}

#: Sequential YlOrRd classes, light to dark (up to 7 classes).
SEQUENTIAL: tuple[str, ...] = (
    "#ffffb2",
    "#fed976",
    "#feb24c",
    "#fd8d3c",
    "#fc4e2a",
    "#e31a1c",
    "#b10026",
)

#: Okabe–Ito colours for categories (offenses) in charts.
CATEGORICAL: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)

#: Published snapshot: neighbourhood classes, ColorBrewer *Blues* (light to dark).
AREA_CLASSES: tuple[str, ...] = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
#: Published snapshot: areas and bars whose number is hidden (below the publication threshold).
SUPPRESSED = "#d9d9d9"
#: Published snapshot: bars of the monthly chart.
BAR = "#3182bd"
#: Published snapshot: hot spot confidence bins 1, 2, 3 (ColorBrewer *OrRd*) and their outline.
HOT_SPOT_FILLS: dict[int, str] = {1: "#fdcc8a", 2: "#fc8d59", 3: "#d7301f"}
HOT_SPOT_OUTLINE = "#7f0000"
#: Published snapshot: outline of areas and legend swatches.
AREA_EDGE = "#4b5563"

#: Outreach: a chosen site, its service area, demand it covers and demand it does not.
SITE = "#08306b"
SERVICE_AREA = "#2171b5"
COVERED = "#b2182b"
UNCOVERED = "#9e9e9e"

#: Analyst map: one incident point, and clusters of fewer than 10, 10-99 and 100+ points
#: (from the sequential hot spot scale, so points read as part of the same map).
POINT_FILL = SEQUENTIAL[2]
POINT_OUTLINE = "#222222"
MARKER_CLUSTER_FILLS: tuple[str, str, str] = (SEQUENTIAL[1], SEQUENTIAL[3], SEQUENTIAL[5])
MARKER_CLUSTER_TEXT: tuple[str, str, str] = ("#222222", "#222222", "#ffffff")

#: Emerging hot spot patterns (ArcGIS names): hot in reds/oranges, cold mirrored in blues,
#: the historical ones in muted tones; "No Pattern Detected" is not drawn.
EMERGING_COLOURS: dict[str, str] = {
    "Intensifying Hot Spot": "#a50f15",
    "Persistent Hot Spot": "#de2d26",
    "Diminishing Hot Spot": "#fb6a4a",
    "Consecutive Hot Spot": "#fc9272",
    "New Hot Spot": "#fcbba1",
    "Oscillating Hot Spot": "#f16913",
    "Sporadic Hot Spot": "#fdd0a2",
    "Historical Hot Spot": "#8c6d62",
    "Intensifying Cold Spot": "#08519c",
    "Persistent Cold Spot": "#3182bd",
    "Diminishing Cold Spot": "#6baed6",
    "Consecutive Cold Spot": "#9ecae1",
    "New Cold Spot": "#c6dbef",
    "Oscillating Cold Spot": "#2171b5",
    "Sporadic Cold Spot": "#deebf7",
    "Historical Cold Spot": "#6a6f8c",
    # sfhotspot's hotspot_classify names
    "persistent hotspot": "#de2d26",
    "emerging hotspot": "#fc9272",
    "intermittent hotspot": "#fdd0a2",
    "former hotspot": "#8c6d62",
    "persistent coldspot": "#3182bd",
    "emerging coldspot": "#9ecae1",
    "intermittent coldspot": "#deebf7",
    "former coldspot": "#6a6f8c",
}

#: Point clusters: outline and fill of a cluster's convex hull.
CLUSTER_OUTLINE = "#54278f"
CLUSTER_FILL = "#9e9ac8"

#: Knox table: (ratio at least, colour) for bands significant at alpha; others stay neutral.
KNOX_STEPS: tuple[tuple[float, str], ...] = (
    (2.0, "#b2182b"),
    (1.5, "#ef8a62"),
    (1.0, "#fddbc7"),
)
KNOX_NEUTRAL = "#f7f7f7"


def knox_colour(ratio: float, p: float, *, alpha: float) -> str:
    """Background of a Knox table cell: warmer for higher ratios, neutral unless p <= alpha."""
    if not (np.isfinite(ratio) and p <= alpha):
        return KNOX_NEUTRAL
    for low, colour in KNOX_STEPS:
        if ratio > low:
            return colour
    return KNOX_NEUTRAL


#: Outline colour of areas (neighbourhoods) drawn as context.
OUTLINE = "#4a4a4a"
#: Outline of the unit the user clicked.
SELECTED = "#111111"
#: Outline of an area the analyst draws on the map (purple: apart from hot reds and cold blues).
DRAWN_AREA = "#542788"
#: Accent colour for single-series charts.
ACCENT = "#b2182b"
#: Map background when no basemap is drawn.
NO_TILES_BACKGROUND = "#eef0f3"


def class_breaks(values: ArrayLike, *, classes: int = 6) -> NDArray[np.float64]:
    """Upper bounds of up to ``classes`` quantile classes of the positive ``values``.

    Crime counts are very skewed, so equal-interval classes would paint nearly every cell
    the lightest colour; quantiles of the non-zero values spread the colours. Bounds are
    rounded up to 2 significant digits and made unique, so there may be fewer classes.
    The dashboard, the published snapshot and the briefing all class values with this rule.

    Returns
    -------
    ndarray
        Increasing upper bounds; the last one is at least the maximum. Empty when no value
        is > 0.
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return np.array([], dtype=np.float64)
    qs = np.quantile(v, np.linspace(0, 1, classes + 1)[1:])
    rounded = np.array([_round_sig(q) for q in qs])
    return np.unique(np.maximum.accumulate(rounded))


def class_of(values: ArrayLike, breaks: NDArray[np.float64]) -> NDArray[np.int64]:
    """Class index (0 = lightest) of each value for ``breaks``; -1 for values <= 0 or missing."""
    v = np.asarray(values, dtype=np.float64)
    k = np.searchsorted(breaks, v, side="left").astype(np.int64)
    k = np.minimum(k, max(len(breaks) - 1, 0))
    return np.where(np.isfinite(v) & (v > 0) & (len(breaks) > 0), k, -1)


def class_labels(breaks: NDArray[np.float64], *, integer: bool) -> list[str]:
    """Legend labels for ``breaks`` (``"1–4"``, ``"5–12"``… or ``"0.1–2.5"``)."""
    labels: list[str] = []
    low = 0.0
    for high in breaks:
        if integer:
            first = int(np.floor(low)) + 1
            last = int(np.floor(high))
            labels.append(f"{first:,}" if first >= last else f"{first:,}–{last:,}")
        else:
            labels.append(f"{_fmt(low)}–{_fmt(high)}")
        low = float(high)
    return labels


def plain_class_label(i: int, classes: Sequence[Mapping[str, float]]) -> str:
    """Legend text of class ``i`` of ``classes`` (``low``/``high`` bounds) for the public:
    "under 25", "25 to 39", "81 or more" (the published snapshot's legend)."""
    low, high = plain_number(classes[i]["low"]), plain_number(classes[i]["high"])
    if len(classes) == 1:
        return f"{low} to {high}"
    if i == 0:
        return f"under {high}"
    if i == len(classes) - 1:
        return f"{low} or more"
    return f"{low} to {high}"


def plain_number(value: float) -> str:
    """A number for a legend or a caption: whole numbers with separators, else 1 decimal
    from 10 up and 2 significant digits below."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}" if value >= 10 else f"{value:,.2g}"


def _round_sig(value: float, digits: int = 2) -> float:
    if value <= 0:
        return value
    exponent = int(np.floor(np.log10(value)))
    factor = 10.0 ** (exponent - digits + 1)
    return float(np.round(np.ceil(value / factor - 1e-9) * factor, max(digits - 1 - exponent, 0)))


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return f"{value:.2g}"
