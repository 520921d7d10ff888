"""The verbs ``forecast`` and ``backtest``: from incidents to a ranked, honestly chosen forecast."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.errors import InputError, Option, invalid, positive_number, whole_number
from hotspots.forecast.backtest import (
    Choice,
    backtest_origins,
    choose_method,
    leaderboard,
    run_backtest,
)
from hotspots.forecast.history import (
    History,
    build_history,
    metric_for_training,
    parse_until,
    study_area,
    training_incidents,
)
from hotspots.forecast.methods import METHODS, SIMPLE_METHODS, OriginData, predict
from hotspots.forecast.scoring import AREA_SHARES, check_share, ranking, score_ranking
from hotspots.spatial.filters import Filters, apply_filters
from hotspots.spatial.grids import Grid

log = logging.getLogger(__name__)

#: Cell sizes compared when ``cell_size_m`` is not given (finest first), in metres.
CELL_SIZES_M: tuple[float, ...] = (100.0, 200.0, 400.0)
#: ``method=`` values: a method, or "auto" (chosen by the backtest).
METHOD_CHOICES: tuple[str, ...] = ("auto", *METHODS)
#: Columns of :attr:`Forecast.cells`.
FORECAST_COLUMNS = ("cell_id", "rank", "expected", "method", "geometry")


@dataclass(frozen=True, eq=False)
class Backtest:
    """A rolling-origin backtest at one or more cell sizes.

    Attributes
    ----------
    table : DataFrame
        One row per cell size × method × origin × area share: ``cell_size_m``, ``method``,
        ``origin``, ``area_share``, ``cells_flagged``, ``hit_rate``, ``pai``, ``pei``, ``rri``.
    leaderboard : DataFrame
        Means and spread across origins (:func:`hotspots.forecast.backtest.leaderboard`).
    choices : dict
        Cell size -> :class:`Choice` (recommended method and why).
    cell_size_m : float
        The finest cell size the backtest supports (see :func:`supported_cell_size`).
    params : dict
    """

    table: pd.DataFrame
    leaderboard: pd.DataFrame
    choices: dict[float, Choice]
    cell_size_m: float
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Forecast:
    """A ranked forecast of the incidents per cell over the next ``horizon_months``.

    Attributes
    ----------
    cells : GeoDataFrame (metric CRS)
        One row per active cell, best first: ``cell_id``, ``rank`` (1 = highest expected
        count), ``expected`` (incidents over the horizon), ``method``, ``geometry``.
    backtest : Backtest or None
        The backtest that chose the method and the cell size (None with ``n_origins=0``).
    grid : Grid
    params : dict
        Every parameter, the chosen method and why, ready for JSON.
    """

    cells: gpd.GeoDataFrame
    backtest: Backtest | None
    grid: Grid
    params: dict[str, Any] = field(default_factory=dict)

    def top(self, area_share: float) -> gpd.GeoDataFrame:
        """The top-ranked cells covering ``area_share`` of the study area."""
        from hotspots.forecast.scoring import cells_for_share

        return self.cells.head(cells_for_share(len(self.cells), area_share))


def forecast(
    incidents: gpd.GeoDataFrame,
    *,
    until: str | pd.Timestamp,
    horizon_months: int,
    cell_size_m: float | None = None,
    method: str = "auto",
    boundaries: gpd.GeoDataFrame | None = None,
    offenses: Sequence[str] | None = None,
    n_origins: int = 5,
    area_share: float = 0.01,
    seed: int = 0,
    quiet: bool = False,
) -> Forecast:
    """Forecast where incidents will concentrate in the ``horizon_months`` after ``until``.

    Parameters
    ----------
    incidents : GeoDataFrame
        As returned by :func:`hotspots.read_incidents` (``occurred_at``, ``offense``, points
        in a metric CRS). Rows after ``until`` are dropped first and never used.
    until : str or Timestamp
        The last day of training data (``YYYY-MM-DD``, local time).
    horizon_months : int
        Months to forecast, starting the day after ``until``.
    cell_size_m : float, optional
        Square cell size in metres. Default: the finest of 100, 200 and 400 m that the
        backtest supports (announced).
    method : {"auto", "last", "recency", "kde", "model", "ensemble"}
        ``"auto"`` runs every method in the backtest and uses a model only if it beats the
        best simple baseline across origins.
    boundaries : GeoDataFrame, optional
        The study area (default: the training points' convex hull, buffered half a cell).
    offenses : sequence of str, optional
        Keep only these offenses.
    n_origins : int
        Backtest origins (0: no backtest; then ``method`` and ``cell_size_m`` must be given).
    area_share : float
        Share of the area the choice is judged at (default 1 %).
    seed : int
        Seed of the model's randomness; the same seed gives the same forecast.
    """
    level = logging.DEBUG if quiet else logging.INFO
    horizon = _check_horizon(horizon_months)
    share = check_share(area_share)
    if method not in METHOD_CHOICES:
        raise invalid("forecast:method", method, METHOD_CHOICES)
    origins = _check_origins(n_origins)
    if origins == 0 and (method == "auto" or cell_size_m is None):
        raise InputError(
            "n_origins=0 skips the backtest, so the method and the cell size cannot be chosen "
            "by it; give both ({0}, {1}) or at least one backtest origin ({2}).",
            options=(
                Option("forecast:method", "recency"),
                Option("forecast:cell_size_m", 200),
                Option("n_origins", 5),
            ),
        )
    day, train, area_for = _prepare(incidents, until, boundaries, offenses)
    sizes = _cell_sizes(cell_size_m)
    methods = tuple(METHODS) if method == "auto" else _with_baselines(method)
    histories = {s: build_history(train, area_for(s), cell_size_m=s, until=day) for s in sizes}
    tested = None
    if origins:
        tested = _backtest_histories(histories, methods, horizon, origins, share, seed)
        size = tested.cell_size_m
    else:
        size = sizes[0]
    history = histories[size]
    chosen = tested.choices[size].method if (tested and method == "auto") else method
    why = tested.choices[size].why if (tested and method == "auto") else "requested"
    if method != "auto" and tested is not None:
        why = f"requested (backtest: {tested.choices[size].why})"
    prediction = predict(chosen, OriginData(history, horizon, share, seed))
    cells = _ranked_cells(history, prediction.expected, chosen)
    log.log(level, "Forecast with %s on %s cells of %g m: %s", chosen, f"{len(cells):,}", size, why)
    params = _params(history, day, horizon, size, cell_size_m, method, chosen, why, share, seed)
    params.update(
        method_params=prediction.params,
        n_origins=origins,
        incidents_used=int(history.cell.size),
        incidents_outside_area=int(len(train) - history.cell.size),
        offenses=list(offenses) if offenses else None,
    )
    if tested is not None:
        params["backtest"] = tested.params
    return Forecast(cells, tested, history.grid, params)


def backtest(
    incidents: gpd.GeoDataFrame,
    *,
    until: str | pd.Timestamp,
    horizon_months: int,
    cell_size_m: float | Sequence[float] | None = None,
    methods: Sequence[str] = tuple(METHODS),
    boundaries: gpd.GeoDataFrame | None = None,
    offenses: Sequence[str] | None = None,
    n_origins: int = 5,
    area_share: float = 0.01,
    seed: int = 0,
) -> Backtest:
    """Rolling-origin backtest of ``methods`` on the data up to ``until`` (see :func:`forecast`).

    ``cell_size_m`` may be one size, several, or None for 100, 200 and 400 m.
    """
    horizon = _check_horizon(horizon_months)
    share = check_share(area_share)
    for name in methods:
        if name not in METHODS:
            raise invalid("methods", name, tuple(METHODS))
    origins = _check_origins(n_origins, minimum=1)
    day, train, area_for = _prepare(incidents, until, boundaries, offenses)
    if cell_size_m is None or isinstance(cell_size_m, int | float):
        sizes = _cell_sizes(cell_size_m)
    else:
        sizes = tuple(_cell_sizes(s)[0] for s in cell_size_m)
    histories = {s: build_history(train, area_for(s), cell_size_m=s, until=day) for s in sizes}
    return _backtest_histories(histories, tuple(methods), horizon, origins, share, seed)


def score_forecast(
    result: Forecast, incidents: gpd.GeoDataFrame, *, shares: Sequence[float] = AREA_SHARES
) -> pd.DataFrame | None:
    """Score ``result`` on the incidents of its forecast period (data it never saw).

    For evaluation after the fact: ``incidents`` may extend past ``until``; those in the
    forecast period (and of the forecast's offenses) are counted per cell. Returns the
    table of :func:`~hotspots.forecast.scoring.score_ranking` plus ``incidents`` (the test
    incidents inside the grid) and ``complete`` (whether the data covers the whole period),
    or None when the data holds no incident in the period.
    """
    first, last = (pd.Timestamp(d) for d in result.params["forecast_period"])
    local = _local_times(incidents)
    inside = ((local >= first) & (local < last + pd.Timedelta(days=1))).to_numpy()
    later = incidents.loc[inside]
    if result.params.get("offenses"):
        later = apply_filters(later, Filters(offenses=tuple(result.params["offenses"])))
    if later.empty:
        return None
    later = later.to_crs(result.grid.crs)
    xy = shapely.get_coordinates(later.geometry.values)
    flat = result.grid.locate(xy[:, 0], xy[:, 1])
    cells = result.cells.sort_values("cell_id")
    actual = (
        pd.Series(flat[flat >= 0]).value_counts().reindex(cells["cell_id"], fill_value=0).to_numpy()
    )
    scores = score_ranking(cells["expected"].to_numpy(), actual, shares=shares)
    scores["incidents"] = int(actual.sum())
    scores["complete"] = bool(_local_times(incidents).max() >= last)
    return scores


def supported_cell_size(
    table: pd.DataFrame, choices: dict[float, Choice], *, area_share: float
) -> tuple[float, str]:
    """The finest cell size whose recommended method's mean hit rate at ``area_share`` is
    within one standard error (across origins) of the best cell size's.

    Hit rates at the same share of area are comparable across cell sizes (the flagged area
    is the same); finer cells win only if their forecasts hold up.
    """
    at = table.loc[np.isclose(table["area_share"], area_share)]
    stats = {}
    for size, choice in choices.items():
        hits = at.loc[(at["cell_size_m"] == size) & (at["method"] == choice.method), "hit_rate"]
        sem = float(hits.std(ddof=1) / np.sqrt(len(hits))) if len(hits) > 1 else 0.0
        stats[size] = (float(hits.mean()), sem)
    best = max(stats, key=lambda s: stats[s][0])
    floor = stats[best][0] - stats[best][1]
    size = min(s for s in stats if stats[s][0] >= floor)
    text = ", ".join(f"{s:g} m: {stats[s][0]:.1%}" for s in sorted(stats))
    reason = (
        f"finest cell size whose mean hit rate at {area_share:.1%} of the area is within one "
        f"standard error of the best ({text})"
    )
    return size, reason


def _backtest_histories(
    histories: dict[float, History],
    methods: tuple[str, ...],
    horizon: int,
    n_origins: int,
    share: float,
    seed: int,
) -> Backtest:
    tables, choices = [], {}
    for size, history in histories.items():
        table = run_backtest(
            history,
            horizon_months=horizon,
            methods=methods,
            n_origins=n_origins,
            area_share=share,
            seed=seed,
        )
        tables.append(table)
        choices[size] = choose_method(table, area_share=share)
        log.info("Backtest at %g m: %s", size, choices[size].why)
    table = pd.concat(tables, ignore_index=True)
    size, reason = (
        supported_cell_size(table, choices, area_share=share)
        if len(histories) > 1
        else (next(iter(histories)), "given")
    )
    if len(histories) > 1:
        log.info("Cell size set to %g m automatically: %s", size, reason)
    first = next(iter(histories.values()))
    origins = backtest_origins(first, horizon_months=horizon, n_origins=n_origins)
    params = {
        "origins": [o.date().isoformat() for o in origins],
        "horizon_months": horizon,
        "methods": list(methods),
        "simple_baselines": [m for m in SIMPLE_METHODS if m in methods],
        "area_share": share,
        "cell_sizes_m": list(histories),
        "cell_size_m": size,
        "cell_size_reason": reason,
        "choices": {f"{s:g}": {"method": c.method, "why": c.why} for s, c in choices.items()},
        "rule": "a method other than a simple baseline is recommended only if its mean PAI "
        "beats the best simple baseline's and it wins at more than half of the origins",
    }
    return Backtest(table, leaderboard(table), choices, size, params)


def _prepare(
    incidents: gpd.GeoDataFrame,
    until: str | pd.Timestamp,
    boundaries: gpd.GeoDataFrame | None,
    offenses: Sequence[str] | None,
) -> tuple[pd.Timestamp, gpd.GeoDataFrame, Any]:
    day = parse_until(until)
    train = training_incidents(incidents, day)
    if offenses:
        train = apply_filters(train, Filters(offenses=tuple(offenses)))
    if train.empty:
        # Only for the message (no forecast is made): where the data does start.
        first = incidents["occurred_at"].min() if len(incidents) else pd.NaT
        start = pd.Timestamp(first).date().isoformat() if pd.notna(first) else "n/a"
        chosen = " of the chosen offenses" if offenses else ""
        raise invalid(
            "until",
            day.date().isoformat(),
            f"a day within the data: it is before the data (the first incident{chosen} is on "
            f"{start})",
        )
    train = metric_for_training(train)
    bounds = None if boundaries is None else boundaries.to_crs(train.crs)

    def area_for(size: float) -> Any:
        return study_area(train, bounds, size)

    return day, train, area_for


def _local_times(incidents: gpd.GeoDataFrame) -> pd.Series:
    times = incidents["occurred_at"]
    return times.dt.tz_localize(None) if times.dt.tz is not None else times


def _ranked_cells(history: History, expected: np.ndarray, method: str) -> gpd.GeoDataFrame:
    order = ranking(expected)
    ids = history.grid.cell_ids[order]
    return gpd.GeoDataFrame(
        {
            "cell_id": ids,
            "rank": np.arange(1, ids.size + 1, dtype=np.int64),
            "expected": expected[order],
            "method": method,
        },
        geometry=history.grid.polygons(ids),
        crs=history.grid.crs,
    )


def _params(
    history: History,
    day: pd.Timestamp,
    horizon: int,
    size: float,
    requested_size: float | None,
    requested: str,
    chosen: str,
    why: str,
    share: float,
    seed: int,
) -> dict[str, Any]:
    end = history.end + pd.DateOffset(months=horizon) - pd.Timedelta(days=1)
    return {
        "until": day.date().isoformat(),
        "forecast_period": [history.end.date().isoformat(), end.date().isoformat()],
        "horizon_months": horizon,
        "data_start": history.start.date().isoformat(),
        "grid": "square",
        "cell_size_m": size,
        "cell_size_automatic": requested_size is None,
        "cells": history.n_cells,
        "crs": history.grid.crs.to_string(),
        "method_requested": requested,
        "method": chosen,
        "why": why,
        "area_share": share,
        "seed": seed,
    }


def _with_baselines(method: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*SIMPLE_METHODS, method]))


def _cell_sizes(cell_size_m: float | None) -> tuple[float, ...]:
    if cell_size_m is None:
        return CELL_SIZES_M
    size = positive_number(
        "forecast:cell_size_m",
        cell_size_m,
        "a positive number of metres",
        "For example {1}.",
        options=(Option("forecast:cell_size_m", 100),),
    )
    return (size,)


def _check_horizon(horizon_months: Any) -> int:
    return whole_number(
        "horizon_months",
        horizon_months,
        "a whole number of months, at least 1",
        "For example --horizon-months 12 forecasts the year after --until.",
        minimum=1,
    )


def _check_origins(n_origins: Any, *, minimum: int = 0) -> int:
    return whole_number(
        "n_origins",
        n_origins,
        f"a whole number of backtest origins, at least {minimum}",
        minimum=minimum,
    )
