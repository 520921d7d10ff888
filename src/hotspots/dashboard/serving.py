"""How ``serve.py`` (``make app``) serves a Streamlit script: ``st.App(script, **options())``.

:func:`options` gives Streamlit's ASGI app (``st.App``) a start-up that sets
``TCP_NODELAY`` on the listening socket (:mod:`.tcp`) and runs the dashboard's warm-up
(:mod:`.warmup`), and puts Streamlit's front-end files from memory (:mod:`.static_assets`)
in front of it. The call to ``st.App`` itself stays in the served file: ``streamlit run``
finds the app by reading that file's source for it. The benchmarks serve a blank app the
same way (``warm_up=False``): the floor any page of this server can reach.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from hotspots.dashboard.static_assets import StaticAssets
from hotspots.dashboard.tcp import no_delay_on_listening_sockets


def options(*, warm_up: bool = True) -> dict[str, Any]:
    """``st.App``'s ``lifespan`` and ``middleware`` for a server ready when it answers.

    Parameters
    ----------
    warm_up
        Run :func:`hotspots.dashboard.warmup.warm_up` (the default view's data and map
        layers) before the server answers.
    """
    from starlette.middleware import Middleware
    from streamlit.logger import get_logger

    log = get_logger(__name__)

    @asynccontextmanager
    async def ready(_app: Any) -> AsyncIterator[None]:
        log.info("TCP_NODELAY set on %d listening socket(s)", no_delay_on_listening_sockets())
        if warm_up:
            from hotspots.dashboard.warmup import warm_up as prepare

            seconds = await asyncio.to_thread(prepare)
            log.info("Default view ready in %.1f s", seconds)
        yield None

    return {"lifespan": ready, "middleware": [Middleware(StaticAssets)]}
