"""The dashboard's default view is computed once and read back from disk, keyed by hash."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hotspots.dashboard import startup


def test_default_view_round_trips_through_the_disk_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(startup.CACHE_DIR_ENV, str(tmp_path))
    built = startup.default_view()
    saved = list(tmp_path.glob("default-view-*.pickle"))
    assert [p.name for p in saved] == [f"default-view-{startup.view_key()}.pickle"]

    calls: list[int] = []
    monkeypatch.setattr(startup, "build_default_view", lambda: calls.append(1))
    dataset, analysis = startup.default_view()  # read back, not rebuilt
    assert calls == []
    assert "incidents" not in vars(dataset.load)  # points are not pickled...
    # ...but rebuilt (240,992 rows less the 925 that occurred before the reporting window)
    assert len(dataset.incidents) == len(built[0].incidents) == 240_067
    pd.testing.assert_frame_equal(analysis.hotspots, built[1].hotspots)
    pd.testing.assert_frame_equal(
        pd.DataFrame(analysis.cells.drop(columns="geometry")),
        pd.DataFrame(built[1].cells.drop(columns="geometry")),
    )

    saved[0].write_bytes(b"not a pickle")  # a damaged cache is recomputed, not trusted
    monkeypatch.undo()
    monkeypatch.setenv(startup.CACHE_DIR_ENV, str(tmp_path))
    again = startup.default_view()
    pd.testing.assert_frame_equal(again[1].hotspots, built[1].hotspots)


def test_the_key_follows_the_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = startup.view_key()
    assert key == startup.view_key() and len(key) == 32
    package = tmp_path / "hotspots"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(startup, "_PACKAGE", package)
    first = startup.view_key()
    (package / "a.py").write_text("x = 2\n")
    assert startup.view_key() != first != key


def test_the_first_page_figures_are_saved_and_match_the_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sidebar's figures come from the arrays and travel with the saved view; they are
    what the incidents as points give."""
    from hotspots.dashboard.map_layers import display_bounds
    from hotspots.spatial.counting import period_start

    monkeypatch.setenv(startup.CACHE_DIR_ENV, str(tmp_path))
    startup.default_view()
    dataset, _ = startup.default_view()  # read back
    saved = vars(dataset)
    for name in ("offenses", "first_day", "last_day", "default_first_day", "bounds"):
        assert name in saved, f"{name} is not saved with the view"
    points = dataset.incidents
    local = points["occurred_at"].dt.tz_localize(None)
    assert dataset.first_day == local.min().date()
    assert dataset.last_day == local.max().date()
    counts = points["offense"].astype("string").value_counts()
    assert dataset.offenses == tuple(counts.index)
    months = period_start(points["occurred_at"], "month").value_counts()
    assert (
        dataset.default_first_day.day == 1
        and months.index.min().date() <= dataset.default_first_day
    )
    (south, west), (north, east) = dataset.bounds
    (s2, w2), (n2, e2) = display_bounds(points)
    assert south <= s2 and west <= w2 and north >= n2 and east >= e2
