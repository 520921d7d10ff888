"""Knox near-repeat test: exact pair counts, planted contagion found, no false alarms, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.errors import EmptyDataError, InputError
from hotspots.ingest.synthetic import synthetic_incidents
from hotspots.spatial.filters import Filters
from hotspots.stats.near_repeat import KNOX_COLUMNS, knox_test, near_repeat

DIST = (0, 100, 200, 400)
DAYS = (0, 7, 14, 28)


def contagion(seed: int, *, n_parents: int = 600, repeat_share: float = 0.5):
    """Events uniform over 5 km x 5 km and one year; half the parents get a repeat within
    60 m and 0-5 days (a near-repeat effect in the nearest band only)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 5_000, size=(n_parents, 2))
    days = rng.integers(0, 365, size=n_parents)
    parents = rng.random(n_parents) < repeat_share
    angle = rng.uniform(0, 2 * np.pi, parents.sum())
    radius = rng.uniform(0, 60, parents.sum())
    child_xy = xy[parents] + np.column_stack([np.cos(angle), np.sin(angle)]) * radius[:, None]
    child_days = days[parents] + rng.integers(0, 6, parents.sum())
    return np.vstack([xy, child_xy]), np.concatenate([days, child_days])


def brute_force_counts(xy: np.ndarray, days: np.ndarray) -> list[int]:
    i, j = np.triu_indices(len(days), k=1)
    d = np.hypot(*(xy[i] - xy[j]).T)
    t = np.abs(days[i] - days[j])
    out = []
    for k in range(len(DIST) - 1):
        near = (d <= DIST[k + 1]) & ((d > DIST[k]) if k else (d >= 0))
        for m in range(len(DAYS) - 1):
            soon = (t <= DAYS[m + 1]) & ((t > DAYS[m]) if m else (t >= 0))
            out.append(int((near & soon).sum()))
    return out


def test_observed_counts_equal_all_pairs() -> None:
    xy, days = contagion(0, n_parents=300)
    result = knox_test(xy, days, distance_bands_m=DIST, day_bands=DAYS, permutations=9)
    assert list(result.table.columns) == list(KNOX_COLUMNS)
    assert result.table["observed"].tolist() == brute_force_counts(xy, days)
    assert result.table["days_from"].tolist() == [0, 8, 15] * 3
    assert result.table["distance_to"].tolist() == [100, 100, 100, 200, 200, 200, 400, 400, 400]


def test_planted_contagion_is_significant_in_the_right_band() -> None:
    xy, days = contagion(1)
    result = knox_test(xy, days, distance_bands_m=DIST, day_bands=DAYS, permutations=199, rng=1)
    table = result.table
    nearest = table.iloc[0]
    assert nearest["p"] <= 0.01
    assert nearest["ratio"] > 3
    assert (table["ratio"].iloc[1:] < 1.3).all()  # the effect lives in the first band only
    assert (table["p"].iloc[[1, 2, 3, 4, 5]] > 0.05).all()
    assert result.summary().startswith("Risk is elevated within 100 m for 7 days after")
    grid = result.ratio_grid()
    assert list(grid.index) == ["0-100 m", "100-200 m", "200-400 m"]
    assert list(grid.columns) == ["0-7 days", "8-14 days", "15-28 days"]


def test_time_shuffled_data_gives_false_alarms_at_most_alpha() -> None:
    rejections = []
    for seed in range(40):
        xy, days = contagion(seed, n_parents=300)
        shuffled = np.random.default_rng(1_000 + seed).permutation(days)
        result = knox_test(
            xy, shuffled, distance_bands_m=DIST, day_bands=DAYS, permutations=99, rng=seed
        )
        rejections.append(result.table["p"].to_numpy() <= 0.05)
    rate = np.mean(rejections, axis=0)
    assert rate.mean() <= 0.07  # 9 bands x 40 maps; expected <= 0.05
    assert rate.max() <= 0.15  # no band runs hot


def test_seeded_and_reproducible() -> None:
    xy, days = contagion(2, n_parents=200)
    a = knox_test(xy, days, permutations=49, rng=7).table
    b = knox_test(xy, days, permutations=49, rng=7).table
    pd.testing.assert_frame_equal(a, b)


def test_verb_on_incidents_filters_offenses() -> None:
    incidents = synthetic_incidents(
        800, extent_m=(0, 0, 3_000, 3_000), offenses=("Break and Enter", "Assault"), rng=0
    ).incidents
    result = near_repeat(
        incidents, filters=Filters(offenses=("Break and Enter",)), permutations=19, rng=0
    )
    assert result.events == int((incidents["offense"] == "Break and Enter").sum())
    assert "break and enter" in result.summary()
    assert result.params["filters_text"] == "Break and Enter"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"distance_bands_m": (0, 200, 100)}, "distance_bands_m.*strictly increasing"),
        ({"day_bands": (0, 7, 7)}, "day_bands.*strictly increasing"),
        ({"day_bands": (0, 3.5)}, "whole numbers"),
        ({"distance_bands_m": (100,)}, "at least two"),
        ({"distance_bands_m": "0,abc"}, "comma-separated numbers"),
        ({"permutations": 0}, "permutations"),
    ],
)
def test_bad_input_is_explained(kwargs: dict[str, object], match: str) -> None:
    xy, days = contagion(3, n_parents=50)
    with pytest.raises(InputError, match=match):
        knox_test(xy, days, **kwargs)  # type: ignore[arg-type]


def test_one_event_is_not_enough() -> None:
    with pytest.raises(EmptyDataError, match="at least 2"):
        knox_test([[0.0, 0.0]], [0])
