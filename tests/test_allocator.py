"""The system allocator for Arrow in hotspots' own processes (see hotspots.allocator)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hotspots.allocator import POOL_VARIABLE, prefer_system_allocator


def test_an_unset_variable_gets_the_system_allocator_and_a_set_one_stands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pyarrow as pa

    before = pa.default_memory_pool()
    monkeypatch.delenv(POOL_VARIABLE, raising=False)
    try:
        prefer_system_allocator()
        assert os.environ[POOL_VARIABLE] == "system"
        assert pa.default_memory_pool().backend_name == "system"
        pa.set_memory_pool(before)
        monkeypatch.setenv(POOL_VARIABLE, "jemalloc")  # a choice already made stands
        prefer_system_allocator()
        assert os.environ[POOL_VARIABLE] == "jemalloc"
        assert pa.default_memory_pool().backend_name == before.backend_name
    finally:
        pa.set_memory_pool(before)


def test_the_hotspots_program_runs_on_the_system_allocator() -> None:
    code = (
        "import sys\nfrom hotspots.cli import entry\nsys.argv = ['hotspots', '--help']\n"
        "try:\n    entry()\nexcept SystemExit:\n    pass\n"
        "import pyarrow as pa\nprint(pa.default_memory_pool().backend_name)"
    )
    env = {k: v for k, v in os.environ.items() if k != POOL_VARIABLE}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "system"


def test_freed_memory_goes_back_to_the_system() -> None:
    # In a child process: freed blocks between live ones stay with the C library (RSS
    # stays up) until release_free_memory hands them back.
    script = """
import re
import numpy as np
from hotspots.allocator import release_free_memory

def rss_mib():
    status = open("/proc/self/status").read()
    return int(re.search(r"VmRSS:\\s+(\\d+)", status).group(1)) // 1024

blocks = [np.ones(12_000) for _ in range(4_000)]  # 96 KB each, from the heap
kept = blocks[::10]
del blocks
held = rss_mib()
release_free_memory()
print(held - rss_mib())
"""
    if not os.path.exists("/proc/self/status"):
        pytest.skip("no /proc here")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert int(out.stdout) > 200  # of about 330 MiB freed


def _hugepages_after(script: str, **env: str) -> str:
    """What NumPy's huge-page setting is after ``script`` runs in a child process."""
    check = "import numpy as np; print(int(np._core.multiarray._set_madvise_hugepage(True)))"
    environment = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    out = subprocess.run(
        [sys.executable, "-c", f"{script}\n{check}"],
        capture_output=True,
        text=True,
        check=True,
        env={**environment, **env},
    )
    return out.stdout.strip()


def test_numpy_takes_small_pages_unless_the_variable_says_otherwise() -> None:
    tune = "from hotspots.allocator import tune_memory; tune_memory()"
    assert _hugepages_after("import numpy") == "1"  # NumPy's own default on Linux
    assert _hugepages_after(tune) == "0"  # before NumPy is imported: the variable
    assert _hugepages_after(f"import numpy\n{tune}") == "0"  # after: switched in place
    assert _hugepages_after(tune, NUMPY_MADVISE_HUGEPAGE="1") == "1"  # a choice made stands
