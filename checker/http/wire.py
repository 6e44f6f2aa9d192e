"""The probe hot path: HTTP/1.1 straight on asyncio, parsed by httptools (the C parser uvicorn uses).

Chosen by :class:`~checker.http.client.HttpClient` for sockets (transport ``auto``/``socket``); httpx
stays for in-process apps, ``--transport httpx`` and the public API. Why a client of our own: on the
GitHub matrix aiohttp's request machinery (request and response objects, header multidicts,
cookies, tracing, per-request timeouts) cost about 0.15 ms of CPU per request -- more than the
local server took to answer -- and this module costs about a third of that (README, "Performance").
It can be this small because a probe needs so little of HTTP:

* one request in flight per connection (no pipelining), keep-alive connections pooled per origin and
  dropped after :data:`IDLE_SECONDS` unused, or as soon as the server sends anything unasked;
* the method token and the request target go on the wire exactly as given (no upper-casing, no
  re-quoting, no dot-segment folding); a header value with a line break is refused, never sent;
* no redirects, no decompression (no ``Accept-Encoding`` is sent), no cookies, no proxies;
* at most ``Limits.max_body`` body bytes are read (then the connection is closed), at most
  ``Limits.max_headers`` header fields and ``Limits.max_header_bytes`` header bytes are accepted,
  and one hard deadline covers connect, send and the last byte read;
* a response to HEAD ends with its header block (RFC 9112 §6.3); bytes a server sends after it make the
  connection unusable, and it is closed (checker/http/raw.py is the probe that looks at such bytes);
* 1xx interim answers are skipped; a close-delimited body (HTTP/1.0 style) ends with the connection;
* every failure becomes an :class:`~checker.observe.Exchange` with an error whose kind (``connect``,
  ``reset``, ``timeout``, ``limit``, ``protocol``) is the same as the other transports give.

A pooled connection the server closed while idle is noticed before reuse (``connection_lost`` has run);
when one is closed under a request anyway, before a single byte of the answer arrived, the request is
sent again on a new connection only for safe methods (RFC 9110 §9.2.2 lets a client retry those; a
state-changing request is never re-sent behind the engine's back).
"""

from __future__ import annotations

import asyncio
import socket
import ssl as _ssl
import time
from typing import Any, Protocol
from urllib.parse import urlsplit

import httptools

from ..observe import Exchange

class _Client(Protocol):
    """What :func:`send` needs of the client that calls it (checker/http/client.py's HttpClient): the limits,
    the evidence headers and the scrubbing of secrets. Named here, so this module imports nothing of the client."""

    limits: Any
    masked: Any

    def evidence_headers(self, extra: Any) -> Any: ...
    def _scrub(self, value: str) -> str: ...
    def _scrub_bytes(self, data: bytes) -> bytes: ...

#: seconds a pooled connection may sit unused before it is dropped rather than reused (below the idle
#: timeouts of common servers: gunicorn 2 s, uvicorn and Node 5 s, nginx 75 s)
IDLE_SECONDS = 1.5
#: connections being opened at once (per run): a burst never overflows a small server's listen backlog
CONNECTS_AT_ONCE = 8
#: how often, at most, requests in flight are checked against their deadlines (a deadline is kept to this)
SWEEP_SECONDS = 0.05
_SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: methods that define a meaning for content: sent with ``Content-Length: 0`` when there is no body (RFC 9110 §8.6)
_CONTENT_METHODS = frozenset({"POST", "PUT", "PATCH"})


class _Failure(Exception):
    """A request that got no (complete) answer: ``str(self)`` is the Exchange's error, ``kind: detail``."""

    def __init__(self, error: str, *, fresh_retry: bool = False) -> None:
        super().__init__(error)
        self.fresh_retry = fresh_retry  #: closed under the request before any answer byte, on a reused connection


class _Conn(asyncio.Protocol):
    """One connection; at most one request in flight on it."""

    def __init__(self, pool: "Pool", key: tuple) -> None:
        self.pool = pool
        self.key = key
        self.limits = pool.limits
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self.waiter: asyncio.Future | None = None
        self._reset_message(False)

    # -- the request's state ----------------------------------------------------------------------
    def _reset_message(self, head: bool) -> None:
        self.head = head
        self.done = False  #: the request has its ending (an answer or a failure): later bytes are unasked
        self.answer: tuple | None = None  #: the answer, taken when it ended; later parser callbacks never change it
        self.swap_parser = False
        self.got_bytes = False
        self.header_bytes = 0
        self.header_total = 0
        self.headers_done = False
        self.status: int | None = None
        self.reason = b""
        self.headers: list[tuple[str, str]] = []  #: names lower-cased, as an Exchange holds them
        self.chunks: list[bytes] = []
        self.size = 0
        self.truncated = False
        self.reusable = True
        self.version = "1.1"

    def start(self, head: bool) -> asyncio.Future:
        self._reset_message(head)
        self.waiter = self.pool.loop.create_future()
        return self.waiter

    def _finish(self, error: _Failure | None = None) -> None:
        self.done = True
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            if error is not None:
                waiter.set_exception(error)
            else:
                waiter.set_result(None)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _unasked(self) -> bool:
        """True (and the connection marked unusable) when the parser goes on past the request's ending: the
        server sent more than the answer (a second answer, junk, a body after a HEAD answer)."""
        if self.done:
            self.reusable = False
            return True
        return False

    # -- asyncio.Protocol ---------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.waiter is None:  # bytes nobody asked for (a body after a HEAD answer, a late write): unusable
            self.reusable = False
            self.close()
            return
        self.got_bytes = True
        if not self.headers_done:
            # a header line that never ends is never handed to on_header: the bytes before the blank line are counted
            self.header_bytes += len(data)
            if self.header_bytes > 2 * self.limits.max_header_bytes + 65536:
                self._fail_limit(_header_bytes_error(self.limits))
                return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:  # 101 Switching Protocols: the answer is complete, the connection is not HTTP
            self.reusable = False
            self._complete()
        except httptools.HttpParserError as exc:
            self.reusable = False  # a parser in error never parses again
            if self.done or (isinstance(exc, httptools.HttpParserCallbackError) and isinstance(exc.__context__, _Stop)):
                self.close()  # past the answer (unasked bytes that are not HTTP), or stopped on purpose below
                return
            detail = " ".join(str(exc.__context__ or exc).split())[:300] or exc.__class__.__name__
            if self.headers_done and self.status is not None:
                self._complete(error=f"protocol: body: {detail}")
            else:
                self.close()
                self._finish(_Failure(f"protocol: {detail}"))
        finally:
            if self.swap_parser:  # after a HEAD answer: the next answer starts on a fresh parser
                self.parser = httptools.HttpResponseParser(self)
                self.swap_parser = False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool.forget(self)
        try:
            self._lost(exc)
        finally:
            # the parser holds this protocol, as the transport did: with both let go, a closed connection is freed by
            # reference counting, not left as a cycle for the collector (one per closed connection)
            self.parser = self.transport = None  # type: ignore[assignment]

    def _lost(self, exc: Exception | None) -> None:
        if self.waiter is None:
            return
        if self.headers_done and not self._framed() and not self.head and self.status is not None:
            self._complete()  # a close-delimited body: the connection's end is the body's end
            return
        where = "body: " if self.headers_done else ""
        text = f" ({' '.join(str(exc).split())[:200]})" if exc else ""
        self._finish(_Failure(f"reset: {where}the server closed the connection before a complete answer{text}",
                              fresh_retry=self.reused and not self.got_bytes))

    def _framed(self) -> bool:
        """Content-Length or Transfer-Encoding given: the body does not end with the connection."""
        return any(name in ("content-length", "transfer-encoding") for name, _ in self.headers)

    # -- httptools callbacks --------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._unasked()

    def on_status(self, status: bytes) -> None:
        if not self._unasked():
            self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._unasked():
            return
        headers = self.headers
        headers.append((name.decode("latin-1").lower(), value.decode("latin-1")))
        self.header_total += len(name) + len(value) + 4
        limits = self.limits
        if len(headers) > limits.max_headers:
            self._fail_limit(f"limit: the answer has more than {limits.max_headers} header fields, the cap (--max-headers)")
            raise _Stop
        if self.header_total > limits.max_header_bytes:
            self._fail_limit(_header_bytes_error(limits))
            raise _Stop

    def on_headers_complete(self) -> None:
        if self._unasked():
            return
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:  # an interim answer: the final one follows
            self.reason = b""
            self.headers = []
            self.header_bytes = self.header_total = 0
            return
        self.headers_done = True
        self.status = status
        self.version = self.parser.get_http_version()
        if self.head:
            if not self.parser.should_keep_alive():
                self.reusable = False
            # no content, whatever Content-Length says (RFC 9112 §6.3): the answer ends here. This parser still
            # expects a body: whatever else this read holds goes to it and makes the connection unusable
            # (the callbacks above), and the next answer starts on a fresh parser (data_received)
            self.swap_parser = True
            self._complete()

    def on_body(self, body: bytes) -> None:
        if self._unasked():
            return
        self.chunks.append(body)
        self.size += len(body)
        if self.size > self.limits.max_body:
            self.truncated = True  # the rest is never read: the connection is closed
            self.reusable = False
            self._complete()
            raise _Stop

    def on_message_complete(self) -> None:
        if self.done:  # a HEAD answer's parser may end its own (empty) message; anything else is unasked
            if not self.head:
                self.reusable = False
            return
        if not self.headers_done:
            return
        if not self.parser.should_keep_alive():
            self.reusable = False
        self._complete()

    # -- endings -----------------------------------------------------------------------------------------
    def expire(self, limit: float) -> None:
        """The request's deadline passed (Pool._sweep): it ends with a timeout, and the connection with it."""
        self.reusable = False
        self._finish(_Failure(f"timeout: no complete answer within {limit:g} s"))

    def _fail_limit(self, error: str) -> None:
        self.reusable = False
        self.close()
        self._finish(_Failure(error))

    def _complete(self, error: str | None = None) -> None:
        if self.done:
            return
        if self.status is not None and self.status >= 500:
            # a server that has just failed often drops the connection right after its 5xx, without saying so
            # (uvicorn after an unhandled exception): the next request on it would meet a reset that says
            # nothing about that request -- and a POST is never re-sent. A failing server gets a fresh one.
            self.reusable = False
        self.answer = (self.status, self.reason, self.headers, self.chunks, self.size, self.truncated, self.version, error)
        if not self.reusable:
            self.close()
        self._finish()


class _Stop(Exception):
    """Raised in a parser callback to stop parsing this chunk (the request already has its ending)."""


class Pool:
    """Idle keep-alive connections per origin, and the one TLS context."""

    def __init__(self, limits, loop: asyncio.AbstractEventLoop, default_headers: dict[str, str]) -> None:
        self.limits = limits
        self.loop = loop
        self.writer = RequestWriter(default_headers)
        self.idle: dict[tuple, list[_Conn]] = {}
        self._ssl: _ssl.SSLContext | None = None
        self.open: set[_Conn] = set()
        self._connecting = asyncio.Semaphore(CONNECTS_AT_ONCE)
        self.inflight: dict[_Conn, tuple[float, float]] = {}  #: connection -> (deadline, limit) of its request
        self._sweeper: asyncio.TimerHandle | None = None

    # -- deadlines: one periodic sweep over the requests in flight, not a timer per request ----------------
    def watch(self, conn: _Conn, deadline: float, limit: float) -> None:
        self.inflight[conn] = (deadline, limit)
        if self._sweeper is None:
            self._sweeper = self.loop.call_at(min(deadline, self.loop.time() + SWEEP_SECONDS), self._sweep)

    def unwatch(self, conn: _Conn) -> None:
        self.inflight.pop(conn, None)

    def _sweep(self) -> None:
        self._sweeper = None
        if not self.inflight:
            return
        now = self.loop.time()
        soonest = now + SWEEP_SECONDS
        for conn, (deadline, limit) in list(self.inflight.items()):
            if deadline <= now:
                del self.inflight[conn]
                conn.expire(limit)
            elif deadline < soonest:
                soonest = deadline
        if self.inflight:
            self._sweeper = self.loop.call_at(soonest, self._sweep)

    def ssl_context(self) -> _ssl.SSLContext:
        if self._ssl is None:
            self._ssl = _ssl.create_default_context()
        return self._ssl

    def forget(self, conn: _Conn) -> None:
        self.open.discard(conn)
        idle = self.idle.get(conn.key)
        if idle and conn in idle:
            idle.remove(conn)

    def take(self, key: tuple) -> _Conn | None:
        idle = self.idle.get(key)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if conn.closed or conn.transport is None or conn.transport.is_closing():
                continue
            if now - conn.idle_since > IDLE_SECONDS:
                conn.close()
                continue
            conn.reused = True
            return conn
        return None

    def give_back(self, conn: _Conn) -> None:
        if conn.closed or not conn.reusable or conn.transport is None or conn.transport.is_closing():
            conn.close()
            return
        idle = self.idle.setdefault(conn.key, [])
        if len(idle) >= self.limits.concurrency:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        idle.append(conn)

    async def connect(self, key: tuple) -> _Conn:
        scheme, host, port = key
        ctx = self.ssl_context() if scheme == "https" else None
        # at most CONNECTS_AT_ONCE handshakes at a time: 32 at once overflow the listen backlog of small servers
        # (Python's http.server: 5, Django's runserver: 10), whose kernel then drops the SYNs, and every
        # dropped one costs the 1 s of a SYN retransmission
        async with self._connecting:
            _, conn = await self.loop.create_connection(lambda: _Conn(self, key), host, port, ssl=ctx,
                                                        server_hostname=host if ctx else None)
        self.open.add(conn)
        return conn  # type: ignore[return-value]

    def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for conn in list(self.open):
            conn.close()
        self.open.clear()
        self.idle.clear()


def _check_line(text: str) -> None:
    if "\n" in text or "\r" in text:
        raise _Failure("protocol: a request header or the target contains a line break: not sent")


def _origin(url: str) -> tuple[tuple, str]:
    """``((scheme, host, port), Host header value)`` of an absolute http(s) URL's origin part."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise _Failure(f"connect: unsupported URL scheme {parts.scheme!r} in {url}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise _Failure(f"connect: {exc} in {url}") from None
    if not host:
        raise _Failure(f"connect: no host in {url}")
    netloc = parts.netloc.rpartition("@")[2]
    _check_line(netloc)
    return (scheme, host, port or (443 if scheme == "https" else 80)), netloc


class RequestWriter:
    """Request bytes, with what every request shares prepared once: the default header block and the
    parsed origins. The target and the method token are written exactly as given."""

    def __init__(self, defaults: dict[str, str]) -> None:
        self.defaults = defaults
        try:
            self._block: str | None = self._header_block(defaults)
            self._error = ""
        except _Failure as exc:  # a --header with a line break: every request says so, none is sent
            self._block, self._error = None, str(exc)
        self._origins: dict[str, tuple[tuple, str]] = {}

    @staticmethod
    def _header_block(headers: dict[str, str]) -> str:
        for k, v in headers.items():
            _check_line(k)
            _check_line(v)
        return "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k != "host")

    def split(self, url: str) -> tuple[tuple, str, str]:
        """``(origin key, Host value, request target)``."""
        start = url.find("://")
        cut = url.find("/", start + 3) if start > 0 else -1
        prefix = url if cut == -1 else url[:cut]
        if start <= 0 or "?" in prefix or "#" in prefix:  # unusual: the slow, exact way
            parts = urlsplit(url)
            key, host = _origin(url)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        else:
            cached = self._origins.get(prefix)
            if cached is None:
                cached = self._origins[prefix] = _origin(prefix)
            key, host = cached
            target = "/" if cut == -1 else url[cut:]
            if "#" in target:
                target = target.partition("#")[0]
        _check_line(target)
        return key, host, target

    def build(self, method: str, url: str, extra: dict[str, str] | None, body: bytes | None) -> tuple[tuple, bytes]:
        key, host, target = self.split(url)
        _check_line(method)
        if extra:  # per-request headers: merged over the defaults (a given Host replaces the URL's)
            merged = {**self.defaults, **extra}
            host = merged.get("host", host)
            _check_line(host)
            block = self._header_block(merged)
        elif self._block is None:
            raise _Failure(self._error)
        else:
            block = self._block
        if body is not None:
            block += f"content-length: {len(body)}\r\n"
        elif method.upper() in _CONTENT_METHODS:
            block += "content-length: 0\r\n"
        try:
            data = f"{method} {target} HTTP/1.1\r\nhost: {host}\r\n{block}\r\n".encode("latin-1")
        except UnicodeEncodeError as exc:
            raise _Failure(f"protocol: the request cannot be encoded: {exc}") from None
        return key, data + body if body else data


async def send(client: _Client, pool: Pool, method: str, url: str, headers: dict[str, str] | None,
               body: bytes | None, limit: float) -> Exchange:
    """One request, its answer read within ``limit`` seconds in all (connect included)."""
    started = time.perf_counter()
    extra = {k.lower(): v for k, v in headers.items()} if headers else None
    sent_headers = client.evidence_headers(extra)
    try:
        key, payload = pool.writer.build(method, url, extra, body)
    except _Failure as exc:
        return Exchange(method, url, sent_headers, body, error=str(exc), elapsed=time.perf_counter() - started)
    loop = pool.loop
    deadline = loop.time() + limit
    head = method == "HEAD" or method.upper() == "HEAD"
    # the request itself may ask for the connection to end (the override probes do): the server then closes
    # it after the answer, often without saying so in the answer (http.server does), so it is never reused
    close = extra is not None and "close" in extra.get("connection", "").lower()
    conn: _Conn | None = None
    try:
        for attempt in (0, 1):
            conn = pool.take(key)
            if conn is None:
                try:
                    async with asyncio.timeout_at(deadline):
                        conn = await pool.connect(key)
                except TimeoutError:
                    raise _Failure(f"connect: timeout: no connection to {key[1]}:{key[2]} within {limit:g} s") from None
                except (OSError, _ssl.SSLError) as exc:
                    raise _Failure(_connect_error(exc, key)) from None
            waiter = conn.start(head)
            pool.watch(conn, deadline, limit)
            try:
                conn.transport.write(payload)  # type: ignore[union-attr]
                await waiter
            except _Failure as exc:
                if attempt == 0 and exc.fresh_retry and method.upper() in _SAFE:
                    continue  # a stale keep-alive connection: once more on a new one
                raise
            finally:
                pool.unwatch(conn)
            if close:
                conn.reusable = False
            break
        assert conn is not None and conn.answer is not None
        status, reason, raw, chunks, size, truncated, version, error = conn.answer
        pool.give_back(conn)
        conn = None
    except _Failure as exc:
        return Exchange(method, url, sent_headers, body, error=str(exc), elapsed=time.perf_counter() - started)
    except (OSError, _ssl.SSLError) as exc:
        return Exchange(method, url, sent_headers, body, error=f"reset: {exc.__class__.__name__}: {exc}",
                        elapsed=time.perf_counter() - started)
    finally:
        if conn is not None:  # ended without a usable answer (a failure, a timeout, a cancellation): never reused
            conn.close()
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if truncated:
        data = data[: client.limits.max_body]
    resp_headers = tuple(raw)
    if client.masked:
        resp_headers = tuple((k, client._scrub(v)) for k, v in resp_headers)
        data = client._scrub_bytes(data)
    return Exchange(method, url, sent_headers, body, status, reason.decode("latin-1", "replace"), resp_headers, data,
                    size, truncated, _VERSIONS.get(version) or f"HTTP/{version}", error, time.perf_counter() - started)


_VERSIONS = {"1.1": "HTTP/1.1", "1.0": "HTTP/1.0"}


def _header_bytes_error(limits) -> str:
    return (f"limit: header section too large: more than {limits.max_header_bytes} bytes "
            f"(cap: {limits.max_headers} fields of at most {limits.max_header_bytes} bytes)")


def _connect_error(exc: BaseException, key: tuple) -> str:
    text = " ".join(str(exc).split())[:300] or exc.__class__.__name__
    if isinstance(exc, socket.gaierror):
        return f"connect: cannot resolve {key[1]!r}: {text}"
    if isinstance(exc, _ssl.SSLError):
        return f"connect: TLS: {text}"
    return f"connect: {text}"
