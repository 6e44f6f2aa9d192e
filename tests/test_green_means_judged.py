"""Green means judged: a run that could not judge what it was asked to never exits 0.

Every target here is a real misbehaving socket server (tests/support/fault_server.py) or a real
framework server on 127.0.0.1; every case checks the exit code, the one line on standard error,
and that the report says what was and was not judged.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.errors import ExitCode

from .support.fault_server import FaultServer, spec_for
from .support.run import cli

PATHS = ["/a", "/b", "/c/x"]


def _spec(tmp: Path, paths=PATHS, **kw) -> str:
    spec = tmp / "spec.json"
    spec.write_text(json.dumps(spec_for(paths, **kw)))
    return str(spec)


def _run(tmp: Path, behaviour: str, *extra: str, paths=PATHS, methods: str = "GET,POST,PUT,OPTIONS", **srv):
    spec = _spec(tmp, paths)
    with FaultServer(default=behaviour, **srv) as server:
        result = cli(spec, "--base-url", server.url, "--json", str(tmp / "r.json"), "--junit", str(tmp / "r.xml"),
                     "--timeout", "1", "--methods", methods, "--no-progress", *extra, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads((tmp / "r.json").read_text())
    return result, report


def _error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("conform405:")]


NO_ANSWER = ["hang", "reset", "garbage", "badheader", "manyheaders"]


@pytest.mark.parametrize("behaviour", NO_ANSWER)
def test_a_target_that_never_answers_properly_is_not_judged(tmp_path, behaviour):
    result, report = _run(tmp_path, behaviour)
    assert result.code == ExitCode.UNJUDGED, (result.code, result.stdout[-2000:], result.stderr)
    lines = _error_lines(result.stderr)
    assert len(lines) == 1 and "not judged" in lines[0] and "no HTTP answer" in lines[0], result.stderr
    s = report["summary"]
    assert s["no_answer"] == s["cells"] == 12 and s["judged"] == 0
    assert s["outcome"]["status"] == "unjudged" and s["outcome"]["exit_code"] == ExitCode.UNJUDGED
    kinds = {g["reason"] for g in s["outcome"]["unjudged_reasons"]["no_answer"]}
    assert kinds <= {"timeout", "reset", "protocol", "limit"}, kinds
    assert result.stdout.rstrip().splitlines()[-1].startswith("NOT JUDGED")
    xml = (tmp_path / "r.xml").read_text()
    assert 'errors="12"' in xml and 'failures="0"' in xml.split(">", 2)[1]


def test_a_broken_body_after_a_valid_status_line_is_judged_on_the_status_and_does_not_pass(tmp_path):
    # the status line and headers arrived whole: the method verdict stands on them; the body's protocol
    # error stays in the evidence (200 to an undeclared POST is still a finding)
    result, report = _run(tmp_path, "badchunked")
    assert result.code == ExitCode.FINDINGS, (result.code, result.stderr)
    post = next(c for c in report["matrix"] if c["path"] == "/a" and c["method"] == "POST")
    assert post["status"] == 200 and post["verdict"] == "error"
    f = next(f for f in report["findings"] if f["path"] == "/a" and f["method"] == "POST")
    assert f["evidence"]["response"]["error"].startswith("protocol")


def test_no_answer_can_be_tolerated_explicitly(tmp_path):
    spec = _spec(tmp_path, ["/ok", "/hang"])
    with FaultServer() as server:
        base = [spec, "--base-url", server.url, "--timeout", "1", "--methods", "GET,OPTIONS", "--no-progress",
                "--json", str(tmp_path / "r.json")]
        strict = cli(*base)
        loose = cli(*base, "--max-no-answer", "2")
        share = cli(*base, "--max-no-answer", "50%")
        tight = cli(*base, "--max-no-answer", "10%")
    assert strict.code == ExitCode.UNJUDGED, strict.stderr
    assert loose.code == ExitCode.OK, loose.stderr
    assert share.code == ExitCode.OK, share.stderr
    assert tight.code == ExitCode.UNJUDGED, tight.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["judged"] == 2 and report["summary"]["no_answer"] == 2


def test_bad_tolerance_is_a_usage_error(tmp_path):
    result = cli(_spec(tmp_path), "--base-url", "http://127.0.0.1:9", "--max-no-answer", "lots")
    assert result.code == ExitCode.BAD_INPUT and "--max-no-answer" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("behaviour, status", [("down", 503), ("broken", 500)])
def test_the_same_5xx_everywhere_is_an_unhealthy_target(tmp_path, behaviour, status):
    result, report = _run(tmp_path, behaviour)
    assert result.code == ExitCode.UNHEALTHY, (result.code, result.stderr)
    lines = _error_lines(result.stderr)
    assert len(lines) == 1 and "target unhealthy" in lines[0] and str(status) in lines[0], result.stderr
    assert report["summary"]["outcome"]["status"] == "unhealthy"
    assert result.stdout.rstrip().splitlines()[-1].startswith("UNHEALTHY")


def test_503_with_a_long_retry_after_does_not_stall_and_is_unhealthy(tmp_path):
    result, report = _run(tmp_path, "down", "--max-time", "60")
    assert result.code == ExitCode.UNHEALTHY
    assert report["summary"]["complete"] is True  # nothing waited an hour: the run ended on its own


def test_404_for_every_method_of_every_path_says_the_base_url_looks_wrong(tmp_path):
    result, report = _run(tmp_path, "notfound", methods="GET,POST,PUT,DELETE,OPTIONS")
    assert result.code == ExitCode.UNHEALTHY, (result.code, result.stderr)
    assert "every answer was 404" in result.stderr and "--base-url" in result.stderr and "--origin" in result.stderr
    assert report["summary"]["outcome"]["hint"]


def test_a_redirect_to_another_host_for_every_method_is_not_a_pass(tmp_path):
    result, report = _run(tmp_path, "elsewhere", elsewhere="http://127.0.0.2:9")
    assert result.code == ExitCode.UNHEALTHY, (result.code, result.stdout[-1500:])
    lines = _error_lines(result.stderr)
    assert len(lines) == 1 and "307" in lines[0] and "--base-url" in result.stderr, result.stderr
    assert report["summary"]["outcome"]["status"] == "unhealthy"


def test_a_conformant_target_still_passes_and_counts_what_it_judged(tmp_path):
    result, report = _run(tmp_path, "ok", methods="GET,HEAD,POST,PUT,OPTIONS")
    assert result.code == ExitCode.OK, (result.code, result.stdout[-2000:], result.stderr)
    s = report["summary"]
    assert s["judged"] == s["cells"] == 15 and s["no_answer"] == s["inconclusive"] == 0
    assert s["outcome"] == {"status": "pass", "exit_code": 0}
    assert result.stdout.rstrip().splitlines()[-1].startswith("PASS")


@pytest.mark.parametrize("args, needle", [
    (["--include-path", "books"], "try '/books'"),
    (["--include-path", "/nothing/*"], "--include-path"),
    (["--exclude-path", "*"], "--exclude-path"),
    (["--methods", "GET", "--skip-method", "GET"], "leave no method"),
])
def test_a_selection_that_leaves_no_cell_is_a_usage_error(tmp_path, args, needle):
    spec = _spec(tmp_path, ["/books", "/books/shelf"])
    for command in (["plan", spec], [spec, "--base-url", "http://127.0.0.1:9"]):
        result = cli(*command, *args)
        assert result.code == ExitCode.BAD_INPUT, (command, result.code, result.stdout, result.stderr)
        lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and needle in lines[0], result.stderr


def test_a_document_without_paths_is_a_usage_error(tmp_path):
    spec = _spec(tmp_path, [])
    result = cli(spec, "--base-url", "http://127.0.0.1:9")
    assert result.code == ExitCode.BAD_INPUT and "no paths" in result.stderr


def test_a_selection_from_the_configuration_file_names_the_option(tmp_path):
    spec = _spec(tmp_path, ["/books"])
    (tmp_path / "conform405.toml").write_text('include-paths = ["books"]\n')
    result = cli(spec, "--base-url", "http://127.0.0.1:9", cwd=tmp_path)
    assert result.code == ExitCode.BAD_INPUT and "include" in result.stderr and "'/books'" in result.stderr


def test_inconclusive_cells_are_counted_by_reason_with_an_example(tmp_path):
    # every cell of the templated path answers 404 for the generated id: inconclusive, listed by reason
    spec = tmp_path / "spec.json"
    doc = spec_for(["/ok"], methods=("get",))
    doc["paths"]["/notfound/{id}"] = {"get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                                              "schema": {"type": "integer"}}],
                                              "responses": {"200": {"description": "ok"}}}}
    spec.write_text(json.dumps(doc))
    with FaultServer() as server:
        result = cli(str(spec), "--base-url", server.url, "--methods", "GET,OPTIONS", "--no-progress",
                     "--json", str(tmp_path / "r.json"))
    report = json.loads((tmp_path / "r.json").read_text())
    s = report["summary"]
    assert s["inconclusive"] >= 1 and s["judged"] >= 1
    assert result.code == ExitCode.OK, result.stderr  # inconclusive cells are allowed by default ...
    assert "not judged:" in result.stdout and "inconclusive" in result.stdout  # ... but never silently
    groups = s["outcome"]["unjudged_reasons"]["inconclusive"]
    assert sum(g["count"] for g in groups) == s["inconclusive"]
    assert all(g["example"]["path"] == "/notfound/{id}" for g in groups)


def test_max_inconclusive_fails_a_run_with_too_many(tmp_path):
    spec = tmp_path / "spec.json"
    doc = spec_for([], methods=("get",))
    doc["paths"]["/ok"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    doc["paths"]["/notfound/{id}"] = {"get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                                              "schema": {"type": "integer"}}],
                                              "responses": {"200": {"description": "ok"}}}}
    spec.write_text(json.dumps(doc))
    with FaultServer() as server:
        result = cli(str(spec), "--base-url", server.url, "--methods", "GET,OPTIONS", "--no-progress", "--max-inconclusive", "0")
    assert result.code == ExitCode.UNJUDGED, (result.code, result.stderr)
    assert "inconclusive" in _error_lines(result.stderr)[0]


def test_an_unusable_parameter_schema_falls_back_to_a_simple_value_and_the_cell_is_probed(tmp_path):
    # "type": "int" is not a JSON Schema type (a real, widely used service publishes it): the path is still probed
    spec = tmp_path / "spec.json"
    doc = spec_for([], methods=("get",))
    for path, schema in (("/ok/{id}", {"type": "int"}), ("/ok/x/{name}", {"type": "string", "pattern": "[", "minLength": 3}),
                         ("/ok/y/{n}", {"type": "integer", "minimum": 10, "maximum": 1})):
        name = path.rsplit("{", 1)[1].rstrip("}")
        doc["paths"][path] = {"get": {"parameters": [{"name": name, "in": "path", "required": True, "schema": schema}],
                                      "responses": {"200": {"description": "ok"}}}}
    spec.write_text(json.dumps(doc))
    with FaultServer() as server:
        result = cli(str(spec), "--base-url", server.url, "--methods", "GET,PUT,OPTIONS", "--no-progress",
                     "--json", str(tmp_path / "r.json"))
        received = {r.path for r in server.received}
    assert "Traceback" not in result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["skipped"] == 0, report["matrix"]
    assert any(p.startswith("/ok/1") for p in received), received  # the "int" id is an integer
    assert any(p.startswith("/ok/x/") for p in received) and any(p.startswith("/ok/y/") for p in received)
    notes = " ".join(report.get("notes", []))
    assert "{id} of /ok/{id}" in notes and "{name} of /ok/x/{name}" in notes and "{n} of /ok/y/{n}" in notes
    assert "cannot be used" in notes


def test_paths_behind_an_auth_wall_get_one_line_naming_them(tmp_path):
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from .support.servers import serve_asgi

    async def public(request):
        if request.method != "GET":
            return JSONResponse({}, status_code=405, headers={"Allow": "GET"})
        return JSONResponse({"ok": True})

    async def private(request):
        return JSONResponse({"message": "login first"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    app = Starlette(routes=[Route("/public", public, methods=methods), Route("/private", private, methods=methods)])
    spec = _spec(tmp_path, ["/public", "/private"])
    with serve_asgi(app) as url:
        result = cli(spec, "--base-url", url, "--methods", "GET,POST,OPTIONS", "--no-progress", "--json", str(tmp_path / "r.json"))
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["outcome"]["hint"].startswith("1 path(s) answered 401 or 403 to every method (e.g. /private)")
    lines = [ln for ln in result.stderr.splitlines() if "--auth" in ln]
    assert len(lines) == 1 and "/private" in lines[0], result.stderr
    assert {c["verdict"] for c in report["matrix"] if c["path"] == "/private"} == {"inconclusive"}


def test_a_path_parameter_named_like_a_quantity_gets_a_small_value_and_no_declared_write(tmp_path):
    """httpbin's /delay/{delay} and /redirect/{n}: an id-like 10^9 there is the run's own timeout or a
    billion redirects. A count, a size or a delay gets the cheapest values its schema allows, and since
    such a value could name a real row, a declared DELETE there is withheld."""
    spec = tmp_path / "spec.json"
    doc = spec_for([], methods=("get",))
    for path, name, schema in (("/ok/delay/{delay}", "delay", {"type": "int"}), ("/ok/redirect/{n}", "n", {"type": "integer"}),
                               ("/ok/bytes/{num_bytes}", "num_bytes", {"type": "integer", "minimum": 1}),
                               ("/ok/items/{item_id}", "item_id", {"type": "integer"})):
        doc["paths"][path] = {"parameters": [{"name": name, "in": "path", "required": True, "schema": schema}],
                              "get": {"responses": {"200": {"description": "ok"}}},
                              "delete": {"responses": {"204": {"description": "gone"}}}}
    spec.write_text(json.dumps(doc))
    with FaultServer() as server:
        result = cli(str(spec), "--base-url", server.url, "--methods", "GET,DELETE", "--no-progress",
                     "--json", str(tmp_path / "r.json"))
        received = [(r.method, r.path) for r in server.received]
    assert "Traceback" not in result.stderr
    for prefix in ("/ok/delay/", "/ok/redirect/", "/ok/bytes/"):
        values = {int(p.split("?")[0].strip("/").rsplit("/", 1)[1]) for _, p in received if p.startswith(prefix)}
        assert values and all(1 <= v <= 3 for v in values), (prefix, values)
        assert not any(m == "DELETE" and p.startswith(prefix) for m, p in received), received
    # an id keeps its far-away generated value, and its declared DELETE (naming nothing) is sent
    assert any(m == "DELETE" and p.startswith("/ok/items/1") and int(p.split("?")[0].strip("/").rsplit("/", 1)[1]) >= 10**9
               for m, p in received)


def test_the_outcome_follows_what_the_report_says_after_it_was_first_read():
    # every format reads the outcome, so a report remembers it: what it reads must still be able to change it
    from checker.report.model import Report
    from checker.report.outcome import Tolerance
    from checker.rules.base import Finding

    rows = [{"path": "/a", "method": m, "verdict": "ok", "status": 405, "reason": ""} for m in ("PUT", "DELETE")]
    warning = Finding(rule="allow-missing", severity="warning", path="/a", method="PUT", message="m")
    report = Report(tool={}, spec={}, target={"base_url": "http://127.0.0.1:9"}, findings=[warning], matrix=rows,
                    kind="run", fail_on="error")
    assert report.outcome().status == "pass"
    report.fail_on = "warning"
    assert report.outcome().status == "findings" and report.outcome().exit_code == ExitCode.FINDINGS
    report.fail_on = "never"
    report.incomplete = "stopped by --max-requests"
    assert report.outcome().status == "incomplete"
    report.incomplete = None
    report.matrix = [rows[0], dict(rows[1], verdict="no-answer", status=None, reason="timeout: no answer")]
    assert report.outcome().status == "unjudged"  # one cell got no answer, and --max-no-answer is 0
    report.tolerance = Tolerance(max_no_answer=None)
    assert report.outcome().status == "pass"
