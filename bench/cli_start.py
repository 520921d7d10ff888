"""Start-up time of the ``hotspots`` command: ``hotspots --help`` against bare Python.

    PYTHONPATH=src .venv/bin/python bench/cli_start.py [--repeat 15]

Each command runs in a fresh process; the table gives the median and best wall time of
``--repeat`` runs, measured interleaved (one of each per round) so machine noise hits
them alike, and the ratio against ``python -c pass`` (the floor: the interpreter and
site-packages). ``python -c "import geopandas"`` is shown for scale: what ``--help`` took
when every sub-command was imported up front, and what any analysis must import. A small
whole analysis (5,000 seeded incidents in a CSV, exact Gi* and Local Moran, with the default
automatic cell size and with ``--cell-size-m 250``) shows how much of a small job start-up
is. Target: ``hotspots --help`` ≤ 0.3 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import compile_like_an_install

from hotspots.ingest.synthetic import synthetic_csv


def commands(folder: Path) -> dict[str, list[str]]:
    """Label -> argv. The console script next to this interpreter when installed; the small
    analyses read and write in ``folder``."""
    script = Path(sys.executable).with_name("hotspots")
    help_cmd = (
        [str(script), "--help"]
        if script.exists()
        else [
            sys.executable,
            "-c",
            "import sys; from hotspots.cli import entry; sys.exit(entry())",
            "--help",
        ]
    )
    small = synthetic_csv(folder / "incidents_5000.csv", 5_000, hotspots=3, rng=1)
    analyze = [*help_cmd[:-1], "analyze", str(small), "--out", str(folder / "out"), "--quiet"]
    analyze += ["--timezone", "America/Toronto"]
    return {
        "`python -c pass` (baseline)": [sys.executable, "-c", "pass"],
        "`hotspots --help`": help_cmd,
        "`hotspots analyze --help`": [*help_cmd[:-1], "analyze", "--help"],
        '`python -c "import geopandas"` (for scale)': [sys.executable, "-c", "import geopandas"],
        "`hotspots analyze` 5,000 incidents, automatic cell size": analyze,
        "`hotspots analyze` 5,000 incidents, `--cell-size-m 250`": [
            *analyze,
            "--cell-size-m",
            "250",
        ],
    }


def wall_time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=os.environ.copy())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    compile_like_an_install()  # as installing the package does (see bench/timing.py)
    folder = Path(tempfile.mkdtemp(prefix="hotspots-cli-start-"))
    runs = commands(folder)
    times: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(args.repeat):
        for label, argv in runs.items():
            times[label].append(wall_time(argv))
    base = statistics.median(times["`python -c pass` (baseline)"])
    command = runs["`hotspots --help`"][0]
    print(f"{command} ({args.repeat} interleaved runs)\n")
    print("| command | median | best | median vs `python -c pass` |")
    print("|---|---|---|---|")
    for label, values in times.items():
        median = statistics.median(values)
        print(f"| {label} | {median:.3f} s | {min(values):.3f} s | {median / base:.1f}× |")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
