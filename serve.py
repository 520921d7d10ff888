"""Serve the dashboard with its first page ready: ``streamlit run serve.py`` (``make app``).

``app.py`` is the dashboard itself (``streamlit run app.py`` works too). Run through this
file, Streamlit serves the same ``app.py`` as an ASGI app (``st.App``) whose start-up
imports the Map page's modules, loads the saved default view and computes its map layers
(:func:`hotspots.dashboard.warmup.warm_up`) before the server answers, so the first
visitor after a start waits no longer than any other. Two more things make every page load
quicker: replies leave at once (:mod:`hotspots.dashboard.tcp`: Nagle's algorithm off) and
Streamlit's own front-end files come from memory (:mod:`hotspots.dashboard.static_assets`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import streamlit as st
from starlette.middleware import Middleware
from streamlit.logger import get_logger

from hotspots.dashboard.static_assets import StaticAssets

_LOG = get_logger(__name__)


@asynccontextmanager
async def _ready(_app: Any) -> AsyncIterator[None]:
    from hotspots.dashboard.tcp import no_delay_on_listening_sockets
    from hotspots.dashboard.warmup import warm_up

    _LOG.info("TCP_NODELAY set on %d listening socket(s)", no_delay_on_listening_sockets())
    seconds = await asyncio.to_thread(warm_up)
    _LOG.info("Default view ready in %.1f s", seconds)
    yield None


app = st.App(
    Path(__file__).resolve().parent / "app.py",
    lifespan=_ready,
    middleware=[Middleware(StaticAssets)],
)
