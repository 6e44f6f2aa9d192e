"""Litestar with its real defaults, drifting from litestar_app.yaml.

Litestar routes a path to one handler per method and answers other methods with 405 and an
Allow header of the path's methods (OPTIONS included). Litestar answers OPTIONS itself with 204,
but its Allow there lists only GET and OPTIONS. A ``@get`` handler does not answer HEAD: HEAD is a method of its own
(``@head``), so HEAD is refused where GET works.

| path               | drift                                                      | expected rule(s)                       |
|--------------------|------------------------------------------------------------|----------------------------------------|
| /books             | HEAD refused (405) although GET works                      | head-not-supported (HEAD)              |
| /books             | PUT exists but is not in the spec (400 without a body, while PATCH gets 405) | undeclared-method-accepted (PUT) |
| /books             | every 405 lists the undeclared PUT                         | allow-mismatch (HEAD PATCH DELETE TRACE) |
| /books             | OPTIONS: 204 with `Allow: GET, OPTIONS` (POST missing)      | options-mismatch (OPTIONS)             |
| /books/{book_id}   | GET, DELETE as declared; HEAD refused                      | head-not-supported (HEAD)              |
| /books/{book_id}   | OPTIONS: 204 with `Allow: GET, OPTIONS` (DELETE missing)    | options-mismatch (OPTIONS)             |
| /books/{book_id}   | DELETE on a generated id: the handler's 404                 | none: inconclusive                     |
"""

from __future__ import annotations

from litestar import Litestar, delete, get, post, put
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody

BOOKS = {1: {"id": 1, "title": "Dune"}, 2: {"id": 2, "title": "Emma"}}


@get("/books")
async def list_books() -> list[dict]:
    return list(BOOKS.values())


@post("/books")
async def add_book(data: JSONBody[dict]) -> dict:
    return {"id": 3, **data}


@put("/books")
async def replace_all(data: JSONBody[list[dict]]) -> list[dict]:  # not in the spec
    return data


@get("/books/{book_id:int}")
async def get_book(book_id: FromPath[int]) -> dict:
    if book_id not in BOOKS:
        raise NotFoundException("no such book")
    return BOOKS[book_id]


@delete("/books/{book_id:int}")
async def delete_book(book_id: FromPath[int]) -> None:
    if book_id not in BOOKS:
        raise NotFoundException("no such book")


def make_app() -> Litestar:
    return Litestar([list_books, add_book, replace_all, get_book, delete_book], openapi_config=None)
