"""Tests of the bundled data and of ``hotspots.ingest.datasets``.

The data files are built by ``scripts/build_toronto_data.py``; these tests check them
against what ``data/README.md`` documents and against the build manifest, and measure
the approximate neighbourhood polygons against the official ones (when the shared test
data is present).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import CRS

from hotspots.errors import InputError
from hotspots.ingest import datasets

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OFFICIAL_NEIGHBOURHOODS = (
    PROJECT_ROOT / ".." / "shared" / "data" / "toronto" / "neighbourhoods_140.geojson"
)
OFFENSES = {"Assault", "Break and Enter", "Auto Theft", "Robbery", "Theft Over"}
COLUMNS = ["occurred_at", "offense", "premises_type", "neighbourhood", "geometry"]
METRIC_CRS = "EPSG:32617"  # UTM zone 17N, metres
MIN_MEDIAN_IOU = 0.80


@pytest.fixture(scope="module")
def incidents() -> gpd.GeoDataFrame:
    return gpd.read_parquet(datasets.toronto_incidents_path())


@pytest.fixture(scope="module")
def boundaries() -> gpd.GeoDataFrame:
    return gpd.read_file(datasets.toronto_boundaries_path())


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    path = datasets.data_dir() / datasets.TORONTO_MANIFEST_FILE
    result: dict[str, Any] = json.loads(path.read_text())
    return result


# --------------------------------------------------------------------------- module


def test_paths_point_into_the_repository_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(datasets.DATA_DIR_ENV, raising=False)
    assert datasets.data_dir() == PROJECT_ROOT / "data"
    assert datasets.toronto_incidents_path().is_file()
    assert datasets.toronto_boundaries_path().is_file()
    assert datasets.toronto_boundaries_path().parent.name == "boundaries"


def test_environment_variable_overrides_the_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path))
    assert datasets.data_dir() == tmp_path.resolve()
    with pytest.raises(InputError, match=r"toronto_mci\.parquet.*build_toronto_data"):
        datasets.toronto_incidents_path()


def test_missing_override_folder_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere"
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(missing))
    with pytest.raises(InputError, match=r"HOTSPOTS_DATA_DIR=.*nowhere.*unset it"):
        datasets.data_dir()


# --------------------------------------------------------------------------- incidents


def test_incidents_schema_is_as_documented(incidents: gpd.GeoDataFrame) -> None:
    assert list(incidents.columns) == COLUMNS
    assert incidents.geometry.name == "geometry"
    assert CRS.from_user_input(incidents.crs).equals(CRS.from_epsg(4326))
    occurred = incidents["occurred_at"]
    assert isinstance(occurred.dtype, pd.DatetimeTZDtype)
    assert str(occurred.dtype.tz) == "America/Toronto"
    for column in ("offense", "premises_type", "neighbourhood"):
        assert isinstance(incidents[column].dtype, pd.CategoricalDtype), column
        assert incidents[column].notna().all(), column
    assert set(incidents["offense"].cat.categories) == OFFENSES
    assert incidents["neighbourhood"].nunique() == 140
    assert (incidents.geom_type == "Point").all()


def test_incidents_are_sorted_whole_hours_in_toronto(incidents: gpd.GeoDataFrame) -> None:
    occurred = incidents["occurred_at"]
    assert occurred.notna().all()
    assert occurred.is_monotonic_increasing
    local = occurred.dt.tz_localize(None)
    assert (local == local.dt.floor("h")).all()
    assert occurred.max() < pd.Timestamp("2022-01-01", tz="America/Toronto")


def test_incidents_lie_in_the_toronto_bbox(incidents: gpd.GeoDataFrame) -> None:
    min_lon, min_lat, max_lon, max_lat = datasets.TORONTO_BBOX_LONLAT
    lon = incidents.geometry.x.to_numpy()
    lat = incidents.geometry.y.to_numpy()
    assert np.isfinite(lon).all() and np.isfinite(lat).all()
    assert ((lon >= min_lon) & (lon <= max_lon)).all()
    assert ((lat >= min_lat) & (lat <= max_lat)).all()


def test_rows_read_equal_written_plus_rejected(
    incidents: gpd.GeoDataFrame, manifest: dict[str, Any]
) -> None:
    rows = manifest["rows"]
    rejects = pd.read_csv(datasets.data_dir() / datasets.TORONTO_REJECTS_FILE)
    assert rows["read"] == sum(f["rows"] for f in manifest["source"]["files"].values())
    assert rows["read"] == rows["written"] + rows["rejected"]
    assert rows["written"] == len(incidents)
    assert rows["rejected"] == len(rejects) == sum(rows["rejected_by_reason"].values())
    assert {"source_file", "source_line", "reason"} <= set(rejects.columns)
    readme = (datasets.data_dir() / "README.md").read_text()
    expected = (
        f"{rows['read']:,} read = {rows['written']:,} written + {rows['rejected']:,} rejected"
    )
    assert expected in readme


def test_manifest_describes_the_files_on_disk(manifest: dict[str, Any]) -> None:
    for name, entry in manifest["files"].items():
        path = datasets.data_dir() / name
        assert path.stat().st_size == entry["bytes"], name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], (
            f"{name} changed since the manifest was written; rebuild with "
            "`python scripts/build_toronto_data.py`"
        )


# --------------------------------------------------------------------------- boundaries


def test_boundaries_file_is_small_valid_and_named_like_the_labels(
    boundaries: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame
) -> None:
    assert list(boundaries.columns) == ["name", "geometry"]
    assert CRS.from_user_input(boundaries.crs).equals(CRS.from_epsg(4326))
    assert len(boundaries) == 140
    assert boundaries["name"].is_unique
    assert set(boundaries["name"]) == set(incidents["neighbourhood"].cat.categories)
    assert boundaries.is_valid.all()
    assert boundaries.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert datasets.toronto_boundaries_path().stat().st_size < 1_000_000


def _name_key(name: str) -> str:
    """Match names across spellings: no "(id)" suffix, accents, punctuation or case."""
    name = re.sub(r"\s*\(\d+\)\s*$", "", name)
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", name.lower())


def test_name_key_normalises_spellings() -> None:
    assert _name_key("L'Amoreaux (117)") == _name_key("LAmoreaux")
    assert _name_key("Yonge-St.Clair") == _name_key("yonge st clair")
    assert _name_key("Montréal") == _name_key("Montreal")


@pytest.mark.shared_data
def test_boundaries_approximate_the_official_neighbourhoods(
    boundaries: gpd.GeoDataFrame, manifest: dict[str, Any]
) -> None:
    if not OFFICIAL_NEIGHBOURHOODS.is_file():
        pytest.skip(
            f"official Toronto neighbourhoods not found at {OFFICIAL_NEIGHBOURHOODS} "
            "(the shared test data is absent in a fresh clone)"
        )
    official = gpd.read_file(OFFICIAL_NEIGHBOURHOODS).to_crs(METRIC_CRS)
    official["key"] = official["Neighbourh"].map(_name_key)
    derived = boundaries.to_crs(METRIC_CRS)
    derived["key"] = derived["name"].map(_name_key)
    assert official["key"].is_unique and derived["key"].is_unique

    joined = official[["Neighbourh", "key", "geometry"]].merge(
        derived[["key", "geometry"]], on="key", how="outer", suffixes=("_o", "_d")
    )
    unmatched = joined[joined["geometry_o"].isna() | joined["geometry_d"].isna()]
    assert unmatched.empty, f"names not matched: {sorted(unmatched['key'])}"
    assert len(joined) == 140

    a = gpd.GeoSeries(joined["geometry_o"], crs=METRIC_CRS)
    b = gpd.GeoSeries(joined["geometry_d"], crs=METRIC_CRS)
    joined["iou"] = a.intersection(b).area / a.union(b).area
    iou = joined["iou"].to_numpy()
    median, p10, minimum = np.median(iou), np.quantile(iou, 0.10), iou.min()
    worst = joined.nsmallest(10, "iou")[["Neighbourh", "iou"]].to_string(index=False)
    summary = f"median {median:.3f}, p10 {p10:.3f}, min {minimum:.3f}; worst:\n{worst}"
    print(summary)  # shown by pytest with -rP or on failure
    assert median >= MIN_MEDIAN_IOU, summary

    quality = manifest["boundaries"]["quality"]
    assert quality is not None, "rebuild with --evaluate-against to record the quality"
    assert quality["matched"] == 140
    np.testing.assert_allclose(
        [quality["iou_median"], quality["iou_p10"], quality["iou_min"]],
        [median, p10, minimum],
        atol=1e-3,
        err_msg="data/README.md quotes stale IoU figures; rebuild the data",
    )
