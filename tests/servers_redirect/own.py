"""A small stdlib ``http.server`` with hand-written redirects, drifting from own.yaml.

| path        | server                                                       | expected rule(s)                                           |
|-------------|--------------------------------------------------------------|------------------------------------------------------------|
| /form       | every method → 302 /form/; /form/ serves POST only (405)      | redirect-changes-method (POST error, others warning),      |
|             |                                                              | redirect-then-405 (POST), trailing-slash-mismatch (POST)   |
| /orders     | POST → 303 /orders/42 (Post/Redirect/Get), GET 200            | none                                                       |
| /archive    | PUT → 303 /archive/ (a routing redirect with 303)             | redirect-changes-method (PUT, warning)                     |
| /loop       | GET → 302 /loop-b → 302 /loop                                 | redirect-loop                                              |
| /long       | GET → 301 /long/1 → 301 /long/2 → ...                         | redirect-chain-too-long                                    |
| /nolocation | GET → 302 without Location                                    | redirect-missing-location                                  |
| /away       | GET → 302 to another origin (same host, another port)         | redirect-cross-origin                                      |
| /moved      | GET, POST → 308 /moved-here (served there)                    | none                                                       |
| /both       | GET served as /both and as /both/ (like Express)              | trailing-slash-twin (info)                                 |

Undeclared methods get 405 with an Allow header, so that only redirects are judged here.
"""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

HOST = "127.0.0.1"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    away: str = ""  #: the other origin's base URL (set per server)

    def log_message(self, *args) -> None:  # quiet
        pass

    def __getattr__(self, name: str):
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def _answer(self, status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        m, path = self.command, self.path.split("?", 1)[0]
        ok = b'{"ok": true}'
        json = {"Content-Type": "application/json"}

        def allow(*methods: str) -> None:
            self._answer(405, {"Allow": ", ".join(methods)})

        if path == "/form":
            return self._answer(302, {"Location": "/form/"})
        if path == "/form/":
            return self._answer(201, json, ok) if m == "POST" else allow("POST")
        if path == "/orders":
            if m == "POST":
                return self._answer(303, {"Location": "/orders/42"})
            return self._answer(200, json, b"[]") if m in ("GET", "HEAD") else allow("GET", "HEAD", "POST")
        if path == "/orders/42":
            return self._answer(200, json, ok) if m in ("GET", "HEAD") else allow("GET", "HEAD")
        if path == "/archive":
            if m == "PUT":
                return self._answer(303, {"Location": "/archive/"})
            return self._answer(200, json, b"[]") if m in ("GET", "HEAD") else allow("GET", "HEAD", "PUT")
        if path in ("/loop", "/loop-b"):
            if m in ("GET", "HEAD"):
                return self._answer(302, {"Location": "/loop-b" if path == "/loop" else "/loop"})
            return allow("GET", "HEAD")
        if path == "/long" or path.startswith("/long/") and path[6:].isdigit():
            if m in ("GET", "HEAD"):
                n = int(path[6:] or 0) + 1 if path != "/long" else 1
                return self._answer(301, {"Location": f"/long/{n}"})
            return allow("GET", "HEAD")
        if path == "/nolocation":
            return self._answer(302) if m in ("GET", "HEAD") else allow("GET", "HEAD")
        if path == "/away":
            return self._answer(302, {"Location": self.away + "/away"}) if m in ("GET", "HEAD") else allow("GET", "HEAD")
        if path == "/moved":
            return self._answer(308, {"Location": "/moved-here"})
        if path == "/moved-here":
            if m in ("GET", "HEAD"):
                return self._answer(200, json, b"[]")
            return self._answer(201, json, ok) if m == "POST" else allow("GET", "HEAD", "POST")
        if path in ("/both", "/both/"):
            return self._answer(200, json, b"[]") if m in ("GET", "HEAD") else allow("GET", "HEAD")
        return self._answer(404, json, b'{"error": "not found"}')


class Elsewhere(Handler):
    def _dispatch(self) -> None:
        self._answer(200, {"Content-Type": "text/plain"}, b"another origin")


@contextlib.contextmanager
def _serve(handler: type) -> Iterator[str]:
    server = ThreadingHTTPServer((HOST, 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def serve() -> Iterator[tuple[str, str]]:
    """``(url, other origin's url)``: both on 127.0.0.1, on two ports (two origins, RFC 6454)."""
    with _serve(Elsewhere) as other:
        handler = type("OwnHandler", (Handler,), {"away": other})
        with _serve(handler) as url:
            yield url, other
