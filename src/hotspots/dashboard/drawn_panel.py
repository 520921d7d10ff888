"""The Map page's "Selected area" panel: what happens inside the area drawn on the map.

Draws with Streamlit, computes nothing: the area comes from :mod:`.drawing` (the session's
shape, checked by :mod:`hotspots.spatial.drawn`) and its numbers from the cached
:func:`.drawing.summary` (:func:`hotspots.stats.area_summary.summarise_area`).
"""

from __future__ import annotations

import math

import streamlit as st

from hotspots.dashboard import drawing
from hotspots.dashboard.datasets import Dataset
from hotspots.dashboard.selection import Selection
from hotspots.dashboard.ui import incidents_text, render_incident_list, render_profile
from hotspots.errors import HotspotsError
from hotspots.spatial.drawn import MAX_RADIUS_M, DrawnArea

#: Session-key prefix under which widget values survive visits to other pages.
_MEMORY = "hs.keep."
_HOW = (
    "Use the tools at the top left of the map: draw a **polygon** or a **rectangle**, a "
    "**circle**, or click a **point** for a buffer of the radius below. One area at a time; "
    "the pencil changes it, the bin deletes it. The sidebar's filters apply."
)


def render_drawn_area(dataset: Dataset, selection: Selection) -> None:
    """The drawn area's profile, trend, change, incident list, download and Evaluate hand-over."""
    st.subheader("Selected area", divider="gray")
    feature = drawing.current_feature(dataset.key)
    controls, typed = st.columns([1, 2], gap="medium")
    _restore(drawing.RADIUS_KEY, drawing.DEFAULT_RADIUS_M)
    radius = controls.number_input(
        "Buffer radius for a clicked point (m)",
        min_value=10,
        max_value=int(MAX_RADIUS_M),
        step=50,
        key=drawing.RADIUS_KEY,
        help="Distances are straight lines in metres, measured in the data's map projection.",
    )
    _remember(drawing.RADIUS_KEY)
    with typed.expander("Or type the point's latitude and longitude"):
        (south, west), (north, east) = dataset.bounds
        a, b, c = st.columns([2, 2, 1], vertical_alignment="bottom")
        lat = a.number_input(
            "Latitude", value=round((south + north) / 2, 5), format="%.5f", key="map_point_lat"
        )
        lon = b.number_input(
            "Longitude", value=round((west + east) / 2, 5), format="%.5f", key="map_point_lon"
        )
        point = {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
        }
        c.button(
            "Use",
            key="map_point_use",
            on_click=drawing.set_feature,
            args=(dataset.key, point),
            help="A buffer of the radius on the left around this point (shown on the map).",
        )
    if feature is None:
        st.caption(_HOW)
        return
    try:
        area = drawing.current_area(dataset, radius_m=float(radius))
    except HotspotsError as exc:
        st.warning(exc.render("app"), icon=":material/draw:")
        _clear_button()
        return
    assert area is not None  # a feature is stored
    _restore(drawing.OPEN_KEY, True)
    box = st.expander(
        "Profile, trend and change of the area",  # one label: a new one would close it
        icon=":material/draw:",
        key=drawing.OPEN_KEY,
        on_change="rerun",  # drawn only while open: no charts on every run once closed
    )
    _remember(drawing.OPEN_KEY)
    with box:
        if box.open:
            _summary(dataset, selection, area)
    if not box.open:
        _clear_button()


def _restore(key: str, default: object) -> None:
    """Give widget ``key`` its value from before a visit to another page (Streamlit drops
    the state of widgets a page does not draw)."""
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(_MEMORY + key, default)


def _remember(key: str) -> None:
    st.session_state[_MEMORY + key] = st.session_state.get(key)


def _summary(dataset: Dataset, selection: Selection, area: DrawnArea) -> None:
    result = drawing.summary(dataset, area, selection.analysis_key, area.key)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        render_profile(result.profile, title=area.name)
    with right:
        st.markdown("#### Over time")
        st.metric("Area", f"{area.area_km2:,.2f} km²")
        if result.trend is not None:
            st.markdown(
                f"**Trend of the monthly counts:** {result.trend.describe(alpha=selection.alpha)}"
            )
        else:
            st.caption("Too few months (or no incident) for a trend test.")
        _change(result.change)
        with st.expander(f"The {incidents_text(result.count)} inside (analysts only)"):
            render_incident_list(result.incidents, total=result.count, key="map_drawn_incidents")
        # Deferred (made on the click): a file sent with the page is checked by the browser
        # at once, and a rerun in between (drawing reruns the page) left that check a 404.
        st.download_button(
            "The area (GeoJSON)",
            data=area.geojson,
            file_name="drawn_area.geojson",
            mime="application/geo+json",
            icon=":material/download:",
            key="map_drawn_geojson",
            help="The outline only (no incidents), in longitude/latitude.",
        )
        st.markdown("**Evaluate an intervention here**")
        for column, role, help_text in zip(
            st.columns(2),
            ("target", "control"),
            (
                "The Evaluate page compares this area before and after, against a control.",
                "A comparison area like the target where nothing was done.",
            ),
            strict=True,
        ):
            column.button(
                f"Use as {role}",
                key=f"map_drawn_{role}",
                on_click=drawing.use_for,
                args=(role, dataset.key, area),
                help=help_text,
                width="stretch",
            )
        chosen = [
            role
            for role in ("target", "control")
            if (held := drawing.area_for(role, dataset.key)) is not None and held.key == area.key
        ]
        if chosen:
            st.page_link(
                "views/evaluate.py",
                label=f"Open Evaluate (this area is the {' and '.join(chosen)})",
                icon=":material/fact_check:",
            )
        _clear_button()


def _change(change: object) -> None:
    from hotspots.stats.area_summary import AREA_UNIT
    from hotspots.stats.trends import PeriodChange

    if not isinstance(change, PeriodChange):
        st.caption("No incident to compare with a previous period.")
        return
    if not change.previous_covered:
        st.caption(change.why_not_comparable())
        return
    row = change.table.set_index("unit").loc[AREA_UNIT]
    pct = float(row["change_pct"])
    st.metric(
        "Change vs the period before",
        f"{int(row['change']):+,}",
        delta=None if math.isnan(pct) else f"{pct:+.0f}%",
        delta_color="inverse",
        help=f"{change.describe()}: {int(row['count']):,} against {int(row['previous_count']):,}.",
    )
    st.caption(f"{change.describe()}.")


def _clear_button() -> None:
    st.button(
        "Clear the area",
        key="map_drawn_clear",
        on_click=drawing.clear_feature,
        icon=":material/delete:",
    )
