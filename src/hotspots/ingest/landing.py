"""Whether the points landed where the rest of the data says they are.

A wrong CRS (``EPSG:32633`` on UTM zone 17 numbers) moves every point by thousands of
kilometres, yet each row looks valid. Clues to the place that do not come from the
coordinates catch it:

* a time zone: the one given (``timezone=``) or, when none is given, the zone of a
  tz-aware date column (Parquet) - the points must land in it or within
  :data:`NEAR_ZONE_KM` of it;
* UTC offsets written in the date strings (``-05:00``; ``Z`` and ``+00:00`` say nothing,
  as many systems store UTC), when most dates carry one - the place where the points land
  must keep one of them, give or take :data:`OFFSET_GAP_H` hours. A given ``timezone=`` replaces this clue (times
  recorded on a server elsewhere carry the server's offsets);
* the ``boundaries`` - some point must lie within :data:`NEAR_BOUNDARIES_M` of them.

A refusal (:class:`~hotspots.errors.CRSError`) says where the points landed, where the clue
puts them and, when the CRS is a UTM zone or the numbers are degrees, which CRS would put
them there.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import re
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import ProjError

from hotspots.errors import CRSError, Option, literal
from hotspots.ingest.columns import ColumnMapping
from hotspots.ingest.coordinates import WGS84, Located, exact_median
from hotspots.ingest.rejects import RejectLedger
from hotspots.ingest.timestamps import sample_present, timezone_finder
from hotspots.sampling import every_kth
from hotspots.spatial.projection import utm_crs_for

log = logging.getLogger(__name__)

#: Where the source CRS came from.
CRSOrigin = Literal["given", "file", "assumed"]

#: Points this far (km) outside the territory of the clue's time zone are refused.
NEAR_ZONE_KM = 1000.0
#: UTC offsets this many hours apart (or more) from the landing place's are refused.
OFFSET_GAP_H = 3.0
#: Some point must lie this close (metres) to the boundaries.
NEAR_BOUNDARIES_M = 50_000.0
#: Regions of IANA names that are places (UTC, Etc/GMT+5 are not: times may be kept in UTC).
CONTINENTS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
_SAMPLE = 2000
_MAJORITY = 0.5
#: Offsets seen in fewer of the dates than this share are ignored (typos, not a place).
_STRAY = 0.05
_OFFSET = re.compile(r"\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:UTC|GMT)?\s*([+-])(\d\d):?(\d\d)?\s*$")
_EARTH_KM = 6371.0088
#: EPSG code bases of UTM families: (first code of zone 1, first zone, last zone, south).
_UTM_FAMILIES = (
    (32600, 1, 60, False),  # WGS 84 / UTM zone nN
    (32700, 1, 60, True),  # WGS 84 / UTM zone nS
    (26900, 1, 23, False),  # NAD83 / UTM zone nN
    (26700, 1, 22, False),  # NAD27 / UTM zone nN
    (25800, 28, 38, False),  # ETRS89 / UTM zone nN
)


@dataclass(frozen=True)
class PlaceClue:
    """Where the data is, according to something other than its coordinates.

    Attributes
    ----------
    what : str
        The clue in words ("the time zone 'America/Toronto' given for the data").
    zone : str or None
        An IANA time zone of a place (``"America/Toronto"``).
    offsets_h : tuple of float
        UTC offsets (hours) seen in the dates.
    given : bool
        The clue is the ``timezone=`` the user gave (not read from the data).
    """

    what: str
    zone: str | None = None
    offsets_h: tuple[float, ...] = ()
    given: bool = False

    def fits(self, lon: float, lat: float) -> bool:
        """Whether a point at (``lon``, ``lat``) agrees with the clue."""
        landed = timezone_finder().timezone_at(lng=lon, lat=lat)
        if self.zone is not None:
            return _in_zone(self.zone, landed, lon, lat)
        offsets = _offsets_h(landed) if landed else ()
        return not offsets or _offset_gap_h(self.offsets_h, offsets) < OFFSET_GAP_H

    def closeness(self, lon: float, lat: float) -> float:
        """How well a point that fits agrees (smaller is better), to rank suggestions."""
        if self.zone is not None:
            city = zone_cities().get(self.zone)
            return 0.0 if city is None else _great_circle_km(lon, lat, *city)
        landed = timezone_finder().timezone_at(lng=lon, lat=lat)
        kept = _offsets_h(landed) if landed else ()
        if not kept:
            return float("inf")
        # Both ways: every offset seen is kept there, and every offset kept there is seen.
        seen = self.offsets_h
        return sum(_offset_gap_h([h], kept) for h in seen) + sum(
            _offset_gap_h([h], seen) for h in kept
        )

    def expectation(self) -> str:
        """Where the clue puts the data, in words."""
        if self.zone is not None:
            return f"in or near the {self.zone} time zone"
        return "where clocks show UTC " + " or ".join(_offset_text(h) for h in self.offsets_h)


def place_clues(
    frame: pd.DataFrame, mapping: ColumnMapping, *, timezone: str | None
) -> list[PlaceClue]:
    """The clues to the data's place: the given ``timezone``, else the date column's zone
    or UTC offsets (see the module docstring)."""
    if timezone is not None:
        if _is_place(timezone):
            what = f"the time zone {timezone!r} given for the data"
            return [PlaceClue(what, zone=timezone, given=True)]
        return []
    if mapping.date is None or mapping.date not in frame:
        return []
    column = frame[mapping.date]
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return _tz_column_clue(str(mapping.date), column.dtype.tz)
    if not (pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column)):
        return []
    sample = sample_present(column, _SAMPLE).astype("str")
    found = sample.str.extract(_OFFSET).dropna(subset=[0, 1])
    hours = found[1].astype(int) + found[2].fillna("0").astype(int) / 60
    signed = pd.Series(np.where(found[0] == "-", -hours, hours), dtype=float)
    signed = signed[signed != 0]
    # A clue only when most dates carry a (non-UTC) offset; stray ones are typos.
    if len(signed) < _MAJORITY * len(sample):
        return []
    counts = signed.value_counts()
    offsets = sorted(float(h) for h, n in counts.items() if n >= _STRAY * len(signed))
    shown = ", ".join(_offset_text(h) for h in offsets[:4])
    return [PlaceClue(f"the UTC offsets in {mapping.date!r} ({shown})", offsets_h=tuple(offsets))]


def check_landing(
    located: Located,
    *,
    clues: Sequence[PlaceClue],
    boundaries: gpd.GeoDataFrame | None,
    crs: CRSOrigin,
) -> None:
    """Refuse points that landed far from where the ``clues`` and ``boundaries`` put them.

    Parameters
    ----------
    located : Located
        The accepted points.
    clues : sequence of PlaceClue
        From :func:`place_clues`.
    boundaries : GeoDataFrame, optional
        The study area.
    crs : {"given", "file", "assumed"}
        Where the source CRS came from: the user, the file, or assumed (EPSG:4326 for
        longitude/latitude numbers).

    Raises
    ------
    CRSError
        Saying where the points landed, where the clue puts them, and the fix.
    """
    if located.centre_lon_lat is None or located.metric_crs is None:
        return
    lon, lat = located.centre_lon_lat
    _refuse_degrees_as_projected(located, crs)
    if boundaries is not None and boundaries.crs is not None and len(boundaries):
        _check_boundaries(located, boundaries, crs)
    for clue in clues:
        if clue.fits(lon, lat):
            continue
        others = _alternatives(located, clue.fits, clue.closeness)
        reason = f"but going by {clue.what}, the data should be {clue.expectation()}"
        if clue.given:
            other_fix = " If the time zone is what is wrong, fix {1}."
        else:
            other_fix = (
                " If the dates' time zone is not the place's (times written by a server "
                "elsewhere), give the place's time zone with {1}."
            )
        _refuse(located, reason, others, crs, other_fix, Option("timezone", "…"))
    _refuse_open_sea(located, crs)


def _check_boundaries(located: Located, boundaries: gpd.GeoDataFrame, crs: CRSOrigin) -> None:
    near = _near(boundaries, located.metric_crs)  # type: ignore[arg-type]  # checked by caller
    finite = np.isfinite(located.x_m)
    if not finite.any():
        return
    sample = every_kth(finite, _SEA_SAMPLE, cap=False)  # a quick yes for the usual case
    for rows in (sample, np.flatnonzero(finite)):
        if shapely.intersects(near, shapely.points(located.x_m[rows], located.y_m[rows])).any():
            return
    b_lon, b_lat = _display_centre(boundaries)
    reason = (
        f"but no point lies within {NEAR_BOUNDARIES_M / 1000:.0f} km of the boundaries, "
        f"which are {_where(b_lon, b_lat)}"
    )
    metric = utm_crs_for(b_lon, b_lat)
    near_there = _near(boundaries, metric)
    to_metric = Transformer.from_crs(WGS84, metric, always_xy=True)

    def fits(lon: float, lat: float) -> bool:
        return bool(shapely.intersects(near_there, shapely.Point(to_metric.transform(lon, lat))))

    _refuse(
        located,
        reason,
        _alternatives(located, fits, lambda x, y: _great_circle_km(x, y, b_lon, b_lat)),
        crs,
        " If the boundaries are of another place, give the right file with {1}.",
        Option("boundaries"),
    )


# --------------------------------------------------------------------------- far points

#: A few points this far (metres) from the data's centre, and :data:`FAR_FACTOR` times
#: farther than the distance within which 95% of the points lie, are "far from the rest":
#: one bad geocode in another country would otherwise stretch the grid across the ocean and
#: coarsen the automatic cell size for everyone.
FAR_MIN_M = 100_000.0
FAR_FACTOR = 10.0
#: Only a few points can be "far from the rest" (more is a spread-out data set): at most
#: this share of them, or two.
FAR_MAX_SHARE = 0.01
_FAR_FEW = 2
_FAR_MIN_POINTS = 20


def reject_far_points(located: Located, ledger: RejectLedger, *, keep: bool) -> str | None:
    """Reject the few points far from all the others (``far from the rest``); return a note.

    With ``keep`` they stay and the note says so.
    """
    usable = ledger.accepted & np.isfinite(located.x_m)
    every = bool(usable.all())  # then the whole arrays, without copies
    rows = None if every else np.flatnonzero(usable)
    if (len(usable) if rows is None else len(rows)) < _FAR_MIN_POINTS:
        return None
    x, y = (located.x_m, located.y_m) if rows is None else (located.x_m[rows], located.y_m[rows])
    centre_x, centre_y = exact_median(x), exact_median(y)
    # Every point within FAR_MIN_M of the centre (the corners of the bounding box say so in
    # two passes): none can be far, whatever the 95th percentile.
    reach_x = max(float(x.max()) - centre_x, centre_x - float(x.min()))
    reach_y = max(float(y.max()) - centre_y, centre_y - float(y.min()))
    if math.hypot(reach_x, reach_y) <= FAR_MIN_M * (1 - 1e-9):  # a margin for rounding
        return None
    distance = np.hypot(x - centre_x, y - centre_y)
    core_m = float(np.percentile(distance, 95))
    limit = max(FAR_MIN_M, FAR_FACTOR * core_m)
    far = distance > limit
    count = int(far.sum())
    if count == 0 or count > max(_FAR_FEW, FAR_MAX_SHARE * len(x)):
        return None
    far_rows = np.flatnonzero(far) if rows is None else rows[far]
    what = (
        f"{count:,} point(s) lie more than {limit / 1000:,.0f} km from the data's centre, "
        f"while 95% lie within {core_m / 1000:,.1f} km"
    )
    if keep:
        return what + " (kept as asked)"
    mask = np.zeros(len(ledger.codes), dtype=bool)
    mask[far_rows] = True
    # Far from the UTM zone's meridian its metres stretch: say the great-circle distance.
    to_lon_lat = Transformer.from_crs(located.metric_crs, WGS84, always_xy=True)
    lons, lats = to_lon_lat.transform(x[far], y[far])
    c_lon, c_lat = located.centre_lon_lat  # type: ignore[misc]  # set with metric_crs
    detail = np.full(len(ledger.codes), "", dtype=object)
    detail[far_rows] = [
        f"{_great_circle_km(float(a), float(b), c_lon, c_lat):,.0f} km from the data's "
        f"centre; 95% of the points lie within {core_m / 1000:,.1f} km"
        for a, b in zip(lons, lats, strict=True)
    ]
    ledger.reject(mask, "far from the rest", detail)
    return what + ": rejected as far from the rest (listed in the reject report)"


# --------------------------------------------------------------------------- refusing


def _refuse_degrees_as_projected(located: Located, crs: CRSOrigin) -> None:
    """Longitude/latitude numbers read in a projected CRS land within metres of its origin."""
    if not located.source_crs.is_projected:
        return
    ok = np.isfinite(located.x_m)
    x, y = located.x_m[ok], located.y_m[ok]
    if np.ptp(x) > _DEGREES_SPAN or np.ptp(y) > _DEGREES_SPAN:
        return
    raw_x, raw_y = _raw_centre(located)
    if not (abs(raw_x) <= 180 and abs(raw_y) <= 90):
        return
    code = _code(located.source_crs)
    origin = {"given": "{0}", "file": f"the file's CRS {code}", "assumed": code}[crs]
    raise CRSError(
        literal(
            f"The coordinates look like longitude/latitude in degrees (centre at {raw_x:.4f}, "
            f"{raw_y:.4f}; the {int(ok.sum()):,} points span less than {_DEGREES_SPAN:g} m), not numbers of the projected CRS {code}: read so, they land "
            f"{_where(*located.centre_lon_lat)}. "  # type: ignore[misc]
        )
        + f"Use {{1}} instead of {origin}.",
        options=(Option("crs", code), Option("crs", "EPSG:4326")),
    )


def _refuse_open_sea(located: Located, crs: CRSOrigin) -> None:
    """No sampled point on land (or all in Antarctica): the CRS or the columns are wrong."""
    sample = every_kth(np.isfinite(located.x_m), _SEA_SAMPLE, cap=True)
    to_lon_lat = Transformer.from_crs(located.metric_crs, WGS84, always_xy=True)
    lons, lats = to_lon_lat.transform(located.x_m[sample], located.y_m[sample])
    if any(_on_land(float(a), float(b)) for a, b in zip(lons, lats, strict=True)):
        return
    _refuse(
        located,
        "where no crime data can be: no point is on land (Antarctica does not count)",
        _alternatives(located, _on_land, lambda a, b: 0.0, rank=_zone_steps),
        crs,
        " If the latitude and longitude columns are mixed up, name them with {1}.",
        Option("columns", {"lat": "…", "lon": "…"}),
    )


def _on_land(lon: float, lat: float) -> bool:
    return lat > -60 and timezone_finder().timezone_at_land(lng=lon, lat=lat) is not None


def _zone_steps(source: CRS, candidate: CRS) -> int:
    """How far ``candidate`` is from ``source`` as a guess: degrees first, then the other
    hemisphere of the same zone, then the nearest zones."""
    if candidate.is_geographic:
        return 0
    a, b = source.utm_zone, candidate.utm_zone
    if not a or not b:
        return 100
    step = abs(int(a[:-1]) - int(b[:-1]))
    return 1 + 2 * min(step, 60 - step) + (a[-1] == b[-1])


def _raw_centre(located: Located) -> tuple[float, float]:
    """The data's centre in the numbers of its source CRS."""
    lon, lat = located.centre_lon_lat  # type: ignore[misc]  # checked by the caller
    to_source = Transformer.from_crs(WGS84, located.source_crs, always_xy=True)
    x, y = to_source.transform(lon, lat)
    return float(x), float(y)


#: Projected data spanning less than this (metres) whose numbers are degrees is degrees.
_DEGREES_SPAN = 400.0
_SEA_SAMPLE = 200


def _refuse(
    located: Located,
    reason: str,
    alternatives: list[CRS],
    crs: CRSOrigin,
    other_fix: str,
    other_option: Option,
) -> None:
    lon, lat = located.centre_lon_lat  # type: ignore[misc]  # checked by the caller
    code = _code(located.source_crs)
    landed = f"The points fall {_where(lon, lat)}, {reason}. "
    crs_part = {
        "given": "{0} is probably wrong",
        "file": f"The file's CRS ({code}) is probably wrong",
        "assumed": f"The coordinates, read as {code}, may be in another CRS",
    }[crs]
    options: list[Option] = [Option("crs", code), other_option]
    if alternatives:
        named = [f"{_code(c)} ({c.name})" for c in alternatives[:3]]
        fix = (
            f"{crs_part}: {' or '.join(named)} would put them there; set it with {{2}} "
            "after checking the data's metadata."
        )
        options.append(Option("crs", _code(alternatives[0])))
    else:
        fix = (
            f"{crs_part}: give the CRS the coordinates were recorded in (look up the EPSG "
            "code in the data's metadata) with {2}."
        )
        options.append(Option("crs", "EPSG:…"))
    raise CRSError(literal(landed) + fix + other_fix, options=tuple(options))


def _alternatives(
    located: Located,
    fits: Callable[[float, float], bool],
    closeness: Callable[[float, float], float],
    *,
    rank: Callable[[CRS, CRS], int] | None = None,
) -> list[CRS]:
    """CRSs that would put the data's centre where ``fits(lon, lat)`` says it belongs,
    best (smallest ``closeness``) first."""
    source = located.source_crs
    try:
        raw_x, raw_y = _raw_centre(located)
    except ProjError:  # pragma: no cover - the centre came from this CRS
        return []
    found: list[tuple[float, int, CRS]] = []
    for order, candidate in enumerate(_candidate_crss(source, raw_x, raw_y)):
        try:
            c_lon, c_lat = Transformer.from_crs(candidate, WGS84, always_xy=True).transform(
                raw_x, raw_y
            )
        except ProjError:
            continue
        if not (math.isfinite(c_lon) and math.isfinite(c_lat)):
            continue
        if abs(c_lon) <= 180 and abs(c_lat) <= 90 and fits(c_lon, c_lat):
            steps = rank(source, candidate) if rank is not None else order
            found.append((closeness(c_lon, c_lat), steps, candidate))
    return [candidate for *_, candidate in sorted(found, key=lambda f: f[:2])]


def _candidate_crss(source: CRS, x: float, y: float) -> list[CRS]:
    """Degrees when the numbers are degrees; the other zones and hemisphere of a UTM CRS."""
    candidates: list[CRS] = []
    if source.is_projected and abs(x) <= 180 and abs(y) <= 90:
        candidates.append(WGS84)
    epsg = source.to_epsg()
    if source.utm_zone is None or epsg is None:
        return candidates
    family = next((f for f in _UTM_FAMILIES if f[0] + f[1] <= epsg <= f[0] + f[2]), None)
    bases = [family] if family is not None else []
    bases += [f for f in _UTM_FAMILIES[:2] if f not in bases]
    seen = {epsg}
    for base, first, last, _south in bases:
        for zone in range(first, last + 1):
            code = base + zone
            if code not in seen:
                seen.add(code)
                candidates.append(CRS.from_epsg(code))
    return candidates


# --------------------------------------------------------------------------- places


def _where(lon: float, lat: float) -> str:
    """``around Toronto (43.7°N 79.4°W)`` or ``around 48.2°N 16.4°E, in the Europe/Vienna
    time zone`` or ``… in the open sea``."""
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    spot = f"{abs(lat):.1f}°{ns} {abs(lon):.1f}°{ew}"
    zone = timezone_finder().timezone_at_land(lng=lon, lat=lat)
    if zone is None:
        return f"around {spot}, in the open sea"
    city = zone_cities().get(zone)
    if city is not None and _great_circle_km(lon, lat, *city) <= _CITY_KM:
        return f"around {zone.rsplit('/', 1)[-1].replace('_', ' ')} ({spot})"
    return f"around {spot}, in the {zone} time zone"


@functools.lru_cache(maxsize=1)
def zone_cities() -> dict[str, tuple[float, float]]:
    """(lon, lat) of the principal city of every time zone, from the tz database's zone.tab."""
    text = _zone_table()
    cities: dict[str, tuple[float, float]] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if line.startswith("#") or len(fields) < 3:
            continue
        match = _ISO6709.fullmatch(fields[1])
        if match:
            lat = _degrees(match["lat"], 2)
            lon = _degrees(match["lon"], 3)
            cities[fields[2]] = (lon, lat)
    return cities


_ISO6709 = re.compile(r"(?P<lat>[+-]\d{4}(?:\d\d)?)(?P<lon>[+-]\d{5}(?:\d\d)?)")
#: A place this close (km) to a zone's principal city is named after it.
_CITY_KM = 100.0


def _degrees(text: str, width: int) -> float:
    sign = -1.0 if text[0] == "-" else 1.0
    digits = text[1:]
    degrees = int(digits[:width])
    minutes = int(digits[width : width + 2])
    seconds = int(digits[width + 2 :] or 0)
    return sign * (degrees + minutes / 60 + seconds / 3600)


def _zone_table() -> str:
    """zone.tab of the ``tzdata`` package (a pandas dependency), else the system's."""
    try:
        from importlib.resources import files

        return (files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - depends on install
        pass
    for folder in zoneinfo.TZPATH:  # pragma: no cover - depends on install
        try:
            return (Path(folder) / "zone.tab").read_text(encoding="utf-8")
        except OSError:
            continue
    return ""  # pragma: no cover


def _code(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg is not None else crs.to_string()


def _display_centre(frame: gpd.GeoDataFrame) -> tuple[float, float]:
    x0, y0, x1, y1 = frame.to_crs(WGS84).total_bounds
    return (x0 + x1) / 2, (y0 + y1) / 2


def _near(boundaries: gpd.GeoDataFrame, metric: CRS) -> shapely.Geometry:
    """The boundaries grown by :data:`NEAR_BOUNDARIES_M`, in ``metric``."""
    area = boundaries.to_crs(metric).geometry.to_numpy()
    area = area[~(shapely.is_missing(area) | shapely.is_empty(area))]
    near = shapely.buffer(shapely.union_all(area), NEAR_BOUNDARIES_M)
    shapely.prepare(near)
    return near


def _is_place(zone: str) -> bool:
    return zone.split("/")[0] in CONTINENTS


def _tz_column_clue(column: str, tz: dt.tzinfo) -> list[PlaceClue]:
    name = getattr(tz, "key", None) or getattr(tz, "zone", None) or str(tz)
    if _is_place(name):
        return [PlaceClue(f"the time zone of the date column {column!r} ({name})", zone=name)]
    offset = tz.utcoffset(None)
    if offset is None or not offset.total_seconds():
        return []
    hours = offset.total_seconds() / 3600
    what = f"the UTC offset of the date column {column!r} ({_offset_text(hours)})"
    return [PlaceClue(what, offsets_h=(hours,))]


def _in_zone(zone: str, landed: str | None, lon: float, lat: float) -> bool:
    if landed == zone:
        return True
    region = zone.split("/")[0]
    if (
        landed
        and landed.split("/")[0] == region
        and _offset_gap_h(_offsets_h(zone), _offsets_h(landed)) < 1
    ):
        return True  # a neighbouring zone keeping the same time (America/New_York, America/Toronto)
    distance = _km_from_zone(zone, lon, lat)
    if distance is None:  # a name timezonefinder does not know (a link such as US/Eastern)
        gap = _offset_gap_h(_offsets_h(zone), _offsets_h(landed) if landed else ())
        return not (
            landed and _is_place(landed) and landed.split("/")[0] != region and gap >= OFFSET_GAP_H
        )
    return distance <= NEAR_ZONE_KM


@functools.lru_cache(maxsize=8)
def _zone_area(zone: str) -> shapely.Geometry | None:
    try:
        polygons = timezone_finder().get_geometry(tz_name=zone, coords_as_pairs=False)
    except ValueError:
        return None
    parts = [
        shapely.Polygon(np.column_stack(rings[0]), [np.column_stack(r) for r in rings[1:]])
        for rings in polygons
    ]
    return shapely.union_all(parts) if parts else None


def _km_from_zone(zone: str, lon: float, lat: float) -> float | None:
    area = _zone_area(zone)
    if area is None:
        return None
    point = shapely.Point(lon, lat)
    if area.covers(point):
        return 0.0
    nearest = shapely.shortest_line(area, point).coords[0]
    return _great_circle_km(lon, lat, nearest[0], nearest[1])


def _great_circle_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


@functools.lru_cache(maxsize=64)
def _offsets_h(zone: str) -> tuple[float, ...]:
    """The UTC offsets (hours) ``zone`` keeps in January and July."""
    try:
        info = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ()
    found = []
    for month in (1, 7):
        offset = dt.datetime(2021, month, 15, 12, tzinfo=info).utcoffset()
        if offset is not None:
            found.append(offset.total_seconds() / 3600)
    return tuple(sorted(set(found)))


def _offset_gap_h(first: Sequence[float], second: Sequence[float]) -> float:
    """Smallest gap (hours, around the clock) between an offset of each list (0 if one is empty)."""
    if not first or not second:
        return 0.0
    return min(min(abs(a - b), 24 - abs(a - b)) for a in first for b in second)


def _offset_text(hours: float) -> str:
    sign = "-" if hours < 0 else "+"
    minutes = round(abs(hours) * 60)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
