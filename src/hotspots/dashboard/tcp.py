"""Send each reply at once: ``TCP_NODELAY`` on the dashboard server's listening sockets.

Streamlit's server binds its socket itself (``socket.socket(family)``, protocol 0), and
asyncio only switches Nagle's algorithm off for sockets whose protocol reads
``IPPROTO_TCP`` — so on every connection it stays on. Uvicorn writes a response's headers
and its body separately; Nagle holds the body back until the headers are acknowledged, and
the browser delays that acknowledgement by 40 ms. Every request after the first on a
kept-alive connection waited those 40 ms (Streamlit's sixty front-end files, six
connections: 0.43 s from 127.0.0.1), and so did bursts of websocket messages.

Linux and macOS give an accepted connection the options of the socket that listened for
it, so setting ``TCP_NODELAY`` on the listening sockets once, before the server accepts
(``serve.py``'s lifespan), covers every connection.
"""

from __future__ import annotations

import functools
import os
import socket


def no_delay_on_listening_sockets() -> int:
    """Set ``TCP_NODELAY`` on this process's listening TCP sockets; how many were set.

    Finds them among the open file descriptors (``/dev/fd``); where that folder or the
    ``SO_ACCEPTCONN`` option is missing (Windows) nothing is changed and 0 is returned.
    """
    if not hasattr(socket, "SO_ACCEPTCONN"):
        return 0
    try:
        descriptors = [int(name) for name in os.listdir("/dev/fd")]
    except OSError:
        return 0
    changed = 0
    for fd in descriptors:
        try:
            copy = os.dup(fd)
        except OSError:  # closed meanwhile (the listing's own descriptor)
            continue
        try:
            sock = socket.socket(fileno=copy)
        except OSError:  # not a socket: the copy is still ours to close
            os.close(copy)
            continue
        with sock:  # closes the copy; the socket itself stays open
            if _listening_tcp(sock):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                changed += 1
    return changed


@functools.cache
def no_delay_once() -> int:
    """:func:`no_delay_on_listening_sockets`, the first time it is called in this process
    (``app.py`` calls it on every script run: plain ``streamlit run app.py`` has no start-up
    of ours, so connections accepted before the first script run keep Nagle on)."""
    return no_delay_on_listening_sockets()


def _listening_tcp(sock: socket.socket) -> bool:
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
        return False
    try:
        return bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))
    except OSError:
        return False
