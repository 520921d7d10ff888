"""Forecasts of where incidents will concentrate, scored the way the NIJ challenge scored them.

:func:`forecast` ranks the cells of a square grid by the incidents expected in the
``horizon_months`` after ``until``; :func:`backtest` scores every method on rolling
origins before ``until`` (hit rate, PAI, PEI, RRI). Nothing after ``until`` is used.

Modules: :mod:`.history` (the training data as arrays), :mod:`.methods` (last period,
recency, kernel density, gradient boosting, ensemble), :mod:`.features` (the model's
per-cell features), :mod:`.scoring`, :mod:`.backtest`, :mod:`.verbs`, :mod:`.export`.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from hotspots.forecast.methods import METHODS, SIMPLE_METHODS
from hotspots.forecast.scoring import AREA_SHARES, score_ranking
from hotspots.forecast.verbs import (
    CELL_SIZES_M,
    METHOD_CHOICES,
    Backtest,
    Forecast,
    backtest,
    forecast,
    score_forecast,
)

__all__ = [
    "AREA_SHARES",
    "CELL_SIZES_M",
    "METHODS",
    "METHOD_CHOICES",
    "SIMPLE_METHODS",
    "Backtest",
    "Forecast",
    "backtest",
    "forecast",
    "score_forecast",
    "score_ranking",
]


class _CallableModule(types.ModuleType):
    """``hotspots.forecast`` is both this package and the verb: importing the package sets
    the attribute ``hotspots.forecast`` to the module, so the module calls the verb."""

    def __call__(self, *args: Any, **kwargs: Any) -> Forecast:
        return forecast(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
