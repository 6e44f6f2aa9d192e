"""A conformant Starlette app: one Route per path with exactly the declared methods.

Starlette adds HEAD to every route that has GET and answers every other method with 405 and
an Allow header listing the route's methods; OPTIONS without CORS preflight headers passes
through CORSMiddleware to the router and gets that same 405. conform405 must report nothing
and judge every cell ok (or inconclusive where a generated id meets a 404).

| path                    | behaviour                                         | expected                        |
|-------------------------|---------------------------------------------------|---------------------------------|
| /widgets                | GET, POST (POST without a body: 422)              | all ok                          |
| /widgets/{widget_id}    | GET, PUT, DELETE; generated ids get the handler's 404 | ok; PUT/DELETE inconclusive |
| /status                 | GET only                                          | all ok                          |
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

WIDGETS = {1: {"id": 1, "name": "sprocket"}, 2: {"id": 2, "name": "gear"}}


async def widgets(request: Request) -> Response:
    if request.method == "POST":
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or "name" not in body:
            return JSONResponse({"detail": "name required"}, status_code=422)
        return JSONResponse({"id": 3, **body}, status_code=201)
    return JSONResponse(list(WIDGETS.values()))


async def widget(request: Request) -> Response:
    wid = request.path_params["widget_id"]
    if wid not in WIDGETS:
        return JSONResponse({"detail": "no such widget"}, status_code=404)
    if request.method == "DELETE":
        return Response(status_code=204)
    if request.method == "PUT":
        return JSONResponse({"detail": "body required"}, status_code=422)
    return JSONResponse(WIDGETS[wid])


async def status(request: Request) -> Response:
    return JSONResponse({"ok": True})


def make_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/widgets", widgets, methods=["GET", "POST"]),
            Route("/widgets/{widget_id:int}", widget, methods=["GET", "PUT", "DELETE"]),
            Route("/status", status, methods=["GET"]),
        ],
        middleware=[Middleware(CORSMiddleware, allow_origins=["https://app.example"], allow_methods=["GET", "POST"])],
    )
