"""The *Evaluate* page's building blocks: cached evaluation calls, tables and downloads.

Every number comes from :func:`hotspots.evaluate.evaluate_intervention`; this module only
reads the uploaded target/control files, caches the evaluation by a hashable key and
shapes its results for display. An :class:`~hotspots.evaluate.Evaluation` is a frozen
result no code mutates, so it uses ``st.cache_resource`` (no unpickling on every rerun).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from hotspots.dashboard.datasets import Dataset
from hotspots.dashboard.uploads import Upload
from hotspots.evaluate import Evaluation, evaluate_intervention, evaluation_html
from hotspots.evaluate.areas import is_plan_record, parse_plan
from hotspots.evaluate.report import ROLE_LABELS, evaluation_record
from hotspots.ingest import load_boundaries
from hotspots.spatial.counting import period_start

#: Extensions the target and control uploaders accept (without the dot).
AREA_EXTENSIONS = ("geojson", "json", "gpkg", "zip", "kml", "kmz", "parquet")


@dataclass(frozen=True)
class EvaluationKey:
    """Everything an evaluation depends on besides the data objects (hashable: the cache key).

    Attributes
    ----------
    dataset_key : str
    target : str
        ``"hotspots:<analysis key>"``, ``"plan:<digest>"`` or ``"areas:<digest>"``.
    control : str
        ``"auto"`` or ``"areas:<digest>"``.
    before, after : str
        ``"YYYY-MM..YYYY-MM"``.
    buffer_m : float
    offenses : tuple of str or None
    """

    dataset_key: str
    target: str
    control: str
    before: str
    after: str
    buffer_m: float
    offenses: tuple[str, ...] | None


@st.cache_resource(max_entries=16, show_spinner=False)
def area_file(_upload: Upload, digest: str) -> dict[str, Any] | gpd.GeoDataFrame:
    """An uploaded target or control (``digest`` is the cache key).

    A ``plan.json`` (parsed), sites with a ``radius_m`` column (the Plan outreach page's
    ``sites.geojson``), or polygons (GeoJSON, GeoPackage, KML, zipped Shapefile).
    """
    if _upload.name.lower().endswith(".json"):
        try:
            record = json.loads(_upload.data)
        except ValueError:
            record = None
        if is_plan_record(record):
            return parse_plan(_upload.data, label=_upload.name)
    frame = gpd.read_file(_upload.stream())
    if "radius_m" in frame.columns and bool((frame.geom_type == "Point").all()):
        return frame
    return load_boundaries(_upload.stream(), filename=_upload.name)


@st.cache_data(max_entries=8, show_spinner=False)
def months(_dataset: Dataset, dataset_key: str) -> list[str]:
    """The months a period can use, ``YYYY-MM``: from the first well-recorded month to the last.

    A month is well recorded when it holds at least a tenth of the busiest month's
    incidents; stray early records (Toronto has a few from 1966-2013, reported years
    later) would otherwise stretch the period sliders over decades without data.
    """
    starts = period_start(_dataset.incidents["occurred_at"], "month")
    per_month = starts.value_counts().sort_index()
    well = per_month.index[per_month.to_numpy() >= 0.1 * float(per_month.max())]
    span = pd.period_range(well.min(), per_month.index.max(), freq="M")
    return [str(m) for m in span]


def default_periods(all_months: list[str]) -> tuple[tuple[str, str], tuple[str, str]]:
    """The last two years of the data: the first as before, the second as after."""
    if len(all_months) < 2:
        return (all_months[0], all_months[0]), (all_months[-1], all_months[-1])
    n = min(12, len(all_months) // 2)
    return (all_months[-2 * n], all_months[-n - 1]), (all_months[-n], all_months[-1])


@st.cache_resource(max_entries=8, show_spinner="Counting target, buffer and control…")
def evaluation(_dataset: Dataset, _target: Any, _control: Any, key: EvaluationKey) -> Evaluation:
    """:func:`~hotspots.evaluate.evaluate_intervention` of the data set, cached by ``key``."""
    return evaluate_intervention(
        _dataset.incidents,
        _target,
        before=key.before,
        after=key.after,
        buffer_m=key.buffer_m,
        control=_control,
        offenses=key.offenses,
    )


def counts_table(ev: Evaluation) -> pd.DataFrame:
    """Incidents per area before and after, with the change."""
    rows = []
    for role, (before, after) in ev.counts.items():
        change = ev.change(role)
        rows.append(
            {
                "Area": ROLE_LABELS[role],
                "Before": before,
                "After": after,
                "Change": None if change is None else round(100 * change, 1),
                "km²": round(float(ev.params["areas_km2"][role]), 2),
            }
        )
    return pd.DataFrame(rows)


def matching_table(ev: Evaluation) -> pd.DataFrame | None:
    """The automatically matched control cells (None for a control from a file)."""
    if ev.control_match is None:
        return None
    cells = pd.DataFrame(ev.control_match.cells.drop(columns="geometry"))
    return cells.rename(
        columns={
            "rank": "Rank",
            "cell_id": "Cell",
            "before": "Incidents before",
            "level_km2_month": "Per km² a month",
            "trend": "Trend (log, 2nd vs 1st half)",
            "distance": "Distance to target",
        }
    ).round(3)


@st.cache_data(max_entries=8, show_spinner=False)
def downloads(_ev: Evaluation, key: EvaluationKey, title: str) -> tuple[bytes, bytes]:
    """``evaluation.json`` and ``evaluation.html`` as bytes (the CLI's files)."""
    record = json.dumps(evaluation_record(_ev), indent=2, allow_nan=False) + "\n"
    return record.encode("utf-8"), evaluation_html(_ev, title=title).encode("utf-8")
