"""Scoring a ranked forecast the way the NIJ Crime Forecasting Challenge did.

Cells are flagged from the top of the ranking until they cover a share of the study area
(equal-area grid cells, so ``k = round(share × n_cells)``, at least 1). With ``n`` the
incidents of the test period in the flagged cells and ``N`` all of them:

- hit rate = n / N;
- PAI (Chainey et al. 2008) = (n / N) / (a / A), ``a`` the flagged and ``A`` the study area;
- PEI = n / n*, ``n*`` the most incidents any ``k`` cells captured (the top ``k`` by the
  actual counts), so 0 ≤ PEI ≤ 1;
- RRI = (n₂ / n₁) / (N₂ / N₁): incidents in the flagged cells in the test period (2) against
  the period before it (1), relative to all incidents — how stable the flagged places are.

Ties in the ranking are broken by cell position (first wins), so a ranking is a pure
function of its values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from hotspots.errors import InputError, invalid

#: The area shares every backtest scores (0.5 %, 1 %, 2 %, 5 % of the study area).
AREA_SHARES: tuple[float, ...] = (0.005, 0.01, 0.02, 0.05)
#: Columns of :func:`score_ranking`.
SCORE_COLUMNS = ("area_share", "cells_flagged", "hit_rate", "pai", "pei", "rri")


def ranking(expected: ArrayLike) -> NDArray[np.int64]:
    """Cell positions from highest to lowest ``expected`` (ties: lower position first)."""
    values = np.asarray(expected, dtype=np.float64)
    # lexsort sorts by the last key first: descending value, then ascending position.
    return np.lexsort((np.arange(values.size), -values)).astype(np.int64)


def cells_for_share(n_cells: int, share: float) -> int:
    """Number of equal-area cells covering ``share`` of the study area (at least 1)."""
    check_share(share)
    return int(min(n_cells, max(1, round(share * n_cells))))


def check_share(share: float) -> float:
    """Return ``share`` as a float, or raise when it is not in (0, 1]."""
    try:
        value = float(share)
    except (TypeError, ValueError):
        value = float("nan")
    if not (0.0 < value <= 1.0):
        raise invalid(
            "area_share", share, "a share of the study area in (0, 1]", "For 1 % pass 0.01."
        )
    return value


def score_ranking(
    expected: ArrayLike,
    actual: ArrayLike,
    *,
    previous: ArrayLike | None = None,
    shares: Sequence[float] = AREA_SHARES,
) -> pd.DataFrame:
    """Hit rate, PAI, PEI and RRI of the ranking by ``expected`` against ``actual`` counts.

    Parameters
    ----------
    expected : array of shape (n_cells,)
        The forecast (any score; only its order matters).
    actual : array of shape (n_cells,)
        Incidents per cell in the test period.
    previous : array of shape (n_cells,), optional
        Incidents per cell in the period before, for RRI (NaN without it).
    shares : sequence of float
        Shares of the study area to flag.

    Returns
    -------
    DataFrame with one row per share and the columns :data:`SCORE_COLUMNS`. A score whose
    denominator is 0 (no test incidents, none captured possible, none before) is NaN.
    """
    exp = np.asarray(expected, dtype=np.float64)
    act = np.asarray(actual, dtype=np.float64)
    if exp.shape != act.shape or exp.ndim != 1:
        raise InputError(
            f"expected has shape {exp.shape} and actual {act.shape}; both need one value "
            "per cell, in the same order."
        )
    prev = None if previous is None else np.asarray(previous, dtype=np.float64)
    if prev is not None and prev.shape != act.shape:
        raise InputError(f"previous has shape {prev.shape}; it needs {act.shape} like actual.")
    order = ranking(exp)
    best = np.sort(act)[::-1]
    total = float(act.sum())
    rows = []
    for share in shares:
        k = cells_for_share(exp.size, share)
        flagged = order[:k]
        n = float(act[flagged].sum())
        hit = _ratio(n, total)
        rri = np.nan
        if prev is not None:
            rri = _ratio(_ratio(n, float(prev[flagged].sum())), _ratio(total, float(prev.sum())))
        rows.append(
            {
                "area_share": float(share),
                "cells_flagged": k,
                "hit_rate": hit,
                "pai": hit / (k / exp.size),
                "pei": _ratio(n, float(best[:k].sum())),
                "rri": rri,
            }
        )
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))


def _ratio(numerator: float, denominator: float) -> float:
    if not np.isfinite(numerator) or not np.isfinite(denominator) or denominator == 0:
        return float("nan")
    return numerator / denominator
