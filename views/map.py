"""Map: where crime concentrates — hot spots, clusters, counts and density, with a profile on click."""

from __future__ import annotations

import streamlit as st

from hotspots.dashboard import cached, downloads, first_paint, map_builder, spacetime, tables
from hotspots.dashboard.drawing import sync_group, take_drawing
from hotspots.dashboard.drawn_panel import render_drawn_area
from hotspots.dashboard.map_layers import MEASURES, SQUARE_CELL_MEASURES
from hotspots.dashboard.page_map import show_map
from hotspots.dashboard.selection import (
    UNIT_LABELS,
    clicked_unit,
    set_clicked_unit,
    unit_of_click,
)
from hotspots.dashboard.ui import (
    empty_state,
    incidents_text,
    mostly_text,
    page_context,
    render_incident_list,
    render_notes,
    render_profile,
)
from hotspots.errors import HotspotsError

st.title("Hotspot map")
selection, dataset = page_context()
st.caption(f"{dataset.label} · {selection.describe()}")

if cached.selected_count(dataset, dataset.key, selection.filters) == 0:
    empty_state(selection)

key = selection.analysis_key
kind = "area" if selection.unit == "areas" else "cell"
offenses = selection.filters.offenses
offense_count = len(offenses) if offenses is not None else len(dataset.offenses)
figures = cached.headline(dataset, key)
with st.container():  # always there, so the map keeps its place when notes come and go
    render_notes(figures["notes"])

incidents_col, hot_col, share_col, size_col = st.columns(4)  # metrics stretch to one height
incidents_col.metric(
    "Incidents selected", f"{figures['selected']:,}", border=True, height="stretch"
)
# The count as the value and "of N" beneath it, grey and without an arrow: "157 of 16,276"
# as one value was cut off in a quarter of a 1,400 px window.
if kind == "area":
    hot_col.metric(
        "Hot spot neighbourhoods",
        f"{figures['hot_areas']:,}",
        f"of {figures['areas']:,} neighbourhoods",
        delta_color="off",
        delta_arrow="off",
        border=True,
        height="stretch",
    )
else:
    hot_col.metric(
        "Hot spot cells",
        f"{figures['hot_cells']:,}",
        f"of {figures['cells']:,} cells",
        delta_color="off",
        delta_arrow="off",
        border=True,
        height="stretch",
    )
if kind == "area":
    counted = figures["counted_areas"]
    share = figures["in_hot_areas"] / counted if counted else 0.0
    share_col.metric(
        "Incidents in hot spot neighbourhoods",
        f"{share:.0%}",
        border=True,
        height="stretch",
        help="Share of the selected incidents in neighbourhoods flagged as hot spots (Gi* on "
        "the neighbourhoods, FDR-corrected).",
    )
    size_col.metric(
        "Units",
        "Neighbourhoods",
        border=True,
        height="stretch",
        help="Counted per neighbourhood: no grid cells.",
    )
else:
    share = figures["in_hot_cells"] / figures["counted"] if figures["counted"] else 0.0
    share_col.metric(
        "Incidents in hot spot cells",
        f"{share:.0%}",
        border=True,
        height="stretch",
        help="Share of the selected incidents that fall in cells flagged as hot spots (Gi*, FDR-corrected).",
    )
    size_col.metric(
        "Cell size (automatic)" if figures["cell_size_automatic"] else "Cell size",
        f"{figures['cell_size_m']:,.0f} m",
        border=True,
        height="stretch",
    )

st.session_state.setdefault("map_measure", "gi")  # may come from a link (url_state)
measure = (
    st.segmented_control(
        "Show",
        options=list(MEASURES),
        format_func=MEASURES.__getitem__,
        key="map_measure",
        label_visibility="collapsed",
    )
    or "gi"
)

if measure in SQUARE_CELL_MEASURES and (kind != "cell" or selection.grid != "square"):
    st.info(
        f"{MEASURES[measure]} is drawn on square grid cells: choose **Square grid** in the "
        "sidebar. Showing density per km² instead.",
        icon=":material/grid_on:",
    )
    measure = "density"
units = cached.unit_layer(dataset, key, kind, measure)  # type: ignore[arg-type]
points = cached.point_layer(dataset, key) if kind == "cell" else None
show_clusters = st.toggle(
    "Point clusters (HDBSCAN)",
    key="map_clusters",
    help="Outline dense groups of incidents found without a grid (a description, not a test).",
)
layers = []
cluster_note = ""
if show_clusters:
    selected = cached.selected_count(dataset, dataset.key, selection.filters)
    if selected > spacetime.MAX_CLUSTER_POINTS:
        cluster_note = (
            f" Point clusters need at most {spacetime.MAX_CLUSTER_POINTS:,} incidents "
            f"({selected:,} selected): narrow the dates or offenses."
        )
    else:
        try:
            clusters = spacetime.cluster_layer(dataset, dataset.key, selection.filters, 25)
        except HotspotsError as exc:
            cluster_note = f" {exc.render('app')}"
        else:
            layers.append(map_builder.cluster_group(clusters))
            cluster_note = f" {clusters.description}."

map_col, side_col = st.columns([7, 3], gap="medium")
with map_col:
    # The base map depends only on the data set and the basemap; the data layers travel
    # separately, so a filter change swaps them inside the map instead of reloading it.
    state = show_map(
        selection,
        dataset,
        key="hotspot_map",
        layers=map_builder.data_layers(
            units,
            points=points,
            units_name=f"{MEASURES[measure]} — {UNIT_LABELS[selection.unit].lower()}",
        )
        + layers
        + [sync_group(dataset.key)],
        # Panning and zooming do not rerun the app (the map writes its view into the URL).
        returned_objects=["last_active_drawing", "all_drawings"],
        drawing=True,
        view_in_url=True,
        reports_drawn=True,  # a new visitor's first paint waits for it (first_paint)
    )
    take_drawing(state, dataset.key)
    if first_paint.active():
        st.stop()  # what is below and beside the map comes once the map is drawn (first_paint)
    note = f"{units.features:,} {'cells' if kind == 'cell' else 'areas'} drawn."
    if points is not None and points.rows:
        note += f" Zoom in to see {points.description}."
    st.caption(
        note
        + " Hover for details, click for a profile; draw an area with the tools on the left."
        + cluster_note
    )

drawing = (state or {}).get("last_active_drawing") or {}
properties = drawing.get("properties") or {} if isinstance(drawing, dict) else {}
unit_id = unit_of_click(properties, kind) if isinstance(properties, dict) else None
if unit_id is not None:
    clicked = (dataset.key, kind, unit_id)
    # Act on a click once: after "Clear selection" the map still returns the old feature.
    if st.session_state.get("map_last_click") != clicked:
        st.session_state["map_last_click"] = clicked
        set_clicked_unit(clicked)

with side_col:
    current = clicked_unit()
    if current and current[0] == dataset.key and current[1] == kind:
        try:
            profile = cached.profile(dataset, key, kind, current[2])
        except HotspotsError:
            set_clicked_unit(None)
        else:
            title = profile.name or f"Cell {profile.key}"
            if kind == "cell" and profile.name:
                title = f"{profile.name} · cell {profile.key}"
            render_profile(profile, title=title)
            with st.expander(f"The {incidents_text(profile.count)} behind it (analysts only)"):
                render_incident_list(
                    cached.unit_incidents(dataset, key, kind, current[2]),
                    total=profile.count,
                    key="map_unit_incidents",
                )
            st.button("Clear selection", on_click=set_clicked_unit, args=(None,), key="map_clear")
    else:
        st.markdown("#### What happens there?")
        st.write(
            "Click a cell or a neighbourhood on the map to see its offense mix, monthly trend and busiest hours."
        )
        analysis = cached.analysis(dataset, key)
        if len(analysis.hotspots):
            top = analysis.hotspots.head(5)
            st.markdown("**Strongest hot spots**")
            for row in top.itertuples():
                where = (
                    row.neighbourhood
                    if isinstance(row.neighbourhood, str)
                    else f"cell {row.cell_id}"
                )
                st.markdown(
                    f"{row.rank}. {where} — {incidents_text(row.count)}"
                    + mostly_text(row.top_offense, offenses=offense_count)
                )
        else:
            st.info("No cell is a significant hot spot at this false discovery rate.")

render_drawn_area(dataset, selection)

st.subheader("Top hot spots", divider="gray")
analysis = cached.analysis(dataset, key)
if len(analysis.hotspots):
    # On request: a table drawn with the page loads ~1.2 MB of Streamlit's table scripts and
    # held the map back by ~0.4 s in a new browser (bench/app_timeline.py).
    if st.toggle(
        f"Show all {len(analysis.hotspots):,} hot spot cells as a table",
        key="map_show_table",
        help="Sortable, with z-scores, FDR p-values and the main offense; the CSV below has the same rows.",
    ):
        frame, config = tables.hotspots(analysis.hotspots)
        st.dataframe(
            frame, column_config=config, hide_index=True, height=320, key="map_hotspots_table"
        )
else:
    st.info(
        "No significant hot spot cells for this selection. Try a longer period, more offenses or a larger cell size."
    )

st.markdown("**Download what you see**")
st.download_button(
    "Printable page: map and top hot spots (HTML, A4 landscape)",
    data=lambda: cached.printable(
        dataset, key, f"Hot spots — {dataset.label}", selection.describe()
    ).encode("utf-8"),
    file_name="hotspots_print.html",
    mime="text/html",
    icon=":material/print:",
    help="One page for a command meeting: open it and print. Counts per cell only.",
    key="map_printable",
)
a, b, c, d = st.columns(4)
a.download_button(
    "Hot spots (CSV)",
    data=lambda: downloads.csv(analysis.hotspots),
    file_name="hotspots.csv",
    mime="text/csv",
    icon=":material/download:",
    width="stretch",
)
b.download_button(
    "Cells (GeoJSON)",
    data=lambda: downloads.geojson(analysis.cells, downloads.CELL_COLUMNS),
    file_name="cells.geojson",
    mime="application/geo+json",
    icon=":material/download:",
    width="stretch",
)
c.download_button(
    "Cells (CSV)",
    data=lambda: downloads.csv(analysis.cells),
    file_name="cells.csv",
    mime="text/csv",
    icon=":material/download:",
    width="stretch",
)
if analysis.areas is not None:
    areas = analysis.areas
    d.download_button(
        "Neighbourhoods (GeoJSON)",
        data=lambda: downloads.geojson(areas, downloads.AREA_COLUMNS),
        file_name="neighbourhoods.geojson",
        mime="application/geo+json",
        icon=":material/download:",
        width="stretch",
    )
