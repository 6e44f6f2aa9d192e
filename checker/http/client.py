"""The one HTTP seam: every request conform405 sends goes through :class:`HttpClient`.

It wraps an ``httpx.AsyncClient`` whose transport is chosen once:

* ``"aiohttp"`` (default when installed): httpx's API over aiohttp's C parser, several
  times faster than httpx's own transport under concurrency (see the README's design notes);
* ``"httpx"``: httpx's own transport (h11), always available;
* an in-process ASGI or WSGI application (:mod:`checker.http.inprocess`): no socket, no server.

Whatever the transport, redirects are never followed here, the body is read only up
to a cap, every request has a hard deadline, and the answer becomes an
:class:`~checker.observe.Exchange` (a network failure too: it is a fact, not a crash).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

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


class HttpClient:
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
        transport = self._make_transport()
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(self.limits.timeout),
            trust_env=False,  # never route probes through an environment proxy
            headers={"user-agent": USER_AGENT},
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _make_transport(self) -> httpx.AsyncBaseTransport:
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
        if choice in ("auto", "aiohttp"):
            try:
                from httpx_aiohttp import AiohttpTransport

                self.transport_name = "aiohttp"
                return AiohttpTransport(limits=limits, trust_env=False)
            except ImportError:
                if choice == "aiohttp":
                    raise
        self.transport_name = "httpx"
        return httpx.AsyncHTTPTransport(limits=limits, trust_env=False, retries=0)

    async def send(self, method: str, url: str, headers: dict[str, str] | None = None, body: bytes | None = None) -> Exchange:
        assert self._client is not None, "use 'async with HttpClient(...)'"
        req_headers = dict(self.default_headers)
        if headers:
            req_headers.update({k.lower(): v for k, v in headers.items()})
        self.sent += 1
        started = time.perf_counter()
        sent_headers = tuple((k, secret_ref(k) if k in self.masked else v) for k, v in req_headers.items())
        try:
            return await asyncio.wait_for(
                self._send(method, url, req_headers, body, started, sent_headers), timeout=self.limits.timeout + 1.0
            )
        except asyncio.TimeoutError:
            return Exchange(method, url, sent_headers, body, error=f"timeout: no complete answer within {self.limits.timeout:g} s",
                            elapsed=time.perf_counter() - started)

    async def _send(self, method, url, req_headers, body, started, sent_headers) -> Exchange:
        assert self._client is not None
        try:
            request = self._client.build_request(method, url, headers=req_headers, content=body)
            response = await self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            return Exchange(method, url, sent_headers, body, error=f"timeout: {exc or 'no answer'}", elapsed=time.perf_counter() - started)
        except httpx.ConnectError as exc:
            return Exchange(method, url, sent_headers, body, error=f"connect: {exc or 'connection failed'}", elapsed=time.perf_counter() - started)
        except (httpx.RemoteProtocolError, httpx.LocalProtocolError) as exc:
            return Exchange(method, url, sent_headers, body, error=f"protocol: {exc}", elapsed=time.perf_counter() - started)
        except httpx.HTTPError as exc:
            return Exchange(method, url, sent_headers, body, error=f"network: {exc.__class__.__name__}: {exc}", elapsed=time.perf_counter() - started)
        except (OSError, ValueError) as exc:  # aiohttp may raise its own parse errors (ValueError subclasses)
            return Exchange(method, url, sent_headers, body, error=f"protocol: {exc.__class__.__name__}: {exc}", elapsed=time.perf_counter() - started)
        chunks: list[bytes] = []
        size = 0
        truncated = False
        error = None
        try:
            if method.upper() != "HEAD":
                async for chunk in response.aiter_raw():
                    size += len(chunk)
                    if size > self.limits.max_body:
                        keep = self.limits.max_body - (size - len(chunk))
                        if keep > 0:
                            chunks.append(chunk[:keep])
                        truncated = True
                        break
                    chunks.append(chunk)
        except httpx.TimeoutException:
            error = "timeout: the body did not finish in time"
        except (httpx.HTTPError, OSError, ValueError) as exc:
            error = f"protocol: body: {exc.__class__.__name__}: {exc}"
        finally:
            try:
                await response.aclose()
            except Exception:  # noqa: BLE001 - closing a broken stream must not hide the answer
                pass
        headers = tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in response.headers.raw)
        reason = response.extensions.get("reason_phrase", b"")
        return Exchange(
            method=method,
            url=url,
            request_headers=sent_headers,
            body_sent=body,
            status=response.status_code,
            reason=reason.decode("latin-1", "replace") if isinstance(reason, bytes) else str(reason),
            headers=headers,
            body=b"".join(chunks),
            body_size=size,
            body_truncated=truncated,
            http_version=response.http_version,
            error=error,
            elapsed=time.perf_counter() - started,
        )
