"""Publish: a privacy-safe map snapshot for community partners (HTML, PNG and JSON files).

UI only: the snapshot is made, audited and refused (when a rule would break) by
:func:`hotspots.publish.publish_snapshot`; this page collects the options and offers the
files for download.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hotspots.dashboard import downloads
from hotspots.dashboard.datasets import TORONTO_KEY
from hotspots.dashboard.ui import page_context
from hotspots.errors import HotspotsError
from hotspots.publish import (
    FILE_NAMES,
    TORONTO,
    Basemap,
    PublicationRules,
    Publisher,
    Snapshot,
    SourceNotes,
    publish_snapshot,
)
from hotspots.publish.rules import MapUnits

RESULT_KEY = "hs.publish.snapshot"
#: Years offered in the period picker (the most recent ones; the data may reach back decades).
MAX_YEARS = 10
ALL_GROUPS = "All allowed offense groups"
MAP_CHOICES: dict[MapUnits, str] = {
    "both": "Neighbourhoods and hot spot squares",
    "neighbourhoods": "Neighbourhoods only",
    "grid": "Hot spot squares only",
}

st.title("Publish a snapshot for partners")
selection, dataset = page_context()
st.caption(
    "A map anyone can open offline — no login, no GIS — that can never expose a victim, an address or an "
    "individual incident. Every file is checked by an automatic privacy audit, and every release against the "
    "publisher's release ledger, before you can download it."
)
try:
    publisher = Publisher()
except HotspotsError as exc:
    st.error(str(exc), icon=":material/block:")
    st.stop()

# -- the options ---------------------------------------------------------------------------------
years = sorted({d.year for d in pd.date_range(dataset.first_day, dataset.last_day, freq="MS")})
periods: list[str] = []
for year in reversed(years[-MAX_YEARS:]):
    periods.append(str(year))
    periods += [f"{year}-Q{q}" for q in (4, 3, 2, 1)]
    periods += [f"{year}-{m:02d}" for m in range(12, 0, -1)]
allowed = list(publisher.allow_list)

with st.form("publish_form", border=True):
    default_title = (
        "Toronto: where major crimes concentrated"
        if dataset.key == TORONTO_KEY
        else f"{dataset.label.split(' (')[0]}: where incidents concentrated"
    )
    title = st.text_input("Title", value=default_title, max_chars=200)
    c1, c2 = st.columns(2)
    period = c1.selectbox(
        "Period (a calendar year, quarter or month)", periods, index=0, key="pub_period"
    )
    group = c2.selectbox(
        "Offense groups", [ALL_GROUPS, *sorted(allowed)], index=0, key="pub_offenses"
    )
    st.caption(
        "Only offense groups on the publisher's allow list are ever counted or named: "
        + ", ".join(allowed)
        + f". The list is kept in {publisher.directory}."
    )
    units = st.radio(
        "The map shows",
        list(MAP_CHOICES),
        format_func=MAP_CHOICES.__getitem__,
        horizontal=True,
        key="pub_units",
    )
    with st.expander("Privacy rules (they can be made stricter, never weaker)", expanded=False):
        r1, r2, r3 = st.columns(3)
        k = r1.number_input("Never show numbers below", min_value=3, value=5, step=1, key="pub_k")
        cell = r2.number_input(
            "Grid cell size (m, at least 500)", min_value=500, value=500, step=100, key="pub_cell"
        )
        lag = r3.number_input(
            "Whole months between period end and today", min_value=0, value=1, step=1, key="pub_lag"
        )
    use_tiles = st.toggle(
        f"Add the background map ({selection.tiles.label})",
        value=False,
        disabled=not selection.tiles.enabled,
        help="Off: the file makes no network request when opened. On: it loads map tiles from the tile server.",
        key="pub_tiles",
    )
    submitted = st.form_submit_button("Build snapshot", type="primary", icon=":material/public:")

if submitted:
    try:
        rules = PublicationRules(
            k=int(k), min_cell_size_m=float(cell), min_lag_months=int(lag), units=units
        )
        notes = TORONTO if dataset.key == TORONTO_KEY else SourceNotes(data_source=dataset.source)
        basemap = (
            Basemap.from_html_attribution(selection.tiles.url, selection.tiles.attribution)
            if use_tiles
            else None
        )
        with st.spinner("Aggregating, perturbing, drawing, auditing and checking the ledger…"):
            st.session_state[RESULT_KEY] = publish_snapshot(
                dataset.incidents,
                None,
                title=title,
                period=period,
                boundaries=dataset.boundaries,
                rules=rules,
                publisher=publisher,
                offenses=None if group == ALL_GROUPS else [group],
                grid=selection.grid,
                cell_size_m=float(cell),
                alpha=selection.alpha,
                notes=notes,
                basemap=basemap,
                quiet=True,
            )
    except HotspotsError as exc:
        st.session_state.pop(RESULT_KEY, None)
        st.error(exc.render("app"), icon=":material/block:")

# -- the result ----------------------------------------------------------------------------------
snapshot: Snapshot | None = st.session_state.get(RESULT_KEY)
if snapshot is None:
    st.info("Choose the options and press **Build snapshot**.", icon=":material/info:")
    st.stop()

meta = snapshot.metadata
sup = snapshot.suppression
st.success(
    f"Audit passed: {len(snapshot.audit.rules)} privacy rules checked on every file; release "
    f"{snapshot.release_id} recorded in the ledger.",
    icon=":material/verified_user:",
)
a, b, c = st.columns(3)
total = meta["published"]["total"]["incidents"]
a.metric("Incidents (adjusted)", f"{total:,}" if total is not None else "too few", border=True)
b.metric("Hot spot squares", f"{meta['published']['hot_spot_cells'] or 0:,}", border=True)
c.metric(
    "Numbers hidden",
    f"{sup.areas + sup.cells + sup.months + sup.offenses:,}",
    help=f"Counts shown as “{snapshot.rules.suppressed_text()}” or “not shown” (too few places).",
    border=True,
)

DOWNLOADS = (
    ("Snapshot page (HTML)", "html", "text/html", ":material/download:"),
    ("Image (PNG)", "png", "image/png", ":material/image:"),
    ("Details (JSON)", "json", "application/json", ":material/data_object:"),
)
for column, (label, kind, mime, icon) in zip(st.columns(len(DOWNLOADS)), DOWNLOADS, strict=True):
    column.download_button(
        label,
        downloads.ready(snapshot.files[FILE_NAMES[kind]]),
        FILE_NAMES[kind],
        mime,
        icon=icon,
        width="stretch",
    )

st.image(snapshot.files[FILE_NAMES["png"]], caption=f"{meta['title']} — {meta['period']['label']}")
with st.expander("Rules applied and what was hidden"):
    st.markdown(
        f"- {meta['notes']['suppression']}\n"
        f"- Hidden: {sup.areas} of {sup.areas_total} neighbourhoods, {sup.cells} of {sup.cells_total} hot spot squares, "
        f"{sup.months} month(s), {sup.offenses} offense group(s)."
    )
