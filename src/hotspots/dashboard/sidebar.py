"""The shared sidebar: data set, filters, units, cell size, alpha and basemap.

``app.py`` draws it before any page runs, so every page sees the same
:class:`~.selection.Selection` (read it with :func:`~.selection.current_selection`).
Widget keys start with ``sb_``; filter widgets carry the data set key, so each data set
keeps its own filters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import MutableMapping
from typing import Any, cast

import streamlit as st

from hotspots.dashboard import map_view, url_state
from hotspots.dashboard import selection as sel
from hotspots.dashboard.datasets import TORONTO_KEY, Dataset
from hotspots.dashboard.map_layers import MEASURES
from hotspots.dashboard.settings import (
    ALPHAS,
    AUTOMATIC_CELL_SIZE,
    CELL_SIZES_M,
    NO_TILES,
    OSM_ATTRIBUTION,
    OSM_TILES_URL,
    TileSettings,
    tiles_from_env,
)
from hotspots.errors import HotspotsError
from hotspots.spatial.filters import WEEKDAY_NAMES, Filters

BASEMAPS = ("default", "osm", "none", "custom")


def render_sidebar(*, page: str = "", controls: bool = True) -> sel.Selection | None:
    """Draw the sidebar and store the selection; None when no data set can be loaded.

    ``page`` is the URL path of the page about to run (the map's view in the URL survives
    a change of page: see :func:`hotspots.dashboard.map_view.kept_view`). Every widget
    takes its value from the session (its key's default is written there first), so the
    selection is read from the session after the widgets: ``controls=False`` gives the same
    selection without drawing them (a session's first paint, :mod:`.first_paint`).
    """
    # A link restores its view once, when the session starts (see url_state).
    from_link = not st.session_state.get(url_state.READ_KEY)
    params = {k: st.query_params[k] for k in st.query_params} if from_link else {}
    with st.sidebar:
        datasets = sel.available_datasets()
        if params.get("data") in datasets:
            st.session_state["sb_dataset"] = params["data"]
        pending = sel.take_pending_dataset()
        if pending in datasets:
            st.session_state["sb_dataset"] = pending
        if st.session_state.get("sb_dataset") not in datasets:
            st.session_state["sb_dataset"] = next(iter(datasets))
        if controls:
            st.selectbox(
                "Data set",
                options=list(datasets),
                format_func=lambda k: datasets[k],
                key="sb_dataset",
            )
        key = str(st.session_state["sb_dataset"])
        try:
            dataset = sel.get_dataset(key)
        except HotspotsError as exc:
            st.error(exc.render("app"))
            st.info("Upload your own incidents on the **Data** page.")
            return None
        unit_options = ["square", "hex"] + (["areas"] if dataset.boundaries is not None else [])
        if params:
            st.session_state.update(
                url_state.state_from_params(
                    params,
                    dataset_key=key,
                    offenses=list(dataset.offenses),
                    first_day=dataset.first_day,
                    last_day=dataset.last_day,
                    units=unit_options,
                    cell_sizes=CELL_SIZES_M,
                    alphas=ALPHAS,
                    measures=list(MEASURES),
                )
            )
        st.session_state[url_state.READ_KEY] = True
        _widget_defaults(dataset, unit_options)
        if controls:
            _widgets(dataset, unit_options)

    selection = _selection(dataset)
    sel.set_selection(selection)
    # The view in the address bar, so that a link reproduces it.
    link = url_state.params_from_state(
        {k: st.session_state[k] for k in st.session_state},
        dataset_key=key,
        default_dataset=TORONTO_KEY,
        defaults=_filter_defaults(dataset),
    )
    # The map's zoom and centre: the map writes them (map_view); kept while the data set stays.
    state = cast("MutableMapping[str, Any]", st.session_state)
    link.update(map_view.kept_view(state, st.query_params, dataset_key=key, page=page))
    st.query_params.from_dict(link.items())
    return selection


def _widget_defaults(dataset: Dataset, unit_options: list[str]) -> None:
    """Write each sidebar widget's value into the session where it has none (or an invalid one).

    The widgets take their values from there (no ``value=`` arguments), so Reset filters
    can write the defaults back and the browser shows them (popping the keys would reset
    the numbers but leave the old choices on screen).
    """
    for name, value in _filter_defaults(dataset).items():
        st.session_state.setdefault(name, value)
    if st.session_state.get("sb_unit") not in unit_options:
        st.session_state["sb_unit"] = "square"
    if st.session_state.get("sb_cell_size") not in CELL_SIZES_M:
        st.session_state["sb_cell_size"] = AUTOMATIC_CELL_SIZE
    if st.session_state.get("sb_alpha") not in ALPHAS:
        st.session_state["sb_alpha"] = 0.05
    if st.session_state.get("sb_tiles") not in BASEMAPS:
        st.session_state["sb_tiles"] = "default"


def _widgets(dataset: Dataset, unit_options: list[str]) -> None:
    """The sidebar's widgets below the data set, each bound to its session key."""
    key = dataset.key
    n = len(dataset.columns)
    st.caption(f"{n:,} incidents · {dataset.first_day:%b %Y} – {dataset.last_day:%b %Y}")
    st.subheader("Filters", divider="gray")
    _filter_widgets(dataset)
    st.button(
        "Reset filters",
        key=f"sb_reset_{key}",
        on_click=_reset_filters,
        args=(_filter_defaults(dataset),),
        width="stretch",
    )

    st.subheader("Analysis", divider="gray")
    unit = st.radio(
        "Units",
        options=unit_options,
        format_func=lambda u: sel.UNIT_LABELS[u],
        key="sb_unit",
        horizontal=True,
        help="Count incidents in grid cells (squares or hexagons) or in the neighbourhoods.",
    )
    st.selectbox(
        "Cell size",
        options=list(CELL_SIZES_M),
        format_func=lambda s: "Automatic" if s == AUTOMATIC_CELL_SIZE else f"{s:,} m",
        key="sb_cell_size",
        disabled=unit == "areas",
        help="Side of a square (distance between hexagon centres). Automatic: about 50 cells "
        "across the shorter side of the area, rounded to 100 m.",
    )
    st.select_slider(
        "False discovery rate",
        options=list(ALPHAS),
        format_func=lambda a: f"{a:.0%}",
        key="sb_alpha",
        help="At most this share of the cells called hot or cold spots are expected to be "
        "false alarms (Benjamini–Hochberg correction).",
    )
    _basemap_widgets()


def _selection(dataset: Dataset) -> sel.Selection:
    """The selection the sidebar's session values describe (after :func:`_widget_defaults`)."""
    state = st.session_state
    cell_size = state["sb_cell_size"]
    return sel.Selection(
        dataset_key=dataset.key,
        filters=_filters(dataset),
        unit=state["sb_unit"],
        cell_size_m=float(cell_size) if cell_size else None,
        alpha=float(state["sb_alpha"]),
        tiles=_tiles(),
    )


def _filter_defaults(dataset: Dataset) -> dict[str, object]:
    """Session-state key -> value of every filter widget of ``dataset`` when nothing is filtered."""
    key = dataset.key
    return {
        f"sb_dates_{key}": (dataset.default_first_day, dataset.last_day),
        f"sb_offenses_{key}": [],
        f"sb_hours_{key}": (0, 23),
        f"sb_overnight_{key}": False,
        f"sb_weekdays_{key}": [],
    }


def _filter_widgets(dataset: Dataset) -> None:
    key = dataset.key
    first, last = dataset.first_day, dataset.last_day
    st.date_input(
        "Dates",
        min_value=first,
        max_value=last,
        key=f"sb_dates_{key}",
        format="YYYY-MM-DD",
        help=f"First and last day to include. The data starts on {first:%Y-%m-%d}; the default "
        "starts at the first month with a regular flow of records (older ones were reported late).",
    )
    st.multiselect(
        "Offenses",
        options=list(dataset.offenses),
        key=f"sb_offenses_{key}",
        placeholder="All offenses",
    )
    st.slider(
        "Hours of the day",
        min_value=0,
        max_value=23,
        key=f"sb_hours_{key}",
        disabled=not dataset.has_time_of_day,
        help="From the first to the last hour, inclusive."
        if dataset.has_time_of_day
        else "This data set has no time of day.",
    )
    st.checkbox(
        "Across midnight",
        key=f"sb_overnight_{key}",
        disabled=not dataset.has_time_of_day,
        help="Select the night instead: with 06–21 and this box ticked, 21:00 to 06:59.",
    )
    st.pills(
        "Days of the week",
        options=list(range(7)),
        format_func=lambda d: WEEKDAY_NAMES[d][:3],
        selection_mode="multi",
        key=f"sb_weekdays_{key}",
        disabled=not dataset.has_weekday,
        help="None selected means every day.",
    )


def _filters(dataset: Dataset) -> Filters:
    """The filters the session's filter values describe."""
    key = dataset.key
    state = st.session_state
    start, end = _date_range(state[f"sb_dates_{key}"], dataset.first_day, dataset.last_day)
    offenses = state[f"sb_offenses_{key}"]
    hours = state[f"sb_hours_{key}"]
    overnight = bool(state[f"sb_overnight_{key}"])
    weekdays = state[f"sb_weekdays_{key}"]
    # A range slider: its session value (set above) is a pair of hours.
    first_hour, last_hour = (hours, hours) if isinstance(hours, int) else map(int, hours)
    hour_range: tuple[int, int] | None = None
    if dataset.has_time_of_day and (first_hour, last_hour) != (0, 23):
        hour_range = (last_hour, first_hour) if overnight else (first_hour, last_hour)
    days = tuple(sorted(int(d) for d in (weekdays or [])))
    return Filters(
        offenses=tuple(offenses) if offenses else None,
        start=start,
        end=end,
        hours=hour_range,
        weekdays=days if dataset.has_weekday and days and len(days) < 7 else None,
    )


def _date_range(value: object, first: dt.date, last: dt.date) -> tuple[str | None, str | None]:
    """(start, end) strings for Filters; None where the range reaches the data's own ends."""
    items: list[object] = list(value) if isinstance(value, list | tuple) else [value]
    picked: list[dt.date] = [d for d in items if isinstance(d, dt.date)]
    if not picked:
        return None, None
    start = picked[0]
    end = picked[1] if len(picked) > 1 else last
    return (None if start <= first else start.isoformat()), (
        None if end >= last else end.isoformat()
    )


def _reset_filters(defaults: dict[str, object]) -> None:
    """Write the unfiltered defaults into the filter widgets (the browser shows them too)."""
    for name, value in defaults.items():
        st.session_state[name] = value


def _tiles() -> TileSettings:
    """The basemap the session's values choose (an own tile server once its URL is usable)."""
    choice = st.session_state["sb_tiles"]
    if choice == "osm":
        return TileSettings(url=OSM_TILES_URL, attribution=OSM_ATTRIBUTION)
    if choice == "none":
        return TileSettings(url=NO_TILES, attribution="")
    if choice == "custom":
        url = _custom_tiles_url()
        attribution = str(st.session_state.get("sb_tiles_attr") or "").strip()
        return TileSettings(url=url or NO_TILES, attribution=attribution if url else "")
    return tiles_from_env()


def _custom_tiles_url() -> str:
    """The own tile server's URL when it has {z}, {x} and {y}; else ""."""
    url = str(st.session_state.get("sb_tiles_url") or "").strip()
    return url if url and all(part in url for part in ("{z}", "{x}", "{y}")) else ""


def _basemap_widgets() -> None:
    labels = {
        "default": f"Default ({tiles_from_env().label})",
        "osm": "OpenStreetMap",
        "none": "No basemap (offline)",
        "custom": "Own tile server",
    }
    with st.expander("Basemap"):
        choice = st.radio(
            "Tiles", options=list(BASEMAPS), format_func=labels.__getitem__, key="sb_tiles"
        )
        if choice == "custom":
            st.text_input(
                "Tile URL",
                key="sb_tiles_url",
                placeholder="https://tiles.example.org/{z}/{x}/{y}.png",
            )
            st.text_input("Attribution", key="sb_tiles_attr", placeholder="© My agency")
            if not _custom_tiles_url():
                st.caption("Enter a URL with {z}, {x} and {y}; until then no basemap is drawn.")
        else:
            st.caption("Without tiles the neighbourhood outlines give the context.")
