"""Forecast accuracy on data the forecast never saw: Toronto, train to 2019, test 2020-2021.

    .venv/bin/python bench/forecast_accuracy.py [--cell-size-m 100] [--sizes 100 200 400]

The issue's "done when" run: ``forecast(toronto, until=2019-12-31, horizon_months=24,
cell_size_m=100)`` chooses its method by a 5-origin backtest on 2014-2019 only; here every
method's forecast from the same origin (2020-01-01) is scored on the incidents of 2020-2021,
next to the two rankings the tool offered before: cells by Gi* z of the 2014-2019 counts
(queen contiguity) and cells by plain 2014-2019 counts. Then the backtest leaderboard by
cell size (100, 200, 400 m) with the held-out PAI of each size's chosen method.

Prints Markdown tables (paste them into the README). The held-out data is read only here,
for scoring; the forecast itself is made from a copy cut at ``until``.
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np
import pandas as pd

from hotspots.forecast import METHODS, forecast
from hotspots.forecast.history import History, build_history, study_area
from hotspots.forecast.methods import OriginData, predict
from hotspots.forecast.scoring import AREA_SHARES, score_ranking
from hotspots.ingest import datasets, load_boundaries, load_incidents
from hotspots.stats.gistar import gi_star
from hotspots.stats.weights import grid_contiguity

UNTIL = "2019-12-31"
HORIZON = 24
TEST_START, TEST_END = pd.Timestamp("2020-01-01"), pd.Timestamp("2022-01-01")
TRAIN_START = pd.Timestamp("2014-01-01")


def held_out_counts(history_all: History) -> np.ndarray:
    """Incidents per cell in 2020-2021 (from a history that extends past ``until``)."""
    return history_all.counts(TEST_START, TEST_END)


def table(rows: list[dict[str, object]]) -> str:
    frame = pd.DataFrame(rows)
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cell-size-m", type=float, default=100.0)
    parser.add_argument("--sizes", type=float, nargs="*", default=[100.0, 200.0, 400.0])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    incidents = load_incidents(datasets.toronto_incidents_path(), quiet=True).incidents
    boundaries = load_boundaries(datasets.toronto_boundaries_path())
    local = incidents["occurred_at"].dt.tz_localize(None)
    train_only = incidents.loc[(local < TEST_START).to_numpy()]

    start = time.perf_counter()
    result = forecast(
        train_only, until=UNTIL, horizon_months=HORIZON, cell_size_m=args.cell_size_m,
        boundaries=boundaries,
    )  # fmt: skip
    wall = time.perf_counter() - start
    print(f"forecast(toronto, until={UNTIL}, horizon_months={HORIZON}, cell_size_m={args.cell_size_m:g}): "
          f"{wall:.1f} s wall; chose {result.params['method']}: {result.params['why']}\n")  # fmt: skip

    rows, by_size = [], []
    for size in sorted({args.cell_size_m, *args.sizes}):
        area = study_area(train_only, boundaries.to_crs(train_only.crs), size)
        every = build_history(incidents, area, cell_size_m=size, until=pd.Timestamp("2021-12-31"))
        actual = held_out_counts(every)
        past = every.before(TEST_START)
        data = OriginData(past, HORIZON, 0.01, 0)
        rankings = {name: predict(name, data).expected for name in METHODS}
        train_counts = past.counts(TRAIN_START, TEST_START)
        rankings["plain counts 2014-2019"] = train_counts
        rankings["Gi* z 2014-2019"] = gi_star(train_counts, grid_contiguity(past.grid), fdr=False).z
        if size == args.cell_size_m:
            for name, expected in rankings.items():
                scores = score_ranking(expected, actual, shares=AREA_SHARES)
                row: dict[str, object] = {"ranking": name}
                for s in scores.itertuples():
                    row[f"PAI {s.area_share:.1%}"] = f"{s.pai:.1f}"
                one = scores.loc[np.isclose(scores["area_share"], 0.01)].iloc[0]
                row["hit rate 1%"] = f"{one.hit_rate:.1%}"
                row["PEI 1%"] = f"{one.pei:.2f}"
                rows.append(row)
        sized = forecast(
            train_only, until=UNTIL, horizon_months=HORIZON, cell_size_m=size, boundaries=boundaries
        )
        board = sized.backtest.leaderboard if sized.backtest is not None else None
        assert board is not None
        chosen = sized.params["method"]
        at = board.loc[(board["method"] == chosen) & np.isclose(board["area_share"], 0.01)].iloc[0]
        held = score_ranking(rankings[chosen], actual, shares=[0.01]).iloc[0]
        by_size.append(
            {
                "cell size": f"{size:g} m",
                "cells": f"{past.n_cells:,}",
                "chosen": chosen,
                "backtest PAI 1% (mean, range)": f"{at.pai:.1f} ({at.pai_min:.1f}-{at.pai_max:.1f})",
                "backtest hit rate 1%": f"{at.hit_rate:.1%}",
                "held-out 2020-21 PAI 1%": f"{held.pai:.1f}",
                "held-out hit rate 1%": f"{held.hit_rate:.1%}",
            }
        )
    print(f"Held-out 2020-2021, {args.cell_size_m:g} m cells (trained on data up to {UNTIL}):\n")
    print(table(rows))
    print("\nLeaderboard by cell size (backtest on 2014-2019; held-out 2020-2021):\n")
    print(table(by_size))


if __name__ == "__main__":
    main()
