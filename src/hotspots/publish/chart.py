"""The small trend chart of a snapshot: monthly published counts as inline SVG.

No JavaScript library and no randomness: the same numbers give the same bytes. Bars of
suppressed months are not drawn; a small "fewer than k" mark sits on the axis instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

from hotspots.maps import palettes

WIDTH = 760
HEIGHT = 230
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 12, 14, 42


def nice_ticks(top: float, n: int = 4) -> list[float]:
    """Round axis ticks from 0 to at least ``top`` (1, 2, 2.5 or 5 × 10^k steps)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / n
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 6) for i in range(count + 1)]


def trend_svg(months: Sequence[dict[str, Any]], *, suppressed_text: str, title: str) -> str:
    """An accessible SVG bar chart of ``months`` (dicts with ``label`` and ``incidents``).

    Parameters
    ----------
    months : sequence of dict
        Published monthly values, ``incidents`` None when suppressed.
    suppressed_text : str
        How a suppressed value is written ("fewer than 5").
    title : str
        Accessible title of the chart.
    """
    values = [m["incidents"] for m in months]
    shown = [v for v in values if v is not None]
    ticks = nice_ticks(max(shown) if shown else 0)
    top = ticks[-1]
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    n = max(len(months), 1)
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.72)
    base_y = _TOP + plot_h

    def y_of(v: float) -> float:
        return base_y - (v / top) * plot_h if top else base_y

    desc = _description(months, suppressed_text)
    parts = [
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-labelledby="trend-title trend-desc" '
        'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="11">',
        f'<title id="trend-title">{escape(title)}</title>',
        f'<desc id="trend-desc">{escape(desc)}</desc>',
    ]
    for t in ticks:
        y = y_of(t)
        parts.append(
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{_fmt(t)}</text>'
        )
    label_every = max(1, math.ceil(n / 12))
    for i, m in enumerate(months):
        x = _LEFT + i * slot + (slot - bar_w) / 2
        v = m["incidents"]
        if v is None:
            parts.append(
                f"<g><title>{escape(m['label'])}: {escape(suppressed_text)}</title>"
                f'<rect x="{x:.1f}" y="{base_y - 3:.1f}" width="{bar_w:.1f}" height="3" fill="{palettes.SUPPRESSED}"/></g>'
            )
        else:
            y = y_of(v)
            parts.append(
                f"<g><title>{escape(m['label'])}: {v:,} incidents</title>"
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{base_y - y:.1f}" fill="{palettes.BAR}"/></g>'
            )
        if i % label_every == 0:
            label = escape(m["label"].split(" ")[0] if n <= 12 else m["label"])
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{base_y + 16:.1f}" text-anchor="middle" fill="#555">{label}</text>'
            )
    if n <= 12 and months:
        years = sorted({m["label"].split(" ")[-1] for m in months})
        parts.append(
            f'<text x="{_LEFT + plot_w / 2:.1f}" y="{base_y + 33:.1f}" text-anchor="middle" fill="#333">{escape(" – ".join(years))}</text>'
        )
    parts.append(
        f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{base_y:.1f}" y2="{base_y:.1f}" stroke="#888" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _description(months: Sequence[dict[str, Any]], suppressed_text: str) -> str:
    shown = [(m["label"], m["incidents"]) for m in months if m["incidents"] is not None]
    if not shown:
        return f"Every month has {suppressed_text} incidents."
    high = max(shown, key=lambda t: t[1])
    low = min(shown, key=lambda t: t[1])
    hidden = sum(1 for m in months if m["incidents"] is None)
    text = f"Monthly incidents from {months[0]['label']} to {months[-1]['label']}: highest in {high[0]} (about {high[1]:,}), lowest in {low[0]} (about {low[1]:,})."
    if hidden:
        text += f" {hidden} month(s) had {suppressed_text} incidents."
    return text


def _fmt(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"
