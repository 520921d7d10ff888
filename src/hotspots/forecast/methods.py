"""Forecast methods behind one interface.

Every method is a function ``(OriginData) -> Prediction``: it sees only the history cut at
its origin and returns the expected incidents per active cell over the next
``horizon_months``. Tuning (a half-life, a bandwidth) is chosen by validation *inside*
that history: the last ``v`` months before the origin are held out, each candidate is
fitted on what comes before and scored by its hit rate at the target share of area, and
the winner is refitted up to the origin.

- ``last``: the count of the last horizon-long period (the simplest baseline).
- ``recency``: all past incidents weighted by ``0.5 ** (age / half_life)``, half-life
  chosen by validation.
- ``kde``: the recency-weighted counts smoothed by a quartic kernel (binned + FFT),
  bandwidth chosen by validation among multiples of the cell size and sfhotspot's rule.
- ``model``: scikit-learn ``HistGradientBoostingRegressor(loss="poisson")`` on per-cell
  lagged counts, neighbours' counts, offense mix and season (:mod:`.features`), trained on
  earlier origins inside the history.
- ``ensemble``: the mean of the recency, kde and model forecasts, each as shares of its
  total.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from hotspots.forecast.features import fit_model_predict
from hotspots.forecast.history import History
from hotspots.forecast.scoring import cells_for_share, ranking
from hotspots.stats.kde import bandwidth_nrd_m, kde_grid

log = logging.getLogger(__name__)

#: Half-lives tried by the recency method, in months.
HALF_LIVES_MONTHS: tuple[float, ...] = (1.0, 3.0, 6.0, 12.0, 24.0, 48.0)
#: KDE bandwidths tried, in cell sizes (sfhotspot's rule is tried as well).
BANDWIDTHS_CELLS: tuple[float, ...] = (1.25, 1.5, 2.0, 3.0, 5.0)
#: Months a fit needs before a validation split.
MIN_FIT_MONTHS = 3
#: Simple baselines: a model must beat the best of these to be recommended.
SIMPLE_METHODS: tuple[str, ...] = ("last", "recency")


@dataclass(frozen=True)
class Prediction:
    """Expected incidents per active cell over the horizon, and how they were made."""

    expected: NDArray[np.float64]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class OriginData:
    """What a method may use at one origin: the history before it and the settings.

    Tuning results are cached here, so methods that share them (kde uses the recency
    half-life; the ensemble uses three methods) compute them once per origin.
    """

    history: History
    horizon_months: int
    area_share: float
    seed: int
    predictions: dict[str, Prediction] = field(default_factory=dict)

    @property
    def origin(self) -> pd.Timestamp:
        return self.history.end

    @property
    def months(self) -> int:
        """Whole months of history before the origin."""
        return math.floor(self.history.months_before(self.origin) + 1e-9)

    @cached_property
    def validation_months(self) -> int:
        """Months held out to tune a method (0: too little history, defaults used)."""
        return max(0, min(self.horizon_months, self.months - MIN_FIT_MONTHS))

    @cached_property
    def validation(self) -> tuple[History, NDArray[np.float64]] | None:
        """(history before the validation split, incidents per cell after it)."""
        v = self.validation_months
        if v < 1:
            return None
        split = self.origin - pd.DateOffset(months=v)
        return self.history.before(split), self.history.counts(split, self.origin)

    @cached_property
    def half_life_months(self) -> float:
        """Recency half-life chosen by validation (6 months without enough history)."""
        return self._choose(
            HALF_LIVES_MONTHS,
            lambda h, hl: recency_counts(h, hl, self.horizon_months),
            default=6.0,
        )

    @cached_property
    def bandwidth_m(self) -> float:
        """KDE bandwidth chosen by validation (2 cells without enough history)."""
        size = self.history.grid.cell_size_m
        candidates = [b * size for b in BANDWIDTHS_CELLS]
        nrd = self.nrd_bandwidth_m
        if nrd is not None and nrd > size:
            candidates.append(nrd)
        return self._choose(
            tuple(candidates),
            lambda h, bw: smoothed(h, recency_counts(h, self.half_life_months, 1), bw),
            default=2.0 * size,
        )

    @cached_property
    def nrd_bandwidth_m(self) -> float | None:
        """sfhotspot's bandwidth of the incidents before the origin (None if undefined)."""
        centres = self.history.grid.centres()[self.history.cell]
        if centres.shape[0] < 2:
            return None
        return round(bandwidth_nrd_m(centres[:, 0], centres[:, 1]), 1)

    def _choose(
        self,
        candidates: tuple[float, ...],
        predict: Callable[[History, float], NDArray[np.float64]],
        *,
        default: float,
    ) -> float:
        if self.validation is None:
            return default
        fit, actual = self.validation
        k = cells_for_share(fit.n_cells, self.area_share)
        captured = [actual[ranking(predict(fit, c))[:k]].sum() for c in candidates]
        return float(candidates[int(np.argmax(captured))])


def recency_counts(
    history: History, half_life_months: float, horizon_months: int
) -> NDArray[np.float64]:
    """Exponentially weighted incidents per cell, scaled to an expected count over the horizon.

    Each incident weighs ``0.5 ** (age / half_life)``; the sum is divided by the total
    weight of one incident per month over the history, so a steady cell's value is its
    monthly rate × ``horizon_months``.
    """
    age = history.age_months(history.end)
    weights = 0.5 ** (age / half_life_months)
    total = history.counts(None, history.end, weights=weights)
    months = max(1.0, history.months_before(history.end))
    per_month = np.sum(0.5 ** ((np.arange(math.ceil(months)) + 0.5) / half_life_months))
    return np.asarray(total * horizon_months / per_month, dtype=np.float64)


def smoothed(
    history: History, counts: NDArray[np.float64], bandwidth_m: float
) -> NDArray[np.float64]:
    """``counts`` smoothed by the quartic kernel, as counts per cell (same total inside)."""
    density = kde_grid(history.grid, counts, bandwidth_m=bandwidth_m)
    return np.asarray(density * history.grid.cell_area_m2, dtype=np.float64)


def predict_last(data: OriginData) -> Prediction:
    """Incidents in the last horizon-long period (or all history when shorter), per cell."""
    months = max(1, min(data.horizon_months, data.months))
    start = data.origin - pd.DateOffset(months=months)
    counts = data.history.counts(start, data.origin)
    return Prediction(counts * data.horizon_months / months, {"months": months})


def predict_recency(data: OriginData) -> Prediction:
    hl = data.half_life_months
    expected = recency_counts(data.history, hl, data.horizon_months)
    return Prediction(expected, {"half_life_months": hl})


def predict_kde(data: OriginData) -> Prediction:
    hl, bw = data.half_life_months, data.bandwidth_m
    expected = smoothed(data.history, recency_counts(data.history, hl, data.horizon_months), bw)
    return Prediction(
        expected,
        {"half_life_months": hl, "bandwidth_m": bw, "sfhotspot_bandwidth_m": data.nrd_bandwidth_m},
    )


def predict_model(data: OriginData) -> Prediction:
    expected, params = fit_model_predict(
        data.history, horizon_months=data.horizon_months, seed=data.seed
    )
    return Prediction(expected, params)


ENSEMBLE_PARTS: tuple[str, ...] = ("recency", "kde", "model")


def predict_ensemble(data: OriginData) -> Prediction:
    parts = [predict(name, data) for name in ENSEMBLE_PARTS]
    totals = np.array([p.expected.sum() for p in parts])
    shares = [p.expected / t if t > 0 else p.expected for p, t in zip(parts, totals, strict=True)]
    expected = np.mean(shares, axis=0) * float(totals.mean())
    return Prediction(expected, {"parts": list(ENSEMBLE_PARTS), "combination": "mean of shares"})


METHODS: dict[str, Callable[[OriginData], Prediction]] = {
    "last": predict_last,
    "recency": predict_recency,
    "kde": predict_kde,
    "model": predict_model,
    "ensemble": predict_ensemble,
}


def predict(name: str, data: OriginData) -> Prediction:
    """Run method ``name`` at ``data``'s origin (cached per origin)."""
    if name not in data.predictions:
        data.predictions[name] = METHODS[name](data)
    return data.predictions[name]
