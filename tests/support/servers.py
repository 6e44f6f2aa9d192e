"""Real servers for the tests, each on 127.0.0.1 with an ephemeral port, in a background thread.

    with serve_asgi(app) as url: ...      # uvicorn (FastAPI, Starlette, Litestar)
    with serve_wsgi(app) as url: ...      # werkzeug's threaded server (Flask, Django)
    with serve_aiohttp(app) as url: ...   # aiohttp.web

Every server listens on 127.0.0.1 only and is stopped when the block ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from typing import Any, Iterator

HOST = "127.0.0.1"


def _bound_socket(host: str = HOST) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # inherited by every accepted connection: uvicorn leaves Nagle on, and each answer written in two parts
    # would wait for the client's delayed ACK (~40 ms)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, 0))
    return sock


@contextlib.contextmanager
def serve_asgi(app: Any, host: str = HOST, http: str = "auto") -> Iterator[str]:
    """``http="h11"`` lets made-up method tokens reach the app (httptools answers them 400 itself)."""
    import uvicorn

    sock = _bound_socket(host)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False, http=http)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextlib.contextmanager
def serve_wsgi(app: Any, host: str = HOST) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def serve_aiohttp(app: Any, host: str = HOST) -> Iterator[str]:
    from aiohttp import web

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def start() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = _bound_socket(host)
        site = web.SockSite(runner, sock)
        await site.start()
        state["runner"], state["port"] = runner, sock.getsockname()[1]

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not ready.wait(15):
        raise RuntimeError("aiohttp did not start")
    try:
        yield f"http://{host}:{state['port']}"
    finally:
        asyncio.run_coroutine_threadsafe(state["runner"].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
