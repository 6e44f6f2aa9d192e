"""A Starlette app whose answer depends on the path value, for --examples, shrinking and --seed.

| path             | behaviour                                                              | expected                                   |
|------------------|------------------------------------------------------------------------|--------------------------------------------|
| /files/{file_id} | GET: 200 for every id (the spec declares GET only)                     | ok                                         |
| /files/{file_id} | DELETE (undeclared): 405 `Allow: GET, HEAD` for ids below 5000, 500 from 5000 on | wrong-status-for-undeclared-method, shrunk to file_id=5000 |
| /files/{file_id} | every other method: 405 `Allow: GET, HEAD`                              | ok                                         |
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

THRESHOLD = 5000


async def file(request: Request) -> Response:
    fid = request.path_params["file_id"]
    if request.method in ("GET", "HEAD"):
        return JSONResponse({"id": fid})
    if request.method == "DELETE" and fid >= THRESHOLD:  # an archive backend that falls over on large ids
        return PlainTextResponse("Internal Server Error", status_code=500)
    return PlainTextResponse("Method Not Allowed", status_code=405, headers={"Allow": "GET, HEAD"})


def make_app() -> Starlette:
    # one handler answers every method, so that every 405 carries the same Allow
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
    return Starlette(routes=[Route("/files/{file_id:int}", file, methods=methods)])
