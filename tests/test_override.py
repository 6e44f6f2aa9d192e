"""Method override: an Express-style WSGI middleware (header) and a Rack-style one (form field) in front of Flask."""

from __future__ import annotations

import textwrap
from urllib.parse import parse_qs

import pytest
from flask import Flask, jsonify

from checker import api

from .support.run import cli
from .support.servers import serve_wsgi

SPEC = textwrap.dedent("""\
    openapi: 3.1.0
    info: {title: override test, version: "1"}
    paths:
      /items:
        get: {responses: {"200": {description: ok}}}
        post: {responses: {"201": {description: created}}}
      /items/{id}:
        parameters: [{name: id, in: path, required: true, schema: {type: string}}]
        get: {responses: {"200": {description: ok}}}
        delete: {responses: {"204": {description: gone}}}
""")


def make_app() -> Flask:
    app = Flask(__name__)
    rows = app.extensions["rows"] = {"a1": {"id": "a1"}}

    @app.get("/items")
    def list_items():
        return jsonify(list(rows.values()))

    @app.post("/items")
    def create():
        return jsonify({"id": "new"}), 201

    @app.get("/items/<id>")
    def get_item(id):
        return (jsonify(rows[id]), 200) if id in rows else (jsonify({"detail": "not found"}), 404)

    @app.delete("/items/<id>")
    def delete_item(id):
        return ("", 204) if rows.pop(id, None) else (jsonify({"detail": "not found"}), 404)

    return app


class HeaderOverride:
    """Express's ``methodOverride('X-HTTP-Method-Override')``: a POST carrying the header becomes that method."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        wanted = environ.get("HTTP_X_HTTP_METHOD_OVERRIDE")
        if environ["REQUEST_METHOD"] == "POST" and wanted:
            environ["REQUEST_METHOD"] = wanted.upper()
        return self.app(environ, start_response)


class FormOverride:
    """Rack::MethodOverride: a form POST's ``_method`` field becomes the method."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            wanted = parse_qs(raw.decode()).get("_method", [""])[0]
            if wanted:
                environ["REQUEST_METHOD"] = wanted.upper()
            import io

            environ["wsgi.input"] = io.BytesIO(raw)
        return self.app(environ, start_response)


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    return str(path)


def _run(spec, url, mode="one", allow_writes=False):
    plan = api.build_plan(api.load(spec), api.PlanOptions(base_url=url, allow_writes=allow_writes))
    return plan, api.run(plan, api.RunOptions(probe=api.ProbeOptions(override_probes=mode, unknown_method=False, head_raw=False)))


def test_header_override_is_reported(spec):
    app = make_app()
    with serve_wsgi(HeaderOverride(app)) as url:
        plan, report = _run(spec, url)
    got = {(f.path, f.method): f for f in report.findings if f.rule == "method-override-honoured"}
    # /items declares POST: a POST there could create, so no override probe goes there (in any mode)
    assert set(got) == {("/items/{id}", "DELETE")}
    f = got[("/items/{id}", "DELETE")]
    assert f.evidence["carriers"] == ["X-HTTP-Method-Override"]
    assert f.evidence["plain_post"]["status"] == 405 and f.evidence["real_method"]["status"] == 404
    assert f.evidence["response"]["status"] == 404 and f.severity == "warning"
    assert f.evidence["request"]["headers"]["x-http-method-override"] == "DELETE"
    # generated ids only: the real row (discovered by the run for its GETs) was never deleted
    assert "a1" in app.extensions["rows"] and "/items/c405" in f.evidence["request"]["url"]
    assert f.evidence["path_values"]["id"]["value"].startswith("c405")  # the evidence names the values sent
    # the number of extra probes is bounded: 8 per path with "one", 14 with "all" (DELETE and PATCH; the two
    # plain POSTs, without and with a form body, are shared; per method, the POST carrying every header and
    # the query, then each carrier alone)
    from checker.probes.override import override_probes
    from checker.probes import ProbeContext
    for mode, n in (("one", 8), ("all", 14)):
        ctx = ProbeContext(0, url + "/items/a1", url + "/items/c405x", api.ProbeOptions(override_probes=mode))
        assert [len(override_probes(pp, ctx)) for pp in plan.paths] == [0, n]
    # the header was honoured: the POST carrying every carrier answered unlike the plain POST, so each carrier
    # went alone (6 sent: the plain form POST, all at once, three headers, the query field, the form field); the
    # plain POST is the POST cell's own answer, the very same request, not sent twice
    sent = [w["url"] for w in report.writes_sent if w["kind"] == "override"]
    assert len(sent) == 7, sent


@pytest.mark.parametrize("allow_writes", [False, True])
def test_override_probes_never_repeat_a_post_that_could_act(spec, allow_writes):
    """POST /items is declared (it creates): no override probe goes there, even with --allow-writes, which
    sends the declared POST itself once. Where POST is refused (405), the probes go, on generated ids only."""
    app = make_app()
    created = []
    app.view_functions["create"] = lambda: (created.append(1), ({"id": "new"}, 201))[1]
    with serve_wsgi(HeaderOverride(app)) as url:
        plan, report = _run(spec, url, allow_writes=allow_writes)
    got = {(f.path, f.method) for f in report.findings if f.rule == "method-override-honoured"}
    assert got == {("/items/{id}", "DELETE")}  # still caught where a plain POST is refused
    assert created == ([1] if allow_writes else [])  # the declared POST /items alone, and only when allowed
    assert "a1" in app.extensions["rows"]
    sent = [w for w in report.writes_sent if w["kind"] == "override"]
    assert len(sent) == 7 and all("/items/c405" in w["url"] for w in sent)


def test_override_probes_wait_for_a_refused_post():
    """A server that serves an undeclared POST gets no override probe: each would be a POST it serves."""
    served = []
    app = Flask(__name__)

    @app.get("/jobs/<id>")
    def job(id):
        return jsonify({"id": id})

    @app.post("/jobs/<id>")
    def run_job(id):  # not in the spec: the finding is the POST probe itself, sent once
        served.append(id)
        return jsonify({"started": id}), 202

    spec_text = textwrap.dedent("""\
        openapi: 3.1.0
        info: {title: t, version: "1"}
        paths:
          /jobs/{id}:
            parameters: [{name: id, in: path, required: true, schema: {type: string}}]
            get: {responses: {"200": {description: ok}}}
        """)
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "jobs.yaml"
    path.write_text(spec_text)
    with serve_wsgi(app) as url:
        _, report = _run(str(path), url, mode="all")
    assert len(served) == 1  # the undeclared POST probe; no override probe repeated it
    rules = {(f.rule, f.method) for f in report.findings}
    assert ("undeclared-method-accepted", "POST") in rules
    assert not [w for w in report.writes_sent if w["kind"] == "override"]


def test_form_override_is_reported_with_all_methods(spec):
    with serve_wsgi(FormOverride(make_app())) as url:
        plan, report = _run(spec, url, mode="all")
    got = {(f.path, f.method): f for f in report.findings if f.rule == "method-override-honoured"}
    assert ("/items/{id}", "DELETE") in got
    assert got[("/items/{id}", "DELETE")].evidence["carriers"] == ["_method (form)"]
    # PUT and PATCH are 405 on every route, like a plain POST on /items/{id}: indistinguishable, so not reported
    assert ("/items/{id}", "PUT") not in got and ("/items/{id}", "PATCH") not in got


class QueryOverride:
    """Laravel/Symfony-style ``?_method=M``: only the query field is read."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        wanted = parse_qs(environ.get("QUERY_STRING", "")).get("_method", [""])[0]
        if environ["REQUEST_METHOD"] == "POST" and wanted:
            environ["REQUEST_METHOD"] = wanted.upper()
        return self.app(environ, start_response)


def test_an_override_honoured_by_one_carrier_is_found_on_that_carrier_alone(spec):
    """The POST carrying every header and the query answers unlike the plain POST: each carrier is then sent alone,
    and the finding names the one the server runs -- as when each was sent from the start."""
    with serve_wsgi(QueryOverride(make_app())) as url:
        _, report = _run(spec, url)
    got = {(f.path, f.method): f for f in report.findings if f.rule == "method-override-honoured"}
    assert set(got) == {("/items/{id}", "DELETE")}
    assert got[("/items/{id}", "DELETE")].evidence["carriers"] == ["_method (query)"]
    assert "?_method=DELETE" in got[("/items/{id}", "DELETE")].evidence["request"]["url"]
    assert len([w for w in report.writes_sent if w["kind"] == "override"]) == 7


class Counted:
    """Every request the application received: (method, path, query, body)."""

    def __init__(self, app):
        self.app, self.seen = app, []

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        import io

        environ["wsgi.input"] = io.BytesIO(body)
        self.seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], environ.get("QUERY_STRING", ""), body))
        return self.app(environ, start_response)


@pytest.mark.parametrize("mode,expected", [("one", 3), ("all", 5)])
def test_no_middleware_no_finding(spec, mode, expected):
    """Nothing honoured: the POST carrying every header and the query answers like the plain POST, so the four
    are not sent one by one, and the plain POST is the POST cell's answer: per path, the plain form POST, then per
    method the POST carrying all four and the form field alone -- counted by the server."""
    counted = Counted(make_app())
    with serve_wsgi(counted) as url:
        _, report = _run(spec, url, mode=mode)
    assert not [f for f in report.findings if f.rule == "method-override-honoured"]
    posts = [s for s in counted.seen if s[0] == "POST" and s[1].startswith("/items/")]
    # the POST cell itself, then the override probes
    assert len(posts) == 1 + expected, posts
    assert sum(1 for s in posts if s[2] == "" and s[3] == b"") == 1  # the plain POST went once: the cell
    every = [s for s in posts if s[2].startswith("_method=")]
    assert len(every) == (1 if mode == "one" else 2)
    sent = [w for w in report.writes_sent if w["kind"] == "override"]
    assert len(sent) == expected


def test_override_probes_respect_read_only_and_off(spec):
    from checker.probes.override import targets

    ro = api.build_plan(api.load(spec), api.PlanOptions(base_url="http://127.0.0.1:9", read_only=True))
    assert all(targets(pp, "all") == [] for pp in ro.paths)
    # nothing where POST is declared (it could act), never PUT (it creates what is not there), in every mode
    for allow_writes in (False, True):
        full = api.build_plan(api.load(spec), api.PlanOptions(base_url="http://127.0.0.1:9", skip_methods=("DELETE",),
                                                              allow_writes=allow_writes))
        assert [targets(pp, "one") for pp in full.paths] == [[], ["PATCH"]]
        assert [targets(pp, "all") for pp in full.paths] == [[], ["PATCH"]]
        assert all(targets(pp, "off") == [] for pp in full.paths)


def test_bad_override_option(spec):
    r = cli(spec, "--base-url", "http://127.0.0.1:9", "--override-probes", "some")
    assert r.code == 2 and "--override-probes must be one, all or off" in r.stderr and "Traceback" not in r.stderr


class FormValidator:
    """A validation layer in front of the app that answers 422 to every form body, whatever it holds."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            start_response("422 Unprocessable Entity", [("Content-Type", "application/json")])
            return [b'{"detail": "form bodies are not accepted"}']
        return self.app(environ, start_response)


def test_a_422_that_any_form_body_gets_is_not_an_override(spec):
    app = make_app()

    @app.delete("/confirm/<id>")  # a DELETE whose handler wants a body: 422 too, like the validator's
    def confirm(id):
        return jsonify({"detail": "confirmation required"}), 422

    text = open(spec).read().replace("paths:\n", "paths:\n  /confirm/{id}:\n    parameters: [{name: id, in: path, "
                                                  "required: true, schema: {type: string}}]\n    delete: "
                                                  "{responses: {\"204\": {description: gone}}}\n", 1)
    open(spec, "w").write(text)
    with serve_wsgi(FormValidator(app)) as url:
        plan, report = _run(spec, url, mode="all")
    honoured = [(f.path, f.method) for f in report.findings if f.rule == "method-override-honoured"]
    assert ("/confirm/{id}", "DELETE") not in honoured, honoured
    # the /confirm path's cells were probed: DELETE (422) and POST (405) are what the rule compared
    cells = {(c["path"], c["method"]): c["status"] for c in report.matrix}
    assert cells[("/confirm/{id}", "DELETE")] == 422 and cells[("/confirm/{id}", "POST")] == 405
