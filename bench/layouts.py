"""The same incidents in the layouts real exports come in, each as a whole ``hotspots analyze``.

    .venv/bin/python bench/layouts.py [--size 1000000] [--repeat 3] [--base 9d19710]

``bench/end_to_end.py`` times one tidy layout (``lat, lon, date, offense``, ISO dates). Real
exports look otherwise, and a user's file must not be slower because of how it spells a
date. One seeded synthetic city (``hotspots.ingest.synthetic``, 20 planted hot spots) is
written four times, the same incidents in the same order:

* **iso**: ``end_to_end.py``'s file;
* **portal**: a Socrata-style export (Chicago, Los Angeles...): case number, month-first
  ``MM/DD/YYYY hh:mm:ss AM`` dates, block, a description holding quotes and commas, beat,
  then latitude and longitude;
* **split**: a Vancouver-style export: type, year, month, day, hour and minute in columns
  of their own, hundred block, neighbourhood, and X/Y in UTM zone 17N metres (``--crs``);
* **day-first**: ``DD/MM/YYYY HH:MM`` dates (British and Canadian exports).

Each command (``--cell-size-m 250 --no-lisa``, bytecode compiled as an install does) runs
``--repeat`` times, the layouts alternating; the best wall time is kept with its peak
memory, and the least user CPU time (``os.wait4``: system time, mostly page faults, moves by
seconds between identical runs on this VM). With ``--base REV`` the same commands also run with
that revision's code (``git archive``), side by side in the same rounds. Every layout's
cell counts are compared with the iso file's: the analysis must not depend on the layout
(UTM coordinates rounded to the centimetre can move a point across a cell edge; such
cells are counted and printed). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import compileall
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from end_to_end import SAME_MEMORY, commands, in_own_process, run
from pyproj import Transformer
from timing import compile_like_an_install

from hotspots.ingest.synthetic import synthetic_csv

ROOT = Path(__file__).resolve().parents[1]
#: UTM zone 17N: the synthetic city's zone, the CRS of the split layout's X/Y.
UTM_17N = "EPSG:32617"


def _portal(iso: pa.Table, when: pa.Array, rng: np.random.Generator) -> pa.Table:
    n = iso.num_rows
    streets = np.array([f"{k:03d}XX W STREET {k}" for k in range(400)], dtype=object)
    return pa.table(
        {
            "Case Number": pa.array([f"JD{100000 + i}" for i in range(n)]),
            "Date": pc.strftime(when, format="%m/%d/%Y %I:%M:%S %p"),
            "Block": pa.array(streets[rng.integers(0, streets.size, n)]),
            "Primary Type": iso.column("offense"),
            "Description": pa.array(
                np.where(rng.random(n) < 0.3, 'AGGRAVATED: "HANDGUN", OTHER', "SIMPLE")
            ),
            "Beat": pa.array(rng.integers(100, 2600, n)),
            "Latitude": iso.column("lat"),
            "Longitude": iso.column("lon"),
        }
    )


def _split(iso: pa.Table, when: pa.Array, rng: np.random.Generator) -> pa.Table:
    n = iso.num_rows
    to_utm = Transformer.from_crs("EPSG:4326", UTM_17N, always_xy=True)
    x, y = to_utm.transform(iso.column("lon").to_numpy(), iso.column("lat").to_numpy())
    areas = np.array([f"Area {k}" for k in range(24)], dtype=object)
    blocks = np.array([f"{k}XX MAIN ST" for k in range(997)], dtype=object)
    return pa.table(
        {
            "TYPE": iso.column("offense"),
            "YEAR": pc.year(when),
            "MONTH": pc.month(when),
            "DAY": pc.day(when),
            "HOUR": pc.hour(when),
            "MINUTE": pc.minute(when),
            "HUNDRED_BLOCK": pa.array(blocks[rng.integers(0, blocks.size, n)]),
            "NEIGHBOURHOOD": pa.array(areas[rng.integers(0, areas.size, n)]),
            "X": pa.array(np.round(x, 2)),
            "Y": pa.array(np.round(y, 2)),
        }
    )


def _day_first(iso: pa.Table, when: pa.Array, rng: np.random.Generator) -> pa.Table:
    del rng
    return iso.set_column(2, "date", pc.strftime(when, format="%d/%m/%Y %H:%M"))


LAYOUTS: dict[str, tuple[Callable[[pa.Table, pa.Array, np.random.Generator], pa.Table], list[str]]] = {
    "portal": (_portal, []),
    "split": (_split, ["--crs", UTM_17N]),
    "day-first": (_day_first, []),
}  # fmt: skip


def layout_files(iso_path: Path, folder: Path) -> dict[str, tuple[Path, list[str]]]:
    """The iso file and each layout's file: name -> (file, extra options of the command)."""
    files: dict[str, tuple[Path, list[str]]] = {"iso": (iso_path, [])}
    for name, (_, options) in LAYOUTS.items():
        files[name] = (folder / f"{iso_path.stem}_{name}.csv", options)
    return files


def write_layouts(iso_path: Path, folder: Path) -> dict[str, tuple[Path, list[str]]]:
    """Write each layout of the iso file's incidents that is not there yet; the files."""
    types = {"date": pa.timestamp("s"), "offense": pa.string()}
    iso = pacsv.read_csv(iso_path, convert_options=pacsv.ConvertOptions(column_types=types))
    files = layout_files(iso_path, folder)
    for name, (build, _) in LAYOUTS.items():
        path = files[name][0]
        if not path.exists():
            table = build(iso, iso.column("date"), np.random.default_rng(3))
            pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return files


def _write_data(iso_path: Path, size: int) -> None:
    if not iso_path.exists():
        synthetic_csv(iso_path, size, hotspots=20, rng=6)
    write_layouts(iso_path, iso_path.parent)


def cell_counts(out: Path) -> pd.Series:
    """Incidents per cell of an analysis written to ``out``."""
    cells = pd.read_parquet(out / "cells.parquet", columns=["cell_id", "count"])
    return cells.set_index("cell_id")["count"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--base", help="git revision to run side by side")
    parser.add_argument("--data", type=Path, help="folder to keep the generated files in")
    args = parser.parse_args(argv)
    print(f"bytecode of {compile_like_an_install()} compiled, as an install does", flush=True)
    with tempfile.TemporaryDirectory(prefix="hotspots-layouts-") as tmp:
        data = args.data or Path(tmp)
        data.mkdir(parents=True, exist_ok=True)
        iso = data / f"incidents_{args.size}.csv"
        in_own_process(_write_data, iso, args.size)
        files = layout_files(iso, data)
        trees: dict[str, Path | None] = {"now": None}
        if args.base:
            from app_speed import export_revision

            base = export_revision(args.base, Path(tmp) / "base")
            compileall.compile_dir(base / "src" / "hotspots", quiet=1)
            trees = {"base": base / "src", "now": None}
        # Per layout and tree: the best wall time (with its peak memory) and the least user CPU.
        best: dict[tuple[str, str], tuple[float, float]] = {}
        user: dict[tuple[str, str], float] = {}
        loads: list[float] = []
        for _ in range(args.repeat):
            for layout, (path, options) in files.items():
                for tree, src in trees.items():
                    out = Path(tmp) / f"out-{tree}-{layout}"
                    # Both trees with today's memory settings: the code is what differs.
                    env = {**os.environ, **SAME_MEMORY, **({"PYTHONPATH": str(src)} if src else {})}
                    loads.append(os.getloadavg()[0])
                    ours = commands(path, out)["ours"]  # end_to_end.py's command
                    wall, mib, _, user_s = run([*ours, *options], env=env)
                    key = (layout, tree)
                    best[key] = min(best.get(key, (wall, mib)), (wall, mib))
                    user[key] = min(user.get(key, user_s), user_s)
        print(
            f"\n{args.size:,} incidents; wall s / user CPU s / peak MiB, the least of "
            f"{args.repeat} runs (system time left out: page faults, whose cost moves a lot here)\n"
        )
        print(
            "| layout | file MB | " + " | ".join(trees) + (" | now / base |" if args.base else " |")
        )
        print("|---" * (len(trees) + 2 + bool(args.base)) + "|")
        reference = cell_counts(Path(tmp) / "out-now-iso" / "ours")
        notes = []
        for layout, (path, _) in files.items():
            cells = [(*best[(layout, tree)], user[(layout, tree)]) for tree in trees]
            row = f"| {layout} | {path.stat().st_size / 1e6:.0f} | " + " | ".join(
                f"{wall:.2f} / {user_s:.2f} / {mib:,.0f}" for wall, mib, user_s in cells
            )
            if args.base:
                (base_wall, _, base_user), (now_wall, _, now_user) = cells
                row += f" | {now_wall / base_wall:.2f} wall, {now_user / base_user:.2f} user CPU"
            print(row + " |")
            counts = cell_counts(Path(tmp) / f"out-now-{layout}" / "ours")
            counts = counts.reindex(reference.index)
            differ = int((counts != reference).sum())
            if differ:
                notes.append(
                    f"{layout}: {differ} cells differ from iso by {int((counts - reference).abs().sum())} incidents"
                )
        print("\ncell counts: " + ("; ".join(notes) if notes else "every layout identical to iso"))
        print(f"1-minute load average during the run: {min(loads):.1f} to {max(loads):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
