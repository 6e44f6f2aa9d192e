"""Django's own APPEND_SLASH (CommonMiddleware, DEBUG off: 301 for every method), drifting from django_slash.yaml.

Run in its own process (``python -m tests.servers_redirect.django_slash``): Django's settings are
process-wide and other test modules configure their own. It binds 127.0.0.1 on an ephemeral port,
prints ``PORT <n>`` and serves until its standard input closes.

| path     | server                                                   | expected rule(s)                                            |
|----------|----------------------------------------------------------|-------------------------------------------------------------|
| /items   | routed as items/ (GET list, POST create): 301 for all     | trailing-slash-mismatch (GET POST), redirect-changes-method |
|          |                                                          | (POST error; PUT PATCH DELETE OPTIONS TRACE warning)        |
| /login   | routed as login/ (POST only): 301, then GET login/ → 405  | redirect-changes-method (POST), redirect-then-405 (POST),   |
|          |                                                          | trailing-slash-mismatch (POST)                              |
| /things/ | spelled as routed (GET); the twin /things → 301           | none                                                        |
| /notes/  | spelled as routed (GET, POST); the twin /notes → 301, POST too | trailing-slash-twin (info)                              |
"""

from __future__ import annotations

import logging
import sys
import threading

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    APPEND_SLASH=True,
    ALLOWED_HOSTS=["127.0.0.1"],
    SECRET_KEY="conform405-tests-not-secret",
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    INSTALLED_APPS=[],
    DATABASES={},
    LOGGING_CONFIG=None,
)
django.setup()
logging.getLogger("django.request").setLevel(logging.ERROR)  # "Method Not Allowed" lines
logging.getLogger("werkzeug").setLevel(logging.ERROR)

from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.http import require_http_methods  # noqa: E402


@require_http_methods(["GET", "HEAD", "POST"])
def items(request):
    if request.method == "POST":
        return JsonResponse({"created": True}, status=201)
    return JsonResponse([{"id": 1}], safe=False)


@require_http_methods(["POST"])
def login(request):
    return JsonResponse({"token": "t"})


@require_http_methods(["GET", "HEAD"])
def things(request):
    return JsonResponse([], safe=False)


urlpatterns = [path("items/", items), path("login/", login), path("things/", things), path("notes/", items)]


def without_head_bodies(app):
    """Serve HEAD without a body, as production WSGI servers and Django's runserver do (werkzeug's does not)."""

    def wrapped(environ, start_response):
        result = app(environ, start_response)
        if environ["REQUEST_METHOD"] != "HEAD":
            return result
        if hasattr(result, "close"):
            result.close()
        return []

    return wrapped


def main() -> None:
    from django.core.wsgi import get_wsgi_application
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, without_head_bodies(get_wsgi_application()), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"PORT {server.server_port}", flush=True)
    sys.stdin.read()  # until the test closes our standard input
    server.shutdown()


if __name__ == "__main__":
    main()
