"""FastAPI and Starlette, real servers on 127.0.0.1 (uvicorn): the drift documented in
tests/servers/fastapi_app.py is reported exactly (through the CLI), and the conformant
Starlette app (tests/servers/starlette_conformant.py) gets no finding at all."""

from __future__ import annotations

from .servers import fastapi_app, starlette_conformant
from .servers.common import assert_matrix, method_findings, run_api, spec_path, table
from .support.run import cli
from .support.servers import serve_asgi

_ALL = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")

FASTAPI_EXPECTED = {
    **{("/items", m): {"allow-mismatch"} for m in ("PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")},
    ("/items", "HEAD"): {"allow-mismatch", "head-not-supported"},
    **{("/items/{item_id}", m): {"allow-mismatch"} for m in ("POST", "PATCH", "OPTIONS", "TRACE")},
    ("/items/{item_id}", "HEAD"): {"allow-mismatch", "head-not-supported"},
    ("/items/{item_id}", "PUT"): {"undeclared-method-accepted"},
    **{("/health", m): {"allow-mismatch"} for m in ("PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")},
    ("/health", "HEAD"): {"allow-mismatch", "head-not-supported"},
    ("/health", "POST"): {"allow-mismatch", "declared-method-rejected"},
}


def test_fastapi_drift_through_the_cli():
    with serve_asgi(fastapi_app.make_app()) as url:
        # the declared POST /health is refused: only a POST shows it, and a default run withholds declared POSTs
        result = cli(spec_path("fastapi_app.yaml"), "--base-url", url, "--json", "-", "--allow-writes")
        default = cli(spec_path("fastapi_app.yaml"), "--base-url", url, "--json", "-")
    assert default.code == 1, default.stderr
    from .support.run import findings_by_cell

    got = {cell: rules for cell, rules in method_findings(default.json()).items()}
    assert got == {cell: rules for cell, rules in FASTAPI_EXPECTED.items() if cell != ("/health", "POST")}
    health_post = next(c for c in default.json()["matrix"] if c["path"] == "/health" and c["method"] == "POST")
    assert health_post["withheld"] is True and "does not list POST" in health_post["reason"]
    assert ("/health", "POST") not in findings_by_cell(default.json())
    assert result.code == 1, result.stderr
    assert "Traceback" not in result.stderr
    report = result.json()
    assert_matrix(report, FASTAPI_EXPECTED, inconclusive={("/items/{item_id}", "DELETE")})
    # Starlette's 405 names the first matching route only: the evidence says what is missing
    mismatch = next(f for f in report["findings"] if f["rule"] == "allow-mismatch" and f["path"] == "/items")
    assert mismatch["evidence"]["allow"]["missing"] == ["POST"] and mismatch["evidence"]["allow"]["extra"] == []
    assert mismatch["reproduce"].startswith("curl ") and url in mismatch["reproduce"]
    # the discovered id (from GET /items) is used for GET; the DELETE carries a generated one
    cells = {(c["path"], c["method"]): c for c in report["matrix"]}
    assert cells[("/items/{item_id}", "GET")]["url"] == f"{url}/items/1"
    assert cells[("/items/{item_id}", "DELETE")]["url"] != f"{url}/items/1"


def test_conformant_starlette_has_no_finding():
    with serve_asgi(starlette_conformant.make_app()) as url:
        report = run_api(spec_path("starlette_conformant.yaml"), url)
        real = run_api(spec_path("starlette_conformant.yaml"), url, use_real_ids=True)
    assert method_findings(report) == {}, table(report)
    # no other feature finds fault with it either (info-level notes aside)
    assert [f for f in report["findings"] if f["severity"] != "info"] == [], report["findings"]
    # generated ids meet the handler's 404: not judged, never an error
    assert_matrix(report, {}, inconclusive={("/widgets/{widget_id}", "PUT"), ("/widgets/{widget_id}", "DELETE")})
    # with the real (discovered) id every cell is judged, and judged ok
    assert method_findings(real) == {} and all(f["severity"] == "info" for f in real["findings"]), table(real)
    assert {c["verdict"] for c in real["matrix"]} == {"ok"}, table(real)
    assert len(real["matrix"]) == 3 * len(_ALL)
