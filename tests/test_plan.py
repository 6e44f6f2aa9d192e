"""`conform405 plan`: the matrix, the probe set and the URLs, through the real CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker.errors import UsageError
from checker.plan import PlanOptions, build_plan
from checker.spec import load_spec

from .support.run import cli
from .support.servers import serve_asgi

SPECS = Path(__file__).parent / "specs"
DEFAULT = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def plan_json(*args: str) -> dict:
    result = cli("plan", *args, "--json", "-")
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.json()


def cells(data: dict) -> dict[tuple[str, str], dict]:
    return {(c["path"], c["method"]): c for c in data["matrix"]}


def test_json_shape_is_exactly_the_cell_shape():
    data = plan_json(str(SPECS / "v30.json"))
    assert isinstance(data["requests"], int) and data["requests"] > 0
    assert isinstance(data["matrix"], list) and len(data["matrix"]) == 2 * len(DEFAULT)
    for cell in data["matrix"]:
        # withheld: why a default run sends no request for the cell (it could change data), or null
        assert set(cell) - {"redirect_probe"} == {"path", "method", "declared", "implied", "url", "withheld"}
        assert cell["method"] == cell["method"].upper()
        assert isinstance(cell["declared"], bool)
    assert data["methods"] == DEFAULT  # no QUERY for a 3.0 document
    matrix = cells(data)
    assert matrix[("/items/{id}", "PUT")] == {"path": "/items/{id}", "method": "PUT", "declared": True, "implied": None,
                                               "url": "https://items.example.com/store/items/{id}",
                                               "withheld": "not sent: could change data (--allow-writes sends it)",
                                               "redirect_probe": True}
    assert matrix[("/items", "DELETE")]["declared"] is False and matrix[("/items", "DELETE")]["implied"] is None
    # requests: one per cell sent, one control GET for /items/{id} (has an id, has writes), one discovery GET of
    # /items, plus the trailing-slash twins the run adds; the CLI says what the library computes
    assert data["requests"] >= len([c for c in data["matrix"] if not c["withheld"]]) + 1 + 1
    assert data["requests"] == build_plan(load_spec(SPECS / "v30.json")).requests


def test_head_is_implied_through_get_only():
    matrix = cells(lib_plan("v31.yaml"))
    assert matrix[("/users", "HEAD")]["implied"] == "GET" and matrix[("/users", "HEAD")]["declared"] is False
    assert matrix[("/users/{name}", "HEAD")]["declared"] is True and matrix[("/users/{name}", "HEAD")]["implied"] is None
    assert all(c["implied"] is None for (p, m), c in matrix.items() if m != "HEAD")
    no_get = cells(lib_plan("v32.yaml"))[("/files/{name}", "HEAD")]
    assert no_get["implied"] is None and no_get["declared"] is False


def test_32_adds_query_and_additional_operations_exactly_as_written():
    data = plan_json(str(SPECS / "v32.yaml"))
    assert data["methods"] == DEFAULT + ["QUERY", "PURGE", "Link", "COPY"]
    matrix = cells(data)
    assert matrix[("/search", "QUERY")]["declared"] is True
    assert matrix[("/cache/{key}", "Link")]["declared"] is True  # not upper-cased: sent as written
    assert matrix[("/files/{name}", "COPY")]["declared"] is True
    assert matrix[("/search", "PURGE")]["declared"] is False  # probed on every path, declared on one
    assert ("/search", "LINK") not in matrix


def lib_plan(spec: str, **options) -> dict:
    return build_plan(load_spec(SPECS / spec), PlanOptions(**options)).to_dict()


def test_methods_add_skip_and_read_only():
    assert lib_plan("v32.yaml", methods=("GET", "POST"), add_methods=("MKCOL",))["methods"] == ["GET", "POST", "MKCOL"]
    skipped = lib_plan("v32.yaml", skip_methods=("TRACE", "PURGE", "Link"))["methods"]
    assert skipped == ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY", "COPY"]
    assert lib_plan("v32.yaml", read_only=True)["methods"] == ["GET", "HEAD", "OPTIONS"]
    assert lib_plan("v32.yaml", read_only=True, methods=("GET", "TRACE", "PUT"))["methods"] == ["GET", "TRACE"]
    # the same through the CLI: comma lists, repeated options, and every cell follows the probe set
    spec = str(SPECS / "v32.yaml")
    data = plan_json(spec, "--methods", "GET,POST", "--methods", "DELETE", "--add-method", "MKCOL",
                     "--add-method", "PURGE", "--skip-method", "POST")
    assert data["methods"] == ["GET", "DELETE", "MKCOL", "PURGE"]
    assert {c["method"] for c in data["matrix"]} == {"GET", "DELETE", "MKCOL", "PURGE"}
    read_only = plan_json(spec, "--read-only", "--add-method", "TRACE")
    assert read_only["methods"] == ["GET", "HEAD", "OPTIONS", "TRACE"]
    assert {c["method"] for c in read_only["matrix"]} == {"GET", "HEAD", "OPTIONS", "TRACE"}
    bad = cli("plan", spec, "--methods", "GET,BAD METHOD")
    assert bad.code == 2 and "is not an HTTP method token" in bad.stderr and "Traceback" not in bad.stderr


def test_include_and_exclude_paths():
    assert {c["path"] for c in lib_plan("v32.yaml", include_paths=("/cache/*",))["matrix"]} == {"/cache/{key}"}
    assert {c["path"] for c in lib_plan("v32.yaml", exclude_paths=("/cache/*",))["matrix"]} == {"/search", "/files/{name}"}
    data = plan_json(str(SPECS / "v32.yaml"), "--include-path", "/cache/*", "--include-path", "/search")
    assert {c["path"] for c in data["matrix"]} == {"/cache/{key}", "/search"}


def test_base_url_replaces_the_server_url_and_origin_keeps_its_path():
    # v30.json servers: https://three.example.com:9443/api/v3 ; /items/{id} has https://items.example.com/store
    base = cells(plan_json(str(SPECS / "v30.json"), "--base-url", "http://127.0.0.1:8000/"))
    assert base[("/items", "GET")]["url"] == "http://127.0.0.1:8000/items"
    assert base[("/items/{id}", "GET")]["url"] == "http://127.0.0.1:8000/items/{id}"
    origin = cells(plan_json(str(SPECS / "v30.json"), "--origin", "http://127.0.0.1:8000"))
    assert origin[("/items", "GET")]["url"] == "http://127.0.0.1:8000/api/v3/items"
    assert origin[("/items/{id}", "GET")]["url"] == "http://127.0.0.1:8000/store/items/{id}"  # path-level server
    prefixed = cells(lib_plan("v30.json", base_url="http://127.0.0.1:8000/api/v3"))
    assert prefixed[("/items", "GET")]["url"] == "http://127.0.0.1:8000/api/v3/items"
    own = cells(lib_plan("v30.json"))
    assert own[("/items", "GET")]["url"] == "https://three.example.com:9443/api/v3/items"
    v20 = cells(lib_plan("v20.yaml", origin="http://localhost:1"))
    assert v20[("/pets", "GET")]["url"] == "http://localhost:1/v2/pets"  # Swagger 2.0 basePath kept
    relative = cells(lib_plan("v31.yaml", origin="http://localhost:1"))
    assert relative[("/users", "GET")]["url"] == "http://localhost:1/relative/base/users"


def test_bad_base_url_and_origin_are_usage_errors():
    for options, message in [
        ({"base_url": "localhost:8000"}, "--base-url must be an http:// or https:// URL"),
        ({"origin": "ftp://h"}, "--origin must be an http:// or https:// URL"),
        ({"origin": "http://h/v1"}, "--origin takes scheme://host[:port] only"),
        ({"origin": "http://h", "base_url": "http://h"}, "not both"),
        ({"base_url": "http://h/x?y=1"}, "must not carry a query"),
    ]:
        with pytest.raises(UsageError, match=re.escape(message)):
            lib_plan("v30.json", **options)
    result = cli("plan", str(SPECS / "v30.json"), "--origin", "http://h/v1")
    assert result.code == 2 and "--origin takes scheme://host[:port] only" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_operation_level_servers_are_noted():
    data = lib_plan("v30.json")
    assert any("PUT /items/{id} (https://writes.example.com/w)" in w for w in data["warnings"])


def test_plan_sends_nothing_to_the_target():
    hits: list[str] = []

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        hits.append(f"{scope['method']} {scope['path']}")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    with serve_asgi(app) as url:
        data = plan_json(str(SPECS / "v32.yaml"), "--base-url", url)
        text = cli("plan", str(SPECS / "v32.yaml"), "--base-url", url)
    assert data["matrix"][0]["url"].startswith(url)
    assert text.code == 0
    assert hits == []


def test_library_plan_warnings_and_requests():
    spec = load_spec(SPECS / "v32.yaml")
    one = build_plan(spec)
    three = build_plan(spec, PlanOptions(examples=3))
    assert sum(p.needs_control for p in one.paths) == 1  # /cache/{key}: an id, a GET, and writes
    assert three.requests == 3 * one.requests  # no discovery parent here: everything scales with --examples
    assert one.requests >= len(one.cells) + 1
    assert one.warnings == ()


def test_plan_counts_exactly_what_a_default_run_sends():
    """The dry run's request count is what a run really sends (a server without redirects), every kind of
    probe included: cells, control and discovery GETs, stability repeats and every extra probe factory."""
    from checker import api
    from checker.demo.server import DemoServer

    spec = load_spec(Path(__file__).resolve().parents[1] / "specs" / "bookshop.yaml")
    with DemoServer() as url:
        plan = build_plan(spec, PlanOptions(base_url=url))
        counts = plan.request_counts()
        report = api.run(plan)
    assert counts["total"] == plan.requests == report.requests_sent
    # withheld cells (declared writes that could change data) are not sent, so not counted
    assert counts["cells"] == len([c for c in plan.cells if not c.withheld]) < len(plan.cells)
    assert counts["override"] > 0 and counts["slash-twin"] > 0


def test_no_slash_twins_sends_and_counts_no_twin():
    from checker import api
    from checker.demo.server import DemoServer
    from checker.engine import ProbeOptions

    spec = load_spec(Path(__file__).resolve().parents[1] / "specs" / "bookshop.yaml")
    options = ProbeOptions(slash_twins=False)
    with DemoServer() as url:
        plan = build_plan(spec, PlanOptions(base_url=url))
        counts = plan.request_counts(options)
        report = api.run(plan, api.RunOptions(probe=options))
    assert "slash-twin" not in counts and plan.request_counts()["slash-twin"] > 0
    assert report.requests_sent == counts["total"]
