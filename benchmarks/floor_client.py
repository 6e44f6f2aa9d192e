"""The floor: a minimal asynchronous client firing exactly the requests of a conform405 plan, nothing else.

    python -m benchmarks.floor_client PLAN.json [CONCURRENCY]

PLAN.json is ``conform405 plan SPEC --base-url URL --json -``; every cell's URL is sent with its
method, path parameters filled with a constant, through aiohttp with one connection pool and the
same concurrency as conform405's default (32). It judges nothing and keeps nothing but the status.
Prints ``requests=N`` on the last line.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys

import aiohttp


async def fire(requests: list[tuple[str, str]], concurrency: int) -> int:
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
    with open(sys.argv[1], "rb") as fh:
        plan = json.load(fh)
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    fill = re.compile(r"\{[^{}/]*\}")
    requests = [(c["method"], fill.sub("1", c["url"])) for c in plan["matrix"]]
    print(f"requests={asyncio.run(fire(requests, concurrency))}")


if __name__ == "__main__":
    main()
