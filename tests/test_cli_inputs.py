"""Issue 14: awkward inputs through the CLI — exit 2 with a message, never a traceback or a
silent misreading, and no partial output folder."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from hotspots.cli import main
from hotspots.staging import staged_folder

N_ROWS = 300


def _rows(seed: int = 1) -> list[tuple[int, float, float, str, str]]:
    rng = np.random.default_rng(seed)
    lat = 43.65 + rng.normal(0, 0.02, N_ROWS)
    lon = -79.38 + rng.normal(0, 0.03, N_ROWS)
    return [
        (
            i,
            float(a),
            float(o),
            f"2021-0{1 + i % 9}-1{i % 9} 1{i % 9}:00",
            "Robbery" if i % 3 else "Assault",
        )
        for i, (a, o) in enumerate(zip(lat, lon, strict=True))
    ]


def _csv(path: Path, header: str, lines: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def good_csv(tmp_path: Path) -> Path:
    return _csv(
        tmp_path / "good.csv",
        "id,lat,lon,date,offense",
        [f"{i},{a:.5f},{o:.5f},{d},{k}" for i, a, o, d, k in _rows()],
    )


def _run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str]:
    code = main(["analyze", *map(str, argv), "--quiet", "--no-lisa"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, " ".join((captured.err + captured.out).split())


def _no_output(tmp_path: Path, out: Path) -> None:
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "staging left behind"


def test_binary_file_named_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "incidents.csv"
    source.write_bytes(np.random.default_rng(0).bytes(3000))
    code, message = _run(capsys, source, "--out", tmp_path / "out")
    assert code == 2 and "is not a text table" in message and "binary data" in message
    _no_output(tmp_path, tmp_path / "out")


def test_xlsx_saved_as_csv_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "incidents.csv"
    source.write_bytes(b"PK\x03\x04" + bytes(200))
    code, message = _run(capsys, source, "--out", tmp_path / "out")
    assert code == 2 and "zip archive" in message


def test_truncated_gzip(good_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    packed = gzip.compress(good_csv.read_bytes())
    source = tmp_path / "incidents.csv.gz"
    source.write_bytes(packed[: len(packed) // 2])
    code, message = _run(capsys, source, "--out", tmp_path / "out")
    assert code == 2 and "damaged or incomplete gzip" in message
    _no_output(tmp_path, tmp_path / "out")


def test_out_pointing_at_a_file_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    # The source does not even exist: the output check comes first, before any work.
    code, message = _run(capsys, tmp_path / "missing.csv", "--out", target)
    assert code == 2 and "--out=" in message and "is a file, not a folder" in message
    assert target.read_text() == "keep me"


def test_out_in_a_read_only_folder_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if os.geteuid() == 0:  # root writes into chmod 555 folders; sysfs refuses everyone
        out = Path("/sys/hotspots-test-out")
        if not Path("/sys").is_dir():
            pytest.skip("no read-only folder available to root")
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        out = locked / "out"
    code, message = _run(capsys, tmp_path / "missing.csv", "--out", out)
    assert code == 2 and "cannot be written" in message and "not writable" in message
    assert not out.exists()


def test_points_near_the_south_pole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(2)
    source = _csv(
        tmp_path / "pole.csv",
        "id,lat,lon,date,offense",
        [
            f"{i},{-89.9 + rng.uniform(0, 0.05):.5f},{rng.uniform(-180, 180):.5f},2021-01-1{i % 9},Robbery"
            for i in range(N_ROWS)
        ],
    )
    code, message = _run(capsys, source, "--out", tmp_path / "out")
    assert code == 2 and "near a pole" in message and "latitude -89.8" in message
    _no_output(tmp_path, tmp_path / "out")


def test_binary_candidates_file_for_plan(
    good_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    candidates = tmp_path / "sites.csv"
    candidates.write_bytes(np.random.default_rng(5).bytes(2000))
    code = main(
        ["plan", str(good_csv), "--k", "2", "--radius-m", "400", "--out", str(tmp_path / "out"),
         "--candidates", str(candidates), "--quiet", "--no-lisa"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert code == 2 and "is not a text table" in " ".join(captured.err.split())
    _no_output(tmp_path, tmp_path / "out")


def test_a_new_run_replaces_the_files_of_the_older_run(
    good_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    boundaries = tmp_path / "areas.geojson"
    gpd.GeoDataFrame(
        {"name": ["Downtown"]}, geometry=[shapely.box(-79.6, 43.5, -79.2, 43.8)], crs=4326
    ).to_file(boundaries)
    out = tmp_path / "out"
    out.mkdir()
    (out / "my-notes.txt").write_text("not written by hotspots")
    code, _ = _run(capsys, good_csv, "--out", out, "--boundaries", boundaries)
    assert code == 0 and (out / "neighbourhoods.geojson").exists()
    code, _ = _run(capsys, good_csv, "--out", out)
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert "neighbourhoods.geojson" not in names, "a file of the older run was left to mix in"
    assert {"cells.geojson", "hotspots.csv", "summary.json", "my-notes.txt"} <= names


def test_a_failed_write_leaves_the_older_results_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with staged_folder(out, replaces=("*.csv",)) as stage:
        (stage / "a.csv").write_text("first")
    with pytest.raises(RuntimeError), staged_folder(out, replaces=("*.csv",)) as stage:
        (stage / "a.csv").write_text("second, partial")
        raise RuntimeError("disk full")
    assert (out / "a.csv").read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_duplicated_lat_header_is_refused_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _csv(
        tmp_path / "dup.csv",
        "id,lat,lon,date,offense,lat",
        [f"{i},{a:.5f},{o:.5f},{d},{k},0.0" for i, a, o, d, k in _rows()],
    )
    code, message = _run(capsys, source, "--out", tmp_path / "out")
    assert code == 2 and "'lat' occurs 2 times (column 2 and column 6)" in message
    assert "--column lat=lat.1" in message
    code, _ = _run(capsys, source, "--out", tmp_path / "out", "--column", "lat=lat")
    assert code == 0  # an explicit choice is accepted


def _utm17_csv(tmp_path: Path) -> Path:
    to_utm = Transformer.from_crs(4326, 32617, always_xy=True)
    lines = []
    for i, a, o, d, k in _rows():
        x, y = to_utm.transform(o, a)
        lines.append(f"{i},{x:.1f},{y:.1f},{d},{k}")
    return _csv(tmp_path / "utm.csv", "id,x,y,date,offense", lines)


def test_crs_of_another_continent_than_the_time_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _utm17_csv(tmp_path)
    code, message = _run(
        capsys,
        source,
        "--crs",
        "EPSG:32633",
        "--timezone",
        "America/Toronto",
        "--out",
        tmp_path / "out",
    )
    assert code == 2 and "The points fall around 43.6°N 16.6°E, in the Europe/" in message
    assert "'America/Toronto'" in message
    assert "--crs EPSG:32633 is probably wrong: EPSG:32617 (WGS 84 / UTM zone 17N)" in message
    _no_output(tmp_path, tmp_path / "out")
    code, _ = _run(
        capsys,
        source,
        "--crs",
        "EPSG:32617",
        "--timezone",
        "America/Toronto",
        "--out",
        tmp_path / "ok",
    )
    assert code == 0


def test_crs_that_puts_the_points_far_from_the_boundaries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    boundaries = tmp_path / "areas.geojson"
    gpd.GeoDataFrame(
        {"name": ["Downtown"]}, geometry=[shapely.box(-79.5, 43.55, -79.25, 43.75)], crs=4326
    ).to_file(boundaries)
    code, message = _run(
        capsys, _utm17_csv(tmp_path), "--crs", "EPSG:32633", "--boundaries", boundaries,
        "--out", tmp_path / "out",
    )  # fmt: skip
    assert code == 2 and "no point lies within 50 km of the boundaries" in message
    assert "The points fall around 43.6°N 16.6°E" in message
    assert "the boundaries, which are around Toronto (43.6°N 79.4°W)" in message
    assert "--crs EPSG:32633 is probably wrong: EPSG:32617 (WGS 84 / UTM zone 17N) would" in message


def test_longitudes_from_0_to_360_are_normalised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _csv(
        tmp_path / "lon360.csv",
        "id,lat,lon,date,offense",
        [f"{i},{a:.5f},{o + 360:.5f},{d},{k}" for i, a, o, d, k in _rows()],
    )
    code = main(["analyze", str(source), "--out", str(tmp_path / "out"), "--no-lisa"])
    captured = capsys.readouterr()
    assert code == 0
    assert "longitudes from 0 to 360: 300 values above 180 were shifted" in " ".join(
        captured.err.split()
    )
    cells = gpd.read_file(tmp_path / "out" / "cells.geojson")
    assert -79.6 < cells.geometry.bounds["minx"].median() < -79.2


def test_utf16_without_byte_order_mark(
    good_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "utf16.csv"
    source.write_bytes(good_csv.read_text().encode("utf-16-le"))
    code, _ = _run(capsys, source, "--out", tmp_path / "out")
    assert code == 0
    assert '"rows_accepted": 300' in (tmp_path / "out" / "summary.json").read_text()


def test_geopackage_with_several_layers_needs_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _rows()
    frame = gpd.GeoDataFrame(
        {"date": [r[3] for r in rows], "offense": [r[4] for r in rows]},
        geometry=gpd.points_from_xy([r[2] for r in rows], [r[1] for r in rows]),
        crs=4326,
    )
    source = tmp_path / "incidents.gpkg"
    frame.to_file(source, layer="incidents")
    frame.head(10).to_file(source, layer="sample")
    code, message = _run(capsys, source, "--out", tmp_path / "out")
    assert code == 2 and "--layer" in message and "'incidents'" in message
    code, _ = _run(capsys, source, "--out", tmp_path / "out", "--layer", "incidents")
    assert code == 0


def test_offense_that_matches_nothing_exits_2_listing_the_values(
    good_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, message = _run(capsys, good_csv, "--out", tmp_path / "out", "--offense", "Burglary")
    assert code == 2 and "--offense Burglary is not allowed" in message
    assert "'Assault', 'Robbery'" in message
    _no_output(tmp_path, tmp_path / "out")


def test_offense_matching_ignores_case(
    good_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = _run(capsys, good_csv, "--out", tmp_path / "out", "--offense", "rOBBERY")
    assert code == 0
    summary = (tmp_path / "out" / "summary.json").read_text()
    assert '"Robbery"' in summary and '"incidents_selected": 200' in summary
