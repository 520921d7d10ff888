"""Issue 14: a printable one-page map and table for a command meeting."""

from __future__ import annotations

import base64
import re

from hotspots.analysis import analyze
from hotspots.ingest.synthetic import PlantedHotspot, synthetic_incidents
from hotspots.maps.printable import printable_page


def test_printable_page_has_the_map_the_table_and_no_incident() -> None:
    incidents = synthetic_incidents(
        3_000,
        extent_m=(620_000.0, 4_830_000.0, 630_000.0, 4_840_000.0),
        crs=32617,
        hotspots=(PlantedHotspot(x=624_000.0, y=4_836_000.0, radius_m=300.0, share=0.1),),
        rng=5,
    )
    analysis = analyze(incidents.incidents, cell_size_m=250, lisa=False, quiet=True)
    page = printable_page(analysis, title="Hot spots <Division 52>", subtitle="All offenses")
    assert "Hot spots &lt;Division 52&gt;" in page and "<Division 52>" not in page
    assert "size: A4 landscape" in page
    png = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert png and base64.b64decode(png.group(1)).startswith(b"\x89PNG")
    hot = analysis.hotspots
    assert len(hot) > 0
    rows = re.findall(r"<tr><td class='n'>(\d+)</td>", page)
    assert rows == [str(r) for r in hot["rank"].head(15)]
    assert f"{int(analysis.cells['hotspot'].sum()):,} hot spot cells" in page
    # Aggregates only: no time of day, no source rows.
    assert not re.search(r"\d{2}:\d{2}", page.split("Made ")[0])
    assert "source_row" not in page
