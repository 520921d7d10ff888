"""Where a new browser's page load goes: the dashboard against less of itself, in one run.

    PYTHONPATH=src .venv/bin/python bench/app_floors.py [--rounds 6]

Three servers, each set up as ``make app`` serves the dashboard (``st.App`` with
:func:`hotspots.dashboard.serving.options`: the default view computed before the server
answers, except for the blank app, which has none), all started before the first visit:

* **blank**: a Streamlit app with one ``st.write`` (``app_speed.blank_app``): Streamlit itself;
* **map only**: the Map page's map of the default view — same base map, layers, drawing
  tools and ``st_folium`` call (:func:`hotspots.dashboard.page_map.show_map`) — and nothing else:
  no sidebar, navigation, title, metrics or panels;
* **dashboard**: ``serve.py`` itself.

Then, round after round and alternating the order, one page load of each in a new browser
context (no cache: a new visitor), timed from navigation to the text (blank) or to hot
spot cells drawn on the map, with Chrome's main-thread task seconds for the load
(``Performance.getMetrics``). Prints the medians and what each step adds: the differences say
what the map costs on top of Streamlit, and what the rest of the page costs on top of the map.

Nothing here asserts; the machine is shared, so read the load average printed with it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_side_by_side import Figures, _browser_work
from app_speed import (
    _server,
    app_env,
    blank_app,
    fill_default_view,
    launch,
    load_average,
    served_entry,
)

#: The Map page's map of the default view, alone (written next to ``blank_app``'s files).
MAP_ONLY = """
import streamlit as st

from hotspots.dashboard import cached, map_builder
from hotspots.dashboard.drawing import sync_group
from hotspots.dashboard.page_map import show_map
from hotspots.dashboard.selection import Selection
from hotspots.dashboard.startup import default_key

st.set_page_config(layout="wide")
dataset, _ = cached.default_view()
key = default_key(dataset)
units = cached.unit_layer(dataset, key, "cell", "gi")
points = cached.point_layer(dataset, key)
selection = Selection(dataset_key=dataset.key, filters=key.filters)
map_col, _ = st.columns([7, 3], gap="medium")  # the Map page's proportions
with map_col:
    show_map(
        selection,
        dataset,
        key="hotspot_map",
        layers=map_builder.data_layers(units, points=points) + [sync_group(dataset.key)],
        returned_objects=["last_active_drawing", "all_drawings"],
        drawing=True,
        view_in_url=True,
    )
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    env = app_env()
    fill_default_view(env)
    with tempfile.TemporaryDirectory(prefix="hotspots-floors-") as tmp, sync_playwright() as pw:
        folder = Path(tmp)
        (folder / "map_only.py").write_text(MAP_ONLY)
        variants = {  # name: (entry, text to wait for instead of the map)
            "blank": (blank_app(folder), "blank app"),
            "map only": (served_entry(folder / "map_serve.py", folder / "map_only.py"), None),
            "dashboard": ("serve.py", None),
        }
        browser = launch(pw)
        seconds: dict[str, list[float]] = {name: [] for name in variants}
        work = {name: Figures() for name in variants}  # Chrome's main-thread seconds
        with (
            _server(env, variants["blank"][0]) as (blank_url, _, _),
            _server(env, variants["map only"][0]) as (map_url, _, _),
            _server(env, variants["dashboard"][0]) as (app_url, _, _),
        ):
            urls = {"blank": blank_url, "map only": map_url, "dashboard": app_url}
            for name, url in urls.items():
                _browser_work(browser, url, Figures(), text=variants[name][1])  # not timed
            print(f"load average at the start: {load_average()}")
            for number in range(options.rounds):
                order = list(urls) if number % 2 == 0 else list(urls)[::-1]
                for name in order:
                    seconds[name].append(
                        _browser_work(browser, urls[name], work[name], text=variants[name][1])
                    )
            print(f"load average at the end: {load_average()}")
        browser.close()
    print(f"new browser, navigation -> text or map drawn (median of {options.rounds}):")
    before = None
    for name, runs in seconds.items():
        median = statistics.median(runs)
        step = "" if before is None else f"  (+{median - before:.2f} s)"
        print(
            f"  {name:10s} {median:.2f} s{step}; browser main thread "
            f"{statistics.median(work[name].browser_task):.2f} s; "
            f"all: {', '.join(f'{s:.2f}' for s in runs)}"
        )
        before = median


if __name__ == "__main__":
    main()
