"""Speed of the dashboard in a real browser, on the full bundled Toronto data (241,000 incidents).

    PYTHONPATH=src .venv/bin/python bench/app_speed.py [--cold 3]

Fills the default view's cache first (``python -m hotspots.dashboard.startup``, as ``make
app`` does), starts ``streamlit run serve.py`` (as ``make app``) on 127.0.0.1 (no basemap,
no telemetry),
drives Debian's Chromium through Playwright and prints the figures of issues 3 and 15, each
against its target, with the server's CPU seconds (user + system) per page load and the
machine's load average (``uptime``: the machine is shared, wall times move with it):

1. page load -> map visible (hot spot cells drawn; issue 15: cold <= 3 s, warm <= 1.5 s),
   and to the whole page (a new visitor's Map page draws the sidebar's widgets, the panel
   beside the map and what is below it once the map is drawn: ``hotspots.dashboard.first_paint``):

   - **cold**: a fresh ``streamlit run`` process, the browser navigating as soon as the
     server answers its health check — the first visit after a server start; median of
     ``--cold`` starts. ``serve.py`` imports the modules, reads the saved default view and
     draws its layers before it answers; plain ``streamlit run app.py`` does that work
     during the first visit (measured too, with a bytecode cache as after an install, and
     without one when this environment runs with ``PYTHONDONTWRITEBYTECODE``);
   - **warm, new browser**: later first visits (new browser context each time: no browser
     cache, so Streamlit's own 2 MB of scripts are fetched and compiled every time) to a
     server that has already done that work;
   - **warm, reload**: the same browser loading the page again (its cache holds
     Streamlit's scripts, as for an analyst coming back).

2. a filter change -> the updated map drawn (issue 15: <= 0.7 s), median of several changes
   to offense combinations never analyzed before ("new": the analysis runs) and the same
   combinations again in a new session ("seen": cached);
3. the map's payload at the default view: what the app sends for the map (base map,
   data layers, layer control, inlined Leaflet assets) as computed from the map, and the
   websocket bytes received on a page load (target <= 3 MB).

Nothing here asserts a time: it measures. The machine is shared, so figures move by a few
tenths of a second between runs (more under load: read the load average printed with them).
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IFRAME = "iframe[title='streamlit_folium.st_folium']"
#: Incidents on the map's units and hot spot units drawn. Both ways the map has drawn its
#: units: one canvas layer listed by ``hsUnitLayers`` (now), one Leaflet polygon per unit
#: (before; ``bench/app_side_by_side.py`` runs earlier revisions).
STATE_JS = """
() => { const map = window.hotspotsMap; if (!map) { return null; }
  let total = 0, hot = 0;
  if (window.hsUnitLayers) {
    hsUnitLayers(map).forEach((l) => l.hsEach((p, visible) => {
      if (p.c !== undefined) { total += p.c; if (p.b > 0 && visible) { hot += 1; } } }));
    return {total, hot};
  }
  map.eachLayer((l) => { const p = l.feature && l.feature.properties;
    if (p && p.c !== undefined) { total += p.c; if (p.b > 0 && l._parts && l._parts.length) { hot += 1; } } });
  return {total, hot}; }
"""
#: Offenses added one by one to the filter: each step is an offense combination.
OFFENSES = ("Robbery", "Auto Theft", "Theft Over", "Break and Enter")
TARGET_COLD_S = 3.0
TARGET_WARM_S = 1.5
TARGET_CHANGE_S = 0.7
TARGET_PAYLOAD_MB = 3.0
#: The browser window of every measured visit.
VIEWPORT = {"width": 1500, "height": 1000}


@dataclass(frozen=True)
class Start:
    """One fresh server: seconds to healthy, the first page load, later page loads (new
    browser contexts, then reloads in one context), the server's CPU seconds of each, and
    the seconds to the whole page of the first and later loads (see :class:`Visit`)."""

    health_s: float
    cold_s: float
    warm_s: tuple[float, ...]
    reload_s: tuple[float, ...] = ()
    cold_cpu_s: float = 0.0
    warm_cpu_s: tuple[float, ...] = ()
    cold_complete_s: float = 0.0
    warm_complete_s: tuple[float, ...] = ()


def app_env(**extra: str) -> dict[str, str]:
    """This environment for a benchmarked server: no telemetry, no basemap, plus ``extra``."""
    return {
        **os.environ,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "HOTSPOTS_TILES_URL": "none",
        **extra,
    }


def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless, through Playwright (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def load_average() -> str:
    """The 1-minute load average, as ``uptime`` prints it."""
    return f"{os.getloadavg()[0]:.1f}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def served_entry(entry: Path, script: Path, *, warm_up: bool = True, before: str = "") -> str:
    """Write ``entry``, a file for ``streamlit run`` that serves ``script`` as ``serve.py``
    serves the dashboard (``st.App`` with :func:`hotspots.dashboard.serving.options`);
    ``before`` is code run first. Returns the entry's path as text."""
    entry.write_text(
        "from pathlib import Path\n\nimport streamlit as st\n\n"
        f"from hotspots.dashboard import serving\n\n{before}\n"
        f"app = st.App(Path({str(script)!r}), **serving.options(warm_up={warm_up}))\n"
    )
    return str(entry)


def blank_app(folder: Path) -> str:
    """Write a blank Streamlit app (one ``st.write("blank app")``) into ``folder``, served as
    ``serve.py`` serves the dashboard (without the warm-up); the entry to ``streamlit run``:
    the floor of a page load here."""
    (folder / "blank.py").write_text('import streamlit as st\nst.write("blank app")\n')
    return served_entry(folder / "blank_serve.py", folder / "blank.py", warm_up=False)


def fill_default_view(env: Mapping[str, str], root: Path = ROOT) -> None:
    """Save the default view to disk, as ``make app`` does before ``streamlit run``."""
    subprocess.run(
        [sys.executable, "-m", "hotspots.dashboard.startup"],
        cwd=root, env=dict(env), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def export_revision(revision: str, folder: Path, paths: tuple[str, ...] = ()) -> Path:
    """The files of ``revision`` (only ``paths`` when given) in ``folder``, to run an earlier
    tree side by side with this one (the shared venv runs it with PYTHONPATH)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, *paths],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(
    env: Mapping[str, str], entry: str = "serve.py", root: Path = ROOT
) -> Iterator[tuple[str, float, int]]:
    """``streamlit run ENTRY`` on a free port (``serve.py``, as ``make app``, or ``app.py``);
    yields its URL, the seconds to healthy and the server's process id."""
    port = _free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(root / entry), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=root, env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.perf_counter() - started > 60:
                    raise SystemExit("streamlit did not start") from None
                time.sleep(0.05)
        yield url, time.perf_counter() - started, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_map(
    page: Any,
    check: Callable[[dict[str, Any]], bool],
    timeout_s: float = 120.0,
    poll_s: float = 0.02,
) -> dict[str, Any]:
    """Poll the map's iframe every ``poll_s`` until its state passes ``check`` (each poll
    costs the browser and its driver some CPU: the load test polls less often)."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        handle = page.query_selector(IFRAME)
        frame = handle.content_frame() if handle else None
        if frame is not None:
            try:
                state = frame.evaluate(STATE_JS)
            except Error:
                state = None
            if state and check(state):
                return dict(state)
        time.sleep(poll_s)
    raise SystemExit("the map did not appear")


def new_page(browser: Any, *, init_script: str | None = None) -> Any:
    """A page in a new browser context (no cache, no cookies: a new visitor) of
    :data:`VIEWPORT`; ``init_script`` runs in each of its frames before the frame's own
    scripts. Close it with ``page.context.close()``."""
    context = browser.new_context(viewport=VIEWPORT)
    if init_script is not None:
        context.add_init_script(init_script)
    return context.new_page()


def visit_seconds(
    page: Any,
    url: str,
    *,
    until: Callable[[Any], object] | None = None,
    timeout_s: float = 120.0,
    poll_s: float = 0.02,
) -> float:
    """Seconds from navigating ``page`` to ``url`` (as soon as the server answers) to hot
    spot cells drawn on the map (:func:`_wait_map` with ``timeout_s`` and ``poll_s``), or
    to ``until(page)`` returning (a page without a map)."""
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    if until is None:
        _wait_map(page, lambda s: s["hot"] > 0, timeout_s, poll_s)
    else:
        until(page)
    return time.perf_counter() - start


@dataclass(frozen=True)
class Visit:
    """One page load in a new browser context: seconds from navigation to hot spot cells
    drawn and to the whole page (sidebar widgets, panels and downloads: a new visitor's Map
    page draws them once the map is drawn, ``hotspots.dashboard.first_paint``), websocket
    bytes received, and the map seconds of later loads in that context (cached)."""

    map_s: float
    complete_s: float
    ws_bytes: int
    reloads_s: tuple[float, ...] = ()


def _load(browser: Any, url: str, *, reloads: int = 0, whole: bool = True) -> Visit:
    """A :class:`Visit` of ``url`` in a new browser context, then ``reloads`` more loads;
    ``whole=False``: no wait for the whole page (``complete_s`` is then the map's time:
    earlier revisions, whose pages differ)."""
    page = new_page(browser)
    received = [0]

    def on_ws(ws: Any) -> None:
        ws.on("framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload)))

    page.on("websocket", on_ws)
    start = time.perf_counter()
    seconds = visit_seconds(page, url)
    if whole:
        page_complete(page)
    complete = time.perf_counter() - start if whole else seconds
    again = []
    for _ in range(reloads):
        page.goto("about:blank")
        again.append(visit_seconds(page, url))
    page.context.close()
    return Visit(seconds, complete, received[0], tuple(again))


def page_complete(page: Any, timeout_s: float = 120.0) -> None:
    """Wait for the Map page's last parts: the sidebar's filters and the download buttons."""
    page.get_by_role("button", name="Reset filters").wait_for(timeout=timeout_s * 1000)
    page.get_by_text("Download what you see").wait_for(timeout=timeout_s * 1000)


def _filter_changes(browser: Any, url: str) -> list[float]:
    """Seconds from adding an offense to the filter to the updated map, for each of OFFENSES."""
    page = new_page(browser)
    page.goto(url)
    _wait_map(page, lambda s: s["hot"] > 0)
    times = []
    box = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first
    for offense in OFFENSES:
        before = _wait_map(page, lambda s: True)["total"]
        box.click()
        page.keyboard.type(offense)
        start = time.perf_counter()
        page.keyboard.press("Enter")
        _wait_map(page, lambda s: bool(s["total"] != before))  # noqa: B023  (waited for here)
        times.append(time.perf_counter() - start)
        page.keyboard.press("Escape")
        time.sleep(0.5)
    page.context.close()
    return times


def _starts(
    browser: Any, env: Mapping[str, str], count: int, *, warm: int, entry: str = "serve.py"
) -> list[Start]:
    """``count`` fresh servers: the first page load of each, then ``warm`` more in new
    browser contexts and ``warm`` reloads in one more context."""
    out = []
    for _ in range(count):
        with _server(env, entry) as (url, health_s, pid):
            before = cpu_seconds(pid)
            cold = _load(browser, url)
            cold_cpu = cpu_seconds(pid) - before
            visits, warm_cpu = [], []
            for _ in range(warm):
                before = cpu_seconds(pid)
                visits.append(_load(browser, url))
                warm_cpu.append(cpu_seconds(pid) - before)
            reload_s = _load(browser, url, reloads=warm).reloads_s if warm else ()
        out.append(
            Start(
                health_s,
                cold.map_s,
                tuple(v.map_s for v in visits),
                reload_s,
                cold_cpu,
                tuple(warm_cpu),
                cold.complete_s,
                tuple(v.complete_s for v in visits),
            )
        )
    return out


def _payload_mb() -> tuple[float, int, int]:
    """Megabytes the app sends for the map at the default view, the cells analyzed and drawn."""
    sys.path.insert(0, str(ROOT / "src"))
    from hotspots.dashboard import map_builder, map_layers
    from hotspots.dashboard.settings import TileSettings
    from hotspots.dashboard.startup import default_view

    dataset, result = default_view()
    base = map_builder.build_base_map(
        tiles=TileSettings(url="none"), bounds=dataset.bounds, outlines=dataset.outlines
    )
    units = map_layers.unit_layer(result, kind="cell", measure="gi")
    groups = map_builder.data_layers(units, points=map_layers.point_layer(result))
    payload = map_builder.payload_bytes(base, groups=groups, control=map_builder.layer_control())
    return payload / 1e6, int(result.params["cells"]), units.features


def _vs(seconds: float, target: float) -> str:
    return f"{seconds:.2f} s ({seconds / target:.0%} of the {target:g} s target)"


def _median(values: Any) -> float:
    return float(statistics.median(values))


def main() -> None:
    """Measure and print the figures (each with the load average when it was taken)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=3, help="fresh server starts per variant")
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    base_env = app_env()
    as_is = "no bytecode cache" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "as installed"
    fill_default_view(base_env)
    payload_mb, cells, drawn = _payload_mb()
    print(
        f"data: bundled Toronto incidents (241k), {cells:,} cells at the default view, {drawn:,} drawn"
    )
    print(f"load average at the start: {load_average()}")
    with (
        tempfile.TemporaryDirectory(prefix="hotspots-pycache-") as pycache,
        sync_playwright() as pw,
    ):
        bytecode_env = {**base_env, "PYTHONPYCACHEPREFIX": pycache}
        bytecode_env.pop("PYTHONDONTWRITEBYTECODE", None)
        browser = launch(pw)
        print("page load -> map visible:")
        _starts(browser, bytecode_env, 1, warm=0)  # fills the bytecode cache, not measured
        plain = _starts(browser, bytecode_env, options.cold, warm=3)
        variants = [
            ("`streamlit run serve.py` (make app: ready before it answers)", plain),
            ("`streamlit run app.py`", _starts(browser, bytecode_env, options.cold, warm=0, entry="app.py")),
        ]  # fmt: skip
        if as_is == "no bytecode cache":
            variants.append(
                ("`streamlit run app.py`, no bytecode cache", _starts(browser, base_env, options.cold, warm=0, entry="app.py"))
            )  # fmt: skip
        for label, starts in variants:
            cold = _median(s.cold_s for s in starts)
            boot = _median(s.health_s + s.cold_s for s in starts)
            cpu = _median(s.cold_cpu_s for s in starts)
            whole = _median(s.cold_complete_s for s in starts)
            print(
                f"  cold, {label}: {_vs(cold, TARGET_COLD_S)}; whole page {whole:.2f} s; "
                f"{boot:.2f} s from the command; server CPU {cpu:.2f} s (median of "
                f"{len(starts)} starts; load {load_average()})"
            )
        warm = [t for start in plain for t in start.warm_s]
        warm_cpu = [t for start in plain for t in start.warm_cpu_s]
        reload = [t for start in plain for t in start.reload_s]
        whole = _median(t for start in plain for t in start.warm_complete_s)
        print(
            f"  warm, new browser: {_vs(_median(warm), TARGET_WARM_S)}; whole page {whole:.2f} s; "
            f"server CPU {_median(warm_cpu):.2f} s (median of {len(warm)}; load {load_average()})"
        )
        print(
            f"  warm, reload in the same browser: {_vs(_median(reload), TARGET_WARM_S)} "
            f"(median of {len(reload)}; load {load_average()})"
        )
        with _server(base_env) as (url, _, pid):
            ws_bytes = _load(browser, url).ws_bytes
            before = cpu_seconds(pid)
            new = _filter_changes(browser, url)  # combinations never analyzed on this server
            new_cpu = (cpu_seconds(pid) - before) / len(new)
            before = cpu_seconds(pid)
            seen = _filter_changes(browser, url)  # the same again, from a new session
            seen_cpu = (cpu_seconds(pid) - before) / len(seen)
        browser.close()
    print("filter change -> map updated:")
    print(
        f"  new combination: {_vs(_median(new), TARGET_CHANGE_S)} (median of {len(new)}; "
        f"server CPU {new_cpu:.2f} s per change, page load included; load {load_average()})"
    )
    print(
        f"  seen combination: {_vs(_median(seen), TARGET_CHANGE_S)} (median of {len(seen)}; "
        f"server CPU {seen_cpu:.2f} s per change, page load included)"
    )
    print(
        f"map payload at the default view: {payload_mb:.2f} MB ({payload_mb / TARGET_PAYLOAD_MB:.0%} "
        f"of the {TARGET_PAYLOAD_MB:g} MB target); websocket received on a page load: {ws_bytes / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main()
