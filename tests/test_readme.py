"""The README's "Use from Python" snippets run as written, on a small seeded file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotspots.ingest.synthetic import PlantedHotspot, synthetic_csv

README = Path(__file__).resolve().parents[1] / "README.md"
EXTENT = (620_000.0, 4_830_000.0, 626_000.0, 4_836_000.0)


def python_blocks(section: str) -> list[str]:
    """The ```python blocks of the README section titled ``section``."""
    text = README.read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", body, flags=re.DOTALL)


def test_file_to_map_in_five_lines() -> None:
    first = python_blocks("Use from Python")[0]
    assert len([line for line in first.splitlines() if line.strip()]) <= 5


def test_use_from_python_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("folium", reason="explore draws with folium (hotspots[app])")
    planted = (PlantedHotspot(x=623_000.0, y=4_833_000.0, radius_m=250.0, share=0.08),)
    synthetic_csv(tmp_path / "incidents.csv", 2_000, extent_m=EXTENT, crs=32617,
                  hotspots=planted, rng=11)  # fmt: skip
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOTSPOTS_TILES_URL", "none")
    namespace: dict[str, object] = {}
    for block in python_blocks("Use from Python"):
        exec(compile(block, str(README), "exec"), namespace)
    html = (tmp_path / "hotspots.html").read_text(encoding="utf-8")
    assert "L.map(" in html and "unpkg.com" not in html and "cdn.jsdelivr" not in html
    gi = namespace["gi"]
    hot = gi.loc[gi["hotspot"]]  # type: ignore[attr-defined]
    assert len(hot) > 0
    # The planted hot spot is found: the hottest cell is within 500 m of its centre.
    centre = hot.sort_values("gi_z", ascending=False).geometry.iloc[0].centroid
    assert abs(centre.x - 623_000.0) < 500 and abs(centre.y - 4_833_000.0) < 500
    counts = namespace["counts"]
    assert list(counts.columns) == ["cell_id", "count", "density_km2", "geometry"]  # type: ignore[attr-defined]
    assert int(counts["count"].sum()) == len(namespace["incidents"])  # type: ignore[index, arg-type]
