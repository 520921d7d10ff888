"""``hotspots plan``: files written, numbers consistent, input errors exit 2 with a message."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from planning_helpers import CRS, EXTENT, PLANTED, X0, Y0, neighbourhoods

from hotspots.cli import main
from hotspots.ingest.synthetic import synthetic_csv

FILES = {"sites.csv", "sites.geojson", "coverage_curve.csv", "briefing.html", "plan.json"}


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("plan")
    incidents = synthetic_csv(
        folder / "incidents.csv", 3_000, extent_m=EXTENT, crs=CRS, hotspots=PLANTED, rng=5
    )
    boundaries = folder / "hoods.geojson"
    neighbourhoods().to_crs(4326).to_file(boundaries, driver="GeoJSON", engine="pyogrio")
    partners = folder / "partners.csv"
    lonlat = neighbourhoods().to_crs(4326).representative_point()
    pd.DataFrame(
        {
            "Organisation": [f"Partner {name}" for name in neighbourhoods()["name"]],
            "lat": lonlat.y.round(6),
            "lon": lonlat.x.round(6),
        }
    ).to_csv(partners, index=False)
    existing = folder / "existing.csv"
    existing.write_text(f"name,lat,lon\nCity hall,{lonlat.y.iloc[4]:.6f},{lonlat.x.iloc[0]:.6f}\n")
    return {
        "incidents": incidents,
        "boundaries": boundaries,
        "partners": partners,
        "existing": existing,
    }


def _args(town: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return [
        "plan",
        str(town["incidents"]),
        "--boundaries",
        str(town["boundaries"]),
        "--cell-size-m",
        "300",
        "--timezone",
        "America/Toronto",
        "--no-lisa",
        "--out",
        str(out),
        *extra,
    ]


def test_plan_writes_every_file_with_consistent_numbers(
    town: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _args(town, tmp_path, "--k", "3", "--radius-m", "800", "--curve-k-max", "5")
    assert main([*args, "--candidates-from", "neighbourhoods", "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert {p.name for p in tmp_path.iterdir()} == FILES
    sites = pd.read_csv(tmp_path / "sites.csv")
    assert sites["rank"].tolist() == [1, 2, 3]
    points = gpd.read_file(tmp_path / "sites.geojson")
    assert points.crs.to_epsg() == 4326 and len(points) == 3
    record = json.loads((tmp_path / "plan.json").read_text())
    result = record["result"]
    assert result["status"] == "optimal"
    assert 0 < result["share"] <= 1
    analysis = record["parameters"]["inputs"]["analysis"]
    assert result["incidents_total"] == analysis["incidents_selected"] > 2_900
    assert sites["incidents_added"].sum() == result["incidents_covered"]
    assert record["parameters"]["k"] == 3 and record["parameters"]["radius_m"] == 800
    assert record["parameters"]["inputs"]["candidates"] == "neighbourhoods"
    assert record["versions"]["hotspots"]
    curve = pd.read_csv(tmp_path / "coverage_curve.csv")
    assert curve["k"].tolist() == [1, 2, 3, 4, 5]
    assert curve.loc[curve["k"] == 3, "covered_weight"].item() == pytest.approx(
        result["covered_weight"]
    )
    assert curve["share"].is_monotonic_increasing
    page = (tmp_path / "briefing.html").read_text()
    assert f"{result['share']:.0%}" in page and "800 m" in page


def test_plan_prints_a_readable_table(
    town: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _args(town, tmp_path, "--k", "2", "--radius-m", "900", "--curve-k-max", "3")
    extra = ["--candidates", str(town["partners"]), "--existing", str(town["existing"])]
    extra += ["--offense-weight", "Assault=2", "--fixed", "Partner Centre"]
    assert main([*args, *extra]) == 0
    out = capsys.readouterr().out
    assert "City hall" in out and "Partner Centre" in out
    assert "Weighted adds" in out and "Coverage curve" in out
    sites = pd.read_csv(tmp_path / "sites.csv")
    assert sites["name"].tolist()[:2] == ["City hall", "Partner Centre"]
    assert sites["fixed"].tolist()[:2] == [True, True]
    assert len(sites) == 2
    record = json.loads((tmp_path / "plan.json").read_text())
    assert record["parameters"]["inputs"]["offense_weights"] == {"Assault": 2.0}
    assert record["parameters"]["inputs"]["existing"] == ["City hall"]


def test_hotspot_demand_and_greedy(town: dict[str, Path], tmp_path: Path) -> None:
    args = _args(town, tmp_path, "--k", "2", "--radius-m", "600", "--curve-k-max", "0")
    assert main([*args, "--demand", "hotspots", "--greedy", "--quiet"]) == 0
    assert "coverage_curve.csv" not in {p.name for p in tmp_path.iterdir()}
    record = json.loads((tmp_path / "plan.json").read_text())
    assert record["result"]["status"] == "heuristic"
    assert record["parameters"]["inputs"]["demand"] == "hotspots"
    assert record["result"]["hotspot_cells_total"] > 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--offense-weight", "Assault"], "--offense-weight Assault is"),
        (["--offense-weight", "Asault=2"], "--offense-weight Asault=2 is"),
        (["--min-share-per-area", "0.99"], "cannot be met"),
        (["--min-share-per-area", "0.5", "--greedy"], "--greedy is not allowed"),
        (["--candidates", "missing.csv"], "missing.csv"),
        (["--fixed", "Nowhere"], "--fixed Nowhere is"),
        (["--k", "0"], "--k 0 is"),
        (["--radius-m", "-5"], "--radius-m -5 is"),
    ],
)
def test_input_errors_exit_2_with_a_message(
    town: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    base = _args(town, tmp_path, "--k", "2", "--radius-m", "500", "--curve-k-max", "0")
    assert main([*base, "--quiet", *extra]) == 2
    err = capsys.readouterr().err
    assert message in " ".join(err.split())
    assert "Traceback" not in err


def test_source_or_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--k", "2", "--radius-m", "500", "--out", str(tmp_path)]) == 2
    assert "--demo" in capsys.readouterr().err
    both = ["plan", "x.csv", "--demo", "--k", "2", "--radius-m", "500", "--out", str(tmp_path)]
    assert main(both) == 2
    assert "not both" in capsys.readouterr().err


@pytest.mark.slow
def test_toronto_to_ten_sites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", "--demo", "--k", "10", "--radius-m", "1000", "--curve-k-max", "12"]
    args += ["--candidates-from", "neighbourhoods", "--no-lisa", "--start", "2021-01-01"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "10 sites cover" in out
    assert {p.name for p in tmp_path.iterdir()} == FILES
    record = json.loads((tmp_path / "plan.json").read_text())
    result = record["result"]
    assert result["status"] == "optimal"
    assert 0 < result["share"] <= 1
    assert result["areas_total"] == 140
    assert result["hotspot_cells_total"] > 0
    sites = pd.read_csv(tmp_path / "sites.csv")
    assert len(sites) == 10 and sites["lat"].between(43.5, 43.9).all()
    page = (tmp_path / "briefing.html").read_text()
    assert f"{result['share']:.0%}" in page
    assert f"{result['covered_weight']:,.0f} of {result['total_weight']:,.0f}" in page
    assert f"{result['incidents_covered']:,} of {result['incidents_total']:,} incidents" in page


def test_streets_file_names_each_sites_nearest_street(
    town: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # East-west streets 100 m north of each row of neighbourhood centres (y = 1,000, 3,000
    # and 5,000 m), every 500 m: each centre is 100 m from "Street 2", "Street 6" or "Street 10".
    lines = [
        shapely.LineString([(X0 - 500, Y0 + 100 + 500 * j), (X0 + 6_500, Y0 + 100 + 500 * j)])
        for j in range(12)
    ]
    streets = tmp_path / "centreline.geojson"
    gpd.GeoDataFrame(
        {"LINEAR_NAME_FULL": [f"Street {j}" for j in range(12)]}, geometry=lines, crs=CRS
    ).to_crs(4326).to_file(streets, driver="GeoJSON", engine="pyogrio")
    out_dir = tmp_path / "out"
    args = _args(town, out_dir, "--k", "3", "--radius-m", "800", "--curve-k-max", "0")
    assert main([*args, "--candidates-from", "neighbourhoods", "--streets", str(streets)]) == 0
    printed = capsys.readouterr().out
    sites = pd.read_csv(out_dir / "sites.csv")
    assert sites["street"].isin(["Street 2", "Street 6", "Street 10"]).all()
    assert sites["street_distance_m"].tolist() == pytest.approx([100.0] * 3, abs=1.0)
    assert sites["area"].tolist() == sites["name"].tolist()  # a centre lies in its own area
    assert sites["block"].isna().all()  # synthetic incidents carry no block text
    assert "Where the sites are:" in printed and "Street " in printed
    briefing = (out_dir / "briefing.html").read_text()
    assert all(f"{name} (100 m)" in briefing for name in sites["street"])
    record = json.loads((out_dir / "plan.json").read_text())
    assert "nearest street or place of your streets file" in record["sites_context"]
