"""Bowers & Johnson measures, the WDD test and the Poisson difference-in-differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hotspots.errors import InputError
from hotspots.stats.intervention import (
    bowers_johnson,
    poisson_did,
    pretrend_test,
    weighted_displacement_difference,
)


def test_bowers_johnson_by_hand_diffusion() -> None:
    # success = 60/180 - 100/200 = -1/6; WDQ = (40/180 - 50/200) / (-1/6) = 1/6
    # net = (100*180/200 - 60) + (50*180/200 - 40) = 30 + 5
    bj = bowers_johnson(target=(100, 60), control=(200, 180), buffer=(50, 40))
    assert bj.success == pytest.approx(-1 / 6)
    assert bj.wdq == pytest.approx(1 / 6)
    assert bj.target_effect == pytest.approx(30.0)
    assert bj.buffer_effect == pytest.approx(5.0)
    assert bj.net_effect == pytest.approx(35.0)


def test_bowers_johnson_by_hand_displacement() -> None:
    # WDQ = (70/180 - 50/200) / (-1/6) = -(5/6); net = 30 + (45 - 70) = 5
    bj = bowers_johnson(target=(100, 60), control=(200, 180), buffer=(50, 70))
    assert bj.wdq == pytest.approx(-5 / 6)
    assert bj.net_effect == pytest.approx(5.0)


def test_bowers_johnson_without_buffer_and_without_change() -> None:
    bj = bowers_johnson(target=(100, 90), control=(200, 180))
    assert bj.success == pytest.approx(0.0)
    assert bj.wdq is None and bj.buffer_effect is None
    assert bj.net_effect == pytest.approx(0.0)
    flat = bowers_johnson(target=(100, 90), control=(200, 180), buffer=(10, 5))
    assert flat.wdq is None  # success 0: the quotient is undefined, not infinite


def test_wdd_by_hand() -> None:
    # ΔT = -40, ΔC = -20, ΔD = +20, ΔCD = -8: WDD = -40 + 20 + 20 + 8 = 8
    # Var = 160 + 380 + 120 + 152 = 812
    w = weighted_displacement_difference(
        target=(100, 60), control=(200, 180), buffer=(50, 70), buffer_control=(80, 72)
    )
    assert w.estimate == pytest.approx(8.0)
    assert w.variance == pytest.approx(812.0)
    assert w.z == pytest.approx(8 / math.sqrt(812))
    assert w.p == pytest.approx(0.77895, abs=1e-4)
    alone = weighted_displacement_difference(target=(100, 60), control=(200, 180))
    assert (alone.estimate, alone.variance) == (-20.0, 540.0)
    assert not alone.with_buffer


def test_wdd_null_false_alarm_rate() -> None:
    rng = np.random.default_rng(7)
    draws = rng.poisson([120, 120, 300, 300, 80, 80, 200, 200], size=(4000, 8))
    p = np.array(
        [
            weighted_displacement_difference(
                target=(d[0], d[1]), control=(d[2], d[3]), buffer=(d[4], d[5]),
                buffer_control=(d[6], d[7]),
            ).p
            for d in draws
        ]
    )  # fmt: skip
    assert np.mean(p < 0.05) <= 0.05 + 0.015


def test_did_matches_the_ratio_of_ratios_and_poisson_se() -> None:
    # Constant months fit the model exactly: dispersion 1, the estimate is the ratio of
    # ratios of the totals and its standard error the Poisson one.
    after = np.r_[np.zeros(12, bool), np.ones(12, bool)]
    target = np.where(after, 6, 10)
    control = np.full(24, 20)
    did = poisson_did(target, control, after)
    assert did.estimate == pytest.approx((72 / 240) / (120 / 240) - 1, abs=1e-8)
    assert did.se == pytest.approx(math.sqrt(1 / 72 + 1 / 120 + 2 / 240), rel=1e-6)
    assert did.dispersion == pytest.approx(1.0)
    assert did.ci_low < did.estimate < did.ci_high
    assert did.months == 24


def test_did_scales_for_overdispersion() -> None:
    rng = np.random.default_rng(3)
    after = np.r_[np.zeros(24, bool), np.ones(24, bool)]
    wobble = rng.gamma(2.0, 0.5, 48)  # city-wide months that differ a lot
    extra = rng.gamma(2.0, 0.5, 48)  # ... and target-only noise: overdispersion
    target = rng.poisson(30 * extra)
    control = rng.poisson(60 * wobble)
    did = poisson_did(target, control, after)
    assert did.dispersion > 2.0


def test_did_null_false_alarm_rate() -> None:
    rng = np.random.default_rng(11)
    after = np.r_[np.zeros(12, bool), np.ones(12, bool)]
    alarms = 0
    runs = 300
    for _ in range(runs):
        did = poisson_did(rng.poisson(25, 24), rng.poisson(40, 24), after)
        alarms += did.p < 0.05
    assert alarms / runs <= 0.05 + 0.035


def test_did_needs_incidents_in_both_periods() -> None:
    after = np.r_[np.zeros(6, bool), np.ones(6, bool)]
    with pytest.raises(InputError, match="no incidents before or after"):
        poisson_did(np.r_[np.ones(6), np.zeros(6)], np.ones(12), after)


def test_pretrend_finds_a_planted_difference() -> None:
    rng = np.random.default_rng(5)
    months = np.arange(24)
    target = rng.poisson(20 * 1.6 ** (months / 12))  # +60% a year
    control = rng.poisson(40, 24)
    result = pretrend_test(target, control)
    assert result.p < 0.05
    assert result.target_change == pytest.approx(0.6, abs=0.25)
    assert abs(result.control_change) < 0.25


def test_pretrend_is_quiet_on_parallel_trends() -> None:
    rng = np.random.default_rng(6)
    flagged = sum(
        pretrend_test(rng.poisson(20, 12), rng.poisson(40, 12)).p < 0.05 for _ in range(200)
    )
    assert flagged / 200 <= 0.05 + 0.04


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": (10, 5), "control": (0, 5)}, "control"),
        ({"target": (-1, 5), "control": (5, 5)}, "target"),
        ({"target": (1,), "control": (5, 5)}, "target"),
    ],
)
def test_bad_counts(kwargs: dict[str, tuple[int, ...]], message: str) -> None:
    with pytest.raises(InputError, match=message):
        bowers_johnson(**kwargs)  # type: ignore[arg-type]


def test_wdd_buffer_needs_its_control() -> None:
    with pytest.raises(InputError, match="together"):
        weighted_displacement_difference(target=(1, 1), control=(1, 1), buffer=(1, 1))
