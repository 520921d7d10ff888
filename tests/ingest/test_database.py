"""PostgreSQL/PostGIS sources against a real server: the bundled Toronto data loaded into a
table gives exactly what the file gives (incidents, rejects, analysis); boundaries too."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from postgis_server import MISSING, available, postgis_server

from hotspots.analysis import analyze
from hotspots.cli import main
from hotspots.errors import EmptyDataError, InputError
from hotspots.ingest import load_boundaries, load_incidents
from hotspots.ingest.database import is_database_url
from hotspots.ingest.datasets import toronto_boundaries_path, toronto_incidents_path

NOW = pd.Timestamp("2024-06-01", tz="UTC")
# A real server (a few seconds to start) and the 241,000 bundled incidents loaded into it.
pytestmark = [pytest.mark.skipif(not available(), reason=MISSING), pytest.mark.slow]


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A server holding the bundled incidents (PostGIS points) and neighbourhoods."""
    psycopg = pytest.importorskip("psycopg", reason="the db extra is not installed")
    with postgis_server() as url:
        incidents = gpd.read_parquet(toronto_incidents_path())
        areas = gpd.read_file(toronto_boundaries_path())
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(
                "CREATE TABLE incidents (occurred_at timestamptz, offense text, "
                "premises_type text, neighbourhood text, geom geometry(Point, 4326))"
            )
            _copy(connection, "incidents", incidents)
            connection.execute("CREATE TABLE areas (name text, geom geometry(Geometry, 4326))")
            _copy(connection, "areas", areas)
            # The same incidents as plain text columns, lon/lat, as an export would be.
            connection.execute(
                "CREATE TABLE incidents_text AS SELECT occurred_at::text AS occurred_at, offense, "
                "ST_Y(geom)::text AS lat, ST_X(geom)::text AS lon FROM incidents"
            )
            connection.execute(
                "INSERT INTO incidents_text VALUES ('not a date', 'Robbery', '43.7', '-79.4')"
            )
        yield url


def _copy(connection: object, table: str, frame: gpd.GeoDataFrame) -> None:
    """Load ``frame`` with COPY; geometries as hex EWKB (exact doubles)."""
    plain = pd.DataFrame(frame.drop(columns="geometry"))
    geometry = shapely.set_srid(frame.geometry.to_numpy(), 4326)
    plain["geom"] = shapely.to_wkb(geometry, hex=True, include_srid=True)
    buffer = io.StringIO()
    plain.to_csv(buffer, index=False, header=False)
    with (
        connection.cursor() as cursor,
        cursor.copy(  # type: ignore[attr-defined]
            f"COPY {table} ({', '.join(plain.columns)}) FROM STDIN WITH (FORMAT csv)"
        ) as copy,
    ):
        copy.write(buffer.getvalue())


def test_postgis_table_gives_what_the_file_gives(database: str) -> None:
    from_db = load_incidents(database, table="incidents", now=NOW, quiet=True)
    from_file = load_incidents(toronto_incidents_path(), now=NOW, quiet=True)
    assert from_db.rows_read == from_file.rows_read == 240_992
    # A table has no row order of its own: compare the incidents sorted, without source_row.
    pd.testing.assert_frame_equal(_sorted(from_db.table.frame), _sorted(from_file.table.frame))
    assert from_db.metric_crs == from_file.metric_crs
    assert from_db.timezone == from_file.timezone
    assert from_db.time_resolution == from_file.time_resolution
    assert len(from_db.rejects) == len(from_file.rejects)
    assert any("SRID 4326" in note for note in from_db.notes)

    fast = analyze(from_db.table, cell_size_m=500, lisa=False, quiet=True)
    slow = analyze(from_file.table, cell_size_m=500, lisa=False, quiet=True)
    pd.testing.assert_frame_equal(
        pd.DataFrame(fast.cells.drop(columns="geometry")),
        pd.DataFrame(slow.cells.drop(columns="geometry")),
    )
    pd.testing.assert_frame_equal(fast.hotspots, slow.hotspots)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["occurred_at", "x_m", "y_m", "offense", "premises", "neighbourhood"]
    text = dict.fromkeys(["offense", "premises", "neighbourhood"], "str")
    return frame.drop(columns="source_row").astype(text).sort_values(keys, ignore_index=True)


def test_query_text_columns_and_rejects(database: str) -> None:
    """A query over text columns goes through the same parsing and reject report."""
    load = load_incidents(
        database,
        query="SELECT * FROM incidents_text WHERE offense IN ('Robbery', 'Auto Theft')",
        now=NOW,
        quiet=True,
    )
    assert len(load.table) + len(load.rejects) == load.rows_read
    unparseable = load.rejects.loc[load.rejects["reason"] == "unparseable date"]
    assert unparseable["occurred_at"].tolist() == ["not a date"]
    # The rest occurred long before the reporting window (rejected by default, as from file).
    assert set(load.rejects["reason"]) == {"unparseable date", "before reporting window"}
    from_file = load_incidents(toronto_incidents_path(), now=NOW, quiet=True)
    expected = from_file.table.frame.loc[from_file.table["offense"].isin(["Robbery", "Auto Theft"])]
    assert len(load.table) == len(expected)
    np.testing.assert_allclose(np.sort(load.table.x_m), np.sort(expected["x_m"]), atol=1e-6)


def test_boundaries_from_postgis(database: str) -> None:
    from_db = load_boundaries(database, table="areas").sort_values("name", ignore_index=True)
    from_file = load_boundaries(toronto_boundaries_path()).sort_values("name", ignore_index=True)
    assert from_db["name"].tolist() == from_file["name"].tolist()
    assert len(from_db) == 140
    assert from_db.crs == from_file.crs
    assert bool(np.all(shapely.equals_exact(from_db.geometry.values, from_file.geometry.values, 0)))


def test_cli_reads_a_database(database: str, tmp_path: Path) -> None:
    code = main(
        [
            "analyze", database, "--table", "incidents", "--boundaries", database,
            "--boundaries-table", "areas", "--cell-size-m", "500", "--no-lisa", "--quiet",
            "--out", str(tmp_path),
        ]
    )  # fmt: skip
    assert code == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["input"]["rows_read"] == 240_992
    assert summary["input"]["rows_accepted"] == 240_067  # 925 before the reporting window
    assert (tmp_path / "neighbourhoods.parquet").exists()


def test_database_mistakes_are_explained(database: str) -> None:
    with pytest.raises(InputError, match="exactly one"):
        load_incidents(database, quiet=True)
    with pytest.raises(InputError, match="table name"):
        load_incidents(database, table="incidents; DROP TABLE incidents", quiet=True)
    with pytest.raises(InputError, match="does not exist"):
        load_incidents(database, table="nope", quiet=True)
    with pytest.raises(EmptyDataError, match="no rows"):
        load_incidents(database, query="SELECT * FROM incidents WHERE false", quiet=True)
    with pytest.raises(InputError, match="database URL"):
        load_incidents(toronto_incidents_path(), table="incidents", quiet=True)
    wrong = database.replace("/hotspots", "/no_such_database")
    with pytest.raises(InputError, match="no_such_database"):
        load_incidents(wrong, table="incidents", quiet=True)


def test_url_detection() -> None:
    assert is_database_url("postgresql://u@h/db")
    assert is_database_url("postgresql+psycopg://u:p@h:5432/db")
    assert not is_database_url("data/incidents.csv")
    assert not is_database_url(Path("postgresql://x"))
