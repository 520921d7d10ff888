"""Streamlit's front-end files from memory (``serve.py``'s middleware): the same bytes (or
their gzip for a browser that takes it), only for files Streamlit ships, everything else
passed on untouched."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path
from typing import Any

from hotspots.dashboard.static_assets import StaticAssets, first_load

#: A script big enough to be worth compressing.
BIG_SCRIPT = "".join(f"export const value{i} = {i} * 2; // é\n" for i in range(200))


def _front_end(tmp_path: Path) -> Path:
    (tmp_path / "static" / "js").mkdir(parents=True)
    (tmp_path / "static" / "css").mkdir()
    (tmp_path / "index.html").write_text("<html></html>")
    (tmp_path / "static" / "js" / "index.abc123.js").write_text("console.log('é');")
    (tmp_path / "static" / "css" / "index.def456.css").write_text("body{}")
    (tmp_path / "static" / "js" / "big.0a1b2c.js").write_text(BIG_SCRIPT)
    return tmp_path


def _call(
    middleware: StaticAssets, path: str, method: str = "GET", accept: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    headers = [] if accept is None else [(b"accept-encoding", accept.encode())]
    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    asyncio.run(middleware(scope, receive, send))
    start, body = sent
    headers = {k.decode(): v.decode() for k, v in start.get("headers", [])}
    return start["status"], headers, body.get("body", b"")


class _Downstream:
    """Stands for Streamlit's server: records what it was asked and answers 418."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b"streamlit"})


def test_serves_shipped_files_with_their_bytes_and_headers(tmp_path: Path) -> None:
    root = _front_end(tmp_path)
    downstream = _Downstream()
    middleware = StaticAssets(downstream, directory=root, base_url="")
    status, headers, body = _call(middleware, "/static/js/index.abc123.js")
    assert status == 200
    assert body == (root / "static" / "js" / "index.abc123.js").read_bytes()
    assert headers["content-length"] == str(len(body))
    assert "javascript" in headers["content-type"]
    assert headers["cache-control"] == "public, immutable, max-age=31536000"
    status, headers, body = _call(middleware, "/static/css/index.def456.css")
    assert (status, headers["content-type"], body) == (200, "text/css; charset=utf-8", b"body{}")
    status, headers, body = _call(middleware, "/static/js/index.abc123.js", method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(len("console.log('é');".encode()))
    assert downstream.paths == []


def test_text_goes_gzipped_to_browsers_that_take_it(tmp_path: Path) -> None:
    root = _front_end(tmp_path)
    middleware = StaticAssets(_Downstream(), directory=root, base_url="")
    raw = (root / "static" / "js" / "big.0a1b2c.js").read_bytes()
    status, headers, body = _call(
        middleware, "/static/js/big.0a1b2c.js", accept="gzip, deflate, br"
    )
    assert (status, headers["content-encoding"], headers["vary"]) == (
        200,
        "gzip",
        "accept-encoding",
    )
    assert gzip.decompress(body) == raw
    assert headers["content-length"] == str(len(body)) and len(body) < len(raw) / 3
    assert _call(middleware, "/static/js/big.0a1b2c.js", accept="gzip")[2] == body  # same bytes
    for accept in (None, "br", "gzip;q=0, br"):
        _, headers, body = _call(middleware, "/static/js/big.0a1b2c.js", accept=accept)
        assert body == raw and "content-encoding" not in headers, accept
        assert headers["vary"] == "accept-encoding"
    # small files go as they are
    _, headers, body = _call(middleware, "/static/js/index.abc123.js", accept="gzip")
    assert "content-encoding" not in headers
    assert body == (root / "static" / "js" / "index.abc123.js").read_bytes()


def test_everything_else_goes_to_streamlit(tmp_path: Path) -> None:
    downstream = _Downstream()
    middleware = StaticAssets(downstream, directory=_front_end(tmp_path), base_url="")
    others = [
        "/",
        "/index.html",  # not hashed: Streamlit answers it (no-cache)
        "/static/js/../../index.html",  # never turned into a file path
        "/static/js/missing.js",
        "/static//js/index.abc123.js",
        "/_stcore/health",
    ]
    for path in others:
        assert _call(middleware, path)[0] == 418, path
    assert _call(middleware, "/static/js/index.abc123.js", method="POST")[0] == 418
    assert downstream.paths == [*others, "/static/js/index.abc123.js"]


def test_base_url_path(tmp_path: Path) -> None:
    downstream = _Downstream()
    middleware = StaticAssets(downstream, directory=_front_end(tmp_path), base_url="/maps/")
    assert _call(middleware, "/maps/static/js/index.abc123.js")[0] == 200
    assert _call(middleware, "/static/js/index.abc123.js")[0] == 418


def test_every_file_streamlits_page_loads_first_is_served_from_memory() -> None:
    from streamlit import file_util

    directory = Path(file_util.get_static_dir())
    middleware = StaticAssets(_Downstream(), directory=directory, base_url="")
    links = first_load(directory)
    assert len(links) > 20  # Streamlit's page loads dozens of files before its websocket
    assert all(link in middleware._loaded for link in links)  # read when it was built
    for link in links:
        raw = (directory / link.lstrip("/")).read_bytes()
        status, _, body = _call(middleware, link)
        assert (status, body) == (200, raw), link
        status, headers, body = _call(middleware, link, accept="gzip")
        assert status == 200, link
        assert (gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body) == raw
