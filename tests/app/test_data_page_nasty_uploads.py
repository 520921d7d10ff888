"""Issue 14, the Data page with awkward uploads: a GeoPackage of several layers gets a
"Layer" choice; broken files are refused in the app's words (no flags, no Python); names
from the data cannot inject HTML into the map's tooltips."""

from __future__ import annotations

import gzip
import io
import json

import geopandas as gpd
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from hotspots.dashboard.spacetime_layers import cluster_layer
from hotspots.dashboard.uploads import (
    Upload,
    UploadOptions,
    layers_of,
    load_upload,
    preview_incidents,
)
from hotspots.ingest import NoIncidentsError
from hotspots.stats.clusters import point_clusters
from tests.app.test_data_page_messages import press_load, upload_and_load

N = 60


def _points(offense: str = "Assault") -> gpd.GeoDataFrame:
    rng = np.random.default_rng(2)
    return gpd.GeoDataFrame(
        {"date": [f"2021-03-{1 + i % 28:02d} 10:00" for i in range(N)], "offense": offense},
        geometry=gpd.points_from_xy(
            -79.38 + rng.normal(0, 0.01, N), 43.65 + rng.normal(0, 0.01, N)
        ),
        crs=4326,
    )


def _geopackage(tmp_path: object) -> bytes:
    path = f"{tmp_path}/incidents.gpkg"
    _points().to_file(path, layer="incidents")
    _points().head(5).to_file(path, layer="sample")
    with open(path, "rb") as handle:
        return handle.read()


def _load(app: AppTest, name: str, data: bytes) -> None:
    app.file_uploader(key="data_incidents").upload(name, data).run()


def test_a_geopackage_of_several_layers_offers_the_layer(app: AppTest, tmp_path: object) -> None:
    data = _geopackage(tmp_path)
    assert layers_of(Upload("incidents.gpkg", data)) == ("incidents", "sample")
    app.switch_page("views/data.py").run()
    _load(app, "incidents.gpkg", data)
    assert not app.exception and not app.error
    layer = next(s for s in app.selectbox if s.label == "Layer")
    assert layer.value == "incidents" and list(layer.options) == ["incidents", "sample"]
    layer.set_value("sample").run()
    press_load(app, "incidents.gpkg", data)
    assert not app.exception and not app.error
    assert any("5 incidents loaded" in s.value for s in app.success)


def test_layers_are_offered_only_for_a_choice_of_them(tmp_path: object) -> None:
    data = _geopackage(tmp_path)
    single = f"{tmp_path}/single.gpkg"
    _points().to_file(single, layer="only")
    with open(single, "rb") as handle:
        assert layers_of(Upload("single.gpkg", handle.read())) == ()
    assert layers_of(Upload("incidents.kml", data)) == ()  # KML folders are stacked
    broken = np.random.default_rng(1).bytes(500)
    assert layers_of(Upload("incidents.gpkg", broken)) == ()  # reading it says what is wrong
    # a gzip-compressed GeoPackage, which the reader reads, offers its layers too
    assert layers_of(Upload("incidents.gpkg", gzip.compress(data))) == ("incidents", "sample")


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("incidents.csv", np.random.default_rng(0).bytes(3000), "is not a text table"),
        ("incidents.csv.gz", gzip.compress(np.random.default_rng(3).bytes(4000))[:2000],
         "damaged or incomplete gzip"),
        ("incidents.csv", b"", "is empty"),
        ("incidents.csv", b"<!DOCTYPE html><html></html>", "holds a web page"),
        ("incidents.gpkg", np.random.default_rng(1).bytes(500), "could not be opened as .gpkg"),
    ],
)  # fmt: skip
def test_broken_uploads_are_refused_in_the_apps_words(
    app: AppTest, name: str, data: bytes, expected: str
) -> None:
    app.switch_page("views/data.py").run()
    _load(app, name, data)
    assert not app.exception
    text = " ".join(e.value for e in app.error)
    assert expected in text and f"The file {name}" in text
    assert "--" not in text and "source=" not in text and "DRIVER" not in text
    assert "/tmp" not in text  # the temporary copy's path is not shown


def test_script_in_a_name_is_text_in_the_cluster_tooltips() -> None:
    rng = np.random.default_rng(4)
    centres = np.repeat([[630_000.0, 4_833_000.0], [632_000.0, 4_835_000.0]], N // 2, axis=0)
    xy = centres + rng.normal(0, 5, (N, 2))
    incidents = gpd.GeoDataFrame(
        {"offense": ["<img src=x onerror=alert(1)>"] * N},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=32617,
    )
    layer = cluster_layer(point_clusters(incidents, min_cluster_size=10))
    names = {f["properties"]["m"] for f in json.loads(layer.geojson)["features"]}
    assert names == {"&lt;img src=x onerror=alert(1)&gt;"}


def test_an_utf16_upload_without_byte_order_mark_loads(app: AppTest) -> None:
    rows = _points().assign(lat=lambda f: f.geometry.y, lon=lambda f: f.geometry.x)
    text = io.StringIO()
    rows.drop(columns="geometry").to_csv(text, index=False)
    data = text.getvalue().encode("utf-16-le")
    upload_and_load(app, "incidents.csv", data)
    assert not app.exception and not app.error
    assert any(f"{N} incidents loaded" in s.value for s in app.success)


def test_absurd_coordinates_are_previewed_and_rejected_row_by_row() -> None:
    rows = "".join(f"{i},1e308,1e308,2021-03-01 10:00\n" for i in range(30))
    upload = Upload("huge.csv", ("id,lat,lon,date\n" + rows).encode())
    preview = preview_incidents(upload)  # no overflow warning (an error under pytest)
    with pytest.raises(NoIncidentsError) as caught:
        load_upload(upload, UploadOptions.from_mapping(preview.detected))
    assert set(caught.value.rejects["reason"]) == {"coordinate out of range"}
    assert "lon=1e+308 is not a coordinate in any CRS" in caught.value.render("app")
