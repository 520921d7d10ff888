"""Files the user can download: what they see, as CSV or GeoJSON (longitude/latitude).

Functions return bytes (or a callable producing them, for ``st.download_button``'s
deferred generation: :func:`later` and :func:`ready`). Formats follow
:mod:`hotspots.export`: GeoJSON in EPSG:4326 with coordinates to 6 decimals.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd

from hotspots.spatial.projection import to_display

CELL_COLUMNS = (
    "cell_id", "neighbourhood", "count", "density_km2", "gi_z", "gi_p", "gi_p_fdr", "gi_bin", "gi_class", "gi_label",
    "hotspot", "lisa_i", "lisa_p_fdr", "lisa_cluster",
)  # fmt: skip
AREA_COLUMNS = (
    "name", "count", "area_km2", "density_km2", "population", "rate_per_1000", "gi_z", "gi_p_fdr", "gi_bin",
    "gi_class", "gi_label", "lisa_cluster",
)  # fmt: skip


def geojson(frame: gpd.GeoDataFrame, columns: tuple[str, ...]) -> bytes:
    """``frame`` (any CRS) as GeoJSON in longitude/latitude with the listed columns present."""
    keep = [c for c in columns if c in frame.columns]
    display = to_display(frame[[*keep, frame.geometry.name]])
    display = display.set_geometry(display.geometry.set_precision(1e-6))
    return display.to_json(drop_id=True, na="null").encode("utf-8")


def csv(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV without the index (geometry dropped)."""
    plain = pd.DataFrame(frame.drop(columns=[c for c in ("geometry",) if c in frame.columns]))
    return plain.to_csv(index=False).encode("utf-8")


def later(make: Callable[..., bytes], *args: Any) -> Callable[[], bytes]:
    """``make(*args)``, made when the download button is clicked. A button given bytes
    registers a file as the page renders, which the browser checks at once; a rerun in
    between removes it (a 404 in the console, seen in CI). Deferred, nothing can go stale."""
    return functools.partial(make, *args)


def ready(data: bytes) -> Callable[[], bytes]:
    """Bytes made already, handed over on the click (see :func:`later`)."""
    return lambda: data
