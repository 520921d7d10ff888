"""A new visitor's Map page: the map first, then everything else once the map is drawn.

In a new browser, Streamlit's front end builds every element of a page on the browser's
one main thread, and the map's own scripts run on that thread too. With the sidebar's
widgets and the panels around the map drawn in the same run, the map waited for all of
them: from navigation to hot spot cells drawn in a new browser 1.80 s, against 1.40 s when
only what sits above the map and the map itself come first (``bench/app_side_by_side.py``,
side by side; the whole page, side by side too, 1.88 s before and 1.89 s now).

So the first run of a session that opens on the Map page is a *first paint*
(:func:`begin`): the page draws its title, figures and controls above the map and the map,
and leaves out the sidebar's widgets (the selection is read from the session, as the
widgets read it: :func:`hotspots.dashboard.sidebar.render_sidebar`), the panel beside the
map and everything below it. The map reports when its cells are on screen (its base map's
script, when :data:`MARK` is among its returned objects: :func:`reporting`), and that
report reruns the app, which draws the whole page. Nothing above the map changes
between the two runs, so the map keeps its place. Should the report never come (a map
script that failed), :func:`complete_later` completes the page after :data:`FALLBACK_S`; a
first paint that draws no map (no incident matches a link's filters) completes at once
(:func:`complete_now`). Every later run of the session draws the whole page at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from hotspots.dashboard.settings import FIRST_PAINT_MARK as MARK

#: Seconds after which a first paint is completed even if the map never reported.
FALLBACK_S = 4.0
_SEEN_KEY = "hs.first_paint.seen"
_NOW_KEY = "hs.first_paint.now"
_PLACED_KEY = "hs.first_paint.fallback"


def begin(*, map_page: bool) -> bool:
    """Whether this run is the session's first paint (its first run, on the Map page).

    Call it once per run, before anything is drawn; :func:`active` then answers the same
    for the rest of the run.
    """
    first = map_page and not st.session_state.get(_SEEN_KEY)
    st.session_state[_SEEN_KEY] = True
    st.session_state[_NOW_KEY] = first
    return first


def active() -> bool:
    """Whether the running script is a first paint (see :func:`begin`)."""
    return bool(st.session_state.get(_NOW_KEY))


def reporting(names: Sequence[str]) -> list[str]:
    """A map's returned objects with :data:`MARK`: the map reruns the app once drawn.

    The Map page's map always asks for it, not only in a first paint: its arguments are then
    the same in the run that completes the page, and Streamlit sends the browser a reference
    to the 1.4 MB map message it already has instead of the message again. A map built
    later in the session (back from another page, another data set or basemap) reruns the
    app once more; that run changes nothing.
    """
    return [*names, MARK]


def complete_now() -> None:
    """In a first paint that will draw no map (no data, no incident): draw the whole page
    now (reruns the app; nothing when this run draws the whole page anyway)."""
    if active():
        st.rerun(scope="app")


def complete_later() -> None:
    """In a first paint: rerun the whole app after :data:`FALLBACK_S` unless the map's
    report did it first (the rerun no longer draws this fragment, which stops it)."""
    if active():
        _fallback()


@st.fragment(run_every=FALLBACK_S)
def _fallback() -> None:
    placed = st.session_state.get(_PLACED_KEY)
    st.session_state[_PLACED_KEY] = True  # this call places it; a timed run finds the flag
    if placed and active():
        st.rerun(scope="app")
