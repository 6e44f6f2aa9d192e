"""Flask/Werkzeug with their real defaults, drifting from flask_app.yaml.

Werkzeug adds HEAD and OPTIONS to every rule with GET (OPTIONS answers 200 with an Allow that
lists every method of the URL, HEAD and OPTIONS included), and answers 405 with that same
Allow. A rule that ends in a slash (``/things/``) is *strict*: a request for ``/things`` with
one of the rule's methods gets a 308 to ``/things/``, but with any other method it gets a
plain **404** (the router never tries the redirect for a method the rule does not have).

| path             | drift                                                             | expected rule(s)                                         |
|------------------|-------------------------------------------------------------------|----------------------------------------------------------|
| /things          | the rule is `/things/`: GET, HEAD, POST, OPTIONS get 308 → 2xx     | none (the redirect rules judge 308s; the cell is judged on the answer after it) |
| /things          | PUT, PATCH, DELETE, TRACE get 404 instead of 405                  | wrong-status-for-undeclared-method                       |
| /users/{user_id} | PUT exists but is not in the spec; without a JSON body Flask says 415 | undeclared-method-accepted (PUT)                     |
| /users/{user_id} | DELETE on a generated id: the handler's 404                       | none: inconclusive                                       |
| /reports         | the spec declares POST, the rule has only GET                     | declared-method-rejected + allow-mismatch (POST)         |
| /reports         | every 405 lists `HEAD, GET, OPTIONS` (POST missing)                | allow-mismatch (PUT PATCH DELETE TRACE)                  |
| /reports         | OPTIONS answers 200 with an Allow that lacks POST                  | options-mismatch (OPTIONS)                               |
| /ping            | conformant                                                        | none                                                     |
"""

from __future__ import annotations

from flask import Flask, abort, jsonify, request

USERS = {7: {"id": 7, "name": "ada"}, 8: {"id": 8, "name": "grace"}}


def make_app() -> Flask:
    app = Flask("conform405-flask-test")

    @app.route("/things/", methods=["GET", "POST"])
    def things():
        if request.method == "POST":
            return jsonify({"created": True}), 201
        return jsonify([{"id": 1}])

    @app.get("/users")
    def users():
        return jsonify(list(USERS.values()))

    @app.route("/users/<int:user_id>", methods=["GET", "DELETE"])
    def user(user_id: int):
        if user_id not in USERS:
            abort(404)
        if request.method == "DELETE":
            return "", 204
        return jsonify(USERS[user_id])

    @app.put("/users/<int:user_id>")
    def replace_user(user_id: int):  # not in the spec
        body = request.get_json()  # no JSON body: Flask answers 415 before the handler goes on
        return jsonify({"id": user_id, **body})

    @app.get("/reports")
    def reports():
        return jsonify([])

    @app.get("/ping")
    def ping():
        return "pong"

    return app
