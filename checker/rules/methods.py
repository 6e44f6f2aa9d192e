"""Declared methods must be served; undeclared ones must be refused with 405 (or 501)."""

from __future__ import annotations

from typing import Iterator
from urllib.parse import urlparse

from .allow import parse_allow
from .base import SERVED_4XX, Finding, PathContext, Rule, finding, is_success, served, url_key

UNDECLARED_ACCEPTED = Rule(
    id="undeclared-method-accepted",
    title="Undeclared method is served",
    severity="error",
    summary="A method the spec does not declare for the path is served (2xx, or 409/415/422 from a handler; a 400 too when other methods on the URL get 405).",
    why=(
        "The document is the contract: a method that works but is not documented is an untested, unreviewed "
        "entry point (often a framework default such as a catch-all route or an auto-generated PUT), and "
        "clients generated from the spec cannot know it exists."
    ),
    rfc="RFC 9110 §9.1, §15.5.6",
    example="spec: /items declares GET, POST\n> DELETE /items\n< 204 No Content",
    fix=(
        "Either document the operation in the spec, or restrict the route to the declared methods so the "
        "server answers 405 Method Not Allowed with an Allow header."
    ),
)

DECLARED_REJECTED = Rule(
    id="declared-method-rejected",
    title="Declared method is refused",
    severity="error",
    summary="A method the spec declares is refused: 405, 501, a router's 404, or a 5xx.",
    why=(
        "Clients built from the spec will call this operation and fail. Typical causes: the route was never "
        "implemented, a gateway or WAF blocks the method, or the path's spelling in the spec differs from the server's."
    ),
    rfc="RFC 9110 §15.5.6, §15.6.2",
    example="spec: /items/{id} declares DELETE\n> DELETE /items/42\n< 405 Method Not Allowed\n< Allow: GET",
    fix="Implement the method on the route (and let it through any gateway), or remove the operation from the spec.",
)

WRONG_STATUS = Rule(
    id="wrong-status-for-undeclared-method",
    title="Undeclared method gets neither 405 nor 501",
    severity="error",
    summary="An undeclared method is refused, but with 404, 403, 400 (when no other method on the URL gets 405) or 5xx instead of 405 (or 501).",
    why=(
        "404 tells a client the resource does not exist, when it does; 403 reads as a permissions problem; "
        "a 5xx reads as an outage. 405 with an Allow header tells the client exactly which methods work. "
        "Express and Werkzeug answer 404 on some routes, CSRF middleware 403, gateways 403."
    ),
    rfc="RFC 9110 §15.5.6 (405), §15.6.2 (501), §15.5.5 (404)",
    example="spec: /items declares GET\n> PUT /items\n< 404 Not Found",
    fix=(
        "Let the router answer 405 with an Allow header for known paths (Express: a catch-all `.all()` handler "
        "that sends 405; Werkzeug/Flask: avoid routes that only differ by a trailing slash; Django: exempt API "
        "views from CSRF or answer 405 before it)."
    ),
)

RULES = (UNDECLARED_ACCEPTED, DECLARED_REJECTED, WRONG_STATUS)

#: Methods whose undeclared answers are judged by their own rules (head/options/trace).
_OWN_RULES = {"HEAD", "OPTIONS", "TRACE"}


def check(ctx: PathContext) -> Iterator[Finding]:
    wrong: dict[tuple, list] = {}  # (URL, status, cause) -> [first obs, message with {methods}, facts, methods]
    for cell, obs in ctx.observed():
        status = obs.status
        assert status is not None
        if 300 <= status < 400:
            # a redirect that was not followed (301/302/303, another origin, too many hops): the
            # redirect rules judge it; it says nothing about the method on this URL
            ctx.mark_inconclusive(obs, f"{status} redirect not followed: no method verdict (the redirect rules judge it)")
            continue
        if len(obs.chain) > 1 and not _judged_through_redirect(ctx, cell, obs):
            continue
        if cell.implied:  # HEAD through GET: head-not-supported judges it
            continue
        if cell.declared:
            yield from _declared(ctx, obs, status)
        elif cell.method in _OWN_RULES and (is_success(status) or cell.method != "HEAD" and status in (405, 501)):
            continue
        elif status not in (405, 501) and (route := overlapping_route(ctx, cell.method)) is not None:
            # another path's route matches this URL and declares the method: the answer may well be that
            # route's (path-overlap reports the overlap itself); no verdict on this path's own routing
            ctx.mark_inconclusive(obs, f"{cell.method} is declared on {route}, whose template also matches this URL: "
                                  f"the {status} may come from that route (see path-overlap)")
        else:
            yield from _undeclared(ctx, obs, status, wrong)
    # one router, gateway or middleware refuses the undeclared methods of a URL alike: one finding per cause
    # (URL, status), seen_on listing the methods, as allow-mismatch does. No method of its own, so the
    # fingerprint (path, status) stays the same whichever of the methods are refused that way on a given run.
    for first, message, facts, methods in wrong.values():
        if facts == {"status": 403} and (listed := _listed_by_server(ctx, first, methods)):
            message = _routed_but_forbidden(methods, listed)
        yield finding(WRONG_STATUS, ctx, first, message.replace("{methods}", ", ".join(methods)), method=None, facts=facts,
                      extra={"seen_on": methods})


def _listed_by_server(ctx: PathContext, obs, methods: list[str]) -> list[str]:
    """Those of ``methods`` the server itself names as allowed on ``obs``'s URL: in the Allow of that answer, of a
    405 or of a successful OPTIONS there (Django REST framework sends Allow with every answer, its 403s too)."""
    listed: set[str] = set()
    for o in (obs, *_same_url(ctx, obs)):
        if o.final is not None and (o is obs or o.status == 405 or o.method == "OPTIONS" and is_success(o.status)):
            tokens, _ = parse_allow(o.final.header("allow") or "")
            listed.update(t.upper() for t in tokens)
    return [m for m in methods if m in listed]


def _routed_but_forbidden(methods: list[str], listed: list[str]) -> str:
    """The 403 message when the server's own Allow lists (some of) the methods: a handler exists for them and an
    access check refused the request -- not the CSRF middleware or gateway rule a bare 403 suggests."""
    named = ", ".join(listed)
    if len(listed) == len(methods):
        return (f"undeclared {{methods}} answered 403 instead of 405, and the server's Allow lists {named}: a handler "
                f"serves {named} here and an access check refused the request (the document omits the operation, "
                "or the route should not take the method)")
    return (f"undeclared {{methods}} answered 403 instead of 405; the server's Allow lists {named}: a handler serves "
            f"{named} here and an access check refused it (the others: CSRF middleware or a gateway deny rule?)")


def overlapping_route(ctx: PathContext, method: str) -> str | None:
    """The first other template of the document that matches this path's URLs and declares ``method``."""
    for template, methods in ctx.plan.overlaps:
        if method in methods:
            return template
    return None


def _judged_through_redirect(ctx: PathContext, cell, obs) -> bool:
    """A probe whose first answer was a redirect that conform405 followed. The cell's own answer is the
    redirect: the method is judged on where it led only when the same method reached a success there
    (served, through the redirect). A redirect the operation documents is its answer; any other chain
    (the target refused, the method changed on the way) is the redirect rules' business, not a method
    verdict on this URL."""
    first, final = obs.chain[0], obs.chain[-1]
    op = ctx.plan.item.operations.get(cell.method)
    if cell.declared and op is not None and first.status is not None and _documents(op.responses, first.status):
        return False  # the documented answer: the method is served as described
    if is_success(final.status) and final.method == first.method:
        return True
    ctx.mark_inconclusive(obs, f"{first.status} redirect to {final.url} (answered {final.status}"
                          + (f" to {final.method}" if final.method != first.method else "")
                          + "): the cell's own answer is the redirect, which the redirect rules judge; no method verdict")
    return False


def _documents(responses: tuple[str, ...], status: int) -> bool:
    code = str(status)
    return code in responses or f"{code[0]}XX" in {r.upper() for r in responses}


# -- facts about the URL that tell a router's answer from a resource's -------------------------------

def _same_url(ctx: PathContext, obs) -> Iterator:
    key = url_key(obs.url)
    for _cell, other in ctx.observed():
        if other is not obs and url_key(other.url) == key:
            yield other


def _routed(ctx: PathContext, obs) -> bool:
    """Another method on the same URL got an answer only a routed URL gives (2xx, 405, a handler's 4xx)."""
    return any(is_success(o.status) or o.status == 405 or o.status in SERVED_4XX for o in _same_url(ctx, obs))


def _allow_lists(ctx: PathContext, obs, method: str) -> bool:
    """A 405 on the same URL lists ``method`` in Allow: the route for it exists."""
    for o in _same_url(ctx, obs):
        if o.status == 405:
            tokens, _ = parse_allow(o.final.header("allow") or "")
            if method in {t.upper() for t in tokens}:
                return True
    return False


def _exists(ctx: PathContext, obs) -> tuple[bool, str]:
    """Whether the resource at ``obs``'s URL demonstrably exists, and how we know."""
    get = ctx.get_on_same_url(obs)
    if get is not None and get is not obs and is_success(get.status):
        return True, "GET on the same URL answered 2xx"
    if not ctx.has_params and _routed(ctx, obs):
        return True, "the path has no parameters and other methods on it are routed"
    return False, ""


#: Methods whose 400 is typically a handler complaining about the (absent) body.
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE", "QUERY"}


def _router_tells_methods_apart(ctx: PathContext, obs) -> bool:
    """Some other undeclared method on the same URL was refused with 405."""
    return any(o.status == 405 and not (ctx.cell(o.method) and ctx.cell(o.method).declared) for o in _same_url(ctx, obs))


def _signature(obs) -> tuple:
    """A 404's shape with what depends on the request masked: the method and the path (Express:
    "Cannot PUT /items"), so that two refusals by the same router compare equal."""
    final = obs.final
    body = final.body[:2048]
    for token in {obs.method.encode(), obs.method.lower().encode()}:
        body = body.replace(token, b"<METHOD>")
    path = urlparse(obs.url or "").path.encode()
    if path:
        body = body.replace(path, b"<PATH>")
    ctype = (final.header("content-type") or "").split(";")[0].strip().lower()
    return final.status, ctype, body


def _same_404_as_undeclared(ctx: PathContext, obs) -> str | None:
    """An undeclared method on the same URL whose 404 looks exactly like ``obs``'s: the router's 404."""
    mine = _signature(obs)
    for other in _same_url(ctx, obs):
        cell = ctx.cell(other.method)
        if other.status == 404 and cell is not None and not cell.declared and _signature(other) == mine:
            return other.method
    return None


def _all_404(ctx: PathContext, obs) -> bool:
    others = list(_same_url(ctx, obs))
    return bool(others) and all(o.status == 404 for o in others)


def _csrf(obs) -> bool:
    """A 403 from CSRF protection (Django's CsrfViewMiddleware, Rails, Spring Security, ...)."""
    final = obs.final
    return final is not None and final.status == 403 and b"csrf" in final.body.lower()


def _auth_wall(ctx: PathContext, obs) -> str | None:
    """Why 401/403 here say nothing about methods, as an inconclusive cell's reason, or None: GET on the URL is
    refused too, the answer asks for credentials, or every declared method of the path is refused with 401/403."""
    if ctx.auth_wall(obs):
        return f"{obs.status} on GET too: an authorization wall, not a method problem"
    if obs.final.has_header("www-authenticate"):
        return f"{obs.status} asking for credentials (WWW-Authenticate): an authorization wall, not a method problem"
    declared = [o for m in ctx.declared for o in ctx.probes.get(m, ()) if o.status is not None]
    if declared and all(o.status in (401, 403) for o in declared):
        methods = sorted({o.method for o in declared})
        return (f"every declared method of the path ({', '.join(methods)}) is refused with 401/403: access or "
                "configuration, not a method problem")
    return None


def _declared(ctx: PathContext, obs, status: int) -> Iterator[Finding]:
    if served(status):
        return
    m = obs.method
    if status in (405, 501):
        allow = obs.final.header("allow")
        extra = f" (Allow: {allow})" if allow is not None else ""
        yield finding(DECLARED_REJECTED, ctx, obs, f"{m} is declared but the server answered {status}{extra}", facts={"status": status})
    elif status == 404:
        if _allow_lists(ctx, obs, m):
            ctx.mark_inconclusive(obs, f"404 although a 405 on this URL lists {m} in Allow: the route exists, the resource does not")
            return
        exists, why = _exists(ctx, obs)
        twin = _same_404_as_undeclared(ctx, obs)
        if exists and twin is not None:
            yield finding(DECLARED_REJECTED, ctx, obs, f"{m} is declared but answered 404 although the resource exists ({why}), "
                          f"the same 404 that the undeclared {twin} gets: the route is missing", facts={"status": 404})
        elif any(o.status == 405 for o in _same_url(ctx, obs)):
            # a router that did not route M here would answer 405, as it does to other methods on this URL
            ctx.mark_inconclusive(obs, f"404 from the application: the router answers 405 to the methods it does not route "
                                  f"on this URL, so {m} was routed and its handler found nothing to act on")
        elif exists:
            ctx.mark_inconclusive(obs, f"404 from a handler: the resource exists ({why}) but no undeclared method on this URL "
                                  "gets the same 404, so nothing shows the route is missing")
        elif not ctx.has_params and _all_404(ctx, obs):
            yield finding(DECLARED_REJECTED, ctx, obs, f"{m} is declared but every method on this path answered 404: the server does not serve the path (or --base-url is wrong)", facts={"status": 404})
        else:
            ctx.mark_inconclusive(obs, "404 for these path values: cannot tell a missing route from a missing resource"
                                  + ("" if obs.method in ("GET", "HEAD") else " (state-changing probes use generated ids; --use-real-ids on a disposable environment)"))
    elif status in (401, 407):
        ctx.mark_inconclusive(obs, f"{status}: credentials needed (give -H 'Authorization: ...')")
    elif status == 403:
        if _csrf(obs):
            ctx.mark_inconclusive(obs, "403 from CSRF protection: the probe carries no CSRF token, so the method cannot be judged")
        elif (wall := _auth_wall(ctx, obs)) is not None:
            ctx.mark_inconclusive(obs, wall)
        else:
            get = ctx.get_on_same_url(obs)
            why = ("GET on the same URL is allowed" if get is not None and is_success(get.status)
                   else "other methods of the path are not refused with 401/403")
            yield finding(DECLARED_REJECTED, ctx, obs, f"{m} is declared but answered 403 while {why} (a gateway deny rule, or missing permission)",
                          facts={"status": 403}, severity="warning")
    elif status in (429, 502, 503, 504):
        ctx.mark_inconclusive(obs, f"{status}: the server or a gateway was unavailable or rate-limiting")
    elif status >= 500:
        yield finding(DECLARED_REJECTED, ctx, obs, f"{m} is declared but the server failed with {status}", facts={"status": status})
    else:
        ctx.mark_inconclusive(obs, f"{status} is not a method verdict")


def _wrong(groups: dict[tuple, list], obs, status: int, message: str, cause: str | None = None) -> None:
    """A wrong-status refusal of ``obs``, grouped with the same refusal of other methods on the URL;
    ``message`` says ``{methods}`` where the methods go."""
    key = (url_key(obs.url), status, cause)
    if key in groups:
        if obs.method not in groups[key][3]:
            groups[key][3].append(obs.method)
    else:
        groups[key] = [obs, message, {"status": status, **({"cause": cause} if cause else {})}, [obs.method]]


def _undeclared(ctx: PathContext, obs, status: int, wrong: dict[tuple, list]) -> Iterator[Finding]:
    m = obs.method
    if status in (405, 501):
        return
    if 200 <= status < 300 or status in (409, 415, 422):
        yield finding(UNDECLARED_ACCEPTED, ctx, obs, f"{m} is not declared for {ctx.template} but the server served it ({status})", facts={"status_class": f"{status // 100}xx" if status < 300 else str(status)})
        return
    if status == 404:
        exists, why = _exists(ctx, obs)
        if exists:
            _wrong(wrong, obs, 404, f"undeclared {{methods}} answered 404 instead of 405 although the resource exists ({why})")
        elif not ctx.has_params and _all_404(ctx, obs):
            ctx.mark_inconclusive(obs, "every method on this path answered 404: nothing shows the path exists")
        else:
            ctx.mark_inconclusive(obs, "404 for generated path values: cannot tell a router's 404 from a missing resource")
        return
    if status in (401, 407):
        ctx.mark_inconclusive(obs, f"{status}: credentials needed before the method is judged")
        return
    if status == 403:
        if _csrf(obs):
            _wrong(wrong, obs, 403, "undeclared {methods} answered 403 from CSRF protection instead of 405 (the CSRF check runs "
                   "before the method is refused)", cause="csrf")
        elif (wall := _auth_wall(ctx, obs)) is not None:
            ctx.mark_inconclusive(obs, wall)
        else:
            _wrong(wrong, obs, 403, "undeclared {methods} answered 403 instead of 405 (CSRF middleware or a gateway deny rule?)")
        return
    if status in (429, 502, 503, 504):
        ctx.mark_inconclusive(obs, f"{status}: the server or a gateway was unavailable or rate-limiting")
        return
    if status == 400 and m in _BODY_METHODS and _router_tells_methods_apart(ctx, obs):
        # the router answers 405 to other methods here, so this 400 came from a handler that
        # parsed the request (Litestar, DRF: "body required"): the method is served
        yield finding(UNDECLARED_ACCEPTED, ctx, obs, f"{m} is not declared for {ctx.template} but a handler served it "
                      f"(400 from validating the request, while other methods get 405)", facts={"status_class": "400"})
        return
    if status == 400:
        _wrong(wrong, obs, 400, "undeclared {methods} answered 400 instead of 405 (a parser, a gateway, or a handler that should not exist)")
        return
    if status >= 500:
        _wrong(wrong, obs, status, f"undeclared {{methods}} made the server fail with {status} instead of answering 405")
        return
    ctx.mark_inconclusive(obs, f"{status} is not a method verdict")
