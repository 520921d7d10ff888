"""What the user has selected — the shared state every page reads.

The sidebar (:mod:`.sidebar`, drawn by ``app.py`` before any page runs) stores a
:class:`Selection` in the session; pages read it with :func:`current_selection` and get
the matching data and analysis with :func:`current_dataset` and :func:`current_analysis`.

How another page (e.g. Publish, Plan outreach) uses it::

    from hotspots.dashboard.selection import current_analysis, current_dataset, current_selection

    selection = current_selection()   # data set key, Filters, units, cell size, alpha, basemap
    dataset = current_dataset()       # Dataset: .incidents, .boundaries, .load (rejects…)
    analysis = current_analysis()     # cached hotspots.analysis.Analysis for that selection
    st.caption(selection.describe())

All three are cheap after the first call (cached); none of them draws anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import streamlit as st

from hotspots.dashboard import cached
from hotspots.dashboard.datasets import TORONTO_KEY, TORONTO_LABEL, Dataset
from hotspots.dashboard.settings import TileSettings, tiles_from_env
from hotspots.errors import InputError
from hotspots.spatial.filters import Filters

if TYPE_CHECKING:
    from hotspots.analysis import Analysis

Unit = Literal["square", "hex", "areas"]
UNIT_LABELS: dict[str, str] = {
    "square": "Square grid",
    "hex": "Hexagons",
    "areas": "Neighbourhoods",
}

#: Session-state keys (the sidebar's widgets use keys starting with ``sb_``).
SELECTION_KEY = "hs.selection"
UPLOADS_KEY = "hs.uploads"
PENDING_DATASET_KEY = "hs.pending_dataset"
CLICKED_KEY = "hs.clicked"


@dataclass(frozen=True)
class AnalysisKey:
    """Everything an analysis depends on (hashable: the cache key)."""

    dataset_key: str
    filters: Filters = field(default_factory=Filters)
    grid: Literal["square", "hex"] = "square"
    cell_size_m: float | None = None
    alpha: float = 0.05


@dataclass(frozen=True)
class Selection:
    """The sidebar's state: which data, which incidents, how to analyze and draw them.

    Attributes
    ----------
    dataset_key : str
        Key of the current :class:`~hotspots.dashboard.datasets.Dataset`.
    filters : Filters
        Offenses, dates, hours and weekdays.
    unit : {"square", "hex", "areas"}
        Units of the map: grid cells or the boundary areas (neighbourhoods).
    cell_size_m : float or None
        Grid cell size in metres; None = automatic (announced on the Method page).
    alpha : float
        False discovery rate for hot and cold spots.
    tiles : TileSettings
        The basemap.
    """

    dataset_key: str = TORONTO_KEY
    filters: Filters = field(default_factory=Filters)
    unit: Unit = "square"
    cell_size_m: float | None = None
    alpha: float = 0.05
    tiles: TileSettings = field(default_factory=tiles_from_env)

    @property
    def grid(self) -> Literal["square", "hex"]:
        """Grid shape of the analysis (neighbourhood maps use the square-grid analysis)."""
        return "hex" if self.unit == "hex" else "square"

    @property
    def analysis_key(self) -> AnalysisKey:
        """The part of the selection an analysis depends on."""
        return AnalysisKey(self.dataset_key, self.filters, self.grid, self.cell_size_m, self.alpha)

    def describe(self) -> str:
        """One line: filters, units and FDR, e.g. for captions and exported files."""
        size = (
            "automatic cell size" if self.cell_size_m is None else f"{self.cell_size_m:g} m cells"
        )
        units = UNIT_LABELS[self.unit] + ("" if self.unit == "areas" else f", {size}")
        return f"{self.filters.describe().capitalize()} · {units} · FDR {self.alpha:g}"


def current_selection() -> Selection:
    """The selection made in the sidebar (defaults before the sidebar has run)."""
    value = st.session_state.get(SELECTION_KEY)
    return value if isinstance(value, Selection) else Selection()


def set_selection(selection: Selection) -> None:
    """Store the sidebar's selection (called by the sidebar only)."""
    st.session_state[SELECTION_KEY] = selection


def available_datasets() -> dict[str, str]:
    """Data sets the user can pick: the bundled one, then this session's uploads (key -> label)."""
    out = {TORONTO_KEY: TORONTO_LABEL}
    out.update({key: ds.label for key, ds in _uploads().items()})
    return out


def get_dataset(key: str) -> Dataset:
    """The data set ``key`` (loading the bundled data on first use).

    Raises
    ------
    HotspotsError
        When the bundled data is missing, or ``key`` is not a data set of this session.
    """
    if key == TORONTO_KEY:
        return cached.toronto()
    uploads = _uploads()
    if key not in uploads:
        raise InputError(
            f"dataset={key!r} is not loaded in this session; upload it again on the Data page."
        )
    return uploads[key]


def current_dataset() -> Dataset:
    """The data set of :func:`current_selection`."""
    return get_dataset(current_selection().dataset_key)


def current_analysis() -> Analysis:
    """The (cached) analysis of the current selection.

    Raises
    ------
    HotspotsError
        E.g. :class:`~hotspots.errors.EmptyDataError` when the filters leave no incident.
    """
    selection = current_selection()
    return cached.analysis(current_dataset(), selection.analysis_key)


def register_upload(dataset: Dataset, *, select: bool = True) -> None:
    """Keep an uploaded data set for this session (and make it current on the next run)."""
    uploads = _uploads()
    uploads[dataset.key] = dataset
    st.session_state[UPLOADS_KEY] = uploads
    if select:
        st.session_state[PENDING_DATASET_KEY] = dataset.key


def remove_upload(key: str) -> None:
    """Forget an uploaded data set (the bundled one stays)."""
    uploads = _uploads()
    uploads.pop(key, None)
    st.session_state[UPLOADS_KEY] = uploads
    if current_selection().dataset_key == key:
        st.session_state[PENDING_DATASET_KEY] = TORONTO_KEY


def take_pending_dataset() -> str | None:
    """The data set a page asked to switch to (once), or None."""
    value: Any = st.session_state.pop(PENDING_DATASET_KEY, None)
    return value if isinstance(value, str) else None


def clicked_unit() -> tuple[str, str, int | str] | None:
    """The unit last clicked on the map: (dataset key, "cell" or "area", id), or None."""
    value = st.session_state.get(CLICKED_KEY)
    return value if isinstance(value, tuple) and len(value) == 3 else None


def unit_of_click(properties: Mapping[str, Any], kind: str) -> int | str | None:
    """The id of a clicked map feature when it is a unit of ``kind`` ("cell" or "area"), else None.

    The map can report a feature of another kind: an area outline under the grid, or the
    last feature clicked before the units changed (streamlit-folium keeps it). Such clicks
    are ignored instead of being read as an id of the wrong kind.
    """
    if properties.get("u") != kind or "id" not in properties:
        return None
    value = properties["id"]
    if kind == "area":
        return value if isinstance(value, str) and value else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def set_clicked_unit(value: tuple[str, str, int | str] | None) -> None:
    """Remember (or forget, with None) the unit clicked on the map."""
    st.session_state[CLICKED_KEY] = value


def _uploads() -> dict[str, Dataset]:
    value = st.session_state.get(UPLOADS_KEY)
    return dict(value) if isinstance(value, dict) else {}
