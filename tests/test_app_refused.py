"""--app with something that is not an application is one line and exit 2, not a run of 500s; every real
ASGI or WSGI application (FastAPI, Starlette, Litestar, Flask, Django's handlers, plain callables) is still taken."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from checker.errors import UsageError
from checker.http.inprocess import interface

from .support.run import cli

SPEC = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/health": {"get": {"responses": {"200": {"description": "ok"}}}}}}


def _fastapi():
    from fastapi import FastAPI

    app = FastAPI()
    app.get("/health")(lambda: {"ok": True})
    return app


def _starlette():
    from starlette.applications import Starlette

    return Starlette()


def _litestar():
    litestar = pytest.importorskip("litestar")
    return litestar.Litestar(route_handlers=[])


def _flask():
    from flask import Flask

    return Flask("t")


def _django_wsgi():
    from django.core.handlers.wsgi import WSGIHandler

    return object.__new__(WSGIHandler)  # what get_wsgi_application() returns


def _django_asgi():
    from django.core.handlers.asgi import ASGIHandler

    return object.__new__(ASGIHandler)  # what get_asgi_application() returns


async def raw_asgi(scope, receive, send):
    pass


def raw_wsgi(environ, start_response):
    return []


class AsgiMiddleware:
    async def __call__(self, scope, receive, send):
        pass


class WsgiMiddleware:
    def __call__(self, environ, start_response):
        return []


@pytest.mark.parametrize("make, kind", [
    (_fastapi, "asgi"), (_starlette, "asgi"), (_litestar, "asgi"), (_django_asgi, "asgi"), (lambda: raw_asgi, "asgi"),
    (AsgiMiddleware, "asgi"), (_flask, "wsgi"), (_django_wsgi, "wsgi"), (lambda: raw_wsgi, "wsgi"), (WsgiMiddleware, "wsgi"),
], ids=["fastapi", "starlette", "litestar", "django-asgi", "asgi-function", "asgi-instance", "flask", "django-wsgi",
        "wsgi-function", "wsgi-instance"])
def test_real_applications_are_taken(make, kind):
    assert interface(make()) == kind


async def handler(request):
    return None


def _aiohttp_app():
    web = pytest.importorskip("aiohttp.web")
    return web.Application()


@pytest.mark.parametrize("make, says", [
    (lambda: AsgiMiddleware, "a class, AsgiMiddleware: give an instance of it"),
    (lambda: __import__("fastapi").FastAPI, "a class, FastAPI"),
    (lambda: __import__("flask").Flask, "a class, Flask"),
    (lambda: handler, "an async callable taking 1 argument"),
    (_aiohttp_app, "an aiohttp application"),
    (lambda: {"not": "an app"}, "a dict"),
], ids=["class", "fastapi-class", "flask-class", "async-handler", "aiohttp", "dict"])
def test_non_applications_are_refused_saying_what_they_are(make, says):
    with pytest.raises(UsageError, match="is not an ASGI or WSGI application") as info:
        interface(make())
    assert says in info.value.message


PROJECT = textwrap.dedent("""
    from fastapi import FastAPI

    class SomeClass:
        def __init__(self, environ=None, start_response=None):
            pass

    app = FastAPI()

    @app.get("/health")
    def health():
        return {"ok": True}
""")


def _project(tmp_path: Path) -> Path:
    (tmp_path / "spec.json").write_text(json.dumps(SPEC))
    (tmp_path / "c405_refused.py").write_text(PROJECT)
    return tmp_path


@pytest.mark.parametrize("ref", ["c405_refused:SomeClass", "c405_refused:FastAPI"])
def test_cli_class_is_one_line_exit_2(tmp_path: Path, ref: str):
    result = cli("spec.json", "--app", ref, cwd=_project(tmp_path))
    assert result.code == 2, result.stdout + result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"conform405: error: {ref} is not an ASGI or WSGI application (a class"), lines
    assert result.stdout == ""  # no run, no report of 500s


def test_cli_the_instance_in_the_same_module_runs(tmp_path: Path):
    result = cli("spec.json", "--app", "c405_refused:app", "-q", cwd=_project(tmp_path))
    assert result.code in (0, 1), result.stdout + result.stderr
    assert "error" not in result.stderr and "500" not in result.stdout
