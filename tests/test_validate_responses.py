"""--validate-responses (checker/validate_responses.py, openapi-core): a real Starlette server on 127.0.0.1, judged
against a document its answers honour (no finding at all) and one they break (status, media type, schema)."""

from __future__ import annotations

import re
import textwrap

from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from checker import api
from checker.config import parse

from .support.run import cli
from .support.servers import serve_asgi

PETS = [{"id": 1, "name": "rex"}, {"id": 2, "name": "tom"}]


async def pets(request):
    return JSONResponse(PETS)


async def pet(request):
    pet_id = request.path_params["pet_id"]
    found = next((p for p in PETS if str(p["id"]) == pet_id), None)
    return JSONResponse(found) if found else JSONResponse({"detail": "no such pet"}, status_code=404)


async def health(request):
    return PlainTextResponse("ok")


APP = Starlette(routes=[Route("/pets", pets, methods=["GET"]), Route("/pets/{pet_id}", pet, methods=["GET"]),
                        Route("/health", health, methods=["GET"])])

HONOURED = textwrap.dedent("""\
    openapi: 3.0.3
    info: {title: pets, version: "1"}
    paths:
      /pets:
        get:
          responses:
            200:
              description: the pets
              content:
                application/json:
                  schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
      /pets/{pet_id}:
        parameters: [{name: pet_id, in: path, required: true, schema: {type: integer}}]
        get:
          responses:
            "200":
              description: the pet
              content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}
            "404": {description: no such pet}
      /health:
        get:
          responses:
            "2XX":
              description: up
              content: {text/plain: {schema: {type: string}}}
    components:
      schemas:
        Pet:
          type: object
          required: [id, name]
          properties: {id: {type: integer}, name: {type: string}}
    """)

# the same API, documented wrongly: ids as strings, /pets as XML, /health answering 204 only
BROKEN = re.sub(r'"2XX":\s*description: up\s*content: \{text/plain: \{schema: \{type: string\}\}\}', '"204": {description: up}',
                re.sub(r"application/json:(\s*)schema: \{type: array", r"application/xml:\1schema: {type: array",
                       HONOURED.replace("properties: {id: {type: integer}", "properties: {id: {type: string}")))


def _run(tmp_path, text: str, url: str, validate: bool = True):
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    plan = api.build_plan(api.load(str(spec)), api.PlanOptions(base_url=url))
    return api.run(plan, api.RunOptions(validate_responses=validate))


def test_answers_that_honour_the_document_give_no_finding(tmp_path):
    with serve_asgi(APP) as url:
        report = _run(tmp_path, HONOURED, url)
    assert [f for f in report.findings if f.rule.startswith("response-")] == []
    cells = {(c["path"], c["method"]): c for c in report.matrix}
    assert all(cells[(p, "GET")]["verdict"] == "ok" for p in ("/pets", "/pets/{pet_id}", "/health"))


def test_answers_that_break_the_document(tmp_path):
    assert "application/xml" in BROKEN and '"204"' in BROKEN and "{id: {type: string}" in BROKEN
    with serve_asgi(APP) as url:
        report = _run(tmp_path, BROKEN, url)
        unchecked = _run(tmp_path, BROKEN, url, validate=False)
    got = {(f.rule, f.path, f.method): f for f in report.findings if f.rule.startswith("response-")}
    assert set(got) == {("response-schema-mismatch", "/pets/{pet_id}", "GET"), ("response-schema-mismatch", "/pets", "GET"),
                        ("response-not-documented", "/health", "GET")}, sorted(got)
    body = got[("response-schema-mismatch", "/pets/{pet_id}", "GET")]
    assert body.severity == "warning" and body.evidence["validation"]["kind"] == "body"
    assert body.evidence["validation"]["errors"][0]["at"] == "$.id"
    assert "is not of type 'string'" in body.message
    media = got[("response-schema-mismatch", "/pets", "GET")]
    assert media.evidence["validation"]["kind"] == "media-type" and "application/xml" in media.message
    status = got[("response-not-documented", "/health", "GET")]
    assert "200" in status.message and status.evidence["response"]["status"] == 200
    # the matrix shows it: the cells are warnings, not ok
    cells = {(c["path"], c["method"]): c for c in report.matrix}
    assert cells[("/health", "GET")]["verdict"] == "warning"
    # not asked: not judged
    assert not [f for f in unchecked.findings if f.rule.startswith("response-")]


def test_flag_and_config_key(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(BROKEN)
    with serve_asgi(APP) as url:
        r = cli(str(spec), "--base-url", url, "--json", "-", "--validate-responses")
    assert "Traceback" not in r.stderr
    rules = {f["rule"] for f in r.json()["findings"]}
    assert {"response-schema-mismatch", "response-not-documented"} <= rules
    assert parse({"validate-responses": True}, "conform405.toml").validate_responses is True
