"""CORS preflight: the browser's OPTIONS before a cross-origin request must let the method through."""

from __future__ import annotations

from typing import Iterator

from ..probes.cors import ROLE
from .base import Finding, PathContext, Rule, finding, is_success

PREFLIGHT = Rule(
    id="cors-preflight-rejected",
    title="The CORS preflight does not allow a declared method",
    severity="error",
    summary=(
        "With --cors-origin: the browser's preflight for a declared method (OPTIONS with Origin and "
        "Access-Control-Request-Method) is not 2xx, redirects, lacks an Access-Control-Allow-Origin for the origin, "
        "or its Access-Control-Allow-Methods does not list the method (GET, HEAD and POST need not be listed; `*` "
        "allows any method for requests without credentials). Error for methods browsers always preflight "
        "(PUT, PATCH, DELETE, ...); warning for GET, HEAD and POST, which are preflighted only with non-safelisted "
        "headers such as a JSON Content-Type or Authorization."
    ),
    why=(
        "When the preflight fails the browser never sends the real request: the operation works from curl and "
        "from server-side clients but not from the web front end the spec was written for. A redirected "
        "preflight is a network error by definition."
    ),
    rfc="Fetch Standard §4.8 (CORS-preflight fetch), §3.2.3 (CORS protocol); RFC 9110 §9.3.7 (OPTIONS)",
    example=(
        "spec: /items declares GET, PUT\n> OPTIONS /items\n> Origin: https://app.example.com\n"
        "> Access-Control-Request-Method: PUT\n< 400 Disallowed CORS method\n< Access-Control-Allow-Methods: GET, POST"
    ),
    fix=(
        "Allow the spec's methods in the CORS configuration (Starlette/FastAPI CORSMiddleware allow_methods, "
        "Express cors({methods}), Spring allowedMethods, API Gateway CORS settings) and answer preflights "
        "with 2xx at the path itself, without a redirect."
    ),
    family="cors",
)

RULES = (PREFLIGHT,)

_SAFELISTED = {"GET", "HEAD", "POST"}


def check(ctx: PathContext) -> Iterator[Finding]:
    seen: set[str] = set()
    for obs in ctx.extras.get(ROLE, ()):
        method = obs.tag
        if method in seen or obs.final is None or obs.final.status is None:
            continue
        problem = _problem(obs, method)
        if problem is None:
            continue
        seen.add(method)
        safelisted = method in _SAFELISTED
        yield finding(PREFLIGHT, ctx, obs, f"the CORS preflight for {method} from {_origin(obs)} {problem}",
                      method=method, facts={"problem": problem.split(":")[0]},
                      extra={"preflight_for": method,
                             "access_control_allow_methods": obs.chain[-1].header("access-control-allow-methods"),
                             "access_control_allow_origin": obs.chain[-1].header("access-control-allow-origin")},
                      severity="warning" if safelisted else None)


def _origin(obs) -> str:
    return dict(obs.chain[0].request_headers).get("origin", "?")


def _problem(obs, method: str) -> str | None:
    first, final = obs.chain[0], obs.chain[-1]
    if first.status is not None and 300 <= first.status < 400:
        return f"redirects ({first.status} to {first.header('location')}): browsers treat a redirected preflight as a network error"
    if not is_success(final.status):
        return f"answered {final.status}, not 2xx"
    origin = _origin(obs)
    acao = final.header("access-control-allow-origin")
    if acao is None:
        return "answered without Access-Control-Allow-Origin"
    if acao.strip() not in ("*", origin):
        return f"answered Access-Control-Allow-Origin: {acao!r}, not the origin"
    if method in _SAFELISTED:
        return None
    acam = final.header("access-control-allow-methods")
    listed = {m.strip() for m in (acam or "").split(",") if m.strip()}
    if method in listed or "*" in listed:
        return None
    if acam is None:
        return "answered without Access-Control-Allow-Methods"
    return f"does not list {method} in Access-Control-Allow-Methods: {acam!r}"
