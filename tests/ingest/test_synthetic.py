"""Synthetic incidents: schema, reproducibility, planted hotspots and the CSV export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from scipy import stats

from hotspots.errors import CRSError, InputError
from hotspots.ingest.synthetic import (
    CSV_COLUMNS,
    INCIDENT_COLUMNS,
    PlantedHotspot,
    SyntheticIncidents,
    in_planted,
    synthetic_csv,
    synthetic_incidents,
)

EXTENT = (620_000.0, 4_830_000.0, 630_000.0, 4_838_000.0)


def xy(data: SyntheticIncidents) -> np.ndarray:
    return shapely.get_coordinates(data.incidents.geometry.values)


def test_schema_of_the_incidents_frame() -> None:
    data = synthetic_incidents(2_000, extent_m=EXTENT, hotspots=2, rng=1)
    frame = data.incidents
    assert tuple(frame.columns) == (*INCIDENT_COLUMNS, "geometry")
    assert frame["source_row"].dtype == np.int64
    np.testing.assert_array_equal(frame["source_row"], np.arange(1, 2_001))
    assert isinstance(frame["occurred_at"].dtype, pd.DatetimeTZDtype)
    assert str(frame["occurred_at"].dt.tz) == "America/Toronto"
    assert frame["offense"].dtype == "str"
    assert set(frame["offense"]) <= {
        "Assault",
        "Break and Enter",
        "Auto Theft",
        "Robbery",
        "Theft Over",
    }
    for column in ("neighbourhood", "premises"):
        assert frame[column].isna().all()
        assert frame[column].iloc[0] is pd.NA
    assert frame.crs.to_epsg() == 32617
    assert (frame.geometry.geom_type == "Point").all()
    assert len(data.planted) == 2 and data.extent == EXTENT and data.seed == 1


def test_times_cover_the_period_in_local_time() -> None:
    frame = synthetic_incidents(20_000, start="2021-03-01", end="2021-03-31", rng=2).incidents
    local = frame["occurred_at"].dt.tz_localize(None)
    assert local.min() >= pd.Timestamp("2021-03-01") and local.max() < pd.Timestamp("2021-04-01")
    # Every day is used, about equally (31 days; DST day 14 March is 23 h long).
    per_day = local.dt.day.value_counts().sort_index()
    assert len(per_day) == 31 and per_day.min() > 0.8 * per_day.mean()
    assert (frame["occurred_at"].dt.second.nunique()) == 60


def test_seeded_generation_repeats_and_different_seeds_differ() -> None:
    a = synthetic_incidents(500, hotspots=1, rng=7)
    b = synthetic_incidents(500, hotspots=1, rng=7)
    c = synthetic_incidents(500, hotspots=1, rng=8)
    np.testing.assert_array_equal(xy(a), xy(b))
    pd.testing.assert_series_equal(a.incidents["occurred_at"], b.incidents["occurred_at"])
    assert a.planted == b.planted
    assert not np.array_equal(xy(a), xy(c))
    from_generator = synthetic_incidents(10, rng=np.random.default_rng(7))
    assert from_generator.seed is None


def test_background_is_uniform_over_the_extent() -> None:
    data = synthetic_incidents(50_000, extent_m=EXTENT, rng=3)
    coords = xy(data)
    xmin, ymin, xmax, ymax = EXTENT
    assert (coords[:, 0] >= xmin).all() and (coords[:, 0] <= xmax).all()
    assert (coords[:, 1] >= ymin).all() and (coords[:, 1] <= ymax).all()
    assert stats.kstest((coords[:, 0] - xmin) / (xmax - xmin), "uniform").pvalue > 1e-3
    assert stats.kstest((coords[:, 1] - ymin) / (ymax - ymin), "uniform").pvalue > 1e-3


def test_planted_hotspots_receive_their_share_uniformly_over_the_disc() -> None:
    spot = PlantedHotspot(x=625_000.0, y=4_834_000.0, radius_m=400.0, share=0.05)
    n = 40_000
    data = synthetic_incidents(n, extent_m=EXTENT, hotspots=[spot], rng=4)
    coords = xy(data)
    distance = np.hypot(coords[:, 0] - spot.x, coords[:, 1] - spot.y)
    inside = distance <= spot.radius_m
    extent_area = (EXTENT[2] - EXTENT[0]) * (EXTENT[3] - EXTENT[1])
    background_expected = (n - 2_000) * np.pi * spot.radius_m**2 / extent_area
    # 2,000 planted (floor(0.05 * 40,000)) plus the background that falls in the disc.
    extra = inside.sum() - 2_000
    assert abs(extra - background_expected) < 4 * np.sqrt(background_expected)
    # Uniform over the disc: the squared distance / R² is uniform on [0, 1].
    assert stats.kstest((distance[inside] / spot.radius_m) ** 2, "uniform").pvalue > 1e-3
    # Hotspot rows are scattered through the table, not appended at the end.
    assert inside[: n // 2].sum() > 0.4 * inside.sum()
    np.testing.assert_array_equal(in_planted(coords[:, 0], coords[:, 1], data.planted), inside)


def test_random_hotspots_lie_inside_the_extent() -> None:
    data = synthetic_incidents(
        1_000, extent_m=EXTENT, hotspots=6, hotspot_radius_m=250.0, hotspot_share=0.1, rng=5
    )
    assert len(data.planted) == 6
    for spot in data.planted:
        assert spot.radius_m == 250.0 and spot.share == 0.1
        assert EXTENT[0] + 250 <= spot.x <= EXTENT[2] - 250
        assert EXTENT[1] + 250 <= spot.y <= EXTENT[3] - 250


def test_zero_incidents_give_an_empty_frame_with_the_schema() -> None:
    frame = synthetic_incidents(0).incidents
    assert len(frame) == 0 and tuple(frame.columns) == (*INCIDENT_COLUMNS, "geometry")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n": -1}, InputError, "n=-1"),
        ({"n": 10.5}, InputError, "n=10.5"),
        ({"n": 10, "extent_m": (0, 0, 0, 10)}, InputError, "extent_m="),
        ({"n": 10, "extent_m": (0, 0, 10)}, InputError, "extent_m="),
        ({"n": 10, "crs": 4326}, CRSError, "not a projected CRS in metres"),
        ({"n": 10, "crs": "no such crs"}, CRSError, "not a CRS"),
        ({"n": 10, "hotspots": 30, "hotspot_share": 0.05}, InputError, "add up to 1.5"),
        ({"n": 10, "hotspots": -1}, InputError, "hotspots=-1"),
        ({"n": 10, "hotspots": 1, "hotspot_radius_m": 0}, InputError, "hotspot_radius_m=0"),
        (
            {"n": 10, "hotspots": [PlantedHotspot(0, 0, 100, 1.5)]},
            InputError,
            r"hotspots\[0\].share=1.5",
        ),
        ({"n": 10, "hotspots": ["here"]}, InputError, r"hotspots\[0\]="),
        ({"n": 10, "timezone": "Mars/Olympus"}, InputError, "timezone="),
        ({"n": 10, "start": "2021-05-01", "end": "2021-04-01"}, InputError, "end="),
        ({"n": 10, "start": "someday"}, InputError, "start/end="),
        ({"n": 10, "offenses": []}, InputError, "offenses="),
    ],
)
def test_bad_arguments_raise_clear_errors(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        synthetic_incidents(**kwargs)  # type: ignore[arg-type]


def test_csv_has_the_documented_columns_and_the_same_incidents(tmp_path: Path) -> None:
    path = synthetic_csv(tmp_path / "incidents.csv", 3_000, rng=9, hotspots=1)
    assert path == tmp_path / "incidents.csv"
    table = pd.read_csv(path)
    assert tuple(table.columns) == CSV_COLUMNS == ("lat", "lon", "date", "offense")
    assert len(table) == 3_000
    text = path.read_text().splitlines()
    lat_text = text[1].split(",")[0]
    assert len(lat_text.split(".")[1]) <= 6
    reference = synthetic_incidents(3_000, rng=9, hotspots=1).incidents
    to_utm = Transformer.from_crs("EPSG:4326", 32617, always_xy=True)
    x, y = to_utm.transform(table["lon"].to_numpy(), table["lat"].to_numpy())
    expected = shapely.get_coordinates(reference.geometry.values)
    assert (
        np.abs(x - expected[:, 0]).max() < 0.2 and np.abs(y - expected[:, 1]).max() < 0.2
    )  # 6 decimals
    dates = pd.to_datetime(table["date"], format="%Y-%m-%dT%H:%M:%S")
    pd.testing.assert_series_equal(
        pd.Series(dates.to_numpy(), name="occurred_at"),
        pd.Series(reference["occurred_at"].dt.tz_localize(None).to_numpy(), name="occurred_at"),
        check_dtype=False,
    )
    assert table["offense"].tolist() == reference["offense"].tolist()
