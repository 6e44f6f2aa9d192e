"""HEAD depth: a HEAD body seen on a raw socket (wsgiref writes what a naive WSGI app returns), a HEAD handler
with another Content-Type (Starlette), and conformant Flask, Starlette and aiohttp servers (no finding)."""

from __future__ import annotations

import asyncio
import contextlib
import textwrap
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from aiohttp import web
from flask import Flask
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from checker import api
from checker.http.client import HttpClient
from checker.http.raw import send_raw

from .support.servers import serve_aiohttp, serve_asgi, serve_wsgi

SPEC = textwrap.dedent("""\
    openapi: 3.1.0
    info: {title: head test, version: "1"}
    paths:
      /items:
        get: {responses: {"200": {description: ok}}}
""")


def naive(environ, start_response):
    """Answers every method with the same JSON, HEAD included (WSGI leaves stripping it to the server or app)."""
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
        start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Length", "0")])
        return [b""]
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "13")])
    return [b'[{"id": "a1"}]'[:13]]


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve_wsgiref(app):
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


async def s_get(request):
    return JSONResponse([{"id": "a1"}])


async def s_head(request):
    return PlainTextResponse("")  # a separate HEAD handler that forgot the media type


STARLETTE_MISMATCH = Starlette(routes=[Route("/items", s_head, methods=["HEAD"]), Route("/items", s_get, methods=["GET"])])
STARLETTE_OK = Starlette(routes=[Route("/items", s_get, methods=["GET"])])
FLASK = Flask(__name__)
FLASK.add_url_rule("/items", "items", lambda: [{"id": "a1"}], methods=["GET"])


async def a_get(request):
    return web.json_response([{"id": "a1"}])


def aiohttp_app():
    app = web.Application()
    app.router.add_get("/items", a_get)
    return app


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("hd") / "spec.yaml"
    path.write_text(SPEC)
    return api.load(str(path))


def _head_findings(spec, url):
    plan = api.build_plan(spec, api.PlanOptions(base_url=url))
    report = api.run(plan, api.RunOptions(probe=api.ProbeOptions(override_probes="off", unknown_method=False)))
    return {f.rule: f for f in report.findings if f.rule in ("head-body-present", "head-content-type-mismatch")}


def test_head_body_on_raw_socket(spec):
    with serve_wsgiref(naive) as url:
        got = _head_findings(spec, url)
    assert set(got) == {"head-body-present"}
    f = got["head-body-present"]
    assert f.method == "HEAD" and f.severity == "error"
    assert f.evidence["response"]["body_size"] == 13 and f.evidence["response"]["body_excerpt"].startswith('[{"id"')
    assert f.reproduce.startswith("curl -sS -i -I ")


def test_head_content_type_mismatch(spec):
    with serve_asgi(STARLETTE_MISMATCH) as url:
        got = _head_findings(spec, url)
    assert set(got) == {"head-content-type-mismatch"}
    f = got["head-content-type-mismatch"]
    assert f.evidence["get_content_type"] == "application/json" and "text/plain" in f.message


@pytest.mark.parametrize("serve,app", [(serve_wsgi, FLASK), (serve_asgi, STARLETTE_OK), (serve_aiohttp, aiohttp_app())],
                         ids=["flask", "starlette", "aiohttp"])
def test_conformant_head(spec, serve, app):
    with serve(app) as url:
        assert _head_findings(spec, url) == {}


def test_raw_reader_is_bounded():
    """A server that sends a HEAD body and then keeps the connection open forever: the read ends, capped."""

    async def main():
        async def handle(reader, writer):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + b"x" * 200_000)
            await writer.drain()
            await asyncio.sleep(30)  # never closes on its own

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with HttpClient(masked={"authorization"}) as client:
            client.limits = type(client.limits)(timeout=5.0, max_body=1024)
            ex = await send_raw(client, "HEAD", f"http://127.0.0.1:{port}/x", {"authorization": "Bearer s3cret"})
        server.close()
        return ex

    ex = asyncio.run(main())
    assert ex.status == 200 and len(ex.body) == 1024 and ex.body_truncated and ex.error is None
    assert ("connection", "close") in ex.request_headers
    assert dict(ex.request_headers)["authorization"] == "${CONFORM405_AUTHORIZATION}"  # secrets masked as in every report


def test_raw_reader_reports_network_errors():
    async def main():
        async with HttpClient() as client:
            return await send_raw(client, "HEAD", "http://127.0.0.1:9/x")

    ex = asyncio.run(main())
    assert ex.status is None and ex.error.startswith("connect:")
