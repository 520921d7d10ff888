"""Checks and helpers shared by the local statistics (Gi*, Local Moran's I): one value per unit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from hotspots.errors import EmptyDataError, InputError, describe, invalid
from hotspots.stats.exact import is_count_data
from hotspots.stats.weights import Neighbours


def prepare_values(
    values: ArrayLike, neighbours: Neighbours, *, statistic: str
) -> NDArray[np.float64]:
    """``values`` as a float array with one finite number per unit of ``neighbours``."""
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(
            f"values={describe(values)} cannot be read as numbers; pass one number per unit "
            "(e.g. incident counts per grid cell)."
        ) from None
    if x.ndim != 1 or x.size != neighbours.n:
        raise InputError(
            f"values has shape {np.shape(values)} but the neighbours describe {neighbours.n} "
            "units; pass a 1-D array with one value per unit, in the same order."
        )
    if x.size == 0:
        raise EmptyDataError(
            "There are no units to analyze (values is empty); check the grid and the filters."
        )
    bad = ~np.isfinite(x)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"values contains {int(bad.sum())} NaN or infinite value(s) (first at position "
            f"{first}: {x[first]!r}); {statistic} needs a number for every unit. Fill missing "
            "counts with 0 or drop those units from the neighbours."
        )
    return x


def frame_index(index: Any, n: int) -> pd.Index:
    """The index for a result frame of ``n`` units (default 0..n-1)."""
    if index is None:
        return pd.RangeIndex(n)
    idx = index if isinstance(index, pd.Index) else pd.Index(np.asarray(index))
    if len(idx) != n:
        raise InputError(
            f"index has {len(idx)} labels but the result has {n} units; pass one label per unit."
        )
    return idx


def frozen(array: NDArray[Any]) -> NDArray[Any]:
    """Mark ``array`` read-only (results are shared, e.g. through the app's caches)."""
    array.setflags(write=False)
    return array


def check_inference(inference: object, *, allowed: tuple[str, ...]) -> Any:
    """Return ``inference`` when it is one of ``allowed``, else raise InputError."""
    if not isinstance(inference, str) or inference not in allowed:
        raise invalid(
            "inference",
            inference,
            allowed,
            f'For example inference="{allowed[0]}" (exact p-values for counts).',
        )
    return inference


def require_counts(x: NDArray[np.float64], *, statistic: str, alternative: str) -> None:
    """Raise InputError unless ``x`` holds counts (what exact inference needs)."""
    if is_count_data(x):
        return
    bad = x[(x < 0) | (x != np.round(x))]
    raise InputError(
        f"Exact p-values for {statistic} need counts (non-negative whole numbers), but values "
        f'include {float(bad[0]):g}. Pass incident counts, or inference="{alternative}" for rates, '
        "differences or other values."
    )
