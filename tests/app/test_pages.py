"""AppTest smoke and interaction tests of every page (in-process, no browser)."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

PAGES = (
    "views/map.py",
    "views/trends.py",
    "views/neighbourhoods.py",
    "views/data.py",
    "views/method.py",
)


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_without_exception(app: AppTest, page: str) -> None:
    app.switch_page(page).run()
    _no_errors(app)
    assert app.title, f"{page} shows no title"


def _metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"no metric {label!r}; have {[m.label for m in at.metric]}"
    return str(values[0])


def _count(at: AppTest, label: str = "Incidents selected") -> int:
    return int(_metric(at, label).replace(",", ""))


def test_offense_filter_changes_the_numbers(app: AppTest) -> None:
    total = _count(app)
    app.sidebar.multiselect(key="sb_offenses_toronto").select("Robbery").run()
    _no_errors(app)
    robbery = _count(app)
    assert 0 < robbery < total
    assert "Robbery" in app.caption[0].value


def test_date_hour_and_weekday_filters_narrow_the_selection(app: AppTest) -> None:
    total = _count(app)
    app.sidebar.date_input(key="sb_dates_toronto").set_value(
        (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    ).run()
    year = _count(app)
    assert 0 < year < total
    app.sidebar.slider(key="sb_hours_toronto").set_range(18, 23).run()
    evening = _count(app)
    assert 0 < evening < year
    app.sidebar.button_group(key="sb_weekdays_toronto").set_value([5, 6]).run()
    weekend = _count(app)
    assert 0 < weekend < evening
    _no_errors(app)
    app.sidebar.button(key="sb_reset_toronto").click().run()
    assert _count(app) == total


def test_units_measures_and_cell_size(app: AppTest) -> None:
    app.sidebar.radio(key="sb_unit").set_value("hex").run()
    _no_errors(app)
    assert "Hexagons" in app.caption[0].value
    app.sidebar.selectbox(key="sb_cell_size").set_value(400).run()
    _no_errors(app)
    assert _metric(app, "Cell size") == "400 m"
    for measure in ("lisa", "count", "density", "gi"):
        app.segmented_control(key="map_measure").set_value(measure).run()
        _no_errors(app)
    app.sidebar.radio(key="sb_unit").set_value("areas").run()
    _no_errors(app)
    hot = next(m for m in app.metric if m.label == "Hot spot neighbourhoods")
    assert hot.delta == "of 140 neighbourhoods" and int(hot.value) <= 140
    app.sidebar.select_slider(key="sb_alpha").set_value(0.01).run()
    _no_errors(app)


def test_filters_that_leave_nothing_show_a_friendly_note(app: AppTest) -> None:
    day = dt.date(2014, 1, 1)
    app.sidebar.multiselect(key="sb_offenses_toronto").select("Theft Over").run()
    app.sidebar.date_input(key="sb_dates_toronto").set_value((day, day)).run()
    app.sidebar.slider(key="sb_hours_toronto").set_range(4, 4).run()
    _no_errors(app)
    assert any("No incident matches" in i.value for i in app.info)
    for page in PAGES:
        app.switch_page(page).run()
        _no_errors(app)


def test_trends_page_reacts_to_filters(app: AppTest) -> None:
    app.switch_page("views/trends.py").run()
    total = _count(app)
    app.segmented_control(key="trends_period").set_value("week").run()
    app.toggle(key="trends_by_offense").set_value(False).run()
    _no_errors(app)
    app.sidebar.multiselect(key="sb_offenses_toronto").select("Auto Theft").run()
    _no_errors(app)
    assert _count(app) < total
    assert _metric(app, "Most common offense") == "Auto Theft"


def test_neighbourhoods_page_table_and_profile(app: AppTest) -> None:
    app.switch_page("views/neighbourhoods.py").run()
    _no_errors(app)
    assert _metric(app, "Areas") == "140"
    table = app.dataframe[0].value
    assert len(table) == 140
    # The default period starts with the data: no previous period to compare with.
    assert "Previous period" not in table.columns
    app.sidebar.date_input(key="sb_dates_toronto").set_value(
        (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    ).run()
    table = app.dataframe[0].value
    assert {"Incidents", "Previous period", "Change", "Gi*"} <= set(table.columns)
    first = table["Incidents"].sum()
    app.sidebar.multiselect(key="sb_offenses_toronto").select("Robbery").run()
    assert app.dataframe[0].value["Incidents"].sum() < first
    app.selectbox(key="areas_profile").set_value(str(table["Neighbourhood"].iloc[3])).run()
    _no_errors(app)


def test_method_page_lists_the_parameters_in_use(app: AppTest) -> None:
    app.sidebar.selectbox(key="sb_cell_size").set_value(500).run()
    app.switch_page("views/method.py").run()
    _no_errors(app)
    text = " ".join(m.value for m in app.markdown)
    assert "500 m" in text
    assert "Benjamini" in text


def test_caveats_of_the_statistics_are_shown_on_map_and_method_pages(app: AppTest) -> None:
    assert not [w for w in app.warning if "Read these results with care" in w.value]
    # One rare offense over one week: fewer than 30 incidents, so nothing is called a hot
    # spot (the minimum-evidence rule) and the analysis says why.
    app.sidebar.multiselect(key="sb_offenses_toronto").select("Theft Over").run()
    app.sidebar.date_input(key="sb_dates_toronto").set_value(
        (dt.date(2021, 6, 1), dt.date(2021, 6, 7))
    ).run()
    _no_errors(app)
    warnings = [w.value for w in app.warning if "Read these results with care" in w.value]
    assert len(warnings) == 1 and "at least 30 are needed" in warnings[0]
    app.switch_page("views/method.py").run()
    _no_errors(app)
    assert any("at least 30 are needed" in w.value for w in app.warning)
