"""Over time: which places are getting worse, and does one crime bring another nearby soon after."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from hotspots.dashboard import cached, charts, map_builder, spacetime
from hotspots.dashboard.page_map import show_map
from hotspots.dashboard.ui import empty_state, page_context, render_notes
from hotspots.errors import HotspotsError
from hotspots.stats.emerging import CITY_TREND_TEXT, CITY_TRENDS
from hotspots.stats.near_repeat import DEFAULT_DAY_BANDS, DEFAULT_DISTANCE_BANDS_M, check_bands

st.title("Over time")
selection, dataset = page_context()
st.caption(f"{dataset.label} · {selection.filters.describe().capitalize()}")

if cached.selected_count(dataset, dataset.key, selection.filters) == 0:
    empty_state(selection)

# -- emerging hot spots --------------------------------------------------------------------------
st.subheader("Which places are getting worse?", divider="gray")
left, right = st.columns(2)
interval = (
    left.segmented_control(
        "Time step",
        options=["month", "quarter", "year"],
        format_func=str.capitalize,
        default="month",
        key="ot_interval",
    )
    or "month"
)
city_trend = right.selectbox(
    "City-wide trend",
    options=list(CITY_TRENDS),
    format_func={
        "standardise": "Compare each cell with the city (standardise)",
        "detrend": "Remove the city's linear trend",
        "none": "Raw counts (a city-wide rise shows everywhere)",
    }.__getitem__,
    key="ot_city_trend",
)
try:
    args = (
        dataset,
        dataset.key,
        selection.filters,
        interval,
        selection.cell_size_m,
        selection.alpha,
        city_trend,
    )
    result = spacetime.emerging(*args)  # type: ignore[arg-type]
    layer = spacetime.pattern_layer(*args)  # type: ignore[arg-type]
except HotspotsError as exc:
    st.error(exc.render("app"), icon=":material/error:")
    st.stop()

params = result.params
render_notes(params["notes"])
st.caption(
    f"{params['cells']:,} cells of {params['cell_size_m']:g} m over {params['intervals']} "
    f"{interval}s ({params['first_interval']} to {params['last_interval']}); Gi* per {interval} "
    f"({params['inference']}) with FDR {params['alpha']:g}, Mann–Kendall trend. City-wide trend: "
    f"{CITY_TREND_TEXT[city_trend]}."
)
top = [(name, n) for name, n in layer.counts if name != "No Pattern Detected"][:4]
for column, (name, n) in zip(st.columns(4), top, strict=False):
    column.metric(name, f"{n:,}", border=True)

map_col, side_col = st.columns([7, 3], gap="medium")
with map_col:
    state = show_map(
        selection,
        dataset,
        key="pattern_map",
        layers=map_builder.pattern_layers(layer),
        returned_objects=["last_active_drawing"],
    )
    st.caption(f"{layer.features:,} cells with a pattern drawn. Click one for its history.")

drawing = (state or {}).get("last_active_drawing") or {}
properties = drawing.get("properties") or {} if isinstance(drawing, dict) else {}
with side_col:
    if "id" in properties:
        cell = int(properties["id"])
        history = result.series(cell)
        row = result.cells.set_index("cell_id").loc[cell]
        st.markdown(f"#### Cell {cell}: {row['pattern']}")
        trend = "rising" if row["trend_z"] > 0 else "falling"
        significant = row["trend_p"] <= params["alpha"]
        st.write(
            f"Hot in {int(row['hot_intervals'])} and cold in {int(row['cold_intervals'])} of "
            f"{params['intervals']} {interval}s; trend {trend if significant else 'not significant'} "
            f"(Mann–Kendall z = {row['trend_z']:.2f}, "
            + ("p < 0.001)." if row["trend_p"] < 0.001 else f"p = {row['trend_p']:.3f}).")
        )
        st.altair_chart(charts.cell_series(history, interval=interval), width="stretch")
    else:
        st.markdown("#### Patterns")
        for name, n in layer.counts:
            st.markdown(f"- {name}: **{n:,}** cells")

# -- near repeat ---------------------------------------------------------------------------------
st.subheader("Does one crime bring another nearby soon after?", divider="gray")
offenses = list(dataset.offenses)
default_offense = "Break and Enter" if "Break and Enter" in offenses else offenses[0]
a, b, c, d = st.columns(4)
offense = a.selectbox("Offense", offenses, index=offenses.index(default_offense), key="nr_offense")
distance_text = b.text_input(
    "Distance bands (m)", ",".join(f"{v:g}" for v in DEFAULT_DISTANCE_BANDS_M), key="nr_distance"
)
days_text = c.text_input("Day bands", ",".join(str(v) for v in DEFAULT_DAY_BANDS), key="nr_days")
permutations = d.selectbox("Shuffles", [99, 199, 999], index=1, key="nr_permutations")
try:
    distance = tuple(float(v) for v in check_bands(distance_text, "distance_bands_m", whole=False))
    days = tuple(int(v) for v in check_bands(days_text, "day_bands", whole=True))
    knox = spacetime.knox(
        dataset,
        dataset.key,
        replace(selection.filters, offenses=(offense,)),
        distance,
        days,
        int(permutations),
        selection.alpha,
    )
except HotspotsError as exc:
    st.error(exc.render("app"), icon=":material/error:")
else:
    st.info(knox.summary(), icon=":material/lightbulb:")
    st.dataframe(spacetime.knox_styled(knox), key="nr_table")
    st.caption(
        f"Knox ratio = pairs observed / pairs expected when the {knox.events:,} incidents' dates "
        f"are shuffled among their places ({knox.params['permutations']} shuffles). Coloured: "
        f"more pairs than chance at p ≤ {knox.params['alpha']:g} (bold). "
        f"{knox.pairs_within_reach:,} pairs within {distance[-1]:g} m were counted."
    )
