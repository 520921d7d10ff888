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


def _csv(dates: list[str], *, swapped: bool = False, seed: int = 0) -> bytes:
    """Incidents around Toronto with these dates (latitude and longitude swapped if asked)."""
    rng = np.random.default_rng(seed)
    rows = ["date,lat,lon,offense"]
    for date in dates:
        lat, lon = 43.65 + rng.normal(0, 0.01), -79.38 + rng.normal(0, 0.01)
        first, second = (lon, lat) if swapped else (lat, lon)
        rows.append(f"{date},{first:.5f},{second:.5f},Assault")
    return ("\n".join(rows) + "\n").encode()


def _swapped_csv() -> bytes:
    return _csv([f"2021-03-{1 + i % 28:02d} 10:00" for i in range(60)], swapped=True)


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


def upload_and_load(app: AppTest, name: str, data: bytes) -> None:
    """Upload ``data`` as the incident file on the Data page and press "Load and analyze"."""
    app.switch_page("views/data.py").run()
    app.file_uploader(key="data_incidents").upload(name, data).run()
    press_load(app, name, data)


def press_load(app: AppTest, name: str, data: bytes) -> None:
    """Press "Load and analyze" (the uploader keeps ``data``: AppTest forgets it on a rerun)."""
    app.file_uploader(key="data_incidents").set_value((name, data, "text/csv"))
    next(b for b in app.button if b.label == "Load and analyze").click().run()


def test_a_failed_load_is_shown_in_full_in_the_apps_words(app: AppTest) -> None:
    upload_and_load(app, "swapped.csv", _swapped_csv())
    assert not app.exception
    messages = [e.value for e in app.error]
    assert any(m.startswith("**The incident file could not be loaded.**") for m in messages)
    text = " ".join(messages)
    assert "swapped" in text.lower()
    assert "swap_lat_lon" not in text and "columns=" not in text  # no Python in the app
    assert '"Latitude"' in text


def _ambiguous_dates_csv() -> bytes:
    # Day-first dates whose day never exceeds 12: the order cannot be told from the data.
    return _csv([f"{1 + i % 12:02d}/{1 + (i * 5) % 12:02d}/2021 10:00" for i in range(60)], seed=1)


def test_ambiguous_dates_are_fixed_with_the_date_format_box(app: AppTest) -> None:
    data = _ambiguous_dates_csv()
    upload_and_load(app, "ambiguous.csv", data)
    assert not app.exception
    text = " ".join(e.value for e in app.error)
    assert "can be read day-first or month-first" in text
    assert '"Date format" on the Data page (e.g. day-first)' in text
    assert "--date-format" not in text and "date_format" not in text
    box = next(t for t in app.text_input if t.label == "Date format")
    box.set_value("day-first")
    press_load(app, "ambiguous.csv", data)
    assert not app.exception and not app.error
    assert any("60 incidents loaded" in s.value for s in app.success)
