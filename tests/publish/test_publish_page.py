"""The Publish page of the dashboard (AppTest, in-process): builds, audits, offers downloads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
PAGE = "views/publish.py"

pytestmark = pytest.mark.slow


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    testing = pytest.importorskip("streamlit.testing.v1")
    if not (ROOT / PAGE).exists() or not APP.exists():
        pytest.skip("the dashboard (app.py, views/publish.py) is not present")
    monkeypatch.setenv("HOTSPOTS_TILES_URL", "none")
    monkeypatch.setenv("HOTSPOTS_PUBLISHER_DIR", str(tmp_path / "publisher"))
    at = testing.AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    yield at


def _no_errors(at: Any) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_publish_page_builds_an_audited_snapshot(app: Any) -> None:
    app.switch_page(PAGE).run()
    _no_errors(app)
    assert app.title[0].value == "Publish a snapshot for partners"
    assert app.selectbox(key="pub_period").value == "2021"
    assert "2021-Q1" in app.selectbox(key="pub_period").options
    assert "2021-01..2021-02" not in app.selectbox(key="pub_period").options
    app.button[0].click().run()  # the form's submit button
    _no_errors(app)
    assert any("Audit passed" in s.value for s in app.success)
    labels = [m.label for m in app.metric]
    assert "Hot spot squares" in labels and "Incidents (adjusted)" in labels


def test_publish_page_shows_a_refusal_in_place(app: Any) -> None:
    app.switch_page(PAGE).run()
    app.number_input(key="pub_lag").set_value(100)
    app.button[0].click().run()
    assert not app.exception
    assert any("minimum lag" in e.value for e in app.error)


def test_publish_page_offers_only_allow_listed_groups(app: Any) -> None:
    app.switch_page(PAGE).run()
    options = app.selectbox(key="pub_offenses").options
    assert options[0] == "All allowed offense groups" and "Robbery" in options
    assert len(options) == 6


def test_publish_page_cannot_go_below_the_floors(app: Any) -> None:
    app.switch_page(PAGE).run()
    assert app.number_input(key="pub_k").min == 3
    assert app.number_input(key="pub_cell").min == 500
    # A value forced below the widget's minimum never reaches a snapshot: Streamlit clamps
    # it or the library refuses it.
    app.number_input(key="pub_cell").set_value(100)
    app.button[0].click().run()
    assert not app.exception
    if app.error:
        assert any("cell" in e.value for e in app.error)
    else:
        snap = app.session_state["hs.publish.snapshot"]
        assert snap.metadata["parameters"]["cell_size_m"] >= 500


def test_publish_page_month_hides_units_with_too_few_places(app: Any) -> None:
    """Location diversity from the app: a Toronto month hides neighbourhoods whose incidents
    were at fewer than 8 places (the police snap locations to intersections)."""
    app.switch_page(PAGE).run()
    app.selectbox(key="pub_period").set_value("2021-03")
    app.button[0].click().run()
    _no_errors(app)
    snap = app.session_state["hs.publish.snapshot"]
    assert snap.metadata["period"]["start"] == snap.metadata["period"]["end"] == "2021-03"
    assert snap.suppression.areas > 0
    hidden = [f for f in embedded_areas(snap) if f["properties"]["hidden"] == "not shown"]
    assert 0 < len(hidden) <= snap.suppression.areas


def embedded_areas(snap: Any) -> list[dict[str, Any]]:
    from publish_helpers import embedded_data

    features: list[dict[str, Any]] = embedded_data(snap.html)["areas"]["features"]
    return features
