"""Trailing slashes and redirects with real frameworks' own behaviour (issue #4), servers started by the tests.

Django APPEND_SLASH (301, DEBUG off), Starlette redirect_slashes (307), Werkzeug strict_slashes (308).
Each server module documents its drift and the rules that must catch it.
"""

from __future__ import annotations

from checker import api
from checker.rules.redirects import RULES as REDIRECT_RULES

from .servers_redirect import HERE, flask_slash, serve_module, starlette_slash
from .support.servers import serve_asgi, serve_wsgi

MINE = {r.id for r in REDIRECT_RULES}


def run(name: str, url: str, client: str = "fetch", allow_writes: bool = True):
    # allow_writes: the expectations below include redirected POSTs followed to their handlers (201) and the
    # POST twins of routed URLs, which a default run withholds (test_django_default_run_reaches_no_handler)
    plan = api.build_plan(api.load(str(HERE / f"{name}.yaml")), api.PlanOptions(base_url=url, allow_writes=allow_writes))
    return plan, api.run(plan, api.RunOptions(probe=api.ProbeOptions(client=client)))


def mine(report) -> dict[tuple[str, str | None], set[str]]:
    out: dict[tuple[str, str | None], set[str]] = {}
    for f in report.findings:
        if f.rule in MINE:
            for m in f.evidence.get("seen_on") or [f.method]:
                out.setdefault((f.path, m), set()).add(f.rule)
    return out


def one(report, rule: str, path: str):
    found = [f for f in report.findings if f.rule == rule and f.path == path]
    assert len(found) == 1, [(f.rule, f.path, f.method) for f in report.findings]
    return found[0]


def cell(report, path: str, method: str):
    return next(c for c in report.matrix if c["path"] == path and c["method"] == method)


def test_django_append_slash_301():
    with serve_module("tests.servers_redirect.django_slash") as url:
        plan, report = run("django_slash", url)
    others = ("PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
    assert mine(report) == {
        ("/items", "GET"): {"trailing-slash-mismatch"},
        ("/items", "POST"): {"trailing-slash-mismatch", "redirect-changes-method"},
        **{("/items", m): {"redirect-changes-method"} for m in others},
        ("/login", "POST"): {"trailing-slash-mismatch", "redirect-changes-method", "redirect-then-405"},
        **{("/login", m): {"redirect-changes-method"} for m in others},
        ("/notes/", None): {"trailing-slash-twin"},
    }
    # /notes/ is spelled as routed, but a client that misspells it as /notes gets a 301 for its POST
    twin = one(report, "trailing-slash-twin", "/notes/")
    assert twin.severity == "info" and "POST" in twin.message and "301" in twin.message
    assert twin.evidence["pairs"]["POST"] == "/notes/ served (201); /notes → 301 → /notes/"
    assert all(c["verdict"] == "ok" for c in report.matrix if c["path"] == "/notes/" and c["method"] in ("GET", "POST"))
    # the classic: POST /login -> 301 /login/ -> GET /login/ -> 405, the whole chain in the evidence
    f = one(report, "redirect-then-405", "/login")
    assert f.severity == "error" and f.method == "POST"
    assert [h.split(" → ")[1].split()[0] for h in f.evidence["chain_as_client"]] == ["301", "405"]
    assert f.evidence["chain_as_client"][1].startswith(f"GET {url}/login/ → 405")
    assert "Allow: POST" in f.evidence["chain_as_client"][1]
    outcomes = f.evidence["outcome_by_profile"]
    assert outcomes["fetch"]["final_method"] == "GET" and outcomes["fetch"]["final_status"] == 405
    assert outcomes["go"]["breaks"] and outcomes["requests"]["breaks"]
    # curl -L -X POST re-POSTs to /login/ (200 there) but without the body: it breaks too
    assert outcomes["curl-L-X"]["final_method"] == "POST" and outcomes["curl-L-X"]["final_status"] == 200
    assert "without its body" in outcomes["curl-L-X"]["why"]
    assert "307" in f.evidence["fix"] and "308" in f.evidence["fix"]
    # POST is an error (every common client rewrites it); the other methods one warning, per path
    post = [f for f in report.findings if f.rule == "redirect-changes-method" and f.path == "/items" and f.method == "POST"]
    assert post[0].severity == "error" and "301" in post[0].message and "curl-L-X" in post[0].message
    rest = [f for f in report.findings if f.rule == "redirect-changes-method" and f.path == "/items" and f.method != "POST"]
    assert len(rest) == 1 and rest[0].severity == "warning" and "go" in rest[0].message
    # the spec's spelling: /items is redirected to /items/ (301), pointing at the spec's path
    m = one(report, "trailing-slash-mismatch", "/items")
    assert m.severity == "warning" and m.evidence["server_spelling"] == "/items/"
    assert m.evidence["spec_path"]["pointer"] == "/paths/~1items"
    assert m.evidence["pairs"]["GET"] == "/items → 301 → /items/; /items/ served (200)"
    # the GET followed as fetch does (same method): the cell shows the final 200, one redirect
    assert cell(report, "/items", "GET")["status"] == 200 and cell(report, "/items", "GET")["redirects"] == 1
    # /things/ is spelled as routed: its twin /things redirects (301) to it, which is fine
    assert not any(f.path == "/things/" and f.rule in MINE for f in report.findings)
    assert cell(report, "/things/", "GET")["verdict"] == "ok"


def test_django_default_run_reaches_no_handler():
    """Without --allow-writes: the POSTs to /items and /login are sent because every safe method there is a bare
    301 to the slashed URL, and nothing carries them on to the views; the classic drift is still an error."""
    with serve_module("tests.servers_redirect.django_slash") as url:
        plan, report = run("django_slash", url, allow_writes=False)
    found = mine(report)
    assert found[("/login", "POST")] == {"redirect-changes-method", "redirect-then-405"}
    assert "redirect-changes-method" in found[("/items", "POST")] and "trailing-slash-mismatch" in found[("/items", "GET")]
    post = [f for f in report.findings if f.rule == "redirect-changes-method" and f.path == "/login" and f.method == "POST"]
    assert post[0].severity == "error"
    declared = sorted((w["method"], w["url"], w["status"]) for w in report.writes_sent if w["declared"])
    assert declared == [("POST", f"{url}/items", 301), ("POST", f"{url}/login", 301)]
    # no POST reached a view that serves POST (items/, login/, notes/)
    views = tuple(f"{url}/{v}/" for v in ("items", "login", "notes"))
    assert not [w for w in report.writes_sent if w["method"] == "POST" and w["url"].startswith(views)]
    assert cell(report, "/notes/", "POST")["withheld"] is True


def test_starlette_redirect_slashes_307():
    with serve_asgi(starlette_slash.app) as url:
        plan, report = run("starlette_slash", url)
    assert mine(report) == {("/items/", "GET"): {"trailing-slash-mismatch"}, ("/items/", "POST"): {"trailing-slash-mismatch"}}
    m = one(report, "trailing-slash-mismatch", "/items/")
    assert m.severity == "warning" and m.evidence["server_spelling"] == "/items"
    assert m.evidence["pairs"]["POST"] == "/items/ → 307 → " + url + "/items; /items served (201)"
    # 307 keeps POST: the cell is judged on the final answer, and no profile but urllib breaks
    post = cell(report, "/items/", "POST")
    assert post["status"] == 201 and post["redirects"] == 1
    chains = [o for o in report.findings if o.rule == "redirect-changes-method"]
    assert chains == []
    assert not any(f.path == "/health" for f in report.findings if f.rule in MINE)


def test_starlette_profiles_on_307_only_urllib_refuses():
    # the per-profile outcome of a 307 chain, read from the same run's observations
    from checker.http.redirects import PROFILE_ROLE, parse_profile_tag
    from checker.rules.redirects import outcome

    with serve_asgi(starlette_slash.app) as url:
        plan = api.build_plan(api.load(str(HERE / "starlette_slash.yaml")),
                              api.PlanOptions(base_url=url, methods=("POST",), allow_writes=True))
        from checker.engine import probe
        from checker.http.client import HttpClient
        import asyncio

        async def go():
            async with HttpClient() as client:
                return await probe(plan, client)

        result = asyncio.run(go())
    groups = [o for o in result.observations if o.role == PROFILE_ROLE and o.path == "/items/"]
    outcomes = {}
    for o in groups:
        _, names, stop = parse_profile_tag(o.tag)
        for n in names:
            outcomes[n] = outcome(n, "POST", o.chain, stop)
    assert {n for n, o in outcomes.items() if o["breaks"]} == {"urllib"}
    assert outcomes["fetch"]["final_status"] == 201 and outcomes["go"]["final_method"] == "POST"


def test_werkzeug_strict_slashes_308_and_missing_spelling():
    with serve_wsgi(flask_slash.app) as url:
        plan, report = run("flask_slash", url)
    assert mine(report) == {
        ("/items", "GET"): {"trailing-slash-mismatch"},
        ("/items", "POST"): {"trailing-slash-mismatch"},
        ("/docs/", "GET"): {"trailing-slash-mismatch"},
    }
    redirect = one(report, "trailing-slash-mismatch", "/items")
    assert redirect.severity == "warning" and "308" in redirect.evidence["pairs"]["GET"]
    missing = one(report, "trailing-slash-mismatch", "/docs/")
    assert missing.severity == "error" and "missing (404)" in missing.message and missing.evidence["server_spelling"] == "/docs"
    assert missing.evidence["spec_path"]["template"] == "/docs/"
    assert cell(report, "/items", "POST")["status"] == 201  # 308 followed with POST kept
    assert not any(f.path == "/ping" for f in report.findings if f.rule in MINE)


def test_a_twin_that_gets_the_same_4xx_for_every_method_is_not_served():
    """A mock server (or a validation layer) that answers 422 to any request it cannot match gives the twin
    /pets/ the same 422 for every method: that is no route serving the twin (seen on a spec-driven mock server)."""
    import json as _json
    import tempfile
    from pathlib import Path

    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from .servers.common import run_api

    async def pets(request):
        if request.method == "GET":
            return JSONResponse([])
        return JSONResponse({"detail": "method not allowed"}, status_code=405, headers={"Allow": "GET"})

    async def unmatched(request, exc):
        return JSONResponse({"type": "NO_PATH_MATCHED_ERROR"}, status_code=422)

    app = Starlette(routes=[Route("/pets", pets, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])],
                    exception_handlers={404: unmatched})
    app.router.redirect_slashes = False
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/pets": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    with tempfile.TemporaryDirectory() as folder, serve_asgi(app) as url:
        path = Path(folder) / "s.json"
        path.write_text(_json.dumps(spec))
        report = run_api(str(path), url)
    rules = {f["rule"] for f in report["findings"] if f["path"] == "/pets"}
    assert not rules & {"trailing-slash-twin", "trailing-slash-mismatch"}, report["findings"]
