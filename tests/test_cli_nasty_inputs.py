"""Issue 14, beyond its examples: fresh awkward inputs through the CLI. Each one exits 2
with a message naming the problem and the fix (or loads correctly), never a traceback."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.cli import main
from hotspots.ingest import load_incidents

N = 80


def _run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str]:
    code = main(["analyze", *map(str, argv), "--quiet", "--no-lisa"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, " ".join((captured.err + captured.out).split())


def _lines(seed: int = 3) -> list[str]:
    rng = np.random.default_rng(seed)
    return [
        f"{i},{43.65 + rng.normal(0, 0.02):.5f},{-79.38 + rng.normal(0, 0.03):.5f},"
        f"2021-{1 + i % 12:02d}-{1 + i % 28:02d} 10:00,Assault"
        for i in range(N)
    ]


def _good_text() -> str:
    return "id,lat,lon,date,offense\n" + "\n".join(_lines()) + "\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>\n",
         "holds a web page or XML document, not a table; download the data file itself"),
        ('{"type": "FeatureCollection", "features": []}', "holds JSON, not a table; if it is "
         "GeoJSON give it the .geojson extension"),
    ],
)  # fmt: skip
def test_a_web_page_or_json_saved_as_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    source = tmp_path / "incidents.csv"
    source.write_text(content)
    code, message = _run(capsys, source, "--out", tmp_path / "out")
    assert code == 2 and f"incidents.csv {expected}" in message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ({"notes.pdf": b"%PDF", "photo.png": b"x"}, "holds no table or map layer (it holds notes.pdf, photo.png)"),
        ({"a.csv": b"x\n1\n", "b.csv": b"x\n2\n"}, "holds several tables (it holds a.csv, b.csv)"),
    ],
)  # fmt: skip
def test_a_zip_without_exactly_one_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], members: dict[str, bytes], expected: str
) -> None:
    source = tmp_path / "export.zip"
    with zipfile.ZipFile(source, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    code, message = _run(capsys, source, "--out", tmp_path / "out")
    assert code == 2 and f"export.zip {expected}" in message


def test_a_damaged_geopackage_gets_no_advice_about_gdal_drivers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "incidents.gpkg"
    source.write_bytes(np.random.default_rng(1).bytes(1000))
    code, message = _run(capsys, source, "--out", tmp_path / "out")
    assert code == 2 and "incidents.gpkg could not be opened as .gpkg" in message
    assert "DRIVER" not in message and "check the file is complete" in message


def test_an_empty_geojson_has_no_features(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "incidents.geojson"
    source.write_text('{"type": "FeatureCollection", "features": []}')
    code, message = _run(capsys, source, "--out", tmp_path / "out")
    assert code == 2 and "incidents.geojson has no rows (features)" in message
    assert "header" not in message


def test_polygons_given_as_incidents_are_named_as_boundaries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "wards.geojson"
    gpd.GeoDataFrame(
        {"date": ["2021-01-01", "2021-01-02"], "name": ["A", "B"]},
        geometry=[shapely.box(-79.5, 43.6, -79.4, 43.7), shapely.box(-79.4, 43.6, -79.3, 43.7)],
        crs=4326,
    ).to_file(source)
    code, message = _run(capsys, source, "--out", tmp_path / "out")
    assert code == 2 and "wards.geojson holds polygons (areas), not incident points" in message
    assert "Give it as the boundaries (--boundaries)" in message


def test_epoch_seconds_kept_as_text_are_read_as_times(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [line.rsplit(",", 2) for line in _lines()]
    source = tmp_path / "epoch.csv"
    source.write_text(
        "id,lat,lon,date,offense\n"
        + "\n".join(f"{r[0]},{1609502400 + i * 86_400},{r[2]}" for i, r in enumerate(rows))
        + "\n"
    )
    code, _ = _run(capsys, source, "--out", tmp_path / "out")
    assert code == 0
    summary = (tmp_path / "out" / "summary.json").read_text()
    assert f'"rows_accepted": {N}' in summary and "numbers read as seconds since 1970" in summary


def test_a_tz_aware_column_of_another_place_is_refused_and_timezone_is_the_way_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(5)
    source = tmp_path / "incidents.parquet"
    pd.DataFrame(
        {
            "lat": 43.65 + rng.normal(0, 0.02, N),
            "lon": -79.38 + rng.normal(0, 0.03, N),
            "date": pd.date_range("2021-01-01", periods=N, freq="D", tz="Europe/Paris"),
        }
    ).to_parquet(source)
    code, message = _run(capsys, source, "--out", tmp_path / "out")
    assert code == 2 and "The points fall around Toronto" in message
    assert "the time zone of the date column 'date' (Europe/Paris)" in message
    assert "give the place's time zone with --timezone" in message
    code, _ = _run(capsys, source, "--out", tmp_path / "out", "--timezone", "America/Toronto")
    assert code == 0


def test_encoding_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "accents.csv"
    source.write_bytes(
        _good_text().replace("Assault", "Voies de fait grave à l'été").encode("cp1252")
    )
    code, message = _run(capsys, source, "--out", tmp_path / "out", "--encoding", "utf-8")
    assert code == 2 and "--encoding utf-8 cannot decode 'accents.csv'" in message
    assert "e.g. --encoding cp1252" in message
    code, _ = _run(capsys, source, "--out", tmp_path / "ok", "--encoding", "cp1252")
    assert code == 0
    loaded = load_incidents(source, encoding="cp1252", now=pd.Timestamp("2024-01-01"))
    assert set(loaded.incidents["offense"]) == {"Voies de fait grave à l'été"}


def test_a_date_format_that_is_no_format_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "incidents.csv"
    source.write_text(_good_text())
    code, message = _run(capsys, source, "--out", tmp_path / "out", "--date-format", "dd/mm/yyyy")
    assert code == 2 and "--date-format dd/mm/yyyy is not allowed" in message
    assert "'day-first', 'month-first' or a strptime format such as '%d/%m/%Y %H:%M'" in message


def test_one_bad_geocode_abroad_is_rejected_not_stretching_the_grid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines()
    clean = tmp_path / "clean.csv"
    clean.write_text("id,lat,lon,date,offense\n" + "\n".join(lines) + "\n")
    source = tmp_path / "london.csv"
    lines[0] = (
        "0,51.50740,-0.12780," + lines[0].split(",", 3)[3]
    )  # a Toronto row geocoded in London
    source.write_text("id,lat,lon,date,offense\n" + "\n".join(lines) + "\n")
    assert _run(capsys, clean, "--out", tmp_path / "clean")[0] == 0
    assert _run(capsys, source, "--out", tmp_path / "out")[0] == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    baseline = json.loads((tmp_path / "clean" / "summary.json").read_text())
    assert summary["input"]["rejected_by_reason"] == {"far from the rest": 1}
    assert summary["parameters"]["cell_size_m"] == baseline["parameters"]["cell_size_m"]
    rejects = pd.read_csv(tmp_path / "out" / "rejects.csv")
    assert rejects["detail"].iloc[0].startswith("5,7")  # ~5,700 km from the data's centre
    assert _run(capsys, source, "--out", tmp_path / "kept", "--keep-far")[0] == 0
    kept = json.loads((tmp_path / "kept" / "summary.json").read_text())
    assert kept["input"]["rows_accepted"] == N


def test_two_towns_far_apart_are_both_kept() -> None:
    rng = np.random.default_rng(8)
    lat = np.r_[43.65 + rng.normal(0, 0.02, N), 45.42 + rng.normal(0, 0.02, N)]  # Ottawa
    lon = np.r_[-79.38 + rng.normal(0, 0.03, N), -75.70 + rng.normal(0, 0.03, N)]
    frame = pd.DataFrame({"lat": lat, "lon": lon, "date": "2021-05-01 10:00"})
    loaded = load_incidents(frame, now=pd.Timestamp("2024-01-01"))
    assert len(loaded.table) == 2 * N


def test_excel_serial_dates_are_read_as_dates(tmp_path: Path) -> None:
    rows = [line.split(",") for line in _lines()]
    source = tmp_path / "excel.csv"
    # 44197 is 2021-01-01 in Excel's 1900 date system; .75 is 18:00.
    source.write_text(
        "lat,lon,date\n" + "".join(f"{r[1]},{r[2]},{44197 + i}.75\n" for i, r in enumerate(rows))
    )
    loaded = load_incidents(source, now=pd.Timestamp("2024-01-01"))
    assert len(loaded.table) == N
    first = loaded.table.frame["occurred_at"].iloc[0]
    assert (first.year, first.month, first.day, first.hour) == (2021, 1, 1, 18)
    assert any("Excel serial dates" in note for note in loaded.notes)


def test_hemisphere_letters_give_the_sign(tmp_path: Path) -> None:
    rows = [line.split(",") for line in _lines()]
    source = tmp_path / "letters.csv"
    source.write_text(
        "lat,lon,date\n"
        + "".join(f"{r[1]}N,{r[2].lstrip('-')} W,{r[3]}\n" for r in rows[:40])
        + "".join(f"N{r[1]},W{r[2].lstrip('-')},{r[3]}\n" for r in rows[40:])
    )
    loaded = load_incidents(source, now=pd.Timestamp("2024-01-01"))
    assert len(loaded.table) == N and loaded.metric_crs.to_epsg() == 32617


def test_publishing_a_small_area_is_not_refused_by_its_own_audit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A derived total the page cannot show reads "too few to show", which
    # the audit took for a count that is not a number and refused.
    source = tmp_path / "incidents.csv"
    source.write_text(_good_text())
    code = main(
        ["publish", str(source), "--title", "Small town", "--period", "2021", "--out",
         str(tmp_path / "out"), "--publisher-dir", str(tmp_path / "publisher"), "--quiet"]
    )  # fmt: skip
    message = " ".join(capsys.readouterr().err.split())
    assert code == 0, message
    assert (tmp_path / "out" / "snapshot.html").exists()
