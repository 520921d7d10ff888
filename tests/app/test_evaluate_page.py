"""AppTest smoke test of the Evaluate page (in-process, no browser), and its cached wrappers."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from hotspots.dashboard import evaluate as ev_ui
from hotspots.dashboard.uploads import Upload

PAGE = "views/evaluate.py"


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.fixture
def page(app: AppTest) -> AppTest:
    app.switch_page(PAGE).run()
    _no_errors(app)
    return app


def test_page_evaluates_the_hot_cells_and_shows_the_answer(page: AppTest) -> None:
    assert page.title[0].value == "Evaluate"
    before = page.select_slider(key="ev_before")
    # stray early records (1966-2013) are not offered; the last two years are the default
    assert before.options[0] == "2014-01" and before.options[-1] == "2021-12"
    assert before.value == ("2020-01", "2020-12")
    labels = {m.label for m in page.metric}
    assert {"Relative to the control", "WDD (incidents)", "Displacement quotient (WDQ)"} <= labels
    text = " ".join(m.value for m in page.markdown)
    assert "relative to the control" in text
    # hot cells were chosen for being hot: the page says so, with what to do
    assert any("regression to the mean" in w.value for w in page.warning)
    tables = [d.value for d in page.dataframe]
    counts = next(t for t in tables if "Before" in t.columns)
    assert list(counts["Area"]) == ["Target", "Displacement buffer", "Control", "Buffer control"]
    assert any("Distance to target" in t.columns for t in tables)  # the matching is shown
    assert {b.label for b in page.get("download_button")} == {
        "evaluation.json",
        "One-page briefing (HTML)",
    }


def test_overlapping_periods_show_an_error_in_place(page: AppTest) -> None:
    page.select_slider(key="ev_after").set_value(("2020-06", "2021-12")).run()
    assert not page.exception
    assert any("overlap" in e.value for e in page.error)


def test_area_file_reads_a_plan_sites_and_polygons() -> None:
    plan = {"sites": [{"name": "A", "lon": -79.38, "lat": 43.65, "radius_m": 400}]}
    record = ev_ui.area_file.__wrapped__(Upload("plan.json", json.dumps(plan).encode()), "x")  # type: ignore[attr-defined]
    assert isinstance(record, dict) and record["sites"][0]["name"] == "A"
    sites = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"name": "A", "radius_m": 400}, "geometry": {"type": "Point", "coordinates": [-79.38, 43.65]}}]}'
    )
    frame = ev_ui.area_file.__wrapped__(Upload("sites.geojson", sites.encode()), "y")  # type: ignore[attr-defined]
    assert list(frame["radius_m"]) == [400]


def test_default_periods_are_the_last_two_years() -> None:
    months = [f"{y}-{m:02d}" for y in (2019, 2020, 2021) for m in range(1, 13)]
    assert ev_ui.default_periods(months) == (("2020-01", "2020-12"), ("2021-01", "2021-12"))
