"""The "Over time" page (AppTest, in-process) on the bundled Toronto data."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_over_time_page_shows_patterns_and_the_knox_table(app: AppTest) -> None:
    app.sidebar.date_input(key="sb_dates_toronto").set_value(
        (dt.date(2019, 1, 1), dt.date(2021, 12, 31))
    ).run()
    app.switch_page("views/over_time.py").run()
    _no_errors(app)
    assert app.title[0].value == "Over time"
    labels = [m.label for m in app.metric]
    assert any(label.endswith("Hot Spot") for label in labels), labels
    assert any("City-wide trend" in c.value for c in app.caption)
    sentence = app.info[0].value
    assert sentence.startswith(("Risk is elevated", "No near-repeat", "Some bands"))
    assert len(app.dataframe) == 1
    # The interval and the city-trend option change the analysis without errors.
    app.segmented_control(key="ot_interval").set_value("quarter").run()
    _no_errors(app)
    app.selectbox(key="ot_city_trend").set_value("none").run()
    _no_errors(app)
    assert any("Raw counts" in c.value or "raw counts" in c.value for c in app.caption)


def test_bad_bands_are_explained_in_place(app: AppTest) -> None:
    app.sidebar.date_input(key="sb_dates_toronto").set_value(
        (dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    ).run()
    app.switch_page("views/over_time.py").run()
    app.text_input(key="nr_days").set_value("0,14,7").run()
    assert not app.exception
    assert any("strictly increasing" in e.value for e in app.error)


def test_map_page_draws_point_clusters(app: AppTest) -> None:
    app.sidebar.date_input(key="sb_dates_toronto").set_value(
        (dt.date(2021, 1, 1), dt.date(2021, 3, 31))
    ).run()
    app.toggle(key="map_clusters").set_value(True).run()
    _no_errors(app)
    assert any("HDBSCAN clusters holding" in c.value for c in app.caption)


def test_map_page_refuses_clusters_for_a_huge_selection(app: AppTest) -> None:
    app.toggle(key="map_clusters").set_value(True).run()
    _no_errors(app)
    assert any("Point clusters need at most" in c.value for c in app.caption)
