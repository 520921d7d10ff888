"""Neighbourhoods: counts, change against the previous period and rates per area."""

from __future__ import annotations

import streamlit as st

from hotspots.dashboard import cached, charts, downloads, tables
from hotspots.dashboard.ui import empty_state, page_context, render_profile

st.title("Neighbourhoods")
selection, dataset = page_context()
st.caption(f"{dataset.label} · {selection.filters.describe().capitalize()}")

if dataset.boundaries is None:
    st.info(
        "This data set has no boundaries. Upload neighbourhood, ward or district polygons with your "
        "incidents on the Data page to count, compare and rank areas.",
        icon=":material/location_city:",
    )
    st.page_link("views/data.py", label="Go to the Data page", icon=":material/upload_file:")
    st.stop()
if cached.selected_count(dataset, dataset.key, selection.filters) == 0:
    empty_state(selection)

key = selection.analysis_key
analysis = cached.analysis(dataset, key)
areas = analysis.areas
if areas is None:  # cannot happen with boundaries; keeps the page safe
    st.stop()
change = cached.area_change(dataset, dataset.key, selection.filters)
frame, config = tables.areas(areas, change, with_population=dataset.has_population)
figures = cached.headline(dataset, key)

a, b, c, d = st.columns(4)
a.metric("Areas", f"{len(areas):,}", border=True)
b.metric(
    "Hot spot areas",
    f"{figures['hot_areas']:,}",
    help="Gi* on the areas (queen contiguity), FDR-corrected.",
    border=True,
)
top = frame.iloc[0]
c.metric(f"Most incidents: {top['Neighbourhood']}", f"{int(top['Incidents']):,}", border=True)
if change is not None and not change.previous_covered:
    d.metric(
        "Change vs previous period",
        "–",
        help="There is no previous period fully covered by the data.",
        border=True,
    )
    st.caption(change.why_not_comparable())
elif change is not None:
    total_now = int(change.table["count"].sum())
    total_before = int(change.table["previous_count"].sum())
    delta = total_now - total_before
    d.metric(
        "Change vs previous period",
        f"{delta:+,}",
        f"{(delta / total_before):+.0%}" if total_before else None,
        delta_color="inverse",
        help=change.describe(),
        border=True,
    )
    st.caption(
        f"Change compares {change.describe()} ({change.days} days each); "
        + (
            "the date filter sets the period."
            if selection.filters.start or selection.filters.end
            else "no date filter is set, so the last 365 days of the data are compared with the 365 before."
        )
    )

left, right = st.columns(2)
with left:
    st.markdown(
        "**Most incidents**"
        if not dataset.has_population
        else "**Highest rate per 1,000 residents**"
    )
    value = "rate_per_1000" if dataset.has_population else "count"
    title = "Per 1,000 residents" if dataset.has_population else "Incidents"
    st.altair_chart(
        charts.top_areas(areas[["name", value]].dropna(), value=value, title=title), width="stretch"
    )
with right:
    if change is not None and change.previous_covered:
        st.markdown("**Largest rises and falls**")
        change_frame = change.table.rename(columns={"unit": "name"})
        st.altair_chart(charts.change(change_frame), width="stretch")

st.subheader("All areas", divider="gray")
st.dataframe(frame, column_config=config, hide_index=True, height=420, key="areas_table")
x, y = st.columns(2)
x.download_button(
    "Table (CSV)",
    data=downloads.later(downloads.csv, frame),
    file_name="neighbourhoods.csv",
    mime="text/csv",
    icon=":material/download:",
    width="stretch",
)
y.download_button(
    "Areas with statistics (GeoJSON)",
    data=lambda: downloads.geojson(areas, downloads.AREA_COLUMNS),
    file_name="neighbourhoods.geojson",
    mime="application/geo+json",
    icon=":material/download:",
    width="stretch",
)

st.subheader("Profile of one area", divider="gray")
names = list(frame["Neighbourhood"])
chosen = st.selectbox("Area", options=names, index=0, key="areas_profile")
if chosen:
    render_profile(cached.profile(dataset, key, "area", chosen), title=chosen)
