"""Did an intervention work? Before/after statistics for a target, its buffer and a control.

Three families of measures, all on counts of incidents (see REFERENCE.md):

- :func:`bowers_johnson` — the success measure, the weighted displacement quotient (WDQ)
  and the total net effect of Bowers & Johnson (2003): target R, buffer D, control C,
  before b and after a.
- :func:`weighted_displacement_difference` — the WDD test of Wheeler & Ratcliffe (2018):
  the change in the target minus the change in its control (plus the buffer minus the
  buffer's control when a buffer is given), with Poisson variance, z and a two-sided p.
- :func:`poisson_did` — a difference-in-differences estimate on monthly counts: a Poisson
  regression of the target's and the control's monthly counts on area, month and
  ``after × target``, with a 95% interval; and :func:`pretrend_test`, the check that
  target and control moved alike before the intervention.

Why a Poisson GLM from statsmodels for the difference-in-differences: monthly crime counts
are small non-negative integers whose variance grows with their mean, which a Poisson
model respects and a linear model on counts does not; ``exp(coefficient) − 1`` reads
directly as "a fall of X% relative to the control". Month fixed effects absorb
seasonality and city-wide shocks that hit target and control alike. Crime counts are
usually more variable than Poisson (overdispersed), so the standard errors are scaled by
the Pearson dispersion (quasi-Poisson), never below the Poisson ones. statsmodels'
``GLM`` is the reference implementation of this model in Python (IRLS, the same results
as R's ``glm``), and it is imported only when a model is fitted.

Nothing here says an intervention *caused* anything: the numbers are consistent with a
change relative to the control, under the assumption that the control shows what would
have happened without it.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr, ndtri

from hotspots.errors import InputError, invalid

log = logging.getLogger(__name__)

#: Two-sided confidence level of every interval here.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class BowersJohnson:
    """Bowers & Johnson (2003) measures for one before/after comparison.

    Attributes
    ----------
    success : float
        ``Ra/Ca − Rb/Cb``: negative when crime fell in the target relative to the control.
    wdq : float or None
        Weighted displacement quotient ``(Da/Ca − Db/Cb) / (Ra/Ca − Rb/Cb)``: > 0 diffusion
        of benefits into the buffer, < 0 displacement, < −1 displacement outweighed the
        direct effect. ``None`` without a buffer or when the success measure is 0.
    net_effect : float
        Incidents prevented (positive) or added (negative): ``(Rb·Ca/Cb − Ra)`` plus,
        with a buffer, ``(Db·Ca/Cb − Da)``.
    target_effect : float
        ``Rb·Ca/Cb − Ra``: the target's share of the net effect.
    buffer_effect : float or None
        ``Db·Ca/Cb − Da``; ``None`` without a buffer.
    """

    success: float
    wdq: float | None
    net_effect: float
    target_effect: float
    buffer_effect: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class WDD:
    """Weighted displacement difference test (Wheeler & Ratcliffe 2018).

    Attributes
    ----------
    estimate : float
        ``ΔT − ΔC (+ ΔD − ΔCD)`` in incidents; negative when crime fell in the target
        (and buffer) relative to the control.
    variance : float
        Poisson variance: the sum of all the counts used.
    z : float
        ``estimate / sqrt(variance)``.
    p : float
        Two-sided p-value from the standard normal.
    with_buffer : bool
        Whether the buffer and its control were included.
    """

    estimate: float
    variance: float
    z: float
    p: float
    with_buffer: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DiD:
    """Difference-in-differences on monthly counts (Poisson regression, month effects).

    Attributes
    ----------
    estimate : float
        Relative change in the target after the intervention, relative to the control:
        ``exp(β) − 1`` (−0.3 reads "a fall of 30% relative to the control").
    ci_low, ci_high : float
        95% confidence interval of ``estimate``.
    log_ratio, se : float
        The coefficient ``β`` of ``after × target`` and its (dispersion-scaled) standard error.
    p : float
        Two-sided p-value of ``β = 0``.
    dispersion : float
        Pearson dispersion used to scale the standard error (≥ 1; 1 means Poisson).
    months : int
        Months used (months where target and control are both zero carry no information
        and are left out).
    """

    estimate: float
    ci_low: float
    ci_high: float
    log_ratio: float
    se: float
    p: float
    dispersion: float
    months: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PreTrend:
    """Did target and control move alike before the intervention?

    Attributes
    ----------
    target_change, control_change : float
        Fitted relative change per year before the intervention (0.1 = +10% a year).
    ratio : float
        Ratio of the two yearly trends (``(1 + target) / (1 + control)``).
    p : float
        Two-sided p-value that the trends are the same (Poisson regression with a
        ``month × target`` term, dispersion-scaled).
    months : int
        Months of the before period used.
    """

    target_change: float
    control_change: float
    ratio: float
    p: float
    months: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def bowers_johnson(
    *,
    target: tuple[float, float],
    control: tuple[float, float],
    buffer: tuple[float, float] | None = None,
) -> BowersJohnson:
    """Success measure, WDQ and total net effect (Bowers & Johnson 2003).

    Parameters
    ----------
    target, control, buffer : tuple (before, after)
        Incident counts in each area before and after the intervention. The control
        must have incidents in both periods (its ratio ``Ca/Cb`` scales everything).

    Returns
    -------
    BowersJohnson

    Examples
    --------
    >>> bj = bowers_johnson(target=(100, 60), control=(200, 180), buffer=(50, 40))
    >>> round(bj.success, 3), round(bj.wdq, 3), round(bj.net_effect, 1)
    (-0.167, 0.167, 35.0)
    """
    rb, ra = _pair("target", target)
    cb, ca = _pair("control", control)
    if cb <= 0 or ca <= 0:
        raise InputError(
            f"control={control!r} has no incidents in one period, so there is nothing to "
            "compare the target with; choose a larger control area or longer periods."
        )
    success = ra / ca - rb / cb
    target_effect = rb * ca / cb - ra
    if buffer is None:
        return BowersJohnson(success, None, target_effect, target_effect, None)
    db, da = _pair("buffer", buffer)
    buffer_effect = db * ca / cb - da
    wdq = (da / ca - db / cb) / success if success != 0 else None
    return BowersJohnson(success, wdq, target_effect + buffer_effect, target_effect, buffer_effect)


def weighted_displacement_difference(
    *,
    target: tuple[float, float],
    control: tuple[float, float],
    buffer: tuple[float, float] | None = None,
    buffer_control: tuple[float, float] | None = None,
) -> WDD:
    """The WDD test (Wheeler & Ratcliffe 2018) with Poisson variance.

    ``WDD = ΔT − ΔC + ΔD − ΔCD`` with ``ΔX = X_after − X_before``; ``Var = Σ counts``;
    ``z = WDD / √Var``; two-sided p from the normal. Give ``buffer`` and
    ``buffer_control`` together, or neither.

    Examples
    --------
    >>> w = weighted_displacement_difference(target=(100, 60), control=(200, 180))
    >>> w.estimate, w.variance, round(w.z, 3)
    (-20.0, 540.0, -0.861)
    """
    if (buffer is None) != (buffer_control is None):
        raise InputError(
            "Give buffer= and buffer_control= together (the buffer's change is compared with "
            "its own control), or neither for the test without a buffer."
        )
    pairs = [_pair("target", target), _pair("control", control)]
    signs = [1.0, -1.0]
    if buffer is not None and buffer_control is not None:
        pairs += [_pair("buffer", buffer), _pair("buffer_control", buffer_control)]
        signs += [1.0, -1.0]
    estimate = float(sum(s * (a - b) for s, (b, a) in zip(signs, pairs, strict=True)))
    variance = float(sum(b + a for b, a in pairs))
    if variance <= 0:
        return WDD(estimate, 0.0, 0.0, 1.0, buffer is not None)
    z = estimate / math.sqrt(variance)
    p = float(min(1.0, 2.0 * ndtr(-abs(z))))
    return WDD(estimate, variance, z, p, buffer is not None)


def poisson_did(
    target: ArrayLike,
    control: ArrayLike,
    after: ArrayLike,
) -> DiD:
    """Difference-in-differences of monthly counts by Poisson regression.

    The model is ``log E[y] = area + month + β · (after × target)`` over the months of
    both periods; ``exp(β) − 1`` is the change in the target relative to the control.

    Parameters
    ----------
    target, control : array-like of int, shape (n_months,)
        Monthly counts in the target and in the control, the same months in the same order.
    after : array-like of bool, shape (n_months,)
        True for the months after the intervention.

    Returns
    -------
    DiD

    Raises
    ------
    InputError
        When a period has no months, or the target or the control has no incidents in a
        period (the ratio is then 0 or infinite).
    """
    t, c, post = _monthly(target, control, after)
    keep = (t + c) > 0
    t, c, post = t[keep], c[keep], post[keep]
    for name, y in (("target", t), ("control", c)):
        if y[~post].sum() <= 0 or y[post].sum() <= 0:
            raise InputError(
                f"The {name} has no incidents before or after the intervention, so the "
                "relative change is 0 or infinite; widen the area or lengthen the periods."
            )
    n = len(t)
    y = np.concatenate([t, c]).astype(np.float64)
    month = np.concatenate([np.eye(n), np.eye(n)])
    treated = np.concatenate([np.ones(n), np.zeros(n)])
    interaction = treated * np.concatenate([post, post]).astype(np.float64)
    design = np.column_stack([month, treated, interaction])
    beta, se, dispersion = _fit_poisson(design, y)
    b, s = float(beta[-1]), float(se[-1])
    zq = float(ndtri(0.5 + CONFIDENCE / 2.0))
    p = float(min(1.0, 2.0 * ndtr(-abs(b / s)))) if s > 0 else 1.0
    return DiD(
        estimate=math.expm1(b),
        ci_low=math.expm1(b - zq * s),
        ci_high=math.expm1(b + zq * s),
        log_ratio=b,
        se=s,
        p=p,
        dispersion=dispersion,
        months=n,
    )


def pretrend_test(target: ArrayLike, control: ArrayLike) -> PreTrend:
    """Test whether target and control had the same trend before the intervention.

    Poisson regression of the before-period monthly counts on ``area + t + t × target``
    (``t`` in years); the p-value is for ``t × target = 0``, dispersion-scaled.

    Parameters
    ----------
    target, control : array-like of int, shape (n_months,)
        Monthly counts before the intervention, the same months in the same order.
    """
    t, c, _ = _monthly(target, control, np.zeros(len(np.asarray(target)), dtype=bool))
    n = len(t)
    if n < 3 or t.sum() <= 0 or c.sum() <= 0:
        raise InputError(
            f"A pre-trend needs at least 3 months with incidents in target and control "
            f"(got {n} months, {int(t.sum())} and {int(c.sum())} incidents); use a longer "
            "before period or larger areas."
        )
    years = (np.arange(n, dtype=np.float64) - (n - 1) / 2.0) / 12.0
    y = np.concatenate([t, c]).astype(np.float64)
    treated = np.concatenate([np.ones(n), np.zeros(n)])
    time = np.concatenate([years, years])
    design = np.column_stack([np.ones(2 * n), treated, time, treated * time])
    beta, se, _ = _fit_poisson(design, y)
    control_slope, difference = float(beta[2]), float(beta[3])
    p = float(min(1.0, 2.0 * ndtr(-abs(difference / se[3])))) if se[3] > 0 else 1.0
    return PreTrend(
        target_change=math.expm1(control_slope + difference),
        control_change=math.expm1(control_slope),
        ratio=math.exp(difference),
        p=p,
        months=n,
    )


# -- helpers --------------------------------------------------------------------------------


def _pair(name: str, value: tuple[float, float]) -> tuple[float, float]:
    try:
        before, after = (float(v) for v in value)
    except (TypeError, ValueError):
        raise invalid(name, value, "a pair (before, after) of incident counts") from None
    if not (math.isfinite(before) and math.isfinite(after) and before >= 0 and after >= 0):
        raise invalid(name, value, "a pair (before, after) of counts >= 0")
    return before, after


def _monthly(
    target: ArrayLike, control: ArrayLike, after: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    t = np.asarray(target, dtype=np.float64)
    c = np.asarray(control, dtype=np.float64)
    post = np.asarray(after, dtype=bool)
    if not (t.ndim == 1 and t.shape == c.shape == post.shape):
        raise InputError(
            f"target, control and after must be 1-D and equally long (got shapes {t.shape}, "
            f"{c.shape}, {post.shape}); give one value per month."
        )
    both = np.concatenate([t, c])
    if not (np.all(np.isfinite(both)) and both.min(initial=0) >= 0):
        raise InputError("Monthly counts must be finite and >= 0; give incident counts.")
    return t, c, post


def _fit_poisson(
    design: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """Fit a Poisson GLM; return coefficients, standard errors scaled by max(1, Pearson χ²/df)."""
    import statsmodels.api as sm  # imported on first use: a second to load
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    model = sm.GLM(y, design, family=sm.families.Poisson())
    with warnings.catch_warnings():
        # A Poisson model that fits some months exactly is not a problem (the warning is
        # meant for binary outcomes); every other warning stays visible.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        fit = model.fit()
    df = max(int(fit.df_resid), 1)
    dispersion = max(1.0, float(fit.pearson_chi2) / df)
    beta = np.asarray(fit.params, dtype=np.float64)
    se = np.asarray(fit.bse, dtype=np.float64) * math.sqrt(dispersion)
    return beta, se, dispersion
