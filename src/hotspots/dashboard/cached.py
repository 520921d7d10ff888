"""Cached wrappers around the library verbs: the only way pages compute anything.

Every wrapper is keyed by hashable values — a data set key, a :class:`Filters`, the grid,
cell size and alpha (an :class:`~.selection.AnalysisKey`) — and takes the big objects
(data sets, analyses) as underscore arguments, which Streamlit does not hash.

Caching choices (measured on the bundled 241,000 Toronto incidents):

- data sets and analyses use ``st.cache_resource``: an analysis holds the filtered
  incidents (about 26 MB pickled); ``st.cache_data`` would unpickle a copy on every rerun
  (0.17 s each time — a click, a widget), while the result is a frozen dataclass that no
  code mutates. Loading takes about 1 s, an analysis with exact Gi* and LISA p-values well under a second.
- small derived results (map layers, tables, profiles) use ``st.cache_data``.
- what no filter changes (grid, cell polygons, contiguity) is built once per data set, grid
  and cell size (:func:`layouts`), so a new filter only counts and tests.

The statistics (SciPy), export and profile modules are imported inside the wrappers that
use them, so the entry script and the sidebar draw before they load (part of the first
visit after a server start: see ``bench/app_speed.py``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from hotspots.dashboard import map_layers, uploads
from hotspots.dashboard.datasets import TORONTO_KEY, Dataset
from hotspots.errors import InputError
from hotspots.spatial.filters import Filters, apply_filters, filter_mask
from hotspots.stats.trends import (
    PeriodChange,
    TrendPeriod,
    change_vs_previous,
    hour_weekday_counts,
    incidents_over_time,
)

if TYPE_CHECKING:
    from hotspots.analysis import Analysis, Layouts
    from hotspots.dashboard.selection import AnalysisKey
    from hotspots.stats.profiles import Profile


@st.cache_resource(show_spinner="Loading the bundled Toronto incidents…")
def default_view() -> tuple[Dataset, Analysis]:
    """The bundled data set and its default analysis: once per server, saved across restarts
    (:mod:`hotspots.dashboard.startup`), shared by every session."""
    from hotspots.dashboard.startup import default_view as saved_default_view

    return saved_default_view()


def toronto() -> Dataset:
    """The bundled Toronto data set (loaded once per server)."""
    return default_view()[0]


@st.cache_resource(max_entries=8, show_spinner=False)
def upload_dataset(
    _incidents: uploads.Upload,
    _boundaries: uploads.Upload | None,
    incidents_digest: str,
    boundaries_digest: str | None,
    options: uploads.UploadOptions,
) -> Dataset:
    """An uploaded data set, validated row by row (keyed by the files' hashes and the options)."""
    return uploads.load_upload(_incidents, options, boundaries=_boundaries)


@st.cache_data(max_entries=16, show_spinner=False)
def incidents_preview(
    _upload: uploads.Upload, digest: str, layer: str | None = None
) -> uploads.Preview:
    """Columns, first rows and detected mapping of an uploaded incident file."""
    return uploads.preview_incidents(_upload, layer=layer)


@st.cache_data(max_entries=16, show_spinner=False)
def upload_layers(_upload: uploads.Upload, digest: str) -> tuple[str, ...]:
    """The layers of an uploaded GeoPackage that holds several (else none)."""
    return uploads.layers_of(_upload)


@st.cache_data(max_entries=16, show_spinner=False)
def boundaries_preview(
    _upload: uploads.Upload, digest: str, layer: str | None = None
) -> uploads.BoundaryPreview:
    """Columns of an uploaded boundary file."""
    return uploads.preview_boundaries(_upload, layer=layer)


@st.cache_data(max_entries=64, show_spinner=False)
def selected_count(_dataset: Dataset, dataset_key: str, filters: Filters) -> int:
    """How many incidents pass ``filters``."""
    return int(filter_mask(_dataset.columns, filters).sum())


@st.cache_resource(max_entries=24, show_spinner="Counting incidents and testing for hot spots…")
def analysis(_dataset: Dataset, key: AnalysisKey) -> Analysis:
    """The hotspot analysis of ``key`` (Gi* and LISA with exact p-values and FDR)."""
    from hotspots.dashboard.startup import analyze_key, default_key

    if _dataset.key == TORONTO_KEY and key == default_key(_dataset):
        return default_view()[1]
    table = _dataset.load.table
    return analyze_key(_dataset, key, layouts=layouts(_dataset, _dataset.key, id(table)))


@st.cache_resource(max_entries=4, show_spinner=False)
def layouts(_dataset: Dataset, dataset_key: str, table_id: int) -> Layouts:
    """What no filter changes in ``dataset``'s analyses (study area, grids, cell polygons,
    contiguity: :class:`~hotspots.analysis.Layouts`), built on first use per grid and cell
    size, so a new filter only counts and tests. Keyed by the incidents' ``id`` too: the
    ``Layouts`` holds them, so the id cannot be reused while the entry lives."""
    from hotspots.analysis import Layouts

    return Layouts(_dataset.load.table, _dataset.boundaries)


@st.cache_data(max_entries=24, show_spinner=False)
def concentration(_dataset: Dataset, key: AnalysisKey) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Concentration curves (places and cells) of ``key`` and their headline numbers."""
    from hotspots.analysis import concentration as curves
    from hotspots.stats.concentration import count_places, summarise_concentration

    result = analysis(_dataset, key)
    counted = result.incidents.loc[result.incidents["cell_id"].to_numpy() >= 0]
    places = count_places(counted.geometry.x.to_numpy(), counted.geometry.y.to_numpy())
    numbers: dict[str, Any] = {
        "places": summarise_concentration(places["count"]) if len(places) else None,
        "cells": summarise_concentration(result.cells["count"]),
        "cell_size_m": float(result.params["cell_size_m"]),
    }
    return curves(result), numbers


@st.cache_data(max_entries=48, show_spinner=False)
def unit_layer(
    _dataset: Dataset, key: AnalysisKey, kind: map_layers.UnitKind, measure: map_layers.Measure
) -> map_layers.UnitLayer:
    """The coloured cells or areas for the map."""
    return map_layers.unit_layer(analysis(_dataset, key), kind=kind, measure=measure)


@st.cache_data(max_entries=24, show_spinner=False)
def point_layer(_dataset: Dataset, key: AnalysisKey) -> map_layers.PointLayer:
    """Incident points in hot spots (zoomed-in layer)."""
    return map_layers.point_layer(analysis(_dataset, key))


@st.cache_data(max_entries=48, show_spinner=False)
def over_time(
    _dataset: Dataset, dataset_key: str, filters: Filters, period: TrendPeriod, by_offense: bool
) -> pd.DataFrame:
    """Incidents per week or month (per offense) for the selection."""
    return incidents_over_time(
        apply_filters(_dataset.incidents, filters), period=period, by_offense=by_offense
    )


@st.cache_data(max_entries=48, show_spinner=False)
def hour_weekday(_dataset: Dataset, dataset_key: str, filters: Filters) -> pd.DataFrame:
    """The 7 × 24 hour-by-weekday counts for the selection."""
    return hour_weekday_counts(apply_filters(_dataset.incidents, filters))


@st.cache_data(max_entries=48, show_spinner=False)
def area_change(_dataset: Dataset, dataset_key: str, filters: Filters) -> PeriodChange | None:
    """Counts per area in the selected period and the equally long period before it.

    The other filters (offense, hours, weekdays) apply to both periods; without a date
    filter the last 365 days of the data are compared with the 365 before. None without
    boundaries or incidents.
    """
    if _dataset.area_of_incident is None or _dataset.boundaries is None:
        return None
    undated = apply_filters(_dataset.incidents, replace(filters, start=None, end=None))
    if len(undated) == 0:
        return None
    return change_vs_previous(
        undated["occurred_at"],
        _dataset.area_of_incident.reindex(undated.index),
        start=filters.start,
        end=filters.end,
        units=list(_dataset.boundaries["name"].astype(str)),
        covered_from=_dataset.default_first_day.isoformat(),
    )


@st.cache_data(max_entries=64, show_spinner=False)
def profile(_dataset: Dataset, key: AnalysisKey, kind: str, unit_id: int | str) -> Profile:
    """What happens in one clicked cell or area under the current filters."""
    from hotspots.stats.profiles import area_profile, cell_profile

    result = analysis(_dataset, key)
    if kind == "area":
        if _dataset.area_of_incident is None:
            raise InputError("area profiles need boundaries; upload them on the Data page.")
        return area_profile(
            result,
            str(unit_id),
            area_of_incident=_dataset.area_of_incident,
            with_time_of_day=_dataset.has_time_of_day,
        )
    if isinstance(unit_id, str) and not unit_id.strip().lstrip("-").isdigit():
        raise InputError(f"cell={unit_id!r} is not a cell id; click a cell of the grid.")
    return cell_profile(result, int(unit_id), with_time_of_day=_dataset.has_time_of_day)


@st.cache_data(max_entries=32, show_spinner=False)
def unit_incidents(
    _dataset: Dataset, key: AnalysisKey, kind: str, unit_id: int | str
) -> pd.DataFrame:
    """The incidents behind one clicked cell or area (analyst view only; never published)."""
    from hotspots.stats.profiles import INCIDENT_LIST_LIMIT
    from hotspots.stats.profiles import unit_incidents as incidents_of

    return incidents_of(
        analysis(_dataset, key),
        kind,
        unit_id,
        area_of_incident=_dataset.area_of_incident,
        limit=INCIDENT_LIST_LIMIT,
    )


@st.cache_data(max_entries=16, show_spinner="Drawing the printable page…")
def printable(_dataset: Dataset, key: AnalysisKey, title: str, subtitle: str) -> str:
    """The one-page map and table of an analysis (HTML) for a command meeting."""
    from hotspots.maps.printable import printable_page

    return printable_page(analysis(_dataset, key), title=title, subtitle=subtitle)


@st.cache_data(max_entries=48, show_spinner=False)
def headline(_dataset: Dataset, key: AnalysisKey) -> dict[str, Any]:
    """Key figures of an analysis: incidents, cells, hot spots, incidents in hot spots, caveats."""
    from hotspots.export import summary

    result = analysis(_dataset, key)
    hot = summary(result)["hotspots"]
    params = result.params
    out: dict[str, Any] = {
        "selected": int(params["incidents_selected"]),
        "cells": int(params["cells"]),
        "cell_size_m": float(params["cell_size_m"]),
        "cell_size_automatic": bool(params["cell_size_automatic"]),
        "hot_cells": int(hot["hot_cells"]),
        "cold_cells": int(params["coldspot_cells"]),
        "in_hot_cells": int(hot["incidents_in_hot_cells"]),
        "counted": int(hot["incidents_counted"]),
        "areas": None,
        "hot_areas": None,
        "notes": [str(note) for note in params.get("notes", [])],
    }
    if result.areas is not None:
        out["areas"] = len(result.areas)
        out["hot_areas"] = int(result.areas["hotspot"].sum())
        out["in_hot_areas"] = int(result.areas.loc[result.areas["hotspot"], "count"].sum())
        out["counted_areas"] = int(result.areas["count"].sum())
    return out


@st.cache_data(max_entries=48, show_spinner=False)
def selection_profile(_dataset: Dataset, dataset_key: str, filters: Filters) -> Profile:
    """Offense mix, busiest hours and days of every selected incident."""
    from hotspots.stats.profiles import profile_incidents

    return profile_incidents(
        apply_filters(_dataset.incidents, filters), with_time_of_day=_dataset.has_time_of_day
    )
