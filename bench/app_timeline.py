"""Where a page load of the dashboard goes, in a real browser: a timeline of one warm visit.

    PYTHONPATH=src .venv/bin/python bench/app_timeline.py [--entry serve.py] [--visits 3] [--blank]

Starts the server as ``bench/app_speed.py`` does (default view on disk, ``streamlit run
serve.py``), visits it once to warm it, then opens ``--visits`` new browser contexts (no
cache: what a new visitor's browser does) and prints, for each, milliseconds from
navigation to: the HTML, each of Streamlit's scripts and stylesheets (start–end, bytes on
the wire, whether compressed), the websocket opening, each message from the server (its
size), the map component's iframe element, its HTML and scripts, the map's Leaflet object,
the hot spot cells drawn; then the browser's main-thread totals (Chrome's
``Performance.getMetrics``: script, layout, style, task seconds) and the longest tasks.

``--server-sends`` serves the dashboard through an entry equal to ``serve.py`` plus a
timestamp on each websocket message the server sends (Starlette's ``send_bytes``), and
prints when the large ones and the run's last one left the server, on the same clock: the
gap to when the page's script handled them (the probe's ``ws message`` marks) is time the
browser's main thread was busy, not time the server took.

``--blank`` does the same against a blank Streamlit app (one ``st.write``, served as
``serve.py`` serves the dashboard) in the same run: the floor of Streamlit itself in a new
browser.

It measures; it asserts nothing. The machine is shared: read the load printed with it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_speed import (
    IFRAME,
    ROOT,
    _server,
    _wait_map,
    app_env,
    blank_app,
    fill_default_view,
    launch,
    load_average,
    new_page,
    served_entry,
    visit_seconds,
)

#: Recorded in every frame (main page and the map's iframe) before any of its scripts run.
PROBE_JS = """
(() => {
  const t0 = performance.timeOrigin;
  const marks = [];
  const at = () => t0 + performance.now();
  window.__hsMarks = marks;
  const frame = window === window.top ? "page" : "iframe";
  marks.push([frame + " origin", t0]);
  document.addEventListener("DOMContentLoaded", () => marks.push([frame + " DOMContentLoaded", at()]));
  window.addEventListener("load", () => marks.push([frame + " load", at()]));
  if (frame === "page") {
    const Native = window.WebSocket;
    window.WebSocket = function (...args) {
      const ws = new Native(...args);
      marks.push(["websocket created", at()]);
      ws.addEventListener("open", () => marks.push(["websocket open", at()]));
      let n = 0;
      ws.addEventListener("message", (e) => {
        n += 1;
        const size = e.data && (e.data.byteLength || e.data.size || e.data.length) || 0;
        if (n <= 40 || size > 2000) marks.push([`ws message ${n} (${size} B)`, at()]);
      });
      const send = ws.send.bind(ws);
      ws.send = (data) => { marks.push([`ws send (${data.byteLength || data.size || data.length} B)`, at()]); send(data); };
      return ws;
    };
    window.WebSocket.prototype = Native.prototype;
    Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
    new MutationObserver(() => {
      for (const f of document.querySelectorAll("iframe")) {
        if (!f.__hsSeen) { f.__hsSeen = true; marks.push([`iframe element ${f.title || f.src.slice(0, 60)}`, at()]); }
      }
      if (!window.__hsApp && document.querySelector("[data-testid='stAppViewContainer']")) {
        window.__hsApp = 1; marks.push(["app container in DOM", at()]);
      }
      if (!window.__hsMetric && document.querySelector("[data-testid='stMetric']")) {
        window.__hsMetric = 1; marks.push(["first metric in DOM", at()]);
      }
      if (!window.__hsSide && document.querySelector("[data-testid='stSidebar'] [data-testid='stMultiSelect']")) {
        window.__hsSide = 1; marks.push(["sidebar multiselect in DOM", at()]);
      }
    }).observe(document, {childList: true, subtree: true});
  } else {
    let map;
    Object.defineProperty(window, "hotspotsMap", {configurable: true,
      get() { return map; }, set(v) { map = v; marks.push(["iframe: hotspotsMap set", at()]); }});
    let lm;
    Object.defineProperty(window, "map", {configurable: true,
      get() { return lm; }, set(v) { lm = v; marks.push(["iframe: window.map set (render)", at()]); }});
    const poll = () => {
      if (window.L && !window.__hsL) { window.__hsL = 1; marks.push(["iframe: Leaflet loaded", at()]); }
      if (window.Streamlit && !window.__hsS) {
        window.__hsS = 1; marks.push(["iframe: Streamlit lib present", at()]);
        window.Streamlit.events.addEventListener(window.Streamlit.RENDER_EVENT, () => marks.push(["iframe: render event", at()]));
      }
      let hot = 0;
      if (map && window.hsUnitLayers) hsUnitLayers(map).forEach((l) => l.hsEach((p, visible) => { if (p.b > 0 && visible) hot += 1; }));
      else if (map) map.eachLayer((l) => { const p = l.feature && l.feature.properties; if (p && p.b > 0 && l._parts && l._parts.length) hot += 1; });
      if (hot > 0 && !window.__hsDrawn) { window.__hsDrawn = 1; marks.push([`iframe: hot cells drawn (${hot})`, at()]); }
      const layer = map && window.hsUnitLayers && hsUnitLayers(map)[0];
      if (layer && window.__hsLayer && layer !== window.__hsLayer) { marks.push(["iframe: new units layer drawn", at()]); }
      if (layer) { window.__hsLayer = layer; }
      setTimeout(poll, 5);
    };
    poll();
  }
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) marks.push([`${frame} long task ${e.duration.toFixed(0)} ms`, t0 + e.startTime]); })
      .observe({type: "longtask", buffered: true});
  } catch (err) {}
})();
"""

#: Run before the served app: writes a timestamp (epoch ms) and the size of every websocket
#: message the server sends to ``$HOTSPOTS_BENCH_SENT``.
SEND_STAMPS = """
import os
import time

import starlette.websockets

_log = open(os.environ["HOTSPOTS_BENCH_SENT"], "a", buffering=1)  # noqa: SIM115
_send = starlette.websockets.WebSocket.send_bytes


async def _timed(self, data):
    await _send(self, data)
    _log.write(f"{time.time() * 1000:.1f} {len(data)}\\n")


starlette.websockets.WebSocket.send_bytes = _timed
"""

RESOURCES_JS = """
() => performance.getEntriesByType("resource").concat(performance.getEntriesByType("navigation")).map((e) => [
  e.name.slice(0, 90), performance.timeOrigin + e.startTime, performance.timeOrigin + e.responseEnd,
  e.transferSize, e.encodedBodySize, e.decodedBodySize])
"""


def _visit(
    browser: Any,
    url: str,
    *,
    blank: bool = False,
    profile: bool = False,
    change: str = "",
    sent: Path | None = None,
) -> tuple[float, dict[str, float]]:
    page = new_page(browser, init_script=PROBE_JS)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    if profile:
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        cdp.send("Profiler.start")
    until = (lambda p: p.wait_for_selector("text=blank app", timeout=60_000)) if blank else None
    start_wall = time.time() * 1000
    seconds = visit_seconds(page, url, until=until)
    if change:
        time.sleep(1.0)
        page.evaluate(
            "() => window.__hsMarks.push(['-- filter change: Enter pressed next', performance.timeOrigin + performance.now()])"
        )
        before = _wait_map(page, lambda s: True)["total"]
        box = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first
        box.click()
        page.keyboard.type(change)
        started = time.perf_counter()
        page.keyboard.press("Enter")
        _wait_map(page, lambda s: bool(s["total"] != before))
        print(f"filter change ({change}): {time.perf_counter() - started:.2f} s to the new map")
    time.sleep(0.2)
    if profile:
        _print_profile(cdp.send("Profiler.stop")["profile"])
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    marks: list[tuple[str, float]] = list(page.evaluate("() => window.__hsMarks"))
    res = page.evaluate(RESOURCES_JS)
    handle = page.query_selector(IFRAME)
    frame = handle.content_frame() if handle else None
    if frame is not None:
        marks += frame.evaluate("() => window.__hsMarks || []")
        res += frame.evaluate(RESOURCES_JS)
    origin = next(t for name, t in marks if name == "page origin")
    print(
        f"visit: {seconds:.2f} s navigation -> {'text' if blank else 'hot cells'} (load {load_average()})"
    )
    print(f"  (navigation started {origin - start_wall:+.0f} ms after goto was called)")
    rows = [(t - origin, name) for name, t in marks]
    if sent is not None:
        rows += _sent_rows(sent, origin)
    for name, begin, end, transfer, encoded, decoded in res:
        if "data:" in name[:5]:
            continue
        zipped = "gz/br" if encoded and decoded and encoded < decoded * 0.9 else "plain"
        rows.append(
            (
                begin - origin,
                f"fetch {name} .. {end - origin:.0f} ms, {transfer / 1e3:.0f} kB wire, {decoded / 1e3:.0f} kB, {zipped}",
            )
        )
    for ms, name in sorted(rows):
        print(f"  {ms:7.0f} ms  {name}")
    wanted = (
        "ScriptDuration",
        "TaskDuration",
        "LayoutDuration",
        "RecalcStyleDuration",
        "JSHeapUsedSize",
    )
    print("  main thread: " + ", ".join(f"{k} {metrics[k]:.2f}" for k in wanted if k in metrics))
    page.context.close()
    return seconds, metrics


def _sent_rows(log: Path, origin: float) -> list[tuple[float, str]]:
    """Timeline rows for the messages the server sent since ``origin`` (epoch ms): the large
    ones and the last."""
    sends = [
        (float(at), int(size))
        for at, size in (line.split() for line in log.read_text().splitlines())
        if float(at) >= origin
    ]
    return [
        (at - origin, f"server sent message {n} ({size} B)")
        for n, (at, size) in enumerate(sends, start=1)
        if size > 2000 or n == len(sends)
    ]


def _print_profile(profile: dict[str, Any], top: int = 25) -> None:
    """Self time per script (URL) and the functions with the most self time."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    deltas = profile["timeDeltas"]
    self_ms: dict[int, float] = {}
    for sample, delta in zip(profile["samples"], deltas, strict=True):
        self_ms[sample] = self_ms.get(sample, 0.0) + delta / 1000
    by_url: dict[str, float] = {}
    by_fn: dict[tuple[str, str, int], float] = {}
    for node_id, ms in self_ms.items():
        frame = nodes[node_id]["callFrame"]
        where = frame["url"].split("/")[-1][:40] or "(" + frame["functionName"] + ")"
        if frame["url"].startswith("data:"):
            where = "data: " + frame["url"][5:40]
        by_url[where] = by_url.get(where, 0.0) + ms
        fn = (where, frame["functionName"] or "(anonymous)", frame["lineNumber"])
        by_fn[fn] = by_fn.get(fn, 0.0) + ms
    print("  CPU profile, self ms by script:")
    for where, ms in sorted(by_url.items(), key=lambda kv: -kv[1])[:15]:
        print(f"    {ms:7.0f}  {where}")
    print("  CPU profile, self ms by function:")
    for (script, name, line), ms in sorted(by_fn.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {ms:7.0f}  {name} ({script}:{line})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entry", default="serve.py")
    parser.add_argument("--visits", type=int, default=2)
    parser.add_argument("--blank", action="store_true", help="also time a blank Streamlit app")
    parser.add_argument("--profile", action="store_true", help="print a CPU profile of each visit")
    parser.add_argument(
        "--server-sends",
        action="store_true",
        help="serve.py plus a timestamp on each websocket message the server sends",
    )
    parser.add_argument(
        "--change",
        nargs="*",
        default=[],
        help="offenses to filter on after the load, one per visit",
    )
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    env = app_env()
    fill_default_view(env)
    print(f"load average at the start: {load_average()}")
    with sync_playwright() as pw:
        browser = launch(pw)
        summary: dict[str, list[float]] = {}
        with tempfile.TemporaryDirectory() as traced:
            entry, sent = options.entry, None
            if options.server_sends:
                entry = served_entry(
                    Path(traced) / "traced_serve.py", ROOT / "app.py", before=SEND_STAMPS
                )
                sent = Path(traced) / "sent.log"
                sent.touch()
                env["HOTSPOTS_BENCH_SENT"] = str(sent)
            with _server(env, entry) as (url, _, _):
                _visit(browser, url)  # warms the server
                summary["app"] = [
                    _visit(browser, url, profile=options.profile, change=change, sent=sent)[0]
                    for change in (options.change or [""] * options.visits)
                ]
        if options.blank:
            with (
                tempfile.TemporaryDirectory() as tmp,
                _server(env, blank_app(Path(tmp)), Path(tmp)) as (url, _, _),
            ):
                _visit(browser, url, blank=True)
                summary["blank"] = [
                    _visit(browser, url, blank=True)[0] for _ in range(options.visits)
                ]
        browser.close()
    for name, values in summary.items():
        print(
            f"{name}: median {statistics.median(values):.2f} s of {values} (load {load_average()})"
        )


if __name__ == "__main__":
    main()
