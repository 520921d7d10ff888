"""Writing an analysis to files: map-ready layers, the ranked table, rejects and a summary.

Files written by :func:`write_analysis` into ``out_dir``:

- ``cells.parquet`` — every active grid cell (GeoParquet, metric CRS);
- ``cells.geojson`` — the cells a map draws: those with incidents or a significant Gi* or
  Local Moran result (EPSG:4326, coordinates to 6 decimals);
- ``neighbourhoods.parquet`` / ``neighbourhoods.geojson`` — per boundary polygon, when given;
- ``hotspots.csv`` — significant hot cells ranked by Gi* z;
- ``rejects.csv`` — every input row that could not be used, with its reason;
- ``summary.json`` — every parameter (automatic ones included), CRS, counts and versions.

The space-time analyses have their own writers: :func:`write_emerging`, :func:`write_knox`,
:func:`write_clusters`.
"""

from __future__ import annotations

import functools
import json
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer

from hotspots.analysis import Analysis
from hotspots.ingest import LoadResult
from hotspots.spatial.projection import DISPLAY_CRS, to_display
from hotspots.stats.lisa import NOT_SIGNIFICANT

#: Decimals of longitude/latitude in GeoJSON files (about 0.1 m).
GEOJSON_DECIMALS = 6

if TYPE_CHECKING:
    from hotspots.stats.clusters import PointClusters
    from hotspots.stats.emerging import EmergingHotspots
    from hotspots.stats.near_repeat import KnoxResult

#: Every analysis export says what it is: exact counts at any cell size, for analysts only.
INTERNAL_LABEL = (
    "INTERNAL - NOT FOR PUBLICATION: exact counts, any cell size, incident-level tables. "
    "Public maps are made with hotspots publish (perturbed counts, cells of at least 500 m)."
)
#: Names of the files :func:`write_analysis` may write (glob patterns).
ANALYSIS_FILES = ("cells.*", "neighbourhoods.*", "hotspots.csv", "rejects.csv", "summary.json")
VERSIONED_PACKAGES = ("hotspots", "numpy", "pandas", "geopandas", "shapely", "pyproj", "scipy")


def write_analysis(
    analysis: Analysis, out_dir: str | Path, *, load: LoadResult | None = None
) -> dict[str, Path]:
    """Write the files listed in the module docstring; return their paths by name."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    paths.update(_write_layer(analysis.cells, out, "cells", map_rows=map_cells(analysis.cells)))
    if analysis.areas is not None:
        paths.update(_write_layer(analysis.areas, out, "neighbourhoods"))
    paths["hotspots"] = out / "hotspots.csv"
    analysis.hotspots.to_csv(paths["hotspots"], index=False)
    if load is not None:
        paths["rejects"] = out / "rejects.csv"
        load.rejects.to_csv(paths["rejects"], index=False)
    paths["summary"] = out / "summary.json"
    paths["summary"].write_text(
        json.dumps(summary(analysis, load=load), indent=2, default=_json_default) + "\n",
        encoding="utf-8",
    )
    return paths


def summary(analysis: Analysis, *, load: LoadResult | None = None) -> dict[str, Any]:
    """Parameters, counts and versions of one analysis, ready for JSON."""
    result: dict[str, Any] = {
        "label": INTERNAL_LABEL,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": analysis.params,
    }
    if load is not None:
        result["input"] = {
            "rows_read": load.rows_read,
            "rows_accepted": len(load.table),
            "rows_rejected": len(load.rejects),
            "rejected_by_reason": {str(k): int(v) for k, v in load.reject_counts().items()},
            "columns": {k: v for k, v in vars(load.mapping).items() if v is not None},
            "source_crs": load.source_crs,
            "timezone": load.timezone,
            "time_resolution": load.time_resolution,
            "notes": list(load.notes),
        }
    result["hotspots"] = {
        "hot_cells": int(analysis.cells["hotspot"].sum()),
        "incidents_in_hot_cells": int(analysis.cells.loc[analysis.cells["hotspot"], "count"].sum()),
        "incidents_counted": int(analysis.cells["count"].sum()),
    }
    result["versions"] = package_versions(VERSIONED_PACKAGES)
    return result


def _write_layer(
    frame: gpd.GeoDataFrame, out: Path, name: str, *, map_rows: pd.Series | None = None
) -> dict[str, Path]:
    """GeoParquet of every row; GeoJSON (lon/lat, 6 decimals) of ``map_rows`` (default all)."""
    geojson, parquet = out / f"{name}.geojson", out / f"{name}.parquet"
    frame.to_parquet(parquet, compression="zstd")
    shown = frame if map_rows is None else frame.loc[map_rows.to_numpy(dtype=bool)]
    write_geojson(shown, geojson, name=name)
    return {f"{name}_geojson": geojson, f"{name}_parquet": parquet}


def write_geojson(frame: gpd.GeoDataFrame, path: Path, *, name: str) -> None:
    """``frame`` as a GeoJSON FeatureCollection in longitude/latitude, coordinates to
    :data:`GEOJSON_DECIMALS` decimals, other numbers exactly (shortest round-trip text).

    Written column by column: the coordinates are projected and rounded in one pass, GEOS
    writes every geometry in one vectorised call, each property column becomes JSON text in
    one pass, and each feature is one string substitution (several times faster than GDAL's
    feature-by-feature writer, for the same file).
    """
    shapes = shapely.to_geojson(_display_geometry(frame)).astype(object)
    shapes[pd.isna(shapes)] = "null"
    columns = [column for column in frame.columns if column != frame.geometry.name]
    keys = (json.dumps(str(column), ensure_ascii=False).replace("%", "%%") for column in columns)
    feature = (
        '{"type": "Feature", "properties": {'
        + ", ".join(f"{key}: %s" for key in keys)
        + '}, "geometry": %s}'
    )
    texts = [_json_values(frame[column]).tolist() for column in columns] + [shapes.tolist()]
    header = {
        "type": "FeatureCollection",
        "name": name,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
    }
    features = ",\n".join([feature % values for values in zip(*texts, strict=True)])
    text = json.dumps(header)[:-1] + ', "features": [\n' + features + "\n]}\n"
    path.write_text(text, encoding="utf-8")


def _display_geometry(frame: gpd.GeoDataFrame) -> NDArray[np.object_]:
    """The geometries of ``frame`` in longitude/latitude, rounded to :data:`GEOJSON_DECIMALS`
    decimals: the numbers :func:`~hotspots.spatial.projection.to_display` gives, rounded,
    with the coordinates of flat (2-D) shapes read, projected and written back once."""
    geometry = frame.geometry.to_numpy()
    if frame.crs is None or shapely.has_z(geometry).any():  # the general path (and its errors)
        shown = to_display(frame).geometry.to_numpy()
        return shapely.transform(shown, lambda xy: np.round(xy, GEOJSON_DECIMALS))
    xy = shapely.get_coordinates(geometry)
    if not CRS.from_user_input(frame.crs).equals(DISPLAY_CRS):
        transformer = Transformer.from_crs(frame.crs, DISPLAY_CRS, always_xy=True)
        xy = np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    return shapely.set_coordinates(geometry.copy(), np.round(xy, GEOJSON_DECIMALS))


def _json_values(series: pd.Series) -> NDArray[np.object_]:
    """Each value of ``series`` as JSON text (missing and non-finite numbers are null)."""
    dtype = series.dtype
    missing = series.isna().to_numpy(dtype=bool, copy=True)
    if pd.api.types.is_bool_dtype(dtype):
        flags = series.to_numpy(dtype=bool, na_value=False)
        text = np.where(flags, "true", "false").astype(object)
    elif pd.api.types.is_integer_dtype(dtype):
        integers = series.to_numpy(dtype=np.int64, na_value=0).tolist()
        text = np.array(list(map(str, integers)), dtype=object)
    elif pd.api.types.is_float_dtype(dtype):
        numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
        missing |= ~np.isfinite(numbers)
        text = np.array(list(map(repr, numbers.tolist())), dtype=object)
    else:  # labels: few distinct values, each encoded once
        codes, labels = pd.factorize(series.astype(object))
        encoded = [json.dumps(str(v), ensure_ascii=False) for v in labels.tolist()] + ["null"]
        text = np.asarray(encoded, dtype=object)[codes]
    text[missing] = "null"
    return text


def package_versions(packages: Sequence[str]) -> dict[str, str | None]:
    """Python's version and each installed package's (None when absent), for result files."""
    return {"python": platform.python_version(), **{p: _version(p) for p in packages}}


def map_cells(cells: gpd.GeoDataFrame) -> pd.Series:
    """Cells a map needs: with incidents, or significant in Gi* or Local Moran."""
    needed = cells["count"] > 0
    if "gi_bin" in cells.columns:
        needed |= cells["gi_bin"] != 0
    if "lisa_cluster" in cells.columns:
        needed |= cells["lisa_cluster"].notna() & (cells["lisa_cluster"] != NOT_SIGNIFICANT)
    return needed


@functools.cache  # installed versions do not change while a process runs
def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat()
    return str(value)


# -- space and time (emerging hot spots, near repeat, point clusters) -----------------------------


def write_emerging(result: EmergingHotspots, out_dir: str | Path) -> dict[str, Path]:
    """``emerging.geojson`` (EPSG:4326) / ``emerging.parquet`` (metric CRS), one row per cell
    with ``pattern``, ``trend_z``, ``trend_p``, ``hot_intervals``…, and ``emerging.json``
    (every parameter, the count per pattern, versions)."""
    return _write_layer_and_parameters(result.cells, result.params, out_dir, "emerging")


def write_knox(result: KnoxResult, out_dir: str | Path) -> dict[str, Path]:
    """``knox.csv`` (the Knox table) and ``knox.json`` (parameters and the plain sentence)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"knox": out / "knox.csv", "knox_json": out / "knox.json"}
    result.table.to_csv(paths["knox"], index=False)
    _write_json(
        paths["knox_json"],
        {
            "parameters": result.params,
            "events": result.events,
            "pairs_within_reach": result.pairs_within_reach,
            "summary": result.summary(),
        },
    )
    return paths


def write_clusters(result: PointClusters, out_dir: str | Path) -> dict[str, Path]:
    """``clusters.geojson`` / ``clusters.parquet`` (outlines, counts, main offense) and
    ``clusters.json`` (parameters and the share of incidents clustered)."""
    return _write_layer_and_parameters(result.clusters, result.params, out_dir, "clusters")


def _write_layer_and_parameters(
    layer: gpd.GeoDataFrame, params: dict[str, Any], out_dir: str | Path, name: str
) -> dict[str, Path]:
    """``{name}.geojson`` / ``{name}.parquet`` of ``layer`` and ``{name}.json`` of ``params``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = _write_layer(layer, out, name)
    paths[f"{name}_json"] = out / f"{name}.json"
    _write_json(paths[f"{name}_json"], {"parameters": params})
    return paths


def _write_json(path: Path, content: dict[str, Any]) -> None:
    document = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **content,
        "versions": package_versions(VERSIONED_PACKAGES),
    }
    path.write_text(json.dumps(document, indent=2, default=_json_default) + "\n", encoding="utf-8")
