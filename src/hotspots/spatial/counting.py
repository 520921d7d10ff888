"""Counting incidents per unit, per offense and per period.

The space-time table is tidy — one row per (unit, period[, offense]) — so later work
(emerging hotspots, forecasts, before/after evaluation) can use it directly.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from hotspots.errors import invalid

Period = Literal["day", "week", "month", "quarter", "year"]
#: pandas period aliases; weeks run Monday to Sunday.
PERIOD_FREQ: dict[str, str] = {
    "day": "D",
    "week": "W-SUN",
    "month": "M",
    "quarter": "Q",
    "year": "Y",
}


def count_by_unit(unit_index: NDArray[np.integer], n_units: int) -> NDArray[np.int64]:
    """Incidents per unit from each incident's unit position (``-1`` = in no unit, ignored)."""
    idx = np.asarray(unit_index, dtype=np.int64)
    return np.bincount(idx[idx >= 0], minlength=n_units).astype(np.int64)


def density_per_km2(
    counts: NDArray[np.number], area_m2: NDArray[np.floating] | float
) -> NDArray[np.float64]:
    """Incidents per square kilometre."""
    return np.asarray(counts, dtype=np.float64) / (np.asarray(area_m2, dtype=np.float64) / 1e6)


def rate_per_1000(
    counts: NDArray[np.number], population: NDArray[np.floating]
) -> NDArray[np.float64]:
    """Incidents per 1,000 residents; NaN where the population is unknown or zero."""
    pop = np.asarray(population, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pop > 0, np.asarray(counts, dtype=np.float64) / pop * 1000.0, np.nan)


def period_start(occurred_at: pd.Series, period: Period) -> pd.Series:
    """First local day of the ``period`` each timestamp falls in (naive local midnight)."""
    if period not in PERIOD_FREQ:
        raise invalid("period", period, tuple(PERIOD_FREQ))
    local = occurred_at.dt.tz_localize(None) if occurred_at.dt.tz is not None else occurred_at
    return local.dt.to_period(PERIOD_FREQ[period]).dt.start_time


def space_time_counts(
    occurred_at: pd.Series,
    unit: pd.Series | NDArray[np.generic],
    *,
    period: Period = "month",
    offense: pd.Series | None = None,
    complete: bool = False,
    units: pd.Index | NDArray[np.generic] | None = None,
) -> pd.DataFrame:
    """Tidy counts per (unit, period[, offense]).

    Parameters
    ----------
    occurred_at : Series of tz-aware timestamps, one per incident.
    unit : unit of each incident (cell id or area name); ``-1`` / missing = in no unit (dropped).
    period : {"day", "week", "month", "quarter", "year"}
    offense : optional offense of each incident, to count per offense as well.
    complete : if True, include zero rows for every unit × period (× offense) combination
        between the first and last period, so each unit has a full time series.
    units : all units (e.g. every active grid cell) for ``complete=True``; default: units seen.

    Returns
    -------
    DataFrame with columns ``unit``, ``period`` (start day), [``offense``], ``count`` (int64),
    sorted by unit, period[, offense].
    """
    frame = pd.DataFrame(
        {"unit": np.asarray(unit), "period": period_start(occurred_at, period).to_numpy()}
    )
    keys = ["unit", "period"]
    if offense is not None:
        frame["offense"] = np.asarray(offense)
        keys.append("offense")
    valid = frame["unit"].notna().to_numpy()
    if np.issubdtype(frame["unit"].dtype, np.number):
        valid = valid & (frame["unit"].to_numpy() >= 0)
    table = (
        frame.loc[valid]
        .groupby(keys, observed=True, sort=True)
        .size()
        .rename("count")
        .reset_index()
    )
    table["count"] = table["count"].astype(np.int64)
    if not complete or table.empty:
        return table
    all_units = pd.Index(units) if units is not None else pd.Index(table["unit"].unique())
    periods = pd.period_range(
        table["period"].min(), table["period"].max(), freq=PERIOD_FREQ[period]
    ).start_time
    levels: list[pd.Index] = [all_units, periods]
    if offense is not None:
        levels.append(pd.Index(sorted(table["offense"].unique())))
    full = pd.MultiIndex.from_product(levels, names=keys)
    return table.set_index(keys)["count"].reindex(full, fill_value=0).astype(np.int64).reset_index()
