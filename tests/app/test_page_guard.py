"""Issue 14: no exception reaches a user as a traceback; stale map clicks; Reset filters."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from streamlit.testing.v1 import AppTest

from hotspots.dashboard.selection import CLICKED_KEY, unit_of_click


def _guarded_page() -> None:
    import streamlit as st

    from hotspots.dashboard.ui import page_guard
    from hotspots.errors import InputError

    with page_guard("the test page"):
        st.write("before")
        if st.session_state.get("boom") == "bug":
            int("Waterfront Communities-The Island")
        if st.session_state.get("boom") == "user":
            raise InputError("cell_size_m=-1 is not allowed; use a positive number.")
        st.write("after")
    st.write("still drawn")


def test_page_guard_shows_a_message_and_logs_the_trace(caplog: pytest.LogCaptureFixture) -> None:
    at = AppTest.from_function(_guarded_page)
    at.session_state["boom"] = "bug"
    with caplog.at_level(logging.ERROR, logger="hotspots.dashboard.ui"):
        at.run()
    assert not at.exception
    assert (
        len(at.error) == 1
        and "Something went wrong while drawing the test page" in at.error[0].value
    )
    assert [m.value for m in at.markdown] == ["before", "still drawn"]
    logged = [r for r in caplog.records if r.exc_info]
    assert logged and "invalid literal for int()" in str(logged[0].exc_info[1])
    reference = logged[0].args[1]  # type: ignore[index]
    assert reference in at.error[0].value


def test_page_guard_shows_user_errors_as_they_are() -> None:
    at = AppTest.from_function(_guarded_page)
    at.session_state["boom"] = "user"
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["cell_size_m=-1 is not allowed; use a positive number."]


def test_clicks_on_features_of_other_units_are_ignored() -> None:
    area = {"id": "Waterfront Communities-The Island", "u": "area"}
    cell = {"id": 1234, "u": "cell"}
    outline = {"id": "Waterfront Communities-The Island"}  # the outline under the grid
    assert unit_of_click(area, "cell") is None
    assert unit_of_click(outline, "cell") is None
    assert unit_of_click(outline, "area") is None
    assert unit_of_click(cell, "cell") == 1234
    assert unit_of_click({"id": "17", "u": "cell"}, "cell") == 17
    assert unit_of_click(area, "area") == "Waterfront Communities-The Island"
    assert unit_of_click(cell, "area") is None


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_issue_sequence_cell_robbery_neighbourhood_square_grid(app: AppTest) -> None:
    """The reported sequence, with the clicks the map would send put in the session."""
    app.session_state[CLICKED_KEY] = ("toronto", "cell", 2000)
    app.run()
    app.sidebar.multiselect(key="sb_offenses_toronto").select("Robbery").run()
    app.sidebar.radio(key="sb_unit").set_value("areas").run()
    app.session_state[CLICKED_KEY] = ("toronto", "area", "Waterfront Communities-The Island")
    app.run()
    _no_errors(app)
    assert any("Waterfront Communities-The Island" in m.value for m in app.markdown)
    # What the map used to send after switching back: the area's name as a cell id.
    app.sidebar.radio(key="sb_unit").set_value("square").run()
    app.session_state[CLICKED_KEY] = ("toronto", "cell", "Waterfront Communities-The Island")
    app.run()
    _no_errors(app)
    assert app.session_state[CLICKED_KEY] is None  # forgotten: the page is usable again
    app.run()
    _no_errors(app)
    assert any("Click a cell or a neighbourhood" in m.value for m in app.markdown)


def test_reset_filters_resets_the_widgets_too(app: AppTest) -> None:
    default_dates = app.sidebar.date_input(key="sb_dates_toronto").value
    default_caption = app.caption[0].value
    app.sidebar.multiselect(key="sb_offenses_toronto").select("Robbery").run()
    app.sidebar.button_group(key="sb_weekdays_toronto").set_value([5, 6]).run()
    app.sidebar.slider(key="sb_hours_toronto").set_range(18, 23).run()
    app.sidebar.checkbox(key="sb_overnight_toronto").check().run()
    app.sidebar.date_input(key="sb_dates_toronto").set_value(
        (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    ).run()
    app.sidebar.button(key="sb_reset_toronto").click().run()
    _no_errors(app)
    assert app.sidebar.multiselect(key="sb_offenses_toronto").value == []
    assert list(app.sidebar.button_group(key="sb_weekdays_toronto").value) == []
    assert tuple(app.sidebar.slider(key="sb_hours_toronto").value) == (0, 23)
    assert app.sidebar.checkbox(key="sb_overnight_toronto").value is False
    assert app.sidebar.date_input(key="sb_dates_toronto").value == default_dates
    assert app.caption[0].value == default_caption
    # The next action keeps the reset state (it used to bring the old filters back).
    app.sidebar.radio(key="sb_unit").set_value("hex").run()
    assert app.sidebar.multiselect(key="sb_offenses_toronto").value == []
    assert "Hexagons" in app.caption[0].value and "Robbery" not in app.caption[0].value


def _metric(at: AppTest, label: str) -> str:
    return str(next(m.value for m in at.metric if m.label == label))


def test_change_only_against_a_fully_covered_previous_period(app: AppTest) -> None:
    app.switch_page("views/neighbourhoods.py").run()
    _no_errors(app)
    # Toronto's default view starts where the data starts: nothing before it to compare.
    assert _metric(app, "Change vs previous period") == "–"
    assert any("not fully covered by the data" in c.value for c in app.caption)
    table = app.dataframe[0].value
    assert "Change %" not in table.columns
    app.sidebar.date_input(key="sb_dates_toronto").set_value(
        (dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    ).run()
    _no_errors(app)
    value = _metric(app, "Change vs previous period")
    assert value != "–" and abs(int(value.replace(",", ""))) < 20_000
    table = app.dataframe[0].value
    assert "None" not in set(table["Change %"].astype(str))
    assert table["Change %"].str.fullmatch(r"[+−]\d+%|new|–").all()
