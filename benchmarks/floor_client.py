"""The floor: a minimal asynchronous client firing exactly the requests of a conform405 plan, nothing else.

    python -m benchmarks.floor_client PLAN.json [CONCURRENCY] [--kind asyncio|aiohttp]

PLAN.json is ``conform405 plan SPEC --base-url URL --json -``; every cell's URL is sent with its
method, path parameters filled with a constant, with the same concurrency as conform405's default
(32). It judges nothing and keeps nothing but the status. Two floors:

* ``asyncio`` (default): plain asyncio -- one ``asyncio.Protocol`` per keep-alive connection, requests
  written as bytes, answers parsed by httptools (the C parser uvicorn uses). No timeouts, no caps, no
  error handling beyond the happy path: the least a Python client can do per request;
* ``aiohttp``: one aiohttp ``ClientSession``, the usual fast asynchronous client.

Prints ``requests=N`` on the last line.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from urllib.parse import urlsplit


class _Conn(asyncio.Protocol):
    def __init__(self) -> None:
        import httptools

        self._httptools = httptools
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future | None = None
        self.head = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def connection_lost(self, exc) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionResetError("closed"))

    def on_headers_complete(self) -> None:
        if self.head:  # a HEAD answer has no body, whatever Content-Length says
            status = self.parser.get_status_code()
            self.parser = self._httptools.HttpResponseParser(self)  # the next answer starts afresh
            self.waiter.set_result(status)  # type: ignore[union-attr]

    def on_message_complete(self) -> None:
        if not self.head and self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(self.parser.get_status_code())


async def fire_asyncio(requests: list[tuple[str, str]], concurrency: int) -> int:
    loop = asyncio.get_running_loop()
    pending = iter(requests)
    done = 0

    async def worker() -> None:
        nonlocal done
        conn: _Conn | None = None
        for method, url in pending:
            parts = urlsplit(url)
            if conn is None:
                _, conn = await loop.create_connection(_Conn, parts.hostname, parts.port)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            conn.head = method == "HEAD"
            conn.waiter = loop.create_future()
            conn.transport.write(f"{method} {target} HTTP/1.1\r\nhost: {parts.netloc}\r\n"
                                 f"user-agent: floor\r\naccept: */*\r\n\r\n".encode("latin-1"))
            await conn.waiter
            done += 1
        if conn is not None:
            conn.transport.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done


async def fire_aiohttp(requests: list[tuple[str, str]], concurrency: int) -> int:
    import aiohttp

    sem = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:

        async def one(method: str, url: str) -> int:
            async with sem:
                async with session.request(method, url, allow_redirects=False) as resp:
                    await resp.read()
                    return resp.status

        statuses = await asyncio.gather(*(one(m, u) for m, u in requests))
    return len(statuses)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--kind")]
    kind = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--kind=")), "asyncio")
    with open(args[0], "rb") as fh:
        plan = json.load(fh)
    concurrency = int(args[1]) if len(args) > 1 else 32
    fill = re.compile(r"\{[^{}/]*\}")
    requests = [(c["method"], fill.sub("1", c["url"])) for c in plan["matrix"]]
    fire = fire_asyncio if kind == "asyncio" else fire_aiohttp
    print(f"requests={asyncio.run(fire(requests, concurrency))}")


if __name__ == "__main__":
    main()
