"""The command line: files written, exit codes, messages instead of tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.ingest.synthetic import PlantedHotspot, synthetic_csv

EXTENT = (620_000.0, 4_830_000.0, 630_000.0, 4_840_000.0)


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "incidents.csv"
    planted = (PlantedHotspot(x=624_000.0, y=4_836_000.0, radius_m=300.0, share=0.05),)
    return synthetic_csv(path, 5_000, extent_m=EXTENT, crs=32617, hotspots=planted, rng=3)


def test_analyze_writes_every_file(
    csv_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(
        [
            "analyze",
            str(csv_file),
            "--out",
            str(out),
            "--cell-size-m",
            "250",
            "--timezone",
            "America/Toronto",
            "--quiet",
        ]
    )
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert names == {
        "cells.geojson",
        "cells.parquet",
        "hotspots.csv",
        "rejects.csv",
        "summary.json",
    }
    summary = json.loads((out / "summary.json").read_text())
    assert (
        summary["input"]["rows_read"]
        == summary["input"]["rows_accepted"] + summary["input"]["rows_rejected"]
        == 5_000
    )
    assert summary["parameters"]["cell_size_m"] == 250
    assert summary["parameters"]["crs"].startswith("EPSG:326")
    assert summary["versions"]["hotspots"]
    cells = gpd.read_file(out / "cells.geojson")
    assert cells.crs.to_epsg() == 4326
    assert cells["count"].sum() == 5_000
    hotspots = pd.read_csv(out / "hotspots.csv")
    assert len(hotspots) > 0 and hotspots["rank"].tolist() == list(range(1, len(hotspots) + 1))
    assert capsys.readouterr().out == ""


def test_analyze_prints_the_table_when_not_quiet(
    csv_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "analyze",
                str(csv_file),
                "--out",
                str(tmp_path),
                "--grid",
                "hex",
                "--timezone",
                "UTC",
                "--no-lisa",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "hot spots" in out and "5,000 rows read" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("lat,lon,date\n", "empty"),
        ("x,y,date\n312000.5,5012000.1,2021-01-01\n312001.5,5012002.1,2021-01-02\n", "--crs"),
    ],
)
def test_input_errors_exit_2_with_a_message(
    tmp_path: Path, content: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert main(["analyze", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert message in err.lower() or message in err
    assert "Traceback" not in err


def test_missing_file_and_bad_options_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], csv_file: Path
) -> None:
    assert main(["analyze", str(tmp_path / "nope.csv"), "--out", str(tmp_path)]) == 2
    assert "nope.csv" in capsys.readouterr().err
    assert main(["analyze", str(csv_file), "--out", str(tmp_path), "--cell-size-m", "-3"]) == 2
    assert "--cell-size-m -3" in capsys.readouterr().err  # in flag names, not Python
    assert main(["analyze", str(csv_file), "--out", str(tmp_path), "--column", "nonsense"]) == 2


def test_console_script_runs_as_a_process(csv_file: Path, tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("hotspots")
    done = subprocess.run(
        [str(exe), "analyze", str(tmp_path / "missing.csv"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_entry_is_main_with_the_collector_tuned_for_one_command(
    csv_file: Path, tmp_path: Path
) -> None:
    """The console script runs ``entry``: main's exit code and files, the garbage collector
    still on (collecting less often), what is alive at the end frozen for a quick exit."""
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["hotspots"] == "hotspots.cli:entry"
    script = (
        "import gc\n"
        "from hotspots.cli import entry\n"
        "code = entry()\n"
        "print(code, gc.isenabled(), gc.get_threshold()[0], gc.get_freeze_count() > 0)\n"
    )
    out = tmp_path / "out"
    args = ["analyze", str(csv_file), "--out", str(out), "--cell-size-m", "250", "--quiet"]
    done = subprocess.run(
        [sys.executable, "-c", script, *args, "--timezone", "America/Toronto"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.split() == ["0", "True", "10000", "True"], done.stderr
    assert (out / "cells.parquet").is_file() and (out / "summary.json").is_file()
    refused = subprocess.run(
        [sys.executable, "-c", script, "analyze", str(tmp_path / "nope.csv"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.stdout.split()[0] == "2" and "nope.csv" in refused.stderr


@pytest.mark.slow
def test_demo_ranks_toronto_hotspots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path), "--top", "5"]) == 0
    out = capsys.readouterr().out
    assert "Top 5 of" in out
    hot = pd.read_csv(tmp_path / "hotspots.csv")
    assert len(hot) >= 20
    assert hot["neighbourhood"].notna().all()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["parameters"]["area_counts"] == "source labels"
    assert summary["input"]["rows_read"] > 200_000
    areas = gpd.read_file(tmp_path / "neighbourhoods.geojson")
    assert len(areas) == 140
