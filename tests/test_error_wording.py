"""Issue 14 item 4: messages speak the reader's language — flags on the command line, control
names in the app, argument names only in the library. Checked on real failures and, for the
modules that had Python spellings baked into their messages, on the source itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.cli import main
from hotspots.errors import HotspotsError, InputError, PrivacyError
from hotspots.ingest import load_boundaries, load_incidents
from hotspots.ingest.synthetic import synthetic_incidents
from hotspots.outreach import FairnessInfeasibleError, plan_outreach
from hotspots.publish.rules import PublicationRules, check_cell_size
from hotspots.spatial.grids import auto_cell_size_m

SRC = Path(__file__).resolve().parents[1] / "src" / "hotspots"
#: Modules whose messages must spell options through ``Option``/``given`` only.
CLEAN = [
    "outreach/fairness.py",
    "ingest/boundaries.py",
    "ingest/synthetic.py",
    "ingest/readers.py",
    "ingest/landing.py",
    "publish/__init__.py",
    "publish/rules.py",
    "publish/archive.py",
    "publish/content.py",
    "spatial/grids.py",
    "stats/significance.py",
]
_ERRORS = {"InputError", "ColumnError", "CRSError", "EmptyDataError", "PrivacyError", "invalid"}
_ERRORS |= {"HotspotsError", "positive_number", "whole_number", "_file_error"}
_SPELLED = re.compile(r"(?<![\w.'\"-])[a-z][a-z0-9_]*=(?!=)|(?<![\w-])--[a-z][a-z-]*")


@pytest.mark.parametrize("module", CLEAN)
def test_messages_spell_no_argument_or_flag_by_hand(module: str) -> None:
    spelled = []
    for node in ast.walk(ast.parse((SRC / module).read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", None))
        if name not in _ERRORS:
            continue
        texts = [
            c.value
            for arg in node.args[1 if name in ("invalid", "_file_error") else 0 :]
            for c in ast.walk(arg)
            if isinstance(c, ast.Constant) and isinstance(c.value, str)
        ]
        found = _SPELLED.findall(" ".join(texts))
        if found:
            spelled.append((node.lineno, found))
    assert not spelled, f"{module}: options written by hand at {spelled}"


def test_the_source_walk_sees_a_hand_spelled_option(tmp_path: Path) -> None:
    bad = "raise InputError(f'min_share_per_area={x} is too high; use --k 3.')"
    texts = [c.value for c in ast.walk(ast.parse(bad)) if isinstance(c, ast.Constant)]
    assert _SPELLED.findall(" ".join(map(str, texts))) == ["min_share_per_area=", "--k"]


def _fairness_error() -> FairnessInfeasibleError:
    x0, y0 = 440_000.0, 4_630_000.0
    demand = gpd.GeoDataFrame(
        {"weight": [10, 8, 3, 4, 4], "hood": ["Down {town}", "Down {town}", "River", "Air", "Air"]},
        geometry=shapely.points(
            np.array([0, 0, 6_000, 20_000, 100]) + x0, np.array([0, 3_000, 0, 20_000, 0]) + y0
        ),
        crs=32616,
    )
    sites = gpd.GeoDataFrame(
        {"name": ["Library", "School", "Church"]},
        geometry=shapely.points(np.array([0, 0, 6_000]) + x0, np.array([0, 3_000, 0]) + y0),
        crs=32616,
    )
    with pytest.raises(FairnessInfeasibleError) as caught:
        plan_outreach(
            demand, sites, k=3, radius_m=500, weight="weight", area="hood", min_share_per_area=0.6
        )
    return caught.value


def test_fairness_speaks_flags_and_controls() -> None:
    error = _fairness_error()
    assert str(error).startswith("min_share_per_area=0.6 cannot be met with k=3 and radius_m=500")
    cli = error.render("cli")
    assert cli.startswith("--min-share-per-area 0.6 cannot be met with --k 3 and --radius-m 500")
    assert "raise the radius (--radius-m)" in cli
    assert "min_share_per_area" not in cli and "k=" not in cli
    app = error.render("app")
    assert app.startswith(
        '"Cover at least this share of every neighbourhood" = 0.6 (Plan outreach page)'
    )
    assert '"Service radius (metres, straight line)" on the Plan outreach page' in app
    assert "'Air'" in app  # area names stay as they are, braces and all
    assert "radius_m" not in app and "k=" not in app


def _no_prj_shapefile(tmp_path: Path) -> Path:
    path = tmp_path / "areas.shp"
    frame = gpd.GeoDataFrame(
        {"name": ["Downtown"]}, geometry=[shapely.box(-79.5, 43.55, -79.25, 43.75)]
    )
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        frame.to_file(path)
    path.with_suffix(".prj").unlink(missing_ok=True)
    return path


def test_boundaries_without_a_crs_name_the_flag_that_exists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _no_prj_shapefile(tmp_path)
    with pytest.raises(HotspotsError) as caught:
        load_boundaries(path)
    assert str(caught.value).startswith("source='areas.shp' has no CRS")
    assert "crs='EPSG:4326'" in str(caught.value)
    app = caught.value.render("app")
    assert app.startswith("The boundary file areas.shp has no CRS") and "crs=" not in app
    incidents = tmp_path / "incidents.csv"
    rng = np.random.default_rng(4)
    incidents.write_text(
        "lat,lon,date\n"
        + "".join(
            f"{43.65 + rng.normal(0, 0.01):.5f},{-79.38 + rng.normal(0, 0.01):.5f},2021-03-0{1 + i % 9}\n"
            for i in range(80)
        )
    )
    argv = ["analyze", str(incidents), "--boundaries", str(path), "--quiet", "--no-lisa"]
    code = main([*argv, "--out", str(tmp_path / "out")])
    message = " ".join(capsys.readouterr().err.split())
    assert code == 2 and "--boundaries areas.shp has no CRS" in message
    assert "--boundaries-crs EPSG:4326" in message
    code = main([*argv, "--out", str(tmp_path / "out"), "--boundaries-crs", "EPSG:4326"])
    assert code == 0


def test_publish_cell_size_rule_speaks_flags() -> None:
    with pytest.raises(PrivacyError) as caught:
        check_cell_size(200, PublicationRules())
    cli = caught.value.render("cli")
    assert cli.startswith("Rule 'minimum cell size' failed: --cell-size-m 200 is below")
    assert "Use --cell-size-m 500 or more" in cli
    app = caught.value.render("app")
    assert '"Grid cell size (m, at least 500)" = 200 (Publish page) is below' in app


def test_synthetic_messages_render_per_audience() -> None:
    with pytest.raises(HotspotsError) as caught:
        synthetic_incidents(10, crs=4326)
    assert str(caught.value).startswith("crs=4326 is not a projected CRS in metres")
    assert "(e.g. crs=32617 for Toronto)" in str(caught.value)


def test_an_empty_file_is_named_as_typed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "empty.csv"
    source.write_text("id,lat,lon,date\n")
    code = main(["analyze", str(source), "--out", str(tmp_path / "out"), "--quiet"])
    message = " ".join(capsys.readouterr().err.split())
    assert code == 2 and "empty.csv is empty: it has a header (id, lat, lon, date)" in message
    assert "source=" not in message


@pytest.mark.parametrize("bad", ["dayfirst", "%Q/%m", "DD/MM/YYYY"])
def test_a_date_format_that_is_no_format_is_refused(bad: str) -> None:
    frame = pd.DataFrame({"lat": [43.65], "lon": [-79.38], "date": ["01/02/2021"]})
    with pytest.raises(InputError) as caught:
        load_incidents(frame, date_format=bad)
    cli = caught.value.render("cli")
    assert cli.startswith(f"--date-format {bad} is not allowed") or cli.startswith(
        f"--date-format '{bad}' is not allowed"
    )
    assert "'day-first', 'month-first' or a strptime format" in cli


def test_rows_that_miss_an_explicit_date_format_say_so() -> None:
    frame = pd.DataFrame(
        {"lat": [43.65, 43.66], "lon": [-79.38, -79.37], "date": ["2021-02-01", "01/02/2021"]}
    )
    loaded = load_incidents(frame, date_format="%Y-%m-%d", now=pd.Timestamp("2024-01-01"))
    assert loaded.rejects["detail"].tolist() == [
        "date='01/02/2021' does not match the format '%Y-%m-%d'"
    ]


def test_alpha_and_an_impossible_automatic_cell_size_speak_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "one.csv"
    source.write_text("lat,lon,date\n43.65,-79.38,2021-03-01 10:00\n")
    code = main(["analyze", str(source), "--out", str(tmp_path / "out"), "--alpha", "2"])
    message = " ".join(capsys.readouterr().err.split())
    assert code == 2 and "For example --alpha 0.05 (5%)." in message
    with pytest.raises(InputError) as caught:
        auto_cell_size_m([1.0], [2.0], area_m2=0.0)
    assert caught.value.render("cli").endswith("Give the cell size, e.g. --cell-size-m 250.")
    assert caught.value.render("app").endswith('e.g. "Cell size" in the sidebar (e.g. 250).')
