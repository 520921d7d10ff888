"""Rolling-origin backtests and the honest choice of a method.

Origins step back from the last one whose test period ends at the end of the history
(``until``): ``origin_k = end − horizon − k × step`` months. At each origin every method is
fitted on the history before it only and scored on the following ``horizon_months`` by
hit rate, PAI, PEI and RRI (:mod:`.scoring`).

The recommendation is honest: a method that is not a simple baseline (``last``,
``recency``) is recommended only if its mean PAI at the target share is higher than the
best simple baseline's *and* it beats that baseline at more than half of the origins;
otherwise the best simple baseline is used, and the reason says so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspots.errors import InputError, Option, literal
from hotspots.forecast.history import History
from hotspots.forecast.methods import METHODS, SIMPLE_METHODS, OriginData, predict
from hotspots.forecast.scoring import AREA_SHARES, score_ranking

log = logging.getLogger(__name__)

#: Months of history the earliest backtest origin needs.
MIN_TRAIN_MONTHS = 12
#: Months between backtest origins (at most; shorter horizons step by the horizon).
MAX_STEP_MONTHS = 6
#: Columns of a backtest table.
BACKTEST_COLUMNS = (
    "cell_size_m", "method", "origin", "area_share", "cells_flagged",
    "hit_rate", "pai", "pei", "rri",
)  # fmt: skip


@dataclass(frozen=True)
class Choice:
    """The recommended method and why."""

    method: str
    why: str
    leaderboard: pd.DataFrame


def backtest_origins(
    history: History, *, horizon_months: int, n_origins: int, step_months: int | None = None
) -> list[pd.Timestamp]:
    """The backtest origins, earliest first; raises when the history is too short."""
    step = step_months or min(MAX_STEP_MONTHS, horizon_months)
    last = history.end - pd.DateOffset(months=horizon_months)
    origins = [last - pd.DateOffset(months=k * step) for k in range(n_origins)][::-1]
    have = history.months_before(origins[0])
    if have < MIN_TRAIN_MONTHS:
        need = MIN_TRAIN_MONTHS + horizon_months + (n_origins - 1) * step
        raise InputError(
            literal(
                f"Too little history for a backtest: {n_origins} origin(s) {step} month(s) apart "
                f"with a horizon of {horizon_months} month(s) need {need} months of data up to "
                f"the last training day (the earliest origin needs {MIN_TRAIN_MONTHS} months of "
                f"training), but the data starts {history.start.date().isoformat()}, "
                f"{history.months_before(history.end):.0f} months before. "
            )
            + "Use a later {0}, a shorter {1} or fewer {2}.",
            options=(Option("until"), Option("horizon_months"), Option("n_origins")),
        )
    return origins


def run_backtest(
    history: History,
    *,
    horizon_months: int,
    methods: Sequence[str] = tuple(METHODS),
    n_origins: int = 5,
    area_share: float = 0.01,
    shares: Sequence[float] = AREA_SHARES,
    seed: int = 0,
) -> pd.DataFrame:
    """Score every method at every origin; one row per method × origin × area share."""
    rows = []
    for origin in backtest_origins(history, horizon_months=horizon_months, n_origins=n_origins):
        end = origin + pd.DateOffset(months=horizon_months)
        actual = history.counts(origin, end)
        previous = history.counts(origin - pd.DateOffset(months=horizon_months), origin)
        data = OriginData(history.before(origin), horizon_months, area_share, seed)
        for name in methods:
            scores = score_ranking(
                predict(name, data).expected, actual, previous=previous, shares=shares
            )
            scores.insert(0, "origin", origin.date().isoformat())
            scores.insert(0, "method", name)
            rows.append(scores)
        log.debug("Backtest origin %s done", origin.date())
    table = pd.concat(rows, ignore_index=True)
    table.insert(0, "cell_size_m", history.grid.cell_size_m)
    return table


def leaderboard(table: pd.DataFrame) -> pd.DataFrame:
    """Mean, spread and range of each score per cell size × method × share, best PAI first."""
    grouped = table.groupby(["cell_size_m", "method", "area_share"], sort=False)
    board = grouped.agg(
        origins=("pai", "size"),
        hit_rate=("hit_rate", "mean"),
        pai=("pai", "mean"),
        pai_sd=("pai", "std"),
        pai_min=("pai", "min"),
        pai_max=("pai", "max"),
        pei=("pei", "mean"),
        rri=("rri", "mean"),
    ).reset_index()
    return board.sort_values(["cell_size_m", "area_share", "pai"], ascending=[True, True, False])


def choose_method(table: pd.DataFrame, *, area_share: float) -> Choice:
    """Recommend a method from one cell size's backtest (see the module docs for the rule)."""
    at = table.loc[np.isclose(table["area_share"], area_share)]
    pai = at.pivot_table(index="origin", columns="method", values="pai", aggfunc="mean")
    means = pai.mean()
    simple = [m for m in SIMPLE_METHODS if m in pai.columns]
    board = leaderboard(table)
    if not simple:
        best = str(means.idxmax())
        return Choice(best, f"{best} had the highest mean PAI (no simple baseline was run).", board)
    baseline = max(simple, key=lambda m: means[m])
    others = [m for m in pai.columns if m not in SIMPLE_METHODS]
    share_text = f"{area_share:.1%} of the area"
    if not others:
        why = f"{baseline} is the better simple baseline (mean PAI {means[baseline]:.1f} at {share_text})."
        return Choice(baseline, why, board)
    challenger = max(others, key=lambda m: means[m])
    wins = int((pai[challenger] > pai[baseline]).sum())
    n = len(pai)
    if means[challenger] > means[baseline] and wins > n / 2:
        why = (
            f"{challenger} beat the best simple baseline ({baseline}) at {wins} of {n} backtest "
            f"origins, mean PAI {means[challenger]:.1f} against {means[baseline]:.1f} at {share_text}."
        )
        return Choice(challenger, why, board)
    why = (
        f"No method beat the best simple baseline ({baseline}, mean PAI {means[baseline]:.1f} at "
        f"{share_text}) across the backtest: the best other, {challenger}, had "
        f"{means[challenger]:.1f} and won at {wins} of {n} origins; so {baseline} is used."
    )
    return Choice(baseline, why, board)
