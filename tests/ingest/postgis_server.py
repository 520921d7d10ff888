"""A throwaway PostgreSQL + PostGIS server for tests (Debian packages, installed by
``make system-deps``): ``initdb`` into a temporary folder, ``postgres`` on a free local
port, trust authentication on 127.0.0.1 only. As root it runs as the ``postgres`` user."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
MISSING = (
    "PostgreSQL 15 + PostGIS 3 are not installed (run `make system-deps`, which installs the "
    "Debian packages postgresql and postgresql-15-postgis-3)"
)


def available() -> bool:
    """Whether the server binaries and the PostGIS extension are installed."""
    return (PG_BIN / "postgres").exists() and POSTGIS_CONTROL.exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def postgis_server() -> Iterator[str]:
    """Start a server with a ``hotspots`` database (PostGIS enabled); yield its URL."""
    folder = Path(tempfile.mkdtemp(prefix="hotspots-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    subprocess.run(
        _as_server_user(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "hotspots",
                "--auth=trust",
                "-E",
                "UTF8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    server = subprocess.Popen(
        _as_server_user(
            [
                str(PG_BIN / "postgres"), "-D", str(data), "-p", str(port), "-k", str(folder),
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_until_ready(port)
        _psql(port, "postgres", "CREATE DATABASE hotspots")
        _psql(port, "hotspots", "CREATE EXTENSION postgis")
        yield f"postgresql://hotspots@127.0.0.1:{port}/hotspots"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(folder, ignore_errors=True)


def _psql(port: int, database: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=port, user="hotspots", dbname=database, autocommit=True
    ) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


def _wait_until_ready(port: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        ready = subprocess.run(
            [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)], capture_output=True
        )
        if ready.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL did not start on port {port} within {timeout_s} s")
        time.sleep(0.2)
