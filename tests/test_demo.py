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
    # --allow-writes (as `make demo` runs it: the demo server is disposable): every documented drift, the
    # declared PUT /books/{bookId} too
    with DemoServer() as url:
        result = cli(str(ROOT / "specs" / "bookshop.yaml"), "--base-url", url, "--json", "-", "--allow-writes")
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


def test_default_run_reports_every_drift_but_the_withheld_put():
    """Harmless by default: the declared POSTs and the declared PUT could change data and get no request.
    Every documented drift is still reported except "PUT is declared but not implemented" (a PUT is never
    sent by default: it creates what does not exist); that cell says what the other answers show instead."""
    with DemoServer() as url:
        result = cli(str(ROOT / "specs" / "bookshop.yaml"), "--base-url", url, "--json", "-")
    assert result.code == 1, result.stderr
    report = result.json()
    expected = {cell: rules for cell, rules in EXPECTED.items() if cell != ("/books/{bookId}", "PUT")}
    assert findings_by_cell(report) == expected
    matrix = {(c["path"], c["method"]): c for c in report["matrix"]}
    put = matrix[("/books/{bookId}", "PUT")]
    assert put["withheld"] is True and put["status"] is None and put["verdict"] == "inconclusive"
    assert "does not list PUT" in put["reason"] and "--allow-writes" in put["reason"]
    # the declared POSTs: withheld; /orders's every Allow lists POST (ok), /books's 405s do not (the drift)
    assert matrix[("/orders", "POST")]["withheld"] is True and matrix[("/orders", "POST")]["verdict"] == "ok"
    books = matrix[("/books", "POST")]
    assert books["withheld"] is True and books["verdict"] == "inconclusive" and "does not list POST" in books["reason"]
    assert {c["verdict"] for c in report["matrix"] if c["path"] == "/orders"} == {"ok"}
    # no state-changing request went through a declared operation but the DELETE of a generated id
    declared = [w for w in report["writes_sent"] if w["declared"]]
    assert {(w["method"], w["path"]) for w in declared} == {("DELETE", "/books/{bookId}")}
    assert all(w["basis"] == "generated ids name nothing" and "/books/1000000000" in w["url"] for w in declared)
