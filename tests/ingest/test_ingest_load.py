"""Tests for the load_incidents pipeline, the LoadResult and the reject report."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspots.errors import ColumnError, EmptyDataError, InputError
from hotspots.ingest import REJECT_REASONS, ColumnMapping, LoadResult, load_incidents
from hotspots.ingest.rejects import NoIncidentsError


def test_reject_reasons_are_the_documented_ones() -> None:
    assert REJECT_REASONS == (
        "missing coordinate",
        "non-numeric coordinate",
        "withheld location (0/0)",
        "coordinate out of range",
        "not a point geometry",
        "far from the rest",
        "outside study boundary",
        "missing date",
        "unparseable date",
        "future date",
        "before reporting window",
        "duplicate",
    )


def test_incidents_schema(
    write: Callable[..., Path], small_csv: Callable[[int], str], now: pd.Timestamp
) -> None:
    result = load_incidents(write("t.csv", small_csv(5)), now=now)
    assert isinstance(result, LoadResult)
    incidents = result.incidents
    assert isinstance(incidents, gpd.GeoDataFrame)
    assert list(incidents.columns) == [
        "source_row", "occurred_at", "offense", "neighbourhood", "premises", "geometry",
    ]  # fmt: skip
    assert isinstance(incidents.index, pd.RangeIndex)
    assert incidents["source_row"].dtype == np.int64
    assert str(incidents["occurred_at"].dtype) == "datetime64[us, America/Toronto]"
    assert incidents["offense"].tolist() == ["Assault"] * 5
    assert incidents["neighbourhood"].isna().all()
    assert incidents["premises"].isna().all()
    assert (incidents.geom_type == "Point").all()
    assert incidents.crs == result.metric_crs
    assert result.rows_read == 5
    assert result.time_resolution == "minute"
    assert result.mapping == ColumnMapping(
        lat="lat", lon="lon", date="date", offense="offense", id="id"
    )
    assert list(result.rejects.columns[:3]) == ["source_row", "reason", "detail"]


def test_reject_report_keeps_original_columns_as_text(now: pd.Timestamp) -> None:
    frame = pd.DataFrame(
        {
            "lat": ["43.65", "abc", "43.66"],
            "lon": ["-79.38", "-79.38", "-79.39"],
            "date": ["2019-01-01", "2019-01-01", "not a date"],
            "reason": ["x", "y", "z"],  # clashes with the report column
            "count": [1, 2, None],
        }
    )
    result = load_incidents(frame, now=now)
    rejects = result.rejects
    assert list(rejects.columns) == [
        "source_row", "reason", "detail", "lat", "lon", "date", "source_reason", "count",
    ]  # fmt: skip
    assert rejects["source_row"].dtype == np.int64
    assert rejects["source_row"].tolist() == [2, 3]
    assert rejects["reason"].tolist() == ["non-numeric coordinate", "unparseable date"]
    assert rejects["count"].iloc[0] == "2.0"
    assert pd.isna(rejects["count"].iloc[1])
    assert result.reject_counts().to_dict() == {"non-numeric coordinate": 1, "unparseable date": 1}


def test_first_failing_check_wins(now: pd.Timestamp) -> None:
    frame = pd.DataFrame(
        {"lat": ["abc", "43.65"], "lon": ["-79.38", "-79.38"], "date": ["", "2019-01-01"]}
    )
    result = load_incidents(frame, now=now)
    assert result.rejects["reason"].tolist() == ["non-numeric coordinate"]


def test_names_with_markup_survive_as_plain_text(now: pd.Timestamp) -> None:
    frame = pd.DataFrame(
        {
            "lat": ["43.65"],
            "lon": ["-79.38"],
            "date": ["2019-01-01"],
            "offense": ["<script>alert('x')</script>"],
            "Neighbourhood": ["Côte-des-Neiges & <b>Notre-Dame</b>"],
        }
    )
    incidents = load_incidents(frame, now=now).incidents
    assert incidents["offense"].iloc[0] == "<script>alert('x')</script>"
    assert incidents["neighbourhood"].iloc[0] == "Côte-des-Neiges & <b>Notre-Dame</b>"


def test_default_offense_and_empty_offense_cells(now: pd.Timestamp) -> None:
    frame = pd.DataFrame({"lat": ["43.65"] * 2, "lon": ["-79.38"] * 2, "date": ["2019-01-01"] * 2})
    result = load_incidents(frame, default_offense="Burglary", now=now)
    assert result.incidents["offense"].tolist() == ["Burglary", "Burglary"]
    assert any("no offense column" in note for note in result.notes)
    result = load_incidents(frame.assign(type=["Theft", "  "]), now=now)
    assert result.incidents["offense"].tolist() == ["Theft", "All incidents"]
    with pytest.raises(InputError, match="default_offense"):
        load_incidents(frame, default_offense=" ", now=now)


def _duplicates_frame() -> pd.DataFrame:
    row = {"lat": "43.65", "lon": "-79.38", "date": "2019-01-01 10:00", "offense": "Assault"}
    return pd.DataFrame(
        [
            {**row, "id": "A"},
            {**row, "id": "B"},  # a second victim: same everything but the id
            {**row, "id": "A"},  # a re-exported record
            {**row, "id": "A", "date": "garbage"},  # broken copy: rejected for its date
            {**row, "id": None},
            {**row, "id": None},
        ]
    )


def test_duplicates_by_id(now: pd.Timestamp) -> None:
    result = load_incidents(_duplicates_frame(), now=now)
    rejects = result.rejects.set_index("source_row")
    assert rejects["reason"].to_dict() == {3: "duplicate", 4: "unparseable date"}
    assert rejects.loc[3, "detail"] == "id='A' repeats source row 1"
    assert result.incidents["source_row"].tolist() == [1, 2, 5, 6]


def test_duplicates_by_rows_and_keep(now: pd.Timestamp) -> None:
    result = load_incidents(_duplicates_frame(), duplicates="rows", now=now)
    rejects = result.rejects.set_index("source_row")
    assert rejects["reason"].to_dict() == {3: "duplicate", 4: "unparseable date", 6: "duplicate"}
    assert rejects.loc[6, "detail"] == "identical to source row 5"
    kept = load_incidents(_duplicates_frame(), duplicates="keep", now=now)
    assert len(kept.incidents) == 5
    with pytest.raises(InputError, match=r"duplicates='all'.*'id', 'rows', 'keep'"):
        load_incidents(_duplicates_frame(), duplicates="all", now=now)  # type: ignore[arg-type]


def test_duplicates_by_rows_in_a_geometry_source_compare_coordinates(
    now: pd.Timestamp, tmp_path: Path
) -> None:
    import shapely

    here, near = (-79.38, 43.65), (-79.38, 43.6500001)
    points = gpd.GeoDataFrame(
        {"date": ["2019-01-01 10:00"] * 5, "offense": ["Assault"] * 4 + ["Robbery"]},
        geometry=shapely.points([here, here, near, here, here]),
        crs="EPSG:4326",
    )
    path = tmp_path / "points.geojson"
    points.to_file(path)
    result = load_incidents(path, duplicates="rows", now=now)
    rejects = result.rejects.set_index("source_row")
    # Row 2 repeats row 1 exactly; row 3 is 1 cm away; row 5 has another offense.
    assert rejects["reason"].to_dict() == {2: "duplicate", 4: "duplicate"}
    assert rejects.loc[4, "detail"] == "identical to source row 1"
    assert result.incidents["source_row"].tolist() == [1, 3, 5]


def test_duplicates_by_id_without_an_id_column_is_a_noop(now: pd.Timestamp) -> None:
    result = load_incidents(_duplicates_frame().drop(columns="id"), now=now)
    assert "duplicate" not in result.rejects["reason"].tolist()
    assert any("no id column" in note for note in result.notes)


def test_every_row_rejected_carries_the_report(now: pd.Timestamp) -> None:
    frame = pd.DataFrame({"lat": ["x", "y"], "lon": ["1", "2"], "date": ["2019-01-01"] * 2})
    with pytest.raises(NoIncidentsError, match=r"All 2 rows were rejected: 2 non-numeric") as error:
        load_incidents(frame, now=now)
    assert isinstance(error.value, EmptyDataError)
    assert len(error.value.rejects) == error.value.rows_read == 2
    frame = pd.DataFrame({"lat": ["43.6"], "lon": ["-79.4"], "date": ["someday"]})
    with pytest.raises(NoIncidentsError, match="unparseable date"):
        load_incidents(frame, now=now)


def test_empty_inputs(write: Callable[..., Path]) -> None:
    with pytest.raises(EmptyDataError, match="empty DataFrame"):
        load_incidents(pd.DataFrame({"lat": []}))
    with pytest.raises(EmptyDataError, match=r"header_only\.csv"):
        load_incidents(write("header_only.csv", "lat,lon,date\n"))


def test_missing_coordinate_columns_list_what_exists(now: pd.Timestamp) -> None:
    frame = pd.DataFrame({"Where": ["a"], "date": ["2019-01-01"]})
    with pytest.raises(ColumnError, match=r"No coordinate columns.*'Where', 'date'.*columns="):
        load_incidents(frame, now=now)
    with pytest.raises(ColumnError, match="'Latitud'"):
        load_incidents(frame, columns={"lat": "Latitud", "lon": "Where"}, now=now)


def test_semicolon_bom_cp1252_upload(now: pd.Timestamp) -> None:
    text = "Latitude;Longitude;Date;Quartier\n45,4946;-73,6244;2020-01-02 10:00;Côte-des-Neiges\n"
    upload = io.BytesIO(text.encode("cp1252"))
    result = load_incidents(upload, filename="montreal.csv", now=now)
    assert (
        result.incidents["neighbourhood"].tolist() == [pd.NA]
        or result.incidents["neighbourhood"].isna().all()
    )
    assert result.timezone == "America/Toronto"  # Montreal uses Toronto's zone rules
    assert any("cp1252" in note for note in result.notes)
    result = load_incidents(
        io.BytesIO(b"\xef\xbb\xbf" + text.encode()),
        filename="m.csv",
        columns={"neighbourhood": "Quartier"},
        now=now,
    )
    assert result.incidents["neighbourhood"].tolist() == ["Côte-des-Neiges"]


def test_quiet_lowers_the_log_level(
    caplog: pytest.LogCaptureFixture,
    small_csv: Callable[[int], str],
    write: Callable[..., Path],
    now: pd.Timestamp,
) -> None:
    path = write("q.csv", small_csv(2))
    with caplog.at_level(logging.INFO, logger="hotspots"):
        load_incidents(path, quiet=True, now=now)
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]
    with caplog.at_level(logging.INFO, logger="hotspots"):
        load_incidents(path, now=now)
    assert any("time zone America/Toronto" in r.getMessage() for r in caplog.records)


def test_dataframe_source_with_odd_index_is_not_modified(now: pd.Timestamp) -> None:
    frame = pd.DataFrame(
        {"lat": [43.65, 43.66], "lon": [-79.38, -79.39], "date": ["2019-01-01", "2019-01-02"]},
        index=[10, 20],
    )
    before = frame.copy()
    result = load_incidents(frame, now=now)
    assert result.incidents["source_row"].tolist() == [1, 2]
    pd.testing.assert_frame_equal(frame, before)


def test_duplicate_rows_found_through_fast_hashes_are_exactly_pandas_duplicates() -> None:
    # Numbers and categories are hashed to find candidates; text decides among them.
    from hotspots.ingest.duplicates import may_repeat

    rng = np.random.default_rng(11)
    n = 3_000
    frame = pd.DataFrame(
        {
            "lat": rng.choice([43.65, 43.66, np.nan], n),
            "beat": rng.integers(0, 3, n),
            "offense": pd.Categorical(rng.choice(["Assault", "Robbery"], n)),
            "description": rng.choice(["a", "b", "c", "d"], n),
            "when": pd.to_datetime(rng.choice(["2020-01-01", "2020-01-02"], n)),
        }
    )
    rows = np.flatnonzero(rng.random(n) < 0.8)
    candidates = may_repeat(frame, rows)
    exact = frame.iloc[rows].duplicated(keep=False).to_numpy()
    assert not (exact & ~candidates).any()  # every real duplicate is a candidate
    subset = frame.iloc[rows[candidates]]
    assert np.array_equal(
        rows[candidates][subset.duplicated(keep="first").to_numpy()],
        rows[frame.iloc[rows].duplicated(keep="first").to_numpy()],
    )
    text_only = pd.DataFrame({"description": ["a", "a"]})
    assert may_repeat(text_only, np.arange(2)).all()  # nothing to hash: all compared


def test_ids_are_compared_without_blanks_and_blank_ids_never_repeat(
    now: pd.Timestamp, tmp_path: Path
) -> None:
    from hotspots.ingest.duplicates import repeated_ids

    ids = pd.Series([" A1", "A1 ", "", None, "B2", "  ", "b2", "B2"], dtype="str")
    repeated, earlier = repeated_ids(ids)
    assert repeated.tolist() == [False, True, False, False, False, False, False, True]
    assert earlier.tolist() == [0, 4]
    numbers = pd.Series([7.0, np.nan, 7.0, np.nan, 8.0])
    assert repeated_ids(numbers)[0].tolist() == [False, False, True, False, False]
    chunked = pd.Series(pd.array(["x", "y", "x"], dtype="string[pyarrow]"))
    assert repeated_ids(chunked)[0].tolist() == [False, False, True]
    many = pd.Series([f"JD{i % 50_000}" for i in range(60_000)], dtype="str")
    again, earlier = repeated_ids(many)
    assert again.sum() == 10_000 and (earlier == np.arange(10_000)).all()
    # Through a CSV file (Arrow-backed text): the report names the id and the row it repeats.
    path = tmp_path / "cases.csv"
    path.write_text(
        "case_number,lat,lon,date,offense\n"
        + " JA1,43.65,-79.38,2019-01-01 10:00,Assault\n"
        + "JB2,43.66,-79.38,2019-01-01 11:00,Assault\n"
        + "JA1 ,43.65,-79.38,2019-01-01 10:00,Assault\n"
        + ",43.67,-79.38,2019-01-01 12:00,Assault\n"
        + ",43.67,-79.38,2019-01-01 12:00,Assault\n"
    )
    result = load_incidents(path, now=now)
    rejects = result.rejects.set_index("source_row")
    assert rejects["reason"].to_dict() == {3: "duplicate"}
    assert rejects.loc[3, "detail"] == "case_number='JA1' repeats source row 1"


def test_rejected_rows_keep_their_source_values_when_the_rest_is_compacted(
    tmp_path: Path, now: pd.Timestamp
) -> None:
    # Accepted rows' times and coordinates are compacted in place; the reject report, built
    # afterwards from the source columns, and the incidents both keep the right values.
    n = 1_000
    rng = np.random.default_rng(0)
    source = pd.DataFrame(
        {
            "lat": 43.65 + rng.normal(0, 0.01, n),
            "lon": -79.38 + rng.normal(0, 0.01, n),
            "date": pd.date_range("2021-01-01", periods=n, freq="h", tz="America/Toronto"),
            "offense": "Assault",
        }
    )
    source.loc[::7, "lat"] = np.nan
    source.to_parquet(tmp_path / "aware.parquet")
    result = load_incidents(tmp_path / "aware.parquet", now=now, quiet=True)
    rejected = result.rejects["source_row"].to_numpy() - 1
    assert (rejected == np.arange(0, n, 7)).all()
    shown = pd.to_datetime(result.rejects["date"]).dt.tz_convert("UTC").to_numpy()
    assert (shown == source["date"].iloc[rejected].dt.tz_convert("UTC").to_numpy()).all()
    incidents = result.incidents.sort_values("source_row")
    kept = incidents["source_row"].to_numpy() - 1
    expected = source["date"].iloc[kept].dt.tz_convert("UTC").to_numpy()
    assert (incidents["occurred_at"].dt.tz_convert("UTC").to_numpy() == expected).all()
    # Coordinates in the same order: back to degrees, each incident at its source row's place.
    from pyproj import Transformer

    table = result.table.frame.sort_values("source_row")
    lon, lat = Transformer.from_crs(result.metric_crs, "EPSG:4326", always_xy=True).transform(
        table["x_m"].to_numpy(), table["y_m"].to_numpy()
    )
    np.testing.assert_allclose(lat, source["lat"].iloc[kept], atol=1e-9)
    np.testing.assert_allclose(lon, source["lon"].iloc[kept], atol=1e-9)
