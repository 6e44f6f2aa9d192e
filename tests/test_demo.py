"""The demo server's documented drift is exactly what conform405 reports (end to end, real sockets)."""

from __future__ import annotations

from checker.demo.server import DemoServer

from .support.run import ROOT, cli, findings_by_cell

EXPECTED = {
    ("/books", "PUT"): {"allow-mismatch"},
    ("/books", "PATCH"): {"allow-mismatch"},
    ("/books", "DELETE"): {"allow-mismatch"},
    ("/books", "TRACE"): {"allow-mismatch"},
    ("/books/{bookId}", "PUT"): {"declared-method-rejected", "allow-mismatch"},
    ("/books/{bookId}", "POST"): {"allow-mismatch"},
    ("/books/{bookId}", "TRACE"): {"allow-mismatch"},
    ("/books/{bookId}", "PATCH"): {"undeclared-method-accepted"},
    ("/books/{bookId}", "OPTIONS"): {"options-mismatch"},
    ("/authors", "HEAD"): {"head-not-supported"},
    **{("/authors", m): {"wrong-status-for-undeclared-method"} for m in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")},
    **{("/health", m): {"allow-missing"} for m in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS")},
    ("/health", "TRACE"): {"trace-enabled"},
}


def test_demo_drift_is_reported_exactly():
    with DemoServer() as url:
        result = cli(str(ROOT / "specs" / "bookshop.yaml"), "--base-url", url, "--json", "-")
    assert result.code == 1, result.stderr
    report = result.json()
    assert findings_by_cell(report) == EXPECTED
    assert report["schema_version"] == 1
    assert report["target"]["base_url"] == url
    # the conformant path has no finding and every one of its cells is judged ok
    orders = [c for c in report["matrix"] if c["path"] == "/orders"]
    assert {c["verdict"] for c in orders} == {"ok"}
    # a generated id never names a real book: DELETE /books/{bookId} is inconclusive, not a 204
    delete = next(c for c in report["matrix"] if c["path"] == "/books/{bookId}" and c["method"] == "DELETE")
    assert delete["status"] == 404 and delete["verdict"] == "inconclusive"
