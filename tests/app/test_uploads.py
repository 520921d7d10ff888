"""The upload path of the Data page: every city in ../shared/data, through the library side
(:mod:`hotspots.dashboard.uploads`) and, for two of them, through the page itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hotspots.dashboard.uploads import (
    Upload,
    UploadOptions,
    friendly_error,
    load_upload,
    preview_boundaries,
    preview_incidents,
)
from hotspots.errors import CRSError, HotspotsError

# (incidents, boundaries, extra options, expected accepted rows, boundary areas)
CITIES = {
    "chicago": ("chicago/aggravated_assaults_2010_2019.csv.gz", "chicago/police_districts.kml", {}),
    "memphis": ("memphis/robberies_2019.geojson", "memphis/precincts.geojson", {}),
    "nottingham": ("nottingham/burglary.csv.gz", "nottingham/wards.gpkg", {}),
    "vancouver": (
        "vancouver/crimes_2020.csv",
        "vancouver/neighbourhoods.geojson",
        {"crs": "EPSG:26910"},
    ),
}


def _submit(app: AppTest, upload: tuple[str, bytes, str]) -> None:
    """Press "Load and analyze". AppTest keeps an uploaded file for one run only, so the
    file is handed to the uploader again with the click (a browser keeps it)."""
    app.file_uploader(key="data_incidents").set_value(upload)
    next(b for b in app.button if b.label == "Load and analyze").click().run()


def _upload(folder: Path, relative: str) -> Upload:
    path = folder / relative
    return Upload(path.name, path.read_bytes())


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.parametrize("city", sorted(CITIES))
def test_every_shared_city_loads_through_the_upload_path(shared_data: Path, city: str) -> None:
    incidents_file, boundaries_file, extra = CITIES[city]
    incidents = _upload(shared_data, incidents_file)
    boundaries = _upload(shared_data, boundaries_file)
    preview = preview_incidents(incidents)
    assert preview.rows > 0 and preview.columns
    assert preview_boundaries(boundaries).rows > 0
    options = UploadOptions.from_mapping(preview.detected, **extra)
    dataset = load_upload(incidents, options, boundaries=boundaries)
    load = dataset.load
    assert len(load.incidents) + len(load.rejects) == load.rows_read
    assert len(load.incidents) > 0
    assert dataset.boundaries is not None and dataset.outlines is not None
    assert dataset.key.startswith("upload-")
    if city == "vancouver":
        assert load.reject_counts().get("withheld location (0/0)", 0) > 0


@pytest.mark.shared_data
def test_vancouver_without_a_crs_says_which_crs_to_give(shared_data: Path) -> None:
    incidents = _upload(shared_data, "vancouver/crimes_2020.csv")
    preview = preview_incidents(incidents)
    assert preview.needs_crs
    with pytest.raises(CRSError, match="EPSG:26910") as error:
        load_upload(incidents, UploadOptions.from_mapping(preview.detected))
    assert "crs" in friendly_error(error.value, what="incident file").lower()


def test_messages_name_the_apps_controls_not_python_arguments() -> None:
    data = b"X,Y,date\n491059.48,5459122.42,2020-06-19\n491068.7,5459126.1,2020-06-20\n"
    incidents = Upload("projected.csv", data)
    preview = preview_incidents(incidents)
    with pytest.raises(CRSError) as error:
        load_upload(incidents, UploadOptions.from_mapping(preview.detected))
    message = friendly_error(error.value, what="incident file")
    assert '"CRS of the coordinates" on the Data page (e.g. EPSG:26910)' in message
    assert "crs=" not in message and "--crs" not in message


def test_bad_files_give_a_clear_message() -> None:
    with pytest.raises(HotspotsError) as error:
        preview_incidents(Upload("notes.docx", b"not a table"))
    assert "unsupported file extension" in str(error.value)
    with pytest.raises(HotspotsError):
        preview_incidents(Upload("empty.csv", b""))
    message = friendly_error(ValueError("boom"), what="incident file")
    assert "boom" in message and "supported formats" in message


@pytest.mark.shared_data
def test_upload_through_the_data_page(app: AppTest, shared_data: Path) -> None:
    robberies = (shared_data / "memphis" / "robberies_2019.geojson").read_bytes()
    precincts = (shared_data / "memphis" / "precincts.geojson").read_bytes()
    app.switch_page("views/data.py").run()
    app.file_uploader(key="data_incidents").upload("robberies_2019.geojson", robberies).run()
    app.file_uploader(key="data_boundaries").upload("precincts.geojson", precincts).run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    _submit(app, ("robberies_2019.geojson", robberies, "application/geo+json"))
    assert not app.exception, [e.value for e in app.exception]
    assert any("incidents loaded" in s.value for s in app.success)
    assert app.sidebar.selectbox(key="sb_dataset").value.startswith("upload-")
    for page in ("views/map.py", "views/trends.py", "views/neighbourhoods.py", "views/method.py"):
        app.switch_page(page).run()
        assert not app.exception, (page, [e.value for e in app.exception])
        assert not app.error, (page, [e.value for e in app.error])


@pytest.mark.shared_data
def test_data_page_asks_for_the_crs(app: AppTest, shared_data: Path) -> None:
    data = (shared_data / "vancouver" / "crimes_2020.csv").read_bytes()
    app.switch_page("views/data.py").run()
    app.file_uploader(key="data_incidents").upload("crimes_2020.csv", data).run()
    assert any("EPSG:26910" in w.value for w in app.warning)
    upload = ("crimes_2020.csv", data, "text/csv")
    _submit(app, upload)
    assert not app.exception
    assert any("EPSG:26910" in e.value for e in app.error)
    crs_input = next(t for t in app.text_input if t.label == "CRS of the coordinates")
    crs_input.set_value("EPSG:26910")
    _submit(app, upload)
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("incidents loaded" in s.value for s in app.success)
    assert int(str(next(m.value for m in app.metric if m.label == "Rejected")).replace(",", "")) > 0


def test_unreadable_upload_shows_a_message_in_place(app: AppTest) -> None:
    app.switch_page("views/data.py").run()
    app.file_uploader(key="data_incidents").upload("broken.geojson", b"{ this is not json").run()
    assert not app.exception
    assert app.error, "a broken file must give a message"
    assert "broken.geojson" in app.error[0].value or "could not be read" in app.error[0].value
