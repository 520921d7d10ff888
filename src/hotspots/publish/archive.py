"""A partner archive: every published snapshot in one folder, with an offline ``index.html``.

``hotspots publish --archive DIR`` (or :func:`add_to_archive`) copies a snapshot's three
files into ``DIR/<period>-<selection>/`` and rebuilds ``DIR/index.html`` from the
snapshots in the folder. The index is one self-contained page (no request when opened,
no script or image from elsewhere) with:

- every snapshot: title, period, offense groups, a thumbnail (the PNG, shrunk and
  inlined) and a link to its page;
- a month-over-month comparison of the two latest monthly snapshots of each selection,
  per neighbourhood, built **only from published values** (read back from each page's
  embedded data; a hidden value stays hidden and its change is not shown);
- a "find my neighbourhood" box that filters the comparison and lists the
  neighbourhood's published number in every snapshot.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotspots.errors import InputError, given, literal
from hotspots.publish.render import script_json

if TYPE_CHECKING:
    from hotspots.publish import Snapshot

log = logging.getLogger(__name__)

INDEX = "index.html"
THUMBNAIL_WIDTH_PX = 360
_DATA = re.compile(r'<script type="application/json" id="snapshot-data">(.*?)</script>', re.DOTALL)


def archive_folder_name(start: str, end: str, groups: list[str], all_groups: bool) -> str:
    """``2021-03-all``, ``2021-Q1-robbery``, ``2021-all``: one folder per period and selection."""
    period = start if start == end else _period_slug(start, end)
    what = "all" if all_groups else re.sub(r"[^a-z0-9]+", "-", groups[0].casefold()).strip("-")
    return f"{period}-{what}"


def add_to_archive(directory: str | Path, snapshot: Snapshot) -> Path:
    """Write ``snapshot``'s files into the archive and rebuild its index; return the index path."""
    root = Path(directory)
    meta = snapshot.metadata
    release = snapshot.release
    name = archive_folder_name(
        meta["period"]["start"],
        meta["period"]["end"],
        list(release.groups),
        bool(meta.get("all_groups", len(release.groups) > 1)),
    )
    folder = root / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            "{0} cannot be written "
            + literal(f"({exc.strerror}); ")
            + "choose a folder you can write to.",
            options=(given("archive", str(root)),),
        ) from exc
    for file_name, content in snapshot.files.items():
        (folder / file_name).write_bytes(content)
    return build_index(root)


def build_index(directory: str | Path) -> Path:
    """Rebuild ``index.html`` of an archive from the snapshots in its sub-folders."""
    root = Path(directory)
    entries = []
    for page in sorted(root.glob("*/snapshot.html")):
        content = _published_content(page)
        if content is None:
            log.warning("Skipping %s: no embedded snapshot data", page)
            continue
        png = page.with_name("snapshot.png")
        entries.append(
            {
                "folder": page.parent.name,
                "title": content["title"],
                "period": content["period"],
                "groups": content["offense_groups"],
                "total": content["total"]["incidents"],
                "areas": _area_values(content),
                "suppressed_text": content["rules"]["suppressed_text"],
                "thumbnail": _thumbnail(png) if png.exists() else None,
            }
        )
    # Newest period first; then by folder name (data-independent).
    entries.sort(
        key=lambda e: (e["period"]["end"], e["period"]["start"], e["folder"]), reverse=True
    )
    path = root / INDEX
    path.write_text(render_index(entries), encoding="utf-8")
    log.info("Archive index %s lists %d snapshot(s)", path, len(entries))
    return path


def month_over_month(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each selection, the two latest monthly snapshots compared per neighbourhood
    (published values only; None where either is hidden)."""
    out = []
    by_selection: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for e in entries:
        if e["period"]["start"] == e["period"]["end"] and e["areas"]:
            by_selection.setdefault(tuple(e["groups"]), []).append(e)
    for groups, monthly in sorted(by_selection.items()):
        monthly.sort(key=lambda e: e["period"]["start"])
        if len(monthly) < 2:
            continue
        before, after = monthly[-2], monthly[-1]
        names = sorted(set(before["areas"]) | set(after["areas"]))
        rows = []
        for name in names:
            a, b = before["areas"].get(name), after["areas"].get(name)
            rows.append(
                {
                    "name": name,
                    "before": a,
                    "after": b,
                    "change": None if a is None or b is None else b - a,
                }
            )
        out.append(
            {
                "groups": list(groups),
                "before": before["period"]["label"],
                "after": after["period"]["label"],
                "rows": rows,
            }
        )
    return out


def render_index(entries: list[dict[str, Any]]) -> str:
    """The archive's index page (self-contained)."""
    comparisons = month_over_month(entries)
    cards = []
    for e in entries:
        thumb = (
            f'<img class="thumb" alt="Map of {escape(e["title"])}, {escape(e["period"]["label"])}" src="{e["thumbnail"]}">'
            if e["thumbnail"]
            else ""
        )
        total = "fewer than k" if e["total"] is None else f"about {e['total']:,}"
        cards.append(
            f'<li class="card" data-period="{escape(e["period"]["start"])}">'
            f'<a href="{escape(e["folder"])}/snapshot.html">{thumb}'
            f'<span class="t">{escape(e["title"])}</span></a>'
            f'<span class="p">{escape(e["period"]["label"])}</span>'
            f'<span class="g">{escape(", ".join(e["groups"]))}</span>'
            f'<span class="n">{escape(total)} incidents</span></li>'
        )
    tables = []
    for c in comparisons:
        rows = "".join(
            f'<tr data-name="{escape(r["name"].casefold())}"><th scope="row">{escape(r["name"])}</th>'
            f'<td class="num">{_cell(r["before"])}</td><td class="num">{_cell(r["after"])}</td>'
            f'<td class="num">{_change(r["change"])}</td></tr>'
            for r in c["rows"]
        )
        tables.append(
            f'<table class="mom"><caption>{escape(", ".join(c["groups"]))}: {escape(c["before"])} → {escape(c["after"])}</caption>'
            f'<thead><tr><th scope="col">Neighbourhood</th><th scope="col">{escape(c["before"])}</th>'
            f'<th scope="col">{escape(c["after"])}</th><th scope="col">Change</th></tr></thead><tbody>{rows}</tbody></table>'
        )
    lookup = {
        "snapshots": [
            {
                "folder": e["folder"],
                "label": e["period"]["label"],
                "groups": ", ".join(e["groups"]),
                "areas": e["areas"],
                "suppressed_text": e["suppressed_text"],
            }
            for e in entries
        ]
    }
    comparison = (
        "".join(tables)
        if tables
        else "<p>A comparison appears once the archive holds two monthly snapshots of the same offenses.</p>"
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>Published crime map snapshots ({len(entries)})</title><style>{_CSS}</style></head><body>"
        "<header><h1>Published crime map snapshots</h1><p>Every number on these maps is adjusted slightly to protect "
        "people; the same incidents always give the same number. Changes below are differences of published numbers, "
        "so small changes may be noise.</p></header><main>"
        '<section class="find"><h2><label for="find">Find my neighbourhood</label></h2>'
        '<input id="find" type="search" placeholder="Type a neighbourhood name" autocomplete="off">'
        '<div id="found" aria-live="polite"></div></section>'
        f"<section><h2>Month over month</h2>{comparison}</section>"
        f'<section><h2>All snapshots ({len(entries)})</h2><ul class="cards" id="cards">{"".join(cards)}</ul></section>'
        f'</main><script type="application/json" id="archive-data">{script_json(lookup)}</script>'
        f"<script>{_JS}</script></body></html>\n"
    )


def _published_content(page: Path) -> dict[str, Any] | None:
    match = _DATA.search(page.read_text(encoding="utf-8"))
    if match is None:
        return None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def _area_values(content: dict[str, Any]) -> dict[str, int | None]:
    areas = content.get("areas") or {}
    return {
        str(f["properties"]["name"]): f["properties"]["incidents"]
        for f in areas.get("features", [])
    }


def _thumbnail(png: Path) -> str:
    from PIL import Image

    with Image.open(png) as image:
        height = round(image.height * THUMBNAIL_WIDTH_PX / image.width)
        small = image.convert("RGB").resize((THUMBNAIL_WIDTH_PX, height))
        buffer = io.BytesIO()
        small.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _period_slug(start: str, end: str) -> str:
    y0, m0 = (int(p) for p in start.split("-"))
    y1, m1 = (int(p) for p in end.split("-"))
    if y0 == y1 and m0 == 1 and m1 == 12:
        return f"{y0}"
    if y0 == y1 and m1 - m0 == 2 and m0 in (1, 4, 7, 10):
        return f"{y0}-Q{(m0 + 2) // 3}"
    return f"{start}..{end}"


def _cell(value: int | None) -> str:
    return "hidden" if value is None else f"{value:,}"


def _change(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value:+,}" if value else "0"


_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1f2937;background:#f8fafc}
header,main{max-width:1100px;margin:0 auto;padding:12px 20px}
.cards{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:14px}
.card{background:#fff;border:1px solid #d1d5db;border-radius:6px;padding:10px;display:flex;flex-direction:column;gap:2px}
.card a{color:#1d4ed8;text-decoration:none;font-weight:600}.thumb{width:100%;display:block;margin-bottom:6px}
.p,.g,.n{font-size:13px;color:#4b5563}
table.mom{border-collapse:collapse;margin:8px 0 18px;background:#fff}
table.mom th,table.mom td{border:1px solid #d1d5db;padding:3px 8px}.num{text-align:right}
caption{text-align:left;font-weight:600;padding:4px 0}
#find{font-size:16px;padding:6px 8px;width:min(420px,90%)}#found li{margin:2px 0}
tr.off{display:none}
"""

_JS = """
(function () {
  var data = JSON.parse(document.getElementById("archive-data").textContent);
  var box = document.getElementById("find");
  var found = document.getElementById("found");
  function show() {
    var q = box.value.trim().toLowerCase();
    document.querySelectorAll("table.mom tbody tr").forEach(function (tr) {
      tr.classList.toggle("off", q !== "" && tr.dataset.name.indexOf(q) < 0);
    });
    found.textContent = "";
    if (q === "") { return; }
    var names = {};
    data.snapshots.forEach(function (s) {
      Object.keys(s.areas).forEach(function (n) { if (n.toLowerCase().indexOf(q) >= 0) { names[n] = true; } });
    });
    var list = Object.keys(names).sort();
    if (list.length === 0) { found.textContent = "No neighbourhood matches."; return; }
    list.slice(0, 5).forEach(function (name) {
      var h = document.createElement("h3");
      h.textContent = name;
      found.appendChild(h);
      var ul = document.createElement("ul");
      data.snapshots.forEach(function (s) {
        if (!(name in s.areas)) { return; }
        var v = s.areas[name];
        var li = document.createElement("li");
        li.textContent = s.label + " (" + s.groups + "): " +
          (v === null ? s.suppressed_text + " or not shown" : "about " + v.toLocaleString("en")) + " incidents";
        ul.appendChild(li);
      });
      found.appendChild(ul);
    });
  }
  box.addEventListener("input", show);
  document.body.dataset.ready = "true";
})();
"""
