"""A printable one-page HTML briefing of an outreach plan, for command staff.

The page is self-contained: the map and the coverage curve are matplotlib PNGs
embedded as ``data:`` URIs; there is no script, no web font, no CDN and no remote
image, so it prints and archives the same everywhere. Every piece of text that comes
from data (site and area names, labels, notes) is HTML-escaped.

matplotlib (a core dependency: ``hotspots plan`` and ``hotspots publish`` draw with it) is
imported only when a briefing is drawn, and always with the non-interactive Agg canvas (no pyplot state, so
it is safe inside a web app's worker threads).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import logging
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.errors import invalid
from hotspots.maps import palettes
from hotspots.maps.drawing import scale_bar
from hotspots.outreach.plan import OutreachPlan
from hotspots.outreach.plan import format_weight as _fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

log = logging.getLogger(__name__)

PageSize = Literal["A4", "Letter"]
PAGE_SIZES: tuple[PageSize, ...] = ("A4", "Letter")

#: Colours (colour-blind safe, print well in grey).


def briefing_html(
    plan: OutreachPlan,
    *,
    title: str,
    demand_label: str = "incidents",
    curve: pd.DataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    date: dt.date | str | None = None,
    notes: str | None = None,
    page: PageSize = "A4",
    max_site_rows: int = 15,
    max_area_rows: int = 8,
    context: pd.DataFrame | None = None,
    context_note: str | None = None,
) -> str:
    """Return a printable one-page HTML briefing of ``plan``.

    Parameters
    ----------
    plan : OutreachPlan
        The result of :func:`~hotspots.outreach.plan_outreach`.
    title : str
        Page title, e.g. ``"Summer outreach: 5 partner sites"``.
    demand_label : str
        What the demand is, in words, e.g. ``"incidents (Jun-Aug 2024)"``,
        ``"weighted incidents"`` or ``"hotspot cells (Gi*, FDR 5%)"``.
    curve : pandas.DataFrame, optional
        The result of :func:`~hotspots.outreach.coverage_curve` for the same inputs;
        drawn as a small chart of diminishing returns.
    areas : geopandas.GeoDataFrame, optional
        Boundaries (neighbourhoods) drawn as context on the map.
    date : datetime.date or str, optional
        Date printed on the page; today by default.
    notes : str, optional
        A short paragraph printed under the headline (e.g. the decision asked for).
    page : {"A4", "Letter"}
        Paper size for printing.
    max_site_rows, max_area_rows : int
        Rows shown in the sites table and in the worst-covered areas table.
    context : pandas.DataFrame, optional
        Where each site is (:func:`~hotspots.outreach.context.site_context`, rank order):
        its ``where`` line is printed under the site's name.
    context_note : str, optional
        What the context shows (printed under the sites table).

    Returns
    -------
    str
        A complete HTML document (UTF-8), without external references.
    """
    if page not in PAGE_SIZES:
        raise invalid("page", page, PAGE_SIZES)
    when = date if date is not None else dt.date.today()
    when_text = when.isoformat() if isinstance(when, dt.date) else str(when)
    map_png = _map_png(plan, areas=areas)
    curve_png = _curve_png(plan, curve) if curve is not None and len(curve) else None

    e = _escape
    n_fixed = int(plan.sites["fixed"].sum())
    fixed_text = f" ({n_fixed} existing kept)" if n_fixed else ""
    min_share = plan.parameters.get("min_share_per_area")
    parameters = [
        ("Sites", f"{plan.k}{fixed_text}"),
        ("Service radius", f"{plan.radius_m:,.0f} m"),
        ("Demand", f"{_fmt(plan.total_weight)} {demand_label}"),
        ("Distances", f"straight-line, in {plan.crs.name}"),
        ("Method", f"{plan.method}: {plan.status_text}"),
    ]
    if min_share is not None:
        parameters.append(("Minimum in every area", f"{float(min_share):.0%}"))

    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        f"<style>{_css(page)}</style></head><body><main class='page'>",
        "<header>",
        f"<h1>{e(title)}</h1>",
        f"<p class='meta'>Outreach site plan &middot; {e(when_text)}</p>",
        "</header>",
        "<section class='headline'>",
        f"<div class='big'>{plan.share:.0%}</div>",
        "<div class='what'>",
        f"<p><strong>{e(_fmt(plan.covered_weight))} of {e(_fmt(plan.total_weight))} "
        f"{e(demand_label)}</strong> are within {plan.radius_m:,.0f} m (straight line) of one "
        f"of the {plan.k} sites.</p>",
        _second_line(plan),
        "</div></section>",
    ]
    if notes:
        parts.append(f"<p class='notes'>{e(notes)}</p>")
    parts.append("<dl class='params'>")
    parts.extend(f"<div><dt>{e(k)}</dt><dd>{e(v)}</dd></div>" for k, v in parameters)
    parts.append("</dl>")

    has_side = curve_png is not None or len(plan.by_area) > 0
    is_point = bool((plan.demand.geom_type == "Point").all())
    legend = (
        "Dark red dots: covered demand; grey: not covered."
        if is_point
        else "Cells shaded by weight: red if covered, grey if not."
    )
    parts.append("<section class='grid'>")
    parts.append(
        f"<figure class='map{'' if has_side else ' wide'}'>"
        f"<img alt='Map of the chosen sites and their {plan.radius_m:,.0f} m service areas' "
        f"src='data:image/png;base64,{map_png}'>"
        "<figcaption>Numbers are site ranks"
        + (" (squares: existing sites)" if n_fixed else "")
        + f". Circles: service areas. {legend} No basemap.</figcaption></figure>"
    )
    parts.append("<div class='side'>" if has_side else "")
    if curve_png is not None and curve is not None:
        parts.append(
            "<figure class='curve'>"
            "<img alt='Share of demand covered by number of sites' "
            f"src='data:image/png;base64,{curve_png}'>"
            f"<figcaption>{e(_curve_caption(curve, plan))}</figcaption></figure>"
        )
    if len(plan.by_area):
        parts.append(_area_table(plan, max_rows=max_area_rows, min_share=min_share))
    parts.append("</div></section>" if has_side else "</section>")
    parts.append(
        _site_table(
            plan,
            demand_label=demand_label,
            max_rows=max_site_rows,
            context=context,
            context_note=context_note,
        )
    )
    parts.append(
        "<footer><p>Coverage counts demand within "
        f"{plan.radius_m:,.0f} m of a chosen site as the crow flies ({e(plan.distance_note)}), "
        "not travel distance or time, and it is not a forecast of crime reduction. "
        f"Sites were chosen to maximise covered demand ({e(plan.status_text)}). "
        "Exact plans are solved as a maximal covering location problem (proven optimal by its "
        "linear relaxation's bound or by the CBC solver)."
        "</p></footer>"
    )
    parts.append("</main></body></html>")
    log.info("Briefing drawn: %s", title)
    return "\n".join(parts)


# -- tables ---------------------------------------------------------------------------------


def _site_table(
    plan: OutreachPlan,
    *,
    demand_label: str,
    max_rows: int,
    context: pd.DataFrame | None,
    context_note: str | None,
) -> str:
    e = _escape
    sites = plan.sites
    where = (
        dict(zip(context["rank"].tolist(), context["where"].astype(str).tolist(), strict=True))
        if context is not None
        else {}
    )
    with_areas = len(plan.by_area) > 0
    rows = [
        "<section><h2>Sites, in order of what each adds</h2><table class='sites'>",
        "<thead><tr><th>#</th><th>Site</th><th class='num'>Within range</th>"
        "<th class='num'>Only this site</th><th class='num'>Adds</th>"
        "<th class='num'>Locations</th>"
        + ("<th>Areas reached</th>" if with_areas else "")
        + "</tr></thead><tbody>",
    ]
    for site in sites.head(max_rows).itertuples(index=False):
        areas = str(site.areas_reached) if not pd.isna(site.areas_reached) else ""
        names = [a for a in areas.split("; ") if a]
        shown = "; ".join(names[:3]) + (f" +{len(names) - 3} more" if len(names) > 3 else "")
        existing = " <span class='tag'>existing</span>" if bool(site.fixed) else ""
        place = where.get(int(site.rank))
        place_html = f"<div class='where'>{e(place)}</div>" if place else ""
        rows.append(
            f"<tr><td>{int(site.rank)}</td><td>{e(site.name)}{existing}{place_html}</td>"
            f"<td class='num'>{e(_fmt(site.covered_weight))}</td>"
            f"<td class='num'>{e(_fmt(site.unique_weight))}</td>"
            f"<td class='num'>{e(_fmt(site.added_weight))}</td>"
            f"<td class='num'>{int(site.n_demand_points):,}</td>"
            + (f"<td>{e(shown)}</td>" if with_areas else "")
            + "</tr>"
        )
    rows.append("</tbody></table>")
    if len(sites) > max_rows:
        rows.append(
            f"<p class='small'>{len(sites) - max_rows} more sites are listed in the CSV export.</p>"
        )
    rows.append(
        f"<p class='small'>Weights are {e(demand_label)}. &ldquo;Adds&rdquo; is what a site "
        "covers that the sites above it do not; the column sums to the total covered."
        + (f" {e(context_note)}" if context_note else "")
        + "</p></section>"
    )
    return "".join(rows)


def _area_table(plan: OutreachPlan, *, max_rows: int, min_share: Any) -> str:
    e = _escape
    frame = plan.by_area.head(max_rows)
    out = [
        "<section><h2>Worst-covered areas</h2><table class='areas'>",
        "<thead><tr><th>Area</th><th class='num'>Covered</th><th class='num'>Share</th>"
        "</tr></thead><tbody>",
    ]
    for row in frame.itertuples(index=False):
        share = "" if pd.isna(row.share) else f"{row.share:.0%}"
        out.append(
            f"<tr><td>{e(row.area)}</td>"
            f"<td class='num'>{e(_fmt(row.covered_weight))} / {e(_fmt(row.total_weight))}</td>"
            f"<td class='num'>{e(share)}</td></tr>"
        )
    out.append("</tbody></table>")
    note = f"{len(plan.by_area)} areas in all."
    if min_share is not None:
        note += f" Every area is at least {float(min_share):.0%} covered by requirement."
    out.append(f"<p class='small'>{e(note)}</p></section>")
    return "".join(out)


def _second_line(plan: OutreachPlan) -> str:
    """Locations covered (when weights are not plain counts) and areas reached."""
    text = ""
    if plan.covered_weight != plan.n_covered_points or plan.total_weight != plan.n_demand_points:
        text += (
            f"{plan.n_covered_points:,} of {plan.n_demand_points:,} demand locations are covered. "
        )
    if len(plan.by_area):
        reached = int((plan.by_area["covered_weight"] > 0).sum())
        text += f"{reached} of {len(plan.by_area)} areas are reached; the least covered has "
        worst = plan.by_area["share"].min()
        text += f"{worst:.0%} of its demand covered." if not pd.isna(worst) else "none."
    return f"<p>{_escape(text.strip())}</p>" if text else ""


def _curve_caption(curve: pd.DataFrame, plan: OutreachPlan) -> str:
    total = float(curve.attrs.get("total_weight", plan.total_weight)) or 1.0
    gains = curve["marginal_gain"].to_numpy(dtype=float) / total
    first_k = int(curve["k"].iloc[0])
    last_k = int(curve["k"].iloc[-1])
    text = (
        f"Diminishing returns: site {first_k} adds {gains[0]:.1%} of the demand, "
        f"site {last_k} adds {gains[-1]:.1%}."
    )
    if "greedy_gap" in curve.columns and float(curve["greedy_gap"].max()) > 0:
        text += (
            " The dashed line is a quick greedy choice; "
            f"it falls short by up to {float(curve['greedy_gap'].max()) / total:.1%}."
        )
    return text


# -- figures --------------------------------------------------------------------------------


def _figure(width_in: float, height_in: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=150)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _map_png(plan: OutreachPlan, *, areas: gpd.GeoDataFrame | None) -> str:
    from matplotlib.patches import Circle

    fig = _figure(5.0, 4.4)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    demand = plan.demand
    sites = plan.sites
    xy_sites = np.column_stack([sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()])
    r = plan.radius_m

    xmin, ymin, xmax, ymax = demand.total_bounds
    if len(sites):
        xmin = min(xmin, float(xy_sites[:, 0].min() - r))
        ymin = min(ymin, float(xy_sites[:, 1].min() - r))
        xmax = max(xmax, float(xy_sites[:, 0].max() + r))
        ymax = max(ymax, float(xy_sites[:, 1].max() + r))
    pad = 0.04 * max(xmax - xmin, ymax - ymin, 1.0)
    xmin, ymin, xmax, ymax = xmin - pad, ymin - pad, xmax + pad, ymax + pad

    if areas is not None and len(areas) and areas.crs is not None:
        areas.to_crs(plan.crs).boundary.plot(ax=ax, color="#bdbdbd", linewidth=0.5, zorder=1)

    weights = demand["weight"].to_numpy(dtype=float)
    covered = demand["covered"].to_numpy(dtype=bool)
    is_point = (demand.geom_type == "Point").to_numpy()
    if (~is_point).any():
        from matplotlib.colors import to_rgba

        polys = demand[~is_point]
        rgba = np.where(
            polys["covered"].to_numpy(dtype=bool)[:, None],
            np.array(to_rgba(palettes.COVERED)),
            np.array(to_rgba(palettes.UNCOVERED)),
        )
        rgba[:, 3] = 0.2 + 0.7 * _scaled(polys["weight"].to_numpy(dtype=float))
        polys.geometry.plot(ax=ax, color=rgba, linewidth=0, zorder=2)
    if is_point.any():
        pts = demand[is_point]
        size = 1.0 + 8.0 * _scaled(weights[is_point])
        x = pts.geometry.x.to_numpy()
        y = pts.geometry.y.to_numpy()
        cov = covered[is_point]
        ax.scatter(
            x[~cov], y[~cov], s=size[~cov], c=palettes.UNCOVERED, linewidths=0, alpha=0.6, zorder=2
        )
        ax.scatter(
            x[cov], y[cov], s=size[cov], c=palettes.COVERED, linewidths=0, alpha=0.7, zorder=3
        )

    fixed = sites["fixed"].to_numpy(dtype=bool)
    for (x0, y0), is_fixed in zip(xy_sites.tolist(), fixed.tolist(), strict=True):
        ax.add_patch(
            Circle(
                (x0, y0),
                r,
                facecolor=palettes.SERVICE_AREA,
                alpha=0.10,
                edgecolor=palettes.SERVICE_AREA,
                linewidth=1.0,
                linestyle="--" if is_fixed else "-",
                zorder=4,
            )
        )
    if len(sites):
        ax.scatter(
            xy_sites[~fixed, 0],
            xy_sites[~fixed, 1],
            marker="o",
            s=70,
            c=palettes.SITE,
            edgecolors="white",
            linewidths=1.0,
            zorder=5,
        )
        ax.scatter(
            xy_sites[fixed, 0],
            xy_sites[fixed, 1],
            marker="s",
            s=70,
            c=palettes.SITE,
            edgecolors="white",
            linewidths=1.0,
            zorder=5,
        )
        for (x0, y0), rank in zip(xy_sites.tolist(), sites["rank"].tolist(), strict=True):
            ax.annotate(
                str(rank),
                (x0, y0),
                ha="center",
                va="center",
                fontsize=6.5,
                color="white",
                fontweight="bold",
                zorder=6,
            )

    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_axis_off()
    scale_bar(ax, xmin, ymin, xmax, ymax)
    _legend(ax, has_fixed=bool(fixed.any()))
    return _png(fig)


def _scaled(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Weights scaled to [0, 1] by square root (area-true marker sizes)."""
    v = np.sqrt(np.clip(values, 0, None))
    top = float(v.max()) if v.size else 0.0
    return v / top if top > 0 else np.zeros_like(v)


def _legend(ax: Axes, *, has_fixed: bool) -> None:
    from matplotlib.patches import Patch

    handles = [
        _marker(palettes.COVERED, size=4, label="covered"),
        _marker(palettes.UNCOVERED, size=4, label="not covered"),
        _marker(palettes.SITE, size=7, label="new site"),
        Patch(
            facecolor=palettes.SERVICE_AREA,
            alpha=0.25,
            edgecolor=palettes.SERVICE_AREA,
            label="service area",
        ),
    ]
    if has_fixed:
        handles.insert(3, _marker(palettes.SITE, size=7, label="existing site", shape="s"))
    ax.legend(handles=handles, loc="upper right", fontsize=6.5, framealpha=0.85)


def _marker(colour: str, *, size: float, label: str, shape: str = "o") -> Line2D:
    """A legend entry: one marker of ``shape``, no line."""
    from matplotlib.lines import Line2D

    return Line2D([], [], marker=shape, linestyle="", color=colour, markersize=size, label=label)


def _curve_png(plan: OutreachPlan, curve: pd.DataFrame) -> str:
    from matplotlib.ticker import MaxNLocator

    fig = _figure(3.3, 2.1)
    ax = fig.add_axes((0.17, 0.22, 0.79, 0.7))
    k = curve["k"].to_numpy()
    ax.plot(
        k,
        100 * curve["share"].to_numpy(dtype=float),
        marker="o",
        markersize=3,
        color=palettes.SITE,
        linewidth=1.4,
        label="best (exact)" if curve["method"].iloc[0] == "exact" else "greedy",
    )
    if "greedy_share" in curve.columns:
        ax.plot(
            k,
            100 * curve["greedy_share"].to_numpy(dtype=float),
            linestyle="--",
            color=palettes.UNCOVERED,
            linewidth=1.0,
            label="greedy",
        )
        ax.legend(fontsize=6, loc="lower right", frameon=False)
    if int(k.min()) <= plan.k <= int(k.max()):
        ax.axvline(plan.k, color=palettes.COVERED, linewidth=0.8, linestyle=":")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("number of sites", fontsize=7)
    ax.set_ylabel("% of demand covered", fontsize=7)
    ax.tick_params(labelsize=6.5)
    ax.set_ylim(0, max(5.0, 100 * float(curve["share"].max()) * 1.1))
    ax.grid(alpha=0.3, linewidth=0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)


# -- text -----------------------------------------------------------------------------------


def _escape(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _css(page: PageSize) -> str:
    size = "A4 portrait" if page == "A4" else "letter portrait"
    width = "210mm" if page == "A4" else "8.5in"
    return f"""
@page {{ size: {size}; margin: 10mm; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; background: #eee; color: #111;
  font: 9pt/1.35 "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }}
.page {{ width: {width}; margin: 8mm auto; padding: 10mm; background: #fff;
  box-shadow: 0 0 4px rgba(0,0,0,.3); }}
h1 {{ font-size: 16pt; margin: 0; }}
h2 {{ font-size: 10pt; margin: 3mm 0 1mm; }}
.meta {{ margin: 0 0 2mm; color: #555; }}
.headline {{ display: flex; align-items: center; gap: 5mm; border-top: 2px solid #08306b;
  border-bottom: 1px solid #ccc; padding: 2mm 0; }}
.big {{ font-size: 30pt; font-weight: bold; color: #b2182b; }}
.what p {{ margin: 0.5mm 0; }}
.notes {{ margin: 2mm 0; font-style: italic; }}
.params {{ display: flex; flex-wrap: wrap; gap: 1mm 6mm; margin: 2mm 0; }}
.params div {{ display: flex; gap: 1.5mm; }}
.params dt {{ font-weight: bold; }}
.params dd {{ margin: 0; }}
.grid {{ display: flex; gap: 4mm; align-items: flex-start; }}
figure {{ margin: 0; }}
.map {{ flex: 0 0 58%; }}
.map.wide {{ flex: 0 0 75%; }}
.map img {{ width: 100%; border: 1px solid #ccc; }}
.side {{ flex: 1; }}
.curve img {{ width: 100%; }}
figcaption, .small {{ font-size: 7.5pt; color: #444; margin: 0.5mm 0; }}
table {{ border-collapse: collapse; width: 100%; font-size: 8pt; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.6mm 1.2mm; text-align: left;
  vertical-align: top; }}
th {{ background: #f2f2f2; }}
.num {{ text-align: right; white-space: nowrap; }}
.where {{ font-size: 7pt; color: #444; }}
.tag {{ font-size: 6.5pt; border: 1px solid #08306b; border-radius: 2px; padding: 0 1mm; }}
footer {{ margin-top: 2mm; border-top: 1px solid #ccc; font-size: 7pt; color: #555; }}
section, figure, table, tr {{ break-inside: avoid; page-break-inside: avoid; }}
@media print {{
  body {{ background: #fff; }}
  .page {{ width: auto; margin: 0; padding: 0; box-shadow: none; }}
}}
"""
