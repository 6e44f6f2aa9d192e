"""Method tokens go on the wire exactly as written (RFC 9110 §9.1: method names are case-sensitive).

An OpenAPI 3.2 ``additionalOperations`` key such as ``Link`` must be sent as ``Link``, not ``LINK``.
"""

from __future__ import annotations

import asyncio

import pytest

from checker.http.client import HttpClient, Limits

from .support.fault_server import FaultServer


def test_default_socket_transport_keeps_the_token_exactly():
    with FaultServer() as srv:

        async def go() -> list[int | None]:
            async with HttpClient(Limits(), transport="auto") as client:
                answers = await asyncio.gather(*(client.send(m, f"{srv.url}/ok/{i}") for i, m in enumerate(("Link", "purge", "GET"))))
                return [a.status for a in answers]

        statuses = asyncio.run(go())
        sent = sorted(r.method for r in srv.received)
    assert statuses == [405, 405, 200]
    assert sent == ["GET", "Link", "purge"]


@pytest.mark.parametrize("transport", ["httpx"])
def test_httpx_transport_upper_cases(transport):
    """httpx upper-cases every method (documented in the README): the fast default transport is the exact one."""
    with FaultServer() as srv:

        async def go() -> None:
            async with HttpClient(Limits(), transport=transport) as client:
                await client.send("Link", f"{srv.url}/ok/1")

        asyncio.run(go())
        sent = [r.method for r in srv.received]
    assert sent == ["LINK"]


def test_the_removed_aiohttp_transport_is_a_usage_error_that_names_its_replacement(tmp_path):
    from .support.run import ROOT, cli

    r = cli(str(ROOT / "specs" / "bookshop.yaml"), "--base-url", "http://127.0.0.1:9", "--transport", "aiohttp")
    assert r.code == 2, (r.code, r.stderr)
    assert "socket" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("kind", ["asgi", "wsgi"])
def test_an_in_process_application_gets_the_token_exactly(kind):
    """--app calls the application's transport directly: ``Link`` and ``purge`` reach it as written."""
    seen: list[str] = []

    async def asgi_app(scope, receive, send):
        if scope["type"] != "http":
            return
        seen.append(scope["method"])
        await send({"type": "http.response.start", "status": 405, "headers": [(b"allow", b"GET")]})
        await send({"type": "http.response.body", "body": b""})

    def wsgi_app(environ, start_response):
        seen.append(environ["REQUEST_METHOD"])
        start_response("405 Method Not Allowed", [("Allow", "GET")])
        return [b""]

    async def go() -> list[int | None]:
        async with HttpClient(Limits(), app=asgi_app if kind == "asgi" else wsgi_app) as client:
            return [(await client.send(m, "http://testserver/x")).status for m in ("Link", "purge")]

    assert asyncio.run(go()) == [405, 405]
    assert seen == ["Link", "purge"]
