"""A made-up method per path on real servers: Flask/Werkzeug (405), Starlette on uvicorn (400 from httptools'
parser; 405 with h11), aiohttp (400 from its parser), and a plain WSGI app that ignores the method (200)."""

from __future__ import annotations

import json
import textwrap

import pytest
from aiohttp import web
from flask import Flask
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from checker import api

from .support.servers import serve_aiohttp, serve_asgi, serve_wsgi

SPEC = textwrap.dedent("""\
    openapi: 3.1.0
    info: {title: unknown method test, version: "1"}
    paths:
      /items:
        get: {responses: {"200": {description: ok}}}
        post: {responses: {"201": {description: created}}}
""")


async def s_items(request):
    return JSONResponse([], status_code=201 if request.method == "POST" else 200)


STARLETTE = Starlette(routes=[Route("/items", s_items, methods=["GET", "POST"])])

FLASK = Flask(__name__)
FLASK.add_url_rule("/items", "items", lambda: ([], 200), methods=["GET", "POST"])


async def a_items(request):
    return web.json_response([], status=201 if request.method == "POST" else 200)


def aiohttp_app():
    app = web.Application()
    app.router.add_get("/items", a_items)
    app.router.add_post("/items", a_items)
    return app


def ignores_method(environ, start_response):
    """A hand-written WSGI endpoint that never looks at REQUEST_METHOD."""
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b"[]"]


def serve_asgi_h11(app):
    return serve_asgi(app, http="h11")


def serve_asgi_httptools(app):
    return serve_asgi(app, http="httptools")  # uvicorn's default parser when httptools is installed


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("um") / "spec.yaml"
    path.write_text(SPEC)
    return api.load(str(path))


def _unknown(spec, url):
    plan = api.build_plan(spec, api.PlanOptions(base_url=url))
    report = api.run(plan, api.RunOptions(probe=api.ProbeOptions(override_probes="off", head_raw=False)))
    return [(f.rule, f.severity, f.method, f.evidence["response"]["status"]) for f in report.findings if f.rule.startswith("unknown-method")]


@pytest.mark.parametrize("serve,app,expected", [
    (serve_wsgi, FLASK, []),
    (serve_asgi_h11, STARLETTE, []),
    (serve_asgi_httptools, STARLETTE, [("unknown-method-wrong-status", "info", "C405UNKNOWN", 400)]),
    (serve_aiohttp, aiohttp_app(), [("unknown-method-wrong-status", "info", "C405UNKNOWN", 400)]),
    (serve_wsgi, ignores_method, [("unknown-method-accepted", "error", "C405UNKNOWN", 200)]),
], ids=["flask-405", "starlette-h11-405", "starlette-httptools-400", "aiohttp-400", "wsgi-ignores-method"])
def test_unknown_method(spec, serve, app, expected):
    with serve(app) as url:
        assert _unknown(spec, url) == expected


def test_not_sent_read_only_or_off(spec):
    from checker.probes import ProbeContext
    from checker.probes.unknown_method import unknown_method_probes

    ro = api.build_plan(spec, api.PlanOptions(base_url="http://127.0.0.1:9", read_only=True))
    full = api.build_plan(spec, api.PlanOptions(base_url="http://127.0.0.1:9"))
    on = ProbeContext(0, "http://127.0.0.1:9/items", "http://127.0.0.1:9/items", api.ProbeOptions())
    off = ProbeContext(0, "http://127.0.0.1:9/items", "http://127.0.0.1:9/items", api.ProbeOptions(unknown_method=False))
    assert unknown_method_probes(ro.paths[0], on) == [] and unknown_method_probes(full.paths[0], off) == []
    assert [p.method for p in unknown_method_probes(full.paths[0], on)] == ["C405UNKNOWN"]


MANY = textwrap.dedent("""\
    openapi: 3.1.0
    info: {title: a parser's refusal on every path, version: "1"}
    paths:
      /items:
        get: {responses: {"200": {description: ok}}}
      /items/{id}:
        parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
        get: {responses: {"200": {description: ok}}}
      /health:
        get: {responses: {"200": {description: ok}}}
      /users/{name}/orders:
        parameters: [{name: name, in: path, required: true, schema: {type: string}}]
        get: {responses: {"200": {description: ok}}}
""")


async def s_ok(request):
    return JSONResponse({})


MANY_APP = Starlette(routes=[Route(p, s_ok, methods=["GET"]) for p in ("/items", "/items/{id}", "/health", "/users/{name}/orders")])


def test_a_parser_refusal_is_one_finding_for_the_server(tmp_path):
    """httptools answers the made-up method 400 before any route is looked up, on every path alike: one finding
    about the server, naming the paths; its fingerprint does not depend on which paths were run, and the shards'
    findings merge back into the one of the whole run."""
    from .support.run import cli

    spec_file = tmp_path / "many.yaml"
    spec_file.write_text(MANY)
    every = ["/items", "/items/{id}", "/health", "/users/{name}/orders"]
    reports = {}
    with serve_asgi_httptools(MANY_APP) as url:
        for name, extra in (("full", []), ("exhaustive", ["--exhaustive"]), ("rest", ["--exclude-path", "/items"]),
                            ("s1", ["--shard", "1/2"]), ("s2", ["--shard", "2/2"])):
            r = cli(str(spec_file), "--base-url", url, "--json", str(tmp_path / f"{name}.json"), "--quiet", "--no-progress", *extra)
            assert r.code in (0, 1), r.stderr
    r = cli("merge", str(tmp_path / "s1.json"), str(tmp_path / "s2.json"), "--json", str(tmp_path / "merged.json"), "--quiet")
    assert r.code in (0, 1), r.stderr
    for name in ("full", "exhaustive", "rest", "s1", "s2", "merged"):
        doc = json.loads((tmp_path / f"{name}.json").read_text())
        reports[name] = [f for f in doc["findings"] if f["rule"] == "unknown-method-wrong-status"]
    for name in ("full", "exhaustive", "merged"):
        [one] = reports[name]
        assert one["scope"] == "server" and sorted(one["evidence"]["paths"]) == sorted(every), name
        assert one["evidence"]["response"]["status"] == 400 and one["path"] == "/items"  # the first path, in every run
        assert f"(the same answer on {len(every)} paths)" in one["message"]
    [rest] = reports["rest"]
    assert sorted(rest["evidence"]["paths"]) == sorted(every[1:])
    shard_paths = sorted(p for name in ("s1", "s2") for f in reports[name] for p in f["evidence"]["paths"])
    assert shard_paths == sorted(every)  # each shard names its own paths; the merge joins them
    fingerprints = {f["fingerprint"] for found in reports.values() for f in found}
    assert len(fingerprints) == 1  # the same finding whichever paths were run: a baseline keeps matching it
