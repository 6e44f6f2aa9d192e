"""Starlette's own redirect_slashes (307 either way, to the spelling that is routed), drifting from starlette_slash.yaml.

| path     | server                                                         | expected rule(s)                       |
|----------|----------------------------------------------------------------|----------------------------------------|
| /items/  | routed as /items (GET, POST): /items/ → 307 → /items, any method | trailing-slash-mismatch (GET POST), warning |
| /health  | spelled as routed (GET); the twin /health/ → 307              | none                                   |

307 keeps the method and the body in every client (urllib does not follow it for POST at all).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def items(request: Request) -> JSONResponse:
    if request.method == "POST":
        return JSONResponse({"created": True}, status_code=201)
    return JSONResponse([{"id": 1}])


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


app = Starlette(routes=[Route("/items", items, methods=["GET", "POST"]), Route("/health", health, methods=["GET"])])
