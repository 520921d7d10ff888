"""The snapshot as one self-contained HTML page that opens offline by double-click.

Everything is inline: Leaflet's JS and CSS (from the installed ``xstatic-leaflet``,
never a CDN; the CSS's image URLs become ``data:`` URIs), the page's CSS and script, the
published content as JSON in ``<script type="application/json">`` (``<``, ``>``, ``&``,
U+2028/9 escaped as ``\\u003c`` … so no text can close the block), the trend chart as
SVG. A Content-Security-Policy meta tag lets the page load nothing from the network —
unless a basemap is configured, and then only images from the tile server.

Every text that comes from data or from the user is HTML-escaped; the map's tooltips
are built with ``textContent`` in the browser. Output is deterministic: the same content
gives the same bytes apart from the one ``Generated on YYYY-MM-DD`` line.
"""

from __future__ import annotations

import base64
import json
import re
from html import escape
from typing import Any
from urllib.parse import urlsplit

from hotspots.maps import palettes
from hotspots.maps.webassets import asset_path, asset_text
from hotspots.publish.chart import trend_svg

GENERATED_PREFIX = "Generated on "
#: How a total published as 0 is written.
TOO_FEW = "too few to show"


def generated_line(day: str) -> str:
    """The only line of the page that changes between runs."""
    return f"{GENERATED_PREFIX}{day}"


def script_json(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def leaflet_css() -> str:
    """Leaflet's stylesheet with its image URLs inlined as ``data:`` URIs (no request)."""
    css = asset_text("leaflet.css")
    folder = asset_path("leaflet.css").parent

    def inline(match: re.Match[str]) -> str:
        path = folder / match.group(1)
        if not path.is_file():
            return "none"
        return (
            "url(data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii") + ")"
        )

    return re.sub(r"url\((images/[^)]+)\)", inline, css)


def leaflet_js() -> str:
    """Leaflet's script, safe inside a ``<script>`` element."""
    return asset_text("leaflet.js").replace("</script", "<\\/script").replace("<!--", "<\\!--")


def fixed_literals() -> list[str]:
    """Texts of the page that come from the code, never from data (the audit cuts them)."""
    return [leaflet_js(), leaflet_css(), PAGE_CSS, APP_JS, EXPLAINER_TEMPLATE]


def render_html(content: dict[str, Any], *, generated_on: str, version: str) -> str:
    """The snapshot page for ``content`` (from :func:`hotspots.publish.content.build_content`)."""
    rules = content["rules"]
    sup = rules["suppressed_text"]
    title = content["title"]
    period = content["period"]["label"]
    grid = content.get("grid")
    areas = content.get("areas")
    basemap = content.get("basemap")
    csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
    if basemap:
        parts = urlsplit(basemap["url"])
        csp += f" {parts.scheme}://{parts.netloc}"
    groups = ", ".join(content["offense_groups"])
    body = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f'<meta http-equiv="Content-Security-Policy" content="{escape(csp)}">',
        f"<title>{escape(title)} — {escape(period)}</title>",
        f"<style>{leaflet_css()}</style>",
        f"<style>{PAGE_CSS}</style>",
        "</head>",
        "<body>",
        '<header class="top">',
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub"><strong>{escape(period)}</strong> · Offenses covered: {escape(groups)}</p>',
        "</header>",
        "<main>",
        '<section class="mapsection" aria-label="Map">',
        '<div class="mapwrap">',
        f'<div id="map" role="region" aria-label="{escape(_map_label(content))}"></div>',
        "<noscript><p>The map needs JavaScript. The same numbers are in the tables below.</p></noscript>",
        "</div>",
        '<aside class="panel">',
        _key_numbers(content),
        _layer_switch(areas is not None, grid is not None),
        _legend(content),
        _caveats(content),
        "</aside>",
        "</section>",
        _explainer(content),
        '<section class="trend-section">',
        "<h2>Incidents per month</h2>",
        trend_svg(content["months"], suppressed_text=sup, title=f"Incidents per month, {period}"),
        "</section>",
        '<section class="numbers">',
        "<h2>The numbers</h2>",
        f'<p class="hint">Every number is adjusted slightly to protect people (see “Privacy rules applied” below); “{escape(sup)}” marks small numbers, “{escape(rules["hidden_text"])}” areas whose incidents were at too few places.</p>',
        _offense_table(content),
        _month_table(content),
        _area_table(content) if areas is not None else "",
        _cell_table(content) if grid is not None else "",
        "</section>",
        _about(content, generated_on=generated_on, version=version),
        "</main>",
        f'<script id="leaflet-js">{leaflet_js()}</script>',
        f'<script type="application/json" id="snapshot-data">{script_json(content)}</script>',
        f'<script id="snapshot-app">{APP_JS}</script>',
        "</body>",
        "</html>",
    ]
    return "\n".join(body) + "\n"


# -- pieces -----------------------------------------------------------------------------------------


def _n(value: int | None, sup: str) -> str:
    return sup if value is None else f"{value:,}"


def _total(value: int | None) -> str:
    """A derived total (sum of published parts) or, when that is below k, a plain remark."""
    return TOO_FEW if value is None else f"{value:,}"


def _map_label(content: dict[str, Any]) -> str:
    what = []
    if content.get("areas") is not None:
        what.append("incidents per square kilometre by neighbourhood")
    if content.get("grid") is not None:
        what.append("statistically significant hot spot squares")
    return f"Map of {' and '.join(what)}, {content['period']['label']}. The same numbers are in the tables below."


def _caveats(content: dict[str, Any]) -> str:
    items = content["notes"].get("caveats") or []
    return "".join(
        f'<p class="note caveat"><span aria-hidden="true">⚠ </span>{escape(text)}</p>'
        for text in items
    )


def _key_numbers(content: dict[str, Any]) -> str:
    total = content["total"]["incidents"]
    items = [
        f'<div class="kn"><span class="big" data-incidents="{total if total is not None else ""}">{escape(_total(total))}</span> incidents (adjusted)</div>'
    ]
    grid = content.get("grid")
    if grid is not None:
        share = grid["hot_share_count_pct"]
        items.append(
            f'<div class="kn"><span class="big">{grid["hot_cells"]:,}</span> hot spot squares of {grid["cell_size_m"]:g} m'
            f'<span class="small">{grid["hot_share_area_pct"]:g}% of the mapped area'
            + (f", about {share:g}% of all incidents" if share is not None else "")
            + "</span></div>"
        )
    return f'<div class="keynumbers">{"".join(items)}</div>'


def _layer_switch(has_areas: bool, has_grid: bool) -> str:
    if not (has_areas and has_grid):
        return ""
    return (
        '<fieldset class="layers"><legend>Show on the map</legend>'
        '<label><input type="checkbox" id="toggle-areas" checked> Neighbourhood shading</label>'
        '<label><input type="checkbox" id="toggle-cells" checked> Hot spot squares</label>'
        "</fieldset>"
    )


def _legend(content: dict[str, Any]) -> str:
    sup = content["rules"]["suppressed_text"]
    rows = ['<div class="legend" id="legend">']
    if content.get("areas") is not None:
        rows.append(
            '<h3 class="lg-title">Incidents per km² in each neighbourhood</h3><ul class="lg">'
        )
        classes = content["area_classes"]
        for i, c in enumerate(classes):
            rows.append(
                f'<li><span class="sw" style="background:{escape(c["colour"])}"></span>{escape(palettes.plain_class_label(i, classes))}</li>'
            )
        rows.append(
            f'<li><span class="sw sw-sup" style="background:{palettes.SUPPRESSED}"></span>{escape(sup)} incidents, or {escape(content["rules"]["hidden_text"])}</li></ul>'
        )
    grid = content.get("grid")
    if grid is not None:
        rows.append(
            f'<h3 class="lg-title">Hot spot squares ({grid["cell_size_m"]:g} m)</h3><ul class="lg">'
        )
        for c in grid["classes"]:
            rows.append(
                f'<li><span class="sw" style="background:{escape(c["colour"])};border-color:{escape(grid["outline"])}"></span>{escape(c["label"])}</li>'
            )
        rows.append("</ul>")
    rows.append("</div>")
    return "".join(rows)


EXPLAINER_TEMPLATE = (
    "A hot spot is a place where incidents cluster: a square that, together with the squares around it, "
    "holds far more incidents than we would expect if incidents were spread evenly at random across the city."
)


def _explainer(content: dict[str, Any]) -> str:
    grid = content.get("grid")
    rules = content["rules"]
    items = [f"<p>{escape(EXPLAINER_TEMPLATE)}</p>"]
    if grid is not None:
        fdr = grid["alpha"]
        items.append(
            "<p><strong>How sure are we?</strong> Every highlighted square passed a statistical test (Getis-Ord Gi*). "
            "“95% confidence” means that if incidents were scattered at random, a cluster this strong would turn up "
            "less than 5 times in 100; “99%” means less than once in 100. Because "
            f"{grid['n_cells']:,} squares were tested at once, we also applied a correction (false discovery rate "
            f"{fdr * 100:g}%): at most about {_one_in(fdr)} highlighted squares is expected to be a false alarm.</p>"
        )
    items.append(
        "<p><strong>What it does not say.</strong> A hot spot describes a place, not the people who live there. "
        "The map shows incidents recorded by police, which also depends on what is reported and where police work. "
        "A square that is not highlighted is not necessarily safe.</p>"
    )
    items.append(
        f"<p><strong>Small numbers are hidden.</strong> Every number is adjusted slightly and consistently, and a count "
        f"below {rules['k']} is shown as “{escape(rules['suppressed_text'])}” or raised, so no single incident can be picked out.</p>"
    )
    return (
        '<section class="explain" aria-labelledby="explain-h"><h2 id="explain-h">What is a hot spot, and how sure are we?</h2>'
        + "".join(items)
        + "</section>"
    )


def _one_in(alpha: float) -> str:
    return f"1 in {round(1 / alpha):,}" if alpha > 0 else "none of the"


def _offense_table(content: dict[str, Any]) -> str:
    sup = content["rules"]["suppressed_text"]
    rows = [
        f'<tr><th scope="row">{escape(o["name"])}</th><td class="n">{escape(_n(o["incidents"], sup))}</td></tr>'
        for o in content["offenses"]
    ]
    total = content["total"]["incidents"]
    return (
        '<table class="data"><caption>Incidents by offense group</caption>'
        '<thead><tr><th scope="col">Offense group</th><th scope="col" class="num">Incidents</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody>"
        f'<tfoot><tr><th scope="row">All offense groups covered</th><td class="n">{escape(_total(total))}</td></tr></tfoot></table>'
    )


def _month_table(content: dict[str, Any]) -> str:
    sup = content["rules"]["suppressed_text"]
    rows = [
        f'<tr><th scope="row">{escape(m["label"])}</th><td class="n">{escape(_n(m["incidents"], sup))}</td></tr>'
        for m in content["months"]
    ]
    return (
        f"<details><summary>Incidents per month as a table ({len(rows)} rows)</summary>"
        '<table class="data"><caption>Incidents per month</caption>'
        '<thead><tr><th scope="col">Month</th><th scope="col" class="num">Incidents</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></details>"
    )


def _area_table(content: dict[str, Any]) -> str:
    sup = content["rules"]["suppressed_text"]
    feats = [f["properties"] for f in content["areas"]["features"]]
    feats = sorted(feats, key=lambda p: (p["incidents"] is None, -(p["incidents"] or 0), p["name"]))
    has_grid = content.get("grid") is not None
    rows = []
    for p in feats:
        density = "" if p["per_km2"] is None else palettes.plain_number(p["per_km2"])
        hot = f'<td class="num">{p["hot_cells"]}</td>' if has_grid else ""
        rows.append(
            f'<tr><th scope="row">{escape(p["name"])}</th><td class="n">{escape(p.get("hidden") or _n(p["incidents"], sup))}</td><td class="num">{density}</td>{hot}</tr>'
        )
    other = content.get("areas_other")
    if other is not None:
        rows.append(
            f'<tr><th scope="row">{escape(other["name"])}</th><td class="n">{escape(_n(other["incidents"], sup))}</td><td class="num"></td>{"<td></td>" if has_grid else ""}</tr>'
        )
    hot_head = '<th scope="col" class="num">Hot spot squares</th>' if has_grid else ""
    return (
        f"<details><summary>Incidents by neighbourhood as a table ({len(feats)} rows, busiest first)</summary>"
        '<table class="data"><caption>Incidents by neighbourhood</caption>'
        f'<thead><tr><th scope="col">Neighbourhood</th><th scope="col" class="num">Incidents</th><th scope="col" class="num">Per km²</th>{hot_head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></details>"
    )


def _cell_table(content: dict[str, Any]) -> str:
    sup = content["rules"]["suppressed_text"]
    grid = content["grid"]
    rows = []
    for f in grid["cells"]["features"]:
        p = f["properties"]
        rows.append(
            f'<tr><th scope="row">{p["rank"]}</th><td>{escape(p["neighbourhood"] or "—")}</td>'
            f'<td>{escape(p["label"])}</td><td class="n">{escape(_n(p["incidents"], sup))}</td></tr>'
        )
    total = grid["hot_total"]["incidents"]
    return (
        f"<details><summary>Hot spot squares as a table ({len(rows)} rows, strongest first)</summary>"
        f'<table class="data"><caption>Hot spot squares of {grid["cell_size_m"]:g} m</caption>'
        '<thead><tr><th scope="col">#</th><th scope="col">Neighbourhood</th><th scope="col">Confidence</th><th scope="col" class="num">Incidents</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody>"
        f'<tfoot><tr><th scope="row" colspan="3">All hot spot squares</th><td class="n">{escape(_total(total))}</td></tr></tfoot></table></details>'
    )


def _about(content: dict[str, Any], *, generated_on: str, version: str) -> str:
    notes = content["notes"]
    items = [f"<dt>Data source</dt><dd>{escape(notes['data_source'])}</dd>"]
    if notes.get("boundaries"):
        items.append(f"<dt>Boundaries</dt><dd>{escape(notes['boundaries'])}</dd>")
    items.append(f"<dt>Method</dt><dd>{escape(notes['method'])}</dd>")
    items.append(f"<dt>Privacy rules applied</dt><dd>{escape(notes['suppression'])}</dd>")
    if content.get("basemap"):
        items.append(f"<dt>Background map</dt><dd>{escape(content['basemap']['attribution'])}</dd>")
    return (
        '<section class="about"><h2>About this map</h2><dl>'
        + "".join(items)
        + f'</dl><p class="generated">{escape(generated_line(generated_on))} with hotspots {escape(version)}. '
        "This file is self-contained: it works offline and sends nothing anywhere.</p></section>"
    )


PAGE_CSS = """
:root{--ink:#1f2933;--muted:#52606d;--line:#d9dee3;--bg:#f7f8fa;--accent:#08519c}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
header.top{padding:18px 24px 10px;background:#fff;border-bottom:1px solid var(--line)}
h1{margin:0;font-size:26px;line-height:1.2}
h2{font-size:19px;margin:0 0 10px}
.sub{margin:4px 0 0;color:var(--muted)}
main{max-width:1280px;margin:0 auto;padding:16px 24px 32px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:16px 18px;margin:0 0 16px}
.mapsection{display:flex;gap:16px;padding:12px}
.mapwrap{flex:1 1 auto;min-width:0}
#map{height:600px;border-radius:4px;background:#eef1f4}
.panel{flex:0 0 300px;display:flex;flex-direction:column;gap:12px}
.keynumbers{display:flex;flex-direction:column;gap:8px}
.kn{font-size:14px;color:var(--muted)}
.kn .big{display:block;font-size:28px;font-weight:700;color:var(--ink);line-height:1.1}
.kn .small{display:block;font-size:13px}
fieldset.layers{border:1px solid var(--line);border-radius:4px;padding:6px 10px;margin:0}
fieldset.layers legend{font-size:13px;color:var(--muted);padding:0 4px}
fieldset.layers label{display:block;font-size:14px;cursor:pointer}
.lg-title{font-size:13px;margin:6px 0 4px;font-weight:600}
ul.lg{list-style:none;margin:0;padding:0;font-size:13px}
ul.lg li{display:flex;align-items:center;gap:8px;margin:2px 0}
.sw{display:inline-block;width:22px;height:14px;border:1px solid #6b7280;border-radius:2px}
.sw-sup{border-style:dashed}
.note{font-size:13px;margin:0;padding:8px 10px;border-radius:4px;background:#fff8e1;border:1px solid #f0d78c}
.explain p{max-width:900px;margin:0 0 8px}
.trend{max-width:900px;display:block}
table.data{border-collapse:collapse;margin:8px 0 14px;font-size:14px;min-width:420px}
table.data caption{text-align:left;font-weight:600;padding:4px 0}
table.data th,table.data td{border-bottom:1px solid var(--line);padding:3px 10px 3px 0;text-align:left}
table.data td.n,table.data td.num,table.data th.num{text-align:right;font-variant-numeric:tabular-nums}
table.data tfoot th,table.data tfoot td{font-weight:700;border-bottom:none}
details{margin:0 0 8px}
summary{cursor:pointer;color:var(--accent);font-weight:600}
.hint{color:var(--muted);font-size:13px;margin:0}
.about dl{margin:0}
.about dt{font-weight:600;margin-top:8px}
.about dd{margin:0 0 0 0;max-width:900px}
.generated{color:var(--muted);font-size:13px;margin:12px 0 0}
.leaflet-tooltip.tip{font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.tip strong{display:block}
@media (max-width:900px){.mapsection{flex-direction:column}.panel{flex:none}#map{height:460px}}
@media (max-width:520px){table.data{min-width:0;width:100%;table-layout:fixed;font-size:13px}table.data th,table.data td{padding:3px 6px 3px 0;overflow-wrap:anywhere}.mapsection{padding:8px}}
@media print{body{background:#fff}section{border:none}#map{height:520px}details{display:block}}
""".strip()


APP_JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("snapshot-data").textContent);
  var el = document.getElementById("map");
  var map = L.map(el, { zoomSnap: 0.25, preferCanvas: false, scrollWheelZoom: false });
  map.attributionControl.setPrefix(false);
  if (data.basemap) {
    var tiles = L.tileLayer(data.basemap.url, { maxZoom: 18 });
    tiles.getAttribution = function () { return ""; };
    tiles.addTo(map);
    var credit = document.createElement("span");
    credit.textContent = data.basemap.attribution;
    map.attributionControl.addAttribution(credit.outerHTML);
  }
  function tip(lines) {
    var box = document.createElement("div");
    lines.forEach(function (line, i) {
      var node = document.createElement(i === 0 ? "strong" : "span");
      node.textContent = line;
      box.appendChild(node);
      if (i > 0) { box.appendChild(document.createElement("br")); }
    });
    return box;
  }
  function n(value) {
    return value === null ? data.rules.suppressed_text : value.toLocaleString("en");
  }
  var areaLayer = null, cellLayer = null, bounds = null;
  if (data.areas) {
    areaLayer = L.geoJSON(data.areas, {
      style: function (f) {
        var hidden = f.properties.incidents === null;
        return { color: "#4b5563", weight: 0.8, opacity: 0.9, fillColor: f.properties.colour,
                 fillOpacity: 0.78, dashArray: hidden ? "3 3" : null };
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        var lines = [p.name, p.hidden ? p.hidden : n(p.incidents) + " incidents"];
        if (p.per_km2 !== null) { lines.push(p.per_km2.toLocaleString("en") + " per km²"); }
        if (data.grid) { lines.push(p.hot_cells + " hot spot square" + (p.hot_cells === 1 ? "" : "s")); }
        layer.bindTooltip(tip(lines), { sticky: true, className: "tip" });
      }
    }).addTo(map);
    bounds = areaLayer.getBounds();
  }
  if (data.grid) {
    cellLayer = L.geoJSON(data.grid.cells, {
      style: function (f) {
        return { color: data.grid.outline, weight: 1, opacity: 1, fillColor: f.properties.colour, fillOpacity: 0.9 };
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        var lines = [p.label];
        if (p.neighbourhood) { lines.push(p.neighbourhood); }
        lines.push(n(p.incidents) + " incidents in this square");
        layer.bindTooltip(tip(lines), { sticky: true, className: "tip" });
      }
    }).addTo(map);
    if (!bounds && data.grid.cells.features.length) { bounds = cellLayer.getBounds(); }
  }
  if (bounds && bounds.isValid()) { map.fitBounds(bounds, { padding: [8, 8] }); } else { map.setView([0, 0], 2); }
  L.control.scale({ imperial: false }).addTo(map);
  var ta = document.getElementById("toggle-areas");
  if (ta && areaLayer) {
    ta.addEventListener("change", function () {
      areaLayer.setStyle(function (f) { return { fillOpacity: ta.checked ? 0.78 : 0 }; });
    });
  }
  var tc = document.getElementById("toggle-cells");
  if (tc && cellLayer) {
    tc.addEventListener("change", function () {
      if (tc.checked) { cellLayer.addTo(map); } else { map.removeLayer(cellLayer); }
    });
  }
  map.whenReady(function () {
    window.snapshotReadyMs = performance.now();
    document.body.setAttribute("data-map-ready", "true");
    document.dispatchEvent(new Event("snapshot:ready"));
  });
})();
""".strip()
