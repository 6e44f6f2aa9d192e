"""aiohttp.web with its real defaults, drifting from aiohttp_app.yaml.

aiohttp's router collects the methods of every route on a path, so its 405 carries an Allow
with all of them; ``add_get`` (and ``@routes.get``) also registers HEAD. A class-based
``web.View`` is registered for every method (``*``) and refuses the ones it does not define
itself with 405 and an Allow computed from its methods: it has no automatic HEAD. A ``*``
route serves every method, TRACE and OPTIONS included.

| path                | drift                                                          | expected rule(s)                                  |
|---------------------|----------------------------------------------------------------|---------------------------------------------------|
| /orders             | conformant (GET, POST in two routes; 405 lists both)            | none                                              |
| /orders/{order_id}  | web.View with get and delete: HEAD refused (405)               | head-not-supported (HEAD)                          |
| /orders/{order_id}  | DELETE on a generated id: the view's 404                        | none: inconclusive                                |
| /echo               | a `*` route: PUT, PATCH, DELETE served                          | undeclared-method-accepted (PUT PATCH DELETE)     |
| /echo               | OPTIONS served 200 with no Allow                                | options-mismatch (OPTIONS)                        |
| /echo               | TRACE served 200                                                | trace-enabled (TRACE)                             |
| /metrics            | the spec declares DELETE, the server has only GET              | declared-method-rejected + allow-mismatch (DELETE) |
| /metrics            | every 405 lists `GET, HEAD` (DELETE missing)                     | allow-mismatch (POST PUT PATCH OPTIONS TRACE)     |
"""

from __future__ import annotations

from aiohttp import web

ORDERS = {"41": {"id": "41", "total": 3}, "42": {"id": "42", "total": 5}}


class OrderView(web.View):
    async def get(self) -> web.Response:
        order = ORDERS.get(self.request.match_info["order_id"])
        if order is None:
            raise web.HTTPNotFound()
        return web.json_response(order)

    async def delete(self) -> web.Response:
        if self.request.match_info["order_id"] not in ORDERS:
            raise web.HTTPNotFound()
        return web.Response(status=204)


async def list_orders(request: web.Request) -> web.Response:
    return web.json_response(list(ORDERS.values()))


async def add_order(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return web.json_response({"error": "JSON body required"}, status=422)
    return web.json_response({"id": "43", **body}, status=201)


async def echo(request: web.Request) -> web.Response:
    return web.json_response({"method": request.method})


async def metrics(request: web.Request) -> web.Response:
    return web.Response(text="requests_total 1\n")


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/orders", list_orders)
    app.router.add_post("/orders", add_order)
    app.router.add_view("/orders/{order_id}", OrderView)
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/metrics", metrics)
    return app
