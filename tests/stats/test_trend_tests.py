"""Mann–Kendall: equal to pymannkendall (the reference implementation) and hand cases."""

from __future__ import annotations

import numpy as np
import pymannkendall
import pytest

from hotspots.errors import InputError
from hotspots.stats.trend_tests import mann_kendall


def test_hand_case_without_ties() -> None:
    # 1..5 rising: every one of the 10 pairs rises, S = 10, Var = 5*4*15/18 = 16.667.
    result = mann_kendall([1, 2, 3, 4, 5])
    assert result.s[0] == 10
    assert result.var_s[0] == pytest.approx(5 * 4 * 15 / 18)
    assert result.z[0] == pytest.approx(9 / np.sqrt(5 * 4 * 15 / 18))


def test_hand_case_with_ties() -> None:
    # [1, 1, 2]: pairs (1,1)=0, (1,2)=+1, (1,2)=+1 -> S = 2; one tie group of 2:
    # Var = (3*2*11 - 2*1*9) / 18 = 48/18.
    result = mann_kendall([1, 1, 2])
    assert result.s[0] == 2
    assert result.var_s[0] == pytest.approx(48 / 18)
    assert result.z[0] == pytest.approx(1 / np.sqrt(48 / 18))


def test_constant_series_has_no_trend() -> None:
    result = mann_kendall(np.zeros((2, 6)))
    np.testing.assert_array_equal(result.z, 0.0)
    np.testing.assert_array_equal(result.p, 1.0)


@pytest.mark.parametrize("seed", range(5))
def test_matches_pymannkendall_on_tied_counts(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Poisson counts with a small trend: many ties, as in sparse grid cells.
    series = rng.poisson(lam=np.linspace(1, 3, 24), size=(40, 24)).astype(float)
    ours = mann_kendall(series)
    for row, s, var_s, z, p in zip(series, ours.s, ours.var_s, ours.z, ours.p, strict=True):
        ref = pymannkendall.original_test(row)
        assert s == pytest.approx(ref.s)
        assert var_s == pytest.approx(ref.var_s)
        assert z == pytest.approx(ref.z, abs=1e-12)
        assert p == pytest.approx(ref.p, abs=1e-12)


def test_rejects_short_and_missing_series() -> None:
    with pytest.raises(InputError, match="at least 3 time steps"):
        mann_kendall([1.0, 2.0])
    with pytest.raises(InputError, match="NaN"):
        mann_kendall([1.0, np.nan, 2.0])
