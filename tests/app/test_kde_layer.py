"""The Map page's "Kernel density" layer: quartic KDE of the cell counts, sfhotspot's bandwidth."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from hotspots.analysis import analyze
from hotspots.dashboard.map_layers import MEASURES, kernel_density_km2, unit_layer
from hotspots.errors import InputError
from hotspots.ingest.synthetic import synthetic_incidents
from hotspots.stats.kde import bandwidth_nrd_m, kde_exact

EXTENT = (620_000.0, 4_830_000.0, 624_000.0, 4_834_000.0)


def _analysis(grid: str = "square"):  # type: ignore[no-untyped-def]
    data = synthetic_incidents(1500, extent_m=EXTENT, hotspots=2, rng=2)
    return analyze(data.incidents, grid=grid, cell_size_m=250.0, lisa=False)  # type: ignore[arg-type]


def test_kernel_density_layer_matches_the_exact_sum_over_binned_counts() -> None:
    analysis = _analysis()
    density, bandwidth = kernel_density_km2(analysis)
    xy = shapely.get_coordinates(analysis.incidents.geometry.values)
    assert bandwidth == pytest.approx(bandwidth_nrd_m(xy[:, 0], xy[:, 1]))
    centres = analysis.grid.centres()
    counts = analysis.cells["count"].to_numpy(dtype=float)
    exact = kde_exact(
        centres[:, 0], centres[:, 1], centres[:, 0], centres[:, 1],
        bandwidth_m=bandwidth, weights=counts,
    ) * 1e6  # fmt: skip
    np.testing.assert_allclose(density, exact, rtol=1e-6, atol=exact.max() * 1e-9)
    layer = unit_layer(analysis, kind="cell", measure="kde")
    assert "Kernel density" in layer.legend.title and "bandwidth" in layer.legend.title
    # A smooth surface reaches cells without incidents.
    assert layer.features > int((counts > 0).sum())
    assert len(json.loads(layer.geojson)["features"]) == layer.features


def test_kernel_density_needs_square_cells() -> None:
    with pytest.raises(InputError, match="square"):
        kernel_density_km2(_analysis("hex"))


def test_map_page_offers_the_kernel_density_layer(app: AppTest) -> None:
    assert "kde" in MEASURES
    app.segmented_control(key="map_measure").set_value("kde").run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
