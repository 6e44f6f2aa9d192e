"""Walking a redirect chain hop by hop (the HTTP client itself never follows redirects).

For now: 307 and 308 keep the method and the body (RFC 9110 §15.4.8, §15.4.9), so they
are followed, same origin only, within the hop limit, and the cell is judged on the
final answer. Other redirects end the chain; the redirect rules judge them.
"""

from __future__ import annotations

from typing import Awaitable, Callable
from urllib.parse import urljoin, urlparse

from ..observe import Exchange

Send = Callable[[str, str, dict[str, str], bytes | None], Awaitable[Exchange | None]]


async def walk(send: Send, method: str, url: str, headers: dict[str, str], body: bytes | None, max_hops: int) -> tuple[Exchange, ...]:
    """Send, then follow 307/308 within the same origin; ``send`` returns None when the run's budget is spent."""
    chain: list[Exchange] = []
    for _ in range(max_hops + 1):
        ex = await send(method, url, headers, body)
        if ex is None:
            break
        chain.append(ex)
        location = ex.header("location")
        if ex.status in (307, 308) and location:
            nxt = urljoin(url, location)
            if _origin(nxt) != _origin(url) or any(c.url == nxt for c in chain):
                break
            url = nxt
            continue
        break
    return tuple(chain)


def _origin(url: str) -> tuple[str, str]:
    p = urlparse(url)
    return p.scheme, p.netloc
