"""Elementwise work on long arrays, a block at a time, in parallel threads.

A chain of NumPy operations over ten million values makes a full-size temporary per step
and reads and writes memory at every one; the same chain over blocks of a quarter of a
million values keeps its temporaries in the processor's cache. NumPy releases the GIL inside
its loops, so blocks handed to a few threads also use the machine's other cores.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

#: Values per block (a float64 block is 2 MiB).
BLOCK = 1 << 18
#: At most this many threads.
MAX_THREADS = 4
#: The 64-bit golden-ratio multiplier (Fibonacci hashing): ``key * MIX64 ^ value`` folds a
#: 64-bit value into a running key (a row's columns, a point's two coordinates, a string's
#: length into its hash).
MIX64 = np.uint64(0x9E3779B97F4A7C15)

_T = TypeVar("_T")


def spans(n: int, block: int = BLOCK) -> list[slice]:
    """Consecutive slices of at most ``block`` values covering ``range(n)``."""
    return [slice(start, min(start + block, n)) for start in range(0, n, block)]


def in_blocks(n: int, work: Callable[[slice], _T], *, block: int = BLOCK) -> list[_T]:
    """``[work(span) for span in spans(n, block)]``, the spans shared out among threads
    when there are several (``work`` writes its own slice of preallocated outputs, or
    returns a small per-block result to combine in order)."""
    parts = spans(n, block)
    threads = min(os.cpu_count() or 1, MAX_THREADS, len(parts))
    if threads <= 1:
        return [work(span) for span in parts]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(work, parts))


def compact(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``values[keep]`` without a second full-size array: the kept values are moved to the
    front of ``values`` in order, a block at a time, and a view of them is returned.
    ``values`` is overwritten (when it cannot be, a copy is made as ``values[keep]``)."""
    if not values.flags.writeable:
        return values[keep]
    done = 0
    for span in spans(len(values)):
        kept = values[span][keep[span]]  # a copy, taken before its block is written over
        values[done : done + len(kept)] = kept
        done += len(kept)
    return values[:done]
