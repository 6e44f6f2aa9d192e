"""With --validate-responses: the answers of declared operations match the responses the document declares.

Judged only when the run was asked to (``RunOptions.validate_responses``: the check finds a validator on
its context, checker/validate_responses.py, built on openapi-core). Only answers a handler produced for a declared
method count: the cell's own answer, not after a redirect (the redirect rules judge those), and not
refusals: a 2xx must be documented; an answer with a documented status must match its media type and
schema. A 404 to a generated id or a 401 the document does not list says nothing about the document.
"""

from __future__ import annotations

from typing import Iterator

from .base import Finding, PathContext, Rule, finding, is_success

NOT_DOCUMENTED = Rule(
    id="response-not-documented",
    title="A served answer's status is not documented",
    severity="warning",
    summary=(
        "With --validate-responses: a declared operation answered 2xx with a status code its `responses` do not "
        "list (no exact code, no `2XX` range, no `default`)."
    ),
    why=(
        "Clients generated from the document only know the documented answers: a `201` where only `200` is "
        "documented falls into their error branch, or is read with the wrong schema."
    ),
    rfc="OpenAPI 3.x Responses Object; RFC 9110 §15.3",
    example="spec: POST /items responses: {\"200\": ...}\n> POST /items\n< 201 Created",
    fix="Document the status the operation answers (or a `2XX` range), or make the handler answer the documented one.",
    family="responses",
)

SCHEMA_MISMATCH = Rule(
    id="response-schema-mismatch",
    title="A served answer does not match its documented response",
    severity="warning",
    summary=(
        "With --validate-responses: the answer to a declared operation, for a documented status, has a media type "
        "that response does not list, no body where content is documented, or a body that does not validate "
        "against the documented schema (validated by openapi-core; bodies cut at --max-body and HEAD are not read)."
    ),
    why=(
        "The schema is what clients are generated from and what their deserialisers enforce: a string where an "
        "integer is documented, a missing required property or an HTML error page with a 200 breaks them at run time."
    ),
    rfc="OpenAPI 3.x Response and Media Type Objects",
    example="spec: GET /items/{id} 200 application/json {id: integer}\n> GET /items/1\n< 200 {\"id\": \"1\"}",
    fix="Make the handler's answer match the documented schema and media type, or correct the schema in the document.",
    family="responses",
)

RULES = (NOT_DOCUMENTED, SCHEMA_MISMATCH)


def check(ctx: PathContext) -> Iterator[Finding]:
    validator = ctx.response_validator
    if validator is None or not getattr(validator, "supported", False):
        return
    for cell, obs in ctx.observed():
        if not cell.declared or cell.implied or len(obs.chain) > 1:
            continue
        final = obs.final
        assert final is not None and final.status is not None
        status = final.status
        documented = validator.documented(ctx.template, cell.method, status)
        if documented is None or (not documented and not is_success(status)):
            continue
        headers = dict(final.headers)
        for problem in validator.problems(ctx.template, cell.method, status, headers, final.body, final.body_truncated):
            rule = NOT_DOCUMENTED if problem.kind == "status" else SCHEMA_MISMATCH
            extra = {"validation": {"kind": problem.kind, "message": problem.message,
                                    **({"errors": list(problem.errors)} if problem.errors else {})}}
            yield finding(rule, ctx, obs, f"{cell.method} answered {status}: {problem.message}",
                          facts={"status": status, "kind": problem.kind}, extra=extra)
