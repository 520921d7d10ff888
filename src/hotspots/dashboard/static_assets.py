"""Streamlit's own front-end files answered from memory, compressed (``serve.py``'s middleware).

A new browser fetches about sixty of Streamlit's script, style and font files before it
can open the websocket. Streamlit's Starlette server sends each through its middleware
stack and a thread-pool file read, uncompressed (compressing them on every request cost
more than it saved on its own load tests). :class:`StaticAssets` answers ``GET``/``HEAD``
for exactly the files Streamlit ships under its ``static/`` folder, from bytes read once,
with the headers Streamlit's own handler gives them (type, length, ``Cache-Control: public,
immutable`` — the names carry a content hash), gzipped once (``mtime`` 0: the same bytes
every time) for browsers that accept it: Streamlit's 2.3 MB of first-load scripts travel as
0.7 MB, which matters over a network (a 20 Mbit/s link) and costs nothing here. The files
the page itself names are read and compressed when the middleware is built (in the
server's start-up, 0.06 s); the others at their first request. Every other request, and
any path not in that listing, goes on to Streamlit unchanged: no URL is ever turned into a
file path.
"""

from __future__ import annotations

import gzip
import mimetypes
import os
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

Headers = list[tuple[bytes, bytes]]

#: A year, as Streamlit's handler gives its hashed bundles.
_CACHE_CONTROL = b"public, immutable, max-age=31536000"
#: Types worth compressing (fonts and images are compressed already).
_TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
#: Smaller bodies go as they are: the gzip frame would eat the gain.
_MIN_COMPRESS_BYTES = 1024


@dataclass(frozen=True)
class _Asset:
    headers: Headers
    body: bytes
    gzip_headers: Headers | None = None
    gzip_body: bytes = b""


class StaticAssets:
    """ASGI middleware serving Streamlit's hashed ``static/`` files from memory.

    Parameters
    ----------
    app
        The application every other request goes to.
    directory
        Streamlit's front-end folder (the one holding ``index.html``); default: the
        installed Streamlit's.
    base_url
        ``server.baseUrlPath``; default: read from Streamlit's configuration.
    """

    def __init__(
        self, app: ASGIApp, *, directory: Path | None = None, base_url: str | None = None
    ) -> None:
        self.app = app
        if directory is None:
            from streamlit import file_util

            directory = Path(file_util.get_static_dir())
        if base_url is None:
            from streamlit import config

            base_url = config.get_option("server.baseUrlPath") or ""
        prefix = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
        self._paths = _listing(Path(directory), prefix)
        self._loaded: dict[str, _Asset] = {}
        for path in first_load(Path(directory), prefix):
            if path in self._paths:
                self._asset(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path = scope["path"]
            if path in self._paths:
                asset = self._asset(path)
                headers, body = asset.headers, asset.body
                if asset.gzip_headers is not None and _accepts_gzip(scope):
                    headers, body = asset.gzip_headers, asset.gzip_body
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send(
                    {
                        "type": "http.response.body",
                        "body": body if scope["method"] == "GET" else b"",
                    }
                )
                return
        await self.app(scope, receive, send)

    def _asset(self, path: str) -> _Asset:
        found = self._loaded.get(path)
        if found is None:
            found = self._loaded[path] = _read(self._paths[path])
        return found


def _read(file: Path) -> _Asset:
    body = file.read_bytes()
    media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    common = [(b"content-type", media_type.encode("latin-1")), (b"cache-control", _CACHE_CONTROL)]
    if not media_type.startswith(_TEXT_TYPES) or len(body) < _MIN_COMPRESS_BYTES:
        return _Asset([*common, _length(body)], body)
    packed = gzip.compress(body, compresslevel=9, mtime=0)
    vary = (b"vary", b"accept-encoding")
    return _Asset(
        [*common, _length(body), vary],
        body,
        [*common, _length(packed), (b"content-encoding", b"gzip"), vary],
        packed,
    )


def _length(body: bytes) -> tuple[bytes, bytes]:
    return (b"content-length", str(len(body)).encode("latin-1"))


def _accepts_gzip(scope: Scope) -> bool:
    """Whether the request's ``Accept-Encoding`` lists gzip (and not with ``q=0``)."""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"accept-encoding":
            for coding in value.decode("latin-1").lower().split(","):
                token, _, params = coding.partition(";")
                if token.strip() in ("gzip", "*"):
                    return not re.fullmatch(r"\s*q\s*=\s*0(\.0*)?\s*", params)
    return False


def first_load(directory: Path, prefix: str = "/") -> list[str]:
    """URL paths of the files Streamlit's ``index.html`` names (scripts, styles): what every
    new browser fetches first."""
    html = (directory / "index.html").read_text(encoding="utf-8")
    return [prefix + link for link in re.findall(r'(?:href|src)="\.?/?(static/[^"]+)"', html)]


def _listing(directory: Path, prefix: str) -> dict[str, Path]:
    """URL path → file for every file under ``directory/static`` (Streamlit's hashed assets)."""
    root = directory / "static"
    found: dict[str, Path] = {}
    for folder, _, names in os.walk(root):
        for name in names:
            file = Path(folder) / name
            found[prefix + file.relative_to(directory).as_posix()] = file
    return found
