"""Per-cell features and the gradient-boosting forecast (scikit-learn, Poisson loss).

At an origin each active cell gets: its incidents in the last 1, 3, 6, 12 and 24 months;
a recency-weighted count (half-life 6 months); its neighbours' incidents in the last 12
months (the 8 touching cells, and the ring around them); its incidents of each offense in
the last 24 months; the months of history available and the calendar month of the origin.

Training rows come from earlier origins *inside* the history: at each, the features as
of that origin and the incidents of the following ``h`` months (``h`` = the horizon, at
most 12 months and at most half the history) as the target. Cells with no incident in
the last 24 months are many and alike: a seeded tenth of them is kept with weight 10.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.ndimage import convolve

from hotspots.forecast.history import History

#: Windows of the lagged counts, in months.
LAGS_MONTHS: tuple[int, ...] = (1, 3, 6, 12, 24)
#: Training origins used before the forecast origin.
TRAINING_ORIGINS = 2
#: A training origin needs at least this many months of history before it.
MIN_FEATURE_MONTHS = 3
#: Share of the all-zero cells kept for training (each then weighs 1 / share).
ZERO_ROWS_KEPT = 0.1
#: The model's settings (scikit-learn ``HistGradientBoostingRegressor``).
MODEL_SETTINGS: dict[str, Any] = {
    "loss": "poisson",
    "max_iter": 100,
    "learning_rate": 0.1,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 100,
    "max_bins": 63,
    "l2_regularization": 1.0,
    "early_stopping": False,
}

_RING_1 = np.ones((3, 3))
_RING_1[1, 1] = 0.0
_RING_2 = np.ones((5, 5))
_RING_2[1:4, 1:4] = 0.0


def feature_names(offenses: tuple[str, ...]) -> list[str]:
    """Names of the columns of :func:`cell_features`."""
    return [
        *(f"count_{k}m" for k in LAGS_MONTHS),
        "recency_6m",
        "neighbours_12m",
        "ring2_12m",
        *(f"offense_{name}_24m" for name in offenses),
        "history_months",
        "month_of_year",
    ]


def cell_features(history: History, origin: pd.Timestamp) -> NDArray[np.float64]:
    """Features of every active cell as of ``origin``, shape (n_cells, n_features)."""
    past = history.before(origin) if origin < history.end else history
    age = past.age_months(origin)
    n = past.n_cells
    columns = [np.bincount(past.cell[age < k], minlength=n) for k in LAGS_MONTHS]
    columns.append(np.bincount(past.cell, weights=0.5 ** (age / 6.0), minlength=n))
    last_year = past.grid.to_array(columns[LAGS_MONTHS.index(12)].astype(np.float64))
    for ring in (_RING_1, _RING_2):
        columns.append(convolve(last_year, ring, mode="constant").ravel()[past.grid.cell_ids])
    recent = age < 24
    k = len(past.offenses)
    by_offense = np.bincount(past.cell[recent] * k + past.offense[recent], minlength=n * k).reshape(
        n, k
    )
    columns.extend(by_offense.T)
    columns.append(np.full(n, past.months_before(origin)))
    columns.append(np.full(n, origin.month))
    return np.column_stack(columns).astype(np.float64)


def fit_model_predict(
    history: History, *, horizon_months: int, seed: int
) -> tuple[NDArray[np.float64], dict[str, Any]]:
    """Train on origins inside ``history`` and forecast the ``horizon_months`` after its end."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits

    origin = history.end
    months = math.floor(history.months_before(origin))
    target_months = max(1, min(horizon_months, 12, months // 2))
    step = max(1, target_months // 2)
    rng = np.random.default_rng(seed)
    xs, ys, ws, used = [], [], [], []
    for j in range(TRAINING_ORIGINS):
        o = origin - pd.DateOffset(months=target_months + j * step)
        if history.months_before(o) < MIN_FEATURE_MONTHS:
            break
        x = cell_features(history, o)
        y = history.counts(o, o + pd.DateOffset(months=target_months))
        w = np.ones_like(y)
        quiet = x[:, LAGS_MONTHS.index(24)] == 0
        keep = ~quiet | (rng.random(y.size) < ZERO_ROWS_KEPT)
        w[quiet] = 1.0 / ZERO_ROWS_KEPT
        xs.append(x[keep])
        ys.append(y[keep])
        ws.append(w[keep])
        used.append(o.date().isoformat())
    if not used:
        # Too little history to train: fall back to the recency-weighted count.
        features = cell_features(history, origin)
        rate = features[:, len(LAGS_MONTHS)] / max(1.0, min(months, 12))
        return rate * horizon_months, {"fallback": "too little history for the model"}
    model = HistGradientBoostingRegressor(**MODEL_SETTINGS, random_state=seed)
    # One OpenMP thread: on a busy machine, spinning worker threads make the fit 10-20x slower.
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(np.vstack(xs), np.concatenate(ys), sample_weight=np.concatenate(ws))
        expected = model.predict(cell_features(history, origin))
    expected = expected * horizon_months / target_months
    params = {
        "estimator": "HistGradientBoostingRegressor",
        **{k: v for k, v in MODEL_SETTINGS.items() if k != "early_stopping"},
        "target_months": target_months,
        "training_origins": used,
        "training_rows": int(sum(len(y) for y in ys)),
        "features": feature_names(history.offenses),
        "seed": seed,
    }
    return np.asarray(expected, dtype=np.float64), params
