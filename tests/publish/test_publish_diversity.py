"""Location diversity, dominance, minimum area and the hard floors, from the library,
the CLI and the app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from publish_helpers import X0, Y0, embedded_data

from hotspots.cli import main
from hotspots.errors import InputError, PrivacyError
from hotspots.publish import PublicationRules, Snapshot


def _area(snap: Snapshot, name: str) -> dict[str, Any]:
    features = embedded_data(snap.html)["areas"]["features"]
    props: dict[str, Any] = next(
        f["properties"] for f in features if f["properties"]["name"] == name
    )
    return props


def _stack(
    frame: gpd.GeoDataFrame, name: str, share: float, x: float, y: float
) -> gpd.GeoDataFrame:
    """Move ``share`` of the incidents of neighbourhood ``name`` to the point (x, y)."""
    out = frame.copy()
    rows = np.flatnonzero((out["neighbourhood"] == name).to_numpy())
    chosen = rows[: int(np.ceil(share * rows.size))]
    geoms = out.geometry.to_numpy().copy()
    geoms[chosen] = shapely.Point(x, y)
    return out.set_geometry(gpd.GeoSeries(geoms, crs=out.crs, index=out.index))


def test_one_address_is_hidden_whatever_its_count(
    make_snapshot: Callable[..., Snapshot], incidents: gpd.GeoDataFrame
) -> None:
    baseline = make_snapshot()
    assert _area(baseline, "Bravo")["incidents"] is not None
    stacked = _stack(incidents, "Bravo", 1.0, X0 + 3000.0, Y0 + 1000.0)
    snap = make_snapshot(incidents=stacked)
    bravo = _area(snap, "Bravo")
    assert bravo["incidents"] is None and bravo["hidden"] == "not shown"


def test_one_place_holding_more_than_half_is_hidden(
    make_snapshot: Callable[..., Snapshot], incidents: gpd.GeoDataFrame
) -> None:
    dominated = _stack(incidents, "Charlie", 0.55, X0 + 5000.0, Y0 + 1000.0)
    assert _area(make_snapshot(incidents=dominated), "Charlie")["incidents"] is None
    shared = _stack(incidents, "Charlie", 0.45, X0 + 5000.0, Y0 + 1000.0)
    assert _area(make_snapshot(incidents=shared), "Charlie")["incidents"] is not None


def test_tiny_boundary_units_are_hidden(
    make_snapshot: Callable[..., Snapshot],
    incidents: gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame,
) -> None:
    """A 30 m square drawn around an address: its count is never published."""
    tiny = shapely.box(X0 + 2985, Y0 + 985, X0 + 3015, Y0 + 1015)
    bravo = boundaries.geometry.iloc[1].difference(tiny)
    geoms = [*boundaries.geometry.iloc[:1], bravo, *boundaries.geometry.iloc[2:], tiny]
    names = [*boundaries["name"], "Tiny"]
    areas = gpd.GeoDataFrame(
        {"name": names, "population": np.nan}, geometry=geoms, crs=boundaries.crs
    )
    rng = np.random.default_rng(4)
    frame = incidents.drop(columns="neighbourhood")
    pts = shapely.points(X0 + 2985 + rng.uniform(0, 30, 40), Y0 + 985 + rng.uniform(0, 30, 40))
    extra = (
        frame.iloc[:40]
        .copy()
        .set_geometry(gpd.GeoSeries(pts, crs=frame.crs, index=frame.index[:40]))
    )
    extra["event_unique_id"] = [f"GO-TINY{i:05d}" for i in range(40)]
    frame = gpd.GeoDataFrame(
        gpd.pd.concat([frame, extra], ignore_index=True), geometry="geometry", crs=frame.crs
    )
    snap = make_snapshot(incidents=frame, boundaries=areas)
    assert _area(snap, "Tiny")["incidents"] is None and _area(snap, "Tiny")["hidden"]


def test_hot_cell_at_one_address_is_not_drawn(
    make_snapshot: Callable[..., Snapshot], incidents: gpd.GeoDataFrame
) -> None:
    """All of a hot cell's incidents at one address: the cell is not published."""
    base = embedded_data(make_snapshot().html)["grid"]["cells"]["features"]
    frame = incidents.copy()
    xy = shapely.get_coordinates(frame.geometry.to_numpy())
    # The planted cluster's 500 m cell around (X0 + 900, Y0 + 900): stack it on one point.
    inside = (np.abs(xy[:, 0] - (X0 + 750)) < 250) & (np.abs(xy[:, 1] - (Y0 + 750)) < 250)
    geoms = frame.geometry.to_numpy().copy()
    geoms[inside] = shapely.Point(X0 + 760.0, Y0 + 760.0)
    frame = frame.set_geometry(gpd.GeoSeries(geoms, crs=frame.crs, index=frame.index))
    cells = embedded_data(make_snapshot(incidents=frame).html)["grid"]["cells"]["features"]
    lon_lat = [np.asarray(f["geometry"]["coordinates"][0]).mean(axis=0) for f in cells]
    from hotspots.spatial.projection import to_display

    stacked = shapely.get_coordinates(
        to_display(
            gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 760, Y0 + 760)], crs=frame.crs)
        ).geometry.values
    )[0]
    assert base
    assert all(np.abs(c - stacked).max() > 0.002 for c in lon_lat)


# -- hard floors ----------------------------------------------------------------------------------


def test_floors_from_the_library(make_snapshot: Callable[..., Snapshot]) -> None:
    with pytest.raises(InputError, match="min_cell_size_m"):
        PublicationRules(min_cell_size_m=10)
    with pytest.raises(InputError, match="k=2"):
        PublicationRules(k=2)
    with pytest.raises(PrivacyError, match="minimum cell size"):
        make_snapshot(cell_size_m=10)
    rules = PublicationRules()
    object.__setattr__(rules, "min_cell_size_m", 10.0)  # a determined caller
    with pytest.raises(PrivacyError, match="hard floors"):
        make_snapshot(rules=rules, cell_size_m=10)


@pytest.mark.parametrize(
    "options",
    [
        ["--cell-size-m", "10", "--min-cell-size-m", "10"],
        ["--cell-size-m", "10"],
        ["--k", "2"],
        ["--period", "2021-01..2021-02"],
        ["--title", "Robbery at 43.65321, -79.38"],
    ],
)
def test_floors_from_the_cli(
    options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "publish",
        "toronto",
        "--title",
        "Toronto",
        "--period",
        "2021",
        "--out",
        str(tmp_path / "o"),
    ]
    argv += ["--publisher-dir", str(tmp_path / "pub"), "--quiet", *options]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and not (tmp_path / "o").exists()


def test_finer_grids_are_internal_exports_labelled_so(
    incidents: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    import json

    from hotspots.analysis import analyze
    from hotspots.export import write_analysis

    paths = write_analysis(analyze(incidents, cell_size_m=100, lisa=False, quiet=True), tmp_path)
    label = json.loads(paths["summary"].read_text())["label"]
    assert label.startswith("INTERNAL - NOT FOR PUBLICATION")
