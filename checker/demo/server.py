"""The demo API: a small real HTTP server (standard library only) that drifts from specs/bookshop.yaml on purpose.

Deliberate, documented drift (each one is a finding conform405 should report):

=====================  ==========================================================  ===============================
path                   what the server does                                        rule
=====================  ==========================================================  ===============================
/books                 405s carry ``Allow: GET`` although POST is declared too     allow-mismatch
/books/{bookId}        PUT is declared but not implemented (405)                   declared-method-rejected
/books/{bookId}        PATCH works although the spec does not declare it           undeclared-method-accepted
/authors               undeclared methods get 404 (Express-style router)           wrong-status-for-undeclared-method
/authors               HEAD is refused although GET works                          head-not-supported
/health                405 without an Allow header                                 allow-missing
/health                TRACE echoes the request                                    trace-enabled
/orders                conformant: 405 with the right Allow, HEAD, OPTIONS         (no finding)
=====================  ==========================================================  ===============================

It listens on 127.0.0.1 only. ``make demo`` runs with ``--allow-writes`` (everything here is in memory): a
default run withholds the declared writes that could change data, so it reports every drift above but the
declared PUT that is not implemented (that cell says "not sent"; the 405s' Allow, reported, omits PUT).
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOOKS = {1: {"id": 1, "title": "RFC 9110 for the impatient", "year": 2022}, 2: {"id": 2, "title": "Allow: everything", "year": 2024}}
AUTHORS = [{"id": 1, "name": "R. Fielding"}]


class Handler(BaseHTTPRequestHandler):
    server_version = "bookshop-demo/1.0"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    #: headers and body leave in separate writes: with Nagle on, the body waited for the client's delayed ACK (40 ms)
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def __getattr__(self, name: str):
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    # -- helpers -----------------------------------------------------------------------------------
    def send(self, status: int, body: object = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def read_json(self) -> object:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    # -- routing -----------------------------------------------------------------------------------
    def dispatch(self) -> None:
        # Read the whole body before routing, whatever the handler does with it: bytes left unread on a
        # keep-alive connection would be taken for the start of the next request line.
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return self.send(400, {"error": "bad Content-Length"}, {"Connection": "close"})
        self.body = self.rfile.read(length) if length > 0 else b""
        path = self.path.split("?", 1)[0]
        m = self.command
        if path == "/books":
            return self.books(m)
        match = re.fullmatch(r"/books/([^/]+)", path)
        if match:
            return self.book(m, match.group(1))
        if path == "/authors":
            return self.authors(m)
        if path == "/orders":
            return self.orders(m)
        if path == "/health":
            return self.health(m)
        self.send(404, {"error": "not found"})

    def books(self, m: str) -> None:
        if m in ("GET", "HEAD"):
            return self.send(200, list(BOOKS.values()))
        if m == "POST":
            body = self.read_json()
            if not isinstance(body, dict) or not body.get("title"):
                return self.send(422, {"error": "title is required"})
            return self.send(201, {"id": 99, **body})  # not stored: the demo never changes
        if m == "OPTIONS":
            return self.send(204, None, {"Allow": "GET, HEAD, POST, OPTIONS"})
        self.send(405, {"error": "method not allowed"}, {"Allow": "GET"})  # drift: POST missing

    def book(self, m: str, raw_id: str) -> None:
        book = BOOKS.get(int(raw_id)) if raw_id.isdigit() else None
        if m in ("GET", "HEAD"):
            return self.send(200, book) if book else self.send(404, {"error": "no such book"})
        if m == "DELETE":
            return self.send(204) if book else self.send(404, {"error": "no such book"})
        if m == "PATCH":  # drift: undeclared but served
            self.read_json()
            return self.send(200, book or {"id": raw_id})
        if m == "OPTIONS":
            return self.send(204, None, {"Allow": "GET, HEAD, DELETE, PATCH, OPTIONS"})
        # drift: PUT is declared but not implemented
        self.send(405, {"error": "method not allowed"}, {"Allow": "GET, HEAD, DELETE, PATCH, OPTIONS"})

    def authors(self, m: str) -> None:
        if m == "GET":
            return self.send(200, AUTHORS)
        if m == "HEAD":  # drift: HEAD refused
            return self.send(405, {"error": "method not allowed"}, {"Allow": "GET"})
        self.send(404, {"error": f"Cannot {m} /authors"})  # drift: Express-style 404

    def orders(self, m: str) -> None:
        if m in ("GET", "HEAD"):
            return self.send(200, [])
        if m == "POST":
            body = self.read_json()
            if not isinstance(body, dict) or not isinstance(body.get("bookId"), int):
                return self.send(422, {"error": "bookId is required"})
            return self.send(201, {"id": 1, **body})
        if m == "OPTIONS":
            return self.send(204, None, {"Allow": "GET, HEAD, POST, OPTIONS"})
        self.send(405, {"error": "method not allowed"}, {"Allow": "GET, HEAD, POST, OPTIONS"})

    def health(self, m: str) -> None:
        if m in ("GET", "HEAD"):
            return self.send(200, {"status": "up"})
        if m == "TRACE":  # drift: TRACE echoes the request
            echo = f"{self.requestline}\r\n{self.headers}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "message/http")
            self.send_header("Content-Length", str(len(echo)))
            self.end_headers()
            self.wfile.write(echo)
            return
        self.send(405, {"error": "method not allowed"})  # drift: no Allow header


class _Server(ThreadingHTTPServer):
    #: the standard library's listen backlog is 5: a client opening its connections at once (conform405
    #: opens up to 32) had SYNs dropped, each costing a 1 s retransmission (the demo took 2-4 s, not 0.4 s)
    request_queue_size = 128


class DemoServer:
    """The demo server on 127.0.0.1 in a background thread: ``with DemoServer() as url: ...``."""

    def __init__(self, port: int = 0) -> None:
        self.httpd = _Server(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> str:
        self.thread.start()
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
