"""The dashboard against an earlier revision of itself, side by side in one run.

    PYTHONPATH=src .venv/bin/python bench/app_side_by_side.py [--base 60b2631] [--rounds 2]
        [--base-entry app.py] [--browsers 3]

Exports the base revision (``git archive``) to a temporary folder and fills each tree's
default view (each in its own cache folder). Then, round after round, alternating the two
trees so both see the same machine: a fresh server (the base as ``streamlit run app.py``
or ``--base-entry serve.py``, this tree as ``streamlit run serve.py``), the first
visit (cold), three later visits in new browser contexts (warm), three reloads in one
browser, four filter changes to offense combinations never analyzed before, and
``--browsers`` Chromium processes opening the map at once; and the browser's own work for a
new browser's page load (Chrome's main-thread task and script seconds, ``Performance.getMetrics``).
Each round also times a blank Streamlit app (one ``st.write``, served as ``serve.py`` serves
the dashboard: ``app_speed.blank_app``) in a new browser: the floor of Streamlit itself,
which no change to this app can go below. Prints the medians of both trees, the ratio (this
tree / base), the server's CPU seconds and the load average. The default base is the last
commit before issue 15's dashboard work.

Nothing here asserts; the machine is shared, so read the ratios and the CPU seconds more
than the wall times.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_load import _round
from app_speed import (
    ROOT,
    _filter_changes,
    _load,
    _server,
    app_env,
    blank_app,
    cpu_seconds,
    export_revision,
    fill_default_view,
    launch,
    load_average,
    new_page,
    visit_seconds,
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
    browser_task: list[float] = field(default_factory=list)
    browser_script: list[float] = field(default_factory=list)


def _browser_work(browser: Any, url: str, out: Figures, *, text: str | None = None) -> float:
    """One page load in a new browser context with Chrome's main-thread metrics; its seconds
    to the map (or to ``text``)."""
    page = new_page(browser)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    until = None if text is None else lambda p: p.get_by_text(text).wait_for(timeout=60_000)
    seconds = visit_seconds(page, url, until=until)
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    out.browser_task.append(metrics["TaskDuration"])
    out.browser_script.append(metrics["ScriptDuration"])
    page.context.close()
    return seconds


def _one_round(
    browser: Any, root: Path, entry: str, env: Mapping[str, str], browsers: int, out: Figures
) -> None:
    with _server(env, entry, root) as (url, _, pid):
        before = cpu_seconds(pid)
        out.cold.append(_load(browser, url, whole=False).map_s)
        out.cold_cpu.append(cpu_seconds(pid) - before)
        for _ in range(3):
            before = cpu_seconds(pid)
            out.warm.append(_load(browser, url, whole=False).map_s)
            out.warm_cpu.append(cpu_seconds(pid) - before)
        out.reload.extend(_load(browser, url, reloads=3, whole=False).reloads_s)
        for _ in range(2):
            _browser_work(browser, url, out)
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
    parser.add_argument(
        "--base-entry", default="app.py", choices=["app.py", "serve.py"], help="how the base starts"
    )
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="hotspots-side-by-side-") as tmp:
        base_root = export_revision(options.base, Path(tmp) / "base")
        trees = {
            "base": (base_root, options.base_entry, Figures()),
            "now": (ROOT, "serve.py", Figures()),
        }
        envs = {}
        for name, (root, _, _) in trees.items():
            envs[name] = app_env(
                PYTHONPATH=str(root / "src"), HOTSPOTS_CACHE_DIR=str(Path(tmp) / f"cache-{name}")
            )
            envs[name].pop("PYTHONDONTWRITEBYTECODE", None)  # both as after an install
            fill_default_view(envs[name], root)
        print(f"base {options.base} vs this tree; load average at the start {load_average()}")
        blank_root = Path(tmp) / "blank"
        blank_root.mkdir()
        blank_entry = blank_app(blank_root)
        blank, blank_work = [], Figures()
        with sync_playwright() as pw:
            browser = launch(pw)
            for number in range(options.rounds):
                for name, (root, entry, figures) in trees.items():
                    _one_round(browser, root, entry, envs[name], options.browsers, figures)
                    print(f"  round {number + 1}, {name} measured (load {load_average()})")
                with _server(envs["now"], blank_entry, blank_root) as (url, _, _):
                    _browser_work(browser, url, Figures(), text="blank app")  # server warm-up
                    for _ in range(3):
                        blank.append(_browser_work(browser, url, blank_work, text="blank app"))
                print(f"  round {number + 1}, blank Streamlit app measured (load {load_average()})")
            browser.close()
    base, now = trees["base"][2], trees["now"][2]
    print("medians (wall seconds unless said; ratio = now / base):")
    print(_row("cold first visit after the start", base.cold, now.cold))
    print(_row("  server CPU of it", base.cold_cpu, now.cold_cpu, "CPU s"))
    print(_row("warm page load, new browser", base.warm, now.warm))
    print(_row("  server CPU of it", base.warm_cpu, now.warm_cpu, "CPU s"))
    print(_row("warm page load, reload", base.reload, now.reload))
    print(
        f"  floor: a blank Streamlit app, new browser: {statistics.median(blank):.2f} s "
        f"(browser main thread {statistics.median(blank_work.browser_task):.2f} s)"
    )
    print(
        _row(
            "browser main-thread work per new-browser load",
            base.browser_task,
            now.browser_task,
            "CPU s",
        )
    )
    print(_row("  of it running scripts", base.browser_script, now.browser_script, "CPU s"))
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
