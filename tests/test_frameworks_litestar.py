"""Litestar, a real server on 127.0.0.1 (uvicorn): the drift documented in
tests/servers/litestar_app.py is reported exactly (HEAD refused, OPTIONS with a short Allow,
an undeclared handler that answers 400)."""

from __future__ import annotations

import pytest

from .servers.common import assert_matrix, run_api, spec_path
from .support.servers import serve_asgi

litestar_app = pytest.importorskip("tests.servers.litestar_app", reason="litestar is not installed (pip install -e '.[test]')")

EXPECTED = {
    ("/books", "HEAD"): {"head-not-supported", "allow-mismatch"},
    ("/books", "PUT"): {"undeclared-method-accepted"},
    **{("/books", m): {"allow-mismatch"} for m in ("PATCH", "DELETE", "TRACE")},
    ("/books", "OPTIONS"): {"options-mismatch"},
    ("/books/{book_id}", "HEAD"): {"head-not-supported"},
    ("/books/{book_id}", "OPTIONS"): {"options-mismatch"},
}


def test_litestar_drift():
    with serve_asgi(litestar_app.make_app()) as url:
        report = run_api(spec_path("litestar_app.yaml"), url)
    assert_matrix(report, EXPECTED, inconclusive={("/books/{book_id}", "DELETE")})
    cells = {(c["path"], c["method"]): c for c in report["matrix"]}
    assert cells[("/books", "PUT")]["status"] == 400
    # the 405s list the undeclared (but served) PUT
    mismatch = next(f for f in report["findings"] if f["rule"] == "allow-mismatch" and f["path"] == "/books")
    assert mismatch["evidence"]["allow"]["extra"] == ["PUT"]
    # Litestar's own OPTIONS answer (204) lists GET only
    options = next(f for f in report["findings"] if f["rule"] == "options-mismatch" and f["path"] == "/books")
    assert options["evidence"]["response"]["status"] == 204
