"""Tests for hotspots.ingest.readers.read_table."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspots.errors import EmptyDataError, InputError
from hotspots.ingest import read_table
from hotspots.ingest.readers import layer_names, read_with_notes

CSV = (
    "lat,lon,date,offense\n43.65,-79.38,2019-01-02 13:45,Assault\n43.66,-79.39,2019-01-03,Robbery\n"
)


def _points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"offense": ["Assault", "Robbery"], "date": ["2019-01-02", "2019-01-03"]},
        geometry=shapely.points([-79.38, -79.39], [43.65, 43.66]),
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiters_are_sniffed(write: Callable[..., Path], delimiter: str) -> None:
    path = write("incidents.csv", CSV.replace(",", delimiter))
    frame = read_table(path)
    assert list(frame.columns) == ["lat", "lon", "date", "offense"]
    assert frame["offense"].tolist() == ["Assault", "Robbery"]


def test_csv_columns_are_text_and_empty_cells_missing(write: Callable[..., Path]) -> None:
    frame = read_table(write("a.csv", "lat,lon,name\n43.6,,<script>alert(1)</script>\n"))
    assert frame["lat"].tolist() == ["43.6"]
    assert frame["lon"].isna().all()
    assert frame["name"].iloc[0] == "<script>alert(1)</script>"


def test_utf8_bom_is_removed(write: Callable[..., Path]) -> None:
    path = write("bom.csv", b"\xef\xbb\xbf" + CSV.encode())
    frame, notes = read_with_notes(path)
    assert frame.columns[0] == "lat"
    assert any("byte-order mark" in note for note in notes)


def test_cp1252_accents_fall_back_and_are_noted(write: Callable[..., Path]) -> None:
    text = "lat,lon,date,neighbourhood\n45.49,-73.62,2020-01-01,Côte-des-Neiges\n"
    frame, notes = read_with_notes(write("montreal.csv", text, encoding="cp1252"))
    assert frame["neighbourhood"].iloc[0] == "Côte-des-Neiges"
    assert any("cp1252" in note for note in notes)


def test_undefined_cp1252_bytes_fall_back_to_latin1(write: Callable[..., Path]) -> None:
    frame, notes = read_with_notes(write("odd.csv", b"a,b\n\x81x,\xe9\n"))
    assert frame["b"].iloc[0] == "é"
    assert any("latin-1" in note for note in notes)


def test_explicit_encoding_is_used_and_a_wrong_one_explained(write: Callable[..., Path]) -> None:
    path = write("e.csv", "a,b\nÉcole,1\n", encoding="latin-1")
    assert read_table(path, encoding="latin-1")["a"].iloc[0] == "École"
    with pytest.raises(InputError, match="encoding='utf-8' cannot decode"):
        read_table(path, encoding="utf-8")
    with pytest.raises(InputError, match="encoding='klingon'"):
        read_table(path, encoding="klingon")


def test_utf16_with_bom(write: Callable[..., Path]) -> None:
    frame = read_table(write("excel.txt", CSV.replace(",", "\t").encode("utf-16")))
    assert frame["offense"].tolist() == ["Assault", "Robbery"]


def test_gzip_csv(write: Callable[..., Path]) -> None:
    frame = read_table(write("incidents.csv.gz", gzip.compress(CSV.encode())))
    assert len(frame) == 2


def test_empty_file_names_the_file(write: Callable[..., Path]) -> None:
    with pytest.raises(EmptyDataError, match=r"empty\.csv"):
        read_table(write("empty.csv", ""))
    with pytest.raises(EmptyDataError, match=r"blank\.csv"):
        read_table(write("blank.csv", "\n\n  \n"))


def test_header_only_file_names_the_file_and_columns(write: Callable[..., Path]) -> None:
    with pytest.raises(
        EmptyDataError,
        match=r"header\.csv' is empty: it has a header \(lat, lon, date\) but no data rows",
    ):
        read_table(write("header.csv", "lat,lon,date\n"))


def test_unknown_extension_lists_supported_formats(write: Callable[..., Path]) -> None:
    with pytest.raises(InputError, match=r"unsupported file extension '\.xlsx'.*CSV.*GeoPackage"):
        read_table(write("book.xlsx", b"PK"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_table(tmp_path / "nope.csv")


def test_file_object_with_filename() -> None:
    frame = read_table(io.BytesIO(CSV.encode()), filename="upload.csv")
    assert len(frame) == 2


def test_file_object_without_a_name_needs_filename() -> None:
    with pytest.raises(InputError, match="filename="):
        read_table(io.BytesIO(CSV.encode()))


def test_short_rows_are_padded_and_long_rows_explained(write: Callable[..., Path]) -> None:
    frame = read_table(write("short.csv", "a,b,c\n1,2,3\n4,5\n"))
    assert len(frame) == 2
    assert frame["c"].isna().tolist() == [False, True]
    with pytest.raises(InputError, match=r"line 3 has 4 fields but the header has 3"):
        read_table(write("long.csv", "a,b,c\n1,2,3\n4,5,6,7\n"))


def test_quoted_newlines_and_delimiters(write: Callable[..., Path]) -> None:
    frame = read_table(write("q.csv", 'a,b\n"x, y","multi\nline"\n1,2\n'))
    assert frame["a"].tolist() == ["x, y", "1"]
    assert frame["b"].iloc[0] == "multi\nline"


def test_duplicate_and_blank_header_names(write: Callable[..., Path]) -> None:
    frame = read_table(write("d.csv", "a,a,\n1,2,3\n"))
    assert list(frame.columns) == ["a", "a.1", "column_3"]


def test_blank_lines_are_not_rows(write: Callable[..., Path]) -> None:
    frame = read_table(write("b.csv", "\n\na,b\n1,2\n\n3,4\n"))
    assert frame["a"].tolist() == ["1", "3"]


def test_parquet_and_geoparquet(tmp_path: Path) -> None:
    plain = tmp_path / "plain.parquet"
    pd.DataFrame({"lat": [43.6], "lon": [-79.4]}).to_parquet(plain)
    assert not isinstance(read_table(plain), gpd.GeoDataFrame)
    geo = tmp_path / "geo.parquet"
    _points().to_parquet(geo)
    frame = read_table(geo)
    assert isinstance(frame, gpd.GeoDataFrame)
    assert frame.crs is not None and frame.crs.to_epsg() == 4326


def test_geojson_gpkg_and_layers(tmp_path: Path) -> None:
    geojson = tmp_path / "points.geojson"
    _points().to_file(geojson, driver="GeoJSON")
    assert len(read_table(geojson)) == 2
    gpkg = tmp_path / "two.gpkg"
    _points().to_file(gpkg, layer="first", driver="GPKG")
    _points().iloc[:1].to_file(gpkg, layer="second", driver="GPKG")
    with pytest.raises(
        InputError, match=r"2 layers \('first', 'second'\); choose one with layer='first'"
    ):
        read_table(gpkg)
    assert len(read_table(gpkg, layer="second")) == 1
    with pytest.raises(InputError, match="layer='third'"):
        read_table(gpkg, layer="third")


def test_layer_names_of_a_file_an_upload_and_a_broken_one(tmp_path: Path) -> None:
    gpkg = tmp_path / "two.gpkg"
    _points().to_file(gpkg, layer="first", driver="GPKG")
    _points().iloc[:1].to_file(gpkg, layer="second", driver="GPKG")
    assert layer_names(gpkg) == ["first", "second"]
    upload = io.BytesIO(gpkg.read_bytes())
    assert layer_names(upload, filename="two.gpkg") == ["first", "second"]
    gzipped = io.BytesIO(gzip.compress(gpkg.read_bytes()))  # read_table reads it too
    assert layer_names(gzipped, filename="two.gpkg") == ["first", "second"]
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"not a geopackage" * 40)
    with pytest.raises(InputError) as listing:
        layer_names(io.BytesIO(broken.read_bytes()), filename="broken.gpkg")
    with pytest.raises(InputError) as reading:
        read_table(io.BytesIO(broken.read_bytes()), filename="broken.gpkg")
    assert str(listing.value) == str(reading.value)
    assert "broken.gpkg could not be opened as .gpkg" in listing.value.render("cli")
    assert "hotspots-" not in str(listing.value)  # the temporary copy's path is not shown


def test_zipped_shapefile_and_upload(tmp_path: Path) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    _points().to_file(folder / "points.shp")
    archive = tmp_path / "points.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for part in folder.iterdir():
            handle.write(part, part.name)
    assert len(read_table(archive)) == 2
    assert len(read_table(folder / "points.shp")) == 2
    uploaded = read_table(io.BytesIO(archive.read_bytes()), filename="points.zip")
    assert len(uploaded) == 2
    with pytest.raises(InputError, match="zip them together"):
        read_table(io.BytesIO((folder / "points.shp").read_bytes()), filename="points.shp")


def test_zip_holding_a_csv(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("export/incidents.csv", CSV)
    assert len(read_table(archive)) == 2


def test_kml_and_kmz(tmp_path: Path) -> None:
    kml = tmp_path / "points.kml"
    _points().to_file(kml, driver="KML")
    frame = read_table(kml)
    assert isinstance(frame, gpd.GeoDataFrame)
    assert len(frame) == 2
    kmz = tmp_path / "points.kmz"
    with zipfile.ZipFile(kmz, "w") as handle:
        handle.write(kml, "doc.kml")
    assert len(read_table(kmz)) == 2


def test_corrupt_geo_file_is_an_input_error(write: Callable[..., Path]) -> None:
    with pytest.raises(InputError, match="could not be"):
        read_table(write("broken.geojson", '{"type": "FeatureCollection", "features": ['))


def test_date_parts_are_read_as_numbers_and_month_names_still_read(tmp_path: Path) -> None:
    from hotspots.ingest import load_incidents
    from hotspots.ingest.readers import _read_csv_file

    header = "TYPE,YEAR,MONTH,DAY,HOUR,MINUTE,X,Y\n"
    rows = ["Theft,2020,6,19,3,40,491059.48,5459122.41", "Theft,2020,1,3,6,43,491068.68,5459126.13"]
    numbers = tmp_path / "numbers.csv"
    numbers.write_text(header + "\n".join(rows) + "\n")
    named = tmp_path / "named.csv"
    named.write_text(header + rows[0].replace(",6,19,", ",June,19,") + "\n" + rows[1] + "\n")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(header + rows[0] + "\n" + rows[1].rsplit(",", 1)[0] + "\n")
    frame = _read_csv_file(numbers, [])
    assert frame is not None and frame["MONTH"].dtype == "Int32"
    frame = _read_csv_file(named, [])  # month names: the date parts stay text, same reader
    assert frame is not None and frame["X"].dtype == "float64" and frame["MONTH"].iloc[0] == "June"
    assert _read_csv_file(ragged, []) is None  # the careful path reads it
    now = pd.Timestamp("2024-01-01", tz="UTC")
    a = load_incidents(numbers, crs="EPSG:26910", now=now, quiet=True).incidents
    b = load_incidents(named, crs="EPSG:26910", now=now, quiet=True).incidents
    assert a["occurred_at"].equals(b["occurred_at"]) and len(a) == 2


def test_only_the_mapped_columns_are_read_and_rejects_still_show_whole_rows(
    tmp_path: Path,
) -> None:
    import numpy as np

    from hotspots.errors import ColumnError
    from hotspots.ingest import ColumnMapping, load_incidents
    from hotspots.ingest.readers import _read_csv_file

    path = tmp_path / "portal.csv"
    path.write_text(
        "Case,Date,Description,Beat,Latitude,Longitude,Offense\n"
        'JA1,01/13/2021 10:00:00 PM,"HANDGUN, ""9MM""",1640,43.65,-79.38,Assault\n'
        "JA2,not a date,SIMPLE,1650,43.66,-79.38,Assault\n"
        "JA3,01/14/2021 10:00:00 PM,,0170,0,0,Robbery\n"
        "JA4,01/15/2021 10:00:00 PM,OTHER,1660,43.67,-79.39,Robbery\n"
    )
    mapping = ColumnMapping(date="Date", lat="Latitude", lon="Longitude")
    frame = _read_csv_file(path, [], lambda names: mapping, prune=True)
    assert frame is not None and list(frame.columns) == ["Date", "Latitude", "Longitude"]
    others = frame.attrs["unread"].rows(np.array([0, 2]))
    assert others["Description"].tolist()[0] == 'HANDGUN, "9MM"'
    assert others["Beat"].tolist() == ["1640", "0170"] and others["Case"].tolist() == ["JA1", "JA3"]
    now = pd.Timestamp("2024-01-01", tz="UTC")
    pruned = load_incidents(path, now=now, quiet=True)
    whole = load_incidents(path, now=now, quiet=True, duplicates="rows")  # reads every column
    assert pruned.rejects.equals(whole.rejects) and len(pruned.rejects) == 2
    assert list(pruned.rejects.columns)[3:] == [
        "Case", "Date", "Description", "Beat", "Latitude", "Longitude", "Offense",
    ]  # fmt: skip
    assert pruned.rejects["Description"].isna().tolist() == [False, True]
    # Without a date column nothing is left out: the error lists every column.
    (tmp_path / "nodate.csv").write_text("Case,Latitude,Longitude\nJA1,43.65,-79.38\n")
    with pytest.raises(ColumnError, match="Case"):
        load_incidents(tmp_path / "nodate.csv", now=now, quiet=True)


def test_columns_named_by_the_caller_are_typed_as_auto_detected_ones_are(
    tmp_path: Path,
) -> None:
    from hotspots.ingest import _mapping_for, load_incidents
    from hotspots.ingest.readers import read_with_notes

    path = tmp_path / "renamed.csv"
    path.write_text(
        "ref,when,kind,pos_a,pos_b,note\n"
        "1,2021-01-13 10:00,Assault,43.65,-79.38,a\n"
        "2,2021-01-14 11:00,Robbery,43.66,-79.39,b\n"
    )
    names = {"lat": "pos_a", "lon": "pos_b", "date": "when", "offense": "kind"}
    frame, _ = read_with_notes(path, typed=True, mapping=_mapping_for(names), prune=True)
    assert list(frame.columns) == ["when", "kind", "pos_a", "pos_b"]
    assert frame["pos_a"].dtype == "float64" and frame["kind"].dtype == "category"
    # A Parquet file's labels likewise (auto-detection does not know "kind").
    pd.read_csv(path).to_parquet(tmp_path / "renamed.parquet")
    parquet, _ = read_with_notes(
        tmp_path / "renamed.parquet", typed=True, mapping=_mapping_for(names)
    )
    assert parquet["kind"].dtype == "category"
    now = pd.Timestamp("2024-01-01", tz="UTC")
    loaded = load_incidents(path, columns=names, now=now, quiet=True)
    assert len(loaded.incidents) == 2 and loaded.incidents["offense"].tolist() == [
        "Assault",
        "Robbery",
    ]


def test_unread_columns_of_no_rows_and_of_the_last_row(tmp_path: Path) -> None:
    import numpy as np

    from hotspots.ingest import ColumnMapping
    from hotspots.ingest.readers import _read_csv_file

    path = tmp_path / "many.csv"
    rows = [f"{i},2021-01-01,43.65,-79.38,note {i}" for i in range(50_000)]
    path.write_text("id,date,lat,lon,note\n" + "\n".join(rows) + "\n")
    mapping = ColumnMapping(date="date", lat="lat", lon="lon")
    frame = _read_csv_file(path, [], lambda names: mapping, prune=True)
    assert frame is not None
    unread = frame.attrs["unread"]
    none = unread.rows(np.array([], dtype=np.int64))
    assert list(none.columns) == ["id", "note"] and len(none) == 0
    picked = unread.rows(np.array([0, 25_000, 49_999]))
    assert picked["note"].tolist() == ["note 0", "note 25000", "note 49999"]
