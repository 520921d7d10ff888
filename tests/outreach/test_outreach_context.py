"""Where each chosen site is: area, coordinates, nearest block or street, what is near it
(issue 14 item 5): seeded data with a streets layer built here, and real Vancouver,
Nottingham and Toronto data."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.analysis import analyze
from hotspots.errors import ColumnError, EmptyDataError
from hotspots.ingest import datasets, load_boundaries, load_incidents
from hotspots.ingest.streets import load_streets
from hotspots.ingest.table import IncidentTable
from hotspots.outreach import outreach_inputs
from hotspots.outreach.context import CONTEXT_COLUMNS, describe_context, site_context
from hotspots.outreach.export import SITES_CONTEXT_COLUMNS, write_plan
from hotspots.spatial.filters import Filters

UTM = "EPSG:32617"
X0, Y0 = 630_000.0, 4_834_000.0


def _incidents(rng: np.random.Generator) -> IncidentTable:
    """Incidents around (0, 0) on "1XX MAIN ST" (60) and "2XX MAIN ST" (20), and far away."""
    main = rng.normal(0.0, 30.0, (60, 2))
    second = rng.normal((120.0, 0.0), 10.0, (20, 2))
    far = rng.uniform(2_000.0, 3_000.0, (40, 2))
    xy = np.vstack([main, second, far])
    location = ["1XX MAIN ST"] * 60 + ["2XX MAIN ST"] * 20 + [None] * 40
    premises = ["Apartment"] * 50 + ["House"] * 30 + ["Commercial"] * 40
    offense = ["Assault"] * 45 + ["Robbery"] * 35 + ["Assault"] * 40
    frame = pd.DataFrame(
        {
            "offense": pd.Categorical(offense),
            "premises": pd.Categorical(premises),
            "location": pd.Categorical(location),
            "x_m": X0 + xy[:, 0],
            "y_m": Y0 + xy[:, 1],
        }
    )
    return IncidentTable(frame, gpd.GeoSeries([], crs=UTM).crs)


def _sites(*xy: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"rank": np.arange(1, len(xy) + 1)},
        geometry=shapely.points([X0 + x for x, _ in xy], [Y0 + y for _, y in xy]),
        crs=UTM,
    )


def _streets() -> gpd.GeoDataFrame:
    """Two named streets: Main St along y = 40 m, Queen St along x = 2,500 m."""
    return gpd.GeoDataFrame(
        {"LINEAR_NAME_FULL": ["Main St", "Queen St"]},
        geometry=[
            shapely.LineString([(X0 - 1_000, Y0 + 40), (X0 + 1_000, Y0 + 40)]),
            shapely.LineString([(X0 + 2_500, Y0 - 500), (X0 + 2_500, Y0 + 4_000)]),
        ],
        crs=UTM,
    ).to_crs(4326)


def test_context_names_the_block_street_area_and_mixes() -> None:
    incidents = _incidents(np.random.default_rng(3))
    areas = gpd.GeoDataFrame(
        {"name": ["Old Town"]},
        geometry=[shapely.box(X0 - 500, Y0 - 500, X0 + 500, Y0 + 500)],
        crs=UTM,
    )
    streets = load_streets(_streets())
    context = site_context(
        _sites((0, 0), (2_450, 2_400), (10_000, 10_000)),
        incidents=incidents,
        areas=areas,
        streets=streets,
        radius_m=400,
    )
    assert tuple(context.columns) == CONTEXT_COLUMNS
    first, second, lonely = (context.iloc[i] for i in range(3))
    # The site at the centre of Main St's incidents: its block, count and nearest distance.
    assert first["block"] == "1XX MAIN ST"
    xy = np.column_stack([incidents.x_m[:60] - X0, incidents.y_m[:60] - Y0])
    within = np.hypot(xy[:, 0], xy[:, 1]) <= 150
    assert first["block_incidents"] == int(within.sum())
    assert first["block_distance_m"] == pytest.approx(np.hypot(xy[:, 0], xy[:, 1]).min(), abs=0.5)
    assert first["street"] == "Main St" and first["street_distance_m"] == pytest.approx(40, abs=1)
    assert first["area"] == "Old Town"
    assert first["premises_mix"].startswith("Apartment ")
    assert "Assault" in first["offense_mix"] and "Robbery" in first["offense_mix"]
    assert first["where"].startswith("Main St (40 m); near 1XX MAIN ST (")
    # Among the far incidents (no block text), Queen St 50 m away, outside the area.
    assert pd.isna(second["block"]) and second["street"] == "Queen St"
    assert second["street_distance_m"] == pytest.approx(50, abs=1)
    assert pd.isna(second["area"]) and second["premises_mix"].startswith("Commercial 100%")
    # Nothing near: only the nearest street and the coordinates.
    assert pd.isna(lonely["block"]) and pd.isna(lonely["premises_mix"])
    lon, lat = (
        gpd.GeoSeries([shapely.Point(X0 + 10_000, Y0 + 10_000)], crs=UTM)
        .to_crs(4326)
        .iloc[0]
        .coords[0]
    )
    assert (lonely["lon"], lonely["lat"]) == (round(lon, 5), round(lat, 5))
    assert lonely["where"].endswith(f"{round(lat, 5):.5f}, {round(lon, 5):.5f}")


def test_without_block_text_or_streets_the_note_says_what_is_shown() -> None:
    incidents = _incidents(np.random.default_rng(3))
    table = IncidentTable(incidents.frame.drop(columns="location"), incidents.crs)
    context = site_context(_sites((0, 0)), incidents=table, radius_m=400)
    assert context["block"].isna().all() and context["street"].isna().all()
    note = describe_context(context, has_location_text=False)
    assert "carry no block or street text" in note and "streets or places file" in note


def test_load_streets_detects_names_and_reads_points_from_a_csv(tmp_path: Path) -> None:
    lines = tmp_path / "centreline.geojson"
    _streets().to_file(lines, driver="GeoJSON", engine="pyogrio")
    streets = load_streets(lines)
    assert streets["name"].tolist() == ["Main St", "Queen St"]
    places = tmp_path / "places.csv"
    places.write_text("place_name,lat,lon\nCommunity centre,43.65,-79.38\n,43.66,-79.39\n")
    points = load_streets(places)
    assert points["name"].tolist()[0] == "Community centre"
    unnamed = tmp_path / "unnamed.geojson"
    _streets().rename(columns={"LINEAR_NAME_FULL": "code"}).assign(code=[1, 2]).to_file(
        unnamed, driver="GeoJSON", engine="pyogrio"
    )
    with pytest.raises(ColumnError, match="no column of street or place names"):
        load_streets(unnamed)
    with pytest.raises(ColumnError, match="name='STREET' is not a column"):
        load_streets(lines, name="STREET")
    blank = _streets().assign(LINEAR_NAME_FULL=["", None])
    with pytest.raises(EmptyDataError, match="has both a name and a geometry"):
        load_streets(blank)


# -- real data ------------------------------------------------------------------------------


def test_vancouver_sites_get_their_hundred_block(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "vancouver"
    boundaries = load_boundaries(folder / "neighbourhoods.geojson")
    load = load_incidents(
        folder / "crimes_2020.csv", boundaries=boundaries, crs="EPSG:26910", quiet=True
    )
    assert load.mapping.location == "HUNDRED_BLOCK"
    analysis = analyze(load.incidents, boundaries=boundaries, quiet=True)
    inputs = outreach_inputs(analysis, candidates="neighbourhoods")
    assert inputs.has_location_text
    plan = inputs.plan(k=3, radius_m=800)
    context = inputs.context(plan)
    assert context["block"].str.fullmatch(r"\d+XX [A-Z0-9 ]+").all(), context["block"].tolist()
    assert (context["block_incidents"] >= 1).all()
    assert (context["block_distance_m"] <= 150).all()
    assert context["area"].notna().all()
    paths = write_plan(inputs, plan, tmp_path, briefing=inputs.briefing(plan, context=context))
    sites = pd.read_csv(paths["sites_csv"])
    assert set(SITES_CONTEXT_COLUMNS) <= set(sites.columns)
    assert sites["block"].tolist() == context["block"].tolist()
    record = json.loads(paths["plan"].read_text())
    assert record["sites"][0]["block"] == context["block"].iloc[0]
    assert "most common block or street" in record["sites_context"]
    briefing = paths["briefing"].read_text()
    assert all(block in briefing for block in context["block"])


def test_nottingham_sites_get_the_police_uk_location(shared_data: Path) -> None:
    folder = shared_data / "nottingham"
    boundaries = load_boundaries(folder / "wards.gpkg")
    load = load_incidents(folder / "burglary.csv.gz", boundaries=boundaries, quiet=True)
    assert load.mapping.location == "location"
    analysis = analyze(load.incidents, boundaries=boundaries, quiet=True)
    inputs = outreach_inputs(analysis, candidates="neighbourhoods")
    plan = inputs.plan(k=3, radius_m=800)
    context = inputs.context(plan)
    named = context["block"].dropna()
    assert len(named) >= 2
    # police.uk's anonymous map points carry a street or place ("Maples Street").
    assert set(named) <= set(load.incidents["location"].dropna())
    assert (context.loc[named.index, "block_distance_m"] <= 150).all()


def test_toronto_says_plainly_that_it_has_no_street_text() -> None:
    boundaries = load_boundaries(datasets.toronto_boundaries_path())
    load = load_incidents(datasets.toronto_incidents_path(), boundaries=boundaries, quiet=True)
    analysis = analyze(
        load.incidents,
        boundaries=boundaries,
        filters=Filters(offenses=("Robbery",)),
        lisa=False,
        quiet=True,
    )
    inputs = outreach_inputs(analysis, candidates="neighbourhoods")
    plan = inputs.plan(k=2, radius_m=800)
    context = inputs.context(plan)
    assert not inputs.has_location_text and context["block"].isna().all()
    assert context["premises_mix"].notna().all()
    assert "carry no block or street text" in inputs.context_note(context)
