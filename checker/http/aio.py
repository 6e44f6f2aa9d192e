"""The probe hot path on aiohttp directly (no httpx layers): chosen by :class:`~checker.http.client.HttpClient`
for sockets when aiohttp is installed (transport ``auto``/``aiohttp``); httpx stays for in-process apps,
``--transport httpx`` and the public API.

Why: on the GitHub matrix (6,488 requests against a local conformant server) httpx over httpx-aiohttp
spent about 4x the CPU per request of aiohttp alone -- request building, the transport adapter and the
response wrappers, not the network (README, "Performance"). The same guarantees as the httpx path:

* the method token goes on the wire exactly as given (aiohttp upper-cases it; :class:`ExactMethodRequest`
  puts it back), the URL exactly as given (``yarl.URL(..., encoded=True)``: no re-quoting, no dot-segment
  folding);
* redirects are never followed, bodies are not decompressed, at most ``max_body`` bytes are read (a
  truncated answer's connection is closed, never reused), and the header caps of :class:`Limits` apply;
* every failure becomes an :class:`Exchange` with an error of the kinds :func:`describe_error` gives.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import aiohttp
from yarl import URL

from ..observe import Exchange

if TYPE_CHECKING:  # pragma: no cover
    from .client import HttpClient

_VERSIONS = {(1, 1): "HTTP/1.1", (1, 0): "HTTP/1.0", (2, 0): "HTTP/2"}


#: The method token exactly as the caller gave it. ``ClientSession._request`` upper-cases the method
#: before it builds the request, so the original travels beside it, in the sending task's context.
_EXACT_METHOD: ContextVar[str | None] = ContextVar("conform405_exact_method", default=None)


class ExactMethodRequest(aiohttp.ClientRequest):
    """aiohttp's request with the method token kept as given (``aiohttp`` would send ``Link`` as ``LINK``)."""

    def __init__(self, method: str, url: URL, *args: Any, **kwargs: Any) -> None:
        super().__init__(method, url, *args, **kwargs)
        exact = _EXACT_METHOD.get()
        self.method = exact if exact is not None and exact.upper() == method.upper() else method


async def send(client: "HttpClient", session: aiohttp.ClientSession, method: str, url: str, req_headers: dict[str, str],
               body: bytes | None, started: float, sent_headers: tuple[tuple[str, str], ...], limit: float) -> Exchange:
    limits = client.limits
    try:
        _EXACT_METHOD.set(method)
        resp = await session.request(method, URL(url, encoded=True), headers=req_headers, data=body,
                                      allow_redirects=False, timeout=aiohttp.ClientTimeout(total=limit))
    except Exception as exc:  # noqa: BLE001 - whatever the server did, it is a fact, not a crash
        return Exchange(method, url, sent_headers, body, error=client._describe(exc), elapsed=time.perf_counter() - started)
    size = 0
    truncated = False
    error = None
    data = b""
    try:
        raw = resp.raw_headers
        count, total = len(raw), sum(len(k) + len(v) + 4 for k, v in raw)
        if count > limits.max_headers or total > limits.max_header_bytes:
            from .client import _header_limit

            resp.close()
            return Exchange(method, url, sent_headers, body, error=_header_limit(count, total, limits),
                            elapsed=time.perf_counter() - started)
        if method != "HEAD":
            chunks: list[bytes] = []
            want = limits.max_body + 1
            while want > 0:
                chunk = await resp.content.read(want)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                want -= len(chunk)
            data = b"".join(chunks)
            if size > limits.max_body:
                data, truncated = data[: limits.max_body], True
    except Exception as exc:  # noqa: BLE001
        kind, _, detail = client._describe(exc).partition(": ")
        error = f"{kind}: body: {detail}"
    finally:
        if truncated or error:
            resp.close()  # the rest is never read: the connection cannot be reused
        else:
            resp.release()
    headers = tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw)
    if client.masked:
        headers = tuple((k, client._scrub(v)) for k, v in headers)
        data = client._scrub_bytes(data)
    return Exchange(
        method=method,
        url=url,
        request_headers=sent_headers,
        body_sent=body,
        status=resp.status,
        reason=resp.reason or "",
        headers=headers,
        body=data,
        body_size=size,
        body_truncated=truncated,
        http_version=_VERSIONS.get((resp.version.major, resp.version.minor), "HTTP/1.1") if resp.version else "HTTP/1.1",
        error=error,
        elapsed=time.perf_counter() - started,
    )
