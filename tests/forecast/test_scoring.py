"""Hit rate, PAI, PEI and RRI against hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.errors import InputError
from hotspots.forecast.scoring import cells_for_share, ranking, score_ranking

EXPECTED = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
ACTUAL = np.array([3.0, 0.0, 2.0, 0.0, 0.0, 4.0, 0.0, 1.0, 0.0, 0.0])
PREVIOUS = np.array([4.0, 2.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0])


def test_scores_match_a_hand_computed_case() -> None:
    # 20 % of 10 cells = cells 0 and 1: n = 3 + 0 of N = 10; the best 2 cells hold 4 + 3.
    row = score_ranking(EXPECTED, ACTUAL, previous=PREVIOUS, shares=[0.2]).iloc[0]
    assert row["cells_flagged"] == 2
    assert row["hit_rate"] == pytest.approx(0.3)
    assert row["pai"] == pytest.approx(0.3 / 0.2)
    assert row["pei"] == pytest.approx(3 / 7)
    # RRI = (n2 / n1) / (N2 / N1) = (3 / 6) / (10 / 10)
    assert row["rri"] == pytest.approx(0.5)


def test_half_the_area() -> None:
    # Cells 0-4 hold 3 + 0 + 2 + 0 + 0 = 5 of 10; the best 5 cells hold 4+3+2+1+0 = 10.
    row = score_ranking(EXPECTED, ACTUAL, shares=[0.5]).iloc[0]
    assert (row["hit_rate"], row["pai"], row["pei"]) == pytest.approx((0.5, 1.0, 0.5))
    assert np.isnan(row["rri"])


def test_a_perfect_forecast_has_pei_one() -> None:
    scores = score_ranking(ACTUAL, ACTUAL, shares=[0.1, 0.2, 0.3])
    np.testing.assert_allclose(scores["pei"], 1.0)


def test_pei_never_exceeds_one_and_pai_is_hit_rate_over_area() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        actual = rng.poisson(rng.uniform(0.1, 3.0), n)
        if actual.sum() == 0:
            continue
        scores = score_ranking(rng.normal(size=n), actual, shares=[0.05, 0.3, 1.0])
        assert (scores["pei"] <= 1.0 + 1e-12).all()
        assert (scores["pei"] >= 0.0).all()
        np.testing.assert_allclose(
            scores["pai"], scores["hit_rate"] / (scores["cells_flagged"] / n)
        )
        assert scores["hit_rate"].iloc[-1] == pytest.approx(1.0)


def test_ties_are_broken_by_position() -> None:
    assert ranking(np.array([1.0, 2.0, 2.0, 0.0])).tolist() == [1, 2, 0, 3]


def test_no_test_incidents_gives_nan_not_an_error() -> None:
    row = score_ranking(EXPECTED, np.zeros(10), shares=[0.2]).iloc[0]
    assert np.isnan(row["hit_rate"]) and np.isnan(row["pei"])


def test_at_least_one_cell_is_flagged() -> None:
    assert cells_for_share(10, 0.001) == 1
    assert cells_for_share(1000, 0.01) == 10


@pytest.mark.parametrize("share", [0.0, -0.1, 1.5, "x"])
def test_bad_share(share: object) -> None:
    with pytest.raises(InputError, match="area_share"):
        score_ranking(EXPECTED, ACTUAL, shares=[share])  # type: ignore[list-item]


def test_mismatched_shapes() -> None:
    with pytest.raises(InputError, match="same order"):
        score_ranking(EXPECTED, ACTUAL[:5])
