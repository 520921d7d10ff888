"""Serve the dashboard with its first page ready: ``streamlit run serve.py`` (``make app``).

``app.py`` is the dashboard itself (``streamlit run app.py`` works too). Run through this
file, Streamlit serves the same ``app.py`` as an ASGI app (``st.App``) whose start-up
imports the Map page's modules, loads the saved default view and computes its map layers
(:func:`hotspots.dashboard.warmup.warm_up`) before the server answers, so the first
visitor after a start waits no longer than any other. Every page load is quicker too:
replies leave at once (:mod:`hotspots.dashboard.tcp`: Nagle's algorithm off) and
Streamlit's own front-end files come from memory (:mod:`hotspots.dashboard.static_assets`).
See :mod:`hotspots.dashboard.serving`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from hotspots.allocator import tune_memory
from hotspots.dashboard import serving

tune_memory()  # NumPy's pages and Arrow's allocator: see hotspots.allocator

# ``streamlit run`` serves this file as an ASGI app because it reads an ``st.App`` call here.
app = st.App(Path(__file__).resolve().parent / "app.py", **serving.options())
