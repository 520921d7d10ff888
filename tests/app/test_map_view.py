"""Tests for hotspots.dashboard.map_view: the map's zoom and centre in the URL."""

from __future__ import annotations

from typing import Any

import pytest

from hotspots.dashboard.map_view import decimals_for_zoom, kept_view, view_params


def test_centre_decimals_resolve_a_pixel_at_the_zoom() -> None:
    assert [decimals_for_zoom(z) for z in (0, 10, 12, 14, 17, 19)] == [0, 3, 4, 5, 5, 6]
    for z in (8, 11.5, 13, 16, 18.5):
        pixel_deg = 360 / (256 * 2**z)
        assert 10 ** -decimals_for_zoom(z) <= pixel_deg < 10 ** -(decimals_for_zoom(z) - 1)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"z": "14", "lat": "43.653", "lon": "-79.3855"},
            {"z": "14", "lat": "43.65300", "lon": "-79.38550"},
        ),
        (
            {"z": "12.4", "lat": "43.65321", "lon": "-79.38321"},
            {"z": "12.5", "lat": "43.6532", "lon": "-79.3832"},
        ),
        ({"z": "99", "lat": "43.6", "lon": "-79.3"}, {}),
        ({"z": "14", "lat": "91", "lon": "-79.3"}, {}),
        ({"z": "14", "lat": "nan", "lon": "-79.3"}, {}),
        ({"z": "14", "lat": "43.6"}, {}),
        ({"z": "x", "lat": "43.6", "lon": "-79.3"}, {}),
    ],
)
def test_view_params_are_validated_and_rounded(
    params: dict[str, str], expected: dict[str, str]
) -> None:
    assert view_params(params) == expected


def test_the_view_survives_a_change_of_page_and_not_a_change_of_data() -> None:
    state: dict[str, Any] = {}
    view = {"z": "14", "lat": "43.65300", "lon": "-79.38550"}
    assert kept_view(state, view, dataset_key="toronto", page="") == view
    # Streamlit dropped the query string on the way to another page: the last view is kept.
    assert kept_view(state, {}, dataset_key="toronto", page="trends") == view
    assert kept_view(state, {}, dataset_key="toronto", page="") == view
    # On the same page, no view in the URL: the map went back to the whole area.
    assert kept_view(state, {}, dataset_key="toronto", page="") == {}
    assert kept_view(state, {}, dataset_key="toronto", page="trends") == {}
    # Another data set: the view belongs to the old one.
    kept_view(state, view, dataset_key="toronto", page="")
    assert kept_view(state, view, dataset_key="upload-1", page="") == {}
