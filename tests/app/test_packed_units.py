"""The packed units the map sends: read back exactly, and drawn by the page as GeoJSON would be.

``pack_units`` replaces the GeoJSON of the map's cells and areas (4.5× smaller at the
default view). These tests check that nothing is lost: the Python reader gives back every
polygon (holes and multi-part areas included) and property, and a real browser draws one
polygon per unit whose properties add up to the analysis, with a tooltip and a click that
returns the unit's id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.dashboard import map_builder, map_layers
from hotspots.dashboard.settings import TileSettings
from hotspots.dashboard.startup import default_key
from hotspots.ingest.datasets import toronto_incidents_path

CHROMIUM = Path("/usr/bin/chromium")


def _props(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        {
            "id": np.arange(n, dtype=np.int64) * 7 + 3,
            "u": "cell",
            "c": rng.integers(0, 50, n),
            "z": np.round(rng.normal(size=n), 2),
            "p": [None if k % 3 == 0 else 0.5 for k in range(n)],
            "r": np.where(np.arange(n) % 2 == 0, np.nan, 1.25),
        }
    )


def test_packed_squares_read_back_exactly() -> None:
    boxes = np.array(
        [shapely.box(-79.4 + i * 0.0025, 43.6, -79.4 + (i + 1) * 0.0025, 43.6018) for i in range(6)]
    )
    geometry = shapely.transform(boxes, lambda c: np.round(c, 5))
    props = _props(6)
    packed = map_layers.pack_units(geometry, props)
    data = json.loads(packed)
    assert data["r"] == 4 and data["pr"] == 1 and not data["m"]  # counts sent once
    assert data["s"] == {"u": "cell"}  # a property shared by every unit is sent once
    features = map_layers.unpack_units(packed)["features"]
    assert len(features) == 6
    for feature, box, (_, row) in zip(features, geometry, props.iterrows(), strict=True):
        assert shapely.equals_exact(shapely.geometry.shape(feature["geometry"]), box, 1e-9)
        expected = {
            k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()
        }
        assert feature["properties"] == expected


def test_packed_areas_with_holes_and_parts_read_back_exactly() -> None:
    ring = shapely.box(0.001, 0.001, 0.009, 0.009).exterior
    holed = shapely.Polygon(shapely.box(0, 0, 0.01, 0.01).exterior, [ring])
    parts = shapely.MultiPolygon(
        [shapely.box(0.02, 0, 0.03, 0.01), shapely.box(0.04, 0, 0.05, 0.01)]
    )
    plain = shapely.box(0.06, 0, 0.07, 0.01)
    geometry = np.array([holed, parts, plain], dtype=object)
    props = pd.DataFrame({"id": ["A & <b>", "B", "C"], "u": "area", "c": [1, 2, 3]})
    packed = map_layers.pack_units(geometry, props)
    assert json.loads(packed)["m"]
    features = map_layers.unpack_units(packed)["features"]
    assert [f["properties"]["id"] for f in features] == ["A & <b>", "B", "C"]
    for feature, shape in zip(features, geometry, strict=True):
        back = shapely.geometry.shape(feature["geometry"])
        assert back.geom_type == "MultiPolygon"
        assert shapely.equals(back, shape)
    with pytest.raises(ValueError, match="needs polygons"):
        map_layers.pack_units(np.array([shapely.Point(0, 0)], dtype=object), props.head(1))


@pytest.fixture(scope="module")
def toronto_analysis() -> Any:
    if not toronto_incidents_path().exists():
        pytest.skip("the bundled Toronto data is missing")
    from hotspots.dashboard.datasets import load_toronto
    from hotspots.dashboard.startup import analyze_key

    dataset = load_toronto()
    return dataset, analyze_key(dataset, default_key(dataset))


def test_packed_cells_match_the_analysis(toronto_analysis: Any) -> None:
    """Every cell with incidents or significance is there, at its place, with its count."""
    _, result = toronto_analysis
    layer = map_layers.unit_layer(result, kind="cell", measure="gi")
    features = json.loads(layer.geojson)["features"]
    cells = result.cells.set_index("cell_id")
    drawn = cells.loc[[f["properties"]["id"] for f in features]]
    assert (
        layer.features
        == len(features)
        == int(
            (
                (cells["count"] > 0)
                | (cells["gi_bin"] != 0)
                | (cells["lisa_cluster"] != "Not significant")
            ).sum()
        )
    )
    assert sum(f["properties"]["c"] for f in features) == int(cells["count"].sum())
    assert [f["properties"]["c"] for f in features] == drawn["count"].tolist()
    centres = shapely.centroid(
        np.array([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object)
    )
    import geopandas as gpd

    from hotspots.spatial.projection import to_display

    expected = to_display(gpd.GeoDataFrame(geometry=drawn.geometry.centroid.values, crs=cells.crs))
    gap = np.hypot(
        shapely.get_x(centres) - expected.geometry.x.to_numpy(),
        shapely.get_y(centres) - expected.geometry.y.to_numpy(),
    )
    assert gap.max() < 2e-5  # degrees: the 1e-5 rounding of the corners, nothing more


@pytest.mark.browser
@pytest.mark.slow
def test_page_draws_packed_cells_with_tooltip_and_click(
    toronto_analysis: Any, tmp_path: Path
) -> None:
    """Chromium draws every packed cell; hover shows its numbers, a click returns its feature."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found; install Debian's chromium (make system-deps)")
    from playwright.sync_api import sync_playwright

    dataset, result = toronto_analysis
    layer = map_layers.unit_layer(result, kind="cell", measure="gi")
    m = map_builder.build_map(layer, tiles=TileSettings(url="none"), outlines=dataset.outlines)
    page_file = tmp_path / "map.html"
    m.save(str(page_file))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(page_file.as_uri())
            page.wait_for_function("() => window.hotspotsMap !== undefined")
            state = page.evaluate(
                """() => { let n = 0, total = 0, best = null;
                  const map = window.hotspotsMap, layers = hsUnitLayers(map);
                  layers.forEach((l) => l.hsEach((p, visible, i) => { n += 1; total += p.c;
                      if (p.b === 3 && (!best || p.c > best.p.c)) { best = {l, p, i}; } }));
                  const bounds = best.l.hsBounds(best.i);
                  map.fitBounds(bounds, {maxZoom: 15, animate: false});
                  const pt = map.latLngToContainerPoint(bounds.getCenter());
                  window.hsClicked = null;
                  best.l.on("click", (e) => { window.hsClicked = e.layer.toGeoJSON(); });
                  return {n, total, x: pt.x, y: pt.y, id: best.p.id, c: best.p.c,
                          layers: layers.length}; }"""
            )
            assert state["layers"] == 1
            assert state["n"] == layer.features
            assert state["total"] == int(result.cells["count"].sum())
            page.mouse.move(state["x"], state["y"])
            tooltip = page.locator(".leaflet-tooltip .hs-tip")
            tooltip.wait_for()
            assert f"cell {state['id']}" in tooltip.inner_text()
            assert f"Incidents: {state['c']:,}" in tooltip.inner_text()
            page.mouse.click(state["x"], state["y"])
            page.wait_for_function("() => window.hsClicked !== null")
            clicked = page.evaluate("() => window.hsClicked")
            assert clicked["properties"]["id"] == state["id"]
            assert clicked["properties"]["u"] == "cell"
            assert clicked["geometry"]["type"] == "Polygon"
            assert not errors, errors
        finally:
            browser.close()
