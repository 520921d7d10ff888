"""The audit: every output is scanned, as final bytes, before anything is written.

:func:`audit_files` takes the files of a snapshot (name → bytes) and an
:class:`AuditReference` built from the **input** incidents, and raises
:class:`~hotspots.errors.PrivacyError` naming every rule that failed and the offending
item. Rules (the names used in the messages):

``no incident coordinates``
    No pair of numbers in any text (HTML with its embedded data, JSON, PNG text chunks)
    (polygon vertices aside: they come from the boundaries and the grid only, never from
    incidents) is the location of an input incident at the comparison precision — longitude/latitude
    in either order, at ``min(input decimals, 5)`` decimals, and metric x/y in the input's
    metric CRS to the metre. Pairs are the numbers 1 to 3 places apart in reading order
    (so ``{"lon": .., "n": .., "lat": ..}`` is caught too).
``small counts``
    Every published number of incidents is at least ``k``: JSON values whose key
    mentions "incident", table cells of class ``n``, ``data-incidents`` attributes, and
    numbers written just before the word "incident(s)" in the same line of text.
``allow list``
    No category of the input that is off the publisher's allow list is named anywhere
    (whole-phrase match after normalisation; names that are part of an allowed name,
    like "theft" in "Theft Over", cannot be told apart and are not searched for).
``identifiers``
    No value of an identifier column of the input (``id``, ``*_id``, case numbers, six
    characters or more with a digit) appears as a token; no input column that carries
    row-level data (``source_row``, ``premises``, ``occurred_at``, coordinates…) is a
    JSON key.
``premises and addresses``
    No JSON string value and no table cell equals a premises or address value of the input.
``exact timestamps``
    No date finer than a month (``2021-03-14``, ``14/03/2021``, ``March 14, 2021``) and no
    time of day, apart from the one generation-date line.
``minimum cell size``
    Published grid cells are at least ``min_cell_size_m`` across.
``polygons only``
    No Point/LineString geometry anywhere.
``markup`` / ``network``
    The HTML holds exactly the template's three scripts, no event-handler attributes,
    no ``javascript:`` URLs, and no external resource (``src``, ``<link>``, ``url()``,
    ``@import``) — so names cannot inject markup and opening the file makes no request.
``png metadata``
    The PNG holds only image chunks and, at most, a ``Title`` text chunk (also scanned).

Known literal texts that come from the code or the rules, never from the data (the
inlined Leaflet, the page's own CSS/JS, the rules note, the generation-date line) are
cut out before scanning; cutting a fixed text cannot hide data.
"""

from __future__ import annotations

import json
import logging
import re
import struct
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.errors import PrivacyError
from hotspots.publish.geometry import OUTPUT_DECIMALS, coordinate_decimals, exposure_keys
from hotspots.publish.render import TOO_FEW
from hotspots.publish.rules import PublicationRules, normalise_category
from hotspots.spatial.projection import to_display

log = logging.getLogger(__name__)

#: JSON keys that would carry row-level data; never allowed in a published file.
FORBIDDEN_KEYS = frozenset(
    {
        "source_row", "row", "id", "incident_id", "event_id", "event_unique_id", "case_number",
        "case_id", "uid", "objectid", "premises", "premises_type", "premise", "address",
        "hundred_block", "block", "street", "location", "location_type", "occurred_at",
        "occurred", "datetime", "timestamp", "date", "time", "hour", "minute", "day",
        "lat", "lon", "lng", "latitude", "longitude", "x", "y", "point", "points",
    }
)  # fmt: skip
#: Columns of an input frame whose values are identifiers.
IDENTIFIER_COLUMNS = frozenset(
    {
        "id",
        "uid",
        "objectid",
        "case",
        "case_number",
        "casenumber",
        "report_number",
        "event_unique_id",
        "incident_number",
    }
)
#: Columns of an input frame whose values are premises or addresses.
PLACE_COLUMNS = frozenset(
    {
        "premises",
        "premises_type",
        "premise",
        "premisetype",
        "location_type",
        "address",
        "hundred_block",
        "block",
        "street",
        "location",
        "location_description",
    }
)
#: Geometry types of aggregated areas (their vertices come from boundaries and the grid).
_POLYGON_TYPES = frozenset({"Polygon", "MultiPolygon"})
#: How an area hidden by location diversity is written (as in hotspots.publish.content).
HIDDEN_TEXT = "not shown"
#: Geometry types that are not aggregated areas.
NON_AREA_TYPES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString"})
#: The script tags the HTML template writes, each exactly once.
ALLOWED_SCRIPT_TAGS = (
    '<script id="leaflet-js">',
    '<script type="application/json" id="snapshot-data">',
    '<script id="snapshot-app">',
)
#: PNG chunk types an image may hold.
PNG_IMAGE_CHUNKS = frozenset(
    {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"pHYs", b"sRGB", b"gAMA", b"cHRM", b"bKGD"}
)
PNG_TEXT_CHUNKS = frozenset({b"tEXt", b"iTXt", b"zTXt"})
PNG_ALLOWED_TEXT_KEYS = frozenset({"Title"})

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-./:#]*[A-Za-z0-9]")
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|september|october|november|december"
_TIMESTAMPS = (
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),
    re.compile(r"\b\d{4}/\d{1,2}/\d{1,2}\b"),
    re.compile(r"\b\d{1,2}[/-]\d{1,2}[/-]\d{2,4}\b"),
    re.compile(r"\b\d{1,2}\.\d{1,2}\.(?:19|20)\d{2}\b"),
    re.compile(r"\b\d{1,2}:\d{2}\b"),
    re.compile(rf"\b(?:{_MONTHS})\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}\b", re.IGNORECASE),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:{_MONTHS})\.?,? \d{{4}}\b", re.IGNORECASE),
)
_INCIDENT_TEXT = re.compile(r"(?<![\w.,])(\d[\d,]*)[ \t\u00a0]+incidents?\b", re.IGNORECASE)
_INLINE_TAG = re.compile(
    r"</?(?:span|b|strong|em|i|small|a|abbr|mark|sup|sub)\b[^>]*>", re.IGNORECASE
)
_COUNT_CELL = re.compile(
    r"<td[^>]*\bclass=\"[^\"]*\bn\b[^\"]*\"[^>]*>(.*?)</td>", re.IGNORECASE | re.DOTALL
)
_COUNT_ATTR = re.compile(r"\bdata-incidents=\"([^\"]*)\"", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_CELL_TEXT = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.IGNORECASE | re.DOTALL)
_ELEMENT = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>")
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style>", re.IGNORECASE | re.DOTALL)
_LOADING_ELEMENTS = frozenset(
    {
        "link",
        "iframe",
        "frame",
        "object",
        "embed",
        "img",
        "image",
        "audio",
        "video",
        "source",
        "track",
        "base",
        "portal",
        "use",
    }
)
_DATA_BLOCK = re.compile(
    r'<script type="application/json" id="snapshot-data">(.*?)</script>', re.DOTALL
)


@dataclass(frozen=True)
class Finding:
    """One failed rule: which rule, in which file, and the offending item."""

    rule: str
    file: str
    item: str

    def __str__(self) -> str:
        return f"rule '{self.rule}' failed in {self.file}: {self.item}"


@dataclass(frozen=True)
class AuditReport:
    """The checks that passed on every file (the audit raises when any fails)."""

    files: tuple[str, ...]
    rules: tuple[str, ...]
    lonlat_decimals: int
    metric_decimals: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary for the metadata file."""
        return {
            "passed": True,
            "files": list(self.files),
            "rules_checked": list(self.rules),
            "coordinate_comparison": f"longitude/latitude at {self.lonlat_decimals} decimals, metric x/y at {_metres(self.metric_decimals)}",
        }


RULES = (
    "no incident coordinates", "small counts", "allow list",
    "identifiers", "premises and addresses", "exact timestamps", "minimum cell size", "polygons only",
    "markup", "network", "png metadata",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class AuditReference:
    """What the audit looks for, taken from the input incidents (held in memory only).

    Build it with :meth:`from_incidents`.
    """

    lonlat_keys: np.ndarray
    lonlat_decimals: int
    metric_keys: np.ndarray
    metric_decimals: int
    identifiers: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    excluded_categories: tuple[str, ...] = ()
    row_columns: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_incidents(
        cls, incidents: gpd.GeoDataFrame, *, allowed: Sequence[str]
    ) -> AuditReference:
        """Collect locations, identifiers, places and categories off the allow list.

        ``incidents`` is the full input (metric CRS), before any selection; ``allowed``
        the publisher's allow list.
        """
        geoms = incidents.geometry.values
        ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        xy = shapely.get_coordinates(geoms[ok])
        lonlat = shapely.get_coordinates(
            to_display(gpd.GeoDataFrame(geometry=geoms[ok], crs=incidents.crs)).geometry.values
        )
        finite = np.isfinite(lonlat).all(axis=1) & np.isfinite(xy).all(axis=1)
        xy, lonlat = xy[finite], lonlat[finite]
        input_decimals = min(coordinate_decimals(lonlat[:, 0]), coordinate_decimals(lonlat[:, 1]))
        lonlat_decimals = min(input_decimals, OUTPUT_DECIMALS)
        metric_decimals = min(
            0,
            coordinate_decimals(xy[:, 0], max_decimals=3, noise=1e-6, min_decimals=-2),
            coordinate_decimals(xy[:, 1], max_decimals=3, noise=1e-6, min_decimals=-2),
        )
        columns = {
            normalise_category(c).replace(" ", "_"): c
            for c in incidents.columns
            if c != incidents.geometry.name
        }
        identifiers: set[str] = set()
        places: set[str] = set()
        row_columns = {"source_row"}
        for norm, col in columns.items():
            if norm in IDENTIFIER_COLUMNS or norm.endswith("_id"):
                identifiers.update(_distinctive(incidents[col]))
                row_columns.update({norm, str(col).casefold()})
            if norm in PLACE_COLUMNS:
                row_columns.update({norm, str(col).casefold()})
                places.update(v.casefold() for v in _unique_text(incidents[col]) if len(v) >= 3)
        # Values that are also published categories (an offense or neighbourhood named
        # "Other") are not treated as places.
        for col in ("offense", "neighbourhood"):
            if col in incidents.columns:
                places -= {v.casefold() for v in _unique_text(incidents[col])}
        excluded: tuple[str, ...] = ()
        if "offense" in incidents.columns:
            ok = {normalise_category(a) for a in allowed}
            inside = " | ".join(f" {a} " for a in ok)
            cats = {normalise_category(c) for c in _unique_text(incidents["offense"])}
            excluded = tuple(sorted(c for c in cats - ok - {""} if f" {c} " not in inside))
        return cls(
            lonlat_keys=np.unique(exposure_keys(lonlat[:, 0], lonlat[:, 1], lonlat_decimals)),
            lonlat_decimals=lonlat_decimals,
            metric_keys=np.unique(exposure_keys(xy[:, 0], xy[:, 1], metric_decimals)),
            metric_decimals=metric_decimals,
            identifiers=frozenset(identifiers),
            places=frozenset(places),
            excluded_categories=excluded,
            row_columns=frozenset(row_columns),
        )


def audit_files(
    files: Mapping[str, bytes],
    reference: AuditReference,
    rules: PublicationRules,
    *,
    allowed_literals: Sequence[str] = (),
) -> AuditReport:
    """Audit every file; raise :class:`PrivacyError` listing every failed rule.

    Parameters
    ----------
    files : mapping of file name to content
        ``.html``, ``.json`` and ``.png`` files (other kinds are refused).
    reference : AuditReference
        Built from the input incidents.
    rules : PublicationRules
    allowed_literals : sequence of str
        Fixed texts from the code or the rules (never from data) cut out before scanning.
    """
    findings: list[Finding] = []
    for name in sorted(files):
        content = files[name]
        if name.endswith(".html"):
            findings += audit_html(
                name, content.decode("utf-8"), reference, rules, allowed_literals
            )
        elif name.endswith(".json"):
            findings += audit_json(
                name, content.decode("utf-8"), reference, rules, allowed_literals
            )
        elif name.endswith(".png"):
            findings += audit_png(name, content, reference, rules, allowed_literals)
        else:
            findings.append(
                Finding(
                    "markup",
                    name,
                    "unknown kind of output file (only .html, .json and .png are published)",
                )
            )
    if findings:
        raise PrivacyError(_message(findings))
    return AuditReport(
        tuple(sorted(files)), RULES, reference.lonlat_decimals, reference.metric_decimals
    )


# -- per kind of file -------------------------------------------------------------------------------


def audit_html(
    name: str,
    html: str,
    reference: AuditReference,
    rules: PublicationRules,
    allowed_literals: Sequence[str] = (),
) -> list[Finding]:
    """Findings for one HTML page (its embedded data included)."""
    text = _cut(html, allowed_literals)
    findings = _markup(name, text)
    blocks = _DATA_BLOCK.findall(text)
    if len(blocks) != 1:
        findings.append(
            Finding("markup", name, f"expected one embedded data block, found {len(blocks)}")
        )
    for block in blocks:
        try:
            data = json.loads(block)
        except json.JSONDecodeError as exc:
            findings.append(
                Finding("markup", name, f"the embedded data is not valid JSON ({exc.msg})")
            )
            continue
        findings += _structure(name, data, reference, rules)
        findings += _json_coordinates(name, data, reference)
    page = _DATA_BLOCK.sub('<script type="application/json" id="snapshot-data"></script>', text)
    findings += _html_counts(name, text, rules)
    findings += _text_rules(name, page, reference, rules)
    data_text = "\n".join(blocks)
    findings += _categories(name, data_text, reference)
    findings += _identifiers(name, data_text, reference)
    findings += _timestamps(name, data_text)
    findings += _table_places(name, text, reference)
    return findings


def audit_json(
    name: str,
    text: str,
    reference: AuditReference,
    rules: PublicationRules,
    allowed_literals: Sequence[str] = (),
) -> list[Finding]:
    """Findings for one JSON file."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [Finding("markup", name, f"not valid JSON ({exc.msg})")]
    findings = _structure(name, data, reference, rules)
    findings += _json_coordinates(name, data, reference)
    cut = _cut(text, allowed_literals)
    findings += _text_rules(name, cut, reference, rules, coordinates=False)
    findings += _free_text_counts(name, cut, rules)
    return findings


def audit_png(
    name: str,
    content: bytes,
    reference: AuditReference,
    rules: PublicationRules,
    allowed_literals: Sequence[str] = (),
) -> list[Finding]:
    """Findings for one PNG: only image chunks, and a Title text chunk that passes the text rules."""
    findings: list[Finding] = []
    try:
        chunks = list(_png_chunks(content))
    except ValueError as exc:
        return [Finding("png metadata", name, str(exc))]
    texts = []
    for kind, data in chunks:
        if kind in PNG_IMAGE_CHUNKS:
            continue
        if kind not in PNG_TEXT_CHUNKS:
            findings.append(
                Finding(
                    "png metadata",
                    name,
                    f"chunk {kind.decode('latin-1')!r} is not allowed (only image data and a Title)",
                )
            )
            continue
        key, value = _png_text(kind, data)
        if key not in PNG_ALLOWED_TEXT_KEYS:
            findings.append(
                Finding("png metadata", name, f"text chunk {key!r} is not allowed (only 'Title')")
            )
        texts.append(f"{key}: {value}")
    if texts:
        joined = "\n".join(texts)
        findings += _text_rules(name, _cut(joined, allowed_literals), reference, rules)
        findings += _free_text_counts(name, joined, rules)
    return findings


# -- rules ------------------------------------------------------------------------------------------


def _markup(name: str, text: str) -> list[Finding]:
    findings = []
    tags = re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE)
    for tag in tags:
        if tag not in ALLOWED_SCRIPT_TAGS:
            findings.append(
                Finding(
                    "markup",
                    name,
                    f"unexpected script tag {tag[:60]!r} (a name or label was not escaped?)",
                )
            )
    for allowed in ALLOWED_SCRIPT_TAGS:
        if tags.count(allowed) != 1:
            findings.append(
                Finding(
                    "markup",
                    name,
                    f"script tag {allowed!r} appears {tags.count(allowed)} times, expected once",
                )
            )
    for tag in _ELEMENT.finditer(text):
        body = tag.group(0)
        name_ = tag.group(1).casefold()
        if re.search(r"\son[a-z]+\s*=", body, flags=re.IGNORECASE):
            findings.append(Finding("markup", name, f"event-handler attribute in {body[:60]!r}"))
        if re.search(r"javascript\s*:", body, flags=re.IGNORECASE):
            findings.append(Finding("markup", name, f"a 'javascript:' URL in {body[:60]!r}"))
        if name_ in _LOADING_ELEMENTS:
            findings.append(
                Finding("network", name, f"an element that loads a resource: {body[:60]!r}")
            )
        for m in re.finditer(
            r"\s(src|srcset|poster|data|action|formaction|background)\s*=\s*[\"']?([^\s\"'>]*)",
            body,
            flags=re.IGNORECASE,
        ):
            if not m.group(2).casefold().startswith("data:"):
                findings.append(
                    Finding(
                        "network",
                        name,
                        f"{m.group(1)}={m.group(2)[:40]!r} in {body[:60]!r} is not inline data",
                    )
                )
        if name_ == "meta" and re.search(
            r"http-equiv\s*=\s*[\"']?refresh", body, flags=re.IGNORECASE
        ):
            findings.append(Finding("network", name, "a meta refresh"))
    styles = _STYLE_BLOCK.findall(text) + re.findall(
        r"\sstyle\s*=\s*\"([^\"]*)\"", "".join(t.group(0) for t in _ELEMENT.finditer(text))
    )
    for css in styles:
        for m in re.finditer(r"url\(\s*[\"']?(?!data:|#)([^)]{0,40})", css, flags=re.IGNORECASE):
            findings.append(
                Finding("network", name, f"a CSS url({m.group(1)!r}) that is not inline data")
            )
        if "@import" in css.casefold():
            findings.append(Finding("network", name, "a CSS @import"))
    return findings


def _structure(
    name: str, data: Any, reference: AuditReference, rules: PublicationRules
) -> list[Finding]:
    """Rules on the parsed JSON: keys, incident numbers, geometry types, places, cell sizes."""
    findings: list[Finding] = []
    for path, key, value in _walk(data):
        low = key.casefold() if key is not None else None
        if low is not None and (low in FORBIDDEN_KEYS or low in reference.row_columns):
            findings.append(
                Finding("identifiers", name, f"key {key!r} at {path} carries row-level data")
            )
        if low is not None and "incident" in low and value is not None:
            if isinstance(value, str) and re.fullmatch(r"\s*\d[\d,]*\s*", value):
                findings += _count_findings(name, path, int(value.replace(",", "")), rules)
            elif not isinstance(value, dict | list | str):
                findings += _count_findings(name, path, value, rules)
        if low == "type" and value in NON_AREA_TYPES:
            findings.append(Finding("polygons only", name, f"{value} geometry at {path}"))
        if isinstance(value, str) and value.casefold() in reference.places:
            findings.append(
                Finding(
                    "premises and addresses",
                    name,
                    f"value {value!r} at {path} is a premises/address of the input",
                )
            )
    if isinstance(data, dict):
        findings += _cell_sizes(name, data, rules)
    return findings


def _count_findings(name: str, where: str, value: Any, rules: PublicationRules) -> list[Finding]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [Finding("small counts", name, f"{where} = {value!r} is not a number of incidents")]
    out = []
    if value < rules.k:
        out.append(
            Finding(
                "small counts",
                name,
                f"{where} = {value:g} is below k={rules.k}; it must be shown as '{rules.suppressed_text()}'",
            )
        )
    return out


def _cell_sizes(name: str, data: dict[str, Any], rules: PublicationRules) -> list[Finding]:
    """Grid cells: the declared size; each drawn polygon's area and narrowest extent; and
    the spacing of neighbouring cells' centres (a finer grid has closer centres). Loose
    tolerances, because vertices moved off incident locations may shave a little off a
    cell (one input-precision step, about 100 m for 3-decimal inputs); a grid of cells
    markedly below the minimum fails all three."""
    grid = data.get("grid")
    if not isinstance(grid, dict):
        return []
    findings = []
    size = grid.get("cell_size_m")
    if not (
        isinstance(size, int | float)
        and not isinstance(size, bool)
        and size >= rules.min_cell_size_m
    ):
        findings.append(
            Finding(
                "minimum cell size",
                name,
                f"grid cell_size_m={size!r} is below {rules.min_cell_size_m:g} m",
            )
        )
    full = rules.min_cell_size_m**2 * (1.0 if grid.get("kind") != "hex" else np.sqrt(3.0) / 2.0)
    centres = []
    for i, feature in enumerate((grid.get("cells") or {}).get("features", [])):
        extent = _extent_m(feature.get("geometry"))
        if extent is None:
            findings.append(Finding("minimum cell size", name, f"grid cell {i} has no polygon"))
            continue
        width, area, centre = extent
        centres.append(centre)
        if area < 0.5 * full or width < 0.6 * rules.min_cell_size_m:
            findings.append(
                Finding(
                    "minimum cell size",
                    name,
                    f"grid cell {i} is about {width:.0f} m across ({area / 1e6:.3f} km²), below {rules.min_cell_size_m:g} m cells",
                )
            )
    if len(centres) >= 2:
        from scipy.spatial import cKDTree

        points = np.array(centres)
        distance, _ = cKDTree(points).query(points, k=2)
        close = np.flatnonzero(distance[:, 1] < 0.85 * rules.min_cell_size_m)
        for i in close[:5]:
            findings.append(
                Finding(
                    "minimum cell size",
                    name,
                    f"grid cell {i} has a neighbour {distance[i, 1]:.0f} m away: cells are smaller than {rules.min_cell_size_m:g} m",
                )
            )
    return findings


def _extent_m(geometry: Any) -> tuple[float, float, tuple[float, float]] | None:
    """(narrowest bounding-box side, area, centre) of a lon/lat polygon's outer ring, in
    local metres (equirectangular at the ring's latitude, plenty for cell sizes)."""
    try:
        ring = (
            geometry["coordinates"][0]
            if geometry["type"] == "Polygon"
            else geometry["coordinates"][0][0]
        )
        coords = np.asarray(ring, dtype=np.float64)
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    if coords.ndim != 2 or coords.shape[0] < 4 or coords.shape[1] != 2:
        return None
    x = coords[:, 0] * 111_320.0 * np.cos(np.radians(float(np.mean(coords[:, 1]))))
    y = coords[:, 1] * 110_574.0
    area = 0.5 * abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])))
    return (
        min(float(np.ptp(x)), float(np.ptp(y))),
        area,
        (float(np.mean(x[:-1])), float(np.mean(y[:-1]))),
    )


def _html_counts(name: str, text: str, rules: PublicationRules) -> list[Finding]:
    findings = []
    for where, raw in [("table cell", m.group(1)) for m in _COUNT_CELL.finditer(text)] + [
        ("data-incidents", m.group(1)) for m in _COUNT_ATTR.finditer(text)
    ]:
        value = _TAG.sub("", raw).strip()
        if value in (rules.suppressed_text(), HIDDEN_TEXT, TOO_FEW, ""):
            continue
        number = value.replace(",", "")
        if not re.fullmatch(r"\d+", number):
            findings.append(
                Finding(
                    "small counts",
                    name,
                    f"{where} {value!r} is neither a number nor '{rules.suppressed_text()}'",
                )
            )
            continue
        findings += _count_findings(name, f"{where} {value!r}", int(number), rules)
    findings += _free_text_counts(name, _TAG.sub("\n", _INLINE_TAG.sub("", text)), rules)
    return findings


def _free_text_counts(name: str, text: str, rules: PublicationRules) -> list[Finding]:
    findings = []
    for m in _INCIDENT_TEXT.finditer(text):
        value = int(m.group(1).replace(",", ""))
        findings += _count_findings(name, f"text {m.group(0)!r}", value, rules)
    return findings


def _text_rules(
    name: str,
    text: str,
    reference: AuditReference,
    rules: PublicationRules,
    *,
    coordinates: bool = True,
) -> list[Finding]:
    return (
        (_coordinates(name, text, reference) if coordinates else [])
        + _timestamps(name, text)
        + _identifiers(name, text, reference)
        + _categories(name, text, reference)
    )


def _json_coordinates(name: str, data: Any, reference: AuditReference) -> list[Finding]:
    """Coordinate pairs in parsed JSON: every list of two numbers, every two numbers held
    by the same object (e.g. ``{"lat": .., "zoom": .., "lon": ..}``), and number pairs
    written inside strings. Vertices of one ring are never paired with each other."""
    pairs: list[tuple[float, float]] = []
    strings: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict) and item.get("type") in _POLYGON_TYPES:
            continue  # vertices of the boundaries or the grid
        if isinstance(item, list):
            numbers = [v for v in item if _is_number(v)]
            if len(item) == 2 and len(numbers) == 2:
                pairs.append((float(numbers[0]), float(numbers[1])))
            stack.extend(v for v in item if isinstance(v, dict | list))
            strings.extend(v for v in item if isinstance(v, str))
        elif isinstance(item, dict):
            values = [float(v) for v in item.values() if _is_number(v)]
            pairs.extend((a, b) for i, a in enumerate(values) for b in values[i + 1 :])
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
            strings.extend(v for v in item.values() if isinstance(v, str))
    findings = _pair_findings(name, np.array(pairs, dtype=np.float64).reshape(-1, 2), reference)
    if strings:
        findings += _coordinates(name, "\n".join(strings), reference)
    return findings


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _coordinates(name: str, text: str, reference: AuditReference) -> list[Finding]:
    """Coordinate pairs in free text: numbers 1 to 3 places apart in reading order."""
    numbers = np.array([float(m) for m in _NUMBER.findall(text)], dtype=np.float64)
    if numbers.size < 2:
        return []
    pairs = [
        np.column_stack([numbers[:-gap], numbers[gap:]]) for gap in (1, 2, 3) if numbers.size > gap
    ]
    return _pair_findings(name, np.vstack(pairs), reference)


def _pair_findings(name: str, pairs: np.ndarray, reference: AuditReference) -> list[Finding]:
    """Findings for candidate (a, b) pairs, tried in both orders, in degrees and in metres."""
    findings: list[Finding] = []
    if pairs.size == 0:
        return findings
    seen: set[tuple[float, float]] = set()
    for first, second in ((pairs[:, 0], pairs[:, 1]), (pairs[:, 1], pairs[:, 0])):
        for keys, decimals, kind in (
            (reference.lonlat_keys, reference.lonlat_decimals, "longitude/latitude"),
            (reference.metric_keys, reference.metric_decimals, "metric x/y"),
        ):
            if keys.size == 0:
                continue
            hit = _plausible(first, second, kind) & np.isin(
                exposure_keys(first, second, decimals), keys
            )
            for i in np.flatnonzero(hit)[:5]:
                pair = (float(first[i]), float(second[i]))
                if pair not in seen:
                    seen.add(pair)
                    findings.append(
                        Finding(
                            "no incident coordinates",
                            name,
                            f"{pair[0]:g}, {pair[1]:g} is the {kind} of an input incident",
                        )
                    )
    return findings


def _plausible(x: np.ndarray, y: np.ndarray, kind: str) -> np.ndarray:
    if kind == "longitude/latitude":
        return (np.abs(x) <= 180) & (np.abs(y) <= 90) & ((x % 1 != 0) | (y % 1 != 0))
    return (np.abs(x) >= 1000) | (np.abs(y) >= 1000)


def _timestamps(name: str, text: str) -> list[Finding]:
    findings = []
    for pattern in _TIMESTAMPS:
        for m in pattern.finditer(text):
            findings.append(
                Finding("exact timestamps", name, f"{m.group(0)!r} is more precise than a month")
            )
            if len(findings) > 20:
                return findings
    return findings


def _identifiers(name: str, text: str, reference: AuditReference) -> list[Finding]:
    if not reference.identifiers:
        return []
    tokens = {t.casefold() for t in _TOKEN.findall(text)} | {
        t.casefold() for t in re.findall(r"[A-Za-z0-9]+", text)
    }
    return [
        Finding("identifiers", name, f"{t!r} is an identifier of an input incident")
        for t in sorted(tokens & reference.identifiers)[:20]
    ]


def _categories(name: str, text: str, reference: AuditReference) -> list[Finding]:
    if not reference.excluded_categories:
        return []
    words = " " + normalise_category(_TAG.sub(" ", text)) + " "
    return [
        Finding("allow list", name, f"the category {c!r}, not on the allow list, is named")
        for c in reference.excluded_categories
        if f" {c} " in words
    ]


def _table_places(name: str, text: str, reference: AuditReference) -> list[Finding]:
    if not reference.places:
        return []
    out = []
    for m in _CELL_TEXT.finditer(text):
        value = _TAG.sub("", m.group(1)).strip()
        if value.casefold() in reference.places:
            out.append(
                Finding(
                    "premises and addresses",
                    name,
                    f"table cell {value!r} is a premises/address of the input",
                )
            )
    return out


# -- helpers ----------------------------------------------------------------------------------------


def _cut(text: str, literals: Iterable[str]) -> str:
    """Remove every occurrence of each literal (longest first) and its escaped forms."""
    import html as _html

    variants: set[str] = set()
    for lit in literals:
        if lit:
            variants.update(
                {
                    lit,
                    _html.escape(lit, quote=True),
                    _html.escape(lit, quote=False),
                    json.dumps(lit)[1:-1],
                    json.dumps(lit, ensure_ascii=False)[1:-1],
                }
            )
    for lit in sorted(variants, key=len, reverse=True):
        if len(lit) >= 8:
            text = text.replace(lit, " ")
    return text


def _walk(data: Any, path: str = "$") -> Iterator[tuple[str, str | None, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            sub = f"{path}.{key}"
            yield sub, str(key), value
            yield from _walk(value, sub)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            sub = f"{path}[{i}]"
            if not isinstance(value, dict | list):
                yield sub, None, value
            yield from _walk(value, sub)


def _distinctive(values: pd.Series) -> set[str]:
    out = set()
    for v in _unique_text(values):
        if len(v) >= 6 and any(ch.isdigit() for ch in v):
            out.add(v.casefold())
    return out


def _unique_text(values: pd.Series) -> list[str]:
    return [str(v).strip() for v in pd.unique(values.dropna().astype("object"))]


def _png_chunks(content: bytes) -> Iterator[tuple[bytes, bytes]]:
    if not content.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG file")
    pos = 8
    while pos < len(content):
        if pos + 8 > len(content):
            raise ValueError("truncated PNG chunk")
        (length,) = struct.unpack(">I", content[pos : pos + 4])
        kind = content[pos + 4 : pos + 8]
        data = content[pos + 8 : pos + 8 + length]
        yield kind, data
        pos += 12 + length
        if kind == b"IEND":
            if pos != len(content):
                raise ValueError(f"{len(content) - pos} byte(s) after the end of the image")
            return
    raise ValueError("PNG without an IEND chunk")


def _png_text(kind: bytes, data: bytes) -> tuple[str, str]:
    key, _, rest = data.partition(b"\x00")
    if kind == b"tEXt":
        return key.decode("latin-1"), rest.decode("latin-1")
    if kind == b"zTXt":
        return key.decode("latin-1"), zlib.decompress(rest[1:]).decode("latin-1")
    compressed, rest = rest[0], rest[2:]
    _, _, rest = rest.partition(b"\x00")
    _, _, text = rest.partition(b"\x00")
    return key.decode("latin-1"), (zlib.decompress(text) if compressed else text).decode("utf-8")


def _metres(decimals: int) -> str:
    return f"{10.0 ** (-decimals):g} m"


def _message(findings: list[Finding]) -> str:
    rules = sorted({f.rule for f in findings})
    shown = "; ".join(str(f) for f in findings[:8])
    more = f"; and {len(findings) - 8} more" if len(findings) > 8 else ""
    return (
        f"Publication refused: {len(findings)} problem(s) with rule(s) {', '.join(repr(r) for r in rules)}: "
        f"{shown}{more}. Nothing was written."
    )
