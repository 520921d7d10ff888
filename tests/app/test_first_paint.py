"""A new visitor's Map page draws the map first, the rest once the map is drawn (first_paint).

In process (AppTest): the first run of a session on the Map page draws what is above the
map and the map, with the selection the widgets give, and no sidebar widgets; the next run
(the one the drawn map asks for) draws the whole page without changing what is above the
map. The real-browser side (the map's report, the fallback) is in ``test_browser.py``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from hotspots.dashboard import first_paint
from hotspots.dashboard.selection import SELECTION_KEY

from .conftest import APP, RUN_TIMEOUT_S

#: Links (query strings) a new visitor may open, as url_state writes them.
LINKS: list[dict[str, str]] = [
    {},
    {"offenses": "Robbery,Auto Theft", "from": "2019-03-01", "to": "2020-02-29"},
    {"units": "hex", "cell": "300", "fdr": "0.01", "days": "5,6"},
    {"units": "areas", "hours": "22-4"},
    {"hours": "6-21", "overnight": "1", "show": "count"},
    {"cell": "7", "fdr": "0.5", "units": "cubes", "from": "x"},  # a stale link: defaults
]


@pytest.fixture(autouse=True)
def _no_basemap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTSPOTS_TILES_URL", "none")


def _new_visitor(link: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_S)
    for name, value in link.items():
        at.query_params[name] = value
    return at


def _opening_on(page: str) -> AppTest:
    """A new session whose first run is ``page`` (not the Map page)."""
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_S)
    at.switch_page(page).run()
    assert not at.exception
    return at


def _above_the_map(at: AppTest) -> list[tuple[str, str]]:
    """Type and text of every element before the map's columns, and the map's own place."""
    out: list[tuple[str, str]] = []
    for node in at.main.children.values():
        if node.type == "flex_container" and any(
            getattr(child, "type", "") == "column" and child.weight == 0.7
            for child in node.children.values()
        ):
            map_column = next(iter(node.children.values()))
            first = next(iter(map_column.children.values()))
            out.append((first.type, "the map"))
            return out
        out.append((node.type, str(getattr(node, "value", ""))))
    pytest.fail("no map column on the page")


def _map_arguments(at: AppTest) -> dict[str, Any]:
    return dict(json.loads(at.get("component_instance")[0].proto.json_args))


def _map_reports(at: AppTest) -> bool:
    """Whether the page's map reports once drawn (the mark among its returned objects)."""
    return first_paint.MARK in _map_arguments(at)["returned_objects"]


@pytest.mark.parametrize("link", LINKS, ids=lambda link: ",".join(link) or "no link")
def test_the_first_paint_shows_the_selection_the_widgets_give(
    link: dict[str, str],
) -> None:
    at = _new_visitor(link)
    at.run()
    assert not at.exception
    first = at.session_state[SELECTION_KEY]
    above = _above_the_map(at)
    assert not at.sidebar.selectbox and not at.sidebar.multiselect and not at.sidebar.radio
    assert not at.get("download_button")
    assert _map_reports(at)
    map_arguments = _map_arguments(at)

    at.run()  # the run the drawn map asks for
    assert not at.exception
    assert at.session_state[SELECTION_KEY] == first
    assert _above_the_map(at) == above
    # The same map message: the browser gets a reference to it, not 1.4 MB again.
    assert _map_arguments(at) == map_arguments
    assert at.sidebar.selectbox(key="sb_dataset").value == first.dataset_key
    assert at.sidebar.radio(key="sb_unit").value == first.unit
    assert at.get("download_button")
    # What the widgets say is what the first paint used: one more run changes nothing.
    at.run()
    assert at.session_state[SELECTION_KEY] == first


def test_a_filter_change_after_the_first_paint_is_drawn_whole(app: AppTest) -> None:
    app.sidebar.multiselect(key="sb_offenses_toronto").set_value(["Robbery"]).run()
    assert not app.exception
    assert app.sidebar.multiselect(key="sb_offenses_toronto").value == ["Robbery"]
    assert app.get("download_button")


def test_other_pages_are_drawn_whole_at_once() -> None:
    at = _opening_on("views/trends.py")
    assert at.sidebar.multiselect(key="sb_offenses_toronto").value == []
    # ... and a later visit to the Map page in the same session too.
    at.switch_page("views/map.py").run()
    assert at.sidebar.multiselect(key="sb_offenses_toronto").value == []
    assert at.get("download_button")


def test_only_the_map_page_s_map_reports() -> None:
    assert not _map_reports(_opening_on("views/over_time.py"))


def test_a_first_paint_without_a_map_completes_at_once() -> None:
    """No incident matches the link's filters: no map will report, so the whole page (with
    the sidebar's Reset filters the message points to) comes in the same visit."""
    link = {"offenses": "Theft Over", "from": "2014-01-01", "to": "2014-01-01", "hours": "4-4"}
    at = _new_visitor(link)
    at.run()
    assert not at.exception
    assert any("No incident matches" in info.value for info in at.info)
    assert [b.label for b in at.sidebar.button] == ["Reset filters"]
