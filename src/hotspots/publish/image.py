"""The snapshot as a PNG for newsletters and social media: the map and the key numbers.

Drawn with Matplotlib's Agg backend (no pyplot, no global state) from the published
content only — polygons, published numbers and notes — so it can show nothing the HTML
does not. Deterministic: fixed size and DPI, bundled DejaVu fonts, and no date-bearing
metadata (Matplotlib's ``Software`` chunk is dropped; only a ``Title`` is written). The
generation date is deliberately *not* drawn, so the same inputs give the same bytes.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path

from hotspots.maps import palettes

WIDTH_IN, HEIGHT_IN, DPI = 16.0, 9.0, 100
_INK, _MUTED = "#1f2933", "#52606d"


def render_png(content: dict[str, Any]) -> bytes:
    """PNG bytes of the map and key numbers of ``content`` (1600 × 900 pixels)."""
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.005, 0.01, 0.61, 0.98))
    ax.set_axis_off()
    _draw_map(ax, content)
    _draw_panel(fig, content)
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi=DPI,
        metadata={"Software": None, "Title": str(content["title"])[:200]},
    )
    return buffer.getvalue()


def _paths(features: list[dict[str, Any]]) -> list[Path]:
    paths = []
    for feature in features:
        geom = feature["geometry"]
        polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        rings = [
            Path(np.asarray(ring, dtype=np.float64), closed=True)
            for polygon in polygons
            for ring in polygon
        ]
        paths.append(Path.make_compound_path(*rings))
    return paths


def _draw_map(ax: Any, content: dict[str, Any]) -> None:
    areas = content.get("areas")
    grid = content.get("grid")
    lats: list[float] = []
    if areas is not None and areas["features"]:
        feats = areas["features"]
        coll = PathCollection(
            _paths(feats),
            facecolors=[f["properties"]["colour"] for f in feats],
            edgecolors=palettes.AREA_EDGE,
            linewidths=0.35,
        )
        ax.add_collection(coll)
        lats += [c[1] for f in feats for c in _first_ring(f)]
    if grid is not None and grid["cells"]["features"]:
        feats = grid["cells"]["features"]
        coll = PathCollection(
            _paths(feats),
            facecolors=[f["properties"]["colour"] for f in feats],
            edgecolors=grid["outline"],
            linewidths=0.6,
        )
        ax.add_collection(coll)
        lats += [c[1] for f in feats for c in _first_ring(f)]
    ax.autoscale_view()
    mean_lat = float(np.mean(lats)) if lats else 0.0
    ax.set_aspect(1.0 / max(np.cos(np.radians(mean_lat)), 0.1))


def _first_ring(feature: dict[str, Any]) -> list[list[float]]:
    geom = feature["geometry"]
    ring: list[list[float]] = (
        geom["coordinates"][0] if geom["type"] == "Polygon" else geom["coordinates"][0][0]
    )
    return ring


_TITLE_SIZES = (23, 21, 19, 17, 15, 13)


def place_title(fig: Figure, text: str, *, x: float, y: float, right: float) -> Any:
    """Draw ``text`` as the panel's title, wrapped and shrunk until it fits ``x``..``right``.

    Wrapping by a fixed number of characters let wide letters (and long words) run past
    the image's edge; this measures the drawn text instead. Returns the Text artist.
    """
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    limit_px = (right - x) * fig.bbox.width
    artist = None
    for size in _TITLE_SIZES:
        for width in range(34, 9, -2):
            wrapped = textwrap.fill(text, width, break_long_words=True)
            if wrapped.count("\n") >= 3 and size != _TITLE_SIZES[-1]:
                break  # more than three lines: try a smaller size first
            if artist is not None:
                artist.remove()
            artist = fig.text(x, y, wrapped, fontsize=size, fontweight="bold", color=_INK, va="top")
            if artist.get_window_extent(renderer).width <= limit_px:
                return artist
    assert artist is not None
    return artist


def _draw_panel(fig: Figure, content: dict[str, Any]) -> None:
    rules = content["rules"]
    sup = rules["suppressed_text"]
    x, right = 0.635, 0.975
    y = 0.94
    title = place_title(fig, str(content["title"]), x=x, y=y, right=right)
    lines = title.get_text().count("\n") + 1
    y -= 0.052 * lines * title.get_fontsize() / _TITLE_SIZES[0] + 0.012
    fig.text(x, y, content["period"]["label"], fontsize=16, color=_MUTED, va="top")
    y -= 0.042
    groups = textwrap.fill("Offenses: " + ", ".join(content["offense_groups"]), 62)
    fig.text(x, y, groups, fontsize=11, color=_MUTED, va="top")
    y -= 0.026 * (groups.count("\n") + 1) + 0.03

    total = content["total"]["incidents"]
    fig.text(
        x,
        y,
        f"{total:,}" if total is not None else "too few",
        fontsize=30,
        fontweight="bold",
        color=_INK,
        va="top",
    )
    fig.text(x, y - 0.062, "incidents (adjusted)", fontsize=12, color=_MUTED, va="top")
    grid = content.get("grid")
    if grid is not None:
        col = x + 0.175
        fig.text(
            col,
            y,
            f"{grid['hot_cells']:,}",
            fontsize=30,
            fontweight="bold",
            color="#b30000",
            va="top",
        )
        sub = f"hot spot squares of {grid['cell_size_m']:g} m"
        share = grid["hot_share_count_pct"]
        if share is not None:
            sub += (
                f"\nabout {share:g}% of incidents\nin {grid['hot_share_area_pct']:g}% of the area"
            )
        fig.text(col, y - 0.062, sub, fontsize=12, color=_MUTED, va="top", linespacing=1.3)
    y -= 0.175

    areas = content.get("areas")
    if areas is not None:
        ranked = sorted(
            (
                f["properties"]
                for f in areas["features"]
                if f["properties"]["incidents"] is not None
            ),
            key=lambda p: (-p["incidents"], p["name"]),
        )[:5]
        if ranked:
            fig.text(
                x,
                y,
                "Neighbourhoods with the most incidents",
                fontsize=12,
                fontweight="bold",
                color=_INK,
                va="top",
            )
            y -= 0.034
            for p in ranked:
                fig.text(
                    x,
                    y,
                    textwrap.shorten(p["name"], 44, placeholder="…"),
                    fontsize=12,
                    color=_INK,
                    va="top",
                )
                fig.text(
                    right, y, f"{p['incidents']:,}", fontsize=12, color=_INK, va="top", ha="right"
                )
                y -= 0.027
            y -= 0.018

    legend_top = y
    if grid is not None:
        handles = [
            Patch(
                facecolor=c["colour"],
                edgecolor=grid["outline"],
                label=c["label"].replace("Hot spot, ", ""),
            )
            for c in grid["classes"]
        ]
        fig.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(x - 0.006, legend_top + 0.012), frameon=False, fontsize=10.5,
            title="Hot spot squares", title_fontsize=11, alignment="left", handlelength=1.5,
        )  # fmt: skip
    if areas is not None:
        classes = content["area_classes"]
        handles = [
            Patch(
                facecolor=c["colour"],
                edgecolor=palettes.AREA_EDGE,
                label=palettes.plain_class_label(i, classes),
            )
            for i, c in enumerate(classes)
        ]
        handles.append(
            Patch(
                facecolor=palettes.SUPPRESSED,
                edgecolor=palettes.AREA_EDGE,
                linestyle="--",
                label=f"{sup} (hidden)",
            )
        )
        fig.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(x + 0.165, legend_top + 0.012), frameon=False, fontsize=10.5,
            title="Incidents per km²", title_fontsize=11, alignment="left", handlelength=1.5,
        )  # fmt: skip
    source = str(content["notes"]["data_source"]).split(". ")[0].rstrip(".")
    foot = textwrap.fill(
        f"Source: {source}. Every number adjusted slightly (cell-key method); numbers below {rules['k']} hidden. "
        "Areas only: no individual incidents, addresses or dates.",
        84,
    )
    fig.text(x, 0.025, foot, fontsize=8.5, color=_MUTED, va="bottom", linespacing=1.35)
    fig.add_artist(
        Rectangle((x - 0.015, 0.02), 0.0015, 0.96, transform=fig.transFigure, color="#d9dee3")
    )


def _n(value: int | None, sup: str) -> str:
    return sup if value is None else f"{value:,}"
