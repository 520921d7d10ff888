"""The timing helpers the benchmarks share (``bench/run.py`` and friends)."""

from __future__ import annotations

import compileall
import gc
import time
from collections.abc import Callable
from pathlib import Path
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


def compile_like_an_install() -> Path:
    """Write the bytecode of the ``hotspots`` package being measured, as installing it does.

    ``pip``/``uv`` compile a package's modules when they install it; a source checkout run
    with ``PYTHONDONTWRITEBYTECODE=1`` (as on this machine) would instead compile every
    module again in every command (about 0.1 s of each ``hotspots analyze``), which no
    installed copy pays. Commands timed as whole processes are measured after this.
    Returns the package folder compiled.
    """
    import hotspots

    package = Path(hotspots.__file__).resolve().parent
    compileall.compile_dir(package, quiet=1)
    return package
