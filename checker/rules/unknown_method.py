"""A method token the server cannot know must be refused: 501 (unknown to the server) or 405 (to the resource)."""

from __future__ import annotations

from typing import Iterator

from ..probes.unknown_method import ROLE
from .base import Finding, PathContext, Rule, finding, is_success

ACCEPTED = Rule(
    id="unknown-method-accepted",
    title="A made-up method is served",
    severity="error",
    summary="A method token no spec and no registry uses (C405UNKNOWN) answered 2xx: the server ignores the method.",
    why=(
        "A server that answers 2xx to any method runs a handler without looking at the method: every method "
        "restriction in front of it (gateway, WAF, CSRF rules keyed on methods) can be side-stepped with a "
        "made-up method, and caches and clients cannot trust the method semantics of any answer."
    ),
    rfc="RFC 9110 §9.1 (an unrecognised method SHOULD get 501), §15.6.2 (501), §15.5.6 (405)",
    example="> C405UNKNOWN /items\n< 200 OK\n< Content-Type: application/json",
    fix=(
        "Dispatch on the method: list the methods of each route (Django: @require_http_methods; a plain WSGI/ASGI "
        "handler: answer 405 with Allow for anything else) and let unknown methods fall through to 501 or 405."
    ),
    family="unknown-method",
)

WRONG = Rule(
    id="unknown-method-wrong-status",
    title="A made-up method gets neither 501 nor 405",
    severity="warning",
    summary=(
        "A method token no server knows (C405UNKNOWN) is refused, but, unlike the path's undeclared standard "
        "methods (whose refusals the method rules judge), with 404 on an existing resource, 403 "
        "(while GET is allowed), 409/415/422 (a handler ran) or a 5xx other than 501 (warning); or with 400, typically from an HTTP parser "
        "that only accepts the methods it has a table for (uvicorn/httptools, aiohttp's server, Node's llhttp) "
        "(info; an answer given before routing, so one finding for the server, naming every path that got it)."
    ),
    why=(
        "501 Not Implemented tells a client the server does not know the method at all; 405 with Allow tells it "
        "what the resource supports. A 400 blames the request's syntax although the token is valid; a 404 says "
        "the resource is missing; a 500 reads as an outage. Extension methods (PURGE, REPORT, QUERY) are "
        "refused the same way by such servers, which matters when the spec declares one."
    ),
    rfc="RFC 9110 §9.1, §15.6.2 (501), §15.5.6 (405), §15.5.1 (400)",
    example="> C405UNKNOWN /items\n< 400 Bad Request\n< Invalid HTTP request received.",
    fix=(
        "Answer unknown methods with 501 (or 405 and Allow). A 400 from the parser (uvicorn with httptools, "
        "aiohttp) cannot be changed in the application; uvicorn --http h11 routes any token to the application."
    ),
    family="unknown-method",
)

RULES = (ACCEPTED, WRONG)

_NOT_JUDGED = {401, 407, 408, 429, 502, 503, 504}


def check(ctx: PathContext) -> Iterator[Finding]:
    # how the server refuses the standard methods the spec does not declare: the method rules judge those
    # answers already, so an unknown token refused the very same way is not reported a second time
    known_refusals = {o.status for cell, o in ctx.observed()
                      if not cell.declared and not cell.implied and cell.method not in ("HEAD", "OPTIONS", "TRACE")}
    for obs in ctx.extras.get(ROLE, ()):
        status = obs.status
        if status is None or status in (405, 501) or 300 <= status < 400 or status in _NOT_JUDGED:
            continue
        if not is_success(status) and status in known_refusals:
            continue
        m = obs.method
        if is_success(status):
            yield finding(ACCEPTED, ctx, obs, f"the made-up method {m} was served ({status}): the server ignores the method",
                          method=m, facts={"status_class": "2xx"})
        elif status == 400:
            yield finding(WRONG, ctx, obs, f"the made-up method {m} answered 400 (an HTTP parser that knows only its own "
                          "method table, most likely) instead of 501 Not Implemented", method=m, facts={"status": 400, "scope": "server"},
                          severity="info")
        elif status == 404:
            if ctx.resource_exists(obs):
                yield finding(WRONG, ctx, obs, f"the made-up method {m} answered 404 on an existing resource instead of 501 or 405",
                              method=m, facts={"status": 404})
        elif status == 403:
            if not ctx.auth_wall(obs):
                yield finding(WRONG, ctx, obs, f"the made-up method {m} answered 403 instead of 501 or 405", method=m, facts={"status": 403})
        elif status >= 500 or status in (409, 415, 422):
            yield finding(WRONG, ctx, obs, f"the made-up method {m} answered {status} instead of 501 or 405", method=m,
                          facts={"status": status})
