"""The serving stack behind each finding (checker/stacks/), recognised from real servers' own answers, and
the fix in that stack's terms: FastAPI, Starlette, Flask/Werkzeug, Django + DRF, aiohttp and Litestar on
127.0.0.1, nginx in front of Flask, and a server nothing recognises (the generic fix alone)."""

from __future__ import annotations

import contextlib
import http.server
import json
import textwrap
import threading
from typing import Any, Iterator

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from checker import api
from checker.report.model import Report

from .servers import aiohttp_app, django_app, fastapi_app, flask_app, litestar_app
from .servers.common import run_api, spec_path
from .support.nginx import nginx_binary, serve_nginx
from .support.run import cli
from .support.servers import serve_aiohttp, serve_asgi, serve_wsgi


def _find(report: dict[str, Any], rule: str, path: str, method: str | None = None) -> dict[str, Any]:
    for f in report["findings"]:
        if f["rule"] == rule and f["path"] == path and (method is None or f["method"] == method
                                                         or method in (f["evidence"].get("seen_on") or ())):
            return f
    raise AssertionError(f"no {rule} on {method} {path}: {[(f['rule'], f['method'], f['path']) for f in report['findings']]}")


def test_fastapi():
    with serve_asgi(fastapi_app.make_app()) as url:
        report = run_api(spec_path("fastapi_app.yaml"), url)
    head = _find(report, "head-not-supported", "/items", "HEAD")
    assert head["stack"]["id"] == "fastapi" and head["stack"]["confidence"] == "high"
    assert any('{"detail":"Method Not Allowed"}' in e for e in head["stack"]["evidence"])
    assert "@app.head" in head["stack_fix"] and "api_route" in head["stack_fix"]
    mismatch = _find(report, "allow-mismatch", "/items")
    assert "first" in mismatch["stack_fix"] and "route" in mismatch["stack_fix"]


async def _widgets(request):
    return JSONResponse([])


def test_starlette():
    """One Route per method on a path: Starlette's 405 names the first route's methods only."""
    app = Starlette(routes=[Route("/widgets", _widgets, methods=["GET"]), Route("/widgets", _widgets, methods=["POST"])])
    spec = textwrap.dedent("""\
        openapi: 3.1.0
        info: {title: starlette, version: "1"}
        paths:
          /widgets:
            get: {responses: {"200": {description: ok}}}
            post: {responses: {"201": {description: ok}}}
        """)
    with serve_asgi(app) as url:
        report = api.check(_spec(spec), base_url=url).to_dict()
    mismatch = _find(report, "allow-mismatch", "/widgets")
    assert mismatch["stack"]["id"] == "starlette" and mismatch["stack"]["confidence"] == "high"
    assert "Route(path, endpoint, methods=[...])" in mismatch["stack_fix"]


def _spec(text: str):
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="c405-stacks-"))
    (folder / "spec.yaml").write_text(text)
    return api.load(str(folder / "spec.yaml"))


def test_flask():
    with serve_wsgi(flask_app.make_app()) as url:
        report = run_api(spec_path("flask_app.yaml"), url)
    wrong = _find(report, "wrong-status-for-undeclared-method", "/things", "PUT")
    assert wrong["stack"] == {**wrong["stack"], "id": "flask", "confidence": "high", "scope": "answer"}
    assert any("The requested URL was not found on the server" in e for e in wrong["stack"]["evidence"])
    assert "strict_slashes" in wrong["stack_fix"]
    options = _find(report, "options-mismatch", "/reports", "OPTIONS")
    assert "provide_automatic_options" in options["stack_fix"]


def test_django_and_drf_per_path():
    """One Django project: the DRF views are recognised as DRF, the plain view as Django (per path)."""
    with serve_wsgi(django_app.make_app()) as url:
        report = run_api(spec_path("django_app.yaml"), url)
    rejected = _find(report, "declared-method-rejected", "/api/notes/{id}/", "PATCH")
    assert rejected["stack"]["id"] == "drf" and rejected["stack"]["confidence"] == "high"
    assert rejected["stack"]["evidence"][0] == 'the 405 body "{"detail":"Method \\"PATCH\\" not allowed."}"'
    assert "partial_update" in rejected["stack_fix"] and "UpdateModelMixin" in rejected["stack_fix"]
    options = _find(report, "options-mismatch", "/api/notes/{id}/", "OPTIONS")
    assert options["stack"]["id"] == "drf" and "http_method_names" in options["stack_fix"]
    csrf = _find(report, "wrong-status-for-undeclared-method", "/legacy/", "PUT")
    assert csrf["stack"]["id"] == "django" and "CSRF verification failed" in csrf["stack"]["evidence"][0]
    assert "csrf_exempt" in csrf["stack_fix"] and "require_http_methods" in csrf["stack_fix"]
    # HEAD's own 405 is empty: the path's other answers (the CSRF page) say Django
    head = _find(report, "head-not-supported", "/legacy/", "HEAD")
    assert head["stack"]["id"] == "django" and head["stack"]["scope"] == "path"
    assert "require_safe" in head["stack_fix"]


def test_aiohttp():
    with serve_aiohttp(aiohttp_app.make_app()) as url:
        report = run_api(spec_path("aiohttp_app.yaml"), url)
    rejected = _find(report, "declared-method-rejected", "/metrics", "DELETE")
    assert rejected["stack"]["id"] == "aiohttp" and rejected["stack"]["confidence"] == "high"
    assert 'the 405 body "405: Method Not Allowed"' in rejected["stack"]["evidence"]
    assert "add_" in rejected["stack_fix"]
    head = _find(report, "head-not-supported", "/orders/{order_id}", "HEAD")
    assert "allow_head" in head["stack_fix"]


def test_litestar():
    with serve_asgi(litestar_app.make_app()) as url:
        report = run_api(spec_path("litestar_app.yaml"), url)
    head = _find(report, "head-not-supported", "/books", "HEAD")
    assert head["stack"]["id"] == "litestar" and head["stack"]["confidence"] == "high"
    assert any('"status_code":405' in e for e in head["stack"]["evidence"])
    assert "@head" in head["stack_fix"]


NGINX_SPEC = textwrap.dedent("""\
    openapi: 3.1.0
    info: {title: nginx in front of flask, version: "1"}
    paths:
      /reports:
        get: {responses: {"200": {description: ok}}}
        post: {responses: {"201": {description: ok}}}
      /users/{user_id}:
        parameters: [{name: user_id, in: path, required: true, schema: {type: integer}}]
        get: {responses: {"200": {description: ok}}}
        put: {responses: {"200": {description: ok}}}
    """)

NGINX_LOCATIONS = """
        location /users/ {
            limit_except GET { deny all; }
            proxy_pass http://app;
        }
        location / {
            proxy_pass http://app;
        }
"""


@pytest.mark.needs_system
def test_nginx_in_front_of_flask(tmp_path):
    """nginx's own 403 (limit_except) is nginx's; the Flask 405s it relays (Server: nginx on every answer) stay Flask's."""
    binary, reason = nginx_binary()
    if binary is None:
        pytest.skip(f"nginx unavailable: {reason}")
    spec = tmp_path / "spec.yaml"
    spec.write_text(NGINX_SPEC)
    with serve_wsgi(flask_app.make_app()) as app_url, serve_nginx(tmp_path, app_url, NGINX_LOCATIONS) as public:
        r = cli(str(spec), "--base-url", public, "--json", "-", "--no-unknown-method", "--override-probes", "off",
                "--allow-writes")  # the declared PUT is what nginx refuses: a default run withholds it
        text = cli(str(spec), "--base-url", public, "--no-unknown-method", "--override-probes", "off", "--allow-writes")
    report = r.json()
    put = next(f for f in report["findings"] if f["path"] == "/users/{user_id}" and "PUT" in
               ([f["method"]] + list(f["evidence"].get("seen_on") or ())) and f["evidence"]["response"]["status"] == 403)
    assert put["stack"]["id"] == "nginx" and put["stack"]["confidence"] == "high" and put["stack"]["scope"] == "answer"
    assert "limit_except" in put["stack_fix"]
    relayed = _find(report, "declared-method-rejected", "/reports", "POST")  # Flask's 405, relayed by nginx
    assert relayed["evidence"]["response"]["headers"]["server"].startswith("nginx")
    assert relayed["stack"]["id"] == "flask" and relayed["stack"]["confidence"] == "high"
    assert 'methods=["GET", "POST"]' in relayed["stack_fix"]
    # nginx refuses TRACE itself, with a 405 that has no Allow: nginx's own remedy
    trace = _find(report, "allow-missing", "/reports", "TRACE")
    assert trace["stack"]["id"] == "nginx" and "add_header Allow" in trace["stack_fix"]
    # the terminal shows the stack's fix under the generic one, naming what identified the stack
    assert "  fix (nginx, from the 403 body: nginx error page): " in text.stdout, text.stdout


class _Plain(http.server.BaseHTTPRequestHandler):
    """No framework: GET answers, every other method gets a bare 404 nothing recognises."""

    server_version = "acme-httpd/1"
    sys_version = ""

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        ok = self.command in ("GET", "HEAD")
        body = b"[]" if ok else b"no such thing"
        self.send_response(200 if ok else 404)
        self.send_header("content-type", "application/json" if ok else "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_TRACE = _answer


@contextlib.contextmanager
def _serve_plain() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Plain)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_unknown_stack_keeps_the_generic_fix(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: plain, version: '1'}\npaths:\n  /items:\n    get: {responses: {'200': {description: ok}}}\n")
    with _serve_plain() as url:
        loaded = api.load(str(spec))
        report = api.run(api.build_plan(loaded, api.PlanOptions(base_url=url)))
    wrong = [f for f in report.findings if f.rule == "wrong-status-for-undeclared-method"]
    assert wrong and all(f.stack is None and f.stack_fix is None for f in wrong)
    data = report.to_dict()
    assert all("stack" not in f and "stack_fix" not in f for f in data["findings"])
    from rich.console import Console

    from checker.report.terminal import print_report
    from checker.rules import RULES

    console = Console(record=True, width=400, no_color=True)
    print_report(report, console)
    out = console.export_text()
    assert f"fix: {RULES['wrong-status-for-undeclared-method'].fix}" in out
    assert "fix (" not in out


def test_every_format_carries_the_stack_fix():
    """Markdown, HTML, SARIF and JUnit show the stack's fix; a JSON report read back (merge) keeps it."""
    with serve_wsgi(django_app.make_app()) as url:
        report = api.run(api.build_plan(api.load(spec_path("django_app.yaml")),
                                        api.PlanOptions(base_url=url, allow_writes=True)))
    target = next(f for f in report.findings if f.rule == "declared-method-rejected")
    assert target.stack and target.stack_fix
    from dataclasses import replace

    assert replace(target, stack=None, stack_fix=None).fingerprint == target.fingerprint  # the stack is no identity
    md = api.render(report, "markdown")
    assert "Fixes for the stack that answered" in md and "Django REST framework" in md and "partial_update" in md
    page = api.render(report, "html")
    assert "Fix for Django REST framework" in page and "<code>partial_update</code>" in page
    sarif = json.loads(api.render(report, "sarif"))
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "declared-method-rejected")
    assert result["properties"]["stack"]["id"] == "drf" and "partial_update" in result["properties"]["stackFix"]
    assert "fix (Django REST framework" in result["message"]["text"]
    assert "fix (Django REST framework" in api.render(report, "junit")
    # the JSON report validates against the published schema, and a report read back keeps the stack
    import jsonschema
    from importlib import resources

    data = json.loads(api.render(report, "json"))
    schema = json.loads(resources.files("checker.report").joinpath("report.schema.json").read_text())
    jsonschema.validate(data, schema)
    from checker.merge import _finding

    back = _finding(next(f for f in data["findings"] if f["rule"] == "declared-method-rejected"), "x")
    assert back.stack == target.stack and back.stack_fix == target.stack_fix and back.fingerprint == target.fingerprint
    assert isinstance(report, Report)


# -- stacks the suite runs no server for: their own answers, as they send them -----------------------------
from checker.stacks import fix_for, recognise_answer  # noqa: E402

OWN_ANSWERS = [
    ("express", 404, {"x-powered-by": "Express", "content-type": "text/html; charset=utf-8"},
     b"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n"
     b"<pre>Cannot PUT /items</pre>\n</body>\n</html>\n", "wrong-status-for-undeclared-method", ".all("),
    # LoopBack 4 (@loopback/example-todo 6.0.0, `curl -X PUT $B/todos`): its routing table's 404, on Express
    ("loopback", 404, {"x-powered-by": "Express", "content-type": "application/json; charset=utf-8",
                       "x-content-type-options": "nosniff"},
     b'{"error":{"statusCode":404,"name":"NotFoundError","message":"Endpoint \\"PUT /todos\\" not found."}}',
     "wrong-status-for-undeclared-method", "HttpErrors.MethodNotAllowed"),
    ("tornado", 405, {"server": "TornadoServer/6.4", "content-type": "text/html; charset=UTF-8"},
     b"<html><title>405: Method Not Allowed</title><body>405: Method Not Allowed</body></html>", "allow-missing", "write_error"),
    ("spring", 405, {"content-type": "application/json", "allow": "GET"},
     b'{"timestamp":"2026-01-01T00:00:00.000+00:00","status":405,"error":"Method Not Allowed","path":"/items"}',
     "undeclared-method-accepted", "@GetMapping"),
    ("aspnet", 405, {"server": "Kestrel", "allow": "GET"}, b"", "head-not-supported", "MapMethods"),
    ("rails", 404, {"content-type": "text/html"}, b"<h1>Routing Error</h1><p>No route matches [PUT] \"/items\"</p>",
     "wrong-status-for-undeclared-method", "via: :all"),
    ("go", 404, {"content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff"}, b"404 page not found\n",
     "wrong-status-for-undeclared-method", "GET /items"),
    ("aws-api-gateway", 403, {"x-amzn-errortype": "MissingAuthenticationTokenException", "content-type": "application/json"},
     b'{"message":"Missing Authentication Token"}', "declared-method-rejected", "redeploy"),
    ("envoy", 404, {"server": "envoy"}, b"", "wrong-status-for-undeclared-method", "direct_response"),
    ("apache", 405, {"server": "Apache/2.4.62 (Debian)", "content-type": "text/html; charset=iso-8859-1"},
     b"<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>405 Method Not Allowed</title>\n"
     b"</head><body>\n<h1>Method Not Allowed</h1>\n<hr>\n<address>Apache/2.4.62 (Debian) Server at example.test Port 80</address>\n",
     "trace-enabled", "TraceEnable off"),
]


@pytest.mark.parametrize("stack, status, headers, body, rule, mechanism", OWN_ANSWERS, ids=[a[0] for a in OWN_ANSWERS])
def test_own_answers_of_other_stacks(stack, status, headers, body, rule, mechanism):
    got = recognise_answer(status, headers, body)
    assert got is not None and got["id"] == stack, got
    assert mechanism in (fix_for(rule, stack) or "")


def test_a_stack_built_on_another_is_told_by_its_own_answers():
    """LoopBack 4 runs on Express: every answer says X-Powered-By: Express, and a HEAD it refuses has no body to say
    more. The path's other answers (LoopBack's routing-table 404) tell which stack it is, and the fix is LoopBack's:
    Express's own ("Express serves HEAD from `app.get` routes") does not hold for LoopBack's router."""
    from checker.observe import Exchange, Observation
    from checker.rules.base import Finding
    from checker.stacks import annotate

    url = "http://127.0.0.1:9/todos"
    head = (("x-powered-by", "Express"), ("content-type", "application/json; charset=utf-8"))

    def obs(method: str, status: int, body: bytes) -> Observation:
        return Observation(path="/todos", method=method, role="probe", example=0,
                           chain=(Exchange(method, url, status=status, headers=head, body=body),))

    observations = [obs("GET", 200, b'[{"id":1,"title":"t"}]'), obs("HEAD", 404, b""),
                    obs("PUT", 404, b'{"error":{"statusCode":404,"name":"NotFoundError","message":"Endpoint \\"PUT /todos\\" not found."}}')]
    finding = Finding(rule="head-not-supported", severity="error", path="/todos", method="HEAD", message="m",
                      evidence={"request": {"method": "HEAD", "url": url}})
    (got,) = annotate([finding], observations)
    assert got.stack is not None and got.stack["id"] == "loopback", got.stack
    assert "@operation('head'" in (got.stack_fix or "")
    # alone, the bodiless HEAD answer says Express, and a path with no LoopBack answer stays Express's
    assert recognise_answer(404, dict(head), b"")["id"] == "express"
    (plain,) = annotate([finding], observations[:2])
    assert plain.stack["id"] == "express"


def test_unrecognised_answers():
    assert recognise_answer(404, {"content-type": "text/plain"}, b"no such thing") is None
    assert recognise_answer(405, {"server": "acme-httpd/1", "allow": "GET"}, b"") is None
    # a stack recognised, but no entry for the rule: no stack fix (the generic one stands)
    assert fix_for("redirect-loop", "flask") is None and fix_for("allow-missing", "nonexistent") is None
    # a child stack falls back to its parent's fix (FastAPI -> Starlette)
    assert fix_for("trailing-slash-mismatch", "fastapi") == fix_for("trailing-slash-mismatch", "starlette")


def test_gateway_rules_take_the_gateways_fix_only():
    from checker.rules.base import Finding
    from checker.stacks import fix_rule

    nginx = {"id": "nginx", "kind": "gateway"}
    flask = {"id": "flask", "kind": "framework"}
    declared = {("/items", "PUT")}
    suspected = Finding(rule="gateway-refusal-suspected", severity="warning", path="/items", method="PUT", message="m")
    assert fix_rule(suspected, nginx, declared) == "gateway-refusal-suspected"
    assert "limit_except GET POST PUT" in fix_for("gateway-refusal-suspected", "nginx")
    undeclared = Finding(rule="gateway-refusal-suspected", severity="info", path="/items", method="PATCH", message="m")
    assert fix_rule(undeclared, nginx, declared) == "wrong-status-for-undeclared-method"  # 403 at the edge: answer 405
    assert fix_rule(suspected, flask, declared) is None
    blocked = Finding(rule="blocked-by-gateway", severity="warning", path="/items", method="PATCH", message="m")
    assert fix_rule(blocked, nginx, declared) is None
