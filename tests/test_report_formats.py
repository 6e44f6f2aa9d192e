"""Every report format from a real run against a real Starlette server whose spec drifts on purpose."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

#: The spec the app claims to honour, and the drift (each one a finding):
#:   /items             GET, POST         conformant (405 + Allow for the rest)
#:   /items/{itemId}    GET, PUT, DELETE  PUT is not implemented (declared-method-rejected, allow-mismatch)
#:   /admin             GET               POST is served although undeclared (undeclared-method-accepted)
#:   /legacy            GET               the route is /legacy/ (redirects) and serves POST too (a finding with a redirect chain)
SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Drifting items API", "version": "1.0.0"},
    "paths": {
        "/items": {
            "get": {"operationId": "listItems", "responses": {"200": {"description": "items"}}},
            "post": {"operationId": "addItem", "responses": {"201": {"description": "added"}}},
        },
        "/items/{itemId}": {
            "parameters": [{"name": "itemId", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}],
            "get": {"operationId": "getItem", "responses": {"200": {"description": "item"}, "404": {"description": "none"}}},
            "put": {"operationId": "putItem", "responses": {"200": {"description": "replaced"}}},
            "delete": {"operationId": "deleteItem", "responses": {"204": {"description": "deleted"}}},
        },
        "/admin": {
            "get": {"operationId": "admin", "responses": {"200": {"description": "admin"}}},
        },
        "/legacy": {
            "get": {"operationId": "legacy", "responses": {"200": {"description": "legacy"}}},
        },
    },
}


def make_app(admin_post: bool = True, items_delete: bool = False, log: list | None = None):
    """The drifting app; ``admin_post=False`` fixes one drift, ``items_delete=True`` adds a new one (baselines).
    ``log`` receives the path of every request the app gets."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    items = {1: {"id": 1, "name": "one"}}

    async def list_items(request: Request):
        if request.method == "DELETE":
            return Response(status_code=204)
        if request.method == "POST":
            return JSONResponse({"error": "body required"}, status_code=422)
        return JSONResponse(list(items.values()))

    async def item(request: Request):
        item_id = request.path_params["item_id"]
        if item_id not in items:
            return JSONResponse({"error": "not found"}, status_code=404)
        if request.method == "DELETE":
            return Response(status_code=204)
        return JSONResponse(items[item_id])

    async def admin(request: Request):
        return JSONResponse({"ok": True, "method": request.method})

    async def legacy(request: Request):
        return JSONResponse({"legacy": True})

    app = Starlette(routes=[
        Route("/items", list_items, methods=["GET", "POST", "DELETE"] if items_delete else ["GET", "POST"]),
        Route("/items/{item_id:int}", item, methods=["GET", "DELETE"]),
        Route("/admin", admin, methods=["GET", "POST"] if admin_post else ["GET"]),
        Route("/legacy/", legacy, methods=["GET", "POST"]),
    ])
    if log is None:
        return app

    async def logged(scope, receive, send):
        if scope["type"] == "http":
            log.append(scope["path"])
        await app(scope, receive, send)

    return logged


def write_spec(folder: Path, syntax: str, spec: dict | None = None, name: str = "api") -> Path:
    spec = spec or SPEC
    path = folder / f"{name}.{syntax}"
    if syntax == "json":
        path.write_text(json.dumps(spec, indent=2) + "\n")
    else:
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


# -- the runs ------------------------------------------------------------------------------------
import re  # noqa: E402

import pytest  # noqa: E402

from .support.run import SHARED, cli  # noqa: E402
from .support.servers import serve_asgi  # noqa: E402

SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def server():
    with serve_asgi(make_app()) as url:
        yield url


@pytest.fixture(scope="module")
def run_all(server, tmp_path_factory):
    """One run writing every format at once (YAML spec), plus a SARIF run on the JSON twin."""
    folder = tmp_path_factory.mktemp("formats")
    yaml_spec, json_spec = write_spec(folder, "yaml"), write_spec(folder, "json")
    out = {fmt: folder / name for fmt, name in
           (("json", "r.json"), ("junit", "r.xml"), ("sarif", "r.sarif"), ("markdown", "r.md"), ("html", "r.html"))}
    # --allow-writes: the drift includes the declared PUT /items/{itemId} that is not implemented, which only a
    # PUT shows (a default run withholds it: tests/test_harmless.py)
    args = [str(yaml_spec.name), "--base-url", server, "--allow-writes"]
    for fmt, path in out.items():
        args += [f"--{fmt}", str(path)]
    result = cli(*args, cwd=folder)
    json_sarif = folder / "json.sarif"
    result_json = cli(json_spec.name, "--base-url", server, "--sarif", str(json_sarif), "-q", "--allow-writes", cwd=folder)
    return {"result": result, "out": out, "folder": folder, "yaml": yaml_spec, "json": json_spec,
            "json_sarif": json_sarif, "result_json": result_json}


def test_every_format_in_one_run(run_all):
    result = run_all["result"]
    assert result.code == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fmt, path in run_all["out"].items():
        assert path.exists() and path.stat().st_size > 200, fmt
    # the terminal report is still printed when every report goes to a file
    assert "declared-method-rejected" in result.stdout and result.stdout.rstrip().splitlines()[-1].startswith("FAIL")
    assert not list(run_all["folder"].glob(".*.tmp")), "atomic writes leave no temporary file"


def _report(run_all) -> dict:
    return json.loads(run_all["out"]["json"].read_text())


def test_junit_one_case_per_cell_failures_and_skips(run_all):
    from junitparser import Failure, JUnitXml, Skipped

    report = _report(run_all)
    xml = JUnitXml.fromfile(str(run_all["out"]["junit"]))
    cases = {}
    for suite in xml:
        for case in suite:
            cases[(case.classname, case.name)] = case
    cells = {(c["path"], c["method"]) for c in report["matrix"]}
    assert cells <= set(cases), "every (path, method) cell is a test case"
    assert set(cases) - cells <= {(p, "(path)") for p, _ in cells}
    kinds = lambda case: {type(r) for r in case.result}  # noqa: E731
    # the declared PUT that answers 405 fails, with the rule as type and the curl line in the text
    put = cases[("/items/{itemId}", "PUT")]
    fails = [r for r in put.result if isinstance(r, Failure)]
    assert {f.type for f in fails} >= {"declared-method-rejected"}
    assert any("curl -sS -i -X PUT" in (f.text or "") for f in fails)
    assert Failure in kinds(cases[("/admin", "POST")])
    # a generated-id DELETE that gets 404 is inconclusive: skipped, not passed, not failed
    delete = next(c for c in report["matrix"] if c["path"] == "/items/{itemId}" and c["method"] == "DELETE")
    assert delete["verdict"] == "inconclusive"
    assert kinds(cases[("/items/{itemId}", "DELETE")]) == {Skipped}
    # a conformant cell passes
    assert not cases[("/items", "PUT")].result
    # every error finding is a failure somewhere, every other finding is in a system-out
    failure_messages = {r.message for c in cases.values() for r in c.result if isinstance(r, Failure)}
    outs = "\n".join(c.system_out or "" for c in cases.values())
    for f in report["findings"]:
        assert f["message"] in failure_messages if f["severity"] == "error" else f["message"] in outs, f
    # totals agree with the cases
    assert xml.tests == len(cases)
    assert xml.failures == sum(1 for c in cases.values() if Failure in kinds(c))
    assert xml.skipped == sum(1 for c in cases.values() if kinds(c) == {Skipped})
    # round trip: what junitparser writes back parses to the same cases
    again = run_all["folder"] / "again.xml"
    xml.write(str(again))
    assert sum(1 for s in JUnitXml.fromfile(str(again)) for _ in s) == len(cases)


def _line_of(text: str, pattern: str, after: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the first line at or after ``after`` matching ``pattern``."""
    for n, line in enumerate(text.splitlines()[after:], start=after + 1):
        m = re.search(pattern, line)
        if m:
            return n, len(line) - len(line.lstrip()) + 1
    raise AssertionError(f"{pattern!r} not in the spec")


def _sarif_results(path: Path) -> list[dict]:
    return json.loads(path.read_text())["runs"][0]["results"]


def _located(results: list[dict], rule: str, method: str, spec_path: str) -> dict:
    for r in results:
        if r["ruleId"] == rule and r["properties"]["path"] == spec_path and method in r["properties"]["methods"]:
            return r["locations"][0]["physicalLocation"]
    raise AssertionError(f"no {rule} result for {method} {spec_path}")


@pytest.mark.parametrize("syntax", ["yaml", "json"])
def test_sarif_locates_results_on_the_spec_file(run_all, syntax):
    text = run_all[syntax].read_text()
    results = _sarif_results(run_all["out"]["sarif"] if syntax == "yaml" else run_all["json_sarif"])
    q = '"' if syntax == "json" else ""
    item_line, _ = _line_of(text, rf"^\s*{q}/items/{{itemId}}{q}:")
    put_line, put_col = _line_of(text, rf"^\s*{q}put{q}:", after=item_line)
    admin_line, admin_col = _line_of(text, rf"^\s*{q}/admin{q}:")
    # a declared operation: the line of its method key
    loc = _located(results, "declared-method-rejected", "PUT", "/items/{itemId}")
    assert loc["artifactLocation"]["uri"] == run_all[syntax].name  # relative to the working directory
    assert (loc["region"]["startLine"], loc["region"]["startColumn"]) == (put_line, put_col)
    # an undeclared method: the line of the path
    loc = _located(results, "undeclared-method-accepted", "POST", "/admin")
    assert (loc["region"]["startLine"], loc["region"]["startColumn"]) == (admin_line, admin_col)


def test_sarif_is_valid_2_1_0_with_one_rule_per_id(run_all):
    from checker.rules import RULES

    doc = json.loads(run_all["out"]["sarif"].read_text())
    if not SARIF_SCHEMA.exists():
        pytest.skip(f"the SARIF 2.1.0 schema is in ../shared, absent here ({SARIF_SCHEMA})")
    import jsonschema

    jsonschema.validate(doc, json.loads(SARIF_SCHEMA.read_text()))
    jsonschema.validate(json.loads(run_all["json_sarif"].read_text()), json.loads(SARIF_SCHEMA.read_text()))
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)) and set(RULES) <= set(ids)
    for r in rules:
        if r["id"] in RULES:
            assert r["name"] and r["shortDescription"]["text"] and r["fullDescription"]["text"]
            assert r["helpUri"].endswith("#" + r["id"]) and r["help"]["text"]
    results = doc["runs"][0]["results"]
    assert len(results) == len(_report(run_all)["findings"])
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["partialFingerprints"]["conform405/v1"]


def test_markdown_summary(run_all):
    md = run_all["out"]["markdown"].read_text()
    report = _report(run_all)
    assert md.startswith("### conform405: ❌ FAIL")
    assert f"**{report['summary']['findings']}** finding(s)" in md
    assert "| `/admin` | 200 ✅ | 200 ✅ | (200) ❌ |" in md
    assert "| ❌ error | `declared-method-rejected` | PUT | `/items/{itemId}` |" in md
    header = next(line for line in md.splitlines() if line.startswith("| path |"))
    assert header == "| path | GET | HEAD | POST | PUT | PATCH | DELETE | OPTIONS | TRACE |"


def test_html_is_self_contained(run_all):
    page = run_all["out"]["html"].read_text()
    assert "<table class=\"grid\"" in page and 'data-cell="/admin POST"' in page
    # no fetch of any kind: no external script, stylesheet, image or font
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page


def test_quiet_prints_only_the_summary_line(run_all):
    result = run_all["result_json"]  # the JSON-spec run was --quiet, with a SARIF file
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert result.code == 1
    assert len(lines) == 1 and lines[0].startswith("FAIL") and " findings: " in lines[0]


def test_fail_on_thresholds(server, tmp_path):
    spec = write_spec(tmp_path, "yaml")
    base = [str(spec), "--base-url", server, "-q"]
    assert cli(*base, "--fail-on", "never").code == 0  # (the default threshold, error, fails: see above)
    # the conformant path passes at the warning threshold
    clean = cli(*base, "--include-path", "/items", "--fail-on", "warning", "--json", "-")
    assert clean.code == 0, clean.stdout
    severities = {f["severity"] for f in clean.json()["findings"]}
    assert severities <= {"info"}
    # info findings (if a rule reports any here) fail only at --fail-on info
    if severities:
        assert cli(*base, "--include-path", "/items", "--fail-on", "info").code == 1
    bad = cli(*base, "--fail-on", "fatal")
    assert bad.code == 2 and "--fail-on" in bad.stderr and "Traceback" not in bad.stderr


def test_only_one_report_on_stdout(tmp_path):
    spec = write_spec(tmp_path, "yaml")
    result = cli(str(spec), "--base-url", "http://127.0.0.1:9", "--json", "-", "--sarif", "-")
    assert result.code == 2 and "standard output" in result.stderr


def test_sarif_follows_a_referenced_path_item(server, tmp_path, monkeypatch):
    """A path item $ref'd from another file: declared operations point into that file, the path key into the root."""
    from checker import api
    from checker.report import render

    (tmp_path / "paths").mkdir()
    (tmp_path / "api.yaml").write_text('openapi: 3.1.0\ninfo: {title: refs, version: "1"}\npaths:\n'
                                       '  /items/{itemId}:\n    $ref: "paths/item.yaml"\n')
    (tmp_path / "paths" / "item.yaml").write_text(
        "# the item path item\nparameters:\n  - {name: itemId, in: path, required: true, schema: {type: integer}}\n"
        "get:\n  responses:\n    '200': {description: item}\nput:\n  responses:\n    '200': {description: replaced}\n")
    monkeypatch.chdir(tmp_path)
    plan = api.build_plan(api.load("api.yaml"), api.PlanOptions(base_url=server, methods=("GET", "POST", "PUT"),
                                                                allow_writes=True))  # the declared PUT is the finding
    report = api.run(plan)
    results = json.loads(render(report, "sarif"))["runs"][0]["results"]
    put = _located(results, "declared-method-rejected", "PUT", "/items/{itemId}")
    assert put["artifactLocation"]["uri"] == "paths/item.yaml" and put["region"]["startLine"] == 7
    # a finding on the undeclared POST (its first method) points at the path key in the root document
    post = next(r for r in results if r["properties"]["method"] == "POST")["locations"][0]["physicalLocation"]
    assert post["artifactLocation"]["uri"] == "api.yaml" and post["region"] == {"startLine": 4, "startColumn": 3}


def test_json_report_is_valid_against_its_schema(run_all):
    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[1] / "checker" / "report" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    report = _report(run_all)
    jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    assert report["locations"]["/admin"]["line"] >= 1  # where each finding's path sits in the spec


def test_unreachable_target_still_writes_every_format(tmp_path):
    """Nothing listens on the port: exit 3, and every report is written, marked incomplete, never PASS."""
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens on it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = write_spec(tmp_path, "yaml")
    args = [str(spec), "--base-url", f"http://127.0.0.1:{port}"]
    for fmt, name in (("json", "u.json"), ("junit", "u.xml"), ("sarif", "u.sarif"), ("markdown", "u.md"), ("html", "u.html")):
        args += [f"--{fmt}", str(tmp_path / name)]
    result = cli(*args)
    assert result.code == 3, result.stderr
    assert json.loads((tmp_path / "u.json").read_text())["summary"]["complete"] is False
    assert json.loads((tmp_path / "u.sarif").read_text())["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert (tmp_path / "u.md").read_text().startswith("### conform405: ⚠️ INCOMPLETE")
    assert '<span class="verdict INCOMPLETE">' in (tmp_path / "u.html").read_text()
    from junitparser import JUnitXml

    assert JUnitXml.fromfile(str(tmp_path / "u.xml")).failures == 0
