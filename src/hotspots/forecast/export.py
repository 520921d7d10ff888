"""Writing a forecast: ranked cells, the backtest and what was chosen and why.

Files written by :func:`write_forecast` into ``out_dir``:

- ``forecast.geojson`` / ``forecast.parquet`` — one row per cell, best first: ``cell_id``,
  ``rank`` (1 = highest expected count), ``expected``, ``method``, the cell polygon
  (EPSG:4326 / the metric CRS);
- ``backtest.csv`` — method × origin × area share (× cell size): hit_rate, pai, pei, rri;
- ``forecast.json`` — parameters, the chosen method and why, the leaderboard, versions.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hotspots.export import VERSIONED_PACKAGES, _json_default, _write_layer, package_versions
from hotspots.forecast.verbs import Forecast


def write_forecast(result: Forecast, out_dir: str | Path) -> dict[str, Path]:
    """Write the files listed in the module docstring; return their paths by name."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        key.replace("forecast_", ""): path
        for key, path in _write_layer(result.cells, out, "forecast").items()
    }
    if result.backtest is not None:
        paths["backtest"] = out / "backtest.csv"
        result.backtest.table.to_csv(paths["backtest"], index=False)
    paths["summary"] = out / "forecast.json"
    paths["summary"].write_text(
        json.dumps(forecast_summary(result), indent=2, default=_json_default) + "\n",
        encoding="utf-8",
    )
    return paths


def forecast_summary(result: Forecast) -> dict[str, Any]:
    """Parameters, the choice, the leaderboard and versions of one forecast, ready for JSON."""
    summary: dict[str, Any] = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": result.params,
    }
    if result.backtest is not None:
        summary["leaderboard"] = result.backtest.leaderboard.to_dict(orient="records")
    summary["versions"] = package_versions((*VERSIONED_PACKAGES, "scikit-learn"))
    return summary
