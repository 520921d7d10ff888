"""The publishable content of a snapshot: perturbed numbers, polygons and plain text.

:func:`build_content` turns an :class:`~hotspots.analysis.Analysis` into one JSON-ready
dict. It is the **only** input of the HTML, PNG and metadata renderers, and it holds
published values only — cell-key perturbed counts (``None`` = 0, "fewer than k"; see
:mod:`hotspots.publish.perturbation`), densities and shares computed from them, and
polygons from the boundaries and the grid only — so no renderer can leak an exact number.
Every list is ordered by published values and data-independent keys only (names,
months, a cell's position in the grid).

Keys (schema ``hotspots-snapshot/2``): ``title``, ``period`` {start, end, label},
``offense_groups``, ``notes`` {data_source, boundaries, method, suppression, caveats},
``rules`` {k, suppressed_text, hidden_text, min_cell_size_m, perturbation}, ``total``
{incidents}, ``offenses`` [{name, incidents}], ``months`` [{month, label, incidents}],
``areas`` (GeoJSON FeatureCollection: name, incidents, hidden, per_km2, class,
hot_cells) or None, ``areas_other`` {name, incidents} or None, ``area_classes`` [{low,
high, colour}], ``grid`` {kind, cell_size_m, alpha, n_cells, hot_cells,
hot_share_area_pct, hot_share_count_pct, hot_total {incidents}, classes, cells
(FeatureCollection: rank, bin, label, incidents, neighbourhood)} or None, ``basemap``
{url, attribution} or None.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from hotspots.analysis import Analysis
from hotspots.errors import EmptyDataError, Option, invalid
from hotspots.maps import palettes
from hotspots.publish.geometry import display_polygons, geojson_geometry
from hotspots.publish.perturbation import PerturbationTable, unit_counts, unit_keys
from hotspots.publish.publisher import Release
from hotspots.publish.rules import PublicationRules, period_kind
from hotspots.spatial.counting import period_start
from hotspots.spatial.units import incident_areas

log = logging.getLogger(__name__)

SCHEMA = "hotspots-snapshot/2"

#: Simplification of boundaries before publishing, in metres (shared edges stay shared).
BOUNDARY_SIMPLIFY_M = 15.0
OTHER_AREA_NAME = "Not in a mapped neighbourhood"
#: How an area hidden by the location-diversity or minimum-area rule is written.
HIDDEN_TEXT = "not shown"

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
    """How many published numbers were hidden, per table.

    ``cells`` (significant squares not drawn: published as 0 or too few places) is for the
    publisher only; the metadata file holds only what the page shows anyway.
    """

    areas: int
    areas_total: int
    cells: int
    cells_total: int
    months: int
    offenses: int

    def as_dict(self) -> dict[str, int]:
        """JSON-ready (what a reader of the page can count for themselves)."""
        return {
            "neighbourhoods_hidden": self.areas,
            "neighbourhoods_shown": self.areas_total,
            "months_hidden": self.months,
            "offense_groups_hidden": self.offenses,
        }


def build_content(
    analysis: Analysis,
    *,
    rules: PublicationRules,
    record_keys: np.ndarray,
    title: str,
    start: str,
    end: str,
    offense_groups: Sequence[str],
    data_source: str,
    boundaries_note: str | None = None,
    basemap: Basemap | None = None,
    study_area_only: bool = False,
) -> tuple[dict[str, Any], Suppression, Release]:
    """The publishable content (see the module docstring), the suppression summary and
    the release as the ledger records it.

    Parameters
    ----------
    analysis : Analysis
        Of the selected, allow-listed incidents (grid of at least the minimum cell size;
        boundaries given, so the grid's origin does not depend on incident locations).
    rules : PublicationRules
    record_keys : array of int
        The perturbation record key of each row of ``analysis.incidents``.
    title : str
    start, end : str
        First and last day of the period (whole months), ``YYYY-MM-DD``.
    offense_groups : sequence of str
        The allow-listed offense groups covered.
    data_source, boundaries_note : str
        Plain-language notes shown in the snapshot.
    basemap : Basemap, optional
    study_area_only : bool
        The boundaries are a box drawn by the publisher around the data, not neighbourhoods.
    """
    selected = analysis.incidents
    if len(selected) == 0:
        raise EmptyDataError(
            f"No incidents of {', '.join(offense_groups) or 'any offense'} fall in {start[:7]}..{end[:7]}; "
            "there is nothing to publish. Check the period and the offenses."
        )
    keys = np.asarray(record_keys, dtype=np.int64)
    table = PerturbationTable(k=rules.k, max_noise=rules.max_noise)
    numbers: list[tuple[str, str | None, str | None, int]] = []

    offense_codes = _codes(selected["offense"].astype("object").to_numpy(), offense_groups)
    offenses = [
        {"name": str(name), "incidents": _value(v)}
        for name, v in zip(
            offense_groups, _perturb(offense_codes, len(offense_groups), keys, table), strict=True
        )
    ]
    numbers += [("*area", None, str(o["name"]), int(o["incidents"] or 0)) for o in offenses]
    total = _value(_perturb(np.zeros(len(selected), dtype=np.int64), 1, keys, table)[0])
    numbers.append(("*area", None, None, total or 0))
    months, month_values = _month_table(selected, start, end, keys, table)
    numbers += [("*area", m["month"], None, v) for m, v in zip(months, month_values, strict=True)]

    units = rules.units
    if (analysis.areas is None or study_area_only) and units != "grid":
        if units == "neighbourhoods":
            raise invalid(
                "units",
                units,
                "'grid' or 'both' when no boundaries are given",
                "Give {1} to map neighbourhoods.",
                options=(Option("boundaries"),),
            )
        log.info("No boundaries given: the snapshot maps hot-spot grid cells only")
        units = "grid"
    show_areas = units in ("both", "neighbourhoods") and analysis.areas is not None
    show_grid = units in ("both", "grid")
    locations = _location_keys(selected)

    hot = analysis.cells.loc[analysis.cells["hotspot"]] if show_grid else analysis.cells.iloc[:0]
    cell_pos = pd.Series(np.arange(len(hot)), index=hot["cell_id"].to_numpy())
    cell_units = (
        cell_pos.reindex(selected["cell_id"].to_numpy()).fillna(-1).to_numpy(dtype=np.int64)
    )
    cell_values = _perturb(cell_units, len(hot), keys, table)
    cell_ok = _diverse(cell_units, len(hot), locations, rules) & (cell_values > 0)
    # Hot cells that fail location diversity or publish as 0 are not drawn at all; the
    # order of the rest uses published values and the cell's position only.
    hot = hot.assign(published=cell_values).loc[cell_ok]
    hot = hot.sort_values(
        ["gi_bin", "published", "cell_id"], ascending=[False, False, True], kind="mergesort"
    )
    areas = analysis.areas if show_areas else None

    # Geometry: the boundaries and the grid only (rounded lon/lat); never moved for incidents.
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

    content: dict[str, Any] = {
        "schema": SCHEMA,
        "title": title,
        "period": {"start": start[:7], "end": end[:7], "label": period_label(start, end)},
        "offense_groups": list(offense_groups),
        "notes": {
            "data_source": data_source,
            "boundaries": boundaries_note,
            "method": method_text(analysis, show_grid=show_grid),
            "suppression": suppression_text(rules),
            "caveats": caveats(analysis, hot_values=hot["published"].to_numpy(), rules=rules)
            if show_grid
            else [],
        },
        "rules": {
            "k": rules.k,
            "suppressed_text": rules.suppressed_text(),
            "hidden_text": HIDDEN_TEXT,
            "min_cell_size_m": rules.min_cell_size_m,
            "perturbation": table.as_dict(),
        },
        "total": {"incidents": total},
        "offenses": offenses,
        "months": months,
        "areas": None,
        "areas_other": None,
        "area_classes": [],
        "grid": None,
        "basemap": {"url": basemap.url, "attribution": basemap.attribution} if basemap else None,
    }
    n_area_hidden = 0
    if areas is not None:
        layer, area_numbers, n_area_hidden = _area_layer(
            areas, area_geoms, hot, selected, keys, locations, table, rules
        )
        content["areas"], content["area_classes"], content["areas_other"] = layer
        numbers += area_numbers
    if show_grid:
        content["grid"] = _grid_layer(analysis, hot, cell_geoms, total, keys, table)
        numbers += [
            (f"cell:{int(c)}", None, None, int(v))
            for c, v in zip(hot["cell_id"], hot["published"], strict=True)
        ]
        hot_total = content["grid"]["hot_total"]["incidents"]
        ids = ",".join(str(int(c)) for c in sorted(hot["cell_id"]))
        if ids:
            numbers.append((f"*cell:{ids}", None, None, hot_total or 0))
    suppression = Suppression(
        areas=n_area_hidden,
        areas_total=0 if areas is None else len(areas),
        cells=int((~cell_ok).sum()),
        cells_total=int(cell_ok.size),
        months=sum(1 for m in months if m["incidents"] is None),
        offenses=sum(1 for o in offenses if o["incidents"] is None),
    )
    release = Release(
        period={"start": start[:7], "end": end[:7], "kind": period_kind(start, end)},
        months=tuple(m["month"] for m in months),
        groups=tuple(offense_groups),
        units={
            "areas": _areas_signature(analysis.areas) if analysis.areas is not None else None,
            "grid": _grid_signature(analysis) if show_grid else None,
        },
        numbers=tuple(numbers),
        parameters={
            "k": rules.k,
            "max_noise": rules.max_noise,
            "alpha": float(analysis.params.get("alpha", 0.05)),
            "map": units,
        },
    )
    return content, suppression, release


def _perturb(
    units: np.ndarray, n_units: int, keys: np.ndarray, table: PerturbationTable
) -> np.ndarray:
    """Published values of ``n_units`` units given each record's unit index (-1: none)."""
    return table.values(unit_counts(units, n_units), unit_keys(keys, units, n_units))


def _codes(values: np.ndarray, names: Sequence[str]) -> np.ndarray:
    index = {str(n): i for i, n in enumerate(names)}
    return np.array([index.get(str(v), -1) for v in values], dtype=np.int64)


def _location_keys(selected: pd.DataFrame) -> np.ndarray:
    """One key per incident location (metric x/y to the metre)."""
    xy = np.rint(shapely.get_coordinates(selected.geometry.values)).astype(np.int64)
    return (xy[:, 0] << np.int64(32)) ^ (xy[:, 1] & np.int64(0xFFFFFFFF))


def _diverse(
    units: np.ndarray, n_units: int, locations: np.ndarray, rules: PublicationRules
) -> np.ndarray:
    """Which units have at least ``min_locations`` distinct locations, none holding more
    than ``max_location_share`` of the unit's incidents."""
    ok = units >= 0
    if n_units == 0:
        return np.zeros(0, dtype=bool)
    pairs = pd.DataFrame({"u": units[ok], "loc": locations[ok]})
    per = pairs.groupby(["u", "loc"]).size()
    distinct = per.groupby(level="u").size().reindex(range(n_units), fill_value=0).to_numpy()
    largest = per.groupby(level="u").max().reindex(range(n_units), fill_value=0).to_numpy()
    counts = unit_counts(units, n_units)
    return (distinct >= rules.min_locations) & (largest <= rules.max_location_share * counts)


def _month_table(
    selected: pd.DataFrame, start: str, end: str, keys: np.ndarray, table: PerturbationTable
) -> tuple[list[dict[str, Any]], list[int]]:
    months = pd.period_range(start[:7], end[:7], freq="M")
    starts = period_start(selected["occurred_at"], "month").dt.to_period("M")
    position = pd.Series(np.arange(len(months)), index=months)
    units = position.reindex(starts.to_numpy()).fillna(-1).to_numpy(dtype=np.int64)
    published = _perturb(units, len(months), keys, table)
    rows = [
        {
            "month": f"{p.year:04d}-{p.month:02d}",
            "label": f"{_MONTH_NAMES[p.month - 1][:3]} {p.year}",
            "incidents": _value(v),
        }
        for p, v in zip(months, published, strict=True)
    ]
    return rows, [int(v) for v in published]


def _area_layer(
    areas: pd.DataFrame,
    geoms: np.ndarray,
    hot: pd.DataFrame,
    selected: pd.DataFrame,
    keys: np.ndarray,
    locations: np.ndarray,
    table: PerturbationTable,
    rules: PublicationRules,
) -> tuple[
    tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None],
    list[tuple[str, str | None, str | None, int]],
    int,
]:
    positions, _ = incident_areas(selected, areas)
    n = len(areas)
    values = _perturb(positions, n, keys, table)
    area_km2 = areas["area_km2"].to_numpy(dtype=np.float64)
    shown = _diverse(positions, n, locations, rules) & (area_km2 >= rules.min_area_km2)
    # A unit that fails diversity or is too small is hidden whatever its count.
    published: list[int | None] = [
        (_value(v) if ok else None) for v, ok in zip(values, shown, strict=True)
    ]
    density = np.array(
        [np.nan if v is None else float(v) / a for v, a in zip(published, area_km2, strict=True)]
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
    numbers: list[tuple[str, str | None, str | None, int]] = []
    for i in np.lexsort((names.astype(str),)):
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": str(names[i]),
                    "incidents": published[i],
                    "hidden": HIDDEN_TEXT if not shown[i] else None,
                    "per_km2": None if not np.isfinite(density[i]) else _round_sig(density[i]),
                    "class": int(classes[i]),
                    "hot_cells": int(hot_names.get(names[i], 0)),
                },
                "geometry": geojson_geometry(geoms[i]),
            }
        )
        if shown[i]:
            numbers.append((f"area:{names[i]}", None, None, int(values[i])))
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
    outside = positions < 0
    other = None
    if outside.any():
        value = int(_perturb(np.where(outside, 0, -1), 1, keys, table)[0])
        other = {"name": OTHER_AREA_NAME, "incidents": _value(value)}
        numbers.append(("area:*other", None, None, value))
    return (
        ({"type": "FeatureCollection", "features": features}, legend, other),
        numbers,
        int(sum(1 for v in published if v is None)),
    )


def _grid_layer(
    analysis: Analysis,
    hot: pd.DataFrame,
    geoms: np.ndarray,
    total: int | None,
    keys: np.ndarray,
    table: PerturbationTable,
) -> dict[str, Any]:
    members = np.isin(analysis.incidents["cell_id"].to_numpy(), hot["cell_id"].to_numpy())
    hot_total = _value(_perturb(np.where(members, 0, -1), 1, keys, table)[0]) if len(hot) else None
    features = []
    for rank, (row, geom) in enumerate(
        zip(hot.itertuples(index=False), geoms, strict=True), start=1
    ):
        name = row.neighbourhood
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "rank": rank,
                    "bin": int(row.gi_bin),
                    "label": palettes.GI_LEGEND[int(row.gi_bin)],
                    "incidents": _value(row.published),
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
    return {
        "kind": grid.kind,
        "cell_size_m": float(grid.cell_size_m),
        "alpha": float(analysis.params.get("alpha", 0.05)),
        "n_cells": n_cells,
        "hot_cells": len(hot),
        "hot_share_area_pct": round(share_area, 1),
        "hot_share_count_pct": None
        if share_incidents is None
        else min(100, round(share_incidents)),
        "hot_total": {"incidents": hot_total},
        "classes": [
            {"bin": b, "label": palettes.GI_LEGEND[b], "colour": palettes.HOT_SPOT_FILLS[b]}
            for b in (3, 2, 1)
        ],
        "outline": palettes.HOT_SPOT_OUTLINE,
        "cells": {"type": "FeatureCollection", "features": features},
    }


def _areas_signature(areas: pd.DataFrame) -> str:
    """Identity of the boundaries (names and shapes to the metre)."""
    digest = hashlib.sha256()
    counts = shapely.get_num_coordinates(areas.geometry.values)
    for name, km2, n in zip(areas["name"].astype(str), areas["area_km2"], counts, strict=True):
        digest.update(f"{name}|{float(km2):.4f}|{int(n)}\n".encode())
    return digest.hexdigest()[:16]


def _grid_signature(analysis: Analysis) -> str:
    g = analysis.grid
    return f"{g.kind}-{g.cell_size_m:g}m-{g.x0:.1f}-{g.y0:.1f}-{g.crs.to_string()}"


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
    """Plain-language description of how the numbers protect people (the method section)."""
    bound = max(rules.max_noise, rules.k)
    return (
        "Every number of incidents on this page has been changed slightly, on purpose, so that no one can work out "
        f"a small number or single out a person. Each number is the true count plus a small adjustment (at most {bound}) "
        "that is fixed for that exact group of incidents: the same incidents always give the same number, in this "
        "map and in every other map we publish, so comparing or combining maps cannot remove the adjustment. On "
        f"average the adjustments cancel out. A count below {rules.k} is shown as “{rules.suppressed_text()}” or "
        f"raised to {rules.k} or a little more. Totals are adjusted the same way, so they may differ slightly from the "
        "sum of the rows. This is the cell-key method used by the UK's Office for National Statistics for the 2021 "
        f"Census. An area or square is “{HIDDEN_TEXT}” when its incidents happened at fewer than {rules.min_locations} "
        f"different places, when one place holds more than {rules.max_location_share:.0%} of them, or when the area is "
        f"smaller than {rules.min_area_km2:g} km². Only areas are shown: no individual incident, address, premises "
        f"or exact date. Grid squares are at least {rules.min_cell_size_m:g} m across. Only monthly, quarterly and "
        "yearly periods are published, at least a month after they end."
    )


def caveats(analysis: Analysis, *, hot_values: np.ndarray, rules: PublicationRules) -> list[str]:
    """Sparse-data caveats shown in the snapshot itself (from the analysis and the published values)."""
    out = []
    if analysis.params.get("notes"):
        out.append(
            "The statistics warned that the counts are sparse for this area and period, so the hot spot "
            "test is less reliable than usual: read the highlighted squares as rough indications."
        )
    small = int(np.sum(np.asarray(hot_values) < 2 * rules.k))
    if len(hot_values) and small * 2 >= len(hot_values):
        out.append(
            "Most highlighted squares hold only a few incidents: a handful of events more or less would "
            "change the picture."
        )
    return out


def _round_sig(x: float, digits: int = 2) -> float:
    if x == 0 or not np.isfinite(x):
        return 0.0
    return float(round(x, digits - 1 - int(np.floor(np.log10(abs(x))))))


def _value(v: Any) -> int | None:
    """A published value for the content: None for 0 ("fewer than k")."""
    return None if pd.isna(v) or int(v) == 0 else int(v)
