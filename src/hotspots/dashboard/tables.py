"""Tables as the pages show them: readable column names and formats, nothing computed.

Each function renames and orders the columns of a library result for ``st.dataframe``
and returns the matching ``column_config`` (formats, help texts).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from hotspots.stats.trends import PeriodChange


def hotspots(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The ranked hot spot cells (``Analysis.hotspots``) for display."""
    frame = pd.DataFrame(
        {
            "Rank": table["rank"],
            "Cell": table["cell_id"],
            "Neighbourhood": table["neighbourhood"],
            "Incidents": table["count"],
            "Per km²": table["density_km2"],
            "Gi* z": table["gi_z"],
            "FDR p": table["gi_p_fdr"],
            "Confidence": table["confidence"],
            "Main offense": table["top_offense"],
            "Main offense share": table["top_offense_share"],
            "Longitude": table["lon"],
            "Latitude": table["lat"],
        }
    )
    config = {
        "Rank": st.column_config.NumberColumn(width="small"),
        "Incidents": st.column_config.NumberColumn(format="localized"),
        "Per km²": st.column_config.NumberColumn(format="%.0f"),
        "Gi* z": st.column_config.NumberColumn(
            format="%.2f",
            help="Getis-Ord Gi* z-score: how far the cell and its neighbours are above the average.",
        ),
        "FDR p": st.column_config.NumberColumn(
            format="%.2e", help="p-value adjusted for testing every cell (Benjamini–Hochberg)."
        ),
        "Main offense share": st.column_config.ProgressColumn(
            min_value=0.0, max_value=1.0, format="percent"
        ),
        "Longitude": st.column_config.NumberColumn(format="%.5f"),
        "Latitude": st.column_config.NumberColumn(format="%.5f"),
    }
    return frame, config


def areas(
    table: pd.DataFrame, change: PeriodChange | None, *, with_population: bool
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-area counts, change against the previous period and rates (``Analysis.areas``)."""
    frame = pd.DataFrame(
        {
            "Neighbourhood": table["name"].astype(str).to_numpy(),
            "Incidents": table["count"].to_numpy(),
            "Per km²": table["density_km2"].to_numpy(),
        }
    )
    if change is not None and change.previous_covered:
        joined = change.table.set_index("unit").reindex(frame["Neighbourhood"])
        frame["Previous period"] = joined["previous_count"].to_numpy()
        frame["Change"] = joined["change"].to_numpy()
        frame["Change %"] = [
            _percent(pct, before, now)
            for pct, before, now in zip(
                joined["change_pct"], joined["previous_count"], joined["count"], strict=True
            )
        ]
    if with_population:
        frame["Population"] = table["population"].to_numpy()
        frame["Per 1,000 residents"] = table["rate_per_1000"].to_numpy()
    frame["Gi*"] = table["gi_label"].astype(str).to_numpy()
    if "lisa_cluster" in table.columns:
        frame["LISA"] = table["lisa_cluster"].astype(str).to_numpy()
    config = {
        "Incidents": st.column_config.NumberColumn(format="localized"),
        "Per km²": st.column_config.NumberColumn(format="%.0f"),
        "Previous period": st.column_config.NumberColumn(
            format="localized", help=change.describe() if change else None
        ),
        "Change": st.column_config.NumberColumn(format="%+d"),
        "Change %": st.column_config.TextColumn(
            help="“new”: none in the previous period; “–”: none in either period."
        ),
        "Population": st.column_config.NumberColumn(format="localized"),
        "Per 1,000 residents": st.column_config.NumberColumn(format="%.1f"),
    }
    return frame.sort_values("Incidents", ascending=False, kind="stable").reset_index(
        drop=True
    ), config


def _percent(pct: float, before: int, now: int) -> str:
    if before == 0:
        return "new" if now > 0 else "–"
    return f"{pct:+.0f}%".replace("-", "−")


def rejects(table: pd.DataFrame, *, limit: int = 500) -> pd.DataFrame:
    """The first ``limit`` rejected rows (the full report is a download)."""
    return table.head(limit)
