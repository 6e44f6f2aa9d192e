"""In-process targets (``--app``, ``RunOptions(app=...)``): the same app judged over a real socket and
in-process gives the same findings, and the transport edges (any method token, HEAD, redirects, the body
cap, an app that crashes, ASGI lifespan) behave as they do over a socket.

The app sources are strings so that the pytest-plugin tests (tests/test_plugin.py) write the very same
apps into their pytester projects.
"""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
import types
from pathlib import Path

import pytest

from checker import api
from checker.errors import UsageError
from checker.http.client import HttpClient, Limits
from checker.http.inprocess import APP_ORIGIN, interface, load_app

from .support.run import cli, findings_by_cell
from .support.servers import serve_asgi, serve_wsgi

SPEC = textwrap.dedent("""\
    openapi: 3.1.0
    info: {title: Items, version: "1"}
    paths:
      /items:
        get:
          responses: {"200": {description: the items}}
        post:
          responses: {"201": {description: created}}
      /items/{itemId}:
        parameters:
          - {name: itemId, in: path, required: true, schema: {type: integer}}
        get:
          responses: {"200": {description: one item}}
        delete:
          responses: {"204": {description: deleted}}
      /health:
        get:
          responses: {"200": {description: up}}
    """)

#: FastAPI as people write it: one decorator per method. Starlette answers 405 with the Allow of the first
#: route that matched the path only, FastAPI does not answer HEAD, DELETE is missing, PUT and POST /health extra.
DRIFTING_FASTAPI = textwrap.dedent("""\
    from fastapi import FastAPI, HTTPException
    from pydantic import BaseModel

    app = FastAPI()
    ITEMS = {1: {"id": 1, "name": "one"}}

    class Item(BaseModel):
        name: str

    @app.get("/items")
    def list_items():
        return list(ITEMS.values())

    @app.post("/items", status_code=201)
    def create_item(item: Item):
        return {"id": 2, "name": item.name}

    @app.get("/items/{item_id}")
    def get_item(item_id: int):
        if item_id not in ITEMS:
            raise HTTPException(404)
        return ITEMS[item_id]

    @app.put("/items/{item_id}")
    def put_item(item_id: int, item: Item):
        return {"id": item_id, "name": item.name}

    @app.get("/health")
    @app.post("/health")
    def health():
        return {"ok": True}
    """)

DRIFTING_FASTAPI_EXPECTED = {
    ("/items", "HEAD"): {"head-not-supported", "allow-mismatch"},
    ("/items", "PUT"): {"allow-mismatch"}, ("/items", "PATCH"): {"allow-mismatch"},
    ("/items", "DELETE"): {"allow-mismatch"}, ("/items", "OPTIONS"): {"allow-mismatch"},
    ("/items", "TRACE"): {"allow-mismatch"},
    ("/items/{itemId}", "HEAD"): {"head-not-supported", "allow-mismatch"},
    ("/items/{itemId}", "POST"): {"allow-mismatch"}, ("/items/{itemId}", "PATCH"): {"allow-mismatch"},
    ("/items/{itemId}", "DELETE"): {"declared-method-rejected", "allow-mismatch"},
    ("/items/{itemId}", "OPTIONS"): {"allow-mismatch"}, ("/items/{itemId}", "TRACE"): {"allow-mismatch"},
    ("/items/{itemId}", "PUT"): {"undeclared-method-accepted"},
    ("/health", "POST"): {"undeclared-method-accepted"},
    ("/health", "HEAD"): {"head-not-supported", "allow-mismatch"},
    ("/health", "PUT"): {"allow-mismatch"}, ("/health", "PATCH"): {"allow-mismatch"},
    ("/health", "DELETE"): {"allow-mismatch"}, ("/health", "OPTIONS"): {"allow-mismatch"},
    ("/health", "TRACE"): {"allow-mismatch"},
}

#: Flask: DELETE /items/{id} is missing (405), PATCH is routed although undeclared (Allow and OPTIONS say so).
DRIFTING_FLASK = textwrap.dedent("""\
    from flask import Flask, abort, jsonify, request

    app = Flask(__name__)
    ITEMS = {1: {"id": 1, "name": "one"}}

    @app.get("/items")
    def list_items():
        return jsonify(list(ITEMS.values()))

    @app.post("/items")
    def create_item():
        body = request.get_json(silent=True)
        if not body or "name" not in body:
            return jsonify(error="name required"), 422
        return jsonify(id=2, name=body["name"]), 201

    @app.route("/items/<int:item_id>", methods=["GET", "PATCH"])
    def item(item_id):
        if item_id not in ITEMS:
            abort(404)
        return jsonify(ITEMS[item_id])

    @app.get("/health")
    def health():
        return jsonify(ok=True)
    """)

DRIFTING_FLASK_EXPECTED = {
    ("/items/{itemId}", "DELETE"): {"declared-method-rejected", "allow-mismatch"},
    ("/items/{itemId}", "POST"): {"allow-mismatch"},
    ("/items/{itemId}", "PUT"): {"allow-mismatch"},
    ("/items/{itemId}", "TRACE"): {"allow-mismatch"},
    ("/items/{itemId}", "OPTIONS"): {"options-mismatch"},
}

#: The same API done right in FastAPI: one route per path with every method it serves (so the 405's Allow
#: is complete) and HEAD wherever GET is.
CONFORMANT_FASTAPI = textwrap.dedent("""\
    from fastapi import FastAPI, HTTPException, Request, Response

    app = FastAPI()
    ITEMS = {1: {"id": 1, "name": "one"}}

    @app.api_route("/items", methods=["GET", "HEAD", "POST"])
    async def items(request: Request):
        if request.method == "POST":
            body = await request.body()
            if not body:
                raise HTTPException(422, "a body is required")
            return Response(status_code=201)
        return list(ITEMS.values())

    @app.api_route("/items/{item_id}", methods=["GET", "HEAD", "DELETE"])
    def item(item_id: int, request: Request):
        if item_id not in ITEMS:
            raise HTTPException(404)
        if request.method == "DELETE":
            return Response(status_code=204)
        return ITEMS[item_id]

    @app.api_route("/health", methods=["GET", "HEAD"])
    def health():
        return {"ok": True}
    """)

CONFORMANT_FLASK = textwrap.dedent("""\
    from flask import Flask, abort, jsonify, request

    app = Flask(__name__)
    ITEMS = {1: {"id": 1, "name": "one"}}

    @app.route("/items", methods=["GET", "POST"])
    def items():
        if request.method == "POST":
            if not request.get_json(silent=True):
                return jsonify(error="a body is required"), 422
            return "", 201
        return jsonify(list(ITEMS.values()))

    @app.route("/items/<int:item_id>", methods=["GET", "DELETE"])
    def item(item_id):
        if item_id not in ITEMS:
            abort(404)
        if request.method == "DELETE":
            return "", 204
        return jsonify(ITEMS[item_id])

    @app.get("/health")
    def health():
        return jsonify(ok=True)
    """)

APPS = {"drifting_fastapi": DRIFTING_FASTAPI, "drifting_flask": DRIFTING_FLASK,
        "conformant_fastapi": CONFORMANT_FASTAPI, "conformant_flask": CONFORMANT_FLASK}
EXPECTED = {"drifting_fastapi": DRIFTING_FASTAPI_EXPECTED, "drifting_flask": DRIFTING_FLASK_EXPECTED,
            "conformant_fastapi": {}, "conformant_flask": {}}


def make_app(name: str):
    module = types.ModuleType(f"c405_{name}")
    exec(compile(APPS[name], f"<{name}>", "exec"), module.__dict__)
    return module.app


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "items.yaml"
    path.write_text(SPEC)
    return path


def serve_asgi_h11(app):
    return serve_asgi(app, http="h11")


def _cells(report) -> list[tuple]:
    return [(r["path"], r["method"], r["status"], r["allow"], r["verdict"]) for r in report.matrix]


@pytest.mark.parametrize("name", list(APPS))
def test_socket_and_in_process_give_the_same_findings(name, spec_file):
    spec = api.load(str(spec_file))
    app = make_app(name)
    in_process = api.check(spec, app=app)
    serve = serve_asgi_h11 if "fastapi" in name else serve_wsgi
    with serve(make_app(name)) as url:
        over_socket = api.check(spec, base_url=url)
    assert in_process.target["transport"] == ("asgi" if "fastapi" in name else "wsgi")
    assert in_process.target["base_url"] == APP_ORIGIN
    assert over_socket.target["transport"] not in ("asgi", "wsgi")
    assert sorted(f.fingerprint for f in in_process.findings) == sorted(f.fingerprint for f in over_socket.findings)
    assert _cells(in_process) == _cells(over_socket)
    report = in_process.to_dict()
    assert findings_by_cell(report) == EXPECTED[name]
    if name.startswith("conformant"):  # no false positive, and every cell was judged
        assert {r["verdict"] for r in report["matrix"]} <= {"ok", "inconclusive"}
        assert sum(r["verdict"] == "ok" for r in report["matrix"]) >= 20


# -- the transport's edges, socket and in-process side by side ---------------------------------------
ENDLESS = b"x" * 4096


async def raw_asgi(scope, receive, send):
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path == "/crash":
        raise RuntimeError("boom")
    if path == "/redirect":
        await send({"type": "http.response.start", "status": 302, "headers": [(b"location", b"/elsewhere"), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})
        return
    if path == "/endless":
        await receive()  # the request
        gone = asyncio.ensure_future(receive())  # completes with http.disconnect when the client goes away
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        while not gone.done():  # ends only when the client goes away
            await send({"type": "http.response.body", "body": ENDLESS, "more_body": True})
            await asyncio.sleep(0)
        return
    body = f"method={scope['method']}".encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"x-method", scope["method"].encode()), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def raw_wsgi(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/crash":
        raise RuntimeError("boom")
    if path == "/redirect":
        start_response("302 Found", [("Location", "/elsewhere"), ("Content-Length", "0")])
        return [b""]
    if path == "/endless":
        start_response("200 OK", [("Content-Type", "text/plain")])

        def endless():
            while True:
                yield ENDLESS
        return endless()
    body = f"method={environ['REQUEST_METHOD']}".encode()
    start_response("200 OK", [("X-Method", environ["REQUEST_METHOD"]), ("Content-Length", str(len(body)))])
    return [body] if environ["REQUEST_METHOD"] != "HEAD" else []


async def _exchanges(base: str, app=None) -> dict[str, object]:
    out = {}
    async with HttpClient(Limits(timeout=5, max_body=64 * 1024), transport="httpx", app=app) as client:
        out["purge"] = await client.send("PURGE", f"{base}/x")
        out["query"] = await client.send("QUERY", f"{base}/x", body=b"{}")
        out["head"] = await client.send("HEAD", f"{base}/x")
        out["redirect"] = await client.send("GET", f"{base}/redirect")
        out["endless"] = await client.send("GET", f"{base}/endless")
        out["crash"] = await client.send("GET", f"{base}/crash")
        out["after"] = await client.send("GET", f"{base}/x")  # the crash did not break the target
    return out


@pytest.mark.parametrize("kind", ["asgi", "wsgi"])
def test_transport_edges_match_the_socket(kind):
    app = raw_asgi if kind == "asgi" else raw_wsgi
    in_process = asyncio.run(_exchanges(APP_ORIGIN, app))
    with (serve_asgi if kind == "asgi" else serve_wsgi)(app) as url:
        over_socket = asyncio.run(_exchanges(url))
    for name in in_process:
        a, b = in_process[name], over_socket[name]
        assert a.status == b.status, name
        assert a.body_truncated == b.body_truncated, name
    ip = in_process
    assert ip["purge"].status == 200 and ip["purge"].header("x-method") == "PURGE" and ip["purge"].body == b"method=PURGE"
    assert ip["query"].header("x-method") == "QUERY"
    assert ip["head"].status == 200 and ip["head"].body == b"" and ip["head"].header("x-method") == "HEAD"
    assert ip["redirect"].status == 302 and ip["redirect"].header("location") == "/elsewhere"  # not followed
    endless = ip["endless"]
    assert endless.error is None and endless.body_truncated and len(endless.body) == 64 * 1024
    assert ip["crash"].status == 500 and ip["crash"].error is None
    assert ip["after"].status == 200


def test_asgi_lifespan_runs_around_the_run():
    events: list[str] = []

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    scope["state"]["ready"] = "yes"
                    events.append("startup")
                    await send({"type": "lifespan.startup.complete"})
                else:
                    events.append("shutdown")
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = scope["state"].get("ready", "no").encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    async def go():
        async with HttpClient(app=app) as client:
            first = await client.send("GET", f"{APP_ORIGIN}/")
            second = await client.send("GET", f"{APP_ORIGIN}/")
        return first, second

    first, second = asyncio.run(go())
    assert (first.body, second.body) == (b"yes", b"yes")
    assert events == ["startup", "shutdown"]


def test_failing_lifespan_makes_the_target_unreachable(spec_file):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.failed", "message": "no database"})
            return

    with pytest.raises(api.RunUnreachable) as caught:
        api.check(str(spec_file), app=app)
    assert "no database" in str(caught.value)


def test_interface_detection():
    from django.core.handlers.asgi import ASGIHandler
    from django.core.handlers.wsgi import WSGIHandler

    assert interface(make_app("drifting_fastapi")) == "asgi"
    assert interface(make_app("drifting_flask")) == "wsgi"
    assert interface(object.__new__(WSGIHandler)) == "wsgi"  # what get_wsgi_application() returns
    assert interface(object.__new__(ASGIHandler)) == "asgi"  # what get_asgi_application() returns
    assert interface(raw_asgi) == "asgi" and interface(raw_wsgi) == "wsgi"
    with pytest.raises(UsageError):
        interface(lambda: None)
    with pytest.raises(UsageError):
        interface({"not": "an app"})


def test_load_app_imports_from_the_given_folder_and_calls_factories(tmp_path):
    (tmp_path / "c405_factory_app.py").write_text(
        "from flask import Flask\n"
        "def create_app():\n"
        "    app = Flask(__name__)\n"
        "    app.add_url_rule('/health', 'health', lambda: 'ok')\n"
        "    return app\n")
    try:
        app = load_app("c405_factory_app:create_app", search=tmp_path)
        assert interface(app) == "wsgi"
        with pytest.raises(UsageError, match="no attribute 'missing'"):
            load_app("c405_factory_app:missing", search=tmp_path)
        with pytest.raises(UsageError, match="must look like module:attribute"):
            load_app("c405_factory_app", search=tmp_path)
    finally:
        sys.modules.pop("c405_factory_app", None)
        sys.path.remove(str(tmp_path))


# -- the command line ----------------------------------------------------------------------------------
def _write_project(tmp_path: Path, name: str) -> Path:
    (tmp_path / "items.yaml").write_text(SPEC)
    (tmp_path / f"{name}.py").write_text(APPS[name])
    return tmp_path


def test_cli_app_option_gives_the_socket_findings(tmp_path):
    project = _write_project(tmp_path, "drifting_fastapi")
    result = cli("items.yaml", "--app", "drifting_fastapi:app", "--json", "-", cwd=project)
    assert result.code == 1, result.stderr
    report = result.json()
    assert report["target"]["base_url"] == APP_ORIGIN and report["target"]["transport"] == "asgi"
    assert findings_by_cell(report) == DRIFTING_FASTAPI_EXPECTED
    conformant = _write_project(tmp_path, "conformant_flask")
    result = cli("items.yaml", "--app", "conformant_flask:app", "-q", cwd=conformant)
    assert result.code == 0, result.stdout + result.stderr


@pytest.mark.parametrize("args, message", [
    (["--app", "nowhere:app"], "no module named 'nowhere'"),
    (["--app", "drifting_flask:ITEMS"], "not an ASGI or WSGI application"),
    (["--app", "drifting_flask:app", "--base-url", "http://127.0.0.1:9"], "either --base-url"),
])
def test_cli_bad_app_is_one_line_exit_2(tmp_path, args, message):
    project = _write_project(tmp_path, "drifting_flask")
    result = cli("items.yaml", *args, cwd=project)
    assert result.code == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_cli_app_import_error_is_one_line(tmp_path):
    (tmp_path / "items.yaml").write_text(SPEC)
    (tmp_path / "broken.py").write_text("import json\nraise RuntimeError('settings missing')\n")
    result = cli("items.yaml", "--app", "broken:app", cwd=tmp_path)
    assert result.code == 2
    assert "importing 'broken' failed: RuntimeError: settings missing" in result.stderr
    assert "Traceback" not in result.stderr



# -- the README's "Library API" examples run as written ------------------------------------------------
def _readme_examples(section: str) -> list[str]:
    from .support.run import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return [block.split("\n", 1)[1] for block in body.split("```python")[1:] for block in [block.split("```", 1)[0]]]


def test_readme_library_api_examples_run(tmp_path, monkeypatch, capsys):
    import shutil

    from .support.run import ROOT

    examples = _readme_examples("Library API")
    assert len(examples) == 2
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    for n, code in enumerate(examples):
        exec(compile(code, f"README.md (Library API example {n + 1})", "exec"), {"__name__": f"readme_example_{n}"})
    out = capsys.readouterr().out
    written = json.loads((tmp_path / "conform405.json").read_text())
    assert written["schema_version"] == 1 and written["findings"]
    assert "error head-not-supported HEAD /authors" in out  # the demo's documented drift, from example 1
    assert "('HEAD', 405, 'error')" in out  # example 2: FastAPI does not answer HEAD on /health
    assert "<testsuites" in out


def test_django_wsgi_and_asgi_in_process_match_the_socket():
    """Django (tests/servers/django_app.py, ALLOWED_HOSTS 127.0.0.1 and localhost): get_wsgi_application() and
    get_asgi_application() in-process give the socket's findings; with the default Host 'testserver' Django
    answers 400 to everything, and the report says why instead of leaving a wall of findings unexplained."""
    from django.core.asgi import get_asgi_application

    from .servers import django_app

    spec = api.load(str(Path(django_app.__file__).with_suffix(".yaml")))
    wsgi = django_app.make_app()
    with serve_wsgi(wsgi) as url:
        over_socket = api.check(spec, base_url=url)
    assert over_socket.findings
    expected = sorted(f.fingerprint for f in over_socket.findings)
    local = api.PlanOptions(origin="http://localhost")
    in_wsgi = api.check(spec, app=wsgi, plan=local)
    in_asgi = api.check(spec, app=get_asgi_application(), plan=local)
    assert (in_wsgi.target["transport"], in_asgi.target["transport"]) == ("wsgi", "asgi")
    assert sorted(f.fingerprint for f in in_wsgi.findings) == expected
    assert sorted(f.fingerprint for f in in_asgi.findings) == expected
    refused = api.check(spec, app=wsgi)
    assert any("may refuse the Host 'testserver'" in note for note in refused.notes)
    assert not any("may refuse the Host" in note for note in in_wsgi.notes)
