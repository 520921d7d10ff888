"""Small UI pieces several pages share: the page context, empty states, the unit profile.

These draw with Streamlit but compute nothing: numbers come from the cached wrappers in
:mod:`.cached` (which call the library).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st
from PIL import Image

from hotspots.dashboard import first_paint
from hotspots.dashboard.datasets import Dataset
from hotspots.dashboard.selection import (
    Selection,
    current_selection,
    get_dataset,
    set_clicked_unit,
)
from hotspots.errors import HotspotsError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from hotspots.stats.profiles import Profile

_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]<>#|$~")

logger = logging.getLogger(__name__)


@contextmanager
def page_guard(where: str) -> Iterator[None]:
    """Show a friendly message in place of any exception raised inside; the trace goes to the log.

    A user mistake (:class:`~hotspots.errors.HotspotsError`) is shown as it is: its message
    says what to change. Anything else is a bug: the user reads what to try and a
    reference, the server log has the traceback under the same reference. The clicked
    unit is forgotten, so the next run does not trip over the same click again. Streamlit's
    own control flow (``st.stop``, ``st.rerun``) is not an ``Exception`` and passes through.

    Parameters
    ----------
    where : str
        What was being drawn ("the sidebar", "the Map page"), for the message and the log.
    """
    try:
        yield
    except HotspotsError as exc:
        logger.info("%s stopped on a user error: %s", where, exc)
        st.error(exc.render("app"), icon=":material/error:")
    except Exception:
        reference = uuid.uuid4().hex[:8]
        logger.exception("%s failed (reference %s)", where, reference)
        set_clicked_unit(None)
        st.error(
            f"Something went wrong while drawing {where}, so it stopped here. Your filters are "
            "kept: change a filter, pick other units or press **Reset filters** to carry on. "
            f"If it happens again, tell the maintainers the reference **{reference}** "
            "(the details are in the server log).",
            icon=":material/error:",
        )


def app_icon() -> Image.Image:
    """The app's favicon: a small red hot spot, drawn here so the browser fetches nothing."""
    size = 64
    y, x = np.mgrid[0:size, 0:size]
    r = np.hypot(x - size / 2 + 0.5, y - size / 2 + 0.5) / (size / 2)
    hot = np.array([178, 24, 43], dtype=np.float64)
    warm = np.array([253, 219, 199], dtype=np.float64)
    t = np.clip(r, 0, 1)[..., None]
    image = hot * (1 - t) + warm * t
    image[r > 1] = 255.0
    return Image.fromarray(image.astype(np.uint8), mode="RGB")


def page_context() -> tuple[Selection, Dataset]:
    """The current selection and data set; shows a message and stops the page without data."""
    selection = current_selection()
    try:
        dataset = get_dataset(selection.dataset_key)
    except HotspotsError as exc:
        first_paint.complete_now()
        st.error(exc.render("app"))
        st.page_link(
            "views/data.py",
            label="Upload incidents on the Data page",
            icon=":material/upload_file:",
        )
        st.stop()
    return selection, dataset


def empty_state(selection: Selection) -> None:
    """A friendly note when the filters leave no incident (then stops the page)."""
    first_paint.complete_now()  # no map to wait for: the sidebar's Reset filters comes now
    st.info(
        f"No incident matches these filters ({selection.filters.describe()}). "
        "Widen the date range, pick more offenses, hours or days, or press **Reset filters** in the sidebar.",
        icon=":material/filter_alt_off:",
    )
    st.stop()


def render_notes(notes: Sequence[str]) -> None:
    """The caveats an analysis raised (``params["notes"]``), as one warning; nothing if none.

    E.g. counts too sparse for Gi*'s normal p-values: some hot spots may then be chance,
    and the note says what to change (larger cells, a longer period).
    """
    if not notes:
        return
    lines = [_markdown_text(note) for note in notes]
    header = "**Read these results with care.**"
    if len(lines) == 1:
        text = f"{header} {lines[0]}"
    else:
        text = header + "\n\n" + "\n".join(f"- {line}" for line in lines)
    st.warning(text, icon=":material/warning:")


def _markdown_text(text: str) -> str:
    """``text`` with the characters Streamlit's Markdown would interpret escaped (``Gi*``, ``$``)."""
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in text)


def incidents_text(n: int) -> str:
    """``1 incident``, ``2,345 incidents``."""
    return f"{n:,} incident" + ("" if n == 1 else "s")


def mostly_text(offense: str | None, *, offenses: int) -> str:
    """``", mostly Assault"``; nothing when there is only one offense to speak of."""
    return f", mostly {offense}" if offense and offenses > 1 else ""


def hours_text(hours: tuple[int, ...]) -> str:
    """``(17, 18, 16)`` -> ``"17:00, 18:00, 16:00"``."""
    return ", ".join(f"{h:02d}:00" for h in hours) if hours else "–"


def render_incident_list(incidents: pd.DataFrame, *, total: int, key: str) -> None:
    """The record-level incident list (analysts only) with its warning: never share or publish it.

    ``incidents`` as :func:`hotspots.stats.profiles.incident_records` gives them (perhaps
    only the newest); ``total`` is how many incidents there are in all.
    """
    shown = (
        f"The {len(incidents):,} newest of {total:,} are listed; narrow the filters or the "
        "area to reach older ones. "
        if len(incidents) < total
        else ""
    )
    st.caption(
        f"{shown}Record level: for checking and follow-up inside the service. Never share or "
        "publish it; published snapshots are aggregated."
    )
    st.dataframe(
        incidents,
        hide_index=True,
        height=240,
        key=key,
        column_config={
            "occurred_at": "When",
            "offense": "Offense",
            "premises": "Premises",
            "source_row": st.column_config.NumberColumn("Source row", format="%d"),
        },
    )


def render_profile(profile: Profile, *, title: str) -> None:
    """What happens in one unit: key figures, offense mix, monthly trend, busiest hours and days."""
    # Altair takes 0.3-0.8 s to import: only once a profile is drawn, not on the first view
    # of the map.
    from hotspots.dashboard import charts

    st.markdown(f"#### {title}")
    stats = profile.statistics
    a, b = st.columns(2)
    a.metric("Incidents", f"{profile.count:,}")
    z = stats.get("gi_z")
    if profile.kind != "incidents":  # a drawn area is no unit of the analysis: no Gi*
        b.metric(
            "Gi* z",
            "–" if z is None else f"{z:.2f}",
            help="Above about 1.96: more incidents in and around it than chance would give.",
        )
    label = stats.get("gi_label")
    if label:
        p = stats.get("gi_p_fdr")
        p_text = "" if p is None else (" (FDR p < 0.001)" if p < 0.001 else f" (FDR p = {p:.3f})")
        lisa = stats.get("lisa_cluster")
        lisa_text = f" · LISA: {lisa}" if lisa and lisa != "Not significant" else ""
        st.caption(f"{label}{p_text}{lisa_text}")
    if profile.count == 0:
        st.info("No incident here under the current filters.")
        return
    first_last = f"{profile.first} to {profile.last}" if profile.first else ""
    single = len(profile.offense_mix) == 1
    parts = [f"All **{profile.top_offense}**" if single else f"Mostly **{profile.top_offense}**"]
    if profile.busiest_hours:
        parts.append(f"busiest around **{hours_text(profile.busiest_hours[:2])}**")
    if profile.busiest_weekday:
        parts.append(f"on **{profile.busiest_weekday}s**")
    st.markdown(", ".join(parts) + f". {first_last}")
    suspect = [h for h in profile.busiest_hours[:2] if h in profile.placeholder_hours]
    if suspect:
        st.caption(
            f":material/warning: {hours_text(tuple(suspect))} may be a placeholder time: many "
            "records carry exactly this time, often when the real time is unknown."
        )
    if single:  # one bar says nothing a sentence cannot
        st.caption(f"Offense: {profile.top_offense} ({incidents_text(profile.count)}).")
    else:
        st.altair_chart(charts.offense_mix(profile.offense_mix), width="stretch")
    st.altair_chart(charts.monthly(profile.monthly), width="stretch")
    if profile.hourly is not None:
        st.altair_chart(charts.hours(profile.hourly, profile.busiest_hours), width="stretch")
    else:
        st.altair_chart(charts.weekdays(profile.weekday), width="stretch")
