"""A new browser's page load over a slower link than 127.0.0.1: what compression saves.

    PYTHONPATH=src .venv/bin/python bench/app_network.py [--links 0/0 20/20] [--visits 3]
        [--ws-compression off on]

Starts ``streamlit run serve.py`` as ``make app`` does (default view on disk), warms it with
one visit, then for each link (``MBIT/MS``: download and upload megabits per second and
added latency, Chrome's own network emulation through the DevTools protocol; ``0/0`` is
no emulation) times ``--visits`` new browsers from navigation to hot spot cells drawn and
counts the HTTP bytes they received (the websocket's are not counted). With
``--ws-compression on`` the server runs with Streamlit's ``server.enableWebsocketCompression``
(per-message deflate of the websocket, off by default). Prints medians and the load average;
asserts nothing.

Read the websocket's share with care: Chrome's emulation delivers websocket frames far below
the set rate (at 50 Mbit/s emulated, the map's 1.37 MB message took 1.8 s instead of about
0.2 s, and some visits stalled for 10-35 s), so emulated links overstate what the websocket
costs and what its compression saves. The HTTP part (Streamlit's scripts, the component's
files) is emulated as set.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_speed import (
    _server,
    app_env,
    fill_default_view,
    launch,
    load_average,
    new_page,
    visit_seconds,
)


def _visit(browser: Any, url: str, mbit: float, latency_ms: float) -> tuple[float, int]:
    page = new_page(browser)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    if mbit > 0:
        rate = mbit * 1e6 / 8  # bytes per second
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": latency_ms,
                "downloadThroughput": rate,
                "uploadThroughput": rate,
            },
        )
    received = [0]
    cdp.on(
        "Network.dataReceived",
        lambda e: received.__setitem__(0, received[0] + e.get("encodedDataLength", 0)),
    )
    seconds = visit_seconds(page, url)
    page.context.close()
    return seconds, received[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", nargs="+", default=["0/0", "50/10", "20/20"], help="MBIT/MS")
    parser.add_argument("--visits", type=int, default=3)
    parser.add_argument("--ws-compression", nargs="+", default=["off"], choices=["off", "on"])
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    links = [tuple(float(v) for v in link.split("/")) for link in options.links]
    print(f"load average at the start: {load_average()}")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for compression in options.ws_compression:
            env = app_env(
                STREAMLIT_SERVER_ENABLE_WEBSOCKET_COMPRESSION=str(compression == "on").lower()
            )
            fill_default_view(env)
            with _server(env) as (url, _, _):
                _visit(browser, url, 0, 0)  # warms the server
                for mbit, latency in links:
                    runs = [_visit(browser, url, mbit, latency) for _ in range(options.visits)]
                    where = (
                        "127.0.0.1, no emulation"
                        if mbit <= 0
                        else f"{mbit:g} Mbit/s, {latency:g} ms"
                    )
                    print(
                        f"websocket compression {compression}, {where}: "
                        f"{statistics.median(s for s, _ in runs):.2f} s to the map "
                        f"({', '.join(f'{s:.2f}' for s, _ in runs)}); "
                        f"HTTP {statistics.median(b for _, b in runs) / 1e6:.2f} MB (load {load_average()})"
                    )
        browser.close()


if __name__ == "__main__":
    main()
