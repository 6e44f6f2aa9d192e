"""Gateways: nginx (limit_except -> 403, return 405) in front of a Starlette app, versus the app reached directly."""

from __future__ import annotations

import textwrap

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from checker import api
from checker.judge import judge
from checker.observe import Exchange, Observation

from .support.nginx import nginx_binary, serve_nginx
from .support.run import cli, findings_by_cell
from .support.servers import serve_asgi, serve_wsgi

SPEC = textwrap.dedent("""\
    openapi: 3.1.0
    info: {title: gateway test, version: "1"}
    paths:
      /items:
        get: {responses: {"200": {description: ok}}}
        post: {responses: {"201": {description: created}}}
        delete: {responses: {"204": {description: gone}}}
      /items/{id}:
        parameters: [{name: id, in: path, required: true, schema: {type: string}}]
        get: {responses: {"200": {description: ok}}}
        put: {responses: {"200": {description: ok}}}
""")

HOSTS: list[str] = []


async def items(request):
    HOSTS.append(request.headers.get("host", ""))
    if request.method == "POST":
        return JSONResponse({"id": "new"}, status_code=201)
    if request.method == "DELETE":
        return Response(status_code=204)
    return JSONResponse([{"id": "a1"}])


async def item(request):
    HOSTS.append(request.headers.get("host", ""))
    return JSONResponse({"id": request.path_params["id"]})  # PUT upserts: any id works


APP = Starlette(routes=[Route("/items", items, methods=["GET", "POST", "DELETE"]),
                        Route("/items/{id}", item, methods=["GET", "PUT"])])

LOCATIONS = """
        location = /items {
            if ($request_method = DELETE) { return 405; }
            proxy_pass http://app;
        }
        location /items/ {
            limit_except GET { deny all; }
            proxy_pass http://app;
        }
"""


@pytest.fixture(scope="module")
def nginx_stack(tmp_path_factory):
    binary, reason = nginx_binary()
    if binary is None:
        pytest.skip(f"nginx unavailable: {reason}")
    tmp = tmp_path_factory.mktemp("gw")
    spec = tmp / "spec.yaml"
    spec.write_text(SPEC)
    with serve_asgi(APP) as app_url, serve_nginx(tmp, app_url, LOCATIONS) as public:
        yield spec, public, app_url


@pytest.mark.needs_system
def test_blocked_by_gateway_with_direct_url(nginx_stack):
    spec, public, direct = nginx_stack
    HOSTS.clear()
    # --allow-writes: the blocked methods are a declared bulk DELETE and an upserting PUT, which a default run
    # withholds (they act: 204 and 200 directly); their direct twins are withheld with them
    r = cli(str(spec), "--base-url", public, "--direct-url", direct, "--direct-host", "api.example.test", "--json", "-",
            "--no-unknown-method", "--override-probes", "off", "--allow-writes")
    assert r.code == 1, r.stderr
    report = r.json()
    blocked = {(f["path"], f["method"]): f for f in report["findings"] if f["rule"] == "blocked-by-gateway"}
    assert set(blocked) == {("/items", "DELETE"), ("/items/{id}", "PUT")}
    delete = blocked[("/items", "DELETE")]
    assert delete["severity"] == "error" and delete["confidence"] == "high"
    assert delete["evidence"]["response"]["status"] == 405
    assert delete["evidence"]["direct"]["response"]["status"] == 204
    assert delete["evidence"]["direct"]["request"]["url"].startswith(direct + "/items")
    put = blocked[("/items/{id}", "PUT")]
    assert put["evidence"]["response"]["status"] == 403 and put["evidence"]["direct"]["response"]["status"] == 200
    assert "nginx" in put["evidence"]["response"]["body_excerpt"]
    assert "curl" in put["evidence"]["reproduce_direct"] and "api.example.test" in put["evidence"]["reproduce_direct"]
    # the direct probes carried the public Host header; the heuristic stays silent when the direct run answers
    assert "api.example.test" in HOSTS
    assert not [f for f in report["findings"] if f["rule"] == "gateway-refusal-suspected"]
    # by default neither the public nor the direct URL gets the declared DELETE /items or PUT /items/{id}
    default = cli(str(spec), "--base-url", public, "--direct-url", direct, "--json", "-", "--no-unknown-method",
                  "--override-probes", "off")
    sent = {(w["method"], w["path"]) for w in default.json()["writes_sent"] if w["declared"]}
    assert sent == set(), default.json()["writes_sent"]
    assert not [f for f in default.json()["findings"] if f["rule"] == "blocked-by-gateway"]


@pytest.mark.needs_system
def test_gateway_signature_without_direct_url(nginx_stack):
    spec, public, _ = nginx_stack
    r = cli(str(spec), "--base-url", public, "--json", "-", "--no-unknown-method", "--override-probes", "off",
            "--allow-writes")  # the declared DELETE /items and PUT /items/{id} are what nginx refuses
    report = r.json()
    suspected = [f for f in report["findings"] if f["rule"] == "gateway-refusal-suspected"]
    by = {(f["path"], m): f for f in suspected for m in f["evidence"]["seen_on"]}
    assert ("/items", "DELETE") in by and by[("/items", "DELETE")]["severity"] == "warning"
    assert ("/items/{id}", "PUT") in by and by[("/items/{id}", "PUT")]["severity"] == "warning"
    assert all(f["confidence"] == "low" for f in suspected)
    assert all(f["evidence"]["gateway_signature"] == "nginx error page" for f in suspected)
    # undeclared methods refused by nginx's limit_except: info only
    assert by[("/items/{id}", "PATCH")]["severity"] == "info"
    # the application's own 405 (Starlette, proxied) is not blamed on the gateway
    assert ("/items", "PUT") not in by and ("/items", "PATCH") not in by
    assert not [f for f in report["findings"] if f["rule"] == "blocked-by-gateway"]


def test_no_gateway_no_finding(tmp_path):
    """The app reached both ways: nothing is blocked and nothing looks like a gateway (Starlette and Flask)."""
    from flask import Flask

    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    flask_app = Flask(__name__)

    @flask_app.route("/items", methods=["GET", "POST", "DELETE"])
    def f_items():
        return ("", 204) if flask_app.config.get("x") else {"ok": True}

    @flask_app.route("/items/<id>", methods=["GET", "PUT"])
    def f_item(id):
        return {"id": id}

    loaded = api.load(str(spec))
    for serve, app in ((serve_asgi, APP), (serve_wsgi, flask_app)):
        with serve(app) as url:
            plan = api.build_plan(loaded, api.PlanOptions(base_url=url))
            for direct in (url, None):
                report = api.run(plan, api.RunOptions(probe=api.ProbeOptions(direct_url=direct, override_probes="off", unknown_method=False)))
                assert report.requests_sent >= (2 if direct else 1) * len(plan.cells)
                assert not [f for f in report.findings if f.rule in ("blocked-by-gateway", "gateway-refusal-suspected")], report.findings


def _obs(path, method, status, headers=(), body=b"", url="https://api.example.com/items"):
    ex = Exchange(method, url, status=status, headers=tuple(headers), body=body, body_size=len(body))
    return Observation(path=path, method=method, role="probe", example=0, chain=(ex,))


@pytest.mark.parametrize("headers,body,expected", [
    ((("x-amzn-errortype", "MissingAuthenticationTokenException"), ("content-type", "application/json")),
     b'{"message":"Missing Authentication Token"}', "AWS API Gateway (MissingAuthenticationTokenException)"),
    ((("server", "cloudflare"), ("cf-ray", "8a1b2c3d4e5f-AMS"), ("content-type", "text/html")),
     b"<html><title>Attention Required! | Cloudflare</title>error code: 1020</html>", "Cloudflare error page"),
    ((("server", "awselb/2.0"), ("content-type", "text/html")), b"<html><head><title>403 Forbidden</title></head></html>",
     "AWS load balancer error page"),
])
def test_signatures_on_recorded_answers(tmp_path, headers, body, expected):
    """Signatures no test can produce on 127.0.0.1 (AWS, Cloudflare), on hand-made observations of their documented answers."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    plan = api.build_plan(api.load(str(spec)), api.PlanOptions(base_url="https://api.example.com", include_paths=("/items",)))
    app_headers = (("content-type", "application/json"), ("cf-ray", "8a1b2c3d4e5f-AMS"), ("server", "cloudflare")) \
        if "Cloudflare" in expected else (("content-type", "application/json"), ("server", "gunicorn"))
    obs = [_obs("/items", "GET", 200, app_headers, b"[]"), _obs("/items", "DELETE", 403, headers, body),
           _obs("/items", "PUT", 405, app_headers + (("allow", "GET, POST, DELETE"),), b'{"detail":"Method Not Allowed"}')]
    j = judge(plan, obs)
    got = [f for f in j.findings if f.rule == "gateway-refusal-suspected"]
    assert len(got) == 1, got
    assert got[0].method == "DELETE" and got[0].confidence == "low" and got[0].severity == "warning"
    assert got[0].evidence["gateway_signature"] == expected
    # cf-ray on every answer (the application's too) is the platform: the app's own 405 is not suspected
    assert got[0].evidence["seen_on"] == ["DELETE"]


def test_server_header_unlike_the_application(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    plan = api.build_plan(api.load(str(spec)), api.PlanOptions(base_url="https://api.example.com", include_paths=("/items",)))
    obs = [_obs("/items", "GET", 200, (("server", "gunicorn"),), b"[]"),
           _obs("/items", "DELETE", 403, (("server", "Varnish"),), b"denied"),
           _obs("/items", "PUT", 405, (("server", "gunicorn"), ("allow", "GET, POST, DELETE")), b"no")]
    got = [f for f in judge(plan, obs).findings if f.rule == "gateway-refusal-suspected"]
    assert [(f.method, f.severity) for f in got] == [("DELETE", "warning")]
    assert "Varnish" in got[0].message and "gunicorn" in got[0].message


@pytest.mark.parametrize("args,message", [
    (("--direct-url", "backend:8000"), "--direct-url must be an absolute http(s) URL"),
    (("--direct-host", "api.example.com"), "--direct-host needs --direct-url"),
])
def test_bad_gateway_options(tmp_path, args, message):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    r = cli(str(spec), "--base-url", "http://127.0.0.1:9", *args)
    assert r.code == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_direct_url_refusing_everything_is_not_a_gateway_block(tmp_path):
    """A backend that refuses the direct Host header (Django's DisallowedHost: 400 for every request) says
    nothing about the gateway: no blocked-by-gateway although 400 usually means "served"."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    plan = api.build_plan(api.load(str(spec)), api.PlanOptions(base_url="https://api.example.com", include_paths=("/items",)))

    def direct(method, status):
        ex = Exchange(method, "http://10.0.0.5:8000/items", status=status, body=b"Bad Request (400)")
        return Observation(path="/items", method=method, role="direct", example=0, tag=method, chain=(ex,))

    obs = [_obs("/items", "GET", 200, (), b"[]"), _obs("/items", "DELETE", 403, (("server", "nginx"),), b"<hr><center>nginx</center>"),
           direct("GET", 400), direct("DELETE", 400)]
    assert not [f for f in judge(plan, obs).findings if f.rule == "blocked-by-gateway"]
    obs[2] = direct("GET", 200)  # the application answers GET directly: now its 400 to DELETE is a handler's
    assert [f.method for f in judge(plan, obs).findings if f.rule == "blocked-by-gateway"] == ["DELETE"]
