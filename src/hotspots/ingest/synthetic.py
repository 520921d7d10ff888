"""Seeded synthetic incidents with known hotspots, for tests, benchmarks and demos.

The background is complete spatial randomness (uniform over a rectangle in metres);
each planted hotspot receives a fixed share of all incidents, spread **uniformly over a
disc** of the given radius (not a Gaussian: the disc has a sharp edge, so "cells whose
centre lies in the disc" is an unambiguous ground truth for recall and precision).

Timestamps are uniform in real (elapsed) time between ``start`` 00:00 and the end of
``end`` in ``timezone``, to the second; offenses are drawn uniformly from ``offenses``.
The frame uses the ingest schema: ``source_row`` (int64, 1..n), ``occurred_at``
(tz-aware), ``offense`` (str), ``neighbourhood`` and ``premises`` (all ``<NA>``), and
Point geometry in ``crs``. Points are not clipped to the extent: a planted disc you
place across the edge keeps its incidents.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as PyprojCRSError

from hotspots.errors import CRSError, InputError, Option, given, invalid, literal

log = logging.getLogger(__name__)

#: Toronto-like default extent (UTM zone 17N, metres): xmin, ymin, xmax, ymax.
DEFAULT_EXTENT_M: tuple[float, float, float, float] = (620_000, 4_830_000, 650_000, 4_860_000)
DEFAULT_OFFENSES: tuple[str, ...] = (
    "Assault",
    "Break and Enter",
    "Auto Theft",
    "Robbery",
    "Theft Over",
)
#: Columns of :attr:`SyntheticIncidents.incidents` (plus ``geometry``).
INCIDENT_COLUMNS: tuple[str, ...] = (
    "source_row",
    "occurred_at",
    "offense",
    "neighbourhood",
    "premises",
)
#: Columns written by :func:`synthetic_csv`.
CSV_COLUMNS: tuple[str, ...] = ("lat", "lon", "date", "offense")


@dataclass(frozen=True)
class PlantedHotspot:
    """A disc of extra incidents.

    Attributes
    ----------
    x, y : float
        Centre, in the metres of the incidents' CRS.
    radius_m : float
        Radius of the disc in metres.
    share : float
        Share of *all* incidents placed in the disc, in (0, 1]; it receives
        ``floor(share * n)`` incidents on top of the background that falls there.
    """

    x: float
    y: float
    radius_m: float
    share: float


@dataclass(frozen=True, eq=False)
class SyntheticIncidents:
    """Synthetic incidents and the truth that generated them.

    Attributes
    ----------
    incidents : geopandas.GeoDataFrame
        One row per incident in the ingest schema (see module docs).
    planted : tuple of PlantedHotspot
        The hotspots, in the order their incidents were generated.
    extent : tuple of float
        (xmin, ymin, xmax, ymax) of the uniform background, in metres.
    seed : int or None
        The integer seed when one was given.
    """

    incidents: gpd.GeoDataFrame
    planted: tuple[PlantedHotspot, ...]
    extent: tuple[float, float, float, float]
    seed: int | None


def synthetic_incidents(
    n: int,
    *,
    extent_m: tuple[float, float, float, float] = DEFAULT_EXTENT_M,
    crs: str | int = 32617,
    hotspots: Sequence[PlantedHotspot] | int = 0,
    hotspot_radius_m: float = 300.0,
    hotspot_share: float = 0.02,
    start: str = "2021-01-01",
    end: str = "2021-12-31",
    offenses: Sequence[str] = DEFAULT_OFFENSES,
    timezone: str = "America/Toronto",
    rng: np.random.Generator | int | None = 0,
) -> SyntheticIncidents:
    """Generate ``n`` incidents: uniform background plus planted hotspot discs.

    Parameters
    ----------
    n : int
        Number of incidents (>= 0).
    extent_m : (xmin, ymin, xmax, ymax), default a 30 km × 30 km square in Toronto
        Rectangle of the background, in metres of ``crs``.
    crs : str or int, default 32617 (WGS 84 / UTM zone 17N)
        A projected CRS in metres.
    hotspots : sequence of PlantedHotspot or int, default 0
        The hotspots to plant, or how many to place at random inside the extent (each
        with ``hotspot_radius_m`` and ``hotspot_share``, the whole disc inside the extent
        when it fits).
    hotspot_radius_m : float, default 300
        Radius of random hotspots, in metres.
    hotspot_share : float, default 0.02
        Share of all incidents in each random hotspot.
    start, end : str, default the year 2021
        First and last day (inclusive), local dates ``YYYY-MM-DD``.
    offenses : sequence of str
        Offense names, drawn uniformly.
    timezone : str, default "America/Toronto"
        IANA time zone of ``occurred_at``.
    rng : numpy.random.Generator, int or None, default 0
        Source of randomness (an int is a seed).

    Returns
    -------
    SyntheticIncidents

    Raises
    ------
    InputError
        For a negative ``n``, an empty extent, shares summing above 1, an unknown time
        zone, unreadable dates or an empty ``offenses``.
    CRSError
        When ``crs`` is not a projected CRS in metres.
    """
    draw = _draw(
        n,
        extent_m=extent_m,
        crs=crs,
        hotspots=hotspots,
        hotspot_radius_m=hotspot_radius_m,
        hotspot_share=hotspot_share,
        start=start,
        end=end,
        offenses=offenses,
        timezone=timezone,
        rng=rng,
    )
    count = draw.xy.shape[0]
    occurred_at = (
        pd.DatetimeIndex((draw.seconds * 1_000_000).view("datetime64[us]"))
        .tz_localize("UTC")
        .tz_convert(draw.timezone)
    )
    index = pd.RangeIndex(count)
    with _gc_paused():  # millions of new Python objects otherwise trigger repeated full GCs
        frame = gpd.GeoDataFrame(
            {
                "source_row": np.arange(1, count + 1, dtype=np.int64),
                "occurred_at": occurred_at,
                "offense": pd.Series(draw.offense.to_pandas(), index=index, dtype="str"),
                "neighbourhood": pd.Series(pd.NA, index=index, dtype="string"),
                "premises": pd.Series(pd.NA, index=index, dtype="string"),
            },
            geometry=gpd.GeoSeries(shapely.points(draw.xy), index=index, crs=draw.crs),
            index=index,
        )
    return SyntheticIncidents(frame, draw.planted, draw.extent, draw.seed)


def synthetic_csv(
    path: str | Path, n: int, *, rng: np.random.Generator | int | None = 0, **kwargs: Any
) -> Path:
    """Write ``n`` synthetic incidents to a CSV file like an agency's open-data export.

    Columns ``lat``, ``lon`` (EPSG:4326 degrees, rounded to 6 decimals, about 0.1 m),
    ``date`` (local time, ISO ``YYYY-MM-DDTHH:MM:SS`` without offset) and ``offense``.
    With the same arguments the rows are the incidents of :func:`synthetic_incidents`,
    in the same order.

    Parameters
    ----------
    path : str or Path
        Where to write the file (parent folders must exist).
    n : int
        Number of incidents.
    rng : numpy.random.Generator, int or None, default 0
        Source of randomness.
    **kwargs
        Any other keyword option of :func:`synthetic_incidents`.

    Returns
    -------
    Path
        The path written.
    """
    target = Path(path)
    draw = _draw(n, rng=rng, **kwargs)
    to_lonlat = Transformer.from_crs(draw.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(draw.xy[:, 0], draw.xy[:, 1])
    utc = draw.seconds.astype("datetime64[s]")
    local = pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(draw.timezone).tz_localize(None)
    table = pa.table(
        {
            "lat": pa.array(np.round(lat, 6)),
            "lon": pa.array(np.round(lon, 6)),
            "date": _iso_local(local.to_numpy().astype("datetime64[s]")),
            "offense": draw.offense,
        }
    )
    pa_csv.write_csv(table, target, write_options=pa_csv.WriteOptions(quoting_style="needed"))
    log.info("Wrote %s synthetic incidents to %s", f"{table.num_rows:,}", target)
    return target


def in_planted(
    x: NDArray[np.floating], y: NDArray[np.floating], planted: Sequence[PlantedHotspot]
) -> NDArray[np.bool_]:
    """Whether each point (x, y) in metres lies inside any of the ``planted`` discs."""
    px = np.asarray(x, dtype=np.float64)
    py = np.asarray(y, dtype=np.float64)
    inside = np.zeros(px.shape, dtype=bool)
    for spot in planted:  # a handful of discs, each test vectorised over all points
        inside |= np.hypot(px - spot.x, py - spot.y) <= spot.radius_m
    return inside


# -- private steps -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Draw:
    """Everything random about a synthetic data set, as arrays (no Python objects per row)."""

    xy: NDArray[np.float64]
    seconds: NDArray[np.int64]  # UTC epoch seconds
    offense: pa.Array
    planted: tuple[PlantedHotspot, ...]
    extent: tuple[float, float, float, float]
    crs: CRS
    timezone: str
    seed: int | None


def _draw(
    n: int,
    *,
    extent_m: tuple[float, float, float, float] = DEFAULT_EXTENT_M,
    crs: str | int = 32617,
    hotspots: Sequence[PlantedHotspot] | int = 0,
    hotspot_radius_m: float = 300.0,
    hotspot_share: float = 0.02,
    start: str = "2021-01-01",
    end: str = "2021-12-31",
    offenses: Sequence[str] = DEFAULT_OFFENSES,
    timezone: str = "America/Toronto",
    rng: np.random.Generator | int | None = 0,
) -> _Draw:
    count = _check_n(n)
    extent = _check_extent(extent_m)
    target_crs = _check_crs(crs)
    names = _check_offenses(offenses)
    first_s, stop_s = _time_window(start, end, timezone)
    generator = np.random.default_rng(rng)
    planted = _plan_hotspots(hotspots, extent, hotspot_radius_m, hotspot_share, generator)
    per_hotspot = np.array([math.floor(h.share * count) for h in planted], dtype=np.int64)
    xy = _coordinates(count, planted, per_hotspot, extent, generator)
    seconds = generator.integers(first_s, stop_s, size=count, dtype=np.int64)
    codes = generator.integers(0, len(names), size=count, dtype=np.int32)
    offense = pa.DictionaryArray.from_arrays(
        pa.array(codes), pa.array(names, type=pa.string())
    ).dictionary_decode()
    log.info(
        "Generated %s synthetic incidents (%s in %d planted hotspot(s), the rest uniform)",
        f"{count:,}",
        f"{int(per_hotspot.sum()):,}",
        len(planted),
    )
    seed = int(rng) if isinstance(rng, int | np.integer) and not isinstance(rng, bool) else None
    return _Draw(xy, seconds, offense, planted, extent, target_crs, timezone, seed)


def _coordinates(
    count: int,
    planted: tuple[PlantedHotspot, ...],
    per_hotspot: NDArray[np.int64],
    extent: tuple[float, float, float, float],
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """(count, 2) coordinates: uniform over ``extent``, then hotspot incidents written
    over rows chosen at random (so they are scattered through the table)."""
    xmin, ymin, xmax, ymax = extent
    xy = rng.uniform((xmin, ymin), (xmax, ymax), size=(count, 2))
    planted_total = int(per_hotspot.sum())
    if planted_total == 0:
        return xy
    rows = rng.choice(count, size=planted_total, replace=False)
    centres = np.repeat([(spot.x, spot.y) for spot in planted], per_hotspot, axis=0)
    radii = np.repeat([spot.radius_m for spot in planted], per_hotspot)
    # Uniform on a disc: distance R * sqrt(U), angle U(0, 2π).
    distance = radii * np.sqrt(rng.random(planted_total))
    angle = rng.uniform(0.0, 2.0 * np.pi, planted_total)
    xy[rows] = centres + np.column_stack([distance * np.cos(angle), distance * np.sin(angle)])
    return xy


def _plan_hotspots(
    hotspots: Sequence[PlantedHotspot] | int,
    extent: tuple[float, float, float, float],
    radius_m: float,
    share: float,
    rng: np.random.Generator,
) -> tuple[PlantedHotspot, ...]:
    if isinstance(hotspots, bool):
        raise invalid("hotspots", hotspots, "a number of hotspots >= 0 or a list of PlantedHotspot")
    if isinstance(hotspots, int | np.integer):
        if hotspots < 0:
            raise invalid(
                "hotspots", hotspots, "a number of hotspots >= 0 or a list of PlantedHotspot"
            )
        _check_spot(radius_m, share, "hotspot_radius_m", "hotspot_share")
        xmin, ymin, xmax, ymax = extent
        margin_x = min(radius_m, (xmax - xmin) / 2.0)
        margin_y = min(radius_m, (ymax - ymin) / 2.0)
        cx = rng.uniform(xmin + margin_x, xmax - margin_x, int(hotspots))
        cy = rng.uniform(ymin + margin_y, ymax - margin_y, int(hotspots))
        planted = tuple(
            PlantedHotspot(float(a), float(b), float(radius_m), float(share))
            for a, b in zip(cx, cy, strict=True)
        )
    else:
        try:
            planted = tuple(hotspots)
        except TypeError:
            raise invalid(
                "hotspots", hotspots, "a number of hotspots or a list of PlantedHotspot"
            ) from None
        for i, spot in enumerate(planted):
            if not isinstance(spot, PlantedHotspot):
                raise invalid(
                    f"hotspots[{i}]",
                    spot,
                    "a PlantedHotspot (centre x, y and radius in metres, share)",
                )
            if not (np.isfinite(spot.x) and np.isfinite(spot.y)):
                raise invalid(f"hotspots[{i}]", spot, "a hotspot with a finite centre in metres")
            _check_spot(
                spot.radius_m, spot.share, f"hotspots[{i}].radius_m", f"hotspots[{i}].share"
            )
    total = sum(h.share for h in planted)
    if total > 1.0 + 1e-12:
        raise InputError(
            literal(f"The hotspot shares add up to {total:g}, more than all incidents; ")
            + "the sum of share over hotspots must be at most 1. Lower {0} or plant fewer {1}.",
            options=(Option("hotspot_share"), Option("hotspots")),
        )
    return planted


def _check_spot(radius_m: Any, share: Any, radius_name: str, share_name: str) -> None:
    if not (isinstance(radius_m, int | float) and np.isfinite(radius_m) and radius_m > 0):
        raise invalid(radius_name, radius_m, "a positive radius in metres", "For example 300.")
    if not (isinstance(share, int | float) and 0.0 < share <= 1.0):
        raise invalid(
            share_name, share, "a share of all incidents in (0, 1]", "For example 0.02 (2%)."
        )


def _time_window(start: str, end: str, timezone: str) -> tuple[int, int]:
    """[start 00:00, day after end 00:00) in ``timezone`` as UTC epoch seconds."""
    try:
        first = pd.Timestamp(start)
        last = pd.Timestamp(end)
    except (TypeError, ValueError):
        raise invalid("start/end", (start, end), "dates like '2021-01-01'") from None
    if first.tzinfo is not None or last.tzinfo is not None:
        raise invalid(
            "start/end",
            (start, end),
            "local dates without a time zone",
            "Set {1} instead.",
            options=(Option("synthetic:timezone"),),
        )
    if last < first:
        raise invalid("end", end, f"a date on or after the start, {start}")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise invalid(
            "synthetic:timezone",
            timezone,
            "an IANA time zone name",
            "For example 'America/Toronto'.",
        ) from None
    # A midnight that does not exist (DST starting at 00:00) moves to the first valid instant.
    begin = first.normalize().tz_localize(zone, nonexistent="shift_forward", ambiguous=True)
    stop = (last.normalize() + pd.Timedelta(days=1)).tz_localize(
        zone, nonexistent="shift_forward", ambiguous=True
    )
    return int(begin.timestamp()), int(stop.timestamp())


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise invalid(
            "n",
            n,
            "a whole number of incidents >= 0",
            "For example {1}.",
            options=(Option("n", 10_000),),
        )
    return int(n)


def _check_extent(extent_m: Any) -> tuple[float, float, float, float]:
    try:
        xmin, ymin, xmax, ymax = (float(v) for v in extent_m)
    except (TypeError, ValueError):
        raise invalid("extent_m", extent_m, "(xmin, ymin, xmax, ymax) in metres") from None
    if not (np.isfinite([xmin, ymin, xmax, ymax]).all() and xmin < xmax and ymin < ymax):
        raise invalid(
            "extent_m",
            extent_m,
            "(xmin, ymin, xmax, ymax) in metres with xmin < xmax and ymin < ymax",
        )
    return (xmin, ymin, xmax, ymax)


def _check_crs(crs: Any) -> CRS:
    try:
        parsed = CRS.from_user_input(crs)
    except PyprojCRSError:
        raise CRSError(
            "{0} is not a CRS pyproj understands; use an EPSG code such as {1}.",
            options=(given("synthetic:crs", crs), Option("synthetic:crs", 32617)),
        ) from None
    units = {axis.unit_name for axis in parsed.axis_info}
    if not parsed.is_projected or not units <= {"metre", "meter"}:
        raise CRSError(
            "{0} is not a projected CRS in metres, but {1} and the radii are in metres; use a "
            "metric CRS such as the local UTM zone (e.g. {2} for Toronto).",
            options=(
                given("synthetic:crs", crs),
                Option("extent_m"),
                Option("synthetic:crs", 32617),
            ),
        )
    return parsed


def _check_offenses(offenses: Any) -> tuple[str, ...]:
    names = (offenses,) if isinstance(offenses, str) else tuple(offenses)
    if not names or not all(isinstance(name, str) and name for name in names):
        raise invalid(
            "synthetic:offenses",
            offenses,
            "a non-empty list of offense names",
            "For example {1}.",
            options=(Option("synthetic:offenses", ("Assault",)),),
        )
    return names


def _iso_local(local: NDArray[np.datetime64]) -> pa.Array:
    """``YYYY-MM-DDTHH:MM:SS`` strings (Arrow's cast is ~10x faster than strftime)."""
    text = pa_compute.cast(pa.array(local, type=pa.timestamp("s")), pa.string())
    return pa_compute.replace_substring(text, pattern=" ", replacement="T", max_replacements=1)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while creating many acyclic objects (restored after)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
