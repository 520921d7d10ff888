"""Nagle's algorithm off on listening sockets, so every accepted connection sends at once."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from hotspots.dashboard.tcp import no_delay_on_listening_sockets


def _nodelay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def _open_descriptors() -> int:
    return len(os.listdir("/dev/fd"))


def test_connections_accepted_after_it_have_nagle_off(tmp_path: Path) -> None:
    # As Streamlit binds its server: socket.socket(family), protocol 0, which asyncio skips.
    with (tmp_path / "a file").open("w"), socket.socket(socket.AF_INET) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()) as before:
            accepted_before, _ = listener.accept()
            with accepted_before:
                assert _nodelay(accepted_before) == 0  # what the server had
                descriptors = _open_descriptors()
                assert no_delay_on_listening_sockets() >= 1
                assert _open_descriptors() == descriptors  # every copy it made closed
                assert _nodelay(listener) == 1
                assert _nodelay(before) == 0  # a connected (not listening) socket is left alone
        with socket.create_connection(listener.getsockname()):
            accepted, _ = listener.accept()
            with accepted:
                assert _nodelay(accepted) == 1


def test_app_py_switches_nagle_off_once_per_process() -> None:
    from streamlit.testing.v1 import AppTest

    from hotspots.dashboard.tcp import no_delay_once

    from .conftest import APP, RUN_TIMEOUT_S

    no_delay_once.cache_clear()
    with socket.socket(socket.AF_INET) as listener:  # stands for the server's socket
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_S).run()
        assert _nodelay(listener) == 1
        assert no_delay_once.cache_info().misses == 1


def test_systems_without_the_means_are_left_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket(socket.AF_INET) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        monkeypatch.delattr(socket, "SO_ACCEPTCONN")  # as on Windows
        assert no_delay_on_listening_sockets() == 0
        monkeypatch.undo()
        monkeypatch.setattr(os, "listdir", _missing)  # no /dev/fd
        assert no_delay_on_listening_sockets() == 0
        assert _nodelay(listener) == 0


def _missing(path: str) -> list[str]:
    raise FileNotFoundError(path)
