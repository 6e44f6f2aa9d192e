"""No false positives: conform405 against a server generated to honour the spec exactly finds nothing.

The server (benchmarks/conformant_server.py, the one ``make bench`` measures) is Starlette routes with
exactly the declared methods on uvicorn, in a subprocess on 127.0.0.1 -- served here with uvicorn's h11
parser, because httptools answers a made-up method token with 400 before the app sees it (a real, if
minor, deviation from RFC 9110 §9.1 that conform405 reports as ``unknown-method-wrong-status``). Every cell must be judged ``ok``:
a finding, an inconclusive cell or a cell without an answer would each be conform405's fault.
"""

from __future__ import annotations

import pytest

from benchmarks.conformant_server import route_path, routes_from_spec, serve

from .support.run import SHARED, cli

# Odd path keys on purpose: a colon action, a query and a fragment in keys, a parameter name Starlette
# cannot take, a literal segment beside a parameter, an example value holding a slash, a declared OPTIONS.
SPEC = """\
openapi: 3.0.3
info: {title: odd but conformant, version: "1"}
paths:
  /items:
    get: {responses: {"200": {description: ok}}}
    post: {responses: {"201": {description: created}}}
  /items/special:
    get: {responses: {"200": {description: ok}}}
  /items/{itemId}:
    parameters: [{name: itemId, in: path, required: true, schema: {type: integer}}]
    get: {responses: {"200": {description: ok}}}
    put: {responses: {"200": {description: ok}}}
    delete: {responses: {"204": {description: gone}}}
  /items/{itemId}:archive:
    parameters: [{name: itemId, in: path, required: true, schema: {type: integer}}]
    post: {responses: {"200": {description: ok}}}
  /attest/{attestation_id}:
    parameters: [{name: attestation_id, in: path, required: true, schema: {type: integer}}]
    delete: {responses: {"204": {description: gone}}}
  /attest/{subject_digest}:
    parameters: [{name: subject_digest, in: path, required: true, schema: {type: string}}]
    get: {responses: {"200": {description: ok}}}
  /search?kind=full:
    get:
      parameters: [{name: q, in: query, required: true, schema: {type: string, maxLength: 5}}]
      responses: {"200": {description: ok}}
  /ops#Action=List:
    get: {responses: {"200": {description: ok}}}
  /refs/{ref}:
    parameters: [{name: ref, in: path, required: true, schema: {type: string}, example: heads/main}]
    get: {responses: {"200": {description: ok}}}
    patch: {responses: {"200": {description: ok}}}
  /users/{user-id}:
    parameters: [{name: user-id, in: path, required: true, schema: {type: string, pattern: "^[a-z]{3,8}$"}}]
    get: {responses: {"200": {description: ok}}}
    options: {responses: {"204": {description: what is allowed}}}
"""


#: findings on the document itself, which a conformant server cannot change: two path keys that differ only in
#: their parameters' names are one template, which OpenAPI forbids (the server here tells them apart by type)
DOCUMENT_RULES = {"duplicate-path-template"}


def _assert_conformant(report: dict) -> None:
    findings = [f for f in report["findings"] if f["rule"] not in DOCUMENT_RULES]
    assert findings == [], [(f["rule"], f["path"], f["method"], f["message"]) for f in findings]
    for f in report["findings"]:
        if f["rule"] in DOCUMENT_RULES:
            assert "/attest" in f["path"], f
    not_ok = [(c["path"], c["method"], c["status"], c["verdict"], c["reason"]) for c in report["matrix"] if c["verdict"] != "ok"]
    assert not_ok == []


def test_route_paths_are_starlette_safe():
    assert route_path("/users/{user-id}") == "/users/{p0}"
    assert route_path("/items/{itemId}:archive", frozenset({"itemId"})) == "/items/{p0:int}:archive"
    assert route_path("/a/{x:y}/{b}") == "/a/{p0}/{p1}"


def test_generated_routes_follow_the_spec(tmp_path):
    spec = tmp_path / "odd.yaml"
    spec.write_text(SPEC)
    routes = routes_from_spec(str(spec))
    assert routes["/items/{p0:int}"] == ["GET", "PUT", "DELETE"]
    assert routes["/attest/{p0:int}"] == ["DELETE"] and routes["/attest/{p0}"] == ["GET"]
    assert routes["/search"] == ["GET"] and routes["/ops"] == ["GET"]
    # literal before integer parameter before any parameter
    order = list(routes)
    assert order.index("/items/special") < order.index("/items/{p0:int}")
    assert order.index("/attest/{p0:int}") < order.index("/attest/{p0}")


def test_zero_findings_on_a_conformant_server(tmp_path):
    spec = tmp_path / "odd.yaml"
    spec.write_text(SPEC)
    with serve(spec, http="h11") as url:
        result = cli(str(spec), "--base-url", url, "--json", "-", "--no-progress")
    assert result.code == 0, result.stderr
    report = result.json()
    _assert_conformant(report)
    assert report["summary"]["cells"] == 10 * 8


@pytest.mark.skipif(not (SHARED / "specs-corpus").is_dir(), reason="../shared/specs-corpus is absent")
@pytest.mark.parametrize("name,include", [
    ("oai-v2.0-petstore-expanded.yaml", ()),
    # the attestation pair differs only in the parameter's type; git refs carry a slash in their example
    ("github-api.github.com.json", ("/orgs/{org}/attestations/*", "/repos/{owner}/{repo}/git/*", "/repos/{owner}/{repo}")),
])
def test_zero_findings_on_corpus_specs(name, include):
    spec = SHARED / "specs-corpus" / name
    args = [a for g in include for a in ("--include-path", g)]
    with serve(spec, http="h11") as url:
        result = cli(str(spec), "--base-url", url, "--json", "-", "--no-progress", *args)
    assert result.code == 0, result.stderr
    report = result.json()
    _assert_conformant(report)
    assert report["summary"]["cells"] >= 8
