"""Issue 14 item 7: an area drawn on the Map page, and the map's zoom and centre in the URL.

The map's drawing tools report the drawn shape through streamlit-folium (``all_drawings``);
here the shape is put where the page keeps it (as the browser's report would), and the
page's numbers are checked against the library. The real drawing with the mouse is in
``test_browser_drawing.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from hotspots.dashboard import drawing
from hotspots.spatial.drawn import drawn_area, incidents_in_area
from hotspots.stats.profiles import INCIDENT_LIST_LIMIT

from .conftest import APP, RUN_TIMEOUT_S, first_visit

#: A polygon over downtown Toronto (longitude, latitude), closed.
DOWNTOWN = [
    [-79.3990, 43.6440],
    [-79.3750, 43.6440],
    [-79.3700, 43.6560],
    [-79.3900, 43.6620],
    [-79.3990, 43.6440],
]


def _polygon(ring: list[list[float]]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _draw(at: AppTest, feature: dict[str, Any]) -> None:
    """Put ``feature`` where the page keeps the map's drawing (as ``take_drawing`` does)."""
    at.session_state[drawing.FEATURE_KEY] = ("toronto", feature)
    at.session_state[drawing.OPEN_KEY] = True


def _metric(at: AppTest, label: str) -> str:
    return str(next(m.value for m in at.metric if m.label == label))


def _incidents(at: AppTest) -> list[int]:
    return [int(str(m.value).replace(",", "")) for m in at.metric if m.label == "Incidents"]


@pytest.fixture(scope="module")
def toronto() -> Any:
    from hotspots.dashboard.startup import default_view

    return default_view()


def test_a_drawn_polygon_gets_the_librarys_profile(app: AppTest, toronto: Any) -> None:
    dataset, analysis = toronto
    _draw(app, _polygon(DOWNTOWN))
    app.run()
    assert not app.exception
    area = drawn_area(_polygon(DOWNTOWN), crs=dataset.incidents.crs)
    expected = len(incidents_in_area(analysis.incidents, area))
    assert expected > 100
    assert _incidents(app)[-1] == expected
    assert any(m.value.startswith("#### Drawn area") for m in app.markdown)
    assert _metric(app, "Area") == f"{area.area_km2:,.2f} km²"
    assert any("Trend of the monthly counts" in m.value for m in app.markdown)
    listed = next(
        d.value for d in app.dataframe if list(d.value.columns)[:2] == ["occurred_at", "offense"]
    )
    # Downtown holds more incidents than a list shows: the newest, and a caption says so.
    assert expected > INCIDENT_LIST_LIMIT == len(listed)
    assert any(
        c.value.startswith(f"The {INCIDENT_LIST_LIMIT:,} newest of {expected:,} are listed")
        for c in app.caption
    )
    assert any("analysts only" in e.label for e in app.expander)
    # The default period starts with the data: there is no covered period before it.
    assert any(c.value.startswith("No change is shown") for c in app.caption)


def test_change_against_the_year_before(app: AppTest, toronto: Any) -> None:
    dataset, _ = toronto
    _draw(app, _polygon(DOWNTOWN))
    app.sidebar.date_input(key="sb_dates_toronto").set_value(
        (dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    ).run()
    assert not app.exception
    area = drawn_area(_polygon(DOWNTOWN), crs=dataset.incidents.crs)
    inside = incidents_in_area(dataset.incidents, area)
    day = inside["occurred_at"].dt.tz_localize(None).dt.normalize()
    now = int(((day >= "2021-01-01") & (day <= "2021-12-31")).sum())
    before = int(((day >= "2020-01-02") & (day <= "2020-12-31")).sum())  # 365 days before
    assert _incidents(app)[-1] == now
    change = next(m for m in app.metric if m.label == "Change vs the period before")
    assert change.value == f"{now - before:+,}"
    assert any(
        "2021-01-01 to 2021-12-31 vs 2020-01-02 to 2020-12-31" in c.value for c in app.caption
    )


def test_a_closed_panel_computes_and_draws_nothing(app: AppTest) -> None:
    _draw(app, _polygon(DOWNTOWN))
    app.run()
    assert _incidents(app)
    app.session_state[drawing.OPEN_KEY] = False
    app.run()
    assert not app.exception
    assert _incidents(app) == [] and not any(m.label == "Area" for m in app.metric)
    assert app.button(key="map_drawn_clear")  # the area can still be cleared


def test_filters_apply_to_the_drawn_area(app: AppTest, toronto: Any) -> None:
    _draw(app, _polygon(DOWNTOWN))
    app.run()
    every = _incidents(app)[-1]
    app.sidebar.multiselect(key="sb_offenses_toronto").select("Robbery").run()
    assert not app.exception
    robberies = _incidents(app)[-1]
    assert 0 < robberies < every


@pytest.mark.parametrize(
    ("ring", "message"),
    [
        (
            [[-79.39, 43.64], [-79.37, 43.66], [-79.37, 43.64], [-79.39, 43.66], [-79.39, 43.64]],
            "crosses itself",
        ),
        ([[-79.39, 43.64], [-79.38, 43.65], [-79.37, 43.66], [-79.39, 43.64]], "no area"),
        ([[-73.99, 40.70], [-73.95, 40.70], [-73.97, 40.75], [-73.99, 40.70]], "outside the data"),
    ],
)
def test_bad_drawings_get_a_message_not_a_traceback(
    app: AppTest, ring: list[list[float]], message: str
) -> None:
    _draw(app, _polygon(ring))
    app.run()
    assert not app.exception
    assert any(message in w.value for w in app.warning), [w.value for w in app.warning]
    app.button(key="map_drawn_clear").click().run()
    assert not app.exception and not app.warning
    assert app.session_state[drawing.FEATURE_KEY] is None


def test_a_point_and_a_radius_make_a_buffer(app: AppTest) -> None:
    app.number_input(key="map_point_lat").set_value(43.6532).run()
    app.number_input(key="map_point_lon").set_value(-79.3832).run()
    app.number_input(key=drawing.RADIUS_KEY).set_value(300).run()
    app.button(key="map_point_use").click().run()
    assert not app.exception
    assert any("300 m around 43.65320, -79.38320" in m.value for m in app.markdown)
    small = _incidents(app)[-1]
    app.number_input(key=drawing.RADIUS_KEY).set_value(1000).run()
    large = _incidents(app)[-1]
    assert 0 < small < large


def test_the_map_reports_drawings_through_all_drawings() -> None:
    """What streamlit-folium returns: act on a change only; the last shape wins; [] clears."""
    shape = _polygon(DOWNTOWN)
    assert drawing.latest_drawing(None, None) is None  # a map that reported nothing yet
    changed = drawing.latest_drawing([shape], None)
    assert changed is not None and changed[1] == shape
    assert drawing.latest_drawing([shape], changed[0]) is None  # the same report again
    other = _polygon([*DOWNTOWN[:3], DOWNTOWN[0]])
    assert drawing.latest_drawing([other, shape], changed[0]) == (
        json.dumps([other, shape], sort_keys=True),
        shape,
    )
    cleared = drawing.latest_drawing([], changed[0])
    assert cleared is not None and cleared[1] is None


def test_the_drawn_area_is_the_target_and_control_on_evaluate(app: AppTest) -> None:
    _draw(app, _polygon(DOWNTOWN))
    app.run()
    app.button(key="map_drawn_target").click().run()
    assert not app.exception
    # A control away from the target: a buffer in the west end.
    app.number_input(key="map_point_lat").set_value(43.6650).run()
    app.number_input(key="map_point_lon").set_value(-79.4650).run()
    app.number_input(key=drawing.RADIUS_KEY).set_value(900).run()
    app.button(key="map_point_use").click().run()
    app.button(key="map_drawn_control").click().run()
    assert not app.exception
    app.switch_page("views/evaluate.py").run()
    assert not app.exception, app.exception
    assert app.radio(key="ev_target_source").value == "drawn"
    assert app.radio(key="ev_control_source").value == "drawn"
    assert any(c.value.startswith("Drawn area · ") for c in app.caption)
    assert any(c.value.startswith("900 m around 43.66500, -79.46500") for c in app.caption)
    assert _metric(app, "Target incidents after").replace(",", "").isdigit()


def test_zoom_and_centre_of_a_link_are_kept_and_bad_ones_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOTSPOTS_TILES_URL", "none")
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_S)
    for name, value in {"units": "hex", "z": "14.5", "lat": "43.65321", "lon": "-79.38321"}.items():
        at.query_params[name] = value
    first_visit(at)
    assert not at.exception
    flat = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert flat == {"units": "hex", "z": "14.5", "lat": "43.65321", "lon": "-79.38321"}
    # A filter change keeps them (the sidebar rewrites the query string on every run).
    at.sidebar.radio(key="sb_unit").set_value("square").run()
    flat = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert flat == {"z": "14.5", "lat": "43.65321", "lon": "-79.38321"}

    bad = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_S)
    for name, value in {"z": "99", "lat": "43.6", "lon": "-79.3"}.items():
        bad.query_params[name] = value
    first_visit(bad)
    assert not bad.exception
    assert dict(bad.query_params) == {}


def test_the_drawn_areas_incident_list_never_reaches_the_publication_code() -> None:
    from .conftest import ROOT

    for path in (ROOT / "src" / "hotspots" / "publish").rglob("*.py"):
        text = path.read_text()
        assert "incident_records" not in text and "area_summary" not in text, path


def test_a_drawn_area_shows_no_gi_statistic(app: AppTest) -> None:
    _draw(app, _polygon(DOWNTOWN))
    app.run()
    assert _incidents(app) and not any(m.label == "Gi* z" for m in app.metric)


def test_radius_and_open_panel_survive_a_visit_to_another_page(app: AppTest) -> None:
    point = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Point", "coordinates": [-79.3832, 43.6532]},
    }
    _draw(app, point)
    app.number_input(key=drawing.RADIUS_KEY).set_value(650).run()
    assert any("650 m around" in m.value for m in app.markdown)
    app.switch_page("views/trends.py").run()
    app.switch_page("views/map.py").run()
    assert not app.exception
    assert app.number_input(key=drawing.RADIUS_KEY).value == 650
    assert any("650 m around" in m.value for m in app.markdown)  # open, same buffer
