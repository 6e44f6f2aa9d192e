"""Adaptive probing (checker/adaptive.py): the stack-level questions are asked of a sample of paths and the
verdict is extended by inference only where the sample's answers are alike and conformant -- so a default run
sends fewer requests than ``--exhaustive`` and reaches the same verdicts, on real Starlette servers."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from checker import api
from checker.adaptive import NOTE_HEAD
from checker.options import ProbeOptions

from .support.run import cli
from .support.servers import serve_asgi

RESOURCES = ("books", "authors", "shelves", "loans", "members", "reviews", "tags", "branches")


def spec(mounts: tuple[str, ...]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for mount in mounts:
        for name in RESOURCES:
            paths[f"/{mount}/{name}"] = {"get": {"responses": {"200": {"description": "ok"}}}}
            paths[f"/{mount}/{name}/{{id}}"] = {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {"responses": {"200": {"description": "ok"}}},
                "delete": {"responses": {"204": {"description": "gone"}}},
            }
    return {"openapi": "3.1.0", "info": {"title": "library", "version": "1"}, "paths": paths}


async def listing(request):
    return JSONResponse([])


async def item(request):
    if request.method == "DELETE":
        return JSONResponse({"detail": "no such row"}, status_code=404)
    return JSONResponse({"id": request.path_params["id"]})


def routes() -> list[Route]:
    out = []
    for name in RESOURCES:
        out.append(Route(f"/{name}", listing, methods=["GET"]))
        out.append(Route(f"/{name}/{{id}}", item, methods=["GET", "DELETE"]))
    return out


class HeaderOverride:
    """Express's methodOverride('X-HTTP-Method-Override') as ASGI middleware: a POST naming another method
    becomes that method -- in front of one mount only (a legacy sub-application)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            wanted = dict(scope["headers"]).get(b"x-http-method-override")
            if wanted:
                scope = {**scope, "method": wanted.decode().upper()}
        await self.app(scope, receive, send)


def app(legacy_override: bool = False) -> Starlette:
    legacy = Starlette(routes=routes())
    return Starlette(routes=[Mount("/api", routes=routes()),
                             Mount("/legacy", app=HeaderOverride(legacy) if legacy_override else legacy)])


def run(tmp_path, server: Starlette, exhaustive: bool, http: str = "h11") -> api.Report:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec(("api", "legacy"))))
    with serve_asgi(server, http=http) as url:
        return api.check(str(path), base_url=url,
                         options=api.RunOptions(probe=ProbeOptions(exhaustive=exhaustive)))


def verdicts(report: api.Report) -> tuple[list, list]:
    findings = sorted((f.rule, f.path, f.method or "", f.severity) for f in report.findings)
    matrix = [(c["path"], c["method"], c["verdict"], c["status"]) for c in report.matrix]
    return findings, matrix


def test_a_conformant_server_gets_the_same_verdicts_for_fewer_requests(tmp_path):
    default = run(tmp_path, app(), exhaustive=False)
    exhaustive = run(tmp_path, app(), exhaustive=True)
    assert verdicts(default) == verdicts(exhaustive)
    assert default.requests_sent < exhaustive.requests_sent
    assert default.sampling is not None and default.sampling["mode"] == "adaptive"
    assert exhaustive.sampling["mode"] == "exhaustive"
    # every question that applies was asked of at least one path of each mount, and inferred for the rest
    for name in ("head_depth", "stability"):
        q = default.sampling["questions"][name]
        assert q["inferred"], name
        assert {t.split("/")[1] for t in q["sampled"]} == {"api", "legacy"}
        assert set(q["sampled"]) | set(q["inferred"]) | set(q["extended"]) == \
            set(exhaustive.sampling["questions"][name]["sampled"])
        assert not exhaustive.sampling["questions"][name]["inferred"]
    assert any(n.startswith(NOTE_HEAD) for n in default.notes)
    # the made-up method reaches the routes (h11) and is refused 405 there: no finding, so nothing is asked of a
    # path no route serves, and nothing is carried over
    q = default.sampling["questions"]["unknown_method"]
    assert q["inferred"] and not q["carried"] and "unrouted" not in q


def test_a_mount_that_honours_overrides_is_found_on_every_path_of_it(tmp_path):
    """The override middleware sits in front of /legacy only: the mount's sample finds it, and an override is
    the routes' answer, never carried over -- the question goes to every path there, so each gets its finding
    from its own request."""
    default = run(tmp_path, app(legacy_override=True), exhaustive=False)
    exhaustive = run(tmp_path, app(legacy_override=True), exhaustive=True)
    assert verdicts(default) == verdicts(exhaustive)
    honoured = {f.path for f in default.findings if f.rule == "method-override-honoured"}
    assert honoured and all(p.startswith("/legacy/") for p in honoured)
    assert honoured == {f.path for f in exhaustive.findings if f.rule == "method-override-honoured"}
    q = default.sampling["questions"]["override"]
    assert set(q["extended"]) >= {p for p in honoured if p not in q["sampled"]}
    assert q["extended_because"]  # the /legacy sample answered unlike /api's, or made a finding
    assert default.requests_sent < exhaustive.requests_sent  # /api still inferred


def test_the_sample_is_the_same_on_every_run(tmp_path):
    first = run(tmp_path, app(), exhaustive=False)
    second = run(tmp_path, app(), exhaustive=False)
    assert first.sampling == second.sampling
    assert first.requests_sent == second.requests_sent


def test_the_cli_says_what_was_inferred_and_exhaustive_asks_every_path(tmp_path):
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec(("api", "legacy"))))
    with serve_asgi(app(), http="h11") as url:
        default = cli(str(path), "--base-url", url, "--json", "-", "--no-progress")
        exhaustive = cli(str(path), "--base-url", url, "--json", "-", "--no-progress", "--exhaustive")
    assert default.code == exhaustive.code == 0, default.stderr
    d, e = default.json(), exhaustive.json()
    assert d["summary"]["requests"] < e["summary"]["requests"]
    assert d["matrix"] == e["matrix"]
    assert any(n.startswith(NOTE_HEAD) and "--exhaustive" in n for n in d["notes"])
    assert not any(n.startswith(NOTE_HEAD) for n in e.get("notes", []))
    assert d["sampling"]["questions"]["slashes"]["inferred"]


# -- a finding carried over: the server answers the question before routing --------------------------------

def test_a_parser_refusal_is_carried_over_with_the_same_findings_as_exhaustive(tmp_path):
    """uvicorn's httptools parser answers a made-up method 400 before the application sees it, on every path and
    on a path no route serves alike: the sample's answer is carried over to the other paths and judged there; the
    answer is the server's, not a path's, so it is one finding naming every path, the ones asked and the ones
    inferred -- the same finding as exhaustive's, for fewer requests."""
    pytest.importorskip("httptools")
    default = run(tmp_path, app(), exhaustive=False, http="httptools")
    exhaustive = run(tmp_path, app(), exhaustive=True, http="httptools")
    assert verdicts(default) == verdicts(exhaustive)
    every = list(spec(("api", "legacy"))["paths"])
    q = default.sampling["questions"]["unknown_method"]
    assert q["carried"] and not q["extended"]
    assert [c["status"] for c in q["unrouted"]] == [400]
    [wrong] = [f for f in default.findings if f.rule == "unknown-method-wrong-status"]
    [each] = [f for f in exhaustive.findings if f.rule == "unknown-method-wrong-status"]
    assert wrong.fingerprint == each.fingerprint and wrong.server_level
    assert sorted(wrong.evidence["paths"]) == sorted(each.evidence["paths"]) == sorted(every)  # the parser, everywhere
    assert sorted(wrong.evidence["probed"]) == sorted(q["sampled"]) and set(q["carried"]).isdisjoint(wrong.evidence["probed"])
    assert sorted(each.evidence["probed"]) == sorted(every)
    # the finding stands on the first path in both modes; its evidence and curl line are that path's own request,
    # with the answer its own (exhaustive) or the sample's, carried over (adaptive: inferred_from says whose)
    assert wrong.path == each.path == every[0] and wrong.message == each.message and not each.inferred_from
    assert (wrong.inferred_from in q["sampled"]) if wrong.path in q["carried"] else not wrong.inferred_from
    assert wrong.evidence["response"]["status"] == 400
    sent_to = urlsplit(wrong.evidence["request"]["url"]).path
    assert re.fullmatch(re.sub(r"\\\{[^/]*\\\}", "[^/]+", re.escape(wrong.path)), sent_to), (wrong.path, sent_to)
    assert wrong.reproduce and wrong.evidence["request"]["url"] in wrong.reproduce
    assert default.requests_sent < exhaustive.requests_sent - len(q["carried"])  # none of those was sent
    # the audit of state-changing requests lists what was sent -- the sample's and the path no route serves --
    # and nothing carried over
    tokens = [w for w in default.writes_sent if w["basis"] == "unknown method token"]
    assert sorted(w["path"] for w in tokens) == sorted(q["sampled"] + ["/c405-no-such-route"])
    # every format names the paths and says which were inferred; the JSON report stays valid against its schema
    import jsonschema

    from rich.console import Console

    from checker.report import render
    from checker.report.terminal import print_report

    doc = json.loads(render(default, "json"))
    schema = json.loads((Path(__file__).resolve().parents[1] / "checker/report/report.schema.json").read_text())
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    [stored] = [f for f in doc["findings"] if f["rule"] == "unknown-method-wrong-status"]
    assert stored["scope"] == "server" and stored["evidence"]["paths"] == wrong.evidence["paths"]
    [result] = [r for r in json.loads(render(default, "sarif"))["runs"][0]["results"] if r["ruleId"] == "unknown-method-wrong-status"]
    assert result["properties"]["paths"] == wrong.evidence["paths"] and result["properties"]["probed"] == wrong.evidence["probed"]
    inferred = f"the other {len(q['carried'])} inferred"
    console = Console(record=True, width=400, file=io.StringIO())
    print_report(default, console)
    for text in (render(default, "junit"), render(default, "markdown"), render(default, "html"), console.export_text(),
                 result["message"]["text"]):
        assert f"the same answer on {len(every)} paths" in text and inferred in text
    assert "each path asked" in render(exhaustive, "markdown") and "inferred" not in render(exhaustive, "markdown")


def test_a_path_no_route_serves_that_the_configuration_denies_is_not_asked(tmp_path):
    """[writes] deny naming the path no route serves: it is never sent, so nothing is carried over -- the question
    goes to every path, and the findings are still exhaustive's."""
    pytest.importorskip("httptools")
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec(("api", "legacy"))))
    with serve_asgi(app(), http="httptools") as url:
        report = api.check(str(path), base_url=url, plan=api.PlanOptions(writes_deny=("C405UNKNOWN /c405-*",)))
    q = report.sampling["questions"]["unknown_method"]
    assert "unrouted" not in q and not q["carried"] and q["extended"]
    assert not any(f.inferred_from for f in report.findings)
    assert not any(w["path"] == "/c405-no-such-route" for w in report.writes_sent)
    [wrong] = [f for f in report.findings if f.rule == "unknown-method-wrong-status"]
    every = set(spec(("api", "legacy"))["paths"])
    assert set(wrong.evidence["paths"]) == set(wrong.evidence["probed"]) == every  # each from its own request


class RoutedRefusal:
    """A made-up method refused 400 by the *routes* (a method whitelist in front of each mount), while a path no
    route serves gets the router's 404: the answer is the routes', so it is not carried over."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH",
                                                                  "DELETE", "TRACE") \
                and scope["path"].startswith(("/api/", "/legacy/")):
            await JSONResponse({"detail": "bad method"}, status_code=400)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def test_a_refusal_that_a_path_no_route_serves_does_not_share_is_asked_of_every_path(tmp_path):
    default = run(tmp_path, RoutedRefusal(app()), exhaustive=False)
    exhaustive = run(tmp_path, RoutedRefusal(app()), exhaustive=True)
    assert verdicts(default) == verdicts(exhaustive)
    q = default.sampling["questions"]["unknown_method"]
    assert not q["carried"] and q["extended"]
    assert [c["status"] for c in q["unrouted"]] == [404]
    assert any("a path no route serves answered otherwise" in why for why in q["extended_because"])
    assert not any(f.inferred_from for f in default.findings)


# -- the framework servers of the suite: the same verdicts sampled as exhaustive ------------------------------

def _framework(name: str):
    from .servers import aiohttp_app, django_app, fastapi_app, flask_app, litestar_app, starlette_conformant
    from .support.servers import serve_aiohttp, serve_wsgi

    return {
        "flask": (lambda: serve_wsgi(flask_app.make_app()), "flask_app.yaml"),
        "fastapi": (lambda: serve_asgi(fastapi_app.make_app()), "fastapi_app.yaml"),
        "starlette-conformant": (lambda: serve_asgi(starlette_conformant.make_app()), "starlette_conformant.yaml"),
        "aiohttp": (lambda: serve_aiohttp(aiohttp_app.make_app()), "aiohttp_app.yaml"),
        "django": (lambda: serve_wsgi(django_app.make_app()), "django_app.yaml"),
        "litestar": (lambda: serve_asgi(litestar_app.make_app()), "litestar_app.yaml"),
    }[name]


@pytest.mark.parametrize("name", ["flask", "fastapi", "starlette-conformant", "aiohttp", "django", "litestar"])
def test_the_framework_servers_get_the_same_verdicts_as_exhaustive(name: str):
    from .servers.common import run_api, spec_path

    serve, spec_file = _framework(name)
    reports = {}
    for exhaustive in (False, True):
        with serve() as url:  # a fresh server each time: --allow-writes changes their rows
            reports[exhaustive] = run_api(spec_path(spec_file), url, exhaustive=exhaustive)
    def seen(report):
        return (sorted((f["rule"], f["path"], f["method"] or "", f["severity"]) for f in report["findings"]),
                [(c["path"], c["method"], c["verdict"], c["status"]) for c in report["matrix"]])
    assert seen(reports[False]) == seen(reports[True])
    assert reports[False]["summary"]["requests"] <= reports[True]["summary"]["requests"]


@pytest.mark.parametrize("writes", [(), ("--allow-writes",)], ids=["default", "allow-writes"])
def test_the_demo_report_is_the_same_as_exhaustive(writes: tuple[str, ...]):
    from checker.demo.server import DemoServer

    from .support.run import ROOT

    reports = []
    for mode in ((), ("--exhaustive",)):
        with DemoServer() as url:
            result = cli(str(ROOT / "specs" / "bookshop.yaml"), "--base-url", url, "--json", "-", *writes, *mode)
        assert result.code == 1, result.stderr
        reports.append(json.loads(result.stdout.replace(url, "http://demo")))  # each server has its own port
    adaptive, exhaustive = reports
    assert [(f["rule"], f["path"], f["method"], f["message"]) for f in adaptive["findings"]] == \
        [(f["rule"], f["path"], f["method"], f["message"]) for f in exhaustive["findings"]]
    assert adaptive["matrix"] == exhaustive["matrix"]


def test_a_folded_finding_says_whose_answer_it_shows():
    """The server-level finding stands on the first path; when that path's answer was carried over from a sampled
    one, its paths line says whose answer the evidence shows (the report formats print carried_text)."""
    from checker.report.common import carried_text
    from checker.rules.base import SERVER_SCOPE, Finding

    paths = ["/a", "/b", "/c", "/d", "/e", "/f", "/g"]
    asked = Finding("unknown-method-wrong-status", "info", "/a", "C405UNKNOWN", "400", facts=(SERVER_SCOPE,),
                    evidence={"paths": paths, "probed": ["/a", "/c"]})
    carried = Finding("unknown-method-wrong-status", "info", "/a", "C405UNKNOWN", "400", facts=(SERVER_SCOPE,),
                      evidence={"paths": paths, "probed": ["/c", "/e"]}, inferred_from="/c")
    assert carried_text(asked) == ("asked of 2 paths, the other 5 inferred: the server answers before routing, "
                                   "--exhaustive asks each: /a, /b, /c, /d, /e and 2 more")
    assert carried_text(carried).endswith("and 2 more; the answer shown is the one /c got, carried over")
    every = Finding("unknown-method-wrong-status", "info", "/a", "C405UNKNOWN", "400", facts=(SERVER_SCOPE,),
                    evidence={"paths": paths[:2], "probed": paths[:2]})
    assert carried_text(every) == "each path asked: /a, /b"
