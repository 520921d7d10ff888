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
