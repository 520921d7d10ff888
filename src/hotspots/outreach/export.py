"""Writing an outreach plan to files: the same bytes for the CLI and the app's downloads.

Files written by :func:`write_plan` into ``out_dir``:

- ``sites.csv`` — the chosen sites, ranked, with longitude/latitude (EPSG:4326), what
  each covers and where it is (neighbourhood, nearest block or street, premises and
  offenses nearby: :mod:`hotspots.outreach.context`) (:func:`sites_table`);
- ``sites.geojson`` — the same sites as EPSG:4326 points (``radius_m`` on each);
- ``coverage_curve.csv`` — covered demand for k = 1..K (when a curve was computed);
- ``briefing.html`` — the printable one-page briefing (when given);
- ``plan.json`` — every parameter, the status, the shares, the reach and the versions.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hotspots.export import package_versions
from hotspots.outreach.context import CONTEXT_COLUMNS
from hotspots.outreach.from_analysis import OutreachInputs
from hotspots.outreach.plan import OutreachPlan
from hotspots.outreach.reach import PlanReach
from hotspots.spatial.projection import to_display

#: Columns of :func:`sites_table`, in order.
SITES_TABLE_COLUMNS = (
    "rank",
    "name",
    "fixed",
    "lon",
    "lat",
    "radius_m",
    "covered_weight",
    "unique_weight",
    "added_weight",
    "incidents",
    "incidents_added",
    "hotspot_cells",
    "n_demand_points",
    "n_areas_reached",
    "areas_reached",
    "candidate",
)
#: Context columns added to :func:`sites_table` (from :func:`~hotspots.outreach.context.site_context`).
SITES_CONTEXT_COLUMNS = tuple(c for c in CONTEXT_COLUMNS if c not in ("rank", "lon", "lat"))
VERSIONED_PACKAGES = ("hotspots", "numpy", "pandas", "geopandas", "shapely", "scipy", "pulp")
#: Decimal places of longitude/latitude in the files (about 0.1 m).
LONLAT_DECIMALS = 6


def sites_table(
    plan: OutreachPlan, reach: PlanReach, context: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The chosen sites as a plain table (:data:`SITES_TABLE_COLUMNS`), ranked.

    ``covered_weight``/``unique_weight``/``added_weight`` are in demand-weight units
    (weighted incidents, see the plan's demand label); ``incidents``, ``incidents_added``
    and ``hotspot_cells`` are plain counts within ``radius_m`` metres of the site. With
    ``context`` (:meth:`OutreachInputs.context <hotspots.outreach.OutreachInputs.context>`)
    the :data:`SITES_CONTEXT_COLUMNS` follow.
    """
    table = plan.sites_table()
    table["lon"] = table["lon"].round(LONLAT_DECIMALS)
    table["lat"] = table["lat"].round(LONLAT_DECIMALS)
    table["radius_m"] = float(plan.radius_m)
    extra = reach.by_site.set_index("rank")[["incidents", "incidents_added", "hotspot_cells"]]
    table = table.join(extra, on="rank")
    columns = list(SITES_TABLE_COLUMNS)
    if context is not None:
        table = table.join(context.set_index("rank")[list(SITES_CONTEXT_COLUMNS)], on="rank")
        columns += list(SITES_CONTEXT_COLUMNS)
    return table[columns].reset_index(drop=True)


def sites_csv(plan: OutreachPlan, reach: PlanReach, context: pd.DataFrame | None = None) -> str:
    """:func:`sites_table` as CSV text (UTF-8, comma-separated, with a header)."""
    return str(sites_table(plan, reach, context).to_csv(index=False, lineterminator="\n"))


def sites_geojson(plan: OutreachPlan, reach: PlanReach, context: pd.DataFrame | None = None) -> str:
    """The chosen sites as a GeoJSON FeatureCollection of EPSG:4326 points."""
    table = sites_table(plan, reach, context)
    sites = to_display(plan.sites)
    display = sites[["geometry"]].copy()
    display = display.assign(geometry=display.geometry.set_precision(10.0**-LONLAT_DECIMALS))
    columns = [c for c in table.columns if c not in ("lon", "lat")]
    for column in columns:
        display[column] = table[column].to_numpy()
    display = display[[*columns, "geometry"]]
    return str(display.to_json(drop_id=True, to_wgs84=False, default=_json_default))


def curve_csv(curve: pd.DataFrame) -> str:
    """A coverage curve (:func:`~hotspots.outreach.coverage_curve`) as CSV text."""
    return str(curve.to_csv(index=False, lineterminator="\n"))


def plan_record(
    inputs: OutreachInputs,
    plan: OutreachPlan,
    *,
    reach: PlanReach | None = None,
    curve: pd.DataFrame | None = None,
    files: list[str] | None = None,
    context: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Parameters, status, shares, reach, sites (with ``context``) and versions of one
    plan, ready for JSON."""
    reach = reach if reach is not None else inputs.reach(plan)
    record: dict[str, Any] = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {
            **plan.parameters,
            "inputs": inputs.parameters,
            "demand_label": inputs.demand_label,
        },
        "result": {
            "status": plan.status,
            "status_text": plan.status_text,
            "method": plan.method,
            "gap": plan.gap,
            "k": plan.k,
            "radius_m": plan.radius_m,
            "share": plan.share,
            "covered_weight": plan.covered_weight,
            "total_weight": plan.total_weight,
            "demand_points": plan.n_demand_points,
            "demand_points_covered": plan.n_covered_points,
            "incidents_covered": reach.incidents_covered,
            "incidents_total": reach.incidents_total,
            "incident_share": reach.incident_share,
            "hotspot_cells_covered": reach.hotspot_cells_covered,
            "hotspot_cells_total": reach.hotspot_cells_total,
            "areas_reached": reach.areas_reached,
            "areas_total": reach.areas_total,
            "worst_area_share": (float(plan.by_area["share"].min()) if len(plan.by_area) else None),
            "solve_seconds": plan.solve_seconds,
            "model_reduction": plan.reduction.describe(),
            "distance": plan.distance_note,
            "summary": plan.summary(),
        },
        "sites": [
            {key: _plain(value) for key, value in row.items()}
            for row in sites_table(plan, reach, context).to_dict(orient="records")
        ],
    }
    if context is not None:
        record["sites_context"] = inputs.context_note(context)
    if curve is not None:
        record["coverage_curve"] = [
            {key: _plain(value) for key, value in row.items()}
            for row in curve.drop(columns="sites").to_dict(orient="records")
        ]
    if files is not None:
        record["files"] = files
    record["versions"] = package_versions(VERSIONED_PACKAGES)
    return record


def write_plan(
    inputs: OutreachInputs,
    plan: OutreachPlan,
    out_dir: str | Path,
    *,
    curve: pd.DataFrame | None = None,
    briefing: str | None = None,
    context: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write the files listed in the module docstring; return their paths by name.

    ``context`` is where each site is (default: :meth:`OutreachInputs.context` without a
    streets layer).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    reach = inputs.reach(plan)
    context = context if context is not None else inputs.context(plan)
    texts: dict[str, tuple[str, str]] = {
        "sites_csv": ("sites.csv", sites_csv(plan, reach, context)),
        "sites_geojson": ("sites.geojson", sites_geojson(plan, reach, context)),
    }
    if curve is not None:
        texts["coverage_curve"] = ("coverage_curve.csv", curve_csv(curve))
    if briefing is not None:
        texts["briefing"] = ("briefing.html", briefing)
    paths: dict[str, Path] = {}
    for key, (name, text) in texts.items():
        paths[key] = out / name
        paths[key].write_text(text, encoding="utf-8")
    paths["plan"] = out / "plan.json"
    record = plan_record(
        inputs,
        plan,
        reach=reach,
        curve=curve,
        files=sorted([p.name for p in paths.values()]),
        context=context,
    )
    paths["plan"].write_text(plan_json(record), encoding="utf-8")
    return paths


def plan_json(record: dict[str, Any]) -> str:
    """A :func:`plan_record` as the text of ``plan.json`` (what ``hotspots evaluate`` reads)."""
    return json.dumps(record, indent=2, default=_json_default) + "\n"


def _plain(value: Any) -> Any:
    """A table cell as a JSON value (NaN and <NA> become None)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _json_default(value: Any) -> Any:
    if value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat()
    return str(value)
