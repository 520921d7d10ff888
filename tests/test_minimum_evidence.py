"""Issue 14, item 12: two incidents are never mapped as hot cells, on every path (CLI, app).

The minimum-evidence rule belongs to the statistics issue (9); these tests hold it to
every path a user takes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hotspots.cli import main

ROOT = Path(__file__).resolve().parents[1]
TWO = (
    "id,lat,lon,date,offense\n"
    "1,43.6500,-79.3800,2021-03-01 10:00,Robbery\n"
    "2,43.6501,-79.3801,2021-03-02 11:00,Robbery\n"
)


def test_two_incidents_make_no_hot_cell_in_the_cli(tmp_path: Path) -> None:
    source = tmp_path / "two.csv"
    source.write_text(TWO)
    assert main(["analyze", str(source), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["hotspots"]["hot_cells"] == 0


def test_two_incidents_make_no_hot_cell_in_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTSPOTS_TILES_URL", "none")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.switch_page("views/data.py").run()
    data = TWO.encode()
    at.file_uploader(key="data_incidents").upload("two.csv", data).run()
    at.file_uploader(key="data_incidents").set_value(("two.csv", data, "text/csv"))
    next(b for b in at.button if b.label == "Load and analyze").click().run()
    at.switch_page("views/map.py").run()
    assert not at.exception
    hot = next(m for m in at.metric if m.label == "Hot spot cells")
    assert hot.value == "0" and str(hot.delta).startswith("of ")
