"""A printable one-page hot spot map and table, for a command meeting.

One self-contained HTML page (A4 landscape when printed): title, what was selected, the
hot spot map as an embedded PNG (cells coloured by Gi* confidence, area outlines, scale
bar), the top hot spots as a table, and the caveats of the statistics. Aggregated counts
per cell only — no incident, time or address.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from hotspots.maps import palettes
from hotspots.maps.drawing import scale_bar

if TYPE_CHECKING:
    from hotspots.analysis import Analysis

#: Hot spots listed in the table.
TOP_ROWS = 15


def printable_page(analysis: Analysis, *, title: str, subtitle: str, top: int = TOP_ROWS) -> str:
    """The page as HTML text.

    Parameters
    ----------
    analysis : Analysis
        The analysis shown (its cells, areas, hot spots and parameters).
    title : str
        Heading of the page.
    subtitle : str
        What was selected (data set, filters, units), one line.
    top : int
        Number of hot spots in the table.
    """
    params = analysis.params
    hot = analysis.hotspots.head(top)
    rows = "".join(
        "<tr>"
        f"<td class='n'>{int(r.rank)}</td>"
        f"<td>{_esc(r.neighbourhood if isinstance(r.neighbourhood, str) else '–')}</td>"
        f"<td class='n'>{int(r.cell_id)}</td>"
        f"<td class='n'>{int(r.count):,}</td>"
        f"<td class='n'>{float(r.gi_z):.2f}</td>"
        f"<td>{_esc(r.confidence)}</td>"
        f"<td>{_esc(r.top_offense)} ({float(r.top_offense_share):.0%})</td>"
        "</tr>"
        for r in hot.itertuples()
    )
    table = (
        "<table><thead><tr><th>#</th><th>Neighbourhood</th><th>Cell</th><th>Incidents</th>"
        "<th>Gi* z</th><th>Confidence</th><th>Main offense</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        if len(hot)
        else "<p>No cell is a significant hot spot at this false discovery rate.</p>"
    )
    notes = "".join(f"<li>{_esc(n)}</li>" for n in params.get("notes", []))
    hot_cells = int(analysis.cells["hotspot"].sum())
    in_hot = int(analysis.cells.loc[analysis.cells["hotspot"], "count"].sum())
    counted = int(analysis.cells["count"].sum())
    share = in_hot / counted if counted else 0.0
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>
<style>{_CSS}</style></head>
<body><main class="page">
<h1>{_esc(title)}</h1>
<p class="meta">{_esc(subtitle)}</p>
<div class="grid">
<figure class="map"><img alt="Hot spot map" src="data:image/png;base64,{_map_png(analysis)}">
<figcaption>Cells of {float(params["cell_size_m"]):g} m coloured by Gi* hot spot confidence
(FDR {float(params["alpha"]):g}); grey lines: neighbourhood outlines.</figcaption></figure>
<div class="side">
<p class="big">{hot_cells:,} hot spot cells</p>
<p>{in_hot:,} of {counted:,} incidents ({share:.0%}) fall in them.</p>
<h2>Top {len(hot)} hot spots</h2>
{table}
{f"<h2>Read with care</h2><ul>{notes}</ul>" if notes else ""}
</div></div>
<p class="small">Counts per cell only: no incident, time or address is on this page.
Made {made} with hotspots.</p>
</main></body></html>
"""


def _map_png(analysis: Analysis) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 5.6), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    cells = analysis.cells
    bins = cells["gi_bin"].to_numpy(dtype=np.int64)
    colours = [palettes.GI_COLOURS[int(b)] for b in bins]
    cells.geometry.plot(ax=ax, color=colours, linewidth=0, zorder=2)
    if analysis.areas is not None and len(analysis.areas):
        analysis.areas.to_crs(cells.crs).boundary.plot(
            ax=ax, color=palettes.OUTLINE, linewidth=0.4, zorder=3
        )
    xmin, ymin, xmax, ymax = cells.total_bounds
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_axis_off()
    scale_bar(ax, xmin, ymin, xmax, ymax)
    from matplotlib.patches import Patch

    shown = [b for b in (3, 2, 1, -1, -2, -3) if (bins == b).any()]
    if shown:
        ax.legend(
            handles=[
                Patch(facecolor=palettes.GI_COLOURS[b], label=palettes.GI_LEGEND[b]) for b in shown
            ],
            loc="upper right",
            fontsize=6.5,
            frameon=True,
        )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


_CSS = """
@page { size: A4 landscape; margin: 10mm; }
* { box-sizing: border-box; }
body { margin: 0; background: #eee; color: #111;
  font: 9pt/1.35 "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
.page { width: 297mm; margin: 8mm auto; padding: 10mm; background: #fff; }
h1 { font-size: 16pt; margin: 0; }
h2 { font-size: 10pt; margin: 3mm 0 1mm; }
.meta { margin: 0 0 3mm; color: #555; }
.grid { display: flex; gap: 5mm; align-items: flex-start; }
figure { margin: 0; flex: 0 0 52%; }
figure img { width: 100%; border: 1px solid #ccc; }
figcaption, .small { font-size: 7.5pt; color: #444; }
.side { flex: 1; }
.big { font-size: 20pt; font-weight: bold; color: #b2182b; margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; }
th, td { border-bottom: 1px solid #ddd; padding: 0.6mm 1.2mm; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
@media print { body { background: #fff; } .page { margin: 0; padding: 0; width: auto; } }
""".strip()
