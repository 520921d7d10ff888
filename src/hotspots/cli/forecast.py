"""``hotspots forecast SOURCE|toronto --until YYYY-MM-DD --horizon-months N --out DIR``.

Ranks grid cells by the incidents expected in the ``N`` months after ``--until``, with the
method that won a rolling-origin backtest (a model only if it beats the best simple
baseline). Nothing after ``--until`` is used. Writes forecast.parquet, forecast.geojson,
backtest.csv and forecast.json.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hotspots.cli._common import (
    add_bundled_source,
    add_input_options,
    files_written,
    reject_summary,
    step,
    steps,
)
from hotspots.cli._spacetime import read_source
from hotspots.forecast import METHOD_CHOICES, forecast
from hotspots.forecast.export import write_forecast


def register(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``hotspots forecast``."""
    parser.description = (
        "Forecast where incidents will concentrate in the months after --until: every method "
        "(last period, recency-weighted, kernel density, gradient boosting, ensemble) is "
        "backtested on rolling origins before --until and scored by hit rate, PAI, PEI and "
        "RRI; a model is used only if it beats the best simple baseline. Writes "
        "forecast.parquet, forecast.geojson, backtest.csv and forecast.json."
    )
    add_bundled_source(parser)
    parser.add_argument("--until", required=True, help="last day of training data, YYYY-MM-DD")
    parser.add_argument(
        "--horizon-months", type=int, required=True, help="months to forecast after --until"
    )
    parser.add_argument(
        "--cell-size-m",
        type=float,
        help="square cell size in metres (default: the finest of 100, 200, 400 m the backtest supports)",
    )
    parser.add_argument(
        "--method", choices=METHOD_CHOICES, default="auto", help="forecast method (default auto)"
    )
    parser.add_argument("--offense", action="append", help="keep only this offense; repeatable")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--boundaries",
        type=Path,
        help="polygons the grid covers (default for 'toronto': the bundled neighbourhoods)",
    )
    parser.add_argument(
        "--n-origins", type=int, default=5, help="backtest origins (default 5; 0 skips it)"
    )
    parser.add_argument(
        "--area-share",
        type=float,
        default=0.01,
        help="share of the area the methods are judged at (default 0.01 = 1%%)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the model (default 0)")
    parser.add_argument("--top", type=int, default=10, help="cells to print (default 10)")
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    add_input_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    console = Console()
    with steps(quiet=args.quiet) as progress:
        load, boundaries = read_source(args, progress)
        with step(progress, "Backtesting the methods and forecasting"):
            result = forecast(
                load.incidents,
                until=args.until,
                horizon_months=args.horizon_months,
                cell_size_m=args.cell_size_m,
                method=args.method,
                boundaries=boundaries,
                offenses=args.offense,
                n_origins=args.n_origins,
                area_share=args.area_share,
                seed=args.seed,
                quiet=args.quiet,
            )
        with step(progress, f"Writing results to {args.out}"):
            paths = write_forecast(result, args.out)
    if not args.quiet:
        params = result.params
        console.print(reject_summary(load))
        if result.backtest is not None:
            console.print(_leaderboard(result, args.area_share))
        console.print(
            f"Method: [bold]{params['method']}[/] - {params['why']}", soft_wrap=True, markup=True
        )
        console.print(_top_cells(result, args.top))
        console.print(files_written(args.out, paths))
    return 0


def _leaderboard(result: object, share: float) -> Table:
    from hotspots.forecast.verbs import Forecast

    assert isinstance(result, Forecast) and result.backtest is not None
    board = result.backtest.leaderboard
    size = result.params["cell_size_m"]
    rows = board.loc[(board["cell_size_m"] == size) & (abs(board["area_share"] - share) < 1e-12)]
    table = Table(
        title=f"Backtest at {share:.1%} of the area, {size:g} m cells, "
        f"{int(rows['origins'].max())} origins (mean across origins)",
        title_justify="left",
    )
    for name in ("Method", "PAI", "PAI range", "Hit rate", "PEI", "RRI"):
        table.add_column(name, justify="left" if name == "Method" else "right")
    for row in rows.itertuples():
        table.add_row(
            str(row.method),
            f"{row.pai:.1f}",
            f"{row.pai_min:.1f}-{row.pai_max:.1f}",
            f"{row.hit_rate:.1%}",
            f"{row.pei:.2f}",
            f"{row.rri:.2f}",
        )
    return table


def _top_cells(result: object, top: int) -> Table:
    from hotspots.forecast.verbs import Forecast
    from hotspots.spatial.projection import DISPLAY_CRS

    assert isinstance(result, Forecast)
    head = result.cells.head(top)
    centres = head.geometry.centroid.to_crs(DISPLAY_CRS)
    period = " to ".join(result.params["forecast_period"])
    table = Table(title=f"Top {len(head)} cells, expected incidents {period}", title_justify="left")
    for name in ("Rank", "Expected", "Longitude", "Latitude"):
        table.add_column(name, justify="right")
    for row, point in zip(head.itertuples(), centres, strict=True):
        table.add_row(str(row.rank), f"{row.expected:.1f}", f"{point.x:.5f}", f"{point.y:.5f}")
    return table
