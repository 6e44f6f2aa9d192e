"""Paths of one document that a router cannot keep apart: overlapping templates and duplicate templates."""

from __future__ import annotations

from typing import Iterator

from .base import Finding, PathContext, Rule, finding
from .methods import overlapping_route

PATH_OVERLAP = Rule(
    id="path-overlap",
    title="Another path's template matches this path's URLs",
    severity="info",
    summary=(
        "A concrete path (`/user/login`) is also matched by another path's template (`/user/{username}`), and "
        "methods declared only on the template reached the concrete URL with an answer other than 405: the "
        "router handed them to the templated route. Path-level; those cells are inconclusive, not findings."
    ),
    why=(
        "OpenAPI matches concrete paths before templated ones, but many routers try the next route when the "
        "first has no handler for the method: `PUT /user/login` updates a user named \"login\". Clients and "
        "reviewers reading the document expect 405 there; a username equal to a reserved word becomes unreachable."
    ),
    rfc="OpenAPI 3.1 §4.8.8 (Paths Object: concrete paths match first); RFC 9110 §15.5.6",
    example="spec: /user/login (GET), /user/{username} (GET, PUT)\n> PUT /user/login\n< 422 (the /user/{username} handler)",
    fix=(
        "Make the concrete route answer 405 for its undeclared methods (declare it with every method and refuse "
        "the others, or order the routes so the router stops at it), or reserve the name in the templated route's "
        "validation; or rename one of the paths."
    ),
    family="overlap",
)

DUPLICATE_TEMPLATE = Rule(
    id="duplicate-path-template",
    title="Two paths of the document are the same template",
    severity="warning",
    summary=(
        "Two path keys differ only in their parameters' names (`/orgs/{org}/attestations/{attestation_id}` and "
        "`/orgs/{org}/attestations/{subject_digest}`): they are one URL shape, which OpenAPI forbids. A finding on "
        "the document, located on the path's line; a method declared on the other and served here is a "
        "path-overlap, not an undeclared method served."
    ),
    why=(
        "No router can tell the two apart, so the document describes one route twice with different methods and "
        "parameters; code generators and validators pick one of them at random or fail."
    ),
    rfc="OpenAPI 3.1 §4.8.8 (templated paths with the same hierarchy but different names are identical and invalid)",
    example="paths:\n  /items/{id}: {get: ...}\n  /items/{name}: {delete: ...}",
    fix="Merge the two path items into one, with one parameter name and every operation.",
    family="overlap",
)

RULES = (PATH_OVERLAP, DUPLICATE_TEMPLATE)


def check(ctx: PathContext) -> Iterator[Finding]:
    pp = ctx.plan
    for twin in pp.twins:
        yield finding(DUPLICATE_TEMPLATE, ctx, None,
                      f"{ctx.template} and {twin} are the same template up to parameter names, which OpenAPI forbids: "
                      f"a router without typed parameters serves both with one route (methods answered there by the "
                      f"other's route are reported as path-overlap, not as undeclared)",
                      method=None, facts={"twin": twin}, extra={"twin": twin})
    if not pp.overlaps:
        return
    reached: dict[str, list[tuple[str, int]]] = {}
    first = None
    for cell, obs in ctx.observed():
        if cell.declared or obs.status in (405, 501) or obs.status is None:
            continue
        route = overlapping_route(ctx, cell.method)
        if route is not None:
            reached.setdefault(route, []).append((cell.method, obs.status))
            first = first or obs
    for route, seen in reached.items():
        listed = ", ".join(f"{m} ({status})" for m, status in seen)
        yield finding(PATH_OVERLAP, ctx, first,
                      f"{ctx.template} is also matched by {route}: {listed} reached the server's route for {route} "
                      f"instead of a 405 from {ctx.template}'s own",
                      method=None, facts={"route": route},
                      extra={"overlapping_path": route, "seen_on": [m for m, _ in seen]})
