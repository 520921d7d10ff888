"""The timing helper the in-process benchmarks share (``bench/run.py`` and friends)."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any


def best_of(repeat: int, func: Callable[[], Any]) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs (seconds) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result
