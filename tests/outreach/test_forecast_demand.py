"""Forecast demand for the outreach planner: the expected incidents of a forecast as demand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from planning_helpers import CRS, EXTENT, PLANTED, neighbourhoods

from hotspots.analysis import analyze
from hotspots.cli import main
from hotspots.errors import InputError
from hotspots.forecast import forecast
from hotspots.ingest.synthetic import synthetic_csv, synthetic_incidents
from hotspots.outreach import demand_from_forecast
from hotspots.outreach.from_analysis import outreach_inputs

DATES = {"start": "2018-01-01", "end": "2020-12-31"}


@pytest.fixture(scope="module")
def town():  # type: ignore[no-untyped-def]
    incidents = synthetic_incidents(
        4000, extent_m=EXTENT, crs=CRS, hotspots=PLANTED, rng=8, **DATES
    )
    analysis = analyze(
        incidents.incidents, boundaries=neighbourhoods(), cell_size_m=300.0, lisa=False
    )
    result = forecast(
        incidents.incidents, until="2020-12-31", horizon_months=6, cell_size_m=200.0,
        boundaries=neighbourhoods(), method="recency", n_origins=0,
    )  # fmt: skip
    return analysis, result


def test_forecast_cells_become_weighted_demand(town) -> None:  # type: ignore[no-untyped-def]
    analysis, result = town
    demand = demand_from_forecast(result, areas=neighbourhoods())
    total = result.cells["expected"].sum()
    assert demand["weight"].sum() >= 0.95 * total - 1e-9
    assert demand["weight"].is_monotonic_decreasing
    assert set(demand["area"].dropna()) <= set(neighbourhoods()["name"])
    np.testing.assert_array_equal(demand["incidents"], np.rint(demand["weight"]))
    assert demand.attrs["parameters"]["forecast_period"] == ["2021-01-01", "2021-06-30"]

    inputs = outreach_inputs(
        analysis, demand="forecast", forecast=result, candidates="neighbourhoods"
    )
    assert "forecast: recency" in inputs.demand_label
    plan = inputs.plan(k=2, radius_m=800.0)
    assert 0 < plan.covered_weight <= plan.total_weight


def test_forecast_demand_needs_the_forecast(town) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = town
    with pytest.raises(InputError, match="needs the forecast"):
        outreach_inputs(analysis, demand="forecast")


def test_plan_cli_with_forecast_demand(tmp_path: Path) -> None:
    incidents = synthetic_csv(
        tmp_path / "incidents.csv", 3000, extent_m=EXTENT, crs=CRS, hotspots=PLANTED, rng=6, **DATES
    )
    out = tmp_path / "plan"
    code = main(
        ["plan", str(incidents), "--timezone", "America/Toronto", "--cell-size-m", "300",
         "--no-lisa", "--demand", "forecast", "--forecast-horizon-months", "3",
         "--demand-cell-size-m", "250", "--candidates-from", "hotspots", "--k", "2",
         "--radius-m", "600", "--curve-k-max", "0", "--quiet", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    record = json.loads((out / "plan.json").read_text())
    text = json.dumps(record)
    assert '"demand": "forecast"' in text
    assert "2021-01-01" in text  # the forecast period follows the last day of the data


def test_plan_cli_forecast_errors_name_the_plan_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incidents = synthetic_csv(tmp_path / "i.csv", 500, extent_m=EXTENT, crs=CRS, rng=1, **DATES)
    code = main(
        ["plan", str(incidents), "--timezone", "America/Toronto", "--cell-size-m", "300",
         "--no-lisa", "--demand", "forecast", "--forecast-horizon-months", "0",
         "--candidates-from", "hotspots", "--k", "2", "--radius-m", "600", "--quiet",
         "--out", str(tmp_path / "plan")]
    )  # fmt: skip
    assert code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "Forecast demand: --forecast-horizon-months 0 is not allowed" in err
