"""Forecast: where will incidents concentrate next? Backtested, scored the NIJ way."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hotspots.dashboard import cached, downloads
from hotspots.dashboard import forecasting as fc
from hotspots.dashboard.ui import empty_state, page_context
from hotspots.errors import HotspotsError
from hotspots.forecast import CELL_SIZES_M

st.title("Where next: forecast")
selection, dataset = page_context()
st.caption(f"{dataset.label} · {selection.filters.describe().capitalize()}")
if cached.selected_count(dataset, dataset.key, selection.filters) == 0:
    empty_state(selection)
st.markdown(
    "Ranks grid cells by the incidents expected in the coming months. Five methods "
    "(last period, recency-weighted counts, kernel density, a gradient-boosting model and "
    "their ensemble) are each tested on several past dates using only the data before "
    "them; a model is used only if it beats the best simple baseline across those tests."
)

default_until, default_horizon = fc.default_until_and_horizon(dataset)
with st.form("fc_form", border=True):
    a, b, c, d = st.columns(4)
    until = a.date_input("Train on data up to", value=default_until.date(), key="fc_until")
    horizon = b.selectbox(
        "Forecast horizon (months)",
        fc.HORIZONS_MONTHS,
        index=fc.HORIZONS_MONTHS.index(default_horizon),
        key="fc_horizon",
    )
    size = c.selectbox(
        "Cell size (m)", CELL_SIZES_M, format_func=lambda s: f"{s:g} m", key="fc_size"
    )
    share = d.selectbox(
        "Share of the area to flag",
        fc.PAGE_SHARES,
        index=1,
        format_func=lambda s: f"{s:.1%}",
        key="fc_share",
    )
    run = st.form_submit_button("Backtest and forecast", type="primary", icon=":material/insights:")

key = fc.ForecastKey(
    dataset.key, selection.filters, pd.Timestamp(str(until)).date().isoformat(),
    int(horizon), float(size), float(share),
)  # fmt: skip
if not run and st.session_state.get("fc_key") != key:
    st.info(
        "Choose the training end and horizon, then press **Backtest and forecast** "
        "(on the full Toronto data at 100 m this takes about a minute).",
        icon=":material/insights:",
    )
    st.stop()
st.session_state["fc_key"] = key
try:
    with st.spinner("Backtesting five methods on five past dates, then forecasting…"):
        result = fc.forecast_result(dataset, key)
except HotspotsError as exc:
    st.error(exc.render("app"))
    st.stop()

params = result.params
period = " to ".join(params["forecast_period"])
top = fc.top_cells(result, key, float(share))
held = fc.held_out_scores(dataset, result, key)
m1, m2, m3 = st.columns(3)
m1.metric("Method used", params["method"], border=True, help=params["why"])
m2.metric(f"Cells in the top {share:.1%}", f"{len(top):,}", border=True,
          help=f"{params['cell_size_m']:g} m cells; {params['cells']:,} cells in all.")  # fmt: skip
m3.metric(f"Expected incidents there, {period}", f"{top['expected'].sum():,.0f}", border=True)
st.caption(f"Why {params['method']}: {params['why']}")

st.subheader(f"The top {share:.1%} of the area, {period}", divider="gray")
st.altair_chart(fc.top_cells_chart(top, dataset.boundaries), width="stretch")
st.download_button(
    "Ranked cells (GeoJSON)",
    data=downloads.later(downloads.geojson, top, ("cell_id", "rank", "expected", "method")),
    file_name="forecast_top_cells.geojson",
    mime="application/geo+json",
    icon=":material/download:",
)

if held is not None:
    row = held.loc[(held["area_share"] - share).abs() < 1e-12].iloc[0]
    st.subheader("Scored on data it never saw", divider="gray")
    partial = "" if bool(row["complete"]) else " (the data ends before the period does)"
    st.markdown(
        f"The data holds **{int(row['incidents']):,}** incidents in {period}{partial}. The "
        f"top {share:.1%} of the area captured **{row['hit_rate']:.1%}** of them: "
        f"PAI **{row['pai']:.1f}**, PEI **{row['pei']:.2f}**."
    )

board = result.backtest.leaderboard if result.backtest is not None else None
if board is not None and result.backtest is not None:
    st.subheader("Leaderboard of the backtest", divider="gray")
    st.altair_chart(
        fc.leaderboard_chart(board, area_share=float(share), chosen=params["method"]),
        width="stretch",
    )
    st.caption("Bars: mean PAI over the backtest dates; lines: lowest to highest.")
    st.subheader("Spread across backtest dates", divider="gray")
    st.altair_chart(
        fc.origins_chart(result.backtest.table, area_share=float(share)), width="stretch"
    )

with st.expander("What PAI means, and what a forecast cannot say", icon=":material/help:"):
    st.markdown(
        "- **Hit rate**: the share of the period's incidents that happened in the flagged cells.\n"
        "- **PAI** (Predictive Accuracy Index) = hit rate ÷ share of the area flagged. PAI 30 "
        "at 1 % of the area means those cells caught 30 % of incidents: 30 times what cells "
        "picked at random would catch.\n"
        "- **PEI** compares with the best any cells of the same total area could have done "
        "in hindsight (1 = perfect).\n"
        "- **RRI** says how many of the flagged cells' incidents come back in the next period.\n\n"
        "A forecast says where incidents are *likely to keep concentrating* if things go on "
        "as they have. It cannot say who will be involved or when exactly, it cannot see "
        "changes (a new venue, a new policy, changes in reporting), and the places it flags "
        "are where incidents were *recorded*: patrols sent there record more, which can keep "
        "a place on the list. Use it to choose where to look, together with local knowledge."
    )
