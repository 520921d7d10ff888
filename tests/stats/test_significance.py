"""Significance: two-sided p-values, Benjamini–Hochberg FDR and ArcGIS confidence bins."""

from __future__ import annotations

import esda
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import norm

from hotspots.errors import InputError
from hotspots.stats.significance import (
    check_alpha,
    confidence_bins,
    fdr_adjust,
    fdr_reject,
    two_sided_p,
)


def reference_bh_reject(p: list[float], alpha: float) -> list[bool]:
    """Benjamini–Hochberg in its textbook loop form (the test oracle)."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    largest_k = 0
    for rank, i in enumerate(order, start=1):
        if p[i] <= rank / m * alpha:
            largest_k = rank
    reject = [False] * m
    for i in order[:largest_k]:
        reject[i] = True
    return reject


def reference_bh_adjust(p: list[float]) -> list[float]:
    """BH adjusted p-values: min over j >= rank of p_(j) * m / j, capped at 1 (loop form)."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    adjusted = [0.0] * m
    for rank, i in enumerate(order, start=1):
        adjusted[i] = min(
            min(p[order[j - 1]] * m / j for j in range(rank, m + 1)),
            1.0,
        )
    return adjusted


p_values = arrays(
    np.float64,
    st.integers(min_value=1, max_value=60),
    elements=st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
)


# -- check_alpha ---------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.05, 0.1, 1e-6, 0.999, np.float32(0.01)])
def test_check_alpha_accepts_levels_strictly_between_0_and_1(alpha: float) -> None:
    assert check_alpha(alpha) == pytest.approx(float(alpha))


@pytest.mark.parametrize("alpha", [0, 1, -0.05, 5, float("nan"), float("inf"), "0.05x", None, True])
def test_check_alpha_rejects_anything_else_with_a_helpful_message(alpha: object) -> None:
    with pytest.raises(
        InputError, match=r"alpha=.* is not allowed; use a number strictly between 0 and 1"
    ):
        check_alpha(alpha)


# -- two_sided_p ---------------------------------------------------------------------------------


def test_two_sided_p_matches_the_normal_distribution() -> None:
    z = np.array(
        [-4.0, -1.959963984540054, -1.0, 0.0, 0.5, 1.644853626951472, 2.575829303548901, 9.0]
    )
    expected = 2 * norm.sf(np.abs(z))
    np.testing.assert_allclose(two_sided_p(z), expected, rtol=1e-12)
    np.testing.assert_allclose(
        two_sided_p([1.959963984540054, 2.575829303548901]), [0.05, 0.01], rtol=1e-9
    )
    assert two_sided_p(0.0) == 1.0


def test_two_sided_p_stays_accurate_far_in_the_tails() -> None:
    # 1 - cdf(10) is exactly 0 in floating point; the tail function is not.
    assert 1.0 - norm.cdf(10.0) == 0.0
    np.testing.assert_allclose(two_sided_p(10.0), 2 * norm.sf(10.0), rtol=1e-12)
    assert 0.0 < two_sided_p(37.0) < 1e-290
    np.testing.assert_allclose(two_sided_p(-30.0), 2 * norm.sf(30.0), rtol=1e-12)


def test_two_sided_p_rejects_nan() -> None:
    with pytest.raises(InputError, match="NaN"):
        two_sided_p([0.5, np.nan])


# -- FDR: hand-computed examples ----------------------------------------------------------------


def test_fdr_hand_computed_example() -> None:
    p = np.array([0.01, 0.039, 0.03, 0.005, 0.20])
    # sorted: 0.005, 0.01, 0.03, 0.039, 0.20; thresholds k/5 * 0.05: 0.01, 0.02, 0.03, 0.04, 0.05
    # -> largest k with p_(k) <= threshold is 4: the four smallest are rejected.
    np.testing.assert_array_equal(fdr_reject(p, alpha=0.05), [True, True, True, True, False])
    # p_(k) * m / k: 0.025, 0.025, 0.05, 0.04875, 0.20 -> running minimum from the top.
    np.testing.assert_allclose(fdr_adjust(p), [0.025, 0.04875, 0.04875, 0.025, 0.20], rtol=1e-12)
    # At alpha = 0.045 the thresholds are 0.009, 0.018, 0.027, 0.036, 0.045: k = 2.
    np.testing.assert_array_equal(fdr_reject(p, alpha=0.045), [True, False, False, True, False])


def test_fdr_is_step_up_a_failing_middle_rank_does_not_stop_it() -> None:
    # thresholds 0.0125, 0.025, 0.0375, 0.05: p_(2) = 0.03 fails, but p_(4) = 0.032 passes.
    p = np.array([0.001, 0.03, 0.031, 0.032])
    assert fdr_reject(p, alpha=0.05).all()
    np.testing.assert_allclose(fdr_adjust(p), [0.004, 0.032, 0.032, 0.032], rtol=1e-12)


def test_fdr_adjust_caps_at_one_and_handles_ties_and_shapes() -> None:
    np.testing.assert_allclose(fdr_adjust([0.9, 0.95, 1.0]), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(fdr_adjust([0.02, 0.02, 0.02, 0.02]), [0.02] * 4, rtol=1e-12)
    grid = np.array([[0.001, 0.5], [0.02, 0.9]])
    adjusted = fdr_adjust(grid)
    assert adjusted.shape == (2, 2)
    np.testing.assert_allclose(
        adjusted.ravel(), reference_bh_adjust(grid.ravel().tolist()), rtol=1e-12
    )
    assert fdr_reject(grid, alpha=0.05).shape == (2, 2)
    assert fdr_adjust([]).shape == (0,)
    assert fdr_reject([], alpha=0.05).shape == (0,)


@pytest.mark.parametrize("bad", [[0.1, -0.01], [0.1, 1.5], [0.1, np.nan]])
def test_fdr_rejects_values_that_are_not_p_values(bad: list[float]) -> None:
    with pytest.raises(InputError, match=r"p contains 1 value\(s\) outside \[0, 1\] or NaN"):
        fdr_adjust(bad)
    with pytest.raises(InputError):
        fdr_reject(bad)


def test_fdr_reject_checks_alpha() -> None:
    with pytest.raises(InputError, match="alpha="):
        fdr_reject([0.01, 0.2], alpha=1.0)


# -- FDR: against the loop reference and esda ----------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_fdr_equals_the_loop_reference_on_realistic_p_values(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # 900 null p-values plus 60 small ones from real effects.
    p = np.concatenate([rng.uniform(size=900), rng.uniform(0, 0.002, size=60)])
    rng.shuffle(p)
    for alpha in (0.01, 0.05, 0.1):
        np.testing.assert_array_equal(
            fdr_reject(p, alpha=alpha), reference_bh_reject(p.tolist(), alpha)
        )
    np.testing.assert_allclose(fdr_adjust(p), reference_bh_adjust(p.tolist()), rtol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_fdr_agrees_with_the_esda_cut_off(seed: int) -> None:
    """esda.fdr returns the BH cut-off (strict ``<``), or alpha/m when nothing passes."""
    rng = np.random.default_rng(100 + seed)
    signal = rng.uniform(0, 0.001, size=seed * 10)  # seed 0: pure noise
    p = np.concatenate([rng.uniform(size=500), signal])
    for alpha in (0.05, 0.1):
        cut_off = esda.fdr(p, alpha)
        np.testing.assert_array_equal(fdr_reject(p, alpha=alpha), p < cut_off)
    if seed >= 2:
        assert fdr_reject(p, alpha=0.05).sum() >= 10


@settings(max_examples=200, deadline=None)
@given(p=p_values, alpha=st.floats(min_value=0.001, max_value=0.5))
def test_fdr_reject_property_matches_reference(p: np.ndarray, alpha: float) -> None:
    np.testing.assert_array_equal(
        fdr_reject(p, alpha=alpha), reference_bh_reject(p.tolist(), alpha)
    )


@settings(max_examples=200, deadline=None)
@given(p=p_values)
def test_fdr_adjust_properties(p: np.ndarray) -> None:
    adjusted = fdr_adjust(p)
    assert adjusted.shape == p.shape
    assert ((adjusted >= 0) & (adjusted <= 1)).all()
    assert (adjusted >= p).all()
    # Monotone: a smaller p never gets a larger adjusted p.
    order = np.argsort(p, kind="stable")
    assert (np.diff(adjusted[order]) >= -1e-15).all()
    np.testing.assert_allclose(adjusted, reference_bh_adjust(p.tolist()), rtol=1e-12, atol=0)


@settings(max_examples=200, deadline=None)
@given(p=p_values, alpha=st.floats(min_value=0.001, max_value=0.5))
def test_fdr_reject_equals_adjusted_at_most_alpha(p: np.ndarray, alpha: float) -> None:
    """Same decision both ways, except for p-values a rounding error from the boundary."""
    reject = fdr_reject(p, alpha=alpha)
    via_adjusted = fdr_adjust(p) <= alpha
    differ = reject != via_adjusted
    if differ.any():
        m = p.size
        ranks = np.arange(1, m + 1)
        near_boundary = np.isclose(np.sort(p) * m / ranks, alpha, rtol=1e-12, atol=0)
        assert near_boundary.any()


# -- confidence bins -----------------------------------------------------------------------------


def test_confidence_bins_follow_arcgis_gi_bin() -> None:
    z = np.array([3.0, 2.2, 1.7, 1.0, -1.7, -2.2, -3.0, 0.0, 2.0, -2.0, 3.0])
    p = np.array([0.001, 0.03, 0.08, 0.5, 0.08, 0.03, 0.001, 0.005, 0.01, 0.05, 0.10])
    expected = [3, 2, 1, 0, -1, -2, -3, 0, 3, -2, 1]
    bins = confidence_bins(z, p)
    assert bins.dtype == np.int8
    np.testing.assert_array_equal(bins, expected)


def test_confidence_bins_need_matching_shapes() -> None:
    with pytest.raises(InputError, match="shape"):
        confidence_bins([1.0, 2.0], [0.5])
