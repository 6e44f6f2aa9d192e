"""CORS preflight: Starlette's CORSMiddleware allowing fewer methods than the spec declares."""

from __future__ import annotations

import textwrap

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from checker import api
from checker.judge import judge
from checker.observe import Exchange, Observation

from .support.run import cli
from .support.servers import serve_asgi

ORIGIN = "https://app.example.com"
SPEC = textwrap.dedent("""\
    openapi: 3.1.0
    info: {title: cors test, version: "1"}
    paths:
      /items:
        get: {responses: {"200": {description: ok}}}
        post: {responses: {"201": {description: created}}}
        put: {responses: {"200": {description: ok}}}
        delete: {responses: {"204": {description: gone}}}
""")


async def items(request):
    if request.method == "DELETE":
        return Response(status_code=204)
    return JSONResponse({"ok": True}, status_code=201 if request.method == "POST" else 200)


def app(**cors):
    middleware = [Middleware(CORSMiddleware, allow_origins=[ORIGIN], **cors)] if cors else []
    return Starlette(routes=[Route("/items", items, methods=["GET", "POST", "PUT", "DELETE"])], middleware=middleware)


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    return str(path)


def _preflight_findings(report):
    return {f["method"]: f for f in report["findings"] if f["rule"] == "cors-preflight-rejected"}


def test_cors_middleware_allowing_fewer_methods(spec):
    with serve_asgi(app(allow_methods=["GET", "POST"])) as url:
        r = cli(spec, "--base-url", url, "--cors-origin", ORIGIN, "--json", "-", "--override-probes", "off", "--no-unknown-method")
    got = _preflight_findings(r.json())
    assert set(got) == {"PUT", "DELETE"}
    put = got["PUT"]
    assert put["severity"] == "error" and put["evidence"]["response"]["status"] == 400
    assert put["evidence"]["request"]["headers"]["origin"] == ORIGIN
    assert put["evidence"]["request"]["headers"]["access-control-request-method"] == "PUT"
    assert "GET" in put["evidence"]["access_control_allow_methods"] and "PUT" not in put["evidence"]["access_control_allow_methods"]
    assert "-H 'access-control-request-method: PUT'" in put["reproduce"]


def test_cors_middleware_allowing_every_declared_method(spec):
    with serve_asgi(app(allow_methods=["GET", "POST", "PUT", "DELETE"])) as url:
        plan = api.build_plan(api.load(spec), api.PlanOptions(base_url=url))
        report = api.run(plan, api.RunOptions(probe=api.ProbeOptions(cors_origin=ORIGIN, override_probes="off", unknown_method=False)))
    assert not [f for f in report.findings if f.rule == "cors-preflight-rejected"]


def test_no_cors_at_all(spec):
    """No CORS layer: every preflight is a 405 -- errors for PUT/DELETE, warnings for GET/POST (preflighted only sometimes)."""
    with serve_asgi(app()) as url:
        plan = api.build_plan(api.load(spec), api.PlanOptions(base_url=url))
        report = api.run(plan, api.RunOptions(probe=api.ProbeOptions(cors_origin=ORIGIN, override_probes="off", unknown_method=False)))
        without = api.run(plan, api.RunOptions(probe=api.ProbeOptions(override_probes="off", unknown_method=False)))
    got = {f.method: f.severity for f in report.findings if f.rule == "cors-preflight-rejected"}
    assert got == {"GET": "warning", "POST": "warning", "PUT": "error", "DELETE": "error"}
    # nothing is sent (and nothing judged) without --cors-origin
    assert not [f for f in without.findings if f.rule == "cors-preflight-rejected"]


def test_redirected_preflight_is_rejected(spec):
    plan = api.build_plan(api.load(spec), api.PlanOptions(base_url="https://api.example.com"))
    req = (("origin", ORIGIN), ("access-control-request-method", "PUT"))
    hop1 = Exchange("OPTIONS", "https://api.example.com/items", req, status=308, headers=(("location", "/items/"),))
    hop2 = Exchange("OPTIONS", "https://api.example.com/items/", req, status=200,
                    headers=(("access-control-allow-origin", ORIGIN), ("access-control-allow-methods", "GET, PUT")))
    obs = Observation(path="/items", method="OPTIONS", role="preflight", example=0, tag="PUT", chain=(hop1, hop2))
    got = [f for f in judge(plan, [obs]).findings if f.rule == "cors-preflight-rejected"]
    assert len(got) == 1 and got[0].method == "PUT" and "redirects (308" in got[0].message


def test_bad_cors_origin(spec):
    r = cli(spec, "--base-url", "http://127.0.0.1:9", "--cors-origin", "app.example.com/x")
    assert r.code == 2 and "--cors-origin must be an origin" in r.stderr and "Traceback" not in r.stderr
