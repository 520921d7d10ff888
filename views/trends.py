"""Trends: when crime happens — over the weeks and months, by hour of day and day of week."""

from __future__ import annotations

import streamlit as st

from hotspots.dashboard import cached, charts, downloads
from hotspots.dashboard.ui import empty_state, hours_text, page_context

st.title("When crime happens")
selection, dataset = page_context()
st.caption(f"{dataset.label} · {selection.filters.describe().capitalize()}")

if cached.selected_count(dataset, dataset.key, selection.filters) == 0:
    empty_state(selection)

overall = cached.selection_profile(dataset, dataset.key, selection.filters)
a, b, c, d = st.columns(4)
a.metric("Incidents selected", f"{overall.count:,}", border=True)
a_share = float(overall.offense_mix["share"].iloc[0]) if len(overall.offense_mix) else 0.0
b.metric(
    "Most common offense",
    overall.top_offense or "–",
    help=f"{a_share:.0%} of the selected incidents.",
    border=True,
)
c.metric(
    "Busiest hours",
    hours_text(overall.busiest_hours[:2]) if dataset.has_time_of_day else "n/a",
    border=True,
)
d.metric(
    "Busiest day", overall.busiest_weekday or "–" if dataset.has_weekday else "n/a", border=True
)

st.subheader("Incidents over time", divider="gray")
left, right = st.columns([3, 2])
periods = {"week": "Weekly", "month": "Monthly", "quarter": "Quarterly"}
if dataset.load.time_resolution == "month":
    periods.pop("week")  # dates known to the month only
default_period = "month"
period = (
    left.segmented_control(
        "Step",
        options=list(periods),
        format_func=periods.__getitem__,
        default=default_period,
        key="trends_period",
    )
    or default_period
)
by_offense = right.toggle("Stacked by offense", value=True, key="trends_by_offense")
over_time = cached.over_time(dataset, dataset.key, selection.filters, period, by_offense)  # type: ignore[arg-type]
st.altair_chart(charts.over_time(over_time, period=period, stacked=by_offense), width="stretch")
st.download_button(
    "Incidents over time (CSV)",
    data=downloads.later(downloads.csv, over_time),
    file_name=f"incidents_per_{period}.csv",
    mime="text/csv",
    icon=":material/download:",
)

st.subheader("Hour of day × day of week", divider="gray")
if not dataset.has_time_of_day:
    st.info(
        f"This data set gives times only to the {dataset.load.time_resolution}, so incidents cannot be "
        "placed in hours of the day.",
        icon=":material/schedule:",
    )
    st.altair_chart(charts.weekdays(overall.weekday), width="stretch")
else:
    heat = cached.hour_weekday(dataset, dataset.key, selection.filters)
    st.altair_chart(charts.hour_weekday(heat), width="stretch")
    st.caption(
        "Darker cells: more incidents in that hour of that day (local time). Hover for the numbers."
    )
    h1, h2 = st.columns(2)
    with h1:
        st.markdown("**By hour of day**")
        if overall.hourly is not None:
            st.altair_chart(charts.hours(overall.hourly, overall.busiest_hours), width="stretch")
    with h2:
        st.markdown("**By day of week**")
        st.altair_chart(charts.weekdays(overall.weekday), width="stretch")
    st.download_button(
        "Hour × weekday table (CSV)",
        data=downloads.later(downloads.csv, heat),
        file_name="hour_weekday.csv",
        mime="text/csv",
        icon=":material/download:",
    )

st.subheader("Where it concentrates", divider="gray")
curves, numbers = cached.concentration(dataset, selection.analysis_key)
places, cells = numbers["places"], numbers["cells"]
p1, p2, p3 = st.columns(3)
p1.metric(
    "Half of the incidents at",
    "–" if places is None else f"{places.share_for_half:.1%} of places",
    help="Places are distinct incident locations (addresses or, in Toronto's data, the "
    "nearest intersection), ranked by their number of incidents.",
    border=True,
)
p2.metric(
    "Busiest 1% of places hold",
    "–" if places is None else f"{places.top_one_percent:.0%}",
    border=True,
)
p3.metric(
    f"Busiest 1% of {numbers['cell_size_m']:,.0f} m cells hold",
    f"{cells.top_one_percent:.0%}",
    help="Cells are equal, so this is the share of incidents in 1% of the area.",
    border=True,
)
st.altair_chart(charts.concentration(curves), width="stretch")
st.caption(
    "Each line ranks places (or grid cells) from busiest to quietest and adds up their "
    "incidents; the dashed diagonal is crime spread evenly. Research finds about half of "
    "crime at 2–6% of street segments (Weisburd's law of crime concentration)."
)
