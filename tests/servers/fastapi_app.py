"""FastAPI with its real defaults, drifting from fastapi_app.yaml.

FastAPI makes one Starlette route per decorated function, so a path with GET and POST is two
routes; Starlette answers a method no route takes with the 405 of the *first* route that
matched the path, so the Allow header lists that route's methods only. FastAPI routes do not
add HEAD for GET (plain Starlette routes do).

| path              | drift                                                        | expected rule(s)                                   |
|-------------------|--------------------------------------------------------------|----------------------------------------------------|
| /items            | GET and POST are two routes: every 405 says `Allow: GET`     | allow-mismatch (PUT PATCH DELETE OPTIONS TRACE HEAD) |
| /items            | HEAD refused (405) although GET works                        | head-not-supported (HEAD)                          |
| /items/{item_id}  | PUT implemented but not in the spec (422 without a body)     | undeclared-method-accepted (PUT)                   |
| /items/{item_id}  | 405s say `Allow: GET` (the spec has GET, DELETE)             | allow-mismatch (POST PATCH OPTIONS TRACE HEAD)     |
| /items/{item_id}  | HEAD refused although GET works on the discovered id         | head-not-supported (HEAD)                          |
| /items/{item_id}  | DELETE on a generated id answers the handler's 404           | none: inconclusive (GET on that URL is 404 too)    |
| /health           | the spec declares POST, the server has only GET              | declared-method-rejected + allow-mismatch (POST)   |
| /health           | 405s say `Allow: GET` where the spec has GET, POST            | allow-mismatch (PUT PATCH DELETE OPTIONS TRACE HEAD) |
| /health           | HEAD refused                                                 | head-not-supported (HEAD)                          |
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel


class ItemIn(BaseModel):
    name: str


def make_app() -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    items: dict[int, dict] = {1: {"id": 1, "name": "first"}, 2: {"id": 2, "name": "second"}}

    @app.get("/items")
    def list_items():
        return list(items.values())

    @app.post("/items", status_code=201)
    def add_item(item: ItemIn):
        return {"id": 3, "name": item.name}

    @app.get("/items/{item_id}")
    def get_item(item_id: int):
        if item_id not in items:
            raise HTTPException(404, "no such item")
        return items[item_id]

    @app.delete("/items/{item_id}", status_code=204)
    def delete_item(item_id: int):
        if item_id not in items:
            raise HTTPException(404, "no such item")
        return Response(status_code=204)

    @app.put("/items/{item_id}")
    def replace_item(item_id: int, item: ItemIn):  # not in the spec
        return {"id": item_id, "name": item.name}

    @app.get("/health")
    def health():
        return {"ok": True}

    return app
