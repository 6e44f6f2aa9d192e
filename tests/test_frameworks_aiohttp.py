"""aiohttp.web, a real server on 127.0.0.1: the drift documented in tests/servers/aiohttp_app.py
(web.View without HEAD, a `*` route serving everything) is reported exactly."""

from __future__ import annotations

from .servers import aiohttp_app
from .servers.common import assert_matrix, run_api, spec_path
from .support.servers import serve_aiohttp

EXPECTED = {
    ("/orders/{order_id}", "HEAD"): {"head-not-supported"},
    **{("/echo", m): {"undeclared-method-accepted"} for m in ("PUT", "PATCH", "DELETE")},
    ("/echo", "OPTIONS"): {"options-mismatch"},
    ("/echo", "TRACE"): {"trace-enabled"},
    ("/metrics", "DELETE"): {"declared-method-rejected", "allow-mismatch"},
    **{("/metrics", m): {"allow-mismatch"} for m in ("POST", "PUT", "PATCH", "OPTIONS", "TRACE")},
}


def test_aiohttp_drift():
    with serve_aiohttp(aiohttp_app.make_app()) as url:
        report = run_api(spec_path("aiohttp_app.yaml"), url)
    assert_matrix(report, EXPECTED, inconclusive={("/orders/{order_id}", "DELETE")})
    cells = {(c["path"], c["method"]): c for c in report["matrix"]}
    assert cells[("/orders/{order_id}", "GET")]["url"].endswith("/orders/41")  # discovered from GET /orders
    assert cells[("/orders/{order_id}", "HEAD")]["status"] == 405
