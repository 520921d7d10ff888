"""Tests for coordinate checks, CRS handling and study boundaries (hotspots.ingest.coordinates)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Transformer

from hotspots.errors import CRSError, InputError
from hotspots.ingest import load_incidents
from hotspots.ingest.coordinates import parse_crs

TORONTO = (-79.38, 43.65)


def _frame(lat: list[object], lon: list[object], **extra: list[object]) -> pd.DataFrame:
    n = len(lat)
    data = {"lat": lat, "lon": lon, "date": ["2019-03-01 10:00"] * n, **extra}
    return pd.DataFrame(data).astype("str")


def _good(n: int) -> tuple[list[object], list[object]]:
    return [f"{43.65 + i / 1000:.4f}" for i in range(n)], [
        f"{-79.38 - i / 1000:.4f}" for i in range(n)
    ]


def test_points_are_in_the_local_utm_zone(now: pd.Timestamp) -> None:
    lat, lon = _good(3)
    result = load_incidents(_frame(lat, lon), now=now)
    assert result.metric_crs == CRS.from_epsg(32617)
    assert result.source_crs == "EPSG:4326"
    expected = Transformer.from_crs(4326, 32617, always_xy=True).transform(-79.38, 43.65)
    first = result.incidents.geometry.iloc[0]
    assert first.x == pytest.approx(expected[0], abs=1e-6)
    assert first.y == pytest.approx(expected[1], abs=1e-6)
    assert any("UTM zone 17N" in note for note in result.notes)


def test_missing_nonnumeric_withheld_and_out_of_range_rows(now: pd.Timestamp) -> None:
    lat, lon = _good(6)
    lat += ["", "abc", "0", "95.5", "43.7", " 43.71 ", "nan"]
    lon += ["-79.4", "-79.4", "0", "-79.4", "-200", "-79.41", "-79.4"]
    result = load_incidents(_frame(lat, lon), now=now)
    rejects = result.rejects.set_index("source_row")
    assert rejects.loc[7, "reason"] == "missing coordinate"
    assert rejects.loc[7, "detail"] == "lat is missing"
    assert rejects.loc[8, "reason"] == "non-numeric coordinate"
    assert rejects.loc[8, "detail"] == "lat='abc' is not a number"
    assert rejects.loc[9, "reason"] == "withheld location (0/0)"
    assert rejects.loc[10, "reason"] == "coordinate out of range"
    assert rejects.loc[10, "detail"] == "lat=95.5 is outside [-90, 90]"
    assert rejects.loc[11, "detail"] == "lon=-200 is outside [-180, 180]"
    assert rejects.loc[13, "reason"] == "missing coordinate"
    assert 12 in result.incidents["source_row"].tolist()  # surrounding spaces are fine
    assert len(result.incidents) + len(result.rejects) == result.rows_read == 13


def test_decimal_commas_are_read(now: pd.Timestamp) -> None:
    frame = _frame(["43,65", "43,66"], ["-79,38", "-79,39"])
    assert len(load_incidents(frame, now=now).incidents) == 2


def test_swapped_lat_lon_is_explained_and_fixable(now: pd.Timestamp) -> None:
    lat, lon = _good(5)
    swapped = _frame(lon, lat)  # "lat" holds -79.4: still a valid latitude, in Antarctica
    with pytest.raises(InputError, match=r"swapped.*lat=-79.38.*swap_lat_lon=True") as error:
        load_incidents(swapped, now=now)
    assert "columns={'lat': 'lon', 'lon': 'lat'}" in str(error.value)
    result = load_incidents(swapped, swap_lat_lon=True, now=now)
    assert len(result.incidents) == 5
    assert result.metric_crs == CRS.from_epsg(32617)


def test_swapped_lat_beyond_90_is_explained(now: pd.Timestamp) -> None:
    # Chicago swapped: "lat" values like -87.6 are valid, but a "lat" of 151 (Sydney) is not.
    frame = _frame(["151.2", "151.21", "151.22"], ["-33.86", "-33.87", "-33.88"])
    with pytest.raises(InputError, match="latitude beyond"):
        load_incidents(frame, now=now)


def test_a_few_bad_rows_are_rejected_not_called_swapped(now: pd.Timestamp) -> None:
    lat, lon = _good(8)
    lat[0], lon[0] = "-79.38", "43.65"
    result = load_incidents(_frame(lat, lon), now=now)
    assert len(result.incidents) == 8  # (-79.38, 43.65) is in range, just far away
    lat[1] = "120"
    result = load_incidents(_frame(lat, lon), now=now)
    assert result.reject_counts().to_dict() == {"coordinate out of range": 1}


def test_projected_xy_without_crs_is_a_crs_error_with_the_fix(now: pd.Timestamp) -> None:
    frame = pd.DataFrame(
        {
            "X": ["491059.4824", "491068.6829"],
            "Y": ["5459122.4178", "5459126.1374"],
            "date": ["2020-06-19"] * 2,
        }
    )
    with pytest.raises(CRSError, match=r"look projected.*X=491059.4824.*crs='EPSG:26910'") as info:
        load_incidents(frame, now=now)
    # The same fix in the words of each caller: flag for the CLI, control for the app.
    assert "--crs EPSG:26910" in info.value.render("cli")
    assert '"CRS of the coordinates"' in info.value.render("app")
    assert "crs=" not in info.value.render("cli") + info.value.render("app")
    result = load_incidents(frame, crs="EPSG:26910", now=now)
    assert result.source_crs == "EPSG:26910"
    assert result.metric_crs == CRS.from_epsg(32610)
    assert result.timezone == "America/Vancouver"
    # UTM 10N on NAD83 and on WGS 84 agree to well under a metre here.
    np.testing.assert_allclose(result.incidents.geometry.x, [491059.4824, 491068.6829], atol=2.0)


def test_lat_lon_columns_holding_projected_numbers(now: pd.Timestamp) -> None:
    frame = _frame(["5459122.4", "5459126.1"], ["491059.5", "491068.7"])
    with pytest.raises(CRSError, match="look projected"):
        load_incidents(frame, now=now)


def test_xy_columns_holding_degrees_are_assumed_wgs84(now: pd.Timestamp) -> None:
    frame = pd.DataFrame(
        {"X": ["-79.38", "-79.39"], "Y": ["43.65", "43.66"], "date": ["2019-01-01"] * 2}
    )
    result = load_incidents(frame, now=now)
    assert result.source_crs == "EPSG:4326"
    assert any("assuming EPSG:4326" in note for note in result.notes)


def test_zero_zero_is_withheld_in_any_crs(now: pd.Timestamp) -> None:
    frame = pd.DataFrame(
        {"X": ["0", "491059.4", "0.0"], "Y": ["0", "5459122.4", "0"], "date": ["2020-01-01"] * 3}
    )
    result = load_incidents(frame, crs=26910, now=now)
    assert result.rejects["reason"].tolist() == ["withheld location (0/0)"] * 2
    assert result.rejects["detail"].iloc[0] == "X=0 and Y=0 (location withheld)"


def test_bad_crs_argument() -> None:
    with pytest.raises(CRSError, match="crs='EPSG:nope'"):
        parse_crs("EPSG:nope")
    assert parse_crs(None) is None
    assert parse_crs(4326) == CRS.from_epsg(4326)


def test_geometry_sources(now: pd.Timestamp) -> None:
    frame = gpd.GeoDataFrame(
        {"date": ["2019-01-01"] * 5},
        geometry=[
            shapely.Point(*TORONTO),
            None,
            shapely.LineString([(-79.4, 43.6), (-79.3, 43.7)]),
            shapely.Point(0, 0),
            shapely.Point(-79.39, 43.66),
        ],
        crs="OGC:CRS84",
    )
    result = load_incidents(frame, now=now)
    reasons = result.rejects.set_index("source_row")["reason"].to_dict()
    assert reasons == {
        2: "missing coordinate",
        3: "not a point geometry",
        4: "withheld location (0/0)",
    }
    detail = result.rejects.set_index("source_row").loc[3, "detail"]
    assert detail == "geometry is a LineString, not a Point"
    assert result.rejects.set_index("source_row").loc[3, "geometry"].startswith("LINESTRING")
    assert result.incidents["source_row"].tolist() == [1, 5]


def test_geometry_without_crs(now: pd.Timestamp) -> None:
    degrees = gpd.GeoDataFrame({"date": ["2019-01-01"]}, geometry=[shapely.Point(*TORONTO)])
    assert load_incidents(degrees, now=now).source_crs == "EPSG:4326"
    metres = gpd.GeoDataFrame({"date": ["2019-01-01"]}, geometry=[shapely.Point(630000, 4833000)])
    with pytest.raises(CRSError, match="look projected"):
        load_incidents(metres, now=now)
    assert load_incidents(metres, crs="EPSG:32617", now=now).source_crs == "EPSG:32617"


def test_projected_geometry_file_crs_is_honoured(now: pd.Timestamp) -> None:
    frame = gpd.GeoDataFrame(
        {"date": ["2019-01-01"]}, geometry=[shapely.Point(630000, 4833000)], crs="EPSG:32617"
    )
    result = load_incidents(frame, now=now)
    assert result.source_crs == "EPSG:32617"
    assert result.incidents.geometry.iloc[0].x == pytest.approx(630000, abs=1e-6)


def test_column_overrides_beat_geometry(now: pd.Timestamp) -> None:
    frame = gpd.GeoDataFrame(
        {"date": ["2019-01-01"], "la": ["43.65"], "lo": ["-79.38"]},
        geometry=[shapely.Point(0, 0)],
        crs="EPSG:4326",
    )
    result = load_incidents(frame, columns={"lat": "la", "lon": "lo"}, now=now)
    assert len(result.incidents) == 1


def _square(lon: float, lat: float, half: float) -> shapely.Polygon:
    return shapely.box(lon - half, lat - half, lon + half, lat + half)


def test_points_outside_the_boundaries_are_rejected_and_borders_kept(now: pd.Timestamp) -> None:
    boundary = gpd.GeoDataFrame(
        {"name": ["a"]}, geometry=[shapely.box(620000, 4830000, 640000, 4840000)], crs=32617
    )
    to_lonlat = Transformer.from_crs(32617, 4326, always_xy=True)
    xs = np.array([630000.0, 650000.0, 640000.0])  # inside, outside, on the eastern border
    lon, lat = to_lonlat.transform(xs, np.full(3, 4835000.0))
    frame = _frame([f"{v:.10f}" for v in lat], [f"{v:.10f}" for v in lon])
    result = load_incidents(frame, boundaries=boundary, now=now)
    assert result.rejects["reason"].tolist() == ["outside study boundary"]
    assert result.rejects["source_row"].tolist() == [2]
    assert result.incidents["source_row"].tolist() == [1, 3]


def test_boundaries_in_another_crs_and_without_one(now: pd.Timestamp) -> None:
    lat, lon = _good(3)
    inside = gpd.GeoDataFrame({"name": ["a"]}, geometry=[_square(*TORONTO, 0.1)], crs=4326)
    assert len(load_incidents(_frame(lat, lon), boundaries=inside, now=now).incidents) == 3
    with pytest.raises(CRSError, match="boundaries has no CRS"):
        load_incidents(
            _frame(lat, lon), boundaries=inside.set_crs(None, allow_override=True), now=now
        )
    with pytest.raises(InputError, match="not a GeoDataFrame"):
        load_incidents(_frame(lat, lon), boundaries=pd.DataFrame({"a": [1]}), now=now)  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [450_000, 450_001])
def test_exact_median_is_numpys_median(n: int) -> None:
    from hotspots.ingest.coordinates import exact_median

    rng = np.random.default_rng(n)
    for values in (
        rng.normal(size=n),
        np.sort(rng.uniform(-79.6, -79.1, n).round(6)),  # sorted, many ties
        rng.integers(0, 3, n).astype(float),  # the middle inside a huge run of ties
        np.r_[np.zeros(n // 2), np.full(n - n // 2, 7.0)],  # the middle between two values
    ):
        assert exact_median(values) == np.median(values)


def test_projection_in_threads_equals_one_call() -> None:
    from hotspots.ingest.coordinates import project

    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(-79.6, -79.1, 1_100_000), rng.uniform(43.5, 43.9, 1_100_000)
    lon[3], lat[9] = np.nan, 95.0  # not projectable: inf or NaN as in one call
    x, y = project(lon, lat, CRS.from_epsg(4326), CRS.from_epsg(32617))
    x1, y1 = Transformer.from_crs(4326, 32617, always_xy=True).transform(lon, lat)
    np.testing.assert_array_equal(x, x1)
    np.testing.assert_array_equal(y, y1)
    assert lon[3] != lon[3] and lat[9] == 95.0  # inputs untouched


def test_longitudes_from_0_to_360_are_shifted_with_a_note(now: pd.Timestamp) -> None:
    lat, lon = _good(30)
    east = [f"{360 + float(x):.4f}" for x in lon]  # -79.38 written as 280.62
    result = load_incidents(_frame(lat, east), now=now)
    assert len(result.incidents) == 30
    assert any("longitudes from 0 to 360: 30 values above 180" in n for n in result.notes)
    same = load_incidents(_frame(lat, lon), now=now)
    np.testing.assert_allclose(result.table.x_m, same.table.x_m, atol=1e-6)
    # A longitude beyond 360 or a latitude beyond 90: not 0-360 longitudes, so most rows
    # are beyond 180 and the numbers look projected.
    for a, b in ((lat, [*east[:-1], "361"]), ([*lat[:-1], "91"], east)):
        with pytest.raises(CRSError, match="look projected"):
            load_incidents(_frame(a, b), now=now)
    # None above 180: nothing to shift.
    notes = load_incidents(_frame(lat, [f"{float(x) + 100:.4f}" for x in lon]), now=now).notes
    assert not any("0 to 360" in n for n in notes)
