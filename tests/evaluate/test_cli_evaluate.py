"""``hotspots evaluate``: plan.json end to end, polygon files, the files written, errors exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from hotspots.cli import evaluate as evaluate_command
from hotspots.cli import main
from hotspots.ingest import datasets
from hotspots.ingest.synthetic import PlantedHotspot, synthetic_csv

EXTENT = (620_000.0, 4_830_000.0, 626_000.0, 4_836_000.0)
HOT = PlantedHotspot(x=622_000.0, y=4_832_000.0, radius_m=300.0, share=0.08)
PERIODS = ["--before", "2020-01..2020-12", "--after", "2021-01..2021-12"]
KEYS = {"counts", "success", "wdq", "net_effect", "wdd", "did", "warnings"}


@pytest.fixture(scope="module")
def incidents_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("evaluate")
    return synthetic_csv(
        folder / "incidents.csv",
        6_000,
        extent_m=EXTENT,
        crs=32617,
        hotspots=(HOT,),
        start="2020-01-01",
        end="2021-12-31",
        rng=8,
    )


def _evaluate(source: Path, out: Path, *extra: str) -> int:
    return main(
        ["evaluate", str(source), *PERIODS, "--out", str(out), "--timezone", "America/Toronto",
         "--quiet", *extra]
    )  # fmt: skip


def _offline(page: str) -> None:
    assert "<script" not in page
    assert not re.search(r"(src|href)\s*=\s*['\"]?https?:", page)
    assert "@import" not in page and "url(" not in page


def test_plan_json_end_to_end(
    incidents_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib", reason="`hotspots plan` draws its briefing with matplotlib")
    plan_dir = tmp_path / "plan"
    code = main(
        ["plan", str(incidents_csv), "--k", "2", "--radius-m", "400", "--start", "2020-01-01",
         "--end", "2020-12-31", "--cell-size-m", "300", "--no-lisa", "--curve-k-max", "0",
         "--timezone", "America/Toronto", "--quiet", "--out", str(plan_dir)]
    )  # fmt: skip
    assert code == 0
    out = tmp_path / "evaluation"
    assert _evaluate(incidents_csv, out, "--target", str(plan_dir / "plan.json")) == 0
    record = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    assert set(record) >= KEYS
    assert set(record["wdd"]) >= {"estimate", "variance", "z", "p"}
    assert set(record["did"]) >= {"estimate", "ci_low", "ci_high"}
    assert set(record["counts"]) == {"target", "buffer", "control", "buffer_control"}
    assert record["parameters"]["target_kind"] == "plan"
    assert "2 sites of plan.json, 400 m radius" in record["parameters"]["target"]
    # the plan chose its sites on 2020 data: the regression-to-the-mean warning names that
    codes = {w["code"]: w for w in record["warnings"]}
    assert "2020-01-01 to 2020-12-31" in codes["regression_to_the_mean"]["message"]
    assert codes["regression_to_the_mean"]["fix"]
    # the two sites sit on the planted hot spot: most target incidents are its incidents
    sites = json.loads((plan_dir / "plan.json").read_text())["sites"]
    assert record["counts"]["target"]["before"] > 0.5 * sum(s["incidents"] for s in sites) / 2
    page = (out / "evaluation.html").read_text(encoding="utf-8")
    _offline(page)
    assert "<svg" in page and "relative to the control" in page
    assert page.count("<svg") == 2


def test_polygon_files(incidents_csv: Path, tmp_path: Path) -> None:
    target = tmp_path / "target.geojson"
    control = tmp_path / "control.geojson"
    gpd.GeoDataFrame(
        {"name": ["Main street"]},
        geometry=[shapely.Point(622_000, 4_832_000).buffer(300)],
        crs=32617,
    ).to_crs(4326).to_file(target)
    gpd.GeoDataFrame(
        {"name": ["Elsewhere"]},
        geometry=[shapely.box(624_000, 4_834_000, 626_000, 4_836_000)],
        crs=32617,
    ).to_crs(4326).to_file(control)
    out = tmp_path / "out"
    assert (
        _evaluate(
            incidents_csv,
            out,
            "--target",
            str(target),
            "--control",
            str(control),
            "--buffer-m",
            "0",
        )
        == 0
    )
    record = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    assert record["parameters"]["control"] == "given"
    assert "buffer" not in record["counts"]
    assert record["wdq"] is None
    assert record["control_matching"]["control"] is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--before", "2020-01..2020-12", "--after", "2020-06..2020-12"], "overlap"),
        (["--after", "2023-01..2023-12"], "data run from"),
        (["--buffer-m", "-5"], "buffer_m"),
        (["--control", "nowhere.geojson"], "--control"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    incidents_csv: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    target = tmp_path / "target.geojson"
    gpd.GeoDataFrame(
        {"name": ["t"]}, geometry=[shapely.Point(622_000, 4_832_000).buffer(300)], crs=32617
    ).to_file(target)
    assert _evaluate(incidents_csv, tmp_path / "o", "--target", str(target), *extra) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_target_and_source(
    incidents_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _evaluate(incidents_csv, tmp_path / "o", "--target", str(tmp_path / "none.json")) == 2
    assert "target" in capsys.readouterr().err
    assert _evaluate(tmp_path / "missing.csv", tmp_path / "o", "--target", "x.json") == 2
    assert "SOURCE" in capsys.readouterr().err


def test_toronto_means_the_bundled_data() -> None:
    assert evaluate_command._source("toronto") == datasets.toronto_incidents_path()
