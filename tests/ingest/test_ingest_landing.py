"""Issue 14 item 10: a wrong CRS is refused from what the data itself says about its place
(UTC offsets in the dates, a tz-aware date column, the boundaries, land and sea), naming
where the points landed and the CRS that would put them where they belong."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from hotspots.errors import CRSError
from hotspots.ingest import load_incidents
from hotspots.ingest.landing import zone_cities

N = 200
NOW = pd.Timestamp("2024-01-01")


def _toronto(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return -79.38 + rng.normal(0, 0.03, N), 43.65 + rng.normal(0, 0.02, N)


def _dates(offsets: bool) -> list[str]:
    # Winter and summer months, written with Toronto's offsets (EST -05:00, EDT -04:00).
    stamps = [f"2021-{1 + i % 12:02d}-{1 + i % 27:02d}T{i % 24:02d}:15:00" for i in range(N)]
    if not offsets:
        return stamps
    return [s + ("-04:00" if 4 <= int(s[5:7]) <= 10 else "-05:00") for s in stamps]


def _utm17(*, offsets: bool = False, zulu: bool = False) -> pd.DataFrame:
    lon, lat = _toronto()
    x, y = Transformer.from_crs(4326, 32617, always_xy=True).transform(lon, lat)
    dates = _dates(offsets)
    if zulu:
        dates = [d + "Z" for d in dates]
    return pd.DataFrame({"x": np.round(x, 1), "y": np.round(y, 1), "date": dates})


def _lat_lon(*, offsets: bool = False) -> pd.DataFrame:
    lon, lat = _toronto()
    return pd.DataFrame({"lat": lat, "lon": lon, "date": _dates(offsets)})


def _refused(frame: pd.DataFrame, **kwargs: object) -> str:
    with pytest.raises(CRSError) as caught:
        load_incidents(frame, now=NOW, **kwargs)  # type: ignore[arg-type]
    return " ".join(caught.value.render("cli").split())


def test_offsets_in_the_dates_refuse_the_issue_example_without_a_timezone() -> None:
    message = _refused(_utm17(offsets=True), crs="EPSG:32633")
    assert "The points fall around 43.6°N 16.6°E, in the Europe/Zagreb time zone" in message
    assert "the UTC offsets in 'date' (-05:00, -04:00)" in message
    # The offsets tell the band of longitudes, not the zone: the neighbours are named too.
    assert "--crs EPSG:32633 is probably wrong: EPSG:32616" in message
    assert "EPSG:32617 (WGS 84 / UTM zone 17N)" in message
    assert "--timezone" in message  # the way out when the offsets are a server's


def test_the_right_crs_with_offsets_loads() -> None:
    loaded = load_incidents(_utm17(offsets=True), crs="EPSG:32617", now=NOW)
    assert len(loaded.table) == N and loaded.timezone == "America/Toronto"


def test_utc_dates_say_nothing_about_the_place() -> None:
    # "Z" is UTC storage, not a place: the wrong zone is not caught by the dates (it is by
    # the boundaries, below) and the data loads where the CRS puts it.
    loaded = load_incidents(_utm17(zulu=True), crs="EPSG:32633", now=NOW)
    assert loaded.timezone.startswith("Europe/")


def test_a_given_timezone_replaces_the_offsets_as_the_clue() -> None:
    # Offsets of a server elsewhere (UTC-08:00) on Toronto points: refused, and the message
    # names --timezone; giving the place's time zone is the way out.
    frame = _lat_lon(offsets=True)
    frame["date"] = frame["date"].str.replace(r"-0[45]:00$", "-08:00", regex=True)
    frame.loc[0, "date"] = frame.loc[0, "date"].replace("-08:00", "-09:00")
    message = _refused(frame)
    # The one -09:00 is a stray (under 5% of the dates): not part of the clue.
    assert "around Toronto (43.6°N 79.4°W)" in message and "'date' (-08:00)" in message
    assert "read as EPSG:4326, may be in another CRS" in message
    assert len(load_incidents(frame, timezone="America/Toronto", now=NOW).table) == N


def test_a_few_offsets_among_plain_dates_are_no_clue() -> None:
    frame = _lat_lon()
    frame.loc[:40, "date"] = frame.loc[:40, "date"] + "+05:00"  # 41 of 200: a minority
    assert len(load_incidents(frame, now=NOW).table) == N


def test_a_tz_aware_parquet_date_column_is_a_clue(tmp_path: Path) -> None:
    frame = _utm17()
    frame["date"] = pd.to_datetime(frame["date"]).dt.tz_localize("America/Toronto")
    path = tmp_path / "incidents.parquet"
    frame.to_parquet(path)
    message = _refused_path(path, crs="EPSG:32633")
    assert "the time zone of the date column 'date' (America/Toronto)" in message
    assert "EPSG:32617 (WGS 84 / UTM zone 17N)" in message


def _refused_path(path: Path, **kwargs: object) -> str:
    with pytest.raises(CRSError) as caught:
        load_incidents(path, now=NOW, **kwargs)  # type: ignore[arg-type]
    return " ".join(caught.value.render("cli").split())


def test_boundaries_name_the_place_and_the_zone() -> None:
    areas = gpd.GeoDataFrame(geometry=[shapely.box(-79.5, 43.55, -79.25, 43.75)], crs=4326)
    for wrong in ("EPSG:32633", "EPSG:32616", "EPSG:32717"):
        message = _refused(_utm17(), crs=wrong, boundaries=areas)
        assert "boundaries, which are around Toronto (43.6°N 79.4°W)" in message
        assert f"--crs {wrong} is probably wrong: EPSG:32617 (WGS 84 / UTM zone 17N)" in message


def test_wrong_hemisphere_lands_at_sea_and_is_refused_without_any_clue() -> None:
    message = _refused(_utm17(), crs="EPSG:32717")
    assert "46.6°S 79.3°W, in the open sea" in message and "no point is on land" in message
    assert "EPSG:32617 (WGS 84 / UTM zone 17N) or" in message  # the other hemisphere first


def test_lat_lon_given_a_projected_crs_is_refused() -> None:
    message = _refused(_lat_lon(), crs="EPSG:32633")
    assert "look like longitude/latitude in degrees" in message
    assert (
        "centre at -79.3" in message
        and "Use --crs EPSG:4326 instead of --crs EPSG:32633" in message
    )
    app = _refused_app(_lat_lon(), crs="EPSG:32617")
    assert '"CRS of the coordinates" on the Data page (e.g. EPSG:4326)' in app


def _refused_app(frame: pd.DataFrame, **kwargs: object) -> str:
    with pytest.raises(CRSError) as caught:
        load_incidents(frame, now=NOW, **kwargs)  # type: ignore[arg-type]
    return caught.value.render("app")


def test_a_wrong_timezone_clue_far_away_at_sea_is_refused() -> None:
    message = _refused(_utm17(), crs="EPSG:32717", timezone="America/Toronto")
    assert "open sea" in message and "EPSG:32617" in message


def test_neighbouring_zones_and_utc_are_not_refused() -> None:
    # New York keeps Toronto's time; UTC says nothing about the place.
    for zone in ("America/New_York", "UTC", "Etc/GMT+5"):
        assert len(load_incidents(_lat_lon(), timezone=zone, now=NOW).table) == N


def test_zone_cities_come_from_the_tz_database() -> None:
    lon, lat = zone_cities()["America/Toronto"]
    assert lon == pytest.approx(-79.383, abs=0.01) and lat == pytest.approx(43.65, abs=0.01)
