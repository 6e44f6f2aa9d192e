"""Servers that count their side effects, for the harmless-by-default tests (tests/test_harmless.py).

Each runs in a thread of the test process (werkzeug on 127.0.0.1), so a test reads its counters directly.

**The hub** (Flask; ``harmless.yaml``), shaped like the APIs where a default run used to act:

| path                   | declared                 | what it does when it acts                                   | counter           |
|------------------------|--------------------------|-------------------------------------------------------------|-------------------|
| /shutdown              | POST                     | an action endpoint (would stop the hub)                     | shutdown          |
| /terminals             | GET, POST                | POST starts a terminal                                      | terminals         |
| /users                 | GET, POST                | POST creates a user                                         | users_created     |
| /users/{name}          | GET, POST, PUT, PATCH, DELETE | create-by-name: POST creates (409 if it exists), PUT creates or replaces, PATCH changes, DELETE deletes (404 if missing) | users_created, users_changed, users_deleted |
| /users/{name}/tokens   | GET, POST                | POST makes a token for the user (404 if no such user)       | tokens            |
| /items                 | GET, DELETE              | DELETE empties the collection (bulk)                        | items_bulk_deleted|
| /items/{id}            | GET, DELETE              | DELETE deletes the item (404 if missing)                    | items_deleted     |
| /queues/{kind}         | GET, DELETE              | kind is an enum (email, sms): DELETE purges a real queue    | queues_purged     |
| /version               | GET                      | drift: an undeclared PATCH is served (200, changes nothing) | --                |
| /auth/logout           | GET                      | an action behind GET (Airflow's): ends the caller's session; any method | logouts   |
| /jobs, /jobs/{id}/restart | GET; POST             | restarts the job named (1 and 2 exist), on any method       | restarts          |

A default run sends nothing at all to the two paths that name an action without parameters (/shutdown,
/auth/logout), and /jobs/{id}/restart only generated ids, which name no job (never the ids GET /jobs lists).

An Express-style ``X-HTTP-Method-Override`` middleware sits in front of the routes (a POST naming DELETE
runs as DELETE), and every request is logged: method, path, query, override header, and for each
state-changing request how many others on the same path (trailing slash aside) were in flight.

**The contact form** (Django's own APPEND_SLASH; ``contact.yaml``): ``POST /contact`` is declared, the
route is ``contact/``; CommonMiddleware answers 301 to every method on ``/contact``. The view counts each
POST it handles (``contact_posts``); the classic drift (POST → 301 → GET → 405) must be caught with no call.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from flask import Flask, abort, jsonify, request

from ..support.servers import serve_wsgi

HERE = Path(__file__).resolve().parent
HUB_SPEC = str(HERE / "harmless.yaml")
CONTACT_SPEC = str(HERE / "contact.yaml")
SAFE = {"GET", "HEAD", "OPTIONS", "TRACE"}


class Recorder:
    """WSGI middleware: every request logged; state-changing ones checked for overlap on the same path."""

    def __init__(self, app: Any, delay: float = 0.02) -> None:
        self.app = app
        self.delay = delay  #: a state-changing request stays in flight this long, so an overlap would show
        self.lock = threading.Lock()
        self.log: list[tuple[str, str, str | None]] = []  #: (method, path?query, override header)
        self.busy: Counter[str] = Counter()  #: path -> requests in flight
        self.overlaps: list[tuple[str, str]] = []  #: (method, path) of writes that ran beside another request on the path

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        key = path.rstrip("/") or "/"
        with self.lock:
            self.log.append((method, path + (f"?{query}" if query else ""), environ.get("HTTP_X_HTTP_METHOD_OVERRIDE")))
            if method not in SAFE and self.busy[key]:
                self.overlaps.append((method, path))
            self.busy[key] += 1
        try:
            if method not in SAFE:
                time.sleep(self.delay)
            body = b"".join(self.app(environ, start_response))
            with self.lock:
                if method not in SAFE and self.busy[key] > 1:
                    self.overlaps.append((method, path))
            return [body]
        finally:
            with self.lock:
                self.busy[key] -= 1

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p, _ in self.log if m not in SAFE]


class MethodOverride:
    """Express's ``methodOverride('X-HTTP-Method-Override')``: a POST naming another method runs as it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        wanted = environ.get("HTTP_X_HTTP_METHOD_OVERRIDE")
        if environ["REQUEST_METHOD"] == "POST" and wanted:
            environ["REQUEST_METHOD"] = wanted.upper()
        return self.app(environ, start_response)


class Hub:
    def __init__(self) -> None:
        self.counters: Counter[str] = Counter()
        self.users: dict[str, dict[str, Any]] = {"alice": {"name": "alice", "admin": False}}
        self.terminals: list[int] = []
        self.tokens: list[str] = []
        self.items: dict[int, dict[str, Any]] = {1: {"id": 1}, 2: {"id": 2}}
        self.queues: dict[str, list[str]] = {"email": ["m1"], "sms": ["s1"]}
        self.recorder = Recorder(MethodOverride(self._flask()))

    def side_effects(self) -> dict[str, int]:
        return {k: v for k, v in self.counters.items() if v}

    def _flask(self) -> Flask:
        app = Flask("conform405-harmless-hub")
        hub = self
        c = self.counters

        @app.post("/shutdown")
        def shutdown():
            c["shutdown"] += 1
            return jsonify({"stopping": True}), 202

        @app.route("/terminals", methods=["GET", "POST"])
        def terminals():
            if request.method == "POST":
                c["terminals"] += 1
                hub.terminals.append(len(hub.terminals) + 1)
                return jsonify({"id": hub.terminals[-1]}), 201
            return jsonify([{"id": t} for t in hub.terminals])

        @app.route("/users", methods=["GET", "POST"])
        def users():
            if request.method == "POST":
                name = (request.get_json(silent=True) or {}).get("name") or f"user{len(hub.users) + 1}"
                c["users_created"] += 1
                hub.users[name] = {"name": name, "admin": False}
                return jsonify(hub.users[name]), 201
            return jsonify(list(hub.users.values()))

        @app.route("/users/<name>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        def user(name):
            exists = name in hub.users
            if request.method in ("GET", "HEAD"):
                return jsonify(hub.users[name]) if exists else (jsonify({"detail": "no such user"}), 404)
            if request.method == "POST":  # create-by-name: no body needed
                if exists:
                    return jsonify({"detail": "exists"}), 409
                c["users_created"] += 1
                hub.users[name] = {"name": name, "admin": False}
                return jsonify(hub.users[name]), 201
            if request.method == "PUT":
                c["users_changed" if exists else "users_created"] += 1
                hub.users[name] = {"name": name, "admin": False}
                return jsonify(hub.users[name]), 200 if exists else 201
            if not exists:
                return jsonify({"detail": "no such user"}), 404
            if request.method == "PATCH":
                c["users_changed"] += 1
                hub.users[name]["admin"] = True
                return jsonify(hub.users[name])
            c["users_deleted"] += 1
            del hub.users[name]
            return "", 204

        @app.route("/users/<name>/tokens", methods=["GET", "POST"])
        def tokens(name):
            if name not in hub.users:
                abort(404)
            if request.method == "POST":
                c["tokens"] += 1
                hub.tokens.append(name)
                return jsonify({"token": f"t{len(hub.tokens)}"}), 201
            return jsonify([t for t in hub.tokens if t == name])

        @app.route("/items", methods=["GET", "DELETE"])
        def items():
            if request.method == "DELETE":
                c["items_bulk_deleted"] += 1
                hub.items.clear()
                return "", 204
            return jsonify(list(hub.items.values()))

        @app.route("/items/<int:item_id>", methods=["GET", "DELETE"])
        def item(item_id):
            if item_id not in hub.items:
                return jsonify({"detail": "no such item"}), 404
            if request.method == "DELETE":
                c["items_deleted"] += 1
                del hub.items[item_id]
                return "", 204
            return jsonify(hub.items[item_id])

        @app.route("/queues/<kind>", methods=["GET", "DELETE"])
        def queue(kind):
            if kind not in hub.queues:
                abort(404)
            if request.method == "DELETE":
                c["queues_purged"] += 1
                hub.queues[kind].clear()
                return "", 204
            return jsonify(hub.queues[kind])

        @app.route("/auth/logout", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        def logout():  # as Airflow's GET /api/v2/auth/logout: revokes the caller's token (here: on any method)
            c["logouts"] += 1
            return "", 307, {"Location": "/login"}

        @app.get("/jobs")
        def jobs():
            return jsonify([{"id": 1}, {"id": 2}])

        @app.route("/jobs/<job>/restart", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        def restart(job):  # acts on any method, on a job that exists
            if job not in ("1", "2"):
                return jsonify({"detail": "no such job"}), 404
            c["restarts"] += 1
            return jsonify({"restarted": job}), 202

        @app.route("/version", methods=["GET", "PATCH"])
        def version():  # PATCH is not in the spec, and changes nothing: the drift a default run must still catch
            return jsonify({"version": "1.0"})

        return app


@contextlib.contextmanager
def serve_hub() -> Iterator[tuple[str, Hub]]:
    hub = Hub()
    with serve_wsgi(hub.recorder) as url:
        yield url, hub


# -- the Django contact form ------------------------------------------------------------------------------

CONTACT_POSTS: list[str] = []  #: one entry per POST the view handled (the side effect that must not happen)


def _contact_view(request):
    from django.http import JsonResponse

    if request.method != "POST":
        return JsonResponse({"detail": "POST only"}, status=405, headers={"Allow": "POST"})
    CONTACT_POSTS.append(request.body.decode("utf-8", "replace"))
    return JsonResponse({"sent": True}, status=201)


urlpatterns: list[Any] = []  #: filled on first use (Django must be configured before django.urls is imported)


@contextlib.contextmanager
def serve_contact() -> Iterator[tuple[str, list[str]]]:
    """Django with APPEND_SLASH (CommonMiddleware, DEBUG off) serving ``contact/`` on 127.0.0.1.

    Django's settings are process-wide and tests/servers/django_app.py configures them for its own tests:
    this configures them the same way if nobody has yet, then overrides what this app needs (its URLconf,
    CommonMiddleware only) for as long as the server runs, as Django's own test tools do."""
    from . import django_app  # noqa: F401 - configures Django once, for every Django server of the tests

    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    if not urlpatterns:
        urlpatterns.append(path("contact/", csrf_exempt(_contact_view)))
    CONTACT_POSTS.clear()
    with override_settings(ROOT_URLCONF=__name__, MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
                           APPEND_SLASH=True, DEBUG=False):
        with serve_wsgi(WSGIHandler()) as url:
            yield url, CONTACT_POSTS
