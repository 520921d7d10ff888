"""Writing an evaluation: ``evaluation.json`` and a one-page offline ``evaluation.html``.

The page is self-contained and needs no plotting library: the map of target, buffer and
control and the monthly chart are inline SVG drawn here from the geometries and counts;
there is no script, web font, CDN or remote image, so it prints and archives the same
everywhere. Colours come from :mod:`hotspots.maps.palettes`. Every piece of text that comes
from data (area names, offenses, titles) is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from hotspots.evaluate.evaluation import ROLES, Evaluation
from hotspots.evaluate.wording import change_words
from hotspots.export import package_versions
from hotspots.maps.palettes import ACCENT, GI_COLOURS, OUTLINE

#: Fill colour of each role on the map and line colour in the chart.
ROLE_COLOURS: dict[str, str] = {
    "target": ACCENT,
    "buffer": GI_COLOURS[2],
    "control": GI_COLOURS[-3],
    "buffer_control": GI_COLOURS[-2],
}
ROLE_LABELS: dict[str, str] = {
    "target": "Target",
    "buffer": "Displacement buffer",
    "control": "Control",
    "buffer_control": "Buffer control",
}
VERSIONED_PACKAGES = ("hotspots", "numpy", "pandas", "geopandas", "shapely", "scipy", "statsmodels")


def evaluation_record(evaluation: Evaluation) -> dict[str, Any]:
    """Everything of ``evaluation`` as a JSON-ready dict (the ``evaluation.json`` content).

    Keys: ``counts`` (``{role: {"before", "after"}}``), ``success``, ``wdq``,
    ``net_effect``, ``wdd`` (``estimate``, ``variance``, ``z``, ``p``), ``did``
    (``estimate``, ``ci_low``, ``ci_high``, ``p`` …, or null), ``pretrend``, ``warnings``
    (``code``, ``message``, ``fix``), ``summary``, ``monthly``, ``control_matching``,
    ``parameters``, ``versions``.
    """
    ev = evaluation
    record: dict[str, Any] = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "counts": {
            role: {"before": before, "after": after} for role, (before, after) in ev.counts.items()
        },
        "success": ev.measures.success,
        "wdq": ev.measures.wdq,
        "net_effect": ev.measures.net_effect,
        "bowers_johnson": ev.measures.as_dict(),
        "wdd": ev.wdd.as_dict(),
        "did": ev.did.as_dict() if ev.did is not None else None,
        "pretrend": ev.pretrend.as_dict() if ev.pretrend is not None else None,
        "warnings": [c.as_dict() for c in ev.cautions],
        "summary": ev.summary(),
        "monthly": ev.monthly.to_dict(orient="records"),
        "control_matching": {
            name: (
                {"description": match.describe(what), "cells": match.as_records()}
                if match is not None
                else None
            )
            for name, what, match in (
                ("control", "target", ev.control_match),
                ("buffer_control", "buffer", ev.buffer_control_match),
            )
        },
        "parameters": ev.params,
        "versions": package_versions(VERSIONED_PACKAGES),
    }
    plain: dict[str, Any] = _plain(record)
    return plain


def write_evaluation(
    evaluation: Evaluation, out_dir: str | Path, *, title: str | None = None
) -> dict[str, Path]:
    """Write ``evaluation.json`` and ``evaluation.html`` into ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "evaluation.json", "html": out / "evaluation.html"}
    paths["json"].write_text(
        json.dumps(evaluation_record(evaluation), indent=2, allow_nan=False) + "\n",
        encoding="utf-8",
    )
    paths["html"].write_text(evaluation_html(evaluation, title=title), encoding="utf-8")
    return paths


def evaluation_html(
    evaluation: Evaluation, *, title: str | None = None, date: dt.date | None = None
) -> str:
    """A printable one-page HTML briefing of ``evaluation`` (no external references)."""
    ev = evaluation
    e = _escape
    title = title or "Did it work? Before and after evaluation"
    when = (date or dt.date.today()).isoformat()
    offenses = ev.params.get("offenses")
    meta = (
        f"{e(ev.target.description)} &middot; before {e(ev.periods.label('before'))}, after "
        f"{e(ev.periods.label('after'))} &middot; "
        f"{e(', '.join(offenses)) if offenses else 'all offenses'} &middot; {e(when)}"
    )
    big, headline = _headline(ev)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        f"<style>{_CSS}</style></head><body><main class='page'>",
        f"<header><h1>{e(title)}</h1><p class='meta'>{meta}</p></header>",
        f"<section class='headline'><div class='big'>{e(big)}</div>",
        f"<div><p><strong>{e(headline)}</strong></p>",
        "".join(f"<p>{e(line)}</p>" for line in ev.summary()[:1]),
        "</div></section>",
    ]
    if ev.cautions:
        parts.append("<section class='cautions'><h2>Read with care</h2><ul>")
        parts.extend(f"<li><strong>{e(c.message)}</strong> {e(c.fix)}</li>" for c in ev.cautions)
        parts.append("</ul></section>")
    parts.append("<section class='figures'>")
    parts.append(
        "<figure class='map'>"
        + map_svg(ev)
        + "<figcaption>"
        + _legend_html([r for r in ROLES if r in ev.counts])
        + ". No basemap.</figcaption></figure>"
    )
    parts.append(
        "<figure class='chart'>"
        + series_svg(ev)
        + "<figcaption>Incidents a month, each area indexed to its own before-period average "
        "(= 100). The dashed line marks the start of the after period.</figcaption></figure>"
    )
    parts.append("</section>")
    parts.append(_counts_table(ev))
    parts.append("<section><h2>The figures in words</h2><ul>")
    parts.extend(f"<li>{e(line)}</li>" for line in ev.summary()[1:])
    for match, what in ((ev.control_match, "target"), (ev.buffer_control_match, "buffer")):
        if match is not None:
            parts.append(f"<li>{e(match.describe(what))}</li>")
    if ev.pretrend is not None:
        parts.append(
            f"<li>Before the intervention the target changed by "
            f"{ev.pretrend.target_change:+.0%} a year and the control by "
            f"{ev.pretrend.control_change:+.0%} (test of equal trends: p = {ev.pretrend.p:.2f}).</li>"
        )
    parts.append("</ul></section>")
    parts.append(
        "<footer><p>Success measure, weighted displacement quotient and total net effect: "
        "Bowers &amp; Johnson (2003). Weighted displacement difference test: Wheeler &amp; "
        "Ratcliffe (2018), Poisson variance. Difference-in-differences: Poisson regression of "
        "monthly counts on area, month and after &times; target (statsmodels GLM), standard "
        "errors scaled for overdispersion, 95% interval. Figures are consistent with, not "
        "proof of, an effect of the intervention.</p></footer>"
    )
    parts.append("</main></body></html>")
    return "\n".join(parts)


# -- pictures -------------------------------------------------------------------------------


def map_svg(evaluation: Evaluation, *, width: int = 420, height: int = 340) -> str:
    """Inline SVG map of the target's parts, buffer, control and buffer control."""
    areas = evaluation.areas
    xmin, ymin, xmax, ymax = (float(v) for v in areas.total_bounds)
    pad = 0.04 * max(xmax - xmin, ymax - ymin, 1.0)
    xmin, ymin, xmax, ymax = xmin - pad, ymin - pad, xmax + pad, ymax + pad
    scale = min(width / (xmax - xmin), height / (ymax - ymin))

    def path(geom: shapely.Geometry) -> str:
        pieces = []
        for ring in _rings(geom):
            xy = np.asarray(ring.coords)
            px = (xy[:, 0] - xmin) * scale
            py = height - (xy[:, 1] - ymin) * scale
            points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
            pieces.append(f"M{points}Z")
        return "".join(pieces)

    shapes = []
    order = ("buffer_control", "control", "buffer", "target")
    for role in order:
        colour = ROLE_COLOURS[role]
        for geom in areas.loc[areas["role"] == role].geometry:
            shapes.append(
                f"<path d='{path(geom)}' fill='{colour}' fill-opacity='0.55' "
                f"fill-rule='evenodd' stroke='{colour}' stroke-width='0.8'/>"
            )
    bar_m = _nice_length((xmax - xmin) / 5.0)
    bar_px = bar_m * scale
    bar_label = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
        f"role='img' aria-label='Map of target, buffer and control areas'>"
        f"<rect width='{width}' height='{height}' fill='#f7f7f7' stroke='{OUTLINE}' "
        "stroke-width='0.5'/>" + "".join(shapes) + f"<line x1='12' y1='{height - 12}' "
        f"x2='{12 + bar_px:.1f}' y2='{height - 12}' stroke='#111' stroke-width='2'/>"
        f"<text x='{12 + bar_px / 2:.1f}' y='{height - 17}' font-size='9' "
        f"text-anchor='middle'>{bar_label}</text></svg>"
    )


def series_svg(evaluation: Evaluation, *, width: int = 360, height: int = 220) -> str:
    """Inline SVG line chart of monthly counts per area, indexed to the before average."""
    monthly = evaluation.monthly
    before = (monthly["period"] == "before").to_numpy()
    roles = [r for r in ROLES if r in evaluation.counts]
    series: dict[str, np.ndarray] = {}
    for role in roles:
        values = monthly[role].to_numpy(dtype=float)
        base = values[before].mean()
        if base > 0:
            series[role] = 100.0 * values / base
    left, right, top, bottom = 34, 8, 10, 30
    n = len(monthly)
    top_value = max([150.0] + [float(v.max()) for v in series.values()])
    ymax = math.ceil(top_value / 50.0) * 50.0

    def px(i: float) -> float:
        return left + (width - left - right) * (i / max(n - 1, 1))

    def py(v: float) -> float:
        return top + (height - top - bottom) * (1.0 - v / ymax)

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' role='img' "
        "aria-label='Monthly incidents by area, indexed to the before period'>"
    ]
    for tick in np.arange(0, ymax + 1, 50.0):
        parts.append(
            f"<line x1='{left}' x2='{width - right}' y1='{py(tick):.1f}' y2='{py(tick):.1f}' "
            f"stroke='#ddd' stroke-width='0.5'/><text x='{left - 3}' y='{py(tick) + 3:.1f}' "
            f"font-size='8' text-anchor='end'>{tick:.0f}</text>"
        )
    start_after = int(np.argmax(~before)) if (~before).any() else n
    x_cut = (px(start_after - 1) + px(start_after)) / 2.0
    parts.append(
        f"<line x1='{x_cut:.1f}' x2='{x_cut:.1f}' y1='{top}' y2='{height - bottom}' "
        "stroke='#111' stroke-dasharray='4 3' stroke-width='1'/>"
        f"<text x='{x_cut + 3:.1f}' y='{top + 8}' font-size='8'>after</text>"
    )
    months = monthly["month"].tolist()
    step = max(1, n // 6)
    for i in range(0, n, step):
        parts.append(
            f"<text x='{px(i):.1f}' y='{height - bottom + 12}' font-size='8' "
            f"text-anchor='middle'>{_escape(months[i])}</text>"
        )
    for role, values in series.items():
        points = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(values))
        width_px = 2.0 if role == "target" else 1.2
        parts.append(
            f"<polyline points='{points}' fill='none' stroke='{ROLE_COLOURS[role]}' "
            f"stroke-width='{width_px}'/>"
        )
    x0 = float(left)
    for role in series:
        parts.append(
            f"<rect x='{x0}' y='{height - 10}' width='10' height='3' fill='{ROLE_COLOURS[role]}'/>"
            f"<text x='{x0 + 13}' y='{height - 6}' font-size='8'>{ROLE_LABELS[role]}</text>"
        )
        x0 += 22 + 4.4 * len(ROLE_LABELS[role])
    parts.append("</svg>")
    return "".join(parts)


# -- pieces ---------------------------------------------------------------------------------


def _headline(ev: Evaluation) -> tuple[str, str]:
    if ev.did is None:
        return "?", "Too few incidents for a month-by-month estimate; see the cautions."
    words = change_words(ev.did.estimate, ev.did.ci_low, ev.did.ci_high)
    return f"{ev.did.estimate:+.0%}", f"The target is {words}."


def _counts_table(ev: Evaluation) -> str:
    rows = [
        "<section><h2>Incidents</h2><table><thead><tr><th>Area</th>"
        "<th class='num'>Before</th><th class='num'>After</th><th class='num'>Change</th>"
        "<th class='num'>km²</th></tr></thead><tbody>"
    ]
    for role, (before, after) in ev.counts.items():
        change = ev.change(role)
        rows.append(
            f"<tr><td>{ROLE_LABELS[role]}</td><td class='num'>{before:,}</td>"
            f"<td class='num'>{after:,}</td>"
            f"<td class='num'>{'' if change is None else f'{change:+.0%}'}</td>"
            f"<td class='num'>{ev.params['areas_km2'][role]:.2f}</td></tr>"
        )
    m, w = ev.measures, ev.wdd
    stats = [
        ("Success measure (Ra/Ca − Rb/Cb)", f"{m.success:+.3f}"),
        ("Weighted displacement quotient", "—" if m.wdq is None else f"{m.wdq:+.2f}"),
        ("Total net effect (incidents prevented; negative: added)", f"{m.net_effect:+,.1f}"),
        ("WDD (incidents), variance", f"{w.estimate:+,.0f}, {w.variance:,.0f}"),
        ("WDD z, p", f"{w.z:.2f}, {w.p:.3g}"),
    ]
    if ev.did is not None:
        stats.append(
            (
                "Difference-in-differences (95% CI), p",
                f"{ev.did.estimate:+.0%} ({ev.did.ci_low:+.0%} to {ev.did.ci_high:+.0%}), "
                f"{ev.did.p:.3g}",
            )
        )
    rows.append("</tbody></table><table class='stats'><tbody>")
    rows.extend(
        f"<tr><td>{_escape(k)}</td><td class='num'>{_escape(v)}</td></tr>" for k, v in stats
    )
    rows.append("</tbody></table></section>")
    return "".join(rows)


def _legend_html(roles: list[str]) -> str:
    return " ".join(
        f"<span class='key' style='background:{ROLE_COLOURS[r]}'></span>{ROLE_LABELS[r]}"
        for r in roles
    )


def _rings(geom: shapely.Geometry) -> list[shapely.Geometry]:
    out: list[shapely.Geometry] = []
    for poly in shapely.get_parts(geom):
        if shapely.get_type_id(poly) != 3:
            continue
        out.append(shapely.get_exterior_ring(poly))
        out.extend(
            shapely.get_interior_ring(poly, i) for i in range(shapely.get_num_interior_rings(poly))
        )
    return out


def _nice_length(target: float) -> float:
    magnitude = 10 ** math.floor(math.log10(max(target, 1.0)))
    return float(max(m * magnitude for m in (1, 2, 5) if m * magnitude <= max(target, 1.0)))


def _plain(value: Any) -> Any:
    """Nested JSON-ready values: numpy scalars to Python, non-finite floats to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _escape(value: Any) -> str:
    return html.escape(str(value), quote=True)


_CSS = """
@page { size: A4 portrait; margin: 10mm; }
* { box-sizing: border-box; }
body { margin: 0; background: #eee; color: #111;
  font: 9pt/1.35 "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
.page { width: 210mm; margin: 8mm auto; padding: 9mm; background: #fff; }
h1 { font-size: 15pt; margin: 0; }
h2 { font-size: 10pt; margin: 3mm 0 1mm; }
.meta { margin: 0 0 2mm; color: #555; }
.headline { display: flex; gap: 5mm; align-items: center; padding: 2mm 0;
  border-top: 2px solid #2166ac; border-bottom: 1px solid #ccc; }
.headline p { margin: 0.5mm 0; }
.big { font-size: 28pt; font-weight: bold; color: #b2182b; white-space: nowrap; }
.cautions { background: #fff8e5; border-left: 3px solid #e69f00; padding: 1mm 3mm; margin: 2mm 0; }
.cautions ul { margin: 0; padding-left: 4mm; }
.figures { display: flex; gap: 4mm; align-items: flex-start; margin-top: 2mm; }
figure { margin: 0; flex: 1; }
figure svg { width: 100%; height: auto; }
figcaption { font-size: 7.5pt; color: #444; }
.key { display: inline-block; width: 3mm; height: 3mm; margin: 0 1mm 0 2mm; opacity: 0.7; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; margin-bottom: 1.5mm; }
th, td { border-bottom: 1px solid #ddd; padding: 0.5mm 1.2mm; text-align: left; }
th { background: #f2f2f2; }
.num { text-align: right; white-space: nowrap; }
ul { margin: 0; padding-left: 4mm; }
footer { margin-top: 2mm; border-top: 1px solid #ccc; font-size: 7pt; color: #555; }
section, figure, table { break-inside: avoid; }
@media print { body { background: #fff; } .page { width: auto; margin: 0; padding: 0; } }
"""
