"""A Starlette app whose answer depends on the path value, for --examples, shrinking and --seed.

| path             | behaviour                                                              | expected                                   |
|------------------|------------------------------------------------------------------------|--------------------------------------------|
| /files/{file_id} | GET: 200 for every id (the spec declares GET only)                     | ok                                         |
| /files/{file_id} | DELETE (undeclared): 405 `Allow: GET, HEAD` for ids below 9000, 500 from 9000 on | wrong-status-for-undeclared-method, shrunk to file_id=9000 |
| /files/{file_id} | every other method: 405 `Allow: GET, HEAD`                              | ok                                         |

value_dependent_example.yaml is the same document with `example: 9000` on the parameter: 9000 is then a
*real* id, and shrinking a DELETE must stop at 9001.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

THRESHOLD = 9000


async def file(request: Request) -> Response:
    fid = request.path_params["file_id"]
    request.app.state.log.append((request.method, fid))
    if request.method in ("GET", "HEAD"):
        return JSONResponse({"id": fid})
    if request.method == "DELETE" and fid >= THRESHOLD:  # an archive backend that falls over on large ids
        return PlainTextResponse("Internal Server Error", status_code=500)
    return PlainTextResponse("Method Not Allowed", status_code=405, headers={"Allow": "GET, HEAD"})


def make_app(log: list | None = None) -> Starlette:
    """``log`` receives (method, id) for every request the handler sees."""
    # one handler answers every method, so that every 405 carries the same Allow
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
    app = Starlette(routes=[Route("/files/{file_id:int}", file, methods=methods)])
    app.state.log = log if log is not None else []
    return app
