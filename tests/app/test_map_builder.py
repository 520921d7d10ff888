"""The folium map: offline assets only, light payload, escaped names, configurable tiles."""

from __future__ import annotations

import base64
import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.analysis import analyze
from hotspots.dashboard import map_builder, map_layers
from hotspots.dashboard.settings import NO_TILES, OSM_TILES_URL, TileSettings, tiles_from_env
from hotspots.maps import palettes, webassets

CRS = "EPSG:32617"
TZ = "America/Toronto"


@pytest.fixture(scope="module")
def analysis():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    n = 800
    xy = rng.uniform(0, 3_000, size=(n, 2))
    xy[:300] = rng.normal(1_500, 60, size=(300, 2))
    xy += [630_000, 4_830_000]
    boundaries = gpd.GeoDataFrame(
        {"name": ["<b>West</b> & co", "East"], "population": [2000.0, np.nan]},
        geometry=[
            shapely.box(629_800, 4_829_800, 631_500, 4_833_200),
            shapely.box(631_500, 4_829_800, 633_200, 4_833_200),
        ],
        crs=CRS,
    )
    incidents = gpd.GeoDataFrame(
        {
            "occurred_at": pd.Timestamp("2021-01-01", tz=TZ)
            + pd.to_timedelta(rng.integers(0, 8_000, n), unit="h"),
            "offense": pd.array(
                np.where(np.arange(n) % 3 == 0, "Robbery", "Assault"), dtype="string"
            ),
            "neighbourhood": pd.array([None] * n, dtype="string"),
        },
        geometry=shapely.points(xy),
        crs=CRS,
    )
    return analyze(
        incidents, boundaries=boundaries, cell_size_m=150, permutations=99, quiet=True
    ), boundaries


def _html(m: object) -> str:
    return m.get_root().render()  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize("measure", ["gi", "lisa", "count", "density"])
def test_map_uses_no_external_script_or_stylesheet(analysis, measure: str) -> None:  # type: ignore[no-untyped-def]
    result, boundaries = analysis
    units = map_layers.unit_layer(result, kind="cell", measure=measure)  # type: ignore[arg-type]
    m = map_builder.build_map(
        units,
        tiles=TileSettings(url=NO_TILES, attribution=""),
        outlines=map_layers.outline_layer(boundaries),
        points=map_layers.point_layer(result),
    )
    assert map_builder.external_urls(m) == []
    html = _html(m)
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="(?!data:)', html)
    assert "https://cdn" not in html and "code.jquery.com" not in html
    assert "L.tileLayer" not in html
    assert map_builder.payload_bytes(m) < 3_000_000


def test_tiles_are_configurable_and_fail_quietly(analysis, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    result, _ = analysis
    units = map_layers.unit_layer(result, kind="area", measure="gi")
    html = _html(
        map_builder.build_map(
            units, tiles=TileSettings(url="http://127.0.0.1:9/{z}/{x}/{y}.png", attribution="Local")
        )
    )
    assert "http://127.0.0.1:9/{z}/{x}/{y}.png" in html
    assert webassets.TRANSPARENT_PNG in html  # errorTileUrl: no broken-image icons
    monkeypatch.setenv("HOTSPOTS_TILES_URL", "none")
    assert not tiles_from_env().enabled
    monkeypatch.delenv("HOTSPOTS_TILES_URL")
    assert tiles_from_env().url == OSM_TILES_URL


def test_unit_layer_properties_and_escaping(analysis) -> None:  # type: ignore[no-untyped-def]
    result, boundaries = analysis
    layer = map_layers.unit_layer(result, kind="cell", measure="gi")
    data = json.loads(layer.geojson)
    features = data["features"]
    assert (
        layer.features
        == len(features)
        == int(
            (
                (result.cells["count"] > 0)
                | (result.cells["gi_bin"] != 0)
                | (result.cells["lisa_cluster"] != "Not significant")
            ).sum()
        )
    )
    props = features[0]["properties"]
    assert set(props) >= {"id", "nm", "c", "d", "z", "p", "b", "l", "k"}
    coords = np.array(features[0]["geometry"]["coordinates"][0])
    assert np.allclose(coords, np.round(coords, 5))
    assert -80 < coords[0][0] < -78 and 43 < coords[0][1] < 44  # lon/lat, Toronto
    areas = map_layers.unit_layer(result, kind="area", measure="count")
    assert {f["properties"]["id"] for f in json.loads(areas.geojson)["features"]} == {
        "<b>West</b> & co",
        "East",
    }
    m = map_builder.build_map(
        areas, tiles=TileSettings(url=NO_TILES), outlines=map_layers.outline_layer(boundaries)
    )
    html = _html(m)
    assert "<b>West</b>" not in html  # names reach the page only as escaped JSON
    assert "hsEsc" in html


def test_legend_and_palettes() -> None:
    legend = map_layers.Legend("Title <x>", (("#fff", "a < b"),), "note & more")
    text = map_builder.legend_html(legend)
    assert "&lt;x&gt;" in text and "a &lt; b" in text and "note &amp; more" in text
    breaks = palettes.class_breaks([0, 1, 2, 3, 50, 100, 1000])
    assert breaks[-1] == 1000 and np.all(np.diff(breaks) > 0)
    assert palettes.class_of([0, 1, 1000], breaks).tolist()[0] == -1
    assert palettes.class_of([1000], breaks)[0] == len(breaks) - 1
    assert len(palettes.class_labels(breaks, integer=True)) == len(breaks)
    assert palettes.class_breaks([0, 0]).size == 0


def test_webassets_are_offline() -> None:
    css = webassets.inline_css("leaflet.css")
    assert "url(images/" not in css and "data:image/png;base64" in css
    for name in webassets.ASSETS:
        assert webassets.data_uri(name).startswith("data:")
    with pytest.raises(Exception, match="Unknown browser asset"):
        webassets.asset_path("bootstrap.js")


def _st_folium_script(m: object) -> str:
    """The script streamlit-folium keys its iframe on (``st_folium`` renders the same way)."""
    from streamlit_folium import _get_map_string, generate_js_hash

    m.get_root().render()  # type: ignore[attr-defined]
    return generate_js_hash(_get_map_string(m), "hotspot_map", False)  # type: ignore[arg-type]


def test_base_map_stays_the_same_while_the_data_layers_change(analysis) -> None:  # type: ignore[no-untyped-def]
    result, boundaries = analysis
    outlines = map_layers.outline_layer(boundaries)
    tiles = TileSettings(url=NO_TILES)
    bounds = map_layers.display_bounds(boundaries)

    def base() -> object:
        return map_builder.build_base_map(tiles=tiles, bounds=bounds, outlines=outlines)

    # streamlit-folium rebuilds its iframe when the base map's script changes: it must not
    # depend on the selection, only on the data set and the basemap.
    assert _st_folium_script(base()) == _st_folium_script(base())
    other_tiles = map_builder.build_base_map(
        tiles=TileSettings(url="http://127.0.0.1:9/{z}/{x}/{y}.png"), bounds=bounds
    )
    assert _st_folium_script(other_tiles) != _st_folium_script(base())

    gi = map_layers.unit_layer(result, kind="cell", measure="gi")
    counts = map_layers.unit_layer(result, kind="area", measure="count")
    groups = map_builder.data_layers(gi, points=map_layers.point_layer(result), units_name="Gi*")
    assert [g.layer_name for g in groups] == ["Gi*", "Incidents in hot spots (zoom in)"]
    assert len(map_builder.data_layers(counts, points=None)) == 1

    # The base map carries every asset the data layers need (loaded once, with the iframe),
    # the data layers none; neither points anywhere but data: URIs.
    m = base()
    links = [link for el in map_builder._walk(m) for link in getattr(el, "default_js", [])]
    assert [name for name, _ in links] == ["hotspots_scripts"]  # one script: one load to wait for
    bundle = base64.b64decode(links[0][1].partition(",")[2]).decode("utf-8")
    leaflet, cluster, units = (
        bundle.find(text) for text in ("Leaflet 1.9", "markerClusterGroup", "window.hsUnits")
    )
    assert 0 <= leaflet < cluster and 0 <= leaflet < units  # Leaflet first, then what uses it
    for group in groups:
        assert map_builder.external_urls(group) == []
        assert not any(getattr(el, "default_js", None) for el in map_builder._walk(group))
    html = _html(m)
    assert '"type":"FeatureCollection"' in html  # the outlines
    assert "hotspots_units" not in html and "hotspots_legend" not in html

    payload = map_builder.payload_bytes(base(), groups=groups, control=map_builder.layer_control())
    assert payload < 3_000_000


def test_data_layers_carry_legend_tooltips_and_free_replaced_layers(analysis) -> None:  # type: ignore[no-untyped-def]
    result, boundaries = analysis
    m = map_builder.build_map(
        map_layers.unit_layer(result, kind="cell", measure="lisa"),
        tiles=TileSettings(url=NO_TILES),
        outlines=map_layers.outline_layer(boundaries),
        points=map_layers.point_layer(result),
        units_name="LISA <clusters>",
    )
    html = _html(m)
    assert "Local Moran" in html  # the legend travels with the units
    assert "tooltip: tip" in html and "Click for the profile" in html
    assert "window.feature_group = [];" in html  # replaced layers are not kept alive
    assert "L.markerClusterGroup" in html and "L.control.layers" in html
    assert "hotspots_legend" in html
    assert "LISA <clusters>" not in html  # names reach the page only as escaped JSON


def test_points_and_clusters_use_the_palette_and_select_their_cell(analysis) -> None:  # type: ignore[no-untyped-def]
    """Issue 14: no MarkerCluster green/yellow/orange; a point click names a cell ("u")."""
    import urllib.parse

    result, boundaries = analysis
    m = map_builder.build_map(
        map_layers.unit_layer(result, kind="cell", measure="gi"),
        tiles=TileSettings(url=NO_TILES),
        outlines=map_layers.outline_layer(boundaries),
        points=map_layers.point_layer(result),
    )
    html = _html(m)
    assert "iconCreateFunction" in html and "hs-cluster-" in html
    assert 'u: "cell"' in html and palettes.POINT_FILL in html and "#ffd166" not in html
    css = ""
    for el in map_builder._walk(m):
        for name, uri in getattr(el, "default_css", []):
            if name == "hotspots_css":
                head, data = uri.split(",", 1)
                css = (
                    base64.b64decode(data).decode()
                    if head.endswith(";base64")
                    else urllib.parse.unquote(data)
                )
    for fill in palettes.MARKER_CLUSTER_FILLS:
        assert f"background-color: {fill};" in css
    unit = map_layers.unit_layer(result, kind="area", measure="count")
    assert {f["properties"]["u"] for f in json.loads(unit.geojson)["features"]} == {"area"}
