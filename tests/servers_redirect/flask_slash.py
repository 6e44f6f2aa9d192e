"""Werkzeug's own strict_slashes (Flask): a rule ending in a slash answers 308 to the URL without it;
a rule without one answers 404 to the URL with it. Drifts from flask_slash.yaml.

| path     | server                                                   | expected rule(s)                              |
|----------|----------------------------------------------------------|-----------------------------------------------|
| /items   | routed as /items/ (GET, POST): /items → 308 → /items/     | trailing-slash-mismatch (GET POST), warning    |
| /docs/   | routed as /docs (GET): /docs/ → 404, /docs → 200           | trailing-slash-mismatch (GET), error           |
| /ping    | spelled as routed (GET); the twin /ping/ → 404            | none                                          |
"""

from __future__ import annotations

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/items/", methods=["GET", "POST"])
def items():
    if request.method == "POST":
        return jsonify(created=True), 201
    return jsonify([{"id": 1}])


@app.route("/docs", methods=["GET"])
def docs():
    return jsonify(pages=[])


@app.route("/ping", methods=["GET"])
def ping():
    return jsonify(ok=True)
