"""Written files: GeoParquet of every cell, GeoJSON of the cells a map draws."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

from hotspots.analysis import analyze
from hotspots.export import map_cells, write_analysis
from hotspots.ingest.synthetic import PlantedHotspot, synthetic_incidents

EXTENT = (620_000.0, 4_830_000.0, 630_000.0, 4_840_000.0)


def test_geojson_holds_the_map_cells_and_parquet_all(tmp_path: Path) -> None:
    spot = PlantedHotspot(x=623_000.0, y=4_833_000.0, radius_m=300.0, share=0.2)
    incidents = synthetic_incidents(
        1_500, extent_m=EXTENT, crs=32617, hotspots=(spot,), rng=2
    ).incidents
    analysis = analyze(incidents, cell_size_m=200, lisa=True, permutations=99, quiet=True)
    paths = write_analysis(analysis, tmp_path)

    every = gpd.read_parquet(paths["cells_parquet"])
    assert len(every) == len(analysis.cells) and every.crs == analysis.cells.crs
    shown = gpd.read_file(paths["cells_geojson"])
    needed = map_cells(analysis.cells)
    assert 0 < len(shown) == int(needed.sum()) < len(every)
    assert shown["count"].sum() == analysis.cells["count"].sum()
    assert set(shown["cell_id"]) >= set(analysis.cells.loc[analysis.cells["hotspot"], "cell_id"])
    assert shown.crs.to_epsg() == 4326
    # Coordinates to 6 decimals, as the text says.
    text = paths["cells_geojson"].read_text()
    first = text[text.index("coordinates") :][:200]
    numbers = first.replace("]", ",").replace("[", ",").split(",")
    decimals = [len(n.strip().split(".")[1]) for n in numbers if "." in n]
    assert decimals and max(decimals) <= 6
    bounds = np.array(shown.total_bounds)
    assert np.all(np.isfinite(bounds))


def test_geojson_text_holds_every_value_exactly(tmp_path: Path) -> None:
    """Coordinates are the lon/lat of the shapes rounded to 6 decimals; numbers are exact
    (shortest round-trip text); missing values, odd names and a 3-D shape survive."""
    import json

    import pandas as pd
    import shapely

    from hotspots.export import GEOJSON_DECIMALS, write_geojson
    from hotspots.spatial.projection import to_display

    frame = gpd.GeoDataFrame(
        {
            "n%s": pd.array([1, None, 3], dtype="Int64"),
            "x": [0.1, np.nan, 1 / 3],
            "label": ["Café", None, 'a "quoted" name'],
            "flag": [True, False, True],
        },
        geometry=[shapely.box(623_000, 4_833_000, 623_250, 4_833_250), None, shapely.Point(0, 0)],
        crs=32617,
    )
    for shapes in (frame, frame.set_geometry(shapely.force_3d(frame.geometry.to_numpy()))):
        path = tmp_path / "layer.geojson"
        write_geojson(shapes, path, name="layer")
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        assert [f["properties"] for f in features] == [
            {"n%s": 1, "x": 0.1, "label": "Café", "flag": True},
            {"n%s": None, "x": None, "label": None, "flag": False},
            {"n%s": 3, "x": 1 / 3, "label": 'a "quoted" name', "flag": True},
        ]
        assert features[1]["geometry"] is None
        written = shapely.from_geojson([json.dumps(features[i]["geometry"]) for i in (0, 2)])
        expected = to_display(frame).geometry.to_numpy()[[0, 2]]
        assert np.array_equal(
            shapely.get_coordinates(written),
            np.round(shapely.get_coordinates(expected), GEOJSON_DECIMALS),
        )
