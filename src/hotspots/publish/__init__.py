"""Published map snapshots for community partners: informative, self-contained, privacy-safe.

This sub-package is **the** publication module: anything meant for the public goes
through :func:`publish_snapshot`, which reads as a short pipeline:

    rules → period & cell-size checks → audit reference (from the input) → drop sensitive
    categories → analyze (grid ≥ min cell size) → published content (suppressed, rounded,
    polygons only) → HTML + PNG + JSON → audit of the final bytes → write (or refuse)

It writes three files (or returns them in memory when ``out_dir`` is None):

``snapshot.html``
    One self-contained page (opens offline by double-click; no network request unless a
    basemap is configured): map, legend, key numbers, trend chart, "what is a hot spot"
    box, tables of the same numbers, source, method, rules and generation date.
``snapshot.png``
    The map and key numbers for newsletters and social media (1600 × 900).
``snapshot.json``
    Parameters, rules applied, counts suppressed, audit summary and versions.

Modules: :mod:`~hotspots.publish.rules` (the rules), :mod:`~hotspots.publish.tables`
(suppression, rounding and the subtraction adversary), :mod:`~hotspots.publish.geometry`
(rounded polygons kept off incident locations), :mod:`~hotspots.publish.content` (the
published content), :mod:`~hotspots.publish.render` / :mod:`~hotspots.publish.chart` /
:mod:`~hotspots.publish.image` (outputs) and :mod:`~hotspots.publish.audit`.
"""

from __future__ import annotations

import json
import logging
import os
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from hotspots.analysis import analyze
from hotspots.errors import ColumnError, EmptyDataError, InputError, PrivacyError, invalid
from hotspots.publish.audit import RULES, AuditReference, AuditReport, audit_files
from hotspots.publish.content import Basemap, Suppression, build_content, suppression_text
from hotspots.publish.presets import GENERIC, TORONTO, SourceNotes
from hotspots.publish.render import fixed_literals, generated_line, render_html
from hotspots.publish.rules import (
    DEFAULT_SENSITIVE_CATEGORIES,
    PublicationRules,
    check_cell_size,
    check_period,
)
from hotspots.spatial.filters import Filters, parse_period
from hotspots.spatial.grids import GridKind
from hotspots.spatial.projection import require_metric

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_SENSITIVE_CATEGORIES",
    "FILE_NAMES",
    "GENERIC",
    "TORONTO",
    "AuditReference",
    "Basemap",
    "PublicationRules",
    "Snapshot",
    "SourceNotes",
    "audit_files",
    "audit_literals",
    "publish_snapshot",
]

#: The files of a snapshot, by kind.
FILE_NAMES = {"html": "snapshot.html", "png": "snapshot.png", "json": "snapshot.json"}
_VERSIONED = (
    "hotspots",
    "numpy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "matplotlib",
    "XStatic-Leaflet",
)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """A published snapshot: its audited files, metadata and where they were written.

    Attributes
    ----------
    files : mapping of str to bytes
        File name → content (``snapshot.html``, ``snapshot.png``, ``snapshot.json``);
        every one passed the audit.
    metadata : dict
        The content of ``snapshot.json``.
    paths : dict of str to Path
        Where each file was written (empty when ``out_dir`` was None).
    rules : PublicationRules
    audit : AuditReport
    suppression : Suppression
    """

    files: Mapping[str, bytes]
    metadata: dict[str, Any]
    rules: PublicationRules
    audit: AuditReport
    suppression: Suppression
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def html(self) -> str:
        """The HTML page as text."""
        return self.files[FILE_NAMES["html"]].decode("utf-8")


def publish_snapshot(
    incidents: gpd.GeoDataFrame,
    out_dir: str | Path | None = None,
    *,
    title: str,
    period: str | tuple[str, str],
    boundaries: gpd.GeoDataFrame | None = None,
    rules: PublicationRules | None = None,
    offenses: Sequence[str] | None = None,
    grid: GridKind = "square",
    cell_size_m: float | None = None,
    alpha: float = 0.05,
    notes: SourceNotes = GENERIC,
    basemap: Basemap | None = None,
    now: datetime | pd.Timestamp | None = None,
    quiet: bool = False,
) -> Snapshot:
    """Build, audit and (optionally) write a privacy-safe map snapshot.

    Parameters
    ----------
    incidents : GeoDataFrame
        **All** input incidents in a metric CRS, as ``LoadResult.incidents`` from
        :func:`hotspots.ingest.load_incidents` (``occurred_at``, ``offense``, optional
        ``neighbourhood``). Everything the audit looks for (locations, identifiers,
        premises, sensitive categories) is taken from this frame.
    out_dir : str or Path, optional
        Folder to write ``snapshot.html``, ``snapshot.png`` and ``snapshot.json`` into
        (created if needed; other files are left alone). None: keep them in memory.
    title : str
        Shown at the top of the page and the image.
    period : str or (start, end)
        Whole months, e.g. ``"2021-01..2021-12"`` or ``"2021"``.
    boundaries : GeoDataFrame, optional
        Neighbourhood polygons with ``name`` (from :func:`hotspots.ingest.load_boundaries`).
    rules : PublicationRules, optional
        The privacy rules; default ``PublicationRules()`` (k=5, base 5, sensitive
        categories excluded, cells >= 500 m, no lag).
    offenses : sequence of str, optional
        Offence categories to cover; default every non-sensitive category in the period.
    grid : {"square", "hex"}
    cell_size_m : float, optional
        Grid cell size in metres, at least ``rules.min_cell_size_m`` (the default).
    alpha : float
        False discovery rate for hot spots (Benjamini–Hochberg).
    notes : SourceNotes
        Data-source and boundary notes shown in the snapshot (``TORONTO`` for the bundled data).
    basemap : Basemap, optional
        A tile layer, only when explicitly configured (the page then loads its tiles).
    now : datetime, optional
        "Today", for the lag rule and the generation date (default: the clock, UTC).
    quiet : bool
        Log automatic choices at debug level.

    Returns
    -------
    Snapshot

    Raises
    ------
    PrivacyError
        A rule would be broken (cell size, lag, a sensitive offence asked for, or any
        finding of the audit); nothing is written.
    InputError
        Bad arguments (period not in whole months, unknown offence, missing columns…).
    """
    rules = rules or PublicationRules()
    title = _check_title(title)
    start, end = _parse_period(period)
    today = _now(now)
    check_period(start, end, rules, now=today)
    size = check_cell_size(cell_size_m, rules)
    _check_incidents(incidents)

    reference = AuditReference.from_incidents(incidents, rules)
    sensitive = rules.sensitive_mask(incidents["offense"])
    if not rules.patterns:
        log.warning(
            "No sensitive offence categories are excluded (rules.sensitive_categories is empty)"
        )
    n_excluded_categories = int(incidents.loc[sensitive, "offense"].nunique())
    if n_excluded_categories:
        log.info(
            "%d sensitive offence categor%s excluded",
            n_excluded_categories,
            "y" if n_excluded_categories == 1 else "ies",
        )
    kept = incidents.loc[~sensitive]
    groups = _offense_groups(kept, incidents, offenses, rules, start, end)

    analysis = analyze(
        kept,
        boundaries=boundaries,
        filters=Filters(offenses=tuple(groups), start=start, end=end),
        grid=grid,
        cell_size_m=size,
        alpha=alpha,
        lisa=False,
        quiet=quiet,
    )
    content, suppression = build_content(
        analysis,
        rules=rules,
        reference=reference,
        title=title,
        start=start,
        end=end,
        offense_groups=groups,
        data_source=notes.data_source,
        boundaries_note=notes.boundaries_note if boundaries is not None else None,
        basemap=basemap,
    )
    day = today.strftime("%Y-%m-%d")
    versions = _versions()
    metadata = _metadata(
        content,
        analysis.params,
        rules,
        suppression,
        day=day,
        versions=versions,
        n_excluded_categories=n_excluded_categories,
    )
    files = {
        FILE_NAMES["html"]: render_html(
            content, generated_on=day, version=versions["hotspots"] or "unknown"
        ).encode("utf-8"),
        FILE_NAMES["png"]: _render_png(content),
        FILE_NAMES["json"]: (json.dumps(metadata, indent=2, ensure_ascii=False) + "\n").encode(
            "utf-8"
        ),
    }
    report = audit_files(files, reference, rules, allowed_literals=audit_literals(rules, day))
    log.log(
        logging.DEBUG if quiet else logging.INFO,
        "Audit passed: %d rules on %d files",
        len(report.rules),
        len(files),
    )
    paths = _write(files, Path(out_dir)) if out_dir is not None else {}
    return Snapshot(
        files=files,
        metadata=metadata,
        rules=rules,
        audit=report,
        suppression=suppression,
        paths=paths,
    )


def audit_literals(rules: PublicationRules, generated_on: str) -> list[str]:
    """The fixed texts the audit cuts out before scanning. Each is made from the code, the
    rules and the generation date only (inlined Leaflet, the page's CSS/JS, the rules'
    notes and pattern list, the generation-date line) — never from data — so cutting
    them cannot hide a leak."""
    return [
        *fixed_literals(),
        rules.sensitive_note(),
        suppression_text(rules),
        _patterns_text(rules),
        generated_line(generated_on),
        f'"generated_on": "{generated_on}"',
    ]


def _patterns_text(rules: PublicationRules) -> str:
    return " | ".join(rules.patterns)


# -- steps -----------------------------------------------------------------------------------------


def _check_title(title: str) -> str:
    text = " ".join(str(title).split())
    if not text:
        raise invalid("title", title, "a non-empty title", 'For example --title "Toronto 2021".')
    if len(text) > 200:
        raise invalid("title", title, "a title of at most 200 characters")
    return text


def _parse_period(period: str | tuple[str, str]) -> tuple[str, str]:
    if isinstance(period, tuple | list):
        if len(period) != 2:
            raise invalid("period", period, "'START..END' or a (start, end) pair")
        return parse_period(f"{period[0]}..{period[1]}")
    return parse_period(str(period))


def _now(now: datetime | pd.Timestamp | None) -> pd.Timestamp:
    stamp = pd.Timestamp(now) if now is not None else pd.Timestamp(datetime.now(UTC))
    return stamp.tz_convert(None) if stamp.tzinfo is not None else stamp


def _check_incidents(incidents: gpd.GeoDataFrame) -> None:
    if not isinstance(incidents, gpd.GeoDataFrame):
        raise invalid(
            "incidents",
            type(incidents).__name__,
            "a GeoDataFrame from hotspots.ingest.load_incidents(...).incidents",
        )
    missing = [c for c in ("occurred_at", "offense") if c not in incidents.columns]
    if missing:
        raise ColumnError(
            f"incidents lacks column(s) {missing}; it has {list(incidents.columns)}. "
            "Load them with hotspots.ingest.load_incidents(...), which produces these columns."
        )
    if len(incidents) == 0:
        raise EmptyDataError("incidents is empty: there is nothing to publish.")
    require_metric(incidents, "incidents")


def _offense_groups(
    kept: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    offenses: Sequence[str] | None,
    rules: PublicationRules,
    start: str,
    end: str,
) -> list[str]:
    if offenses is not None:
        if isinstance(offenses, str):
            offenses = [offenses]
        chosen = sorted({str(o) for o in offenses})
        sensitive = [o for o in chosen if rules.is_sensitive(o)]
        if sensitive:
            raise PrivacyError(
                f"Rule 'sensitive categories' failed: offenses={sensitive} are excluded as sensitive and are never "
                "published. Remove them from offenses=. Nothing was written."
            )
        known = set(incidents["offense"].astype("object").dropna().unique())
        unknown = [o for o in chosen if o not in known]
        if unknown:
            raise invalid(
                "offenses", unknown, sorted(str(k) for k in known if not rules.is_sensitive(k))
            )
        return chosen
    local = (
        kept["occurred_at"].dt.tz_localize(None)
        if kept["occurred_at"].dt.tz is not None
        else kept["occurred_at"]
    )
    in_period = (local >= pd.Timestamp(start)) & (local < pd.Timestamp(end) + pd.Timedelta(days=1))
    groups = sorted(
        str(o) for o in kept.loc[in_period, "offense"].astype("object").dropna().unique()
    )
    if not groups:
        raise EmptyDataError(
            f"No incidents (outside the sensitive categories) fall in {start[:7]}..{end[:7]}; there is nothing to "
            "publish. Check the period against the data's dates."
        )
    return groups


def _metadata(
    content: dict[str, Any],
    params: dict[str, Any],
    rules: PublicationRules,
    suppression: Suppression,
    *,
    day: str,
    versions: dict[str, str | None],
    n_excluded_categories: int,
) -> dict[str, Any]:
    rules_dict = rules.as_dict()
    rules_dict["sensitive_categories"] = _patterns_text(rules)
    grid = content.get("grid")
    return {
        "schema": "hotspots-snapshot-metadata/1",
        "title": content["title"],
        "generated_on": day,
        "period": content["period"],
        "offense_groups": content["offense_groups"],
        "files": dict(FILE_NAMES),
        "parameters": {
            "map": rules.units if content.get("areas") is not None or grid is None else "grid",
            "grid": params.get("grid"),
            "cell_size_m": params.get("cell_size_m"),
            "neighbourhood": params.get("neighbourhood"),
            "statistic": params.get("statistic"),
            "multiple_testing": params.get("multiple_testing"),
            "alpha": params.get("alpha"),
            "metric_crs": params.get("crs"),
            "neighbourhood_counts": params.get("area_counts"),
            "basemap": content["basemap"]["url"] if content.get("basemap") else None,
        },
        "rules": rules_dict,
        "suppression": {
            **suppression.as_dict(),
            "sensitive_categories_excluded": n_excluded_categories,
        },
        "published": {
            "total": content["total"],
            "hot_spot_cells": grid["hot_cells"] if grid is not None else None,
            "neighbourhoods": len(content["areas"]["features"])
            if content.get("areas") is not None
            else None,
        },
        "notes": content["notes"],
        "audit": {
            "passed": True,
            "rules_checked": list(RULES),
            "scope": "every byte of snapshot.html (embedded data included), snapshot.json and snapshot.png, before writing",
        },
        "versions": versions,
    }


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for package in _VERSIONED:
        try:
            out[package.lower()] = version(package)
        except PackageNotFoundError:
            out[package.lower()] = None
    return out


def _write(files: Mapping[str, bytes], out: Path) -> dict[str, Path]:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"out_dir={str(out)!r} cannot be created ({exc.strerror}); choose a folder you can write to."
        ) from exc
    paths = {}
    for name, content in files.items():
        target = out / name
        tmp = out / f".{name}.tmp"
        tmp.write_bytes(content)
        os.replace(tmp, target)
        paths[name] = target
    log.info("Snapshot written to %s: %s", out, ", ".join(sorted(files)))
    return paths


def _render_png(content: dict[str, Any]) -> bytes:
    from hotspots.publish.image import render_png  # matplotlib loads only when a PNG is drawn

    return render_png(content)
