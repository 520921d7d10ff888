"""End to end, whole commands side by side: ``hotspots analyze`` vs the standard stack vs the floor.

    .venv/bin/python bench/end_to_end.py [--sizes 1000000 10000000] [--formats csv parquet]

For each size a seeded synthetic city (``hotspots.ingest.synthetic``, 20 planted hot spots) is
written as CSV and Parquet; then, in one run, moments apart, each command is timed as a whole
process (interpreter start and imports included; the package's bytecode compiled first, as
an install does) with its CPU time (user + system) and peak
resident memory (``ru_utime``, ``ru_stime``, ``ru_maxrss`` of that child, from ``os.wait4``;
on a shared machine CPU time moves less than wall time):

* **ours** - ``hotspots analyze FILE --cell-size-m 250 --no-lisa`` (reads, validates every
  row with a reject report, counts, Gi* + FDR, writes GeoParquet/GeoJSON/CSV/JSON);
* **standard stack** - ``bench/standard_stack.py`` (pandas → GeoDataFrame → to_crs → fishnet →
  sjoin → libpysal Queen → esda G_Local → FDR → GeoParquet);
* **floor** - ``bench/floor.py`` (pyarrow read with typed columns + NumPy binning).

The standard stack and the floor run with the memory settings ``hotspots`` makes for itself
(small pages for NumPy, the system allocator for Arrow: ``hotspots.allocator``), so that
the ratios compare code; ``--baseline-defaults`` leaves them their libraries' defaults.
Prints a Markdown table with the ratios (targets: >= 5x faster than the standard stack,
within 2x of the floor). Nothing here is a test: on a shared machine timings are noisy,
so each command runs ``--repeat`` times and the best wall time is kept.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from timing import compile_like_an_install

from hotspots.ingest.synthetic import synthetic_csv

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CELL_SIZE_M = "250"


#: The memory settings ``hotspots`` makes for itself (:func:`hotspots.allocator.tune_memory`),
#: given to every command measured here, the baselines too: ratios of code, not of settings.
SAME_MEMORY = {"NUMPY_MADVISE_HUGEPAGE": "0", "ARROW_DEFAULT_MEMORY_POOL": "system"}


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float, float]:
    """Wall seconds, peak resident MiB, CPU seconds (user + system) and user CPU seconds of
    one whole command (run with ``env``, default this environment). System time here is
    mostly page faults, which this VM serves at very different speeds from run to run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr}")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, usage.ru_maxrss / 1024, cpu, usage.ru_utime  # maxrss in KiB


def in_own_process(target: Callable[..., None], *args: object) -> None:
    """``target(*args)`` in a new (spawned) process: a command started from this one would
    report this one's resident memory as its own peak (Linux copies the peak into a forked
    child), so the benches write their data elsewhere."""
    process = multiprocessing.get_context("spawn").Process(target=target, args=args)
    process.start()
    process.join()
    if process.exitcode != 0:
        raise SystemExit(f"{target.__name__} failed")


def write_data(n: int, csv: Path, parquet: Path | None) -> None:
    """The seeded city's ``n`` incidents as CSV (and Parquet), unless already written."""
    if not csv.exists():
        synthetic_csv(csv, n, hotspots=20, rng=6)
    if parquet is not None and not parquet.exists():
        pq.write_table(pacsv.read_csv(csv), parquet, compression="zstd")


def commands(source: Path, out: Path) -> dict[str, list[str]]:
    hotspots = str(BIN / "hotspots")
    return {
        "ours": [
            hotspots, "analyze", str(source), "--out", str(out / "ours"), "--cell-size-m",
            CELL_SIZE_M, "--no-lisa", "--quiet", "--timezone", "America/Toronto",
        ],
        "standard stack": [
            sys.executable, str(HERE / "standard_stack.py"), str(source), "--out",
            str(out / "standard"), "--cell-size-m", CELL_SIZE_M,
        ],
        "floor": [
            sys.executable, str(HERE / "floor.py"), str(source), "--out", str(out / "floor"),
            "--cell-size-m", CELL_SIZE_M,
        ],
    }  # fmt: skip


def _row(n: int, kind: str, measured: dict[str, tuple[float, float, float, float]]) -> str:
    def cell(name: str) -> str:
        wall, mib, cpu, _ = measured[name]
        return f"{wall:.1f} / {cpu:.1f} / {mib:,.0f}"

    ours, floor = measured["ours"], measured["floor"]
    std = measured.get("standard stack")
    versus = f"{std[0] / ours[0]:.1f}x, {std[2] / ours[2]:.1f}x faster" if std else "-"
    return (
        f"| {n:,} | {kind} | {cell('ours')} | {cell('standard stack') if std else '-'} | "
        f"{versus} | {cell('floor')} | {ours[0] / floor[0]:.1f}x, {ours[2] / floor[2]:.1f}x |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--formats", nargs="+", default=["csv", "parquet"])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--standard-max",
        type=int,
        default=10_000_000,
        help="largest size to run the standard stack on",
    )
    parser.add_argument("--data", type=Path, help="folder to keep the generated files in")
    parser.add_argument(
        "--baseline-defaults",
        action="store_true",
        help="run the standard stack and the floor with their libraries' memory defaults "
        "(huge pages for NumPy, mimalloc for Arrow) instead of hotspots' settings",
    )
    args = parser.parse_args(argv)
    print(f"bytecode of {compile_like_an_install()} compiled, as an install does", flush=True)
    same = None if args.baseline_defaults else {**os.environ, **SAME_MEMORY}
    rows: list[str] = []
    loads: list[float] = []
    with tempfile.TemporaryDirectory(prefix="hotspots-bench-") as tmp:
        data = args.data or Path(tmp)
        data.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            csv = data / f"incidents_{n}.csv"
            files = {"csv": csv}
            if "parquet" in args.formats:
                files["parquet"] = csv.with_suffix(".parquet")
            in_own_process(write_data, n, csv, files.get("parquet"))
            for kind in args.formats:
                measured: dict[str, tuple[float, float, float, float]] = {}
                for name, command in commands(files[kind], Path(tmp) / f"{n}{kind}").items():
                    if name == "standard stack" and n > args.standard_max:
                        continue
                    before = os.getloadavg()[0]
                    env = same if name != "ours" else None  # ours makes its own settings
                    best = min(run(command, env) for _ in range(args.repeat))
                    measured[name] = best
                    loads.extend([before, os.getloadavg()[0]])
                    print(
                        f"{n:,} {kind} {name}: {best[0]:.2f} s wall, {best[2]:.2f} s CPU, "
                        f"{best[1]:.0f} MiB (load average {before:.1f} before)",
                        flush=True,
                    )
                rows.append(_row(n, kind, measured))
    print(
        "\nwall s / CPU s (user + system) / peak MiB of each whole command\n"
        "\n| incidents | file | hotspots analyze | standard stack | vs standard (wall, CPU) "
        "| floor | vs floor (wall, CPU) |\n|---|---|---|---|---|---|---|"
    )
    print("\n".join(rows))
    print(
        f"\n1-minute load average during the run: {min(loads):.1f} to {max(loads):.1f} "
        f"({os.cpu_count()} cores); on a shared machine compare the CPU columns."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
