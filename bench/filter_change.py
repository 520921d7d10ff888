"""CPU seconds of one filter change on the Map page: fresh analysis vs reused layouts.

    PYTHONPATH=src .venv/bin/python bench/filter_change.py [--repeat 3]

On the bundled Toronto data (as the dashboard loads it), each new filter combination is
analyzed the way ``hotspots.dashboard.cached.analysis`` does it, twice per round, side by
side in the same process: without :class:`hotspots.analysis.Layouts` (what every filter
change cost before) and with the data set's ``Layouts`` already holding the grids the
earlier filters built (what a filter change costs now). The results are checked equal.
Timings on a shared machine are noisy: CPU seconds (user + sys of this process) are
steadier than wall seconds; the load average is printed with them. Not a test.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
import warnings

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds over the filters")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")

    from hotspots.analysis import Layouts
    from hotspots.dashboard.selection import AnalysisKey
    from hotspots.dashboard.startup import analyze_key, default_key, default_view
    from hotspots.spatial.filters import Filters

    dataset, _ = default_view()
    start = default_key(dataset).filters.start
    first_year = int(dataset.last_day.year)
    filters = [
        Filters(offenses=("Robbery",), start=start),
        Filters(offenses=("Assault",), start=start),
        Filters(start=f"{first_year}-01-01"),
        Filters(offenses=("Break and Enter",), start=f"{first_year - 1}-01-01"),
        Filters(offenses=("Auto Theft",), start=start),
    ]
    layouts = Layouts(dataset.load.table, dataset.boundaries)
    for f in filters:  # the grids of these filters' cell sizes, as earlier clicks built them
        analyze_key(dataset, AnalysisKey(dataset.key, f), layouts=layouts)
    rows = []
    for _ in range(args.repeat):
        for f in filters:
            key = AnalysisKey(dataset.key, f)
            timed = {}
            for name, memo in (("fresh", None), ("reused", layouts)):
                cpu0, wall0 = os.times(), time.perf_counter()
                result = analyze_key(dataset, key, layouts=memo)
                cpu1, wall1 = os.times(), time.perf_counter()
                cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
                timed[name] = (cpu, wall1 - wall0, result)
            pd.testing.assert_frame_equal(timed["fresh"][2].cells, timed["reused"][2].cells)
            rows.append(
                {
                    "filters": f.describe(),
                    "cell_size_m": timed["fresh"][2].params["cell_size_m"],
                    "fresh_cpu_s": timed["fresh"][0],
                    "reused_cpu_s": timed["reused"][0],
                    "fresh_wall_s": timed["fresh"][1],
                    "reused_wall_s": timed["reused"][1],
                }
            )
    table = pd.DataFrame(rows).groupby(["filters", "cell_size_m"], sort=False).median()
    table["cpu_ratio"] = table["reused_cpu_s"] / table["fresh_cpu_s"]
    print(f"load average {os.getloadavg()}; median of {args.repeat} rounds\n")
    print(table.round(3).to_string())
    total = table[["fresh_cpu_s", "reused_cpu_s"]].sum()
    print(
        f"\nall filters: fresh {total['fresh_cpu_s']:.2f} CPU s, reused "
        f"{total['reused_cpu_s']:.2f} CPU s (ratio {total['reused_cpu_s'] / total['fresh_cpu_s']:.2f})"
    )


if __name__ == "__main__":
    main()
