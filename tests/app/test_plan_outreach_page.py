"""AppTest smoke and interaction tests of the Plan outreach page (in-process, no browser)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

PAGE = "views/plan_outreach.py"


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label.startswith(label)]
    assert values, f"no metric {label!r}; have {[m.label for m in at.metric]}"
    return str(values[0])


def _share(at: AppTest) -> float:
    return float(_metric(at, "Demand covered").rstrip("%"))


def _incidents(at: AppTest) -> int:
    return int(_metric(at, "Incidents covered").replace(",", ""))


def _sites(at: AppTest) -> pd.DataFrame:
    tables = [d.value for d in at.dataframe if "Adds" in d.value.columns]
    assert tables, "no table of chosen sites"
    return tables[0]


@pytest.fixture
def page(app: AppTest) -> AppTest:
    app.switch_page(PAGE).run()
    _no_errors(app)
    return app


def test_page_shows_a_plan_and_changing_k_changes_the_numbers(page: AppTest) -> None:
    assert page.title[0].value == "Plan outreach"
    share, incidents = _share(page), _incidents(page)
    assert 0 < share <= 100 and incidents > 0
    sites = _sites(page)
    assert len(sites) == 10
    assert sites["Adds"].sum() == incidents
    assert any("optimal" in c.value for c in page.caption)
    assert {b.label for b in page.get("download_button")} >= {
        "Sites (CSV)",
        "Sites (GeoJSON)",
        "One-page briefing (HTML)",
    }

    page.number_input(key="po_k").set_value(3).run()
    _no_errors(page)
    assert _share(page) < share and _incidents(page) < incidents
    assert len(_sites(page)) == 3

    page.number_input(key="po_radius").set_value(1_500).run()
    _no_errors(page)
    assert _incidents(page) > 0


def test_demand_candidates_weights_and_greedy(page: AppTest) -> None:
    page.number_input(key="po_curve_k").set_value(4).run()
    page.number_input(key="po_k").set_value(4).run()
    base = _share(page)
    page.number_input(key="po_weight_Assault").set_value(3.0).run()
    _no_errors(page)
    weighted = _sites(page)
    assert "Weighted demand added" in weighted.columns
    assert _share(page) != base
    page.radio(key="po_demand").set_value("hotspots").run()
    _no_errors(page)
    page.radio(key="po_candidates").set_value("hotspots").run()
    _no_errors(page)
    assert _sites(page)["Site"].str.startswith("Hot spot").all()
    page.toggle(key="po_greedy").set_value(True).run()
    _no_errors(page)
    assert any("greedy heuristic" in c.value for c in page.caption)


def test_fixed_sites_and_an_impossible_fairness_requirement(page: AppTest) -> None:
    page.number_input(key="po_curve_k").set_value(3).run()
    page.number_input(key="po_k").set_value(3).run()
    page.multiselect(key="po_fixed").select("Rouge").run()
    _no_errors(page)
    sites = _sites(page)
    assert sites["Site"].iloc[0] == "Rouge"
    assert sites["Kept"].iloc[0] == "existing / fixed"
    page.slider(key="po_min_share").set_value(50).run()
    assert not page.exception
    assert any("cannot be met" in e.value for e in page.error)


@pytest.mark.slow
def test_forecast_demand_plans_for_the_expected_incidents(page: AppTest) -> None:
    page.sidebar.multiselect(key="sb_offenses_toronto").select("Robbery").run()
    page.radio(key="po_demand").set_value("forecast").run(timeout=300)
    _no_errors(page)
    assert any("12 months after" in c.value for c in page.caption)
    texts = [m.value for m in page.markdown] + [c.value for c in page.caption]
    assert any("expected incidents" in t for t in texts)
    assert 0 < _share(page) <= 100


def _streets_geojson() -> bytes:
    """Two named streets across Toronto (a test layer, not real street geometry)."""
    frame = gpd.GeoDataFrame(
        {"LINEAR_NAME_FULL": ["Test Avenue", "Test Street"]},
        geometry=[
            shapely.LineString([(-79.65, 43.70), (-79.10, 43.70)]),
            shapely.LineString([(-79.40, 43.58), (-79.40, 43.86)]),
        ],
        crs=4326,
    )
    return frame.to_json().encode()


def test_sites_say_where_they_are_and_a_streets_file_adds_the_nearest_street(
    page: AppTest,
) -> None:
    sites = _sites(page)
    for column in ("In neighbourhood", "Premises nearby", "Offenses nearby", "Latitude"):
        assert column in sites.columns, sites.columns
    assert (sites["In neighbourhood"] != "").all()
    assert "Nearest street" not in sites.columns
    assert any("carry no block or street text" in c.value for c in page.caption)
    page.file_uploader(key="po_streets_file").upload("centreline.geojson", _streets_geojson())
    page.run()
    _no_errors(page)
    streets = _sites(page)["Nearest street"]
    assert streets.str.fullmatch(r"Test (Avenue|Street) \([\d,]+ m\)").all(), streets.tolist()
    assert any("nearest street or place of your streets file" in c.value for c in page.caption)
