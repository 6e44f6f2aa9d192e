"""One HTTP/1.1 request over a raw asyncio stream, for what real HTTP clients hide on purpose.

httpx and aiohttp know that a response to HEAD has no content (RFC 9112 §6.3), so they stop
reading at the blank line and never show the bytes a broken server sends after it. Here the
request goes out with ``Connection: close`` and everything that arrives after the header block
is kept as the body, within bounds: at most ``Limits.max_body`` bytes, the run's per-request
timeout, and a short quiet period (``QUIET``) after which a silent, still-open connection counts
as "no more bytes". Used for the HEAD-depth probe (checker/rules/head_depth.py).
"""

from __future__ import annotations

import asyncio
import ssl as _ssl
import time
from urllib.parse import urlsplit

from ..observe import Exchange
from ..reproduce import secret_ref

#: seconds to wait for more bytes once the header block is in (a server may keep the connection open)
QUIET = 0.5
_MAX_HEAD = 64 * 1024


async def send_raw(client, method: str, url: str, headers: dict[str, str] | None = None, body: bytes | None = None) -> Exchange:
    """Send one request the way ``client`` would (its default headers, masking and limits), without a parser
    that knows HEAD. Never raises for network trouble: it becomes ``Exchange.error``."""
    limits = client.limits
    client.sent += 1
    req_headers = dict(client.default_headers)
    req_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    req_headers.setdefault("host", parts.netloc.rsplit("@", 1)[-1])
    req_headers["connection"] = "close"
    if body is not None:
        req_headers["content-length"] = str(len(body))
    sent_headers = tuple((k, secret_ref(k) if k in client.masked else v) for k, v in req_headers.items())
    started = time.perf_counter()

    def failed(error: str) -> Exchange:
        return Exchange(method, url, sent_headers, body, error=error, elapsed=time.perf_counter() - started)

    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in req_headers.items()) + "\r\n"
    try:
        payload = head.encode("latin-1") + (body or b"")
    except UnicodeEncodeError as exc:
        return failed(f"protocol: request cannot be encoded: {exc}")
    deadline = time.monotonic() + limits.timeout
    writer = None
    try:
        ctx = _ssl.create_default_context() if parts.scheme == "https" else None
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, ssl=ctx, server_hostname=host if ctx else None, limit=_MAX_HEAD),
                timeout=limits.timeout)
        except asyncio.TimeoutError:
            return failed(f"timeout: no connection within {limits.timeout:g} s")
        except OSError as exc:
            return failed(f"connect: {exc}")
        writer.write(payload)
        await writer.drain()
        try:
            block = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=max(0.01, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            return failed(f"timeout: no complete header block within {limits.timeout:g} s")
        except asyncio.IncompleteReadError as exc:
            return failed("protocol: the connection closed before the header block ended"
                          + (f" ({len(exc.partial)} bytes)" if exc.partial else " (no bytes)"))
        except asyncio.LimitOverrunError:
            return failed(f"protocol: header block larger than {_MAX_HEAD} bytes")
        status, reason, version, resp_headers, problem = _parse_head(block)
        if problem:
            return failed(f"protocol: {problem}")
        chunks: list[bytes] = []
        size = 0
        truncated = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                chunk = await asyncio.wait_for(reader.read(16384), timeout=min(QUIET, left))
            except asyncio.TimeoutError:
                break  # quiet: the server sent nothing more
            if not chunk:
                break
            size += len(chunk)
            if size > limits.max_body:
                keep = limits.max_body - (size - len(chunk))
                if keep > 0:
                    chunks.append(chunk[:keep])
                truncated = True
                break
            chunks.append(chunk)
        return Exchange(method=method, url=url, request_headers=sent_headers, body_sent=body, status=status, reason=reason,
                        headers=resp_headers, body=b"".join(chunks), body_size=size, body_truncated=truncated,
                        http_version=version, elapsed=time.perf_counter() - started)
    except (OSError, _ssl.SSLError) as exc:
        return failed(f"protocol: {exc.__class__.__name__}: {exc}")
    finally:
        if writer is not None:
            writer.close()
            try:
                await asyncio.wait_for(writer.wait_closed(), timeout=1.0)
            except (asyncio.TimeoutError, OSError, _ssl.SSLError):
                pass


def _parse_head(block: bytes) -> tuple[int | None, str, str, tuple[tuple[str, str], ...], str | None]:
    lines = block.decode("latin-1").split("\r\n")
    status_line = lines[0]
    bits = status_line.split(" ", 2)
    if len(bits) < 2 or not bits[0].startswith("HTTP/") or not bits[1].isdigit() or len(bits[1]) != 3:
        return None, "", "", (), f"not an HTTP status line: {status_line[:80]!r}"
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            return None, "", "", (), f"malformed header line {line[:80]!r}"
        headers.append((name.strip().lower(), value.strip()))
    return int(bits[1]), bits[2] if len(bits) > 2 else "", bits[0], tuple(headers), None
