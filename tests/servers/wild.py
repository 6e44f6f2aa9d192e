"""Shapes met on real third-party APIs that once fooled the judgement (tests/test_wild_judgement.py).

* ``overlap_app`` (FastAPI): ``/user/login`` (GET) and ``/user/{username}`` (GET, PUT, DELETE) are both
  paths of the document. Starlette's router, like most, sends ``PUT /user/login`` to the templated route
  (its PUT needs a JSON body: 422). Also two templates that differ only in their parameter's name.
* ``handler404_app`` (plain ASGI, answering like Tornado: 405 without ``Allow``): a declared method whose
  handler answers 404 with its own JSON error, on a URL whose GET works.
* ``redirect_app`` (FastAPI): a declared GET that answers a same-origin 302 to a page that is gone (404).
* ``walled_app`` (FastAPI): every request without credentials gets 401.

Each counts what its handlers did, so a test can also check that nothing was changed.
"""

from __future__ import annotations

import json
from collections import Counter

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel


class User(BaseModel):
    email: str


def overlap_app(counter: Counter) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    users = {"alice": {"email": "a@example.com"}}

    @app.get("/user/login")
    def login() -> dict:
        return {"token": "t"}

    @app.get("/user/{username}")
    def get_user(username: str):
        if username not in users:
            return JSONResponse({"detail": "no such user"}, status_code=404)
        return users[username]

    @app.put("/user/{username}")
    def put_user(username: str, user: User):
        counter["changed"] += 1
        users[username] = user.model_dump()
        return users[username]

    @app.delete("/user/{username}")
    def delete_user(username: str):
        if username not in users:
            return JSONResponse({"detail": "no such user"}, status_code=404)
        counter["deleted"] += 1
        del users[username]
        return JSONResponse(None, status_code=204)

    @app.get("/orgs/{org}/attestations/{attestation_id}")
    def get_attestation(org: str, attestation_id: str):
        return {"id": attestation_id}

    @app.delete("/orgs/{org}/attestations/{attestation_id}")
    def delete_attestation(org: str, attestation_id: str):
        return JSONResponse({"detail": "no such attestation"}, status_code=404)

    return app


def handler404_app(counter: Counter):
    """Tornado-like: a handler class per route, 405 without Allow for a method it does not define."""
    files = {"readme.md": b"# hello"}

    async def app(scope, receive, send):
        assert scope["type"] == "http"
        method, path = scope["method"], scope["path"]
        more = True
        while more:  # read the whole body first
            message = await receive()
            more = message.get("more_body", False)

        async def answer(status: int, body: bytes = b"", ctype: str = "application/json") -> None:
            headers = [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body if method != "HEAD" else b""})

        if path.startswith("/api/contents/"):
            name = path[len("/api/contents/"):]
            if method in ("GET", "HEAD"):
                if name in files:
                    return await answer(200, json.dumps({"name": name}).encode())
                return await answer(404, json.dumps({"message": f"No such file or directory: {name}"}).encode())
            if method == "PATCH":  # rename: the handler looks the file up first
                if name not in files:
                    return await answer(404, json.dumps({"message": f"No such file or directory: {name}"}).encode())
                counter["changed"] += 1
                return await answer(200, b"{}")
            return await answer(405, b"<html><title>405: Method Not Allowed</title></html>", "text/html")
        if path == "/api/status":
            if method in ("GET", "HEAD"):
                return await answer(200, b'{"started": true}')
            if method == "PATCH":  # a handler whose own lookup fails: there is no job to change
                return await answer(404, json.dumps({"message": "no job is running"}).encode())
            return await answer(405, b"<html><title>405: Method Not Allowed</title></html>", "text/html")
        return await answer(404, b"<html><title>404: Not Found</title></html>", "text/html")

    return app


def redirect_app(counter: Counter) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/login")
    def login(request: Request):
        return RedirectResponse("/gone", status_code=302)

    @app.get("/ping")
    def ping() -> dict:
        return {"ok": True}

    return app


def walled_app(counter: Counter) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.middleware("http")
    async def wall(request: Request, call_next):
        if "authorization" not in request.headers:
            return JSONResponse({"message": "unauthorized"}, status_code=401, headers={"WWW-Authenticate": "token"})
        return await call_next(request)

    @app.get("/items")
    def items() -> list:
        return []

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict:
        return {"id": item_id}

    return app
