"""Which source column holds what: :class:`ColumnMapping` and :func:`detect_columns`.

Detection compares *normalised* column names (lower case, every run of characters other
than letters and digits replaced by ``_``, e.g. ``"Primary Type"`` -> ``primary_type``)
with a priority list per field. The first name in a field's list that the frame has wins,
and a column is used for at most one field (fields are filled in the order of
:data:`_DETECTION_ORDER`).

Priorities worth knowing
------------------------
* **Coordinates**: ``lat``/``lon`` names (``latitude``, ``lat``, ``lng``, ``long``,
  ``longitude``...) are preferred over ``x``/``y`` names (``x``, ``y``, ``x_coord``,
  ``easting``...). A pair is only detected when both halves are present.
* **Date**: the time the incident *occurred* beats the time it was reported
  (``occurred_at``, ``occurrencedate``, ``date_occ``... before ``date`` before
  ``reported_date``). ``month`` is the date (police.uk publishes ``2022-01``) unless the
  frame also has a ``year`` column, in which case the date is split over
  ``year``/``month``/``day``/``hour``/``minute`` columns (Vancouver).
* **Offense**: a broad category beats a detailed description, because hotspot maps are
  read per category: ``mci_category``/``mci`` (Toronto), ``primary_type`` (Chicago),
  ``crime_type`` (police.uk), ``offense_type`` (Memphis), ``offense``/``offence``,
  ``category`` and finally the generic ``type`` (Vancouver). ``loc_cat`` is *not* an
  offense: in the Chicago files it is the location category, so it is read as premises.
* **Neighbourhood**: names beat numbers: ``neighbourhood``/``neighborhood`` (also the
  Toronto ``neighbourhood_158`` and ``neighbourhood_140``), ``hood_name``, ``area_name``,
  ``ward``, ``district``, ``precinct``, ``area``, ``community_area``.
* **Location text**: the block, street or address of the incident as text, kept for the
  analyst's context (the outreach planner names a site's nearest block with it; nothing
  published ever contains it): ``hundred_block`` (Vancouver), ``block`` (Chicago),
  ``address``, ``street``, ``location`` (police.uk: "On or near ..."). ``location_type``,
  ``location_description`` and ``loc_cat`` are premises, not location text.
* **Id**: ``event_unique_id``, ``incident_id``, ``incident_no``, ``case_number``, ``case_no``, ``ccn``, ``uid``, ``id``... but
  never a table's row counter (``objectid``, ``fid``, ``index``).
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from hotspots.errors import ColumnError, Option, invalid, literal

log = logging.getLogger(__name__)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class ColumnMapping:
    """The source column behind each incident field (``None``: the source has none).

    Attributes
    ----------
    lat, lon : str or None
        Latitude and longitude in degrees (EPSG:4326 unless ``crs=`` says otherwise).
    x, y : str or None
        Projected easting and northing (need ``crs=`` unless the numbers are lon/lat).
    date : str or None
        Date or date-time of the incident (any common format, ``2022-01`` for months).
    time : str or None
        Time of day, combined with ``date`` (``13:45``, ``1:45 PM``, ``1345``).
    year, month, day, hour, minute : str or None
        A date split over columns, used when there is no ``date`` column.
    offense, neighbourhood, id, premises : str or None
        Offense type, the source's own area label, incident identifier, premises type.
    location : str or None
        Block, street or address text (``HUNDRED_BLOCK``, police.uk ``location``).
    """

    lat: str | None = None
    lon: str | None = None
    x: str | None = None
    y: str | None = None
    date: str | None = None
    time: str | None = None
    year: str | None = None
    month: str | None = None
    day: str | None = None
    hour: str | None = None
    minute: str | None = None
    offense: str | None = None
    neighbourhood: str | None = None
    id: str | None = None
    premises: str | None = None
    location: str | None = None

    def replace(self, **changes: str | None) -> ColumnMapping:
        """Return a copy with some fields changed (``mapping.replace(date="Occurred")``)."""
        unknown = sorted(set(changes) - set(FIELDS))
        if unknown:
            raise invalid("columns", unknown[0], FIELDS, "Use the incident field names as keys.")
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, str | None]:
        """Return ``{field: column or None}`` for every field."""
        return {name: getattr(self, name) for name in FIELDS}

    def describe(self) -> str:
        """Return the detected fields as ``"lat='Latitude', date='Date'..."`` for notes."""
        found = [f"{key}={value!r}" for key, value in self.as_dict().items() if value is not None]
        return ", ".join(found) if found else "no known columns"


FIELDS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(ColumnMapping))

# Candidate names per field, best first, all normalised (see module docstring).
_CANDIDATES: dict[str, tuple[str, ...]] = {
    "lat": (
        "latitude",
        "lat",
        "lat_dd",
        "lat_wgs84",
        "wgs84_lat",
        "latitude_wgs84",
        "y_lat",
        "point_lat",
    ),
    "lon": (
        "longitude",
        "lon",
        "lng",
        "long",
        "lon_dd",
        "lon_wgs84",
        "long_wgs84",
        "wgs84_lon",
        "longitude_wgs84",
        "x_lon",
        "point_lon",
    ),
    "x": ("x", "x_coord", "x_coordinate", "xcoord", "point_x", "easting", "east", "x_utm"),
    "y": ("y", "y_coord", "y_coordinate", "ycoord", "point_y", "northing", "north", "y_utm"),
    "date": (
        "occurred_at",
        "occurrencedate",
        "occurrence_date",
        "occurred_date",
        "occurred_on",
        "occurred",
        "date_occurred",
        "date_occ",
        "occ_date",
        "first_occurrence_date",
        "offense_date",
        "offence_date",
        "incident_datetime",
        "incident_date",
        "crime_date",
        "datetime",
        "date_time",
        "timestamp",
        "date",
        "reported_date",
        "reporteddate",
        "report_date",
        "reported_at",
        "date_rptd",
        "month",
    ),
    "time": ("time", "time_occ", "occurrence_time", "occurred_time", "incident_time", "occ_time"),
    "year": ("year", "occurrenceyear", "occurrence_year", "occ_year", "incident_year"),
    "month": ("month", "occurrencemonth", "occurrence_month", "occ_month", "incident_month"),
    "day": ("day", "occurrenceday", "occurrence_day", "occ_day", "day_of_month"),
    "hour": ("hour", "occurrencehour", "occurrence_hour", "occ_hour"),
    "minute": ("minute", "occurrenceminute", "occurrence_minute", "occ_minute"),
    "offense": (
        "mci_category",
        "mci",
        "crime_category",
        "offense_category",
        "offence_category",
        "incident_category",
        "primary_type",
        "crime_type",
        "crimetype",
        "offense_type",
        "offence_type",
        "offense",
        "offence",
        "ofns_desc",
        "crm_cd_desc",
        "crime",
        "category",
        "incident_type",
        "type",
    ),
    "neighbourhood": (
        "neighbourhood",
        "neighborhood",
        "neighbourhood_158",
        "neighbourhood_140",
        "neighbourhood_name",
        "neighborhood_name",
        "hood_name",
        "hood",
        "area_name",
        "ward_name",
        "ward",
        "district",
        "precinct",
        "area",
        "community_area",
    ),
    "id": (
        "event_unique_id",
        "incident_id",
        "incident_number",
        "incident_num",
        "incident_no",
        "incident_nbr",
        "case_number",
        "case_no",
        "case_id",
        "crime_id",
        "event_id",
        "report_number",
        "report_no",
        "offense_id",
        "offence_id",
        "ccn",
        "dr_no",
        "uid",
        "id",
    ),
    "premises": (
        "premises_type",
        "premisetype",
        "premise_type",
        "premises",
        "premise",
        "location_type",
        "loc_cat",
        "location_category",
        "location_description",
        "prem_typ_desc",
        "premis_desc",
    ),
    "location": (
        "hundred_block",
        "block",
        "block_address",
        "address",
        "street_address",
        "incident_address",
        "location_address",
        "street",
        "street_name",
        "location",
    ),
}

# Fields are filled in this order; a column taken by an earlier field is not reused.
_DETECTION_ORDER: tuple[str, ...] = (
    "lat",
    "lon",
    "x",
    "y",
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "date",
    "time",
    "id",
    "offense",
    "premises",
    "neighbourhood",
    "location",
)


def normalise_name(name: object) -> str:
    """Return a column name in the form detection compares (``"Primary Type"`` -> ``primary_type``)."""
    return _NON_ALNUM.sub("_", str(name).strip().lower()).strip("_")


def detect_columns(frame: pd.DataFrame) -> ColumnMapping:
    """Guess which column of ``frame`` holds each incident field, from the column names.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The source table as read (column values are not inspected).

    Returns
    -------
    ColumnMapping
        One source column name (or ``None``) per field; see the module docstring for the
        priorities. A geometry column is never mapped: point geometries need no lat/lon.
    """
    geometry_name = getattr(frame, "_geometry_column_name", None)
    by_normal: dict[str, str] = {}
    for column in frame.columns:
        if not isinstance(column, str) or column == geometry_name:
            continue
        by_normal.setdefault(normalise_name(column), column)

    has_year = any(name in by_normal for name in _CANDIDATES["year"])
    taken: set[str] = set()
    found: dict[str, str | None] = {}
    for field in _DETECTION_ORDER:
        candidates = _CANDIDATES[field]
        if field == "month" and not has_year:
            candidates = ()  # without a year, "month" is a police.uk date
        if field in {"day", "hour", "minute"} and not has_year:
            candidates = ()
        found[field] = _first_free(candidates, by_normal, taken)

    for first, second in (("lat", "lon"), ("x", "y")):
        if found[first] is None or found[second] is None:
            for name in (first, second):
                column = found[name]
                if column is not None:
                    taken.discard(column)
                found[name] = None
    return ColumnMapping(**found)


def _first_free(
    candidates: Iterable[str], by_normal: Mapping[str, str], taken: set[str]
) -> str | None:
    for candidate in candidates:
        column = by_normal.get(candidate)
        if column is not None and column not in taken:
            taken.add(column)
            return column
    return None


def resolve_columns(
    frame: pd.DataFrame, columns: ColumnMapping | Mapping[str, str | None] | None
) -> tuple[ColumnMapping, tuple[str, ...]]:
    """Combine auto-detection with the user's ``columns=`` overrides and check them.

    Parameters
    ----------
    frame : pandas.DataFrame
        The source table.
    columns : ColumnMapping, mapping of field to column name, or None
        A full mapping is used as given; a dict overrides only the fields it names (a
        value of ``None`` switches a detected column off).

    Returns
    -------
    mapping : ColumnMapping
        The mapping to use.
    overridden : tuple of str
        The fields the user set explicitly.

    Raises
    ------
    ColumnError
        When a named column is not in ``frame`` (the message lists the columns it has).
    """
    if isinstance(columns, ColumnMapping):
        mapping = columns
        overridden = tuple(k for k, v in columns.as_dict().items() if v is not None)
    else:
        detected = detect_columns(frame)
        if columns is None:
            _refuse_repeated(frame, detected, ())
            return detected, ()
        if not isinstance(columns, Mapping):
            raise invalid(
                "columns",
                columns,
                "a ColumnMapping or a dict such as {'date': 'Occurred', 'lat': 'Y'}",
            )
        unknown = [key for key in columns if key not in FIELDS]
        if unknown:
            raise invalid(
                "columns",
                unknown[0],
                FIELDS,
                "The keys of {1} are incident fields; the values are your column names.",
                options=(Option("columns"),),
            )
        mapping = detected.replace(
            **{k: (None if v is None else str(v)) for k, v in columns.items()}
        )
        overridden = tuple(columns)

    checked: dict[str, str | None] = {}
    for field, column in mapping.as_dict().items():
        checked[field] = None if column is None else _existing_column(frame, field, column)
    _refuse_repeated(frame, ColumnMapping(**checked), overridden)
    return ColumnMapping(**checked), overridden


def _refuse_repeated(
    frame: pd.DataFrame, mapping: ColumnMapping, overridden: tuple[str, ...]
) -> None:
    """Refuse a needed column whose header occurs twice (the reader kept both: ``lat``, ``lat.1``).

    Taking the first silently can put every point in the wrong place; naming the column
    explicitly (``columns={"lat": "lat.1"}``) is a choice and is accepted.
    """
    repeated: dict[str, list[int]] = frame.attrs.get("repeated_headers") or {}
    if not repeated:
        return
    for field, column in mapping.as_dict().items():
        if column is None or field in overridden:
            continue
        base = column.rsplit(".", 1)[0] if column not in repeated else column
        positions = repeated.get(base)
        if positions is None or (column != base and not column.rsplit(".", 1)[1].isdigit()):
            continue
        names = [base] + [f"{base}.{n}" for n in range(1, len(positions))]
        where = " and ".join(f"column {p}" for p in positions)
        choices = " or ".join(f"{{{i}}}" for i in range(len(names)))
        raise ColumnError(
            literal(
                f"The header {base!r} occurs {len(positions)} times ({where}), so the {field} "
                "column is ambiguous. Rename one of them in the file, or choose one: "
            )
            + choices
            + ".",
            options=tuple(Option("columns", {field: name}) for name in names),
        )


def _existing_column(frame: pd.DataFrame, field: str, column: str) -> str:
    names = [str(c) for c in frame.columns if c != getattr(frame, "_geometry_column_name", None)]
    if column in names:
        return column
    folded = [name for name in names if name.strip().lower() == column.strip().lower()]
    if len(folded) == 1:
        log.info("Column %r matched %r for %s (ignoring case)", column, folded[0], field)
        return folded[0]
    close = difflib.get_close_matches(column, names, n=1, cutoff=0.6)
    hint = "Did you mean {1}?" if close else "Fix the spelling."
    allowed = ", ".join(repr(n) for n in names) or "(no columns)"
    raise ColumnError(
        f"{{0}} names a column the data does not have; use one of {literal(allowed)}. {hint}",
        options=(
            Option("columns", {field: column}),
            *(Option("columns", {field: c}) for c in close),
        ),
    )
