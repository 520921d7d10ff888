"""Plan outreach: where do k outreach sites put the most incidents within reach?"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from hotspots.dashboard import cached, downloads, outreach
from hotspots.dashboard.page_map import show_map
from hotspots.dashboard.ui import empty_state, page_context
from hotspots.dashboard.uploads import Upload, friendly_error
from hotspots.errors import HotspotsError
from hotspots.outreach.fairness import FairnessInfeasibleError
from hotspots.outreach.from_analysis import default_title

T = TypeVar("T")

st.title("Plan outreach")
selection, dataset = page_context()
st.caption(f"{dataset.label} · {selection.describe()}")
if cached.selected_count(dataset, dataset.key, selection.filters) == 0:
    empty_state(selection)
st.markdown(
    "Choose **k** sites for outreach — community meetings, outreach workers, partner "
    "programmes — so that as many of the selected incidents as possible lie within a "
    "walking or service radius of a site. The choice is **exact** (a maximal covering "
    "problem solved to proven optimality), and the curve shows what one more site adds."
)

has_areas = dataset.boundaries is not None
DEMAND_LABELS = {
    "incidents": "Every selected incident",
    "hotspots": "Only incidents in significant hot spot cells",
    "forecast": "Incidents expected in the next 12 months (forecast)",
}
SOURCE_LABELS = {
    "neighbourhoods": "Neighbourhood centres",
    "hotspots": "Hot spot cell centres",
    "upload": "Upload partner locations",
}


def optional_upload(
    file: UploadedFile | None, *, read: Callable[[Upload, str], T], what: str
) -> tuple[T | None, str | None]:
    """An optional uploaded file: what ``read`` makes of it and its digest, or an error in place."""
    if file is None:
        return None, None
    upload = Upload(file.name, file.getvalue())
    try:
        return read(upload, upload.digest), upload.digest
    except Exception as exc:
        st.error(friendly_error(exc, what=what), icon=":material/error:")
        return None, None


choices = st.container(border=True)
demand_col, sites_col, plan_col = choices.columns(3, gap="medium")

with demand_col:
    demand = st.radio(
        "Demand to cover",
        options=list(DEMAND_LABELS),
        format_func=DEMAND_LABELS.__getitem__,
        key="po_demand",
        help="The incidents of the sidebar's selection (period, offenses, hours, days).",
    )
    if demand == "forecast":
        st.caption(
            "Where incidents are expected in the 12 months after the selection's last day: "
            "the backtested forecast of the Forecast page on 100 m cells (offense weights do "
            "not apply; the first run takes up to a minute)."
        )
    offenses = list(selection.filters.offenses or dataset.offenses)
    weights: dict[str, float] = {}
    with st.expander("Weigh offenses", icon=":material/balance:"):
        st.caption("An incident counts as its offense's weight; 0 leaves the offense out.")
        for offense in offenses:
            weights[offense] = float(
                st.number_input(
                    offense,
                    min_value=0.0,
                    max_value=100.0,
                    value=1.0,
                    step=0.5,
                    key=f"po_weight_{offense}",
                )
            )

with sites_col:
    sources = [s for s in SOURCE_LABELS if has_areas or s != "neighbourhoods"]
    source = st.radio(
        "Candidate sites",
        options=sources,
        format_func=SOURCE_LABELS.__getitem__,
        key="po_candidates",
        help="Where a site could be: automatic centres, or your partners' locations "
        "(community centres, schools, NGOs, places of worship) as CSV with lat/lon, GeoJSON, "
        "GeoPackage, KML or zipped Shapefile.",
    )
    uploaded_sites = None
    candidates_key = source
    if source == "upload":
        file = st.file_uploader(
            "Partner locations", type=list(outreach.SITE_EXTENSIONS), key="po_sites_file"
        )
        if file is None:
            st.info("Choose a file of partner locations to plan with.", icon=":material/upload:")
            st.stop()
        upload = Upload(file.name, file.getvalue())
        try:
            uploaded_sites = outreach.site_file(upload, upload.digest)
        except Exception as exc:
            st.error(friendly_error(exc, what="sites file"), icon=":material/error:")
            st.stop()
        candidates_key = f"upload:{upload.digest}"
    with st.expander("Existing sites that must stay", icon=":material/home_pin:"):
        existing_sites, existing_key = optional_upload(
            st.file_uploader(
                "Existing sites (always kept)",
                type=list(outreach.SITE_EXTENSIONS),
                key="po_existing_file",
            ),
            read=outreach.site_file,
            what="existing-sites file",
        )
    with st.expander("Street names for the sites (optional)", icon=":material/signpost:"):
        streets, streets_key = optional_upload(
            st.file_uploader(
                "Streets or places (lines or points with a name column)",
                type=list(outreach.SITE_EXTENSIONS),
                key="po_streets_file",
                help="E.g. your city's street centreline file: each chosen site then gets its "
                "nearest street and the distance. Nothing leaves this computer.",
            ),
            read=outreach.streets_file,
            what="streets file",
        )
        if streets is not None:
            st.caption(f"{len(streets):,} named streets or places.")
    for label, frame in (("partner", uploaded_sites), ("existing", existing_sites)):
        rejects = None if frame is None else frame.attrs.get("rejects")
        if rejects is not None and len(rejects):
            st.warning(
                f"{len(rejects):,} {label} site(s) have no usable location and are left out.",
                icon=":material/warning:",
            )
            st.dataframe(rejects, hide_index=True, height=150)

inputs_key = outreach.InputsKey(
    analysis=selection.analysis_key,
    demand=demand,  # type: ignore[arg-type]
    candidates=candidates_key,
    existing=existing_key,
    offense_weights=outreach.weights_key(weights),
)
try:
    inputs = outreach.dataset_inputs(dataset, uploaded_sites, existing_sites, inputs_key)
except HotspotsError as exc:
    st.error(exc.render("app"), icon=":material/error:")
    st.stop()
n_candidates = len(inputs.candidates)

with plan_col:
    radius_m = float(
        st.number_input(
            "Service radius (metres, straight line)",
            min_value=100,
            max_value=10_000,
            value=1_000,
            step=100,
            key="po_radius",
            help="A site covers the incidents within this distance. 800 m is about a 10-minute walk.",
        )
    )
    suggested = outreach.default_k(inputs, inputs_key, radius_m)
    # A new set of candidates gets its own suggestion (not "all of them").
    if st.session_state.get("po_k_for") != candidates_key or not (
        1 <= int(st.session_state.get("po_k", 0)) <= n_candidates
    ):
        st.session_state["po_k"] = suggested
        st.session_state["po_k_for"] = candidates_key
    k = int(
        st.number_input(
            "Number of sites (k)",
            min_value=1,
            max_value=n_candidates,
            step=1,
            key="po_k",
            help=f"Existing sites count towards k. {n_candidates:,} candidate sites. "
            f"Suggested: {suggested}, the sites that each add at least 1% of the demand.",
        )
    )
    existing_names = set(inputs.candidates["name"].iloc[list(inputs.existing)])
    fixed = st.multiselect(
        "Sites that must be chosen",
        options=[n for n in inputs.candidates["name"].astype(str) if n not in existing_names],
        key="po_fixed",
    )
    min_share_percent = st.slider(
        "Cover at least this share of every neighbourhood",
        min_value=0,
        max_value=100,
        value=0,
        step=5,
        format="%d%%",
        key="po_min_share",
        disabled=not inputs.has_areas,
        help="0 = no minimum. Needs neighbourhood boundaries. The plan then serves every "
        "neighbourhood, usually at some cost in total coverage.",
    )
    quick = st.toggle(
        "Quick greedy choice (not proven optimal)",
        key="po_greedy",
        disabled=min_share_percent > 0,
    )
    curve_k = int(
        st.number_input(
            "Coverage curve up to k =",
            min_value=0,
            max_value=min(50, n_candidates),
            value=min(15, n_candidates),
            key="po_curve_k",
            help="0: no curve. The curve solves one plan per k.",
        )
    )

choice = outreach.PlanKey(
    k=k,
    radius_m=radius_m,
    fixed=tuple(fixed),
    method="greedy" if quick and min_share_percent == 0 else "exact",
    min_share_per_area=min_share_percent / 100 if min_share_percent > 0 else None,
)
try:
    plan = outreach.plan(inputs, inputs_key, choice)
except FairnessInfeasibleError as exc:
    st.error(exc.render("app"), icon=":material/balance:")
    if len(exc.diagnosis):
        st.dataframe(exc.diagnosis, hide_index=True)
    st.stop()
except HotspotsError as exc:
    st.error(exc.render("app"), icon=":material/error:")
    st.stop()
reach = outreach.reach(inputs, plan, inputs_key, choice)

share_col, incidents_col, hot_col, areas_col = st.columns(4)
share_col.metric(
    "Demand covered",
    f"{plan.share:.1%}",
    border=True,
    help=f"Share of the {inputs.demand_label} within {radius_m:,.0f} m of a chosen site.",
)
incidents_col.metric(
    f"Incidents covered (of {reach.incidents_total:,})",
    f"{reach.incidents_covered:,}",
    border=True,
    help="Selected incidents within the radius of a chosen site, each counted once.",
)
hot_col.metric(
    "Hot spot cells reached",
    f"{reach.hotspot_cells_covered:,} of {reach.hotspot_cells_total:,}",
    border=True,
    help="Significant hot spot cells (Gi*, FDR) whose centre is within the radius of a site.",
)
areas_col.metric(
    "Neighbourhoods reached",
    f"{reach.areas_reached:,} of {reach.areas_total:,}" if reach.areas_total else "–",
    border=True,
    help="Neighbourhoods with some covered demand.",
)
st.caption(
    f"{plan.k} sites, {radius_m:,.0f} m service radius, candidates: "
    f"{inputs.parameters.get('candidates_note') or f'{n_candidates:,} sites'}, "
    f"demand: {inputs.demand_label} ({plan.n_demand_points:,} demand points). "
    f"Method: {plan.method} — {plan.status_text}. Distances: {plan.distance_note}."
)

curve = None
if curve_k > 0:
    curve = outreach.curve(
        inputs,
        inputs_key,
        curve_k,
        radius_m,
        tuple(fixed),
        "greedy" if quick else "both",
    )

map_col, side_col = st.columns([7, 3], gap="medium")
with map_col:
    units = cached.unit_layer(dataset, selection.analysis_key, "cell", "gi")
    # The base map stays for the data set; a new plan swaps its layers in place.
    show_map(
        selection,
        dataset,
        key="outreach_map",
        layers=outreach.plan_layers(plan, reach, units=units),
        returned_objects=[],
        view_key=f"outreach-view-{dataset.key}",
    )
    st.caption(
        "Numbered markers: chosen sites by rank (squares: existing or fixed); circles: their "
        "service areas; white dots: candidates not chosen; cells coloured by Gi* hot spot "
        "confidence. Hover a site for what it covers."
    )
with side_col:
    st.markdown("#### Coverage by number of sites")
    if curve is not None:
        st.altair_chart(outreach.curve_chart(curve, k=k), width="stretch")
        st.caption(outreach.curve_summary(curve))
    else:
        st.caption("Set the coverage curve's k above 0 to see the diminishing returns.")

st.subheader("Chosen sites", divider="gray")
context = outreach.context(inputs, plan, streets, inputs_key, choice, streets_key)
frame, config = outreach.sites_display(
    plan, reach, context, weighted=inputs.demand_label.startswith("weighted")
)
st.dataframe(frame, column_config=config, hide_index=True, key="po_sites_table")
st.caption(inputs.context_note(context))

if len(plan.by_area):
    st.subheader("Coverage by neighbourhood", divider="gray")
    st.caption("Worst covered first: who the plan leaves out.")
    areas_frame, areas_config = outreach.areas_display(plan)
    st.dataframe(
        areas_frame, column_config=areas_config, hide_index=True, height=300, key="po_areas_table"
    )

st.markdown("**Download the plan**")
title = st.text_input("Briefing title", value=default_title(plan), key="po_title")
csv_bytes, geojson_bytes = outreach.downloads(plan, reach, context)
a, b, c, d = st.columns(4)
a.download_button(
    "Sites (CSV)",
    data=downloads.ready(csv_bytes),
    file_name="sites.csv",
    mime="text/csv",
    icon=":material/download:",
    width="stretch",
)
b.download_button(
    "Sites (GeoJSON)",
    data=downloads.ready(geojson_bytes),
    file_name="sites.geojson",
    mime="application/geo+json",
    icon=":material/download:",
    width="stretch",
)
curve_key = None if curve is None else (curve_k, radius_m, tuple(fixed), quick)
c.download_button(
    "One-page briefing (HTML)",
    data=lambda: outreach.briefing(
        inputs, plan, curve, context, inputs_key, choice, curve_key, streets_key, title
    ).encode("utf-8"),
    file_name="briefing.html",
    mime="text/html",
    icon=":material/print:",
    width="stretch",
    help="A printable page: map, coverage curve, sites and worst-covered neighbourhoods.",
)
d.download_button(
    "Plan (plan.json)",
    data=lambda: outreach.plan_download(inputs, plan, reach, curve, context),
    file_name="plan.json",
    mime="application/json",
    icon=":material/data_object:",
    width="stretch",
    help="Every parameter and site; upload it on the Evaluate page later to ask whether it worked.",
)
