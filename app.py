"""hotspots — the analyst dashboard.

Run it with ``streamlit run app.py`` (or ``make run``). This file only sets up the pages
and the shared sidebar; each page lives in ``views/`` and every number comes from the
library through the cached wrappers in ``hotspots.dashboard``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from hotspots.allocator import tune_memory
from hotspots.dashboard import first_paint
from hotspots.dashboard.sidebar import render_sidebar
from hotspots.dashboard.tcp import no_delay_once
from hotspots.dashboard.ui import app_icon, page_guard

HERE = Path(__file__).resolve().parent

#: (section, page file, title, icon). Pages whose file does not exist are left out, so the
#: Publish (issue 4) and Plan outreach (issue 5) pages plug in by adding their file.
PAGES: list[tuple[str, str, str, str]] = [
    ("Explore", "views/map.py", "Map", ":material/map:"),
    ("Explore", "views/trends.py", "Trends", ":material/monitoring:"),
    ("Explore", "views/neighbourhoods.py", "Neighbourhoods", ":material/location_city:"),
    ("Explore", "views/over_time.py", "Over time", ":material/timeline:"),
    ("Act", "views/forecast.py", "Forecast", ":material/insights:"),
    ("Act", "views/publish.py", "Publish", ":material/public:"),
    ("Act", "views/plan_outreach.py", "Plan outreach", ":material/groups:"),
    ("Act", "views/evaluate.py", "Evaluate", ":material/fact_check:"),
    ("Data and method", "views/data.py", "Data", ":material/upload_file:"),
    ("Data and method", "views/method.py", "Method", ":material/menu_book:"),
]

st.set_page_config(
    page_title="Hotspots",
    page_icon=app_icon(),  # drawn locally: a material icon favicon would come from a font CDN
    layout="wide",
    initial_sidebar_state="expanded",
)

sections: dict[str, list[st.Page]] = {}
for section, path, title, icon in PAGES:
    if (HERE / path).exists():
        sections.setdefault(section, []).append(
            st.Page(path, title=title, icon=icon, default=path == "views/map.py")
        )

# Under plain `streamlit run app.py`, replies leave at once from the first run on (serve.py
# does it before the server answers): TCP_NODELAY on the server's socket, once per process.
no_delay_once()
tune_memory()  # NumPy's pages, Arrow's allocator (hotspots.allocator); no-op after the first run

navigation = st.navigation(sections)
# A session opening on the Map page (the default page, URL path "") gets the map before the
# sidebar's widgets and the panels around it (hotspots.dashboard.first_paint).
first = first_paint.begin(map_page=navigation.url_path == "")
# No exception reaches a user as a traceback: a message in place, the trace in the log.
with page_guard("the sidebar"):
    if render_sidebar(page=navigation.url_path, controls=not first) is None:
        first_paint.complete_now()  # no data set: nothing to wait for
    with st.sidebar:
        first_paint.complete_later()
with page_guard(f"the {navigation.title} page"):
    navigation.run()
