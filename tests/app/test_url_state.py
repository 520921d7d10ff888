"""Issue 14: the view in the URL — a link reproduces filters, units, cell size, FDR, measure."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from .conftest import APP, RUN_TIMEOUT_S, first_visit


def test_choices_are_written_to_the_url(app: AppTest) -> None:
    assert dict(app.query_params) == {}  # defaults: a plain URL
    app.sidebar.multiselect(key="sb_offenses_toronto").select("Robbery").select("Assault").run()
    app.sidebar.radio(key="sb_unit").set_value("hex").run()
    app.sidebar.selectbox(key="sb_cell_size").set_value(400).run()
    app.sidebar.button_group(key="sb_weekdays_toronto").set_value([5, 6]).run()
    app.segmented_control(key="map_measure").set_value("lisa").run()
    params = {k: list(v) if isinstance(v, list) else v for k, v in app.query_params.items()}
    flat = {k: (v[0] if isinstance(v, list) else v) for k, v in params.items()}
    assert flat["units"] == "hex" and flat["cell"] == "400" and flat["days"] == "5,6"
    assert set(flat["offenses"].split("|")) == {"Robbery", "Assault"}
    assert flat["show"] == "lisa"


def test_a_link_reproduces_the_view(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTSPOTS_TILES_URL", "none")
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_S)
    link = {
        "offenses": "Robbery",
        "from": "2020-01-01",
        "to": "2020-12-31",
        "hours": "18-23",
        "units": "hex",
        "cell": "400",
        "fdr": "0.01",
        "show": "count",
        "days": "5,6",
    }
    for name, value in link.items():
        at.query_params[name] = value
    at.run()  # the first paint: the map of the link's view, no sidebar widgets yet
    assert not at.exception
    first_caption = at.caption[0].value
    assert "Robbery" in first_caption and "Hexagons" in first_caption
    assert not at.sidebar.multiselect
    at.run()  # the run the drawn map asks for: the whole page
    assert not at.exception
    assert at.caption[0].value == first_caption
    assert at.sidebar.multiselect(key="sb_offenses_toronto").value == ["Robbery"]
    assert at.sidebar.date_input(key="sb_dates_toronto").value == (
        dt.date(2020, 1, 1),
        dt.date(2020, 12, 31),
    )
    assert tuple(at.sidebar.slider(key="sb_hours_toronto").value) == (18, 23)
    assert at.sidebar.radio(key="sb_unit").value == "hex"
    assert at.sidebar.selectbox(key="sb_cell_size").value == 400
    assert at.sidebar.select_slider(key="sb_alpha").value == 0.01
    assert list(at.sidebar.button_group(key="sb_weekdays_toronto").value) == [5, 6]
    assert at.segmented_control(key="map_measure").value == "count"
    caption = at.caption[0].value
    assert "Robbery" in caption and "Hexagons" in caption and "400 m" in caption
    # Later changes are the user's: the link is read once per session.
    at.sidebar.radio(key="sb_unit").set_value("square").run()
    assert at.sidebar.radio(key="sb_unit").value == "square"


def test_a_stale_link_opens_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTSPOTS_TILES_URL", "none")
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_S)
    for name, value in {
        "offenses": "Jaywalking",
        "from": "1890-01-01",
        "to": "x",
        "cell": "7",
    }.items():
        at.query_params[name] = value
    first_visit(at)
    assert not at.exception and not at.error
    assert at.sidebar.multiselect(key="sb_offenses_toronto").value == []
    assert at.sidebar.selectbox(key="sb_cell_size").value == 0
