"""Publish: a privacy-safe map snapshot for community partners (HTML, PNG and JSON files).

UI only: the snapshot is made, audited and refused (when a rule would break) by
:func:`hotspots.publish.publish_snapshot`; this page collects the options and offers the
files for download.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hotspots.dashboard.datasets import TORONTO_KEY
from hotspots.dashboard.ui import page_context
from hotspots.errors import HotspotsError
from hotspots.publish import (
    DEFAULT_SENSITIVE_CATEGORIES,
    FILE_NAMES,
    TORONTO,
    Basemap,
    PublicationRules,
    Snapshot,
    SourceNotes,
    publish_snapshot,
)
from hotspots.publish.rules import MapUnits

RESULT_KEY = "hs.publish.snapshot"
#: Months offered in the period pickers (the most recent ones; the data may reach back decades).
MAX_MONTHS = 120
MAP_CHOICES: dict[MapUnits, str] = {
    "both": "Neighbourhoods and hot spot squares",
    "neighbourhoods": "Neighbourhoods only",
    "grid": "Hot spot squares only",
}

st.title("Publish a snapshot for partners")
selection, dataset = page_context()
st.caption(
    "A map anyone can open offline — no login, no GIS — that can never expose a victim, an address or an "
    "individual incident. Every file is checked by an automatic privacy audit before you can download it."
)

# -- the options ---------------------------------------------------------------------------------
months = pd.period_range(dataset.first_day, dataset.last_day, freq="M")[-MAX_MONTHS:]
month_options = [str(m) for m in months]
default_end = len(month_options) - 1
default_start = max(0, default_end - 11)
rules_default = PublicationRules()
sensitive_here = [o for o in dataset.offenses if rules_default.is_sensitive(o)]
offered = [o for o in dataset.offenses if not rules_default.is_sensitive(o)]

with st.form("publish_form", border=True):
    default_title = (
        "Toronto: where major crimes concentrated"
        if dataset.key == TORONTO_KEY
        else f"{dataset.label.split(' (')[0]}: where incidents concentrated"
    )
    title = st.text_input("Title", value=default_title, max_chars=200)
    c1, c2 = st.columns(2)
    start = c1.selectbox("First month", month_options, index=default_start, key="pub_start")
    end = c2.selectbox("Last month", month_options, index=default_end, key="pub_end")
    chosen = st.multiselect("Offence groups", offered, default=offered, key="pub_offenses")
    if sensitive_here:
        st.caption("Never published (sensitive): " + ", ".join(sensitive_here))
    units = st.radio(
        "The map shows",
        list(MAP_CHOICES),
        format_func=MAP_CHOICES.__getitem__,
        horizontal=True,
        key="pub_units",
    )
    with st.expander("Privacy rules", expanded=False):
        r1, r2, r3 = st.columns(3)
        k = r1.number_input("Hide numbers below", min_value=3, value=5, step=1, key="pub_k")
        cell = r2.number_input(
            "Grid cell size (m, at least 500)", min_value=500, value=500, step=100, key="pub_cell"
        )
        lag = r3.number_input(
            "Days between period end and today", min_value=0, value=0, step=1, key="pub_lag"
        )
        extra = st.text_input(
            "Also exclude offence categories containing (comma-separated)", key="pub_extra"
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
        patterns = DEFAULT_SENSITIVE_CATEGORIES + tuple(
            p.strip() for p in extra.split(",") if p.strip()
        )
        rules = PublicationRules(
            k=int(k), sensitive_categories=patterns, min_lag_days=int(lag), units=units
        )
        notes = TORONTO if dataset.key == TORONTO_KEY else SourceNotes(data_source=dataset.source)
        basemap = (
            Basemap.from_html_attribution(selection.tiles.url, selection.tiles.attribution)
            if use_tiles
            else None
        )
        with st.spinner("Aggregating, hiding small numbers, drawing and auditing…"):
            st.session_state[RESULT_KEY] = publish_snapshot(
                dataset.incidents,
                None,
                title=title,
                period=f"{start}..{end}",
                boundaries=dataset.boundaries,
                rules=rules,
                offenses=chosen or None,
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
    f"Audit passed: {len(snapshot.audit.rules)} privacy rules checked on every file.",
    icon=":material/verified_user:",
)
a, b, c = st.columns(3)
total = meta["published"]["total"]["incidents"]
a.metric("Incidents (rounded)", f"{total:,}" if total is not None else "too few", border=True)
b.metric("Hot spot squares", f"{meta['published']['hot_spot_cells'] or 0:,}", border=True)
c.metric(
    "Numbers hidden",
    f"{sup.areas + sup.cells + sup.months + sup.offenses:,}",
    help=f"Counts below {snapshot.rules.k}, shown as “{snapshot.rules.suppressed_text()}”.",
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
        snapshot.files[FILE_NAMES[kind]],
        FILE_NAMES[kind],
        mime,
        icon=icon,
        width="stretch",
    )

st.image(snapshot.files[FILE_NAMES["png"]], caption=f"{meta['title']} — {meta['period']['label']}")
with st.expander("Rules applied and what was hidden"):
    st.markdown(
        f"- {meta['notes']['suppression']}\n"
        f"- {meta['notes']['sensitive']}\n"
        f"- Hidden: {sup.areas} of {sup.areas_total} neighbourhoods, {sup.cells} of {sup.cells_total} hot spot squares, "
        f"{sup.months} month(s), {sup.offenses} offence group(s)."
    )
