"""Turning uploaded files into a :class:`~hotspots.dashboard.datasets.Dataset`.

The Data page calls these in three steps, each with a clear message on failure:

1. :func:`preview_incidents` / :func:`preview_boundaries` read the file and report its
   columns and the library's auto-detected column mapping (which pre-fills the form);
2. the user corrects the mapping, the CRS or the time zone;
3. :func:`load_upload` validates every row (:func:`hotspots.ingest.load_incidents`) and
   returns the data set with its reject report.

No Streamlit code here, so the whole path is tested with real files read as bytes.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.dashboard.datasets import Dataset, make_dataset
from hotspots.errors import HotspotsError, InputError
from hotspots.ingest import (
    SUPPORTED_FORMATS,
    ColumnMapping,
    detect_columns,
    load_boundaries,
    load_incidents,
    read_table,
)
from hotspots.ingest.readers import layer_names

log = logging.getLogger(__name__)

#: Extensions the uploaders accept (without the dot).
_VECTOR_EXTENSIONS = ("geojson", "json", "gpkg", "zip", "kml", "kmz")
INCIDENT_EXTENSIONS = ("csv", "gz", "txt", "tsv", "parquet", "geoparquet", *_VECTOR_EXTENSIONS)
BOUNDARY_EXTENSIONS = (*_VECTOR_EXTENSIONS, "parquet", "geoparquet", "shp")

#: Rows shown in the preview table.
PREVIEW_ROWS = 8


@dataclass(frozen=True)
class Upload:
    """An uploaded file: its name (for the format) and its bytes."""

    name: str
    data: bytes = field(repr=False)

    @property
    def digest(self) -> str:
        """Short SHA-256 of the content: the cache key of everything derived from it."""
        return hashlib.sha256(self.data).hexdigest()[:16]

    @property
    def size_mb(self) -> float:
        """Size in megabytes."""
        return len(self.data) / 1e6

    def stream(self) -> io.BytesIO:
        """A fresh binary stream over the content."""
        return io.BytesIO(self.data)


@dataclass(frozen=True, eq=False)
class Preview:
    """What an incident file holds, before any row is validated.

    Attributes
    ----------
    columns : tuple of str
        The file's columns (a geometry column is listed as ``geometry``).
    head : DataFrame
        The first :data:`PREVIEW_ROWS` rows (geometry as text).
    rows : int
        Rows read.
    detected : ColumnMapping
        The library's guess, which pre-fills the form.
    has_geometry : bool
        The file has a geometry column (GeoJSON, GeoPackage…).
    needs_crs : bool
        The coordinates look projected (beyond ±180/±90) and the file carries no CRS.
    geometry_kind : str
        ``"points"``, ``"polygons"``, ``"lines"`` or ``"mixed"`` for geometry files, ``""``
        otherwise.
    """

    columns: tuple[str, ...]
    head: pd.DataFrame
    rows: int
    detected: ColumnMapping
    has_geometry: bool
    needs_crs: bool
    geometry_kind: str = ""

    @property
    def has_points(self) -> bool:
        """Point geometries: no coordinate columns are needed."""
        return self.geometry_kind == "points"

    @property
    def looks_like_boundaries(self) -> bool:
        """Polygons and no date column: a boundary file put in the incident box."""
        return self.geometry_kind == "polygons"


@dataclass(frozen=True, eq=False)
class BoundaryPreview:
    """What a boundary file holds: columns, polygons, whether it has a CRS."""

    columns: tuple[str, ...]
    rows: int
    has_crs: bool


@dataclass(frozen=True)
class UploadOptions:
    """The choices made in the column-mapping form (hashable, a cache key).

    Attributes
    ----------
    columns : tuple of (field, column or None)
        The full mapping, every field of :data:`hotspots.ingest.FIELDS`.
    crs : str or None
        CRS of the coordinates (e.g. ``"EPSG:26910"``), None: from the file or lon/lat.
    timezone : str or None
        IANA time zone, None: inferred from the coordinates.
    date_format : str or None
        ``"day-first"``, ``"month-first"`` or a ``strptime`` format (the CLI's
        ``--date-format``), None: detected from the whole date column.
    layer, boundary_layer : str or None
        The layer of a GeoPackage holding several (see :func:`layers_of`).
    boundary_name, boundary_population : str or None
        Columns of the boundary file; None: auto-detected.
    clip_to_boundaries : bool
        Reject incidents outside the boundaries ("outside study boundary").
    label : str
        Name the data set gets in the app.
    """

    columns: tuple[tuple[str, str | None], ...]
    crs: str | None = None
    timezone: str | None = None
    date_format: str | None = None
    layer: str | None = None
    boundary_layer: str | None = None
    boundary_name: str | None = None
    boundary_population: str | None = None
    clip_to_boundaries: bool = True
    label: str = ""

    @classmethod
    def from_mapping(cls, mapping: ColumnMapping, **kwargs: object) -> UploadOptions:
        """Options with ``mapping`` as the columns (other options as keywords)."""
        return cls(columns=tuple(mapping.as_dict().items()), **kwargs)  # type: ignore[arg-type]

    @property
    def mapping(self) -> ColumnMapping:
        """The columns as a :class:`ColumnMapping`."""
        return ColumnMapping(**dict(self.columns))


#: Formats whose files may hold several layers to choose from (KML folders are stacked).
_LAYERED = (".gpkg", ".sqlite")


def layers_of(upload: Upload) -> tuple[str, ...]:
    """The layers of a file holding several (a GeoPackage); ``()`` for one or none."""
    if Path(upload.name).suffix.lower() not in _LAYERED:
        return ()
    try:
        names = tuple(layer_names(upload.stream(), filename=upload.name))
    except (InputError, RuntimeError):
        return ()  # reading it says what is wrong
    return names if len(names) > 1 else ()


def preview_incidents(upload: Upload, *, layer: str | None = None) -> Preview:
    """Read an incident file and detect its columns.

    Raises
    ------
    HotspotsError
        The file cannot be read (unknown format, empty, broken): the message says why.
    """
    frame = read_table(upload.stream(), filename=upload.name, layer=layer)
    has_geometry = isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns
    detected = detect_columns(frame)
    head = frame.head(PREVIEW_ROWS).copy()
    if has_geometry:
        head = pd.DataFrame(head).assign(
            **{frame.geometry.name: frame.geometry.head(PREVIEW_ROWS).to_wkt()}
        )
    head = head.astype("string")
    crs = getattr(frame, "crs", None) if has_geometry else None
    needs_crs = False
    if crs is None:
        for x_col, y_col in ((detected.x, detected.y), (detected.lon, detected.lat)):
            if x_col and y_col:
                needs_crs = needs_crs or _looks_projected(frame[x_col], frame[y_col])
    return Preview(
        columns=tuple(str(c) for c in frame.columns),
        head=pd.DataFrame(head),
        rows=len(frame),
        detected=detected,
        has_geometry=has_geometry,
        needs_crs=needs_crs,
        geometry_kind=_geometry_kind(frame.geometry) if has_geometry else "",
    )


def _geometry_kind(geometry: gpd.GeoSeries) -> str:
    """What a file's geometries are: "points", "polygons", "lines" or "mixed"."""
    kinds = {
        "Point": "points",
        "Polygon": "polygons",
        "MultiPolygon": "polygons",
        "LineString": "lines",
        "MultiLineString": "lines",
    }
    found = {kinds.get(str(t), "mixed") for t in geometry.dropna().geom_type.unique()}
    return found.pop() if len(found) == 1 else "mixed"


def preview_boundaries(upload: Upload, *, layer: str | None = None) -> BoundaryPreview:
    """Read a boundary file's columns (for the name and population choosers)."""
    frame = read_table(upload.stream(), filename=upload.name, layer=layer)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(
            f"{upload.name!r} has no geometries, so it cannot be used as boundaries; upload polygons "
            "as GeoJSON, GeoPackage, a zipped shapefile, KML or GeoParquet."
        )
    columns = tuple(str(c) for c in frame.columns if c != frame.geometry.name)
    return BoundaryPreview(columns=columns, rows=len(frame), has_crs=frame.crs is not None)


def load_upload(
    incidents: Upload, options: UploadOptions, *, boundaries: Upload | None = None
) -> Dataset:
    """Validate every row of an uploaded incident file (and read its boundaries).

    Returns
    -------
    Dataset
        Keyed ``upload-<hash of the file and the options>``; its ``load.rejects`` is the
        reject report.

    Raises
    ------
    HotspotsError
        For any problem the user can fix (missing columns, CRS, every row rejected…).
    """
    polygons = None
    if boundaries is not None:
        polygons = load_boundaries(
            boundaries.stream(),
            filename=boundaries.name,
            layer=options.boundary_layer,
            name=options.boundary_name,
            population=options.boundary_population,
        )
    load = load_incidents(
        incidents.stream(),
        filename=incidents.name,
        columns=options.mapping,
        crs=options.crs or None,
        timezone=options.timezone or None,
        date_format=options.date_format or None,
        layer=options.layer,
        boundaries=polygons if options.clip_to_boundaries else None,
        quiet=True,
    )
    key = (
        "upload-"
        + hashlib.sha256(
            (incidents.digest + (boundaries.digest if boundaries else "") + repr(options)).encode()
        ).hexdigest()[:12]
    )
    label = options.label.strip() or _default_label(incidents.name)
    source = f"Uploaded file {incidents.name}" + (
        f" with boundaries {boundaries.name}" if boundaries else ""
    )
    return make_dataset(key, label, load, polygons, source=source)


def friendly_error(exc: BaseException, *, what: str) -> str:
    """A message for the user: the library's own message, or a plain one for anything else."""
    if isinstance(exc, HotspotsError):
        return exc.render("app")
    formats = "; ".join(f"{k} ({', '.join(v)})" for k, v in SUPPORTED_FORMATS.items())
    return (
        f"The {what} could not be read ({type(exc).__name__}: {exc}). Check that it is a complete, "
        f"uncorrupted file in one of the supported formats: {formats}."
    )


def _looks_projected(x: pd.Series, y: pd.Series) -> bool:
    xs = pd.to_numeric(x.head(2000), errors="coerce").to_numpy(dtype=np.float64)
    ys = pd.to_numeric(y.head(2000), errors="coerce").to_numpy(dtype=np.float64)
    ok = np.isfinite(xs) & np.isfinite(ys) & ~((xs == 0) & (ys == 0))
    if not ok.any():
        return False
    with np.errstate(over="ignore"):  # 1e308 is no coordinate; the load says so
        return bool(np.median(np.abs(xs[ok])) > 180 or np.median(np.abs(ys[ok])) > 90)


def _default_label(name: str) -> str:
    stem = name
    for suffix in (".gz", ".zip"):
        stem = stem.removesuffix(suffix)
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return f"{stem} (uploaded)"
