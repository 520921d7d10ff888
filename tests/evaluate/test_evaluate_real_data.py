"""evaluate_intervention on real open data: police.uk burglary (month-only dates) and wards."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hotspots.evaluate import evaluate_intervention, evaluation_html
from hotspots.ingest import load_boundaries, load_incidents

pytestmark = pytest.mark.shared_data

NOTTINGHAM = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "nottingham"


def test_nottingham_ward_against_a_matched_control(tmp_path: Path) -> None:
    if not NOTTINGHAM.is_dir():
        pytest.skip(f"shared test data not found at {NOTTINGHAM.resolve()}")
    incidents = load_incidents(
        NOTTINGHAM / "burglary.csv.gz", now=pd.Timestamp("2024-06-01", tz="UTC"), quiet=True
    ).incidents
    wards = load_boundaries(NOTTINGHAM / "wards.gpkg")
    busiest = incidents.sjoin(wards.to_crs(incidents.crs))["name"].value_counts().index[0]
    target = wards.loc[wards["name"] == busiest]
    ev = evaluate_intervention(
        incidents, target, before="2022-01..2022-06", after="2022-07..2022-12", buffer_m=300
    )
    # month-only dates: every incident falls on the first of its month, all are counted
    assert ev.monthly["target"].sum() == sum(ev.counts["target"])
    assert sum(ev.counts["target"]) > 0 and ev.control_match is not None
    assert ev.counts["control"][0] >= ev.counts["target"][0]
    assert 0.0 <= ev.wdd.p <= 1.0
    codes = {c.code for c in ev.cautions}
    assert "unequal_periods" not in codes
    page = evaluation_html(ev)
    assert "relative to the control" in page and "1 area from the target polygons" in page
