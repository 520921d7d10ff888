"""Issue 14, Data page: failures in full view and in the app's words; a boundary file put
in the incident box is recognised and can be used as the boundaries."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from streamlit.testing.v1 import AppTest

from hotspots.dashboard.uploads import Upload, preview_incidents


def _polygons() -> bytes:
    frame = gpd.GeoDataFrame(
        {"AREA_NAME": ["West", "East"]},
        geometry=[shapely.box(-79.5, 43.6, -79.4, 43.7), shapely.box(-79.4, 43.6, -79.3, 43.7)],
        crs=4326,
    )
    return frame.to_json().encode()


def _swapped_csv() -> bytes:
    rng = np.random.default_rng(0)
    rows = ["date,lat,lon,offense"] + [
        f"2021-03-{1 + i % 28:02d} 10:00,{-79.38 + rng.normal(0, 0.01):.5f},"
        f"{43.65 + rng.normal(0, 0.01):.5f},Assault"
        for i in range(60)
    ]
    return ("\n".join(rows) + "\n").encode()


def test_polygons_are_not_described_as_points() -> None:
    preview = preview_incidents(Upload("areas.geojson", _polygons()))
    assert preview.geometry_kind == "polygons" and preview.looks_like_boundaries
    assert not preview.has_points


def test_boundary_file_uploaded_as_incidents_is_offered_as_boundaries(app: AppTest) -> None:
    app.switch_page("views/data.py").run()
    app.file_uploader(key="data_incidents").upload("areas.geojson", _polygons()).run()
    assert not app.exception
    warnings = " ".join(w.value for w in app.warning)
    assert "looks like a boundary file" in warnings and "point geometries" not in warnings
    assert not any("No date column" in e.value for e in app.error)
    button = next(b for b in app.button if b.label == "Use it as the boundaries")
    app.file_uploader(key="data_incidents").set_value(("areas.geojson", _polygons(), ""))
    button.click().run()
    assert not app.exception
    assert any("now used as the boundaries" in i.value for i in app.info)


def test_a_failed_load_is_shown_in_full_in_the_apps_words(app: AppTest) -> None:
    app.switch_page("views/data.py").run()
    data = _swapped_csv()
    app.file_uploader(key="data_incidents").upload("swapped.csv", data).run()
    app.file_uploader(key="data_incidents").set_value(("swapped.csv", data, "text/csv"))
    next(b for b in app.button if b.label == "Load and analyze").click().run()
    assert not app.exception
    messages = [e.value for e in app.error]
    assert any(m.startswith("**The incident file could not be loaded.**") for m in messages)
    text = " ".join(messages)
    assert "swapped" in text.lower()
    assert "swap_lat_lon" not in text and "columns=" not in text  # no Python in the app
    assert '"Latitude"' in text


def _ambiguous_dates_csv() -> bytes:
    # Day-first dates whose day never exceeds 12: the order cannot be told from the data.
    rng = np.random.default_rng(1)
    rows = ["date,lat,lon,offense"] + [
        f"{1 + i % 12:02d}/{1 + (i * 5) % 12:02d}/2021 10:00,{43.65 + rng.normal(0, 0.01):.5f},"
        f"{-79.38 + rng.normal(0, 0.01):.5f},Assault"
        for i in range(60)
    ]
    return ("\n".join(rows) + "\n").encode()


def test_ambiguous_dates_are_fixed_with_the_date_format_box(app: AppTest) -> None:
    app.switch_page("views/data.py").run()
    data = _ambiguous_dates_csv()
    app.file_uploader(key="data_incidents").upload("ambiguous.csv", data).run()
    app.file_uploader(key="data_incidents").set_value(("ambiguous.csv", data, "text/csv"))
    next(b for b in app.button if b.label == "Load and analyze").click().run()
    assert not app.exception
    text = " ".join(e.value for e in app.error)
    assert "can be read day-first or month-first" in text
    assert '"Date format" on the Data page (e.g. day-first)' in text
    assert "--date-format" not in text and "date_format" not in text
    box = next(t for t in app.text_input if t.label == "Date format")
    box.set_value("day-first")
    app.file_uploader(key="data_incidents").set_value(("ambiguous.csv", data, "text/csv"))
    next(b for b in app.button if b.label == "Load and analyze").click().run()
    assert not app.exception and not app.error
    assert any("60 incidents loaded" in s.value for s in app.success)
