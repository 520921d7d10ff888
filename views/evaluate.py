"""Evaluate: did crime fall where we acted, relative to a control?"""

from __future__ import annotations

from typing import Any

import streamlit as st

from hotspots.dashboard import cached, downloads, drawing
from hotspots.dashboard import evaluate as ev_ui
from hotspots.dashboard.ui import page_context
from hotspots.dashboard.uploads import Upload, friendly_error
from hotspots.errors import HotspotsError
from hotspots.evaluate.report import map_svg, series_svg


def _uploaded_area(label: str, key: str, what: str) -> tuple[Any, str]:
    """The uploaded file read as a plan or areas, and its digest; stops the page without one."""
    file = st.file_uploader(label, type=list(ev_ui.AREA_EXTENSIONS), key=key)
    if file is None:
        st.info(f"Choose {what}.", icon=":material/upload:")
        st.stop()
    upload = Upload(file.name, file.getvalue())
    try:
        return ev_ui.area_file(upload, upload.digest), upload.digest
    except Exception as exc:
        st.error(friendly_error(exc, what=what), icon=":material/error:")
        st.stop()
    raise AssertionError("unreachable: st.stop() ends the run")


def _drawn_area(role: drawing.Role) -> tuple[Any, str]:
    """The area handed over from the Map page as ``role``, and its key; stops the page without one."""
    chosen = drawing.area_for_evaluation(role, dataset.key)
    if chosen is None:
        st.info(
            f"Draw an area on the Map page and press **Use as {role}** under it.",
            icon=":material/draw:",
        )
        st.page_link("views/map.py", label="Open the Map page", icon=":material/map:")
        st.stop()
        raise AssertionError("unreachable: st.stop() ends the run")
    st.caption(chosen[2])
    return chosen[0], chosen[1]


st.title("Evaluate")
selection, dataset = page_context()
st.caption(f"{dataset.label} · offenses: {', '.join(selection.filters.offenses or ['all'])}")
st.markdown(
    "Compare incidents in the **target** (where you acted) with a **control** that shows "
    "what would likely have happened anyway, before and after, and look for crime pushed "
    "into the **buffer** around the target. The answer reads *consistent with* a change "
    "relative to the control — never proof that the intervention caused it."
)

TARGET_LABELS = {
    "hotspots": "Hot spot cells of the current selection",
    "upload": "Upload a plan.json or areas",
    "drawn": "The area drawn on the Map page",
}
CONTROL_LABELS = {
    "auto": "Matched automatically",
    "upload": "Upload control areas",
    "drawn": "The area drawn on the Map page",
}
for role in drawing.take_pending_choices():  # "Use as target/control" on the Map page
    st.session_state[f"ev_{role}_source"] = "drawn"
choices = st.container(border=True)
target_col, periods_col, control_col = choices.columns(3, gap="medium")

target: Any
with target_col:
    source = st.radio(
        "Target",
        options=list(TARGET_LABELS),
        format_func=TARGET_LABELS.__getitem__,
        key="ev_target_source",
        help="A plan.json (from `hotspots plan` or the Plan outreach page's download), its "
        "sites.geojson (circles of their service radius), or target polygons (GeoJSON, "
        "GeoPackage, KML, zipped Shapefile).",
    )
    if source == "upload":
        target, digest = _uploaded_area(
            "plan.json or target areas", "ev_target_file", "a plan.json or a file of target areas"
        )
        target_key = f"areas:{digest}"
    elif source == "drawn":
        target, target_key = _drawn_area("target")
    else:
        target = cached.analysis(dataset, selection.analysis_key)
        target_key = f"hotspots:{selection.analysis_key}"
    buffer_m = float(
        st.number_input(
            "Displacement buffer (metres)",
            min_value=0,
            max_value=2_000,
            value=400,
            step=50,
            key="ev_buffer",
            help="A ring this wide around the target, where displaced crime would show. 0: none.",
        )
    )

with periods_col:
    months = ev_ui.months(dataset, dataset.key)
    default_before, default_after = ev_ui.default_periods(months)
    before = st.select_slider("Before", options=months, value=default_before, key="ev_before")
    after = st.select_slider("After", options=months, value=default_after, key="ev_after")
    st.caption("Whole months. Leave a gap between them for the months of setting up.")

control: Any = "auto"
with control_col:
    control_source = st.radio(
        "Control",
        options=list(CONTROL_LABELS),
        format_func=CONTROL_LABELS.__getitem__,
        key="ev_control_source",
        help="Automatic: 500 m cells away from target and buffer with the target's level and "
        "trend before the intervention; the matching is shown below.",
    )
    control_key = "auto"
    if control_source == "upload":
        control, digest = _uploaded_area("Control areas", "ev_control_file", "control areas")
        control_key = f"areas:{digest}"
    elif control_source == "drawn":
        control, control_key = _drawn_area("control")

key = ev_ui.EvaluationKey(
    dataset_key=dataset.key,
    target=target_key,
    control=control_key,
    before=f"{before[0]}..{before[1]}",
    after=f"{after[0]}..{after[1]}",
    buffer_m=buffer_m,
    offenses=selection.filters.offenses,
)
try:
    result = ev_ui.evaluation(dataset, target, control, key)
except HotspotsError as exc:
    st.error(exc.render("app"), icon=":material/error:")
    st.stop()

summary = result.summary()
did = result.did
a, b, c, d = st.columns(4)
a.metric(
    "Relative to the control",
    "–" if did is None else f"{did.estimate:+.0%}",
    border=True,
    help="Difference-in-differences of monthly counts (Poisson regression).",
)
a.caption("" if did is None else f"95% CI {did.ci_low:+.0%} to {did.ci_high:+.0%}")
target_change = result.change("target")
b.metric(
    "Target incidents after",
    f"{result.counts['target'][1]:,}",
    delta=None if target_change is None else f"{target_change:+.0%}",
    delta_color="inverse",
    border=True,
    help="Incidents in the target in the after period; the change is against the before period.",
)
b.caption(f"before: {result.counts['target'][0]:,}")
c.metric(
    "WDD (incidents)",
    f"{result.wdd.estimate:+,.0f}",
    border=True,
    help="Weighted displacement difference: change in target (and buffer) minus the control's.",
)
c.caption(f"z = {result.wdd.z:.2f}, p = {result.wdd.p:.3g}")
d.metric(
    "Displacement quotient (WDQ)",
    "–" if result.measures.wdq is None else f"{result.measures.wdq:+.2f}",
    border=True,
    help="> 0: benefits spread into the buffer; < 0: crime displaced into it.",
)
d.caption(f"Net effect {result.measures.net_effect:+,.0f} incidents prevented")

st.markdown(f"**{summary[1]}**")
st.markdown(summary[0])
for caution in result.cautions:
    st.warning(f"**{caution.message}** {caution.fix}", icon=":material/warning:")

map_col, chart_col = st.columns(2, gap="medium")
with map_col:
    st.markdown("#### Target, buffer and control")
    st.image(map_svg(result), width="stretch")
with chart_col:
    st.markdown("#### Month by month")
    st.image(series_svg(result), width="stretch")
    st.caption("Each area indexed to its own before-period average (= 100).")

st.subheader("The figures in words", divider="gray")
st.markdown("\n".join(f"- {line}" for line in summary[2:]))
st.dataframe(ev_ui.counts_table(result), hide_index=True, key="ev_counts")
matching = ev_ui.matching_table(result)
if matching is not None and result.control_match is not None:
    st.subheader("How the control was matched", divider="gray")
    st.caption(result.control_match.describe())
    st.dataframe(matching, hide_index=True, height=240, key="ev_matching")

st.markdown("**Download the evaluation**")
title = st.text_input("Briefing title", value="Did it work? Before and after", key="ev_title")
json_bytes, html_bytes = ev_ui.downloads(result, key, title)
left, right = st.columns(2)
left.download_button(
    "evaluation.json",
    data=downloads.ready(json_bytes),
    file_name="evaluation.json",
    mime="application/json",
    icon=":material/download:",
    width="stretch",
)
right.download_button(
    "One-page briefing (HTML)",
    data=downloads.ready(html_bytes),
    file_name="evaluation.html",
    mime="text/html",
    icon=":material/print:",
    width="stretch",
)
