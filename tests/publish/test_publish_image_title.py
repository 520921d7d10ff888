"""Issue 14: the snapshot PNG's title always fits the image (it was cut off)."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hotspots.publish.image import DPI, HEIGHT_IN, WIDTH_IN, place_title


@pytest.mark.parametrize(
    "title",
    [
        "Toronto: where incidents concentrated",
        "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW MMMMMMMMMMMMMMMMMMMMMMMMM",
        "Break and enter, robbery and assault in the downtown neighbourhoods, summer 2021",
        "Neighbourhoodsafetyandcommunitywellbeingreportforthecouncil",
    ],
)
def test_title_stays_inside_the_panel(title: str) -> None:
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    x, right = 0.635, 0.975
    artist = place_title(fig, title, x=x, y=0.94, right=right)
    box = artist.get_window_extent(fig.canvas.get_renderer())
    assert box.x1 <= right * fig.bbox.width + 0.5
    assert box.y0 >= 0.5 * fig.bbox.height  # at most a few lines, in the top half
    assert artist.get_text().replace("\n", " ").replace("  ", " ").split() or title == ""
    assert len(fig.texts) == 1  # attempts that did not fit were removed
