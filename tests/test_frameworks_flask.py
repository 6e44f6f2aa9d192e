"""Flask/Werkzeug, a real server on 127.0.0.1: the drift documented in tests/servers/flask_app.py
(strict-slash 404s, Werkzeug's Allow and OPTIONS) is reported exactly."""

from __future__ import annotations

from .servers import flask_app
from .servers.common import assert_matrix, run_api, spec_path
from .support.servers import serve_wsgi

EXPECTED = {
    **{("/things", m): {"wrong-status-for-undeclared-method"} for m in ("PUT", "PATCH", "DELETE", "TRACE")},
    ("/users/{user_id}", "PUT"): {"undeclared-method-accepted"},
    **{("/users/{user_id}", m): {"allow-mismatch"} for m in ("POST", "PATCH", "TRACE")},
    ("/users/{user_id}", "OPTIONS"): {"options-mismatch"},
    ("/reports", "POST"): {"declared-method-rejected", "allow-mismatch"},
    **{("/reports", m): {"allow-mismatch"} for m in ("PUT", "PATCH", "DELETE", "TRACE")},
    ("/reports", "OPTIONS"): {"options-mismatch"},
}


def test_flask_drift():
    with serve_wsgi(flask_app.make_app()) as url:
        report = run_api(spec_path("flask_app.yaml"), url)
    assert_matrix(report, EXPECTED, inconclusive={("/users/{user_id}", "DELETE")})
    cells = {(c["path"], c["method"]): c for c in report["matrix"]}
    # the methods of the strict-slash rule are redirected (308, followed) and judged on the answer after it
    assert cells[("/things", "GET")]["redirects"] == 1 and cells[("/things", "GET")]["status"] == 200
    assert cells[("/things", "PUT")]["status"] == 404 and cells[("/things", "PUT")]["redirects"] == 0
    wrong = next(f for f in report["findings"] if f["rule"] == "wrong-status-for-undeclared-method")
    assert wrong["evidence"]["response"]["status"] == 404
    # Werkzeug's Allow of /users/{user_id} lists the undeclared PUT
    mismatch = next(f for f in report["findings"] if f["rule"] == "allow-mismatch" and f["path"] == "/users/{user_id}")
    assert mismatch["evidence"]["allow"]["extra"] == ["PUT"]
