"""Judgement that holds on real routers: shapes met on third-party APIs (tests/servers/wild.py), served by
real frameworks on 127.0.0.1, each once a false finding."""

from __future__ import annotations

import json
from collections import Counter

from .servers import wild
from .servers.common import run_api, spec_path, table
from .support.run import cli
from .support.servers import serve_asgi


def _cells(report):
    return {(c["path"], c["method"]): c for c in report["matrix"]}


def _rules(report, path, method=None):
    return {f["rule"] for f in report["findings"] if f["path"] == path
            and (method is None or f["method"] == method or method in f["evidence"].get("seen_on", ()))}


def test_a_method_served_by_an_overlapping_template_is_not_undeclared_on_the_concrete_path():
    counter: Counter = Counter()
    with serve_asgi(wild.overlap_app(counter)) as url:
        report = run_api(spec_path("wild.yaml"), url)
    cells = _cells(report)
    # Starlette hands PUT /user/login to /user/{username} (422: no body) and DELETE to it too (404: no such user)
    for method, status in (("PUT", 422), ("DELETE", 404)):
        cell = cells[("/user/login", method)]
        # the cell carries the overlap (info), not a verdict on /user/login's own routing
        assert cell["status"] == status and cell["verdict"] == "info" and cell["rules"] == ["path-overlap"], table(report)
    assert not _rules(report, "/user/login") & {"undeclared-method-accepted", "wrong-status-for-undeclared-method"}
    overlap = [f for f in report["findings"] if f["rule"] == "path-overlap" and f["path"].startswith("/user/")]
    assert len(overlap) == 1 and overlap[0]["path"] == "/user/login" and overlap[0]["severity"] == "info"
    assert overlap[0]["evidence"]["overlapping_path"] == "/user/{username}"
    assert set(overlap[0]["evidence"]["seen_on"]) == {"PUT", "DELETE"}
    # methods the templated route does not declare are still judged on the concrete path
    assert cells[("/user/login", "PATCH")]["verdict"] == "ok" and cells[("/user/login", "PATCH")]["status"] == 405
    assert counter["changed"] == counter["deleted"] == 0


def test_templates_that_differ_only_in_parameter_names_are_one_route_and_a_finding_on_the_document(tmp_path):
    counter: Counter = Counter()
    first, second = "/orgs/{org}/attestations/{attestation_id}", "/orgs/{org}/attestations/{subject_digest}"
    with serve_asgi(wild.overlap_app(counter)) as url:
        result = cli(spec_path("wild.yaml"), "--base-url", url, "--json", str(tmp_path / "r.json"),
                     "--sarif", str(tmp_path / "r.sarif"), "--no-progress")
    report = json.loads((tmp_path / "r.json").read_text())
    cells = _cells(report)
    # the server serves the union (GET and DELETE on one route): GET on the first is not "undeclared accepted"
    assert not cells[(first, "GET")]["declared"] and cells[(first, "GET")]["status"] == 200
    assert cells[(first, "GET")]["rules"] == ["path-overlap"] and cells[(first, "GET")]["verdict"] == "info"
    for path in (first, second):
        assert "undeclared-method-accepted" not in _rules(report, path)
        assert "declared-method-rejected" not in _rules(report, path)  # DELETE's 404 is the handler's (generated id)
    dupes = [f for f in report["findings"] if f["rule"] == "duplicate-path-template"]
    assert {f["path"] for f in dupes} == {first, second}
    sarif = json.loads((tmp_path / "r.sarif").read_text())
    located = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "duplicate-path-template"]
    lines = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in located}
    text = open(spec_path("wild.yaml")).read().splitlines()
    assert lines == {n + 1 for n, line in enumerate(text) if line.strip() in (first + ":", second + ":")}
    assert result.code in (0, 1), result.stderr


def test_a_handlers_own_404_is_not_a_missing_route():
    counter: Counter = Counter()
    with serve_asgi(wild.handler404_app(counter)) as url:
        report = run_api(spec_path("wild_contents.yaml"), url)
    cells = _cells(report)
    for path in ("/api/contents/{path}", "/api/status"):
        cell = cells[(path, "PATCH")]
        assert cell["status"] == 404 and cell["verdict"] == "inconclusive", table(report)
        assert "declared-method-rejected" not in _rules(report, path)
    assert counter["changed"] == 0


def test_a_missing_route_that_answers_like_the_routers_404_is_still_caught():
    """The other side of the handler-404 rule: Express-like routers answer 404 to every unrouted method
    ("Cannot PUT /x"); a declared method with that same 404 while GET works is a missing route."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def listing(request):
        return PlainTextResponse("[]")

    async def not_found(request, exc):
        return PlainTextResponse(f"Cannot {request.method} {request.url.path}", status_code=404)

    app = Starlette(routes=[Route("/items", listing, methods=["GET"])], exception_handlers={404: not_found, 405: not_found})
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/items": {"get": {"responses": {"200": {"description": "ok"}}},
                                 "put": {"responses": {"200": {"description": "ok"}}}}}}
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder, serve_asgi(app) as url:
        path = Path(folder) / "s.json"
        path.write_text(json.dumps(spec))
        report = run_api(str(path), url)
    assert "declared-method-rejected" in _rules(report, "/items", "PUT"), table(report)


def test_a_declared_redirect_is_the_operations_answer_not_a_rejection():
    counter: Counter = Counter()
    with serve_asgi(wild.redirect_app(counter)) as url:
        report = run_api(spec_path("wild_redirect.yaml"), url)
    cells = _cells(report)
    login = cells[("/login", "GET")]
    assert login["redirects"] == 1 and login["verdict"] == "ok", table(report)  # 302 as documented; /gone is 404
    assert "declared-method-rejected" not in _rules(report, "/login")
    assert not any(f["rule"] == "wrong-status-for-undeclared-method" for f in report["findings"] if f["path"] == "/login")


def test_an_undocumented_redirect_to_a_refusal_is_not_a_method_verdict(tmp_path):
    counter: Counter = Counter()
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                                "paths": {"/login": {"get": {"responses": {"200": {"description": "ok"}}}}}}))
    with serve_asgi(wild.redirect_app(counter)) as url:
        report = run_api(str(spec), url)
    login = _cells(report)[("/login", "GET")]
    assert login["verdict"] == "inconclusive" and "redirect" in login["reason"], table(report)
    assert "declared-method-rejected" not in _rules(report, "/login")


def test_an_auth_wall_is_one_line_and_inconclusive_cells(tmp_path):
    counter: Counter = Counter()
    with serve_asgi(wild.walled_app(counter)) as url:
        result = cli(spec_path("wild_walled.yaml"), "--base-url", url, "--json", str(tmp_path / "r.json"), "--no-progress")
        authed = cli(spec_path("wild_walled.yaml"), "--base-url", url, "--json", str(tmp_path / "a.json"), "--no-progress",
                     "-H", "Authorization: token x")
    report = json.loads((tmp_path / "r.json").read_text())
    assert {c["verdict"] for c in report["matrix"]} == {"inconclusive"}
    assert not [f for f in report["findings"] if f["severity"] in ("error", "warning")]
    assert result.code == 5
    hint = [ln for ln in result.stderr.splitlines() if "--auth" in ln]
    assert len(hint) == 1 and "-H" in hint[0], result.stderr
    judged = json.loads((tmp_path / "a.json").read_text())["summary"]["judged"]
    assert judged > 0 and authed.code != 5, authed.stderr
