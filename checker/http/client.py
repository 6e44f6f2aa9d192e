"""The one HTTP seam: every request conform405 sends goes through :class:`HttpClient`.

The transport is chosen once:

* ``"socket"`` (``"auto"``, the default): conform405's own lean HTTP/1.1 client on asyncio and
  httptools (:mod:`checker.http.wire`), the fastest by far (see the README's "Performance");
* ``"httpx"``: an ``httpx.AsyncClient`` on httpx's own transport (h11);
* an in-process ASGI or WSGI application (:mod:`checker.http.inprocess`), through httpx: no socket, no server.

Whatever the transport, redirects are never followed here, the body is read only up
to a cap, every request has a hard deadline, and the answer becomes an
:class:`~checker.observe.Exchange` (a network failure too: it is a fact, not a crash).
"""

from __future__ import annotations

import asyncio
import socket
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when used: socket probes never need httpx (start-up)
    import httpx

from ..observe import Exchange
from ..reproduce import secret_ref

USER_AGENT = "conform405/0.1 (+https://github.com/conform405/conform405)"


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0  #: per request, connect to last byte read (seconds)
    max_body: int = 64 * 1024  #: response bytes kept; the rest is not read
    concurrency: int = 32  #: requests in flight at once
    max_hops: int = 5  #: redirects followed per probe (307/308, same origin)
    max_headers: int = 256  #: header fields accepted in one answer; more makes it a "limit" error
    max_header_bytes: int = 64 * 1024  #: bytes of one header line, and of the whole header section


class HttpClient:
    _pool: Any = None  #: the connection pool of the socket hot path (checker/http/wire.py)
    _wire: Any = None  #: checker.http.wire, once imported
    _default_evidence: tuple[tuple[str, str], ...] | None = None
    _app_transport: Any = None  #: the in-process application's transport (checker/http/inprocess.py), called directly

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        headers: dict[str, str] | None = None,
        transport: str | httpx.AsyncBaseTransport = "auto",
        app: Any = None,
        masked: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.limits = limits or Limits()
        self.masked = {m.lower() for m in masked}  #: header names whose values never appear in an Exchange
        self.default_headers = {"user-agent": USER_AGENT, "accept": "*/*", **{k.lower(): v for k, v in (headers or {}).items()}}
        self._transport_choice = transport
        self._app = app
        self._client: httpx.AsyncClient | None = None
        self.sent = 0
        self.transport_name = ""

    async def __aenter__(self) -> "HttpClient":
        if self._app is None and self._transport_choice in ("auto", "socket"):
            from . import wire

            self._wire = wire
            self._pool = wire.Pool(self.limits, asyncio.get_running_loop(), self.default_headers)  # http/wire.py
            self.transport_name = "socket"
            return self
        import httpx

        transport = self._make_transport()
        if self._app is not None:
            self._app_transport = transport
            self._app_urls: dict[str, httpx.URL] = {}
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(self.limits.timeout),
            trust_env=False,  # never route probes through an environment proxy
            headers={"user-agent": USER_AGENT},
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _make_transport(self) -> httpx.AsyncBaseTransport:
        import httpx

        choice = self._transport_choice
        if self._app is not None:  # in-process: ASGI on this loop, WSGI in worker threads (http/inprocess.py)
            from .inprocess import app_transport

            app_transport_ = app_transport(self._app, workers=self.limits.concurrency)
            self.transport_name = app_transport_.name  # type: ignore[attr-defined]
            return app_transport_
        if isinstance(choice, httpx.AsyncBaseTransport):
            self.transport_name = type(choice).__name__
            return choice
        limits = httpx.Limits(max_connections=self.limits.concurrency, max_keepalive_connections=self.limits.concurrency)
        self.transport_name = "httpx"
        return httpx.AsyncHTTPTransport(limits=limits, trust_env=False, retries=0)

    async def send(self, method: str, url: str, headers: dict[str, str] | None = None, body: bytes | None = None,
                   timeout: float | None = None) -> Exchange:
        """Send one request; never raises for anything the network or the server does.

        ``timeout`` (seconds) shortens this request's deadline (the engine passes what is left of
        ``--max-time``); it never lengthens :attr:`Limits.timeout`."""
        self.sent += 1
        limit = self.limits.timeout if timeout is None else max(0.001, min(timeout, self.limits.timeout))
        if self._pool is not None:  # sockets: one deadline of its own, connect to last byte (http/wire.py)
            return await self._wire.send(self, self._pool, method, url, headers, body, limit)
        assert self._client is not None, "use 'async with HttpClient(...)'"
        started = time.perf_counter()
        extra = {k.lower(): v for k, v in headers.items()} if headers else None
        req_headers = {**self.default_headers, **extra} if extra else dict(self.default_headers)
        sent_headers = self.evidence_headers(extra)
        try:
            # the hard deadline: a server trickling one byte per second never trips a per-read timeout
            # (asyncio.timeout, not wait_for: no extra task per request on the hot path)
            async with asyncio.timeout(limit + (1.0 if timeout is None else 0.0)):
                return await self._send(method, url, req_headers, body, started, sent_headers, limit)
        except asyncio.TimeoutError:
            return Exchange(method, url, sent_headers, body, error=f"timeout: no complete answer within {limit:g} s",
                            elapsed=time.perf_counter() - started)

    async def _send(self, method, url, req_headers, body, started, sent_headers, limit) -> Exchange:
        assert self._client is not None
        import httpx

        try:
            if self._app_transport is not None:
                # an in-process application: its transport directly, without the client's request building,
                # default headers (Accept-Encoding) and cookie jar -- the socket transport has none of them
                # either -- about a third of an --app run's CPU
                parsed = self._app_urls.get(url)
                if parsed is None:  # httpx parses a URL slowly; the methods of a path share one (httpx.URL is immutable)
                    if len(self._app_urls) > 4096:
                        self._app_urls.clear()
                    parsed = self._app_urls[url] = httpx.URL(url)
                request = httpx.Request(method, parsed, headers=req_headers, content=body)
                request.method = method  # httpx upper-cases it; the application gets the token as written
                response = await self._app_transport.handle_async_request(request)
            else:
                request = self._client.build_request(method, url, headers=req_headers, content=body,
                                                     timeout=httpx.Timeout(limit))
                response = await self._client.send(request, stream=True)
        except Exception as exc:  # noqa: BLE001 - whatever the server did, it is a fact, not a crash
            return Exchange(method, url, sent_headers, body, error=self._describe(exc), elapsed=time.perf_counter() - started)
        chunks: list[bytes] = []
        size = 0
        truncated = False
        error = None
        try:
            raw = response.headers.raw
            count, total = len(raw), sum(len(k) + len(v) + 4 for k, v in raw)
            if count > self.limits.max_headers or total > self.limits.max_header_bytes:
                return Exchange(method, url, sent_headers, body, error=_header_limit(count, total, self.limits),
                                elapsed=time.perf_counter() - started)
            if method.upper() != "HEAD":
                async for chunk in response.aiter_raw():
                    size += len(chunk)
                    if size > self.limits.max_body:
                        keep = self.limits.max_body - (size - len(chunk))
                        if keep > 0:
                            chunks.append(chunk[:keep])
                        truncated = True  # the rest is never read: the connection is closed below
                        break
                    chunks.append(chunk)
        except Exception as exc:  # noqa: BLE001
            kind, _, detail = self._describe(exc).partition(": ")
            error = f"{kind}: body: {detail}"
        finally:
            try:
                await response.aclose()
            except Exception:  # noqa: BLE001 - closing a broken stream must not hide the answer
                pass
        headers = tuple((k.decode("latin-1").lower(), self._scrub(v.decode("latin-1"))) for k, v in response.headers.raw)
        reason = response.extensions.get("reason_phrase", b"")
        return Exchange(
            method=method,
            url=url,
            request_headers=sent_headers,
            body_sent=body,
            status=response.status_code,
            reason=reason.decode("latin-1", "replace") if isinstance(reason, bytes) else str(reason),
            headers=headers,
            body=self._scrub_bytes(b"".join(chunks)),
            body_size=size,
            body_truncated=truncated,
            http_version=response.http_version,
            error=error,
            elapsed=time.perf_counter() - started,
        )

    def evidence_headers(self, extra: dict[str, str] | None) -> tuple[tuple[str, str], ...]:
        """The request's headers as a report shows them (secrets masked): the defaults, then ``extra``
        (lower-case names) over them. Without ``extra``, the same tuple every time."""
        if not extra:
            if self._default_evidence is None:
                self._default_evidence = self._mask(self.default_headers)
            return self._default_evidence
        return self._mask({**self.default_headers, **extra})

    def _mask(self, headers: dict[str, str]) -> tuple[tuple[str, str], ...]:
        return tuple((k, secret_ref(k) if k in self.masked else v) for k, v in headers.items())

    # -- secrets echoed back ---------------------------------------------------------------------------
    def _secrets(self) -> list[tuple[str, str]]:
        return [(v, secret_ref(k)) for k, v in self.default_headers.items() if k in self.masked and len(v) >= 4]

    def _scrub(self, text: str) -> str:
        """A server that echoes a secret header back (httpbin's /headers does) must not put it in a report."""
        for value, ref in self._secrets():
            if value in text:
                text = text.replace(value, ref)
        return text

    def _scrub_bytes(self, data: bytes) -> bytes:
        for value, ref in self._secrets():
            raw = value.encode("latin-1", "replace")
            if raw in data:
                data = data.replace(raw, ref.encode())
        return data

    def _describe(self, exc: BaseException) -> str:
        return self._scrub(describe_error(exc))


def _header_limit(count: int, total: int, limits: Limits) -> str:
    if count > limits.max_headers:
        return f"limit: the answer has {count} header fields, more than the cap of {limits.max_headers} (--max-headers)"
    return f"limit: the answer's header section is {total} bytes, more than the cap of {limits.max_header_bytes}"


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in out and len(out) < 16:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


class _HttpxErrors:
    """httpx's exception classes when httpx is loaded, else empty tuples (``isinstance(e, ())`` is False)."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name) if self._module is not None else ()


def describe_error(exc: BaseException) -> str:
    """One line, ``kind: detail``, for a request through httpx that got no (complete) answer.

    Kinds: ``connect`` (nothing accepted the connection: refused, unknown host, connect timeout),
    ``reset`` (the connection was closed or reset before a complete answer), ``timeout`` (connected,
    but the answer did not come in time), ``limit`` (the answer broke a cap: headers), ``protocol``
    (the bytes are not valid HTTP/1.1), ``network`` (anything else) -- the kinds the socket client
    (checker/http/wire.py) gives too. The whole cause chain is read, root first.
    """
    chain = _chain(exc)
    httpx = _HttpxErrors(sys.modules.get("httpx"))  # never imported: no exception can be one of its classes
    text = next((str(e).strip() for e in chain if str(e).strip()), exc.__class__.__name__)
    text = " ".join(text.split())[:300]
    names = [type(e).__name__ for e in chain]
    if "ConnectTimeout" in names:
        return f"connect: timeout: {text}"  # nothing accepted the connection in time
    for e in reversed(chain):  # the root cause first
        if isinstance(e, (ConnectionRefusedError, socket.gaierror)):
            return f"connect: {text}"
        if isinstance(e, httpx.ConnectError):
            return f"connect: {text}"
        if isinstance(e, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            return f"reset: {text}"
        if isinstance(e, (asyncio.TimeoutError, TimeoutError)):
            return f"timeout: {text}"
    if "RemoteProtocolError" in names and "without sending" in text:
        return f"reset: {text}"
    if any(isinstance(e, httpx.TimeoutException) for e in chain):
        return f"timeout: {text}"
    if any(isinstance(e, (httpx.RemoteProtocolError, httpx.LocalProtocolError)) for e in chain):
        low = text.lower()
        if "receive buffer too long" in low or ("header" in low and ("large" in low or "exceed" in low or "too" in low)):
            return f"limit: header section too large: {text}"
        return f"protocol: {text}"
    if any(isinstance(e, httpx.ConnectError) for e in chain):
        return f"connect: {text}"
    return f"network: {chain[-1].__class__.__name__}: {text}"
