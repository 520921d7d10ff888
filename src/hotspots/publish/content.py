"""The publishable content of a snapshot: published numbers, rounded polygons and plain text.

:func:`build_content` turns an :class:`~hotspots.analysis.Analysis` into one JSON-ready
dict. It is the **only** input of the HTML, PNG and metadata renderers, and it holds
published values only — counts suppressed below ``k`` and rounded (``None`` = "fewer
than k"), densities and shares computed from those published counts, polygons rounded
and kept off incident locations — so no renderer can leak an exact number.

Keys (schema ``hotspots-snapshot/1``): ``title``, ``period`` {start, end, label},
``offense_groups``, ``notes`` {sensitive, data_source, boundaries, method, suppression},
``rules`` {k, rounding_base, suppressed_text, min_cell_size_m}, ``total`` {incidents,
derived_from: the sum of the published offence groups, see :mod:`hotspots.publish.tables`},
``offenses`` [{name, incidents}], ``months`` [{month, label, incidents}], ``areas``
(GeoJSON FeatureCollection: name, incidents, per_km2, class, hot_cells) or None,
``areas_other`` {name, incidents} or None, ``area_classes`` [{low, high, label,
colour}], ``grid`` {kind, cell_size_m, alpha, n_cells, hot_cells, hot_share_area_pct,
hot_share_count_pct, hot_total {incidents}, classes, cells (FeatureCollection: rank,
bin, label, incidents, neighbourhood)} or None, ``basemap`` {url, attribution} or None.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotspots.analysis import Analysis
from hotspots.errors import EmptyDataError, invalid
from hotspots.maps import palettes
from hotspots.publish.audit import AuditReference
from hotspots.publish.geometry import display_polygons, geojson_geometry, keep_away_from_incidents
from hotspots.publish.rules import PublicationRules
from hotspots.publish.tables import derived_total, protect_count, protect_counts
from hotspots.spatial.counting import period_start

log = logging.getLogger(__name__)

SCHEMA = "hotspots-snapshot/1"

#: Simplification of boundaries before publishing, in metres (shared edges stay shared).
BOUNDARY_SIMPLIFY_M = 15.0
OTHER_AREA_NAME = "Not in a mapped neighbourhood"

_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Basemap:
    """An optional tile layer: only used when explicitly configured (the snapshot then
    loads tiles from ``url`` when opened; without it the snapshot makes no request).

    Parameters
    ----------
    url : str
        Tile URL template with ``{z}``, ``{x}`` and ``{y}``, e.g. an agency's own server.
    attribution : str
        Text shown on the map (required by most tile providers).
    """

    url: str
    attribution: str

    @classmethod
    def from_html_attribution(cls, url: str, attribution_html: str) -> Basemap:
        """A basemap whose attribution is given as HTML (as Leaflet takes it): tags dropped,
        entities decoded, since the snapshot shows attributions as plain text."""
        text = html.unescape(re.sub(r"<[^>]+>", "", attribution_html))
        return cls(url=url, attribution=" ".join(text.split()))

    def __post_init__(self) -> None:
        if not all(part in self.url for part in ("{z}", "{x}", "{y}")) or not re.match(
            r"^https?://[A-Za-z0-9.\-]+(:\d+)?/[^\s\"'<>\\]*$", self.url
        ):
            raise invalid(
                "basemap url",
                self.url,
                "an http(s) tile URL template with {z}, {x} and {y}",
                "For example https://tiles.example.org/{z}/{x}/{y}.png.",
            )
        if not self.attribution.strip():
            raise invalid(
                "basemap attribution",
                self.attribution,
                "the tile provider's attribution text",
                "Tile providers require it; ask yours.",
            )


@dataclass(frozen=True)
class Suppression:
    """How many published numbers were hidden, per table (for the metadata file)."""

    areas: int
    areas_total: int
    cells: int
    cells_total: int
    months: int
    offenses: int
    vertices_moved: int

    def as_dict(self) -> dict[str, int]:
        """JSON-ready."""
        return {
            "neighbourhoods_suppressed": self.areas,
            "neighbourhoods_published": self.areas_total,
            "hot_spot_cells_suppressed": self.cells,
            "hot_spot_cells_published": self.cells_total,
            "months_suppressed": self.months,
            "offence_groups_suppressed": self.offenses,
            "polygon_vertices_moved_off_event_locations": self.vertices_moved,
        }


def build_content(
    analysis: Analysis,
    *,
    rules: PublicationRules,
    reference: AuditReference,
    title: str,
    start: str,
    end: str,
    offense_groups: Sequence[str],
    data_source: str,
    boundaries_note: str | None = None,
    basemap: Basemap | None = None,
) -> tuple[dict[str, Any], Suppression]:
    """The publishable content (see the module docstring) and the suppression summary.

    Parameters
    ----------
    analysis : Analysis
        Of the selected, non-sensitive incidents (grid of at least the minimum cell size).
    rules : PublicationRules
    reference : AuditReference
        Locations of every input incident, to keep polygon vertices off them.
    title : str
    start, end : str
        First and last day of the period (whole months), ``YYYY-MM-DD``.
    offense_groups : sequence of str
        The offence categories covered (sensitive ones already removed).
    data_source, boundaries_note : str
        Plain-language notes shown in the snapshot.
    basemap : Basemap, optional
    """
    selected = analysis.incidents
    if len(selected) == 0:
        raise EmptyDataError(
            f"No incidents of {', '.join(offense_groups) or 'any offence'} fall in {start[:7]}..{end[:7]}; "
            "there is nothing to publish. Check the period and the offences."
        )
    offenses = _offense_table(selected, offense_groups, rules)
    total = derived_total([o["incidents"] for o in offenses], rules)
    months = _month_table(selected, start, end, rules)

    units = rules.units
    if analysis.areas is None and units != "grid":
        if units == "neighbourhoods":
            raise invalid(
                "units",
                units,
                "'grid' or 'both' when no boundaries are given",
                "Pass boundaries= to map neighbourhoods.",
            )
        log.info("No boundaries given: the snapshot maps hot-spot grid cells only")
        units = "grid"
    show_areas = units in ("both", "neighbourhoods") and analysis.areas is not None
    show_grid = units in ("both", "grid")

    hot = (
        analysis.cells.loc[analysis.cells["hotspot"]].copy()
        if show_grid
        else analysis.cells.iloc[:0]
    )
    hot = hot.sort_values(
        ["gi_bin", "count", "cell_id"], ascending=[False, False, True], kind="mergesort"
    )
    areas = analysis.areas if show_areas else None

    # Geometry: rounded lon/lat, kept off incident locations (jointly, so the rule holds for all).
    area_geoms = (
        display_polygons(
            areas.geometry.values, areas.crs, simplify_m=BOUNDARY_SIMPLIFY_M, coverage=True
        )
        if areas is not None
        else np.array([], dtype=object)
    )
    cell_geoms = (
        display_polygons(hot.geometry.values, analysis.cells.crs)
        if len(hot)
        else np.array([], dtype=object)
    )
    joined, moved = keep_away_from_incidents(
        np.concatenate([area_geoms, cell_geoms]), reference.lonlat_keys, reference.lonlat_decimals
    )
    area_geoms, cell_geoms = joined[: len(area_geoms)], joined[len(area_geoms) :]

    content: dict[str, Any] = {
        "schema": SCHEMA,
        "title": title,
        "period": {"start": start[:7], "end": end[:7], "label": period_label(start, end)},
        "offense_groups": list(offense_groups),
        "notes": {
            "sensitive": rules.sensitive_note(),
            "data_source": data_source,
            "boundaries": boundaries_note,
            "method": method_text(analysis, show_grid=show_grid),
            "suppression": suppression_text(rules),
        },
        "rules": {
            "k": rules.k,
            "rounding_base": rules.rounding_base,
            "suppressed_text": rules.suppressed_text(),
            "min_cell_size_m": rules.min_cell_size_m,
        },
        "total": {"incidents": total, "derived_from": "offenses"},
        "offenses": offenses,
        "months": months,
        "areas": None,
        "areas_other": None,
        "area_classes": [],
        "grid": None,
        "basemap": {"url": basemap.url, "attribution": basemap.attribution} if basemap else None,
    }
    n_area_suppressed = 0
    if areas is not None:
        content["areas"], content["area_classes"], content["areas_other"], n_area_suppressed = (
            _area_layer(areas, area_geoms, hot, len(selected), rules)
        )
    n_cell_suppressed = 0
    if show_grid:
        content["grid"], n_cell_suppressed = _grid_layer(analysis, hot, cell_geoms, total, rules)
    suppression = Suppression(
        areas=n_area_suppressed,
        areas_total=0 if areas is None else len(areas),
        cells=n_cell_suppressed,
        cells_total=len(hot),
        months=sum(1 for m in months if m["incidents"] is None),
        offenses=sum(1 for o in offenses if o["incidents"] is None),
        vertices_moved=moved,
    )
    return content, suppression


# -- tables -----------------------------------------------------------------------------------------


def _offense_table(
    selected: pd.DataFrame, groups: Sequence[str], rules: PublicationRules
) -> list[dict[str, Any]]:
    counts = selected["offense"].astype("object").value_counts().reindex(list(groups), fill_value=0)
    published = protect_counts(counts.to_numpy(), rules)
    return [
        {"name": str(name), "incidents": _value(v)}
        for name, v in zip(counts.index, published, strict=True)
    ]


def _month_table(
    selected: pd.DataFrame, start: str, end: str, rules: PublicationRules
) -> list[dict[str, Any]]:
    months = pd.period_range(start[:7], end[:7], freq="M")
    starts = period_start(selected["occurred_at"], "month")
    counts = starts.dt.to_period("M").value_counts().reindex(months, fill_value=0)
    published = protect_counts(counts.to_numpy(), rules)
    return [
        {
            "month": f"{p.year:04d}-{p.month:02d}",
            "label": f"{_MONTH_NAMES[p.month - 1][:3]} {p.year}",
            "incidents": _value(v),
        }
        for p, v in zip(months, published, strict=True)
    ]


def _area_layer(
    areas: pd.DataFrame,
    geoms: np.ndarray,
    hot: pd.DataFrame,
    n_selected: int,
    rules: PublicationRules,
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None, int]:
    exact = areas["count"].to_numpy(dtype=np.int64)
    published = protect_counts(exact, rules)
    area_km2 = areas["area_km2"].to_numpy(dtype=np.float64)
    density = np.array(
        [np.nan if pd.isna(v) else float(v) / a for v, a in zip(published, area_km2, strict=True)]
    )
    colours = palettes.AREA_CLASSES
    breaks = palettes.class_breaks(density, classes=len(colours))
    if breaks.size == 0:  # every published density is 0: one class
        breaks = np.array([1.0])
    # A published 0 is in the first class; hidden (NaN) numbers are in none.
    classes = np.where(np.isfinite(density), np.maximum(palettes.class_of(density, breaks), 0), -1)
    edges = np.concatenate([[0.0], breaks])
    hot_names = (
        hot["neighbourhood"].astype("object").value_counts()
        if len(hot)
        else pd.Series(dtype="int64")
    )
    names = areas["name"].astype("object").to_numpy()
    features: list[dict[str, Any]] = []
    order = np.lexsort((names.astype(str),))
    for i in order:
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": str(names[i]),
                    "incidents": _value(published[i]),
                    "per_km2": None if not np.isfinite(density[i]) else _round_sig(density[i]),
                    "class": int(classes[i]),
                    "hot_cells": int(hot_names.get(names[i], 0)),
                },
                "geometry": geojson_geometry(geoms[i]),
            }
        )
    # Fewer classes than colours take the darkest ones so contrast stays.
    legend = [
        {
            "low": float(edges[j]),
            "high": float(edges[j + 1]),
            "colour": colours[j + len(colours) - breaks.size],
        }
        for j in range(breaks.size)
    ]
    for feature in features:
        c = feature["properties"]["class"]
        feature["properties"]["colour"] = legend[c]["colour"] if c >= 0 else palettes.SUPPRESSED
    unassigned = int(n_selected - exact.sum())
    other = (
        {"name": OTHER_AREA_NAME, "incidents": protect_count(unassigned, rules)}
        if unassigned > 0
        else None
    )
    return (
        {"type": "FeatureCollection", "features": features},
        legend,
        other,
        int(published.isna().sum()),
    )


def _grid_layer(
    analysis: Analysis,
    hot: pd.DataFrame,
    geoms: np.ndarray,
    total: int | None,
    rules: PublicationRules,
) -> tuple[dict[str, Any], int]:
    published = protect_counts(hot["count"].to_numpy(dtype=np.int64), rules)
    hot_total = derived_total([_value(v) for v in published], rules)
    features = []
    for rank, (row, value, geom) in enumerate(
        zip(hot.itertuples(index=False), published, geoms, strict=True), start=1
    ):
        name = row.neighbourhood
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "rank": rank,
                    "bin": int(row.gi_bin),
                    "label": palettes.GI_LEGEND[int(row.gi_bin)],
                    "incidents": _value(value),
                    "neighbourhood": None if pd.isna(name) else str(name),
                    "colour": palettes.HOT_SPOT_FILLS.get(
                        int(row.gi_bin), palettes.HOT_SPOT_FILLS[1]
                    ),
                },
                "geometry": geojson_geometry(geom),
            }
        )
    grid = analysis.grid
    n_cells = int(grid.n_cells)
    share_area = 100.0 * len(hot) / n_cells if n_cells else 0.0
    share_incidents = 100.0 * hot_total / total if (hot_total is not None and total) else None
    layer = {
        "kind": grid.kind,
        "cell_size_m": float(grid.cell_size_m),
        "alpha": float(analysis.params.get("alpha", 0.05)),
        "n_cells": n_cells,
        "hot_cells": len(hot),
        "hot_share_area_pct": round(share_area, 1),
        "hot_share_count_pct": None if share_incidents is None else round(share_incidents),
        "hot_total": {"incidents": hot_total, "derived_from": "cells"},
        "classes": [
            {"bin": b, "label": palettes.GI_LEGEND[b], "colour": palettes.HOT_SPOT_FILLS[b]}
            for b in (3, 2, 1)
        ],
        "outline": palettes.HOT_SPOT_OUTLINE,
        "cells": {"type": "FeatureCollection", "features": features},
    }
    return layer, int(published.isna().sum())


# -- text -------------------------------------------------------------------------------------------


def period_label(start: str, end: str) -> str:
    """ "January to December 2021", "March 2020 to February 2021", or "June 2021"."""
    a, b = pd.Timestamp(start), pd.Timestamp(end)
    if (a.year, a.month) == (b.year, b.month):
        return f"{_MONTH_NAMES[a.month - 1]} {a.year}"
    if a.year == b.year:
        return f"{_MONTH_NAMES[a.month - 1]} to {_MONTH_NAMES[b.month - 1]} {a.year}"
    return f"{_MONTH_NAMES[a.month - 1]} {a.year} to {_MONTH_NAMES[b.month - 1]} {b.year}"


def method_text(analysis: Analysis, *, show_grid: bool) -> str:
    """Plain-language description of how the numbers and hot spots were made."""
    p = analysis.params
    size = f"{p['cell_size_m']:g} m"
    shape, one = ("squares", "square") if p.get("grid") == "square" else ("hexagons", "hexagon")
    text = "Incidents recorded by police are counted per neighbourhood (when boundaries are available) and per month."
    if show_grid:
        neighbours = str(p.get("neighbourhood", "contiguity")).replace(" (", ", ").replace(")", "")
        text += (
            f" The city is also covered by a grid of {size} {shape}. A {one} is a hot spot when it and the {shape} "
            f"around it together hold significantly more incidents than if incidents were spread evenly at random: "
            f"Getis-Ord Gi* statistic, neighbourhood by {neighbours}, after correcting for testing {p.get('cells', 0):,} "
            f"{shape} at once with the Benjamini-Hochberg false discovery rate at {p.get('alpha', 0.05):g}."
        )
    return text


def suppression_text(rules: PublicationRules) -> str:
    """Plain-language description of the small-number rules."""
    return (
        f"Any number below {rules.k} is shown as “{rules.suppressed_text()}”. Every other number is rounded to the "
        f"nearest {rules.rounding_base}, and totals are the sums of the rounded numbers shown, so no hidden number can "
        "be worked out by subtraction (tables of the same incidents may differ slightly). Only areas are shown: no "
        "individual incident, address, premises or exact date. "
        f"Grid cells are at least {rules.min_cell_size_m:g} m across."
    )


def _round_sig(x: float, digits: int = 2) -> float:
    if x == 0 or not np.isfinite(x):
        return 0.0
    return float(round(x, digits - 1 - int(np.floor(np.log10(abs(x))))))


def _value(v: Any) -> int | None:
    return None if pd.isna(v) else int(v)
