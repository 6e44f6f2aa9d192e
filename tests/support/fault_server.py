"""A real, misbehaving HTTP server for the fault tests: raw sockets on 127.0.0.1, an ephemeral port.

    with FaultServer() as srv:          # one behaviour per first path segment: /reset/..., /hang/...
        cli(spec, "--base-url", srv.url)
        srv.count("GET", "/reset")      # requests received, per method and path prefix

    with FaultServer(default="reset") as srv:   # the whole server misbehaves the same way

Every behaviour is written byte by byte on the socket (no HTTP library on the server side), so the
client meets exactly the broken bytes a broken server or gateway sends. The server logs every request
it managed to read (method, path, headers, body) so tests can count what conform405 sent.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .listening import listen_on_loopback

HOST = "127.0.0.1"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class _Conn:
    sock: socket.socket
    server: "FaultServer"
    req: Received
    left: bool = False  #: already counted out of the server's in-flight requests

    def leave(self) -> None:
        """Count this request as answered (before the answer is written, so a client's next request
        can never be counted while this one still is)."""
        if not self.left:
            self.left = True
            with self.server._lock:
                self.server.in_flight -= 1

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def respond(self, status: int, headers: list[tuple[str, str]] | None = None, body: bytes = b"", reason: str = "X") -> None:
        lines = [f"HTTP/1.1 {status} {reason}"]
        hdrs = list(headers or [])
        if not any(k.lower() == "content-length" for k, _ in hdrs):
            hdrs.append(("Content-Length", str(len(body))))
        hdrs.append(("Connection", "close"))
        lines += [f"{k}: {v}" for k, v in hdrs]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.leave()
        self.send(head + (b"" if self.req.method == "HEAD" else body))


Behaviour = Callable[[_Conn], None]


def _ok(c: _Conn) -> None:
    """A conformant resource: GET/HEAD 200, OPTIONS 204 with Allow, anything else 405 with Allow."""
    allow = [("Allow", "GET, HEAD, OPTIONS")]
    if c.req.method in ("GET", "HEAD"):
        c.respond(200, [("Content-Type", "application/json")], b'{"ok": true}')
    elif c.req.method == "OPTIONS":
        c.respond(204, allow)
    else:
        c.respond(405, allow)


def _reset(c: _Conn) -> None:
    """Read the request, then reset the connection (RST, not FIN): no status line at all."""
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _hang(c: _Conn) -> None:
    """Accept, read the request, never answer (until the client hangs up or the server stops)."""
    while not c.server._stopping.is_set():
        ready, _, _ = select.select([c.sock], [], [], 0.05)
        if ready and not c.sock.recv(65536):
            return  # the client gave up and closed the connection


def _delay(c: _Conn) -> None:
    """A conformant answer after 0.3 s (for counting requests in flight)."""
    time.sleep(0.3)
    _ok(c)


def _slow(c: _Conn) -> None:
    """A valid answer, one byte per second."""
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\nConnection: close\r\n\r\n" + b"x" * 40
    for i in range(len(data)):
        if c.server._stopping.wait(1.0):
            return
        c.send(data[i : i + 1])


def _garbage_status(c: _Conn) -> None:
    c.send(b"HTTX/9.9 two-hundred NOT OK\r\n\x00\x01\x02 garbage\r\n\r\n")


def _bad_header(c: _Conn) -> None:
    c.send(b"HTTP/1.1 200 OK\r\nX-Bad\x00Name: v\x01al\x7f\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


def _bad_chunked(c: _Conn) -> None:
    c.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\nzz-not-hex\r\nxyz\r\n")


def _http10(c: _Conn) -> None:
    """HTTP/1.0, no Content-Length: the body ends when the connection closes."""
    c.send(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n")
    if c.req.method != "HEAD":
        c.send(b"close-delimited body " * 100)


HUGE_ADVERTISED = 50 * 1024**3  #: 50 GiB announced; streamed until the client hangs up


def _huge(c: _Conn) -> None:
    c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
           + f"Content-Length: {HUGE_ADVERTISED}\r\nConnection: close\r\n\r\n".encode())
    if c.req.method == "HEAD":
        return
    chunk = b"\xab" * (256 * 1024)
    sent = 0
    while sent < HUGE_ADVERTISED and not c.server._stopping.is_set():
        c.send(chunk)  # raises once the client has closed: that ends the stream
        sent += len(chunk)
        c.server.add_streamed(len(chunk))


def _many_headers(c: _Conn) -> None:
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Filler-%d: %d\r\n" % (i, i) for i in range(5000))
    c.send(head + b"Content-Length: 2\r\nConnection: close\r\n\r\nok")


def _endless_headers(c: _Conn) -> None:
    """Header lines forever: the header section never ends."""
    c.send(b"HTTP/1.1 200 OK\r\n")
    i = 0
    while not c.server._stopping.is_set():
        c.send(b"".join(b"X-More-%d: %d\r\n" % (i + k, k) for k in range(1000)))
        i += 1000


JUNK_ALLOW = "GET,,  post , <script>"


def _junk_allow(c: _Conn) -> None:
    if c.req.method in ("GET", "HEAD"):
        c.respond(200, [("Content-Type", "text/plain")], b"ok")
    else:
        c.respond(405, [("Allow", JUNK_ALLOW)])


def _loop(c: _Conn) -> None:
    c.respond(307, [("Location", c.req.path)])


def _chain(c: _Conn) -> None:
    """/chain/N redirects (307) to /chain/N+1 up to /chain/100, which answers 200."""
    parts = c.req.path.split("?")[0].rstrip("/").split("/")
    try:
        n = int(parts[2])
    except (IndexError, ValueError):
        n = 0
    if n >= 100:
        c.respond(200, [("Content-Type", "text/plain")], b"end")
    else:
        c.respond(307, [("Location", f"/chain/{n + 1}")])


def _busy(c: _Conn) -> None:
    """503 with Retry-After on the first request of each method and exact target, then the real answer."""
    if c.server.bump(c.req.path, c.req.method) == 1:
        c.respond(503, [("Retry-After", str(c.server.retry_after))])
    else:
        _ok(c)


def _throttle(c: _Conn) -> None:
    """429 with Retry-After on the first request of each method and exact target, then the real answer."""
    if c.server.bump(c.req.path, c.req.method) == 1:
        c.respond(429, [("Retry-After", str(c.server.throttle_after))])
    else:
        _ok(c)


def _unavailable(c: _Conn) -> None:
    """503 with Retry-After: 1, every time."""
    c.respond(503, [("Retry-After", "1")])


def _down(c: _Conn) -> None:
    """503 with a Retry-After far beyond any run's bounds, every time: a target that is down."""
    c.respond(503, [("Retry-After", "3600"), ("Content-Type", "text/plain")], b"down for maintenance")


def _broken(c: _Conn) -> None:
    """500 to everything: a target whose every handler fails."""
    c.respond(500, [("Content-Type", "text/plain")], b"internal server error")


def _flap(c: _Conn) -> None:
    """The answer changes on every request: 200, 500, 200, 500, ... (counted per method)."""
    n = c.server.bump(c.req.path.split("?")[0], c.req.method)
    if n % 2:
        c.respond(200, [("Content-Type", "text/plain")], b"up")
    else:
        c.respond(500, [("Content-Type", "text/plain")], b"down")


def _echo(c: _Conn) -> None:
    """200 whose body and headers repeat every request header back (like httpbin's /headers)."""
    body = "\n".join(f"{k}: {v}" for k, v in c.req.headers.items()).encode("latin-1", "replace")
    echoed = [(f"X-Echo-{k}", v) for k, v in c.req.headers.items()]
    c.respond(200, [("Content-Type", "text/plain"), *echoed], body)


def _elsewhere(c: _Conn) -> None:
    """307 to another origin (``FaultServer.elsewhere``), same path."""
    c.respond(307, [("Location", (c.server.elsewhere or "http://127.0.0.1:9") + c.req.path)])


def _not_found(c: _Conn) -> None:
    c.respond(404, [("Content-Type", "text/plain")], b"not found")


BEHAVIOURS: dict[str, Behaviour] = {
    "ok": _ok, "delay": _delay, "reset": _reset, "hang": _hang, "slow": _slow, "garbage": _garbage_status,
    "badheader": _bad_header, "badchunked": _bad_chunked, "http10": _http10, "huge": _huge,
    "manyheaders": _many_headers, "endlessheaders": _endless_headers, "junkallow": _junk_allow,
    "loop": _loop, "chain": _chain, "busy": _busy, "throttle": _throttle, "unavailable": _unavailable, "down": _down, "broken": _broken, "flap": _flap, "echo": _echo,
    "elsewhere": _elsewhere, "notfound": _not_found,
}


@dataclass
class FaultServer:
    """A threaded raw-socket HTTP/1.1 server; the behaviour is picked by the first path segment
    (``/reset/x`` -> ``reset``), or is ``default`` for every path when given."""

    default: str | None = None
    retry_after: int = 1  #: the Retry-After of /busy (503)
    throttle_after: int = 3600  #: the Retry-After of /throttle (429): longer than any test's deadline
    elsewhere: str | None = None
    received: list[Received] = field(default_factory=list)
    url: str = ""
    streamed: int = 0  #: body bytes the huge behaviour managed to push into the socket
    in_flight: int = 0  #: requests being answered right now
    max_in_flight: int = 0  #: the most requests ever answered at once (for --concurrency)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._counters: dict[tuple[str, str], int] = {}
        self._threads: list[threading.Thread] = []
        self._sock: socket.socket | None = None

    # -- counting ----------------------------------------------------------------------------------
    def bump(self, name: str, method: str) -> int:
        with self._lock:
            key = (name, method)
            self._counters[key] = self._counters.get(key, 0) + 1
            return self._counters[key]

    def add_streamed(self, n: int) -> None:
        with self._lock:
            self.streamed += n

    def count(self, method: str | None = None, prefix: str = "/") -> int:
        with self._lock:
            return sum(1 for r in self.received if (method is None or r.method == method) and r.path.startswith(prefix))

    def methods(self, prefix: str = "/") -> dict[str, int]:
        out: dict[str, int] = {}
        with self._lock:
            for r in self.received:
                if r.path.startswith(prefix):
                    out[r.method] = out.get(r.method, 0) + 1
        return out

    # -- life cycle --------------------------------------------------------------------------------
    def __enter__(self) -> "FaultServer":
        self._sock, self.url = listen_on_loopback(256, 0.2)
        t = threading.Thread(target=self._accept_loop, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        for t in list(self._threads):
            t.join(timeout=5)
        if self._sock is not None:
            self._sock.close()

    def _accept_loop(self) -> None:
        assert self._sock is not None
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            t = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            t.start()
            with self._lock:
                self._threads = [x for x in self._threads if x.is_alive()]
                self._threads.append(t)

    def _handle(self, conn: socket.socket) -> None:
        with contextlib.closing(conn):
            try:
                conn.settimeout(30)
                req = _read_request(conn)
                if req is None:
                    return
                with self._lock:
                    self.received.append(req)
                    self.in_flight += 1
                    self.max_in_flight = max(self.max_in_flight, self.in_flight)
                name = self.default or req.path.split("?")[0].strip("/").split("/")[0]
                cc = _Conn(conn, self, req)
                try:
                    BEHAVIOURS.get(name, _not_found)(cc)
                finally:
                    cc.leave()
            except OSError:
                pass  # the client hung up: that is how most of these end


def _read_request(conn: socket.socket) -> Received | None:
    buf = b""
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None
        buf += data
        if len(buf) > 1024 * 1024:
            return None
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, _ = lines[0].split(" ", 2)
    except ValueError:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = rest
    while len(body) < length:
        data = conn.recv(65536)
        if not data:
            break
        body += data
    return Received(method, target, headers, body[:length])


def spec_for(paths: list[str], methods: tuple[str, ...] = ("get",), version: str = "3.1.0") -> dict:
    """A minimal OpenAPI document declaring ``methods`` on each of ``paths``."""
    ops = {m: {"responses": {"200": {"description": "ok"}}} for m in methods}
    return {"openapi": version, "info": {"title": "faults", "version": "1"},
            "paths": {p: dict(ops) for p in paths}}


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
