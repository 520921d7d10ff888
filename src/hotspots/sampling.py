"""A regular sample of a long array's rows: every k-th one that counts.

Whole-file judgements (the data's centre, the date format, whether any point is on land)
look at a regular sample of the rows rather than all of them; this module picks it, the same
way everywhere.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def every_kth(present: NDArray[np.bool_] | int, size: int, *, cap: bool) -> NDArray[np.intp]:
    """Positions of every k-th row that counts, k = their number // ``size`` (at least 1).

    Parameters
    ----------
    present
        A boolean mask of the rows that count, or their number when every row counts.
    size
        The sample's size: exactly that many positions when ``cap`` and there are enough rows.
    cap
        Keep at most ``size`` positions; without it, ``size`` to ``2 * size - 1`` of them
        when there are enough rows (every row when there are fewer than ``2 * size``).

    Returns
    -------
    numpy.ndarray
        Increasing positions into the rows. When every row counts, no list of all of them
        is made.
    """
    kept = None
    if isinstance(present, int | np.integer):
        n = int(present)
    elif present.all():
        n = present.size
    else:
        kept = np.flatnonzero(present)
        n = kept.size
    step = max(1, n // size)
    picks = np.arange(0, n, step, dtype=np.intp) if kept is None else kept[::step]
    return picks[:size] if cap else picks
