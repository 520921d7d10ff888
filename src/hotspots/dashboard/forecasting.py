"""Cached wrappers and charts of the Forecast page (the page itself only lays them out).

The forecast of a data set is keyed by a :class:`ForecastKey` (hashable: data set, filters,
``until``, horizon, cell size, target share) and kept with ``st.cache_resource`` (a
:class:`~hotspots.forecast.Forecast` is frozen and never mutated). The held-out score,
the top cells and the charts are small and use ``st.cache_data``.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st

from hotspots.dashboard.datasets import Dataset
from hotspots.forecast import Forecast, forecast, score_forecast
from hotspots.forecast.scoring import cells_for_share
from hotspots.spatial.filters import Filters, apply_filters
from hotspots.spatial.projection import to_display

#: Horizons offered on the page, in months.
HORIZONS_MONTHS: tuple[int, ...] = (3, 6, 12, 24)
#: Shares of the area offered on the page.
PAGE_SHARES: tuple[float, ...] = (0.005, 0.01, 0.02, 0.05)


@dataclass(frozen=True)
class ForecastKey:
    """Everything a page forecast depends on (the cache key)."""

    dataset_key: str
    filters: Filters
    until: str
    horizon_months: int
    cell_size_m: float
    area_share: float = 0.01


def default_until_and_horizon(dataset: Dataset) -> tuple[pd.Timestamp, int]:
    """A training end that leaves the last ``horizon`` months to score the forecast on:
    24 months with five years of data or more, else 12 (the bundled Toronto data:
    train to 2019-12-31, forecast 2020-2021)."""
    times = dataset.load.incidents["occurred_at"]
    last = times.max().tz_localize(None)
    first = times.quantile(0.001).tz_localize(None)
    horizon = 24 if (last - first).days >= 5 * 365 else 12
    end = (last + pd.Timedelta(days=1)).to_period("M").start_time
    until = end - pd.DateOffset(months=horizon) - pd.Timedelta(days=1)
    return pd.Timestamp(until).normalize(), horizon


@st.cache_resource(max_entries=4, show_spinner=False)
def forecast_result(_dataset: Dataset, key: ForecastKey) -> Forecast:
    """The backtested forecast of the data set's selection (all methods, 5 origins)."""
    incidents = apply_filters(_dataset.load.incidents, key.filters)
    return forecast(
        incidents,
        until=key.until,
        horizon_months=key.horizon_months,
        cell_size_m=key.cell_size_m,
        boundaries=_dataset.boundaries,
        area_share=key.area_share,
        quiet=True,
    )


#: The outreach planner's forecast demand: the next 12 months, 100 m cells.
DEMAND_HORIZON_MONTHS = 12
DEMAND_CELL_SIZE_M = 100.0


def next_months_forecast(dataset: Dataset, dataset_key: str, filters: Filters) -> Forecast:
    """The forecast of the :data:`DEMAND_HORIZON_MONTHS` after the selection's last day
    (backtested; cached by :func:`forecast_result`), for the outreach planner."""
    last = apply_filters(dataset.load.incidents, filters)["occurred_at"].max()
    key = ForecastKey(
        dataset_key,
        filters,
        pd.Timestamp(last).date().isoformat(),
        DEMAND_HORIZON_MONTHS,
        DEMAND_CELL_SIZE_M,
    )
    return forecast_result(dataset, key)


@st.cache_data(max_entries=8, show_spinner=False)
def held_out_scores(_dataset: Dataset, _result: Forecast, key: ForecastKey) -> pd.DataFrame | None:
    """The forecast scored on the selection's incidents in its period, when the data has them."""
    incidents = apply_filters(_dataset.load.incidents, key.filters)
    return score_forecast(_result, incidents)


@st.cache_data(max_entries=16, show_spinner=False)
def top_cells(_result: Forecast, key: ForecastKey, area_share: float) -> gpd.GeoDataFrame:
    """The top cells covering ``area_share`` of the area (metric CRS)."""
    return _result.cells.head(cells_for_share(len(_result.cells), area_share))


def top_cells_chart(
    top: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame | None
) -> alt.LayerChart | alt.FacetChart:
    """The top cells (darker: more expected) over the boundaries' outlines; no tiles needed.

    Plain longitude/latitude frames (Streamlit sends chart data through Arrow, which has no
    geometry type): cells as squares at their centres, outlines as lines.
    """
    layers: list[alt.Chart] = []
    if boundaries is not None:
        layers.append(
            alt.Chart(_outline_points(boundaries))
            .mark_line(color="#9e9e9e", strokeWidth=0.6)
            .encode(longitude="lon:Q", latitude="lat:Q", detail="ring:N", order="order:Q")
        )
    centres = top.geometry.centroid.to_crs(4326)
    cells = pd.DataFrame(
        {
            "rank": top["rank"].to_numpy(),
            "expected": top["expected"].round(1).to_numpy(),
            "lon": centres.x.to_numpy(),
            "lat": centres.y.to_numpy(),
        }
    )
    layers.append(
        alt.Chart(cells)
        .mark_square(size=18, opacity=0.9)
        .encode(
            longitude="lon:Q",
            latitude="lat:Q",
            color=alt.Color("expected:Q", scale=alt.Scale(scheme="reds"), title="Expected"),
            tooltip=[
                alt.Tooltip("rank:Q", title="Rank"),
                alt.Tooltip("expected:Q", title="Expected"),
            ],
        )
    )
    return alt.layer(*layers).project(type="mercator").properties(height=520)


def _outline_points(boundaries: gpd.GeoDataFrame) -> pd.DataFrame:
    """Vertices of the boundaries' outer rings (simplified), one ring per ``ring`` id."""
    outlines = to_display(boundaries[["geometry"]]).geometry.simplify(0.0003)
    rings = outlines.explode(index_parts=False).exterior
    coords = shapely.get_coordinates(rings.values, return_index=False)
    counts = shapely.get_num_coordinates(rings.values)
    ring = np.repeat(np.arange(len(counts)), counts)
    order = np.arange(len(coords)) - np.repeat(np.cumsum(counts) - counts, counts)
    return pd.DataFrame({"lon": coords[:, 0], "lat": coords[:, 1], "ring": ring, "order": order})


def leaderboard_chart(
    board: pd.DataFrame, *, area_share: float, chosen: str
) -> alt.LayerChart | alt.FacetChart:
    """Mean PAI per method at ``area_share`` with the range across origins."""
    rows = board.loc[(board["area_share"] - area_share).abs() < 1e-12].copy()
    rows["used"] = rows["method"].eq(chosen).map({True: "used", False: "not used"})
    base = alt.Chart(rows).encode(y=alt.Y("method:N", sort="-x", title=None))
    bars = base.mark_bar().encode(
        x=alt.X("pai:Q", title=f"Mean PAI at {area_share:.1%} of the area"),
        color=alt.Color(
            "used:N", scale=alt.Scale(domain=["used", "not used"], range=["#b2182b", "#9e9e9e"]),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("method:N"), alt.Tooltip("pai:Q", format=".1f", title="Mean PAI"),
            alt.Tooltip("pai_min:Q", format=".1f", title="Lowest"),
            alt.Tooltip("pai_max:Q", format=".1f", title="Highest"),
            alt.Tooltip("hit_rate:Q", format=".1%", title="Hit rate"),
            alt.Tooltip("pei:Q", format=".2f", title="PEI"),
        ],
    )  # fmt: skip
    spread = base.mark_rule(color="black").encode(x="pai_min:Q", x2="pai_max:Q")
    return alt.layer(bars, spread).properties(height=40 * len(rows) + 20)


def origins_chart(table: pd.DataFrame, *, area_share: float) -> alt.Chart:
    """PAI of every method at every backtest origin: how much it moves from one to the next."""
    rows = table.loc[(table["area_share"] - area_share).abs() < 1e-12]
    return (
        alt.Chart(rows)
        .mark_line(point=True)
        .encode(
            x=alt.X("origin:N", title="Backtest origin (forecast made that day)"),
            y=alt.Y("pai:Q", title="PAI", scale=alt.Scale(zero=False)),
            color=alt.Color("method:N", title="Method"),
            tooltip=["method:N", "origin:N", alt.Tooltip("pai:Q", format=".1f")],
        )
        .properties(height=280)
    )
