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
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.analysis import analyze
from hotspots.errors import (
    ColumnError,
    EmptyDataError,
    InputError,
    Option,
    PrivacyError,
    given,
    invalid,
    literal,
)
from hotspots.export import package_versions
from hotspots.publish.audit import RULES, AuditReference, AuditReport, audit_files
from hotspots.publish.content import Basemap, Suppression, build_content, suppression_text
from hotspots.publish.freetext import check_free_text
from hotspots.publish.perturbation import PerturbationTable, record_keys
from hotspots.publish.presets import GENERIC, TORONTO, SourceNotes
from hotspots.publish.publisher import TORONTO_MCI_GROUPS, Publisher, Release
from hotspots.publish.render import fixed_literals, generated_line, render_html
from hotspots.publish.rules import (
    MIN_CELL_SIZE_M,
    MIN_K,
    PublicationRules,
    check_cell_size,
    check_period,
)
from hotspots.spatial.filters import Filters, parse_period
from hotspots.spatial.grids import GridKind
from hotspots.spatial.projection import require_metric

log = logging.getLogger(__name__)

__all__ = [
    "FILE_NAMES",
    "GENERIC",
    "MIN_CELL_SIZE_M",
    "MIN_K",
    "TORONTO",
    "TORONTO_MCI_GROUPS",
    "AuditReference",
    "Basemap",
    "PublicationRules",
    "Publisher",
    "Release",
    "Snapshot",
    "SourceNotes",
    "audit_files",
    "audit_literals",
    "check_request",
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
    release : Release
        What the release ledger recorded (published numbers, period, selection, units).
    release_id : str
        Its id in the ledger.
    """

    files: Mapping[str, bytes]
    metadata: dict[str, Any]
    rules: PublicationRules
    audit: AuditReport
    suppression: Suppression
    release: Release
    release_id: str = ""
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
    publisher: Publisher | str | Path | None = None,
    offenses: Sequence[str] | None = None,
    grid: GridKind = "square",
    cell_size_m: float | None = None,
    alpha: float = 0.05,
    notes: SourceNotes = GENERIC,
    basemap: Basemap | None = None,
    now: datetime | pd.Timestamp | None = None,
    quiet: bool = False,
) -> Snapshot:
    """Build, audit, check against the release ledger and (optionally) write a snapshot.

    Parameters
    ----------
    incidents : GeoDataFrame
        **All** input incidents in a metric CRS, as ``LoadResult.incidents`` from
        :func:`hotspots.ingest.load_incidents` (``occurred_at``, ``offense``, optional
        ``neighbourhood``). Everything the audit looks for (locations, identifiers,
        premises, categories off the allow list) is taken from this frame.
    out_dir : str or Path, optional
        Folder to write ``snapshot.html``, ``snapshot.png`` and ``snapshot.json`` into
        (created if needed; other files are left alone). None: keep them in memory (the
        release is still recorded: whatever is built can be downloaded and shared).
    title : str
        Shown at the top of the page and the image; checked for coordinates, dates finer
        than a month and ID-like tokens.
    period : str or (start, end)
        A calendar month, quarter or year: ``"2021-03"``, ``"2021-Q1"``, ``"2021"`` (or the
        same as ``"2021-01..2021-03"``). Other ranges only with ``rules.fixed_periods=False``.
    boundaries : GeoDataFrame, optional
        Neighbourhood polygons with ``name`` (from :func:`hotspots.ingest.load_boundaries`).
        Without them the grid is laid on a 10 km-aligned box around the data.
    rules : PublicationRules, optional
        The privacy rules; default ``PublicationRules()``.
    publisher : Publisher, str or Path, optional
        The publisher folder (secret, allow list, ledger); default
        :func:`hotspots.publish.publisher.default_publisher_dir`.
    offenses : sequence of str, optional
        One allow-listed offense group, or all of them (the default).
    grid : {"square", "hex"}
    cell_size_m : float, optional
        Grid cell size in metres, at least ``rules.min_cell_size_m`` (the default, 500).
    alpha : float
        False discovery rate for hot spots (as :func:`hotspots.analyze` applies it).
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
        A rule would be broken (cell size, period, lag, an offense off the allow list,
        the ledger, any finding of the audit); nothing is written or recorded.
    InputError
        Bad arguments (period not in whole months, unknown offense, missing columns…).
    """
    rules = rules or PublicationRules()
    owner = publisher if isinstance(publisher, Publisher) else Publisher(publisher)
    owner.check_outside(out_dir)
    request = check_request(
        title=title, period=period, rules=rules, cell_size_m=cell_size_m, notes=notes, now=now
    )
    title, (start, end), today, size = request
    _check_incidents(incidents)
    incidents = incidents.reset_index(drop=True)

    allowed_names = owner.allow_list
    for name in allowed_names:
        check_free_text("allow list", name)
    reference = AuditReference.from_incidents(incidents, allowed=allowed_names)
    kept = _allowed_only(incidents, allowed_names)
    groups = _offense_groups(offenses, allowed_names)
    study_area_only = boundaries is None
    units_frame = boundaries if boundaries is not None else _study_box(incidents)

    analysis = analyze(
        kept,
        boundaries=units_frame,
        filters=Filters(offenses=tuple(groups), start=start, end=end),
        grid=grid,
        cell_size_m=size,
        alpha=alpha,
        lisa=False,
        quiet=quiet,
    )
    keys = record_keys(analysis.incidents, owner.secret)
    content, suppression, release = build_content(
        analysis,
        rules=rules,
        record_keys=keys,
        title=title,
        start=start,
        end=end,
        offense_groups=groups,
        data_source=notes.data_source,
        boundaries_note=notes.boundaries_note if boundaries is not None else None,
        basemap=basemap,
        study_area_only=study_area_only,
    )
    day = today.strftime("%Y-%m-%d")
    versions = _versions()
    metadata = _metadata(content, analysis.params, rules, suppression, day=day, versions=versions)
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
    table = PerturbationTable(k=rules.k, max_noise=rules.max_noise)
    owner.check_release(release, table)
    paths = _write(files, Path(out_dir)) if out_dir is not None else {}
    release_id = owner.record(release, table, files)
    return Snapshot(
        files=files,
        metadata=metadata,
        rules=rules,
        audit=report,
        suppression=suppression,
        release=release,
        release_id=release_id,
        paths=paths,
    )


def check_request(
    *,
    title: str,
    period: str | tuple[str, str],
    rules: PublicationRules,
    cell_size_m: float | None = None,
    notes: SourceNotes = GENERIC,
    now: datetime | pd.Timestamp | None = None,
) -> tuple[str, tuple[str, str], pd.Timestamp, float]:
    """The checks that need no data (floors, title and notes, period, lag, cell size).

    :func:`publish_snapshot` runs them first; the CLI runs them before reading any file.

    Returns
    -------
    (title, (start, end), today, cell size in metres)
    """
    _check_floors(rules)
    text = _check_title(title)
    check_free_text("title", text)
    check_free_text("data_source", notes.data_source)
    if notes.boundaries_note:
        check_free_text("boundaries_note", notes.boundaries_note)
    start, end = _parse_period(period)
    today = _now(now)
    check_period(start, end, rules, now=today)
    return text, (start, end), today, check_cell_size(cell_size_m, rules)


def audit_literals(rules: PublicationRules, generated_on: str) -> list[str]:
    """The fixed texts the audit cuts out before scanning. Each is made from the code, the
    rules and the generation date only (inlined Leaflet, the page's CSS/JS, the method
    text, the generation-date line) — never from data — so cutting them cannot hide a leak."""
    return [
        *fixed_literals(),
        suppression_text(rules),
        generated_line(generated_on),
        f'"generated_on": "{generated_on}"',
    ]


# -- steps -----------------------------------------------------------------------------------------


def _check_floors(rules: PublicationRules) -> None:
    """The hard floors, checked again here (a rules object altered after construction)."""
    if not isinstance(rules, PublicationRules):
        raise invalid("rules", type(rules).__name__, "a PublicationRules")
    if rules.k < MIN_K or rules.min_cell_size_m < MIN_CELL_SIZE_M:
        raise PrivacyError(
            "Rule 'hard floors' failed: {0} and {1}; published snapshots need "
            + literal(f"numbers below {MIN_K} hidden and cells of at least {MIN_CELL_SIZE_M:g} m. ")
            + "Nothing was written.",
            options=(
                given("publish:k", rules.k),
                given("publish:min_cell_size_m", rules.min_cell_size_m),
            ),
        )


def _allowed_only(incidents: gpd.GeoDataFrame, allowed: Sequence[str]) -> gpd.GeoDataFrame:
    """The allow-listed incidents, their categories spelt as on the allow list."""
    from hotspots.publish.rules import normalise_category

    spelling = {normalise_category(a): a for a in allowed}
    codes, uniques = pd.factorize(incidents["offense"].astype("object"), use_na_sentinel=True)
    names = np.array([spelling.get(normalise_category(u)) for u in uniques] + [None], dtype=object)
    mapped = names[np.where(codes >= 0, codes, len(uniques))]
    keep = pd.notna(mapped)
    out = incidents.loc[keep].copy()
    out["offense"] = pd.array(mapped[keep], dtype="string")
    return out.reset_index(drop=True)


def _offense_groups(offenses: Sequence[str] | None, allowed: Sequence[str]) -> list[str]:
    """One allow-listed group or all of them (the fixed selections)."""
    from hotspots.publish.rules import normalise_category

    everything = sorted(allowed)
    if not everything:
        raise PrivacyError(
            "Rule 'allow list' failed: the publisher's allow list is empty, so nothing may be "
            "published. Add categories with {0}. Nothing was written.",
            options=(Option("allow", "Assault"),),
        )
    if offenses is None:
        return everything
    if isinstance(offenses, str):
        offenses = [offenses]
    spelling = {normalise_category(a): a for a in allowed}
    chosen = sorted({spelling.get(normalise_category(o), "") for o in offenses})
    if "" in chosen:
        unknown = sorted(o for o in offenses if normalise_category(o) not in spelling)
        raise PrivacyError(
            "Rule 'allow list' failed: {0} names a category that is not on the publisher's allow "
            + literal(f"list (allowed: {', '.join(everything)}). ")
            + "Add it with {1} if it may be published. Nothing was written.",
            options=(given("publish:offenses", unknown[0]), Option("allow", unknown[0])),
        )
    if len(chosen) not in (1, len(everything)):
        raise PrivacyError(
            "Rule 'fixed offense groups' failed: "
            + literal(", ".join(chosen))
            + " is neither one group nor all of them; other combinations can be subtracted from "
            "each other. Publish one group ({0}) or all. Nothing was written.",
            options=(Option("publish:offenses", chosen[0]),),
        )
    return chosen


def _study_box(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A box around the data aligned to a 10 km lattice: the grid's extent without
    boundaries, so no cell edge depends on where any incident lies (to within 10 km)."""
    import shapely

    step = 10_000.0
    xmin, ymin, xmax, ymax = incidents.total_bounds
    box = shapely.box(
        np.floor(xmin / step) * step,
        np.floor(ymin / step) * step,
        (np.floor(xmax / step) + 1) * step,
        (np.floor(ymax / step) + 1) * step,
    )
    return gpd.GeoDataFrame(
        {"name": ["Study area"], "population": [np.nan]}, geometry=[box], crs=incidents.crs
    )


def _check_title(title: str) -> str:
    text = " ".join(str(title).split())
    if not text:
        raise invalid(
            "title",
            title,
            "a non-empty title",
            "For example {1}.",
            options=(Option("title", "Toronto 2021"),),
        )
    if len(text) > 200:
        raise invalid("title", title, "a title of at most 200 characters")
    return text


def _parse_period(period: str | tuple[str, str]) -> tuple[str, str]:
    if isinstance(period, tuple | list):
        if len(period) != 2:
            raise invalid("period", period, "'START..END' or a (start, end) pair")
        return parse_period(f"{period[0]}..{period[1]}")
    text = str(period).strip()
    quarter = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text)
    if quarter:
        year, q = int(quarter.group(1)), int(quarter.group(2))
        text = f"{year}-{3 * q - 2:02d}..{year}-{3 * q:02d}"
    return parse_period(text)


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


def _metadata(
    content: dict[str, Any],
    params: dict[str, Any],
    rules: PublicationRules,
    suppression: Suppression,
    *,
    day: str,
    versions: dict[str, str | None],
) -> dict[str, Any]:
    rules_dict = rules.as_dict()
    grid = content.get("grid")
    return {
        "schema": "hotspots-snapshot-metadata/2",
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
        "suppression": suppression.as_dict(),
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
    return package_versions([package.lower() for package in _VERSIONED])


def _write(files: Mapping[str, bytes], out: Path) -> dict[str, Path]:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            "{0} cannot be created "
            + literal(f"({exc.strerror}); ")
            + "choose a folder you can write to.",
            options=(given("out_dir", str(out)),),
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
