"""Django + Django REST framework (settings configured in-process, DEBUG off, CSRF middleware
on), a real server on 127.0.0.1: the drift documented in tests/servers/django_app.py is
reported exactly, CSRF 403s on undeclared methods included, and auth walls stay inconclusive."""

from __future__ import annotations

from .servers import django_app
from .servers.common import assert_matrix, run_api, spec_path
from .support.servers import serve_wsgi

_ALL = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")

EXPECTED = {
    ("/api/notes/{id}/", "PATCH"): {"declared-method-rejected", "allow-mismatch"},
    **{("/api/notes/{id}/", m): {"allow-mismatch"} for m in ("POST", "PUT", "TRACE")},
    ("/api/notes/{id}/", "OPTIONS"): {"options-mismatch"},
    **{("/legacy/", m): {"wrong-status-for-undeclared-method"} for m in ("PUT", "PATCH", "DELETE")},
    ("/legacy/", "HEAD"): {"head-not-supported"},
}

INCONCLUSIVE = {
    ("/api/notes/{id}/", "DELETE"),
    ("/legacy/", "POST"),
    *{("/private/", m) for m in _ALL},
    *{("/staff/", m) for m in _ALL},
}


def test_django_rest_framework_drift():
    with serve_wsgi(django_app.make_app()) as url:
        report = run_api(spec_path("django_app.yaml"), url)
    assert_matrix(report, EXPECTED, INCONCLUSIVE)
    cells = {(c["path"], c["method"]): c for c in report["matrix"]}
    assert cells[("/legacy/", "PUT")]["status"] == 403
    csrf = next(f for f in report["findings"] if f["path"] == "/legacy/" and f["method"] == "PUT")
    assert "CSRF" in csrf["message"]
    assert "CSRF" in cells[("/legacy/", "POST")]["reason"]
    assert cells[("/private/", "GET")]["status"] == 401 and cells[("/staff/", "POST")]["status"] == 403
