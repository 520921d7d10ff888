"""The three end-to-end benchmark paths on a small file: each runs and counts every incident
(no timing here; ``bench/end_to_end.py`` times them side by side)."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from hotspots.cli import main as hotspots_main
from hotspots.ingest.synthetic import synthetic_csv

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import floor  # noqa: E402
import layouts  # noqa: E402
import standard_stack  # noqa: E402

N = 4_000
pytestmark = pytest.mark.slow  # imports the whole standard stack (esda, libpysal): ~20 s


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bench")
    csv = synthetic_csv(folder / "incidents.csv", N, hotspots=3, rng=11)
    parquet = folder / "incidents.parquet"
    pq.write_table(pacsv.read_csv(csv), parquet)
    return {"csv": csv, "parquet": parquet}


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_every_path_counts_every_incident(
    files: dict[str, Path], kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(files[kind])
    assert floor.main([source, "--out", str(tmp_path / "floor"), "--cell-size-m", "500"]) == 0
    assert pd.read_parquet(tmp_path / "floor" / "counts.parquet")["count"].sum() == N

    assert (
        standard_stack.main([source, "--out", str(tmp_path / "std"), "--cell-size-m", "500"]) == 0
    )
    fishnet = gpd.read_parquet(tmp_path / "std" / "cells.parquet")
    assert fishnet["count"].sum() == N
    assert fishnet["gi_p_fdr"].between(0, 1).all()

    args = ["analyze", source, "--out", str(tmp_path / "ours"), "--cell-size-m", "500"]
    assert hotspots_main([*args, "--no-lisa", "--quiet", "--timezone", "America/Toronto"]) == 0
    cells = gpd.read_parquet(tmp_path / "ours" / "cells.parquet")
    assert cells["count"].sum() == N
    capsys.readouterr()


def test_every_layout_of_the_same_incidents_gives_the_same_counts(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    written = layouts.write_layouts(files["csv"], tmp_path)
    assert set(written) == {"iso", "portal", "split", "day-first"}
    counts = {}
    for name, (path, options) in written.items():
        out = tmp_path / f"out-{name}"
        args = ["analyze", str(path), "--out", str(out), "--cell-size-m", "500", "--no-lisa"]
        assert hotspots_main([*args, "--quiet", "--timezone", "America/Toronto", *options]) == 0
        counts[name] = layouts.cell_counts(out)
    for name in ("portal", "day-first"):
        assert counts[name].equals(counts["iso"]), name
    # UTM metres rounded to the centimetre may move a point across a cell edge, no more.
    split = counts["split"].reindex(counts["iso"].index)
    assert split.sum() == N and (split - counts["iso"]).abs().sum() <= 2
    capsys.readouterr()
