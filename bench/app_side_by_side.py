"""The dashboard against an earlier revision of itself, side by side in one run.

    PYTHONPATH=src .venv/bin/python bench/app_side_by_side.py [--base 60b2631] [--rounds 2]

Exports the base revision (``git archive``) to a temporary folder and fills each tree's
default view (each in its own cache folder). Then, round after round, alternating the two
trees so both see the same machine: a fresh server (the base as ``streamlit run app.py``,
this tree as ``streamlit run serve.py``, each as its ``make app`` starts it), the first
visit (cold), three later visits in new browser contexts (warm), three reloads in one
browser, four filter changes to offense combinations never analyzed before, and
``--browsers`` Chromium processes opening the map at once. Prints the medians of both
trees, the ratio (this tree / base), the server's CPU seconds and the load average. The
default base is the last commit before issue 15's dashboard work.

Nothing here asserts; the machine is shared, so read the ratios and the CPU seconds more
than the wall times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_load import _round
from app_speed import (
    ARGS,
    CHROMIUM,
    ROOT,
    _filter_changes,
    _load,
    _server,
    cpu_seconds,
    fill_default_view,
    load_average,
)


@dataclass
class Figures:
    """Everything measured for one tree, over the rounds."""

    cold: list[float] = field(default_factory=list)
    cold_cpu: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    warm_cpu: list[float] = field(default_factory=list)
    reload: list[float] = field(default_factory=list)
    change: list[float] = field(default_factory=list)
    together: list[float] = field(default_factory=list)
    together_cpu: list[float] = field(default_factory=list)


def _export(revision: str, folder: Path) -> Path:
    """The files of ``revision`` in ``folder`` (the shared venv runs them with PYTHONPATH)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def _one_round(
    browser: Any, root: Path, entry: str, env: Mapping[str, str], browsers: int, out: Figures
) -> None:
    with _server(env, entry, root) as (url, _, pid):
        before = cpu_seconds(pid)
        out.cold.append(_load(browser, url)[0])
        out.cold_cpu.append(cpu_seconds(pid) - before)
        for _ in range(3):
            before = cpu_seconds(pid)
            out.warm.append(_load(browser, url)[0])
            out.warm_cpu.append(cpu_seconds(pid) - before)
        out.reload.extend(_load(browser, url, reloads=3)[2])
        out.change.extend(_filter_changes(browser, url))
        before = cpu_seconds(pid)
        results = _round(url, browsers)
        out.together_cpu.append(cpu_seconds(pid) - before)
        out.together.extend(r[0] for r in results if not isinstance(r, str))


def _row(label: str, base: list[float], new: list[float], unit: str = "s") -> str:
    if not base or not new:
        return f"  {label}: no figure"
    b, n = statistics.median(base), statistics.median(new)
    return f"  {label}: base {b:.2f} {unit}, now {n:.2f} {unit} (ratio {n / b:.2f})"


def main() -> None:
    """Measure both trees, alternating, and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="60b2631", help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--browsers", type=int, default=3, help="browsers opening at once")
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="hotspots-side-by-side-") as tmp:
        base_root = _export(options.base, Path(tmp) / "base")
        trees = {
            "base": (base_root, "app.py", Figures()),
            "now": (ROOT, "serve.py", Figures()),
        }
        envs = {}
        for name, (root, _, _) in trees.items():
            envs[name] = {
                **os.environ,
                "PYTHONPATH": str(root / "src"),
                "HOTSPOTS_CACHE_DIR": str(Path(tmp) / f"cache-{name}"),
                "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
                "HOTSPOTS_TILES_URL": "none",
            }
            envs[name].pop("PYTHONDONTWRITEBYTECODE", None)  # both as after an install
            fill_default_view(envs[name], root)
        print(f"base {options.base} vs this tree; load average at the start {load_average()}")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for number in range(options.rounds):
                for name, (root, entry, figures) in trees.items():
                    _one_round(browser, root, entry, envs[name], options.browsers, figures)
                    print(f"  round {number + 1}, {name} measured (load {load_average()})")
            browser.close()
    base, now = trees["base"][2], trees["now"][2]
    print("medians (wall seconds unless said; ratio = now / base):")
    print(_row("cold first visit after the start", base.cold, now.cold))
    print(_row("  server CPU of it", base.cold_cpu, now.cold_cpu, "CPU s"))
    print(_row("warm page load, new browser", base.warm, now.warm))
    print(_row("  server CPU of it", base.warm_cpu, now.warm_cpu, "CPU s"))
    print(_row("warm page load, reload", base.reload, now.reload))
    print(_row("filter change, new combination", base.change, now.change))
    print(_row(f"{options.browsers} browsers at once, each", base.together, now.together))
    print(
        _row(
            f"  server CPU of the {options.browsers}", base.together_cpu, now.together_cpu, "CPU s"
        )
    )
    print(f"load average at the end {load_average()}")


if __name__ == "__main__":
    main()
