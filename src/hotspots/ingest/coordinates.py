"""Turning coordinate columns or point geometries into metric points, rejecting bad rows.

Checks, in this order (the first one a row fails is its reject reason):

1. ``missing coordinate`` - an empty cell (or ``nan``/``null``/``NA``) or a missing/empty
   geometry.
2. ``non-numeric coordinate`` - text that is not a number (``12,5`` with a decimal comma
   is read as 12.5).
3. ``withheld location (0/0)`` - both raw values are exactly 0, in any CRS (Vancouver codes
   withheld person offenses as X=0, Y=0).
4. ``coordinate out of range`` - outside [-180, 180] x [-90, 90] for degrees, or not
   projectable to the metric CRS.
5. ``not a point geometry`` - lines, polygons or multi-points in a geometry source.

Whole-file judgements raise instead of rejecting row by row, because every row would be
wrong in the same way:

* lat/lon swapped (most rows only make sense swapped, or the data's centre lies at sea or
  in Antarctica while the swapped centre lies on land) -> :class:`~hotspots.errors.InputError`
  with the fix ``swap_lat_lon=True``;
* projected-looking numbers (most rows beyond degree ranges) and no CRS ->
  :class:`~hotspots.errors.CRSError` with the fix ``crs="EPSG:...."``.

The metric CRS is the WGS 84 / UTM zone of the median accepted point, always (a projected
source CRS is not kept, so every result is comparable).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as PyprojCRSError

from hotspots.blocks import MAX_THREADS, in_blocks
from hotspots.errors import ColumnError, CRSError, InputError, Option, describe, literal
from hotspots.ingest.columns import ColumnMapping
from hotspots.ingest.rejects import RejectLedger, quoted
from hotspots.ingest.timestamps import timezone_finder
from hotspots.sampling import every_kth
from hotspots.spatial.projection import utm_crs_for

log = logging.getLogger(__name__)

WGS84 = CRS.from_epsg(4326)
_MISSING_WORDS = ("", "nan", "null", "none", "na", "n/a", "#n/a", "-")
_MAJORITY = 0.5


@dataclass
class Located:
    """Where each row is, in the metric CRS (NaN for rejected rows)."""

    x_m: np.ndarray
    y_m: np.ndarray
    source_crs: CRS
    metric_crs: CRS | None
    centre_lon_lat: tuple[float, float] | None
    notes: list[str] = field(default_factory=list)


@dataclass
class _Raw:
    """Raw coordinates of every row in the source CRS, before checks."""

    a: np.ndarray  # x or longitude
    b: np.ndarray  # y or latitude
    a_name: str
    b_name: str
    declared_lon_lat: bool
    non_point: np.ndarray | None = None  # geometry sources: rows holding another geometry
    non_point_detail: np.ndarray | None = None


def parse_crs(crs: str | int | CRS | None, argument: str = "crs") -> CRS | None:
    """Return ``crs`` as a :class:`pyproj.CRS` (``None`` stays ``None``)."""
    if crs is None:
        return None
    try:
        return CRS.from_user_input(crs)
    except PyprojCRSError:
        raise CRSError(
            f"{argument}={describe(crs)} is not a coordinate reference system; use an EPSG "
            "code such as 'EPSG:4326' (longitude/latitude) or 'EPSG:26910' (UTM zone 10N)."
        ) from None


def locate(
    frame: pd.DataFrame,
    mapping: ColumnMapping,
    ledger: RejectLedger,
    *,
    crs: CRS | None,
    swap_lat_lon: bool,
    use_geometry: bool,
) -> Located:
    """Check every row's coordinates, reject the bad ones and project the rest.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The source rows.
    mapping : ColumnMapping
        Which columns hold lat/lon or x/y (ignored when ``use_geometry``).
    ledger : RejectLedger
        Receives the rejects.
    crs : pyproj.CRS or None
        The CRS the user declared (overrides a file's own CRS).
    swap_lat_lon : bool
        Swap the latitude and longitude columns.
    use_geometry : bool
        Read the points from ``frame``'s geometry column.

    Returns
    -------
    Located
        Metric coordinates (in metres) of every row, NaN where rejected.
    """
    notes: list[str] = []
    if use_geometry:
        raw, source_crs = _from_geometry(frame, ledger, crs, notes)
    else:
        raw = _from_columns(frame, mapping, ledger, swap_lat_lon)
        source_crs = crs
        if source_crs is None or source_crs.is_geographic:
            _normalise_0_360(raw, ledger, notes)
    ledger.reject(
        (raw.a == 0) & (raw.b == 0),
        "withheld location (0/0)",
        f"{raw.a_name}=0 and {raw.b_name}=0 (location withheld)",
    )
    _reject_beyond_any_crs(raw, ledger)

    if source_crs is None:
        source_crs = _infer_crs(raw, ledger, notes, swap_lat_lon=swap_lat_lon)
    elif source_crs.is_geographic and not swap_lat_lon and not use_geometry:
        _check_swapped(raw, ledger)
    points = np.ones(len(frame), dtype=bool) if raw.non_point is None else ~raw.non_point
    if source_crs.is_geographic:
        _reject_out_of_degrees(raw, ledger, points)
    else:
        bad = ~(np.isfinite(raw.a) & np.isfinite(raw.b)) & points
        ledger.reject(bad, "coordinate out of range", f"{raw.a_name}/{raw.b_name} is not finite")
    if raw.non_point is not None and raw.non_point_detail is not None:
        ledger.reject(raw.non_point, "not a point geometry", raw.non_point_detail)

    n = len(frame)
    valid = ledger.accepted
    if not valid.any():
        return Located(np.full(n, np.nan), np.full(n, np.nan), source_crs, None, None, notes)

    centre = _centre_lon_lat(_take(raw.a, valid), _take(raw.b, valid), source_crs)
    _refuse_polar(centre, source_crs)
    metric = utm_crs_for(*centre)
    # Every row projected, the rejected ones too (set to NaN below): no gathered copies.
    x_m, y_m = project(raw.a, raw.b, source_crs, metric)
    unprojectable = valid & ~(np.isfinite(x_m) & np.isfinite(y_m))
    ledger.reject(
        unprojectable,
        "coordinate out of range",
        f"{raw.a_name}/{raw.b_name} cannot be projected from {source_crs.to_string()}",
    )
    rejected = ~ledger.accepted
    if rejected.any():
        x_m[rejected] = np.nan
        y_m[rejected] = np.nan
    notes.append(
        f"metric CRS {metric.name} (EPSG:{metric.to_epsg()}), the UTM zone of the data's "
        f"centre ({centre[0]:.4f}, {centre[1]:.4f})"
    )
    return Located(x_m, y_m, source_crs, metric, centre, notes)


#: Points per thread when projecting (pyproj releases the GIL while it transforms).
_PROJECT_CHUNK = 500_000


def project(
    x: np.ndarray, y: np.ndarray, source: CRS, target: CRS
) -> tuple[np.ndarray, np.ndarray]:
    """``x``, ``y`` (float64 arrays in ``source``) transformed to ``target``: one pyproj call
    per slice of the arrays, in parallel threads (each with its own Transformer), written in
    place into the two result arrays."""
    x, y = np.asarray(x), np.asarray(y)
    out_x = np.empty(x.shape, dtype=np.float64)
    out_y = np.empty(y.shape, dtype=np.float64)

    def work(span: slice) -> None:
        out_x[span] = x[span]  # each thread copies its own part
        out_y[span] = y[span]
        transformer = Transformer.from_crs(source, target, always_xy=True)
        transformer.transform(out_x[span], out_y[span], inplace=True)

    n = len(out_x)
    in_blocks(n, work, block=max(_PROJECT_CHUNK, -(-n // MAX_THREADS)))
    return out_x, out_y


def reject_outside(located: Located, boundaries: gpd.GeoDataFrame, ledger: RejectLedger) -> int:
    """Reject points outside the union of ``boundaries`` (points on a border are inside)."""
    if not isinstance(boundaries, gpd.GeoDataFrame):
        raise InputError(
            f"boundaries={describe(boundaries)} is not a GeoDataFrame; load it with "
            "hotspots.ingest.load_boundaries(...)."
        )
    if boundaries.crs is None:
        raise CRSError(
            "boundaries has no CRS; set it with boundaries.set_crs('EPSG:4326') (or the "
            "file's EPSG code) or load it with load_boundaries(..., crs=...)."
        )
    if located.metric_crs is None:
        return 0
    polygons = boundaries.to_crs(located.metric_crs).geometry.to_numpy()
    polygons = polygons[~(shapely.is_missing(polygons) | shapely.is_empty(polygons))]
    if len(polygons) == 0:
        raise InputError("boundaries has no geometries; pass polygons of the study area.")
    from hotspots.spatial.units import locate_in_polygons  # here: spatial imports ingest

    candidates = np.flatnonzero(ledger.accepted)
    xy = np.column_stack([located.x_m[candidates], located.y_m[candidates]])
    inside = locate_in_polygons(xy, gpd.GeoDataFrame(geometry=polygons)) >= 0
    outside = np.zeros(len(ledger.codes), dtype=bool)
    outside[candidates[~inside]] = True
    return ledger.reject(
        outside, "outside study boundary", "the point is outside every boundary polygon"
    )


# --------------------------------------------------------------------------- raw values


def _from_columns(
    frame: pd.DataFrame, mapping: ColumnMapping, ledger: RejectLedger, swap: bool
) -> _Raw:
    if mapping.lat is not None and mapping.lon is not None:
        a_name, b_name, declared = mapping.lon, mapping.lat, True
    elif mapping.x is not None and mapping.y is not None:
        a_name, b_name, declared = mapping.x, mapping.y, False
    else:
        columns = ", ".join(repr(str(c)) for c in frame.columns)
        raise ColumnError(
            "No coordinate columns found (looked for latitude/longitude, lat/lon/lng, X/Y, "
            f"x_coord/y_coord, easting/northing); the data has {literal(columns)}. Name them, "
            "e.g. {0}, or {1} with {2}.",
            options=(
                Option("columns", {"lat": "Latitude", "lon": "Longitude"}),
                Option("columns", {"x": "X", "y": "Y"}),
                Option("crs", "EPSG:26910"),
            ),
        )
    if swap:
        a_name, b_name = b_name, a_name
    a_raw, b_raw = frame[a_name], frame[b_name]
    a, a_missing, a_bad = _to_number(a_raw)
    b, b_missing, b_bad = _to_number(b_raw)
    ledger.reject(a_missing, "missing coordinate", f"{a_name} is missing")
    ledger.reject(b_missing, "missing coordinate", f"{b_name} is missing")
    ledger.reject(a_bad, "non-numeric coordinate", _not_a_number(a_raw, a_name, a_bad))
    ledger.reject(b_bad, "non-numeric coordinate", _not_a_number(b_raw, b_name, b_bad))
    return _Raw(a, b, a_name, b_name, declared)


def _from_geometry(
    frame: pd.DataFrame, ledger: RejectLedger, crs: CRS | None, notes: list[str]
) -> tuple[_Raw, CRS | None]:
    geometry = frame.geometry.to_numpy()
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    ledger.reject(missing, "missing coordinate", "geometry is missing or empty")
    type_ids = shapely.get_type_id(geometry)
    is_point = type_ids == shapely.GeometryType.POINT
    a = np.where(is_point, shapely.get_x(geometry), np.nan)
    b = np.where(is_point, shapely.get_y(geometry), np.nan)
    source_crs = None if frame.crs is None else CRS.from_user_input(frame.crs)
    if crs is not None:
        if source_crs is not None and not source_crs.equals(crs):
            message = f"the file says its CRS is {source_crs.to_string()}; using crs={crs.to_string()} as given"
            log.warning(message)
            notes.append(message)
        source_crs = crs
    kinds = pd.Series(frame.geometry.geom_type.to_numpy(), dtype="str")
    detail = ("geometry is a " + kinds.fillna("?") + ", not a Point").to_numpy()
    # Rows holding another geometry have NaN coordinates: the range checks in ``locate``
    # skip them and they are rejected as "not a point geometry" right after.
    raw = _Raw(a, b, "x", "y", False, ~is_point & ~missing, detail)
    return raw, source_crs


def _to_number(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (values, missing mask, non-numeric mask) for a coordinate column."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(values)
        return values, missing, np.zeros(len(series), dtype=bool)
    text = series.astype("str")
    try:
        values = (
            pc.cast(pa.array(text.array), pa.float64()).to_numpy(zero_copy_only=False).astype(float)
        )
        missing = text.isna().to_numpy()
        values[missing] = np.nan
        return values, missing, np.zeros(len(series), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        pass
    stripped = text.str.strip()
    missing = (stripped.isna() | stripped.str.lower().isin(_MISSING_WORDS)).to_numpy()
    values = pd.to_numeric(stripped, errors="coerce").to_numpy(
        dtype=float, na_value=np.nan, copy=True
    )
    failed = np.isnan(values) & ~missing
    if failed.any():
        # Decimal commas ("43,65") from semicolon-delimited European files.
        retry = stripped[failed]
        comma = retry.str.fullmatch(r"[+-]?\d+,\d+").fillna(False).to_numpy(dtype=bool)
        if comma.any():
            fixed = pd.to_numeric(retry[comma].str.replace(",", ".", regex=False), errors="coerce")
            positions = np.flatnonzero(failed)[comma]
            values[positions] = fixed.to_numpy(dtype=float, na_value=np.nan)
            failed = np.isnan(values) & ~missing
    if failed.any():
        # Hemisphere letters ("79.38W", "N 43.65", "43.65° N"): S and W are negative.
        retry = stripped[failed]
        parts = retry.str.extract(_HEMISPHERE)
        number = parts["before"].fillna(parts["after"])
        letter = parts["lead"].fillna(parts["trail"]).str.upper()
        found = (number.notna() & letter.notna()).to_numpy(dtype=bool)
        if found.any():
            sign = np.where(letter[found].isin(["S", "W"]).to_numpy(dtype=bool), -1.0, 1.0)
            positions = np.flatnonzero(failed)[found]
            values[positions] = sign * pd.to_numeric(number[found]).to_numpy(dtype=float)
            failed = np.isnan(values) & ~missing
    return values, missing, failed


_HEMISPHERE = (
    r"^(?:(?P<lead>[NSEWnsew])\s*(?P<after>\d+(?:\.\d+)?)\s*°?"
    r"|(?P<before>\d+(?:\.\d+)?)\s*°?\s*(?P<trail>[NSEWnsew]))$"
)


def _not_a_number(raw: pd.Series, name: str, mask: np.ndarray) -> np.ndarray | str:
    if not mask.any():
        return ""
    detail = np.full(len(raw), "", dtype=object)
    detail[mask] = (f"{name}=" + quoted(raw[mask]) + " is not a number").to_numpy()
    return detail


# --------------------------------------------------------------------------- CRS and range


def _candidates(raw: _Raw, ledger: RejectLedger) -> np.ndarray:
    return ledger.accepted & np.isfinite(raw.a) & np.isfinite(raw.b)


def _take(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``values[mask]``, without a copy when the mask keeps every row."""
    return values if mask.all() else values[mask]


#: Whole-file judgements on the data's centre use every k-th point, at most about this many
#: (the medians of a regular sample; the majority tests use every row).
_CENTRE_SAMPLE = 100_000


def _infer_crs(raw: _Raw, ledger: RejectLedger, notes: list[str], *, swap_lat_lon: bool) -> CRS:
    candidates = _candidates(raw, ledger)
    if not candidates.any():
        return WGS84
    a, b = _take(raw.a, candidates), _take(raw.b, candidates)
    in_degrees = _in_degrees(a, b)
    if raw.declared_lon_lat and not swap_lat_lon and _mostly_swapped(a, b, in_degrees):
        _raise_swapped(raw, a, b, "most rows have a latitude beyond +/-90")
    if np.mean(in_degrees) < _MAJORITY:
        first = int(np.flatnonzero(~in_degrees)[0])
        raise CRSError(
            f"The coordinates in {raw.a_name!r}/{raw.b_name!r} look projected, not longitude/"
            f"latitude: e.g. {raw.a_name}={a[first]:.10g}, {raw.b_name}={b[first]:.10g} is beyond "
            "[-180, 180] x [-90, 90], and the source carries no CRS. Give the CRS the numbers "
            "are in, e.g. {0} (UTM zone 10N); look up your data's EPSG code in its metadata.",
            options=(Option("crs", "EPSG:26910"),),
        )
    if not raw.declared_lon_lat:
        message = (
            f"{raw.a_name!r}/{raw.b_name!r} hold longitude/latitude values and no CRS was "
            "given: assuming EPSG:4326"
        )
        log.info(message)
        notes.append(message)
    if not swap_lat_lon:
        _check_swapped(raw, ledger, (a, b, in_degrees))
    return WGS84


def _in_degrees(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rows whose (a, b) are a longitude and a latitude."""
    return _within(a, 180) & _within(b, 90)


def _within(values: np.ndarray, limit: float) -> np.ndarray:
    """``abs(values) <= limit`` (NaN: False), a block at a time (no full-size temporaries)."""
    return _abs_compared(values, limit, np.less_equal)


def _abs_compared(values: np.ndarray, limit: float, compare: np.ufunc) -> np.ndarray:
    """``compare(abs(values), limit)`` computed a block at a time."""
    out = np.empty(values.size, dtype=bool)

    def block(span: slice) -> None:
        with np.errstate(invalid="ignore"):
            compare(np.abs(values[span]), limit, out=out[span])

    in_blocks(values.size, block)
    return out


def _mostly_swapped(a: np.ndarray, b: np.ndarray, in_degrees: np.ndarray) -> bool:
    """Whether most rows only make sense swapped (a latitude beyond +/-90 that swaps fine)."""
    if np.count_nonzero(in_degrees) * 2 >= in_degrees.size:  # most rows are fine as they are
        return False
    out = ~in_degrees
    return bool(np.count_nonzero(_in_degrees(b[out], a[out])) > _MAJORITY * in_degrees.size)


def _check_swapped(
    raw: _Raw,
    ledger: RejectLedger,
    known: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> None:
    """Refuse swapped lat/lon; ``known`` = the candidates' (a, b, in degrees) when at hand."""
    if known is None:
        candidates = _candidates(raw, ledger)
        a, b = _take(raw.a, candidates), _take(raw.b, candidates)
        ok = _in_degrees(a, b)
    else:
        a, b, ok = known
    if not ok.any():
        return
    rows = every_kth(ok.size, _CENTRE_SAMPLE, cap=False)
    sample = ok[rows]
    if sample.any():  # the centre of a regular sample of the rows
        lon, lat = float(np.median(a[rows][sample])), float(np.median(b[rows][sample]))
    else:
        lon, lat = float(np.median(a[ok])), float(np.median(b[ok]))
    if _mostly_swapped(a, b, ok):
        _raise_swapped(raw, a, b, "most rows have a latitude beyond +/-90")
    if abs(lon) <= 90 and not _plausible(lon, lat) and _plausible(lat, lon):
        _raise_swapped(
            raw,
            a,
            b,
            f"the data's centre (latitude {lat:.4f}, longitude {lon:.4f}) is at sea or in "
            f"Antarctica, while swapped (latitude {lon:.4f}, longitude {lat:.4f}) it is on land",
        )


def _plausible(lon: float, lat: float) -> bool:
    """Whether crime data could be centred at (lon, lat): on land and not in Antarctica."""
    if not (-180 <= lon <= 180 and -60 <= lat <= 90):
        return False
    return timezone_finder().timezone_at_land(lng=lon, lat=lat) is not None


def _raise_swapped(raw: _Raw, a: np.ndarray, b: np.ndarray, why: str) -> None:
    samples = ", ".join(
        f"({raw.b_name}={y:.6g}, {raw.a_name}={x:.6g})" for x, y in zip(a[:3], b[:3], strict=False)
    )
    raise InputError(
        f"Latitude and longitude look swapped: {why}; sample values {samples}. If the "
        "columns are swapped, set {0}, or name them yourself with {1}.",
        options=(
            Option("swap_lat_lon", True),
            Option("columns", {"lat": raw.a_name, "lon": raw.b_name}),
        ),
    )


def _normalise_0_360(raw: _Raw, ledger: RejectLedger, notes: list[str]) -> None:
    """Longitudes given as 0-360 (some GPS exports) -> -180-180, with a note."""
    candidates = _candidates(raw, ledger)
    a, b = _take(raw.a, candidates), _take(raw.b, candidates)
    # All in [0, 360], some above 180, latitudes within +/-90: minima and maxima say so
    # (the candidates are finite) without full-size temporaries.
    if not len(a) or a.min() < 0 or a.max() > 360 or a.max() <= 180:
        return
    if b.min() < -90 or b.max() > 90:
        return
    shifted = raw.a > 180
    raw.a = np.where(shifted, raw.a - 360, raw.a)
    message = (
        f"{raw.a_name!r} holds longitudes from 0 to 360: {int(shifted.sum()):,} values above "
        "180 were shifted by -360 to the usual -180 to 180"
    )
    log.info(message)
    notes.append(message)


#: Latitudes the UTM zones (the metric CRS of every analysis) are defined for.
_UTM_LATITUDES = (-80.0, 84.0)


def _refuse_polar(centre: tuple[float, float], source_crs: CRS) -> None:
    lon, lat = centre
    if _UTM_LATITUDES[0] <= lat <= _UTM_LATITUDES[1]:
        return
    raise CRSError(
        literal(
            f"The data's centre (longitude {lon:.4f}, latitude {lat:.4f}, read as "
            f"{source_crs.to_string()}) is near a pole: the metric grid (UTM) covers latitudes "
            f"{-_UTM_LATITUDES[0]:g} S to {_UTM_LATITUDES[1]:g} N only. "
        )
        + "Check the latitude and longitude columns and their signs ({0}) and the CRS ({1}); "
        "polar data cannot be analyzed with this tool.",
        options=(Option("columns", {"lat": "…", "lon": "…"}), Option("crs")),
    )


#: No CRS has coordinates this large (UTM northings reach 1e7 m, Web Mercator 2e7 m).
_BEYOND_ANY_CRS = 1e9


def _reject_beyond_any_crs(raw: _Raw, ledger: RejectLedger) -> None:
    """Numbers such as 1e308 are no coordinate in any CRS: out of range, row by row (so they
    cannot make the file look projected)."""
    for values, name in ((raw.a, raw.a_name), (raw.b, raw.b_name)):
        huge = _abs_compared(values, _BEYOND_ANY_CRS, np.greater_equal)
        if huge.any():
            detail = np.full(len(values), "", dtype=object)
            shown = np.char.mod("%.10g", values[huge]).astype(object)
            detail[huge] = f"{name}=" + shown + " is not a coordinate in any CRS"
            ledger.reject(huge, "coordinate out of range", detail)


def _reject_out_of_degrees(raw: _Raw, ledger: RejectLedger, points: np.ndarray) -> None:
    lat_bad = ~_within(raw.b, 90) & points
    lon_bad = ~_within(raw.a, 180) & points
    ledger.reject(lat_bad, "coordinate out of range", _range_detail(raw.b, raw.b_name, 90, lat_bad))
    ledger.reject(
        lon_bad, "coordinate out of range", _range_detail(raw.a, raw.a_name, 180, lon_bad)
    )


def _range_detail(values: np.ndarray, name: str, limit: int, mask: np.ndarray) -> np.ndarray | str:
    if not mask.any():
        return ""
    detail = np.full(len(values), "", dtype=object)
    shown = np.char.mod("%.10g", values[mask]).astype(object)
    detail[mask] = f"{name}=" + shown + f" is outside [-{limit}, {limit}]"
    return detail


def exact_median(values: np.ndarray) -> float:
    """``np.median`` of finite ``values`` (same number), in two passes over the array: the
    quantiles of a regular sample bracket the middle, and only the values in that bracket are
    partitioned (``np.median`` partitions a copy of everything)."""
    n = values.size
    if n < 4 * _CENTRE_SAMPLE:
        return float(np.median(values))
    sample = np.sort(values[every_kth(n, _CENTRE_SAMPLE, cap=False)])
    middle = (n - 1) // 2, n // 2  # the middle positions (equal when n is odd)
    margin = int(4 * np.sqrt(sample.size)) + 1
    at = (middle[0] + 0.5) / n * sample.size
    low = sample[max(0, int(at) - margin)]
    high = sample[min(sample.size - 1, int(at) + margin)]

    def count_and_band(span: slice) -> tuple[int, np.ndarray]:
        block = values[span]
        return int(np.count_nonzero(block < low)), block[(block >= low) & (block <= high)]

    parts = in_blocks(n, count_and_band)
    below = sum(count for count, _ in parts)
    band = np.concatenate([part for _, part in parts])
    first, last = middle[0] - below, middle[1] - below
    if first < 0 or last >= band.size:  # the sample missed the middle: the plain way
        return float(np.median(values))
    picked = np.partition(band, (first, last))
    return float(np.mean(picked[[first, last]]))


def _centre_lon_lat(a: np.ndarray, b: np.ndarray, source_crs: CRS) -> tuple[float, float]:
    cx, cy = exact_median(a), exact_median(b)
    if source_crs.equals(WGS84):
        return cx, cy
    lon, lat = Transformer.from_crs(source_crs, WGS84, always_xy=True).transform(cx, cy)
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise CRSError(
            f"The data's centre ({cx:.10g}, {cy:.10g}) cannot be converted from "
            f"{source_crs.to_string()} to longitude/latitude; check crs= is the CRS of the data."
        )
    return float(lon), float(lat)
