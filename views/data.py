"""Data: the current data set and its reject report, and uploading your own incidents."""

from __future__ import annotations

import streamlit as st

from hotspots.dashboard import cached, charts, downloads, tables
from hotspots.dashboard.datasets import TORONTO_KEY
from hotspots.dashboard.selection import AnalysisKey, register_upload, remove_upload
from hotspots.dashboard.ui import page_context
from hotspots.dashboard.uploads import (
    BOUNDARY_EXTENSIONS,
    INCIDENT_EXTENSIONS,
    Upload,
    UploadOptions,
    friendly_error,
)
from hotspots.errors import FIELD_LABELS
from hotspots.ingest import NoIncidentsError
from hotspots.ingest.rejects import counts_by_reason

NONE = "— none —"
#: Session key of a boundary file that was first put in the incident box.
MOVED_BOUNDARIES = "data_moved_boundaries"
AUTO = "(detect automatically)"
DATE_FORMAT = "Date format"
LAYER = "Layer"

st.title("Data")
selection, dataset = page_context()
loaded = st.session_state.pop("data_loaded_message", None)
if loaded:
    st.success(loaded, icon=":material/check_circle:")

# -- the current data set -------------------------------------------------------------------
st.subheader(dataset.label, divider="gray")
st.caption(dataset.source)
load = dataset.load
a, b, c, d = st.columns(4)
a.metric("Rows read", f"{load.rows_read:,}", border=True)
b.metric("Accepted", f"{len(load.incidents):,}", border=True)
c.metric("Rejected", f"{len(load.rejects):,}", border=True)
d.metric("Times known to the", load.time_resolution, border=True)

counts = load.reject_counts()
if len(load.rejects):
    left, right = st.columns([2, 3])
    with left:
        st.markdown("**Rejected rows by reason**")
        st.altair_chart(charts.reject_reasons(counts), width="stretch")
    with right:
        st.markdown(
            f"**Rejected rows** (first {min(len(load.rejects), 500):,}; every row in the download)"
        )
        st.dataframe(
            tables.rejects(load.rejects), hide_index=True, height=260, key="data_rejects_table"
        )
    st.download_button(
        "Download the rejected rows (CSV)",
        data=downloads.later(downloads.csv, load.rejects),
        file_name=f"{dataset.key}_rejects.csv",
        mime="text/csv",
        icon=":material/download:",
    )
else:
    st.success("Every row was accepted.", icon=":material/check_circle:")

with st.expander("How the file was read"):
    st.markdown(f"- Coordinates from {load.source_crs}, analyzed in {load.metric_crs.name}")
    st.markdown(f"- Time zone: {load.timezone}")
    st.markdown(f"- Columns: {load.mapping.describe()}")
    for note in load.notes:
        st.markdown(f"- {note}")
if dataset.key != TORONTO_KEY:
    st.button(
        "Remove this upload",
        on_click=remove_upload,
        args=(dataset.key,),
        key="data_remove",
        icon=":material/delete:",
    )

# -- upload ---------------------------------------------------------------------------------
st.subheader("Analyze your own incidents", divider="gray")
st.markdown(
    "Upload incidents as **CSV** (also gzipped), **GeoJSON**, **GeoParquet**, **GeoPackage**, **KML** or a "
    "**zipped shapefile**, and optionally the boundaries (neighbourhoods, wards, districts) to count them in. "
    "Every row is checked: rows that cannot be used are listed with the reason, nothing is dropped silently. "
    "Uploaded data stays in this browser session."
)
files_left, files_right = st.columns(2)
incident_file = files_left.file_uploader(
    "Incidents", type=list(INCIDENT_EXTENSIONS), key="data_incidents"
)
boundary_file = files_right.file_uploader(
    "Boundaries (optional)", type=list(BOUNDARY_EXTENSIONS), key="data_boundaries"
)

if incident_file is None:
    st.caption("Start by choosing an incident file.")
    st.stop()

incidents = Upload(incident_file.name, incident_file.getvalue())
layers = cached.upload_layers(incidents, incidents.digest)
layer = (
    files_left.selectbox(LAYER, layers, key=f"data_layer_{incidents.digest}") if layers else None
)
try:
    with st.spinner(f"Reading {incidents.name} ({incidents.size_mb:.1f} MB)…"):
        preview = cached.incidents_preview(incidents, incidents.digest, layer)
except Exception as exc:
    st.error(friendly_error(exc, what="incident file"), icon=":material/error:")
    st.stop()

if preview.looks_like_boundaries:
    # A boundary file in the incident box: say so, and offer to use it as what it is.
    moved_already = st.session_state.get(MOVED_BOUNDARIES)
    if isinstance(moved_already, Upload) and moved_already.digest == incidents.digest:
        st.info(
            f"{incidents.name} is now used as the boundaries. Replace it in the incident box "
            "with the incident file.",
            icon=":material/polyline:",
        )
        st.stop()
    st.warning(
        f"**{incidents.name} holds polygons (areas), not incident points: it looks like a "
        "boundary file.** Use it as the boundaries, then choose the incident file above.",
        icon=":material/warning:",
    )
    st.button(
        "Use it as the boundaries",
        on_click=st.session_state.__setitem__,
        args=(MOVED_BOUNDARIES, incidents),
        key=f"data_use_as_boundaries_{incidents.digest}",
        type="primary",
        icon=":material/polyline:",
    )
    st.stop()

boundaries: Upload | None = None
boundary_columns: tuple[str, ...] = ()
moved = st.session_state.get(MOVED_BOUNDARIES)
if boundary_file is None and isinstance(moved, Upload):
    boundaries = moved
    files_right.caption(f"Boundaries: **{moved.name}** (moved from the incident box).")
    files_right.button(
        "Forget these boundaries",
        on_click=st.session_state.pop,
        args=(MOVED_BOUNDARIES, None),
        key="data_forget_moved_boundaries",
    )
elif boundary_file is not None:
    boundaries = Upload(boundary_file.name, boundary_file.getvalue())
boundary_layer: str | None = None
if boundaries is not None:
    boundary_layers = cached.upload_layers(boundaries, boundaries.digest)
    if boundary_layers:
        boundary_layer = files_right.selectbox(
            "Boundary layer", boundary_layers, key=f"data_blayer_{boundaries.digest}"
        )
    try:
        boundary_columns = cached.boundaries_preview(
            boundaries, boundaries.digest, boundary_layer
        ).columns
    except Exception as exc:
        st.error(friendly_error(exc, what="boundary file"), icon=":material/error:")
        boundaries = None

st.markdown(f"**{incidents.name}** — {preview.rows:,} rows, {len(preview.columns)} columns")
st.dataframe(preview.head, hide_index=True, key="data_preview")

digest = incidents.digest
options = [NONE, *preview.columns]
detected = preview.detected.as_dict()
groups = {
    "Where": ("lat", "lon", "x", "y"),
    "When": ("date", "time", "year", "month", "day", "hour", "minute"),
    "What": ("offense", "neighbourhood", "id", "premises", "location"),
}
with st.form(f"data_mapping_{digest}"):
    st.markdown(
        "**Which column holds what** — pre-filled by automatic detection; correct anything wrong."
    )
    if preview.has_points:
        st.caption("The file has point geometries, so no coordinate columns are needed.")
    elif preview.has_geometry:
        st.warning(
            f"The file's geometries are {preview.geometry_kind}, not points: each incident "
            "needs a point. Choose latitude/longitude (or X/Y) columns below if it has them.",
            icon=":material/warning:",
        )
    chosen: dict[str, str | None] = {}
    for column, (group, fields) in zip(st.columns(3), groups.items(), strict=True):
        with column:
            st.markdown(f"*{group}*")
            for field in fields:
                current = detected.get(field)
                value = st.selectbox(
                    FIELD_LABELS[field],
                    options=options,
                    index=options.index(current) if current in options else 0,
                    key=f"data_col_{field}_{digest}",
                )
                chosen[field] = None if value == NONE else value
    if preview.needs_crs:
        st.warning(
            "The coordinates look projected (metres, not longitude/latitude) and the file does not say "
            "which projection. Enter its CRS below — for example **EPSG:26910** (UTM zone 10N) for the "
            "Vancouver Police data.",
            icon=":material/warning:",
        )
    crs_col, tz_col, date_col, label_col = st.columns(4)
    crs = crs_col.text_input(
        "CRS of the coordinates",
        key=f"data_crs_{digest}",
        placeholder="from the file, or longitude/latitude",
        help="Needed for projected X/Y columns without a CRS, e.g. EPSG:26910.",
    )
    timezone = tz_col.text_input(
        "Time zone",
        key=f"data_tz_{digest}",
        placeholder="from the coordinates",
        help="IANA name such as America/Vancouver; found from the data's location when empty.",
    )
    date_format = date_col.text_input(
        DATE_FORMAT,
        key=f"data_date_format_{digest}",
        placeholder="detected from the dates",
        help="day-first, month-first, or the exact format such as %d/%m/%Y %H:%M. Needed "
        "when no day in the date column is above 12, so the order cannot be told.",
    )
    label = label_col.text_input(
        "Name in the app", key=f"data_label_{digest}", placeholder=incidents.name
    )
    boundary_name = boundary_population = None
    clip = False
    if boundaries is not None:
        names = [AUTO, *boundary_columns]
        bn, bp, bc = st.columns(3)
        picked_name = bn.selectbox("Boundary name column", names, key=f"data_bname_{digest}")
        picked_population = bp.selectbox(
            "Population column", [AUTO, NONE, *boundary_columns], key=f"data_bpop_{digest}"
        )
        clip = bc.checkbox(
            "Reject incidents outside the boundaries", value=True, key=f"data_clip_{digest}"
        )
        boundary_name = None if picked_name == AUTO else picked_name
        boundary_population = None if picked_population in (AUTO, NONE) else picked_population
    submitted = st.form_submit_button(
        "Load and analyze", type="primary", icon=":material/play_arrow:"
    )

if submitted:
    upload_options = UploadOptions(
        columns=tuple(chosen.items()),
        crs=crs.strip() or None,
        timezone=timezone.strip() or None,
        date_format=date_format.strip() or None,
        layer=layer,
        boundary_layer=boundary_layer,
        boundary_name=boundary_name,
        boundary_population=boundary_population,
        clip_to_boundaries=clip,
        label=label,
    )
    # Failures are shown below the progress box, in full view (not inside it, where a
    # collapsed box would hide them).
    failure: tuple[str, BaseException] | None = None
    with st.status(f"Loading {incidents.name}…", expanded=True) as status:
        status.write(f"Checking {preview.rows:,} rows: coordinates, dates, duplicates…")
        try:
            new = cached.upload_dataset(
                incidents,
                boundaries,
                incidents.digest,
                boundaries.digest if boundaries else None,
                upload_options,
            )
        except Exception as exc:
            failure = ("incident file", exc)
            status.update(label="The file could not be loaded", state="error", expanded=False)
        else:
            status.write(
                f"{len(new.incidents):,} incidents accepted, {len(new.load.rejects):,} rejected."
            )
            status.write("Counting incidents and testing for hot spots…")
            try:
                cached.analysis(new, AnalysisKey(new.key))
            except Exception as exc:
                failure = ("analysis", exc)
                status.update(label="Loaded, but the analysis failed", state="error")
            else:
                status.update(label=f"{new.label} is ready", state="complete")
    if failure is not None:
        what, error = failure
        if isinstance(error, NoIncidentsError):
            st.error(
                f"**No row of {incidents.name} could be used.** {error.render('app')}",
                icon=":material/error:",
            )
            st.altair_chart(charts.reject_reasons(counts_by_reason(error.rejects)), width="stretch")
            st.download_button(
                "Download the rejected rows (CSV)",
                data=downloads.later(downloads.csv, error.rejects),
                file_name="rejects.csv",
                mime="text/csv",
                icon=":material/download:",
            )
        else:
            st.error(
                f"**The {what} could not be loaded.** {friendly_error(error, what=what)}",
                icon=":material/error:",
            )
        st.stop()
    register_upload(new)
    st.session_state["data_loaded_message"] = (
        f"{new.label}: {len(new.incidents):,} incidents loaded, {len(new.load.rejects):,} rows rejected. "
        "It is now the current data set: see the Map, Trends and Neighbourhoods pages."
    )
    st.rerun()
