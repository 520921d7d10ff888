"""Tests for hotspots.ingest.columns (ColumnMapping, detect_columns, overrides)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspots.errors import ColumnError, InputError
from hotspots.ingest import ColumnMapping, detect_columns
from hotspots.ingest.columns import FIELDS, normalise_name, resolve_columns


def _frame(*columns: str) -> pd.DataFrame:
    return pd.DataFrame({column: ["1"] for column in columns})


def test_fields_are_the_documented_ones() -> None:
    assert FIELDS == (
        "lat", "lon", "x", "y", "date", "time", "year", "month", "day", "hour", "minute",
        "offense", "neighbourhood", "id", "premises", "location",
    )  # fmt: skip


def test_normalise_name() -> None:
    assert normalise_name(" Primary Type ") == "primary_type"
    assert normalise_name("X Coordinate") == "x_coordinate"
    assert normalise_name("Crime ID") == "crime_id"


def test_chicago_extract() -> None:
    mapping = detect_columns(_frame("date", "loc_cat", "longitude", "latitude", "district"))
    assert mapping == ColumnMapping(
        lat="latitude", lon="longitude", date="date", neighbourhood="district", premises="loc_cat"
    )
    # loc_cat is the location category in the Chicago files, never the offense.
    assert mapping.offense is None


def test_chicago_portal_export_prefers_lat_lon_and_primary_type() -> None:
    mapping = detect_columns(
        _frame(
            "ID", "Case Number", "Date", "Primary Type", "Description", "Location Description",
            "X Coordinate", "Y Coordinate", "Latitude", "Longitude", "Community Area",
        )
    )  # fmt: skip
    assert (mapping.lat, mapping.lon) == ("Latitude", "Longitude")
    assert (mapping.x, mapping.y) == ("X Coordinate", "Y Coordinate")
    assert mapping.offense == "Primary Type"
    assert mapping.id == "Case Number"
    assert mapping.premises == "Location Description"
    assert mapping.neighbourhood == "Community Area"


def test_vancouver_split_date_and_projected_xy() -> None:
    mapping = detect_columns(
        _frame(
            "TYPE",
            "YEAR",
            "MONTH",
            "DAY",
            "HOUR",
            "MINUTE",
            "HUNDRED_BLOCK",
            "NEIGHBOURHOOD",
            "X",
            "Y",
        )
    )
    assert mapping.date is None
    assert (mapping.year, mapping.month, mapping.day, mapping.hour, mapping.minute) == (
        "YEAR", "MONTH", "DAY", "HOUR", "MINUTE",
    )  # fmt: skip
    assert (mapping.x, mapping.y, mapping.lat, mapping.lon) == ("X", "Y", None, None)
    assert mapping.offense == "TYPE"
    assert mapping.neighbourhood == "NEIGHBOURHOOD"


def test_police_uk_month_is_the_date() -> None:
    mapping = detect_columns(
        _frame("Crime ID", "Month", "Longitude", "Latitude", "Location", "LSOA code", "Crime type")
    )
    assert mapping.date == "Month"
    assert mapping.month is None
    assert mapping.offense == "Crime type"
    assert mapping.id == "Crime ID"


def test_toronto_mci_prefers_occurrence_date_category_and_names() -> None:
    mapping = detect_columns(
        _frame(
            "EVENT_UNIQUE_ID", "REPORT_DATE", "OCC_DATE", "OCC_YEAR", "OCC_MONTH", "PREMISES_TYPE",
            "OFFENCE", "MCI_CATEGORY", "HOOD_158", "NEIGHBOURHOOD_158", "NEIGHBOURHOOD_140",
            "LONG_WGS84", "LAT_WGS84",
        )
    )  # fmt: skip
    assert mapping.date == "OCC_DATE"
    assert mapping.offense == "MCI_CATEGORY"
    assert mapping.neighbourhood == "NEIGHBOURHOOD_158"
    assert mapping.id == "EVENT_UNIQUE_ID"
    assert mapping.premises == "PREMISES_TYPE"
    assert (mapping.lat, mapping.lon) == ("LAT_WGS84", "LONG_WGS84")


def test_lat_lon_suffix_names() -> None:
    mapping = detect_columns(_frame("latitude_wgs84", "longitude_wgs84", "date"))
    assert (mapping.lat, mapping.lon) == ("latitude_wgs84", "longitude_wgs84")


def test_half_a_coordinate_pair_is_not_detected() -> None:
    mapping = detect_columns(_frame("lat", "date"))
    assert mapping.lat is None and mapping.lon is None


def test_detection_is_case_insensitive_and_columns_used_once() -> None:
    mapping = detect_columns(_frame("LAT", "LNG", "Occurred_At", "Date", "TYPE"))
    assert (mapping.lat, mapping.lon) == ("LAT", "LNG")
    assert mapping.date == "Occurred_At"
    used = [value for value in mapping.as_dict().values() if value is not None]
    assert len(used) == len(set(used))


def test_geometry_column_is_never_mapped() -> None:
    frame = gpd.GeoDataFrame(
        {"uid": [1], "offense_type": ["robbery"], "date": ["2019-01-01"]},
        geometry=[shapely.Point(0, 0)],
        crs="EPSG:4326",
    )
    mapping = detect_columns(frame)
    assert "geometry" not in mapping.as_dict().values()
    assert mapping.id == "uid"
    assert mapping.offense == "offense_type"


def test_replace_and_describe() -> None:
    mapping = ColumnMapping(date="Date").replace(offense="Type")
    assert mapping.offense == "Type"
    assert mapping.describe() == "date='Date', offense='Type'"
    with pytest.raises(InputError, match="'colour'"):
        mapping.replace(colour="red")


def test_overrides_merge_with_detection() -> None:
    frame = _frame("lat", "lon", "date", "Occurred", "id")
    mapping, overridden = resolve_columns(frame, {"date": "Occurred", "id": None})
    assert mapping.date == "Occurred"
    assert mapping.id is None
    assert mapping.lat == "lat"
    assert overridden == ("date", "id")


def test_override_matches_case_insensitively() -> None:
    mapping, _ = resolve_columns(_frame("Latitude", "Longitude", "When"), {"date": "when"})
    assert mapping.date == "When"


def test_override_naming_a_missing_column_lists_the_columns() -> None:
    frame = _frame("lat", "lon", "date")
    with pytest.raises(ColumnError, match=r"'occurred'.*'lat', 'lon', 'date'"):
        resolve_columns(frame, {"date": "occurred"})


def test_override_with_a_typo_suggests_the_closest_column() -> None:
    frame = _frame("lat", "lon", "Occurred")
    with pytest.raises(ColumnError, match=r"Did you mean columns=\{'date': 'Occurred'\}"):
        resolve_columns(frame, {"date": "Ocurred"})


def test_override_with_an_unknown_field() -> None:
    with pytest.raises(InputError, match="'when'"):
        resolve_columns(_frame("lat"), {"when": "lat"})


def test_full_mapping_is_used_as_given() -> None:
    frame = _frame("a", "b", "c")
    mapping, overridden = resolve_columns(frame, ColumnMapping(lat="a", lon="b", date="c"))
    assert mapping == ColumnMapping(lat="a", lon="b", date="c")
    assert set(overridden) == {"lat", "lon", "date"}
