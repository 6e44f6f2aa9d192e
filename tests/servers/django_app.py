"""Django + Django REST framework with their real defaults, drifting from django_app.yaml.

Settings are configured in-process (DEBUG off, CommonMiddleware and CsrfViewMiddleware on);
the WSGI application is served by werkzeug on 127.0.0.1.

DRF views are CSRF-exempt (their authentication enforces CSRF only for session users), answer
405 with an Allow header of every method they implement (HEAD and OPTIONS included) and
OPTIONS with 200 and that Allow. A *plain* Django view is not exempt: CsrfViewMiddleware
refuses every unsafe method (POST, PUT, PATCH, DELETE) with 403 before the view runs; safe
methods reach the view, and ``require_http_methods(["GET", "POST"])`` refuses HEAD, OPTIONS
and TRACE with 405 and `Allow: GET, POST`.

| path                | drift                                                              | expected rule(s)                                     |
|---------------------|--------------------------------------------------------------------|------------------------------------------------------|
| /api/notes/         | ViewSet list+create; POST without a body: DRF's 400                | none                                                 |
| /api/notes/{id}/    | the spec declares PATCH, the ViewSet has no partial_update         | declared-method-rejected + allow-mismatch (PATCH)    |
| /api/notes/{id}/    | every 405 lists `GET, DELETE, HEAD, OPTIONS` (PATCH missing)        | allow-mismatch (POST PUT TRACE)                      |
| /api/notes/{id}/    | OPTIONS answers 200 with that Allow                                | options-mismatch (OPTIONS)                           |
| /api/notes/{id}/    | DELETE on a generated id: DRF's 404                                | none: inconclusive                                   |
| /api/tags/          | conformant APIView (GET)                                           | none                                                 |
| /legacy/            | plain view: CSRF middleware answers 403 to PUT, PATCH, DELETE      | wrong-status-for-undeclared-method (PUT PATCH DELETE)|
| /legacy/            | declared POST gets the CSRF 403 (no token: cannot be judged)       | none: inconclusive                                   |
| /legacy/            | require_http_methods refuses HEAD although GET works               | head-not-supported (HEAD)                            |
| /private/           | BasicAuthentication + IsAuthenticated: 401 to every method         | none: all inconclusive (an auth wall)                |
| /staff/             | SessionAuthentication + IsAuthenticated: 403 to every method       | none: all inconclusive (an auth wall)                |
| /api/orgs/          | the spec declares GET; the view also has post(), which a permission | wrong-status-for-undeclared-method (POST, its 403's  |
|                     | class refuses (403, with `Allow: GET, POST, HEAD, OPTIONS`)        | Allow lists POST); allow-mismatch (PUT PATCH DELETE  |
|                     |                                                                    | TRACE: their 405s list POST); options-mismatch       |
| /api/reset/         | an action endpoint (POST only) that the permission class refuses   | none: POST inconclusive (every declared method 403)  |
"""

from __future__ import annotations

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        SECRET_KEY="conform405-tests-not-secret",
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
        ],
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
        DATABASES={},
        USE_TZ=True,
        LOGGING_CONFIG=None,
        REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": [], "DEFAULT_PERMISSION_CLASSES": [],
                        "UNAUTHENTICATED_USER": None},
    )
    django.setup()

from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.http import require_http_methods  # noqa: E402
from rest_framework import permissions, serializers, status, viewsets  # noqa: E402
from rest_framework.authentication import BasicAuthentication, SessionAuthentication  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.routers import SimpleRouter  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

NOTES = {1: {"id": 1, "text": "first"}, 2: {"id": 2, "text": "second"}}


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField()


class NoteViewSet(viewsets.ViewSet):
    def list(self, request):
        return Response(list(NOTES.values()))

    def create(self, request):
        s = NoteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response({"id": 3, **s.validated_data}, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        note = NOTES.get(int(pk)) if str(pk).isdigit() else None
        if note is None:
            return Response({"detail": "Not found."}, status=404)
        return Response(note)

    def destroy(self, request, pk=None):
        if not (str(pk).isdigit() and int(pk) in NOTES):
            return Response({"detail": "Not found."}, status=404)
        return Response(status=204)


class TagsView(APIView):
    def get(self, request):
        return Response(["a", "b"])


class PrivateView(APIView):
    authentication_classes = [BasicAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request):
        return Response({"secret": 1})


class StaffView(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request):
        return Response({"staff": 1})

    def post(self, request):
        return Response({"staff": 2})


class NoCreating(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.method != "POST"  # as an admin-only create: everyone else is refused, before the handler


class OrgsView(APIView):
    permission_classes = [NoCreating]

    def get(self, request):
        return Response([{"id": 1}])

    def post(self, request):  # the spec does not declare it: routed, refused by the permission check
        return Response({"id": 2}, status=201)


class ResetView(APIView):  # as Chroma's /api/v2/reset with ALLOW_RESET off: routed, refused by configuration
    permission_classes = [NoCreating]

    def post(self, request):
        return Response(status=204)


@require_http_methods(["GET", "POST"])
def legacy(request):
    if request.method == "POST":
        return JsonResponse({"saved": True}, status=201)
    return HttpResponse("<p>legacy page</p>")


router = SimpleRouter()
router.register("api/notes", NoteViewSet, basename="note")

urlpatterns = [
    path("api/tags/", TagsView.as_view()),
    path("legacy/", legacy),
    path("private/", PrivateView.as_view()),
    path("staff/", StaffView.as_view()),
    path("api/orgs/", OrgsView.as_view()),
    path("api/reset/", ResetView.as_view()),
    *router.urls,
]


def make_app():
    from django.core.wsgi import get_wsgi_application

    if settings.ROOT_URLCONF != __name__:
        raise RuntimeError(f"Django was configured by {settings.ROOT_URLCONF} before this module: run it in its own process")

    return without_head_bodies(get_wsgi_application())


def without_head_bodies(app):
    """Serve HEAD without a body, as Django's runserver (and production WSGI servers) do.

    Django leaves the body of a HEAD answer to the server; werkzeug's development server sends
    whatever the application returns, and a body after a `Connection: close` HEAD answer is a
    framing error some clients (aiohttp) report, depending on TCP timing.
    """

    def wrapped(environ, start_response):
        result = app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "HEAD":
            return result
        close = getattr(result, "close", None)
        if close is not None:
            close()
        return []

    return wrapped
