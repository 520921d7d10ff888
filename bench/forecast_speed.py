"""Forecast speed on the bundled Toronto data at 100 m (64,000 cells, 182,000 incidents).

    .venv/bin/python bench/forecast_speed.py [--cell-size-m 100] [--repeat 2]

Targets (issue 10): one forecast <= 10 s; all methods with a 5-origin backtest <= 60 s.
Each figure is shown next to a baseline timed in the same run: the last-period method,
alone and in the same 5-origin backtest. Wall-clock and CPU seconds are both printed: the
machine these figures come from is shared (2 cores, several users), so wall time is noisy
and CPU time is the steadier of the two. Reading the data is timed separately.
"""

from __future__ import annotations

import argparse
import logging
import platform
import time
from collections.abc import Callable
from typing import Any

from hotspots.forecast import forecast
from hotspots.ingest import datasets, load_boundaries, load_incidents

UNTIL = "2019-12-31"
HORIZON = 24


def timed(repeat: int, func: Callable[[], Any]) -> tuple[float, float, Any]:
    """Best wall and CPU seconds of ``repeat`` runs, and the last result."""
    wall, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        result = func()
        wall = min(wall, time.perf_counter() - w0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cell-size-m", type=float, default=100.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    wall, cpu, load = timed(
        1, lambda: load_incidents(datasets.toronto_incidents_path(), quiet=True)
    )
    boundaries = load_boundaries(datasets.toronto_boundaries_path())
    incidents = load.incidents
    print(
        f"Python {platform.python_version()}; reading {len(incidents):,} incidents: {wall:.1f} s wall, {cpu:.1f} s CPU\n"
    )
    common = {
        "until": UNTIL, "horizon_months": HORIZON, "cell_size_m": args.cell_size_m,
        "boundaries": boundaries, "quiet": True,
    }  # fmt: skip
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("one forecast", "last (baseline)", {"method": "last", "n_origins": 0}),
        ("one forecast", "recency", {"method": "recency", "n_origins": 0}),
        ("one forecast", "kde", {"method": "kde", "n_origins": 0}),
        ("one forecast", "model", {"method": "model", "n_origins": 0}),
        ("one forecast", "ensemble", {"method": "ensemble", "n_origins": 0}),
        ("5-origin backtest + forecast", "last + recency (baseline)", {"method": "recency"}),
        ("5-origin backtest + forecast", "all 5 methods (auto)", {"method": "auto"}),
    ]
    print("| task | methods | wall s | CPU s | target |")
    print("|---|---|---|---|---|")
    cells = 0
    for task, label, options in cases:
        wall, cpu, result = timed(args.repeat, lambda o=options: forecast(incidents, **common, **o))  # type: ignore[misc]
        cells = len(result.cells)
        target = "<= 10 s" if task == "one forecast" else "<= 60 s"
        print(f"| {task} | {label} | {wall:.1f} | {cpu:.1f} | {target} |")
    print(f"\n{cells:,} cells of {args.cell_size_m:g} m; until {UNTIL}, horizon {HORIZON} months.")


if __name__ == "__main__":
    main()
