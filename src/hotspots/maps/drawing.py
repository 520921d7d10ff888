"""Small pieces of static (matplotlib) maps shared by the printable pages."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def scale_bar(ax: Axes, xmin: float, ymin: float, xmax: float, ymax: float) -> None:
    """A 1-2-5 scale bar in the lower left of a map in metres (about a fifth of its width)."""
    target = (xmax - xmin) / 5.0
    magnitude = 10 ** math.floor(math.log10(target))
    length = max(m * magnitude for m in (1, 2, 5) if m * magnitude <= target)
    x0 = xmin + 0.04 * (xmax - xmin)
    y0 = ymin + 0.04 * (ymax - ymin)
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=2, zorder=7)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(
        x0 + length / 2,
        y0 + 0.015 * (ymax - ymin),
        label,
        ha="center",
        va="bottom",
        fontsize=7,
        zorder=7,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
    )
