"""``hotspots forecast``: files written, the choice printed, bad input as a message and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.ingest.synthetic import synthetic_csv

EXTENT = (620_000.0, 4_830_000.0, 623_000.0, 4_833_000.0)


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("forecast_cli") / "incidents.csv"
    return synthetic_csv(
        path, 4000, extent_m=EXTENT, hotspots=3, hotspot_radius_m=150.0, hotspot_share=0.05,
        start="2017-01-01", end="2019-12-31", rng=5,
    )  # fmt: skip


def _run(csv_file: Path, out: Path, *extra: str) -> int:
    return main(
        ["forecast", str(csv_file), "--until", "2019-06-30", "--horizon-months", "3",
         "--cell-size-m", "250", "--n-origins", "3", "--timezone", "America/Toronto",
         "--out", str(out), *extra]
    )  # fmt: skip


def test_forecast_writes_every_file(
    csv_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert _run(csv_file, out) == 0
    printed = capsys.readouterr().out
    assert "Backtest at 1.0% of the area" in printed and "Method:" in printed
    cells = gpd.read_parquet(out / "forecast.parquet")
    assert list(cells.columns) == ["cell_id", "rank", "expected", "method", "geometry"]
    assert cells["rank"].min() == 1
    assert gpd.read_file(out / "forecast.geojson").crs.to_epsg() == 4326
    table = pd.read_csv(out / "backtest.csv")
    assert set(table["area_share"]) == {0.005, 0.01, 0.02, 0.05}
    summary = json.loads((out / "forecast.json").read_text())
    assert summary["parameters"]["forecast_period"] == ["2019-07-01", "2019-09-30"]
    assert summary["parameters"]["method"] in summary["parameters"]["why"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--horizon-months", "0"], "--horizon-months 0 is not allowed"),
        (["--until", "2030-01-01"], "--until 2030-01-01 is not allowed"),
        (["--until", "2017-04-30"], "Too little history"),
        (["--area-share", "2"], "--area-share 2 is not allowed"),
    ],
)
def test_bad_input_is_a_message_and_exit_2(
    csv_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    assert _run(csv_file, tmp_path / "bad", *extra) == 2
    err = capsys.readouterr().err
    assert message in " ".join(err.split())
    assert "Traceback" not in err
