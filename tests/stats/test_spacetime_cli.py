"""``hotspots emerging``, ``near-repeat`` and ``clusters``: files, columns, errors exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.ingest.synthetic import PlantedHotspot, synthetic_csv
from hotspots.stats.emerging import ARCGIS_PATTERNS
from hotspots.stats.near_repeat import KNOX_COLUMNS

EXTENT = (620_000.0, 4_830_000.0, 623_000.0, 4_833_000.0)


@pytest.fixture(scope="module")
def incidents_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spacetime")
    spot = PlantedHotspot(621_500.0, 4_831_500.0, radius_m=100.0, share=0.2)
    # A wider one over several 250 m cells: Gi* with exact p-values looks for high values
    # among high values, so a 100 m disc in one cell is a point cluster, not a Gi* hot spot.
    wide = PlantedHotspot(620_800.0, 4_832_200.0, radius_m=300.0, share=0.5)
    return synthetic_csv(
        folder / "incidents.csv",
        2_000,
        extent_m=EXTENT,
        hotspots=[spot, wide],
        start="2021-01-01",
        end="2021-12-31",
        rng=3,
    )


def test_emerging_writes_the_named_files(incidents_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "emerging"
    code = main(
        [
            "emerging", str(incidents_csv), "--interval", "month", "--cell-size-m", "250",
            "--out", str(out), "--quiet",
        ]
    )  # fmt: skip
    assert code == 0
    cells = gpd.read_file(out / "emerging.geojson")
    assert cells.crs.to_epsg() == 4326
    for column in ("pattern", "trend_z", "trend_p", "hot_intervals"):
        assert column in cells.columns
    assert set(cells["pattern"]) <= set(ARCGIS_PATTERNS)
    assert "Persistent Hot Spot" in set(cells["pattern"])  # the wide disc, every month
    assert len(gpd.read_parquet(out / "emerging.parquet")) == len(cells)
    summary = json.loads((out / "emerging.json").read_text())
    assert summary["parameters"]["city_trend"] == "standardise"
    assert summary["parameters"]["intervals"] == 12
    assert sum(summary["parameters"]["pattern_counts"].values()) == len(cells)


def test_near_repeat_writes_knox_csv(incidents_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "knox"
    code = main(
        [
            "near-repeat", str(incidents_csv), "--distance-bands-m", "0,100,200,400",
            "--day-bands", "0,7,14,28", "--permutations", "49", "--out", str(out), "--quiet",
        ]
    )  # fmt: skip
    assert code == 0
    table = pd.read_csv(out / "knox.csv")
    assert list(table.columns) == list(KNOX_COLUMNS)
    assert len(table) == 9
    assert json.loads((out / "knox.json").read_text())["parameters"]["permutations"] == 49


def test_clusters_writes_outlines(incidents_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "clusters"
    code = main(["clusters", str(incidents_csv), "--min-cluster-size", "50", "--out", str(out)])
    assert code == 0
    clusters = gpd.read_file(out / "clusters.geojson")
    assert len(clusters) >= 1
    assert clusters["count"].max() >= 300  # the planted disc holds 400


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["near-repeat", "{csv}", "--day-bands", "0,14,7"], "--day-bands"),
        (["emerging", "{csv}", "--interval", "year"], "needs at least 3"),
        (["clusters", "{csv}", "--method", "dbscan", "--eps-m", "-1"], "eps_m"),
    ],
)
def test_input_errors_exit_2_with_a_message(
    incidents_csv: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    args = [a.replace("{csv}", str(incidents_csv)) for a in argv]
    assert main([*args, "--out", str(tmp_path / "x"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
