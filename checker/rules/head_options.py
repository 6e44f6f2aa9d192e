"""HEAD where GET works, OPTIONS and its Allow, and TRACE."""

from __future__ import annotations

from typing import Iterator

from .allow import parse_allow
from .base import Finding, PathContext, Rule, finding, is_success, url_key

HEAD_NOT_SUPPORTED = Rule(
    id="head-not-supported",
    title="HEAD refused where GET works",
    severity="error",
    summary="GET succeeds on a URL but HEAD on the same URL is refused (405, 404, 501, 5xx).",
    why=(
        "Every general-purpose server MUST support HEAD wherever it supports GET. Caches, link checkers, "
        "uptime monitors and download managers send HEAD; FastAPI and Litestar refuse it by default."
    ),
    rfc="RFC 9110 §9.1, §9.3.2",
    example="> GET /items -> 200\n> HEAD /items -> 405 Allow: GET",
    fix="Route HEAD to the GET handler without a body (Starlette/FastAPI: add 'HEAD' to the route's methods or use a middleware; Flask and Django do this for you).",
    family="head-options",
)

OPTIONS_MISMATCH = Rule(
    id="options-mismatch",
    title="OPTIONS answers with a wrong or missing Allow",
    severity="warning",
    summary="OPTIONS answered 2xx with an Allow that differs from the spec's methods for the path (HEAD and OPTIONS tolerated), or with no Allow at all.",
    why="OPTIONS is how a client asks which methods a resource supports; a 2xx with a wrong Allow answers that question wrongly. (A 405 with a correct Allow is fine.)",
    rfc="RFC 9110 §9.3.7, §10.2.1",
    example="spec: /items declares GET, POST\n> OPTIONS /items\n< 200\n< Allow: GET",
    fix="Answer OPTIONS with `Allow` listing exactly the route's methods, or refuse it with 405 and a correct Allow.",
    family="head-options",
)

TRACE_ENABLED = Rule(
    id="trace-enabled",
    title="TRACE is enabled",
    severity="warning",
    summary="TRACE answered 2xx.",
    why="TRACE echoes the request, including credentials in headers, back to the caller (cross-site tracing); APIs have no use for it.",
    rfc="RFC 9110 §9.3.8",
    example="> TRACE /items\n< 200 OK\n< Content-Type: message/http",
    fix="Disable TRACE at the server or gateway (Apache: TraceEnable off; nginx refuses it by default) unless the spec declares it.",
    family="head-options",
)

RULES = (HEAD_NOT_SUPPORTED, OPTIONS_MISMATCH, TRACE_ENABLED)


def check(ctx: PathContext) -> Iterator[Finding]:
    declared = set(ctx.declared)
    get_ok = {url_key(o.url) for o in ctx.probes.get("GET", ()) if is_success(o.status)}
    for cell, obs in ctx.observed():
        status = obs.status
        if cell.method == "HEAD" and "GET" in declared:
            if url_key(obs.url) not in get_ok:
                if not is_success(status) and cell.implied:
                    ctx.mark_inconclusive(obs, f"HEAD answered {status} and GET did not succeed on this URL either: HEAD not judged")
                continue
            if not is_success(status) and not (300 <= (status or 0) < 400):
                if status in (401, 403, 429, 502, 503, 504):
                    ctx.mark_inconclusive(obs, f"HEAD answered {status} while GET worked: not judged")
                    continue
                yield finding(HEAD_NOT_SUPPORTED, ctx, obs, f"GET works on this URL but HEAD answered {status}", facts={"status": status})
        elif cell.method == "OPTIONS" and is_success(status) and "OPTIONS" not in declared:
            allow = obs.final.header("allow")
            if allow is None:
                if obs.final.has_header("access-control-allow-methods"):
                    # a CORS layer answered (it treats any OPTIONS as a preflight): not the router's answer
                    ctx.mark_inconclusive(obs, "OPTIONS answered by a CORS layer (Access-Control-Allow-Methods, no Allow): not judged")
                    continue
                yield finding(OPTIONS_MISMATCH, ctx, obs, f"OPTIONS answered {status} without an Allow header", facts={"allow": None})
                continue
            tokens, _ = parse_allow(allow)
            listed = {t.upper() for t in tokens}
            extra = sorted(listed - declared - {"HEAD", "OPTIONS"})
            missing = sorted(declared - listed - {"HEAD"})
            if extra or missing:
                yield finding(OPTIONS_MISMATCH, ctx, obs,
                              f"OPTIONS Allow: {allow!r} differs from the spec ({', '.join(sorted(declared))})"
                              + (f"; missing {', '.join(missing)}" if missing else "") + (f"; extra {', '.join(extra)}" if extra else ""),
                              facts={"extra": extra, "missing": missing})
        elif cell.method == "TRACE" and is_success(status) and "TRACE" not in declared:
            yield finding(TRACE_ENABLED, ctx, obs, f"TRACE answered {status}", facts={})
