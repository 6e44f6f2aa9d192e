"""The listening socket of the raw-socket test servers: 127.0.0.1, an ephemeral port, a short accept timeout
(so the accept loop notices it should stop)."""

from __future__ import annotations

import socket

HOST = "127.0.0.1"


def listen_on_loopback(backlog: int, accept_timeout: float) -> tuple[socket.socket, str]:
    """``(socket, base URL)``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(backlog)
    sock.settimeout(accept_timeout)
    return sock, f"http://{HOST}:{sock.getsockname()[1]}"
