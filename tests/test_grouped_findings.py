"""Findings of one cause are one finding everywhere: an Express-style router that answers 404 to every undeclared
method of a URL is one wrong-status-for-undeclared-method finding listing the methods (seen_on), and every report
format renders it on each of those cells."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

from rich.console import Console

from checker import api
from checker.report import render
from checker.report.terminal import print_report

SPEC = {"openapi": "3.1.0", "info": {"title": "router 404", "version": "1"},
        "paths": {"/items": {"get": {"responses": {"200": {"description": "ok"}}},
                             "post": {"responses": {"201": {"description": "made"}}}}}}


async def router_404_app(scope, receive, send):
    """GET and POST on /items are routed; anything else gets the router's 404 (as Express does)."""
    if scope["type"] != "http":
        return
    routed = scope["path"] == "/items" and scope["method"] in ("GET", "HEAD", "POST")
    status, body = (200 if scope["method"] != "POST" else 201, b"[]") if routed else (404, b"Cannot " + scope["method"].encode())
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body if scope["method"] != "HEAD" else b""})


def test_one_router_cause_is_one_finding_in_every_format(tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    plan = api.PlanOptions(methods=("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE"))
    report = api.check(str(spec), app=router_404_app, plan=plan)
    wrong = [f for f in report.findings if f.rule == "wrong-status-for-undeclared-method" and f.path == "/items"]
    assert len(wrong) == 1, [(f.method, f.message) for f in wrong]
    methods = wrong[0].evidence["seen_on"]
    assert methods == ["PUT", "PATCH", "DELETE", "TRACE"]
    cells = {c["method"]: c for c in report.matrix}
    assert all(cells[m]["verdict"] == "error" and "wrong-status-for-undeclared-method" in cells[m]["rules"] for m in methods)

    data = json.loads(render(report, "json"))
    assert [f["evidence"]["seen_on"] for f in data["findings"] if f["rule"] == "wrong-status-for-undeclared-method"] == [methods]
    junit = ET.fromstring(render(report, "junit"))
    failed = {case.get("name") for case in junit.iter("testcase") if case.find("failure") is not None}
    assert set(methods) <= failed
    assert "PUT, PATCH, DELETE, TRACE" in render(report, "markdown")
    assert "PUT, PATCH, DELETE, TRACE" in render(report, "html")
    sarif = json.loads(render(report, "sarif"))
    assert sum(r["ruleId"] == "wrong-status-for-undeclared-method" for r in sarif["runs"][0]["results"]) == 1
    out = io.StringIO()
    print_report(report, Console(file=out, width=200, no_color=True))
    assert "wrong-status-for-undeclared-method  error · 1 finding ·" in out.getvalue()


def test_an_ignore_for_one_method_sets_only_that_method_aside(tmp_path):
    from checker.judge import Ignore, JudgeOptions

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    plan = api.PlanOptions(methods=("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE"))
    ignore = Ignore(rule="wrong-status-for-undeclared-method", path="/items", method="TRACE", reason="the proxy owns TRACE")
    report = api.check(str(spec), app=router_404_app, plan=plan, options=api.RunOptions(judge=JudgeOptions(ignores=(ignore,))))
    [wrong] = [f for f in report.findings if f.rule == "wrong-status-for-undeclared-method"]
    assert wrong.evidence["seen_on"] == ["PUT", "PATCH", "DELETE"] and "PUT, PATCH, DELETE answered 404" in wrong.message
    [(aside, reason)] = [(f, r) for f, r in report.ignored if f.rule == "wrong-status-for-undeclared-method"]
    assert aside.evidence["seen_on"] == ["TRACE"] and reason == "the proxy owns TRACE"
    cells = {c["method"]: c for c in report.matrix}
    assert cells["PUT"]["verdict"] == "error" and cells["TRACE"]["verdict"] != "error"
    everything = Ignore(rule="wrong-status-for-undeclared-method", path="/items", method="*", reason="known")
    report = api.check(str(spec), app=router_404_app, plan=plan, options=api.RunOptions(judge=JudgeOptions(ignores=(everything,))))
    assert not [f for f in report.findings if f.rule == "wrong-status-for-undeclared-method"]
