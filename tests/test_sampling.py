"""every_kth picks exactly the rows the expressions it replaced picked."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.sampling import every_kth

SIZE = 200


def _lengths(size: int) -> list[int]:
    return [0, 1, size - 1, size, size + 1, 2 * size - 1, 2 * size, 10 * size + 3]


def _masks(n: int) -> list[np.ndarray]:
    """All rows, none, every 7th missing, the first half missing, random gaps (seeded)."""
    rng = np.random.default_rng(n)
    sevenths = np.ones(n, dtype=bool)
    sevenths[::7] = False
    half = np.arange(n) >= n // 2
    return [np.ones(n, dtype=bool), np.zeros(n, dtype=bool), sevenths, half, rng.random(n) < 0.6]


@pytest.mark.parametrize("n", _lengths(SIZE))
def test_capped_picks_are_the_old_ones(n: int) -> None:
    """timestamps.sample_present / landing._refuse_open_sea: capped, with the fast path."""
    for present in _masks(n):
        if present.all():  # the old fast path
            old = np.arange(0, n, max(1, n // SIZE))[:SIZE]
        else:
            ok = np.flatnonzero(present)
            old = ok[:: max(1, len(ok) // SIZE)][:SIZE]
        new = every_kth(present, SIZE, cap=True)
        assert new.dtype == old.dtype
        assert new.tolist() == old.tolist()
        assert len(new) == min(SIZE, int(present.sum()))


@pytest.mark.parametrize("n", _lengths(SIZE))
def test_uncapped_picks_are_the_old_ones(n: int) -> None:
    """landing._check_boundaries and publish coordinate_decimals (positions of present rows),
    coordinates' centre sample (every k-th value of a full array): no cap."""
    values = np.random.default_rng(n).normal(size=n)
    for present in _masks(n):
        ok = np.flatnonzero(present)
        picks = every_kth(present, SIZE, cap=False)
        assert picks.tolist() == ok[:: max(1, len(ok) // SIZE)].tolist()
        v = values[present]
        assert values[picks].tolist() == v[:: max(1, v.size // SIZE)].tolist()
    whole = every_kth(n, SIZE, cap=False)
    assert values[whole].tolist() == values[:: max(1, len(values) // SIZE)].tolist()
    assert every_kth(np.int64(n), SIZE, cap=False).tolist() == whole.tolist()
    assert every_kth(n, SIZE, cap=True).tolist() == whole[:SIZE].tolist()
