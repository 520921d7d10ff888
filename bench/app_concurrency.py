"""Ten visitors at once, each on their own machine: one real browser among N-1 replayed sessions.

    PYTHONPATH=src .venv/bin/python bench/app_concurrency.py [--visitors 10] [--rounds 2]

``bench/app_load.py`` starts N Chromium processes on this two-core machine: with ten of them the
browsers alone need about 27 CPU-seconds, more than two cores give in 5 s, so it measures this
machine's browsers more than the server. Ten analysts opening the dashboard at once each run
their browser on their own computer; what they share is the server. This bench measures that:

1. **record** - a real Chromium (Debian, through Playwright) opens the page once on a throwaway
   server and everything it asks the server for is recorded: every HTTP request (page, scripts,
   fonts, the map component's frame and scripts) and every websocket frame it sends
   (Streamlit's ``BackMsg``), until the whole page is there (a new visitor's Map page asks
   for a second script run once its map is drawn: ``hotspots.dashboard.first_paint``);
2. **replay** - on a fresh ``streamlit run serve.py`` (as ``make app``, default view on disk),
   N-1 replay clients and one real Chromium start at the same moment (a barrier). Each replay
   client makes the same requests as the recorded browser, with the browser's headers (gzip
   included, so the server compresses as it would), six at a time as a browser does, opens the
   websocket, sends the recorded frames, after each request for a script run reading every
   message until that run has finished (fetching any message Streamlit sends by
   reference), then the map component's files. The real browser is timed from navigation
   to hot spot cells drawn and to the whole page, as in ``bench/app_speed.py``.

Reported per round: the real browser's time (what one of N visitors arriving together sees,
their browser's own work included, the server shared with N-1 others), the replay clients'
times to everything received (min / median / max), the server's CPU seconds and the load.
Round 1 is the first visits after the server started (cold); later rounds warm. Nothing asserts.
The replay clients run in this process (threads) on the same two cores as the server: they
take some CPU from it, so the figures are, if anything, pessimistic.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_speed import (
    _server,
    app_env,
    cpu_seconds,
    fill_default_view,
    launch,
    load_average,
    new_page,
    page_complete,
    visit_seconds,
)

TARGET_S = 5.0
#: Requests a browser makes to one host at a time (HTTP/1.1).
PARALLEL_REQUESTS = 6
#: Request headers a replay client copies from the recorded browser.
COPIED_HEADERS = ("accept", "accept-encoding", "accept-language", "user-agent")


@dataclass(frozen=True)
class Visit:
    """What a browser asked the server for on one page load, in order."""

    before_socket: tuple[str, ...]  # paths requested before the websocket opened
    after_socket: tuple[str, ...]  # paths requested after (the map component's files, ...)
    frames: tuple[bytes, ...]  # websocket frames the browser sent
    headers: dict[str, str]


def record(browser: Any, url: str) -> Visit:
    """Open the page once in a new browser context and record what it asked for."""
    page = new_page(browser)
    before: list[str] = []
    after: list[str] = []
    frames: list[bytes] = []
    headers: dict[str, str] = {}
    socket_open = threading.Event()

    def on_request(request: Any) -> None:
        if not request.url.startswith(url) or request.resource_type == "websocket":
            return
        path = request.url[len(url) :] or "/"
        if not headers:
            headers.update(
                {k: v for k, v in request.headers.items() if k.lower() in COPIED_HEADERS}
            )
        (after if socket_open.is_set() else before).append(path)

    def on_socket(socket: Any) -> None:
        socket_open.set()
        socket.on("framesent", lambda payload: frames.append(_as_bytes(payload)))

    page.on("request", on_request)
    page.on("websocket", on_socket)
    visit_seconds(page, url)  # what it asks for is recorded; its time is not the point
    page_complete(page)
    page.context.close()
    headers.setdefault("accept-encoding", "gzip, deflate")
    return Visit(tuple(before), tuple(after), tuple(frames), headers)


def _as_bytes(payload: str | bytes) -> bytes:
    return payload if isinstance(payload, bytes) else payload.encode()


def _get(url: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=120) as response:
        return len(response.read())


def replay(url: str, visit: Visit, barrier: threading.Barrier) -> float:
    """One replayed visit; seconds from the barrier to everything received."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect
    from websockets.typing import Origin, Subprotocol

    with ThreadPoolExecutor(PARALLEL_REQUESTS) as pool:
        barrier.wait(timeout=300)
        start = time.perf_counter()
        _get(url + visit.before_socket[0], visit.headers)  # the page itself, then its files
        list(pool.map(lambda path: _get(url + path, visit.headers), visit.before_socket[1:]))
        socket_url = url.replace("http", "ws", 1) + "/_stcore/stream"
        with connect(
            socket_url, subprotocols=[Subprotocol("streamlit")], origin=Origin(url),
            max_size=None, open_timeout=120,
        ) as socket:  # fmt: skip
            for frame in visit.frames:
                socket.send(frame)
                request = BackMsg()
                request.ParseFromString(frame)
                if request.WhichOneof("type") != "rerun_script":
                    continue
                while True:  # the run it asked for
                    message = ForwardMsg()
                    message.ParseFromString(_as_bytes(socket.recv(timeout=300)))
                    kind = message.WhichOneof("type")
                    if kind == "ref_hash":
                        _get(f"{url}/_stcore/message?hash={message.ref_hash}", visit.headers)
                    if kind == "script_finished":
                        break
        list(pool.map(lambda path: _get(url + path, visit.headers), visit.after_socket))
        return time.perf_counter() - start


def _browser_visit(browser: Any, url: str, barrier: threading.Barrier) -> tuple[float, float]:
    """Seconds to the map drawn and to the whole page, from the barrier."""
    page = new_page(browser)
    barrier.wait(timeout=300)
    start = time.perf_counter()
    seconds = visit_seconds(page, url, timeout_s=300, poll_s=0.05)
    page_complete(page, timeout_s=300)
    whole = time.perf_counter() - start
    page.context.close()
    return seconds, whole


def _round(
    browser: Any, url: str, visit: Visit, visitors: int
) -> tuple[tuple[float, float], list[float]]:
    barrier = threading.Barrier(visitors)
    replayed: list[float] = []
    errors: list[BaseException] = []

    def client() -> None:
        try:
            replayed.append(replay(url, visit, barrier))
        except BaseException as error:  # reported below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=client) for _ in range(visitors - 1)]
    for thread in threads:
        thread.start()
    seconds = _browser_visit(browser, url, barrier)
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"a replayed visit failed: {errors[0]!r}")
    return seconds, replayed


def main() -> None:
    """Record one visit, then time N visitors arriving together (one real browser)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, nargs="+", default=[10])
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    env = app_env()
    fill_default_view(env)
    with sync_playwright() as pw:
        browser = launch(pw)
        with _server(env) as (url, _, _):
            visit = record(browser, url)
        print(
            f"recorded visit: {len(visit.before_socket)} requests before the websocket, "
            f"{len(visit.frames)} frame(s) sent, {len(visit.after_socket)} requests after"
        )
        for visitors in options.visitors:
            with _server(env) as (url, health_s, pid):
                print(f"server healthy after {health_s:.2f} s; {visitors} visitors per round")
                for number in range(1, options.rounds + 1):
                    before = cpu_seconds(pid)
                    (seconds, whole), replayed = _round(browser, url, visit, visitors)
                    server_cpu = cpu_seconds(pid) - before
                    label = "cold (first visits after start)" if number == 1 else "warm"
                    spread = (
                        f"replayed {len(replayed)}: min {min(replayed):.2f} s, median "
                        f"{statistics.median(replayed):.2f} s, max {max(replayed):.2f} s; "
                        if replayed
                        else ""
                    )
                    print(
                        f"round {number}, {label}: real browser {seconds:.2f} s to the map drawn "
                        f"(target <= {TARGET_S:g} s), {whole:.2f} s to the whole page; "
                        f"{spread}server CPU {server_cpu:.2f} s; "
                        f"load {load_average()}"
                    )
        browser.close()


if __name__ == "__main__":
    main()
