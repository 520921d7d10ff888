"""Load test of the dashboard: N real browsers open the map at the same moment.

    PYTHONPATH=src .venv/bin/python bench/app_load.py [--browsers 1 3 10] [--rounds 2]

Starts ``streamlit run serve.py`` (``--entry app.py`` for the plain script) after
``python -m hotspots.dashboard.startup``, as ``make app`` does, so the default view is on
disk, then launches N separate Debian Chromium
processes through Playwright (one process each: N real browsers, not N tabs), lets them all
navigate at once (a barrier) and times each from navigation to hot spot cells drawn on the
map. Round 1 hits a server that has served nobody yet (cold: every cache of the process is
empty); later rounds hit the same server again (warm). Prints min / median / max per round
against the target (each <= 5 s), with the server's CPU seconds for the round, the browsers'
CPU seconds (each Chromium with its Playwright driver, median per browser) and the load
average. Several ``--browsers`` counts run one after the other, each on a fresh server.
Nothing here asserts: the machine is shared, timings are noisy, and N Chromium processes on
two cores also compete with the server.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
from multiprocessing.synchronize import Barrier
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_speed import (
    _server,
    app_env,
    cpu_seconds,
    fill_default_view,
    launch,
    load_average,
    new_page,
    visit_seconds,
)

TARGET_S = 5.0


Result = tuple[float, float] | str


def _visit(url: str, barrier: Barrier, results: multiprocessing.Queue[Result]) -> None:
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            page = new_page(browser)
            barrier.wait(timeout=300)
            seconds = visit_seconds(page, url, timeout_s=300, poll_s=0.1)
            browser.close()
        used = resource.getrusage(resource.RUSAGE_CHILDREN)  # the driver and its Chromium
        results.put((seconds, used.ru_utime + used.ru_stime))
    except Exception as error:  # reported, not raised: one failed browser is a result too
        results.put(f"{type(error).__name__}: {error}")


def _round(url: str, browsers: int) -> list[Result]:
    barrier = multiprocessing.Barrier(browsers)
    results: multiprocessing.Queue[Result] = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=_visit, args=(url, barrier, results))
        for _ in range(browsers)
    ]
    for process in processes:
        process.start()
    out = [results.get(timeout=900) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return out


def main() -> None:
    """Measure and print the spread of N concurrent first visits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browsers", type=int, nargs="+", default=[10])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--entry", default="serve.py", choices=["serve.py", "app.py"])
    options = parser.parse_args()
    env = app_env()
    fill_default_view(env)
    for browsers in options.browsers:
        with _server(env, options.entry) as (url, health_s, pid):
            print(f"server healthy after {health_s:.2f} s; {browsers} browsers per round")
            for number in range(1, options.rounds + 1):
                before = cpu_seconds(pid)
                results = _round(url, browsers)
                server_cpu = cpu_seconds(pid) - before
                done = [r for r in results if not isinstance(r, str)]
                times = sorted(t for t, _ in done)
                failed = [r for r in results if isinstance(r, str)]
                label = "cold (first visits after start)" if number == 1 else "warm"
                if times:
                    browser_cpu = statistics.median(c for _, c in done)
                    print(
                        f"round {number}, {label}: min {times[0]:.2f} s, median "
                        f"{statistics.median(times):.2f} s, max {times[-1]:.2f} s "
                        f"(target each <= {TARGET_S:g} s; {sum(t <= TARGET_S for t in times)}/"
                        f"{len(results)} within); all: {', '.join(f'{t:.1f}' for t in times)}; "
                        f"server CPU {server_cpu:.2f} s, browser CPU {browser_cpu:.2f} s each; "
                        f"load {load_average()}"
                    )
                for failure in failed:
                    print(f"round {number}: a browser failed: {failure}")


if __name__ == "__main__":
    main()
