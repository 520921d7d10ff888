"""Places and concentration curves: hand-made numbers, an analysis, and the bundled Toronto data."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.analysis import analyze, concentration
from hotspots.errors import InputError
from hotspots.ingest.synthetic import synthetic_incidents
from hotspots.stats.concentration import (
    CURVE_COLUMNS,
    PLACE_COLUMNS,
    concentration_curve,
    count_places,
    summarise_concentration,
)


def test_places_are_distinct_locations_ranked_by_count() -> None:
    x = np.array([0.0, 5.0, 0.0, 5.0, 0.0, 9.0, np.nan])
    y = np.array([0.0, 5.0, 0.0, 5.0, 0.0, 9.0, 1.0])
    places = count_places(x, y)
    assert tuple(places.columns) == PLACE_COLUMNS
    assert places["count"].tolist() == [3, 2, 1]
    assert places[["x", "y"]].to_numpy().tolist() == [[0, 0], [5, 5], [9, 9]]
    assert places["place_rank"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(places["cumulative_share"], [0.5, 5 / 6, 1.0])
    with pytest.raises(InputError, match="one value per incident"):
        count_places([0.0, 1.0], [0.0])


def test_curve_and_headline_numbers_by_hand() -> None:
    counts = np.array([0, 10, 0, 5, 3, 2, 0, 0, 0, 0])  # 20 incidents in 10 units
    curve = concentration_curve(counts, units="cells")
    assert tuple(curve.columns) == CURVE_COLUMNS
    assert curve["share_of_units"].iloc[0] == 0 and curve["share_of_incidents"].iloc[0] == 0
    assert curve["share_of_incidents"].iloc[1] == pytest.approx(0.5)
    assert curve["share_of_incidents"].iloc[-1] == pytest.approx(1.0)
    assert curve["share_of_incidents"].is_monotonic_increasing
    numbers = summarise_concentration(counts)
    assert numbers.share_for_half == pytest.approx(0.1)  # the busiest unit holds half
    assert numbers.top_one_percent == pytest.approx(0.5)  # 1% of 10 units -> 1 unit
    assert (numbers.units, numbers.incidents) == (10, 20)
    thin = concentration_curve(np.arange(10_000), max_points=100)
    assert len(thin) <= 101 and thin["share_of_units"].iloc[-1] == 1.0
    with pytest.raises(InputError, match="non-negative"):
        concentration_curve([1.0, -1.0])


def test_analysis_concentration_has_places_and_cells() -> None:
    data = synthetic_incidents(3_000, hotspots=2, hotspot_share=0.2, rng=4).incidents
    result = analyze(data, cell_size_m=250.0, lisa=False, quiet=True)
    curves = concentration(result)
    assert set(curves["units"]) == {"places", "250 m cells (area)"}
    cells = curves.loc[curves["units"] != "places"]
    # Planted clusters: the busiest 5% of the area holds far more than 5% of incidents.
    at_5 = np.interp(0.05, cells["share_of_units"], cells["share_of_incidents"])
    assert at_5 > 0.2


def test_toronto_half_of_incidents_at_a_few_percent_of_places() -> None:
    from hotspots.ingest import datasets, load_incidents

    try:
        path = datasets.toronto_incidents_path()
    except Exception as error:  # the bundled file is part of the project, but be explicit
        pytest.skip(f"bundled Toronto data not available: {error}")
    incidents = load_incidents(path).incidents
    xy = np.column_stack([incidents.geometry.x, incidents.geometry.y])
    numbers = summarise_concentration(count_places(xy[:, 0], xy[:, 1])["count"])
    assert numbers.units == pytest.approx(18_787, abs=50)
    assert 0.07 <= numbers.share_for_half <= 0.10  # REFERENCE.md: 8.4%
