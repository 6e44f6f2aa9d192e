"""Gateways, WAFs and load balancers: refusals that the application never made.

With ``--direct-url`` every cell has a twin answered by the application itself (role ``direct``,
checker/probes/gateway.py): a method the public URL refuses but the application serves is certain to be
blocked in between. Without it, a refusal that carries a gateway's own signature, or a ``Server``
header unlike the application's own answers on the same path, is reported with low confidence.
"""

from __future__ import annotations

import shlex
from typing import Iterator
from urllib.parse import urlparse

from ..probes.gateway import ROLE, signature
from ..reproduce import curl_command
from .base import Finding, PathContext, Rule, finding, is_success, served

BLOCKED = Rule(
    id="blocked-by-gateway",
    title="A gateway refuses a method the application serves",
    severity="error",
    summary=(
        "With --direct-url: the public URL refuses a method (403, 404, 405, 501, 5xx) that the application, "
        "reached directly with the same request, serves (2xx, or 400/409/415/422 from a handler). "
        "Error for declared methods; warning for undeclared ones (the gateway hides a method the application should not serve)."
    ),
    why=(
        "The application never sees the request: a gateway, WAF or load balancer (nginx `limit_except`, an API "
        "Gateway method list, a WAF rule) answers for it. For a declared method, clients built from the spec fail "
        "in production although every test against the application passes. For an undeclared one, the "
        "application serves a method the spec does not have, and only the gateway keeps it out of reach."
    ),
    rfc="RFC 9110 §15.5.4 (403), §15.5.6 (405), §3.7 (intermediaries)",
    example=(
        "spec: /items declares GET, DELETE\n> DELETE https://api.example.com/items  -> 403 (Server: nginx, HTML error page)\n"
        "> DELETE http://10.0.0.5:8000/items (Host: api.example.com) -> 204"
    ),
    fix=(
        "Let the declared methods through the gateway (nginx: list them in `limit_except`; API Gateway: add the "
        "method to the resource), or, for an undeclared method, remove it from the application too."
    ),
    family="gateway",
)

SUSPECTED = Rule(
    id="gateway-refusal-suspected",
    title="A refusal looks like it came from a gateway, not the application",
    severity="warning",
    summary=(
        "Without --direct-url: a refusal (4xx/5xx) carries a gateway's own signature (AWS API Gateway's "
        "`x-amzn-ErrorType` / `Missing Authentication Token`, nginx's or Apache's HTML error page, Cloudflare's "
        "error page or `cf-mitigated`, an AWS load balancer page) or a `Server` header unlike the application's "
        "own 2xx answers on the same path. Low confidence: warning for declared methods, info for undeclared ones."
    ),
    why=(
        "A method refused by something in front of the application tells nothing about the application, and a "
        "declared method refused there fails for every client. This is a heuristic (confidence \"low\"): give "
        "--direct-url to know for sure (rule blocked-by-gateway)."
    ),
    rfc="RFC 9110 §3.7 (intermediaries), §15.5.4, §15.5.6",
    example=(
        "> GET /items -> 200 (application/json, Server: uvicorn)\n"
        "> PUT /items -> 403 (text/html: <hr><center>nginx</center>)"
    ),
    fix=(
        "Check the gateway's configuration for the method (nginx `limit_except`, API Gateway method list, WAF "
        "rules), and rerun with --direct-url URL (and --direct-host NAME) to compare with the application itself."
    ),
    family="gateway",
)

RULES = (BLOCKED, SUSPECTED)

#: statuses that say nothing about methods (auth, rate limiting, transient upstream trouble)
_NOT_JUDGED = {401, 407, 408, 429, 502, 503, 504}


def _refused(status: int | None) -> bool:
    return status is not None and status >= 400 and not served(status) and status not in _NOT_JUDGED


def check(ctx: PathContext) -> Iterator[Finding]:
    direct = {(o.method, o.example): o for o in ctx.extras.get(ROLE, ()) if o.status is not None}
    # a 400/409/415/422 from the direct URL counts as "served" only when the application demonstrably works
    # there (a 2xx on this path): a backend that refuses the direct Host (Django's DisallowedHost: 400) must
    # not make every public refusal look like a gateway's
    direct_works = any(is_success(o.status) for o in direct.values())
    suspects: dict[tuple[str, bool], list] = {}
    baseline: _Baseline | None = None
    for cell, obs in ctx.observed():
        status = obs.status
        if not _refused(status):
            continue
        twin = direct.get((cell.method, obs.example))
        if twin is not None:
            if status == 403 and ctx.auth_wall(obs):
                continue
            if is_success(twin.status) or (served(twin.status) and direct_works):
                yield _blocked(ctx, cell, obs, twin)
            continue
        if direct:
            continue  # the direct run says more than any heuristic
        if baseline is None:
            baseline = _Baseline(ctx)
        reason = _suspect_reason(obs, baseline)
        if reason:
            entry = suspects.setdefault((reason, cell.declared), [obs, []])
            entry[1].append(cell.method)
    for (reason, declared), (obs, methods) in suspects.items():
        what = "declared " if declared else "undeclared "
        yield finding(SUSPECTED, ctx, obs,
                      f"the {obs.status} for {what}{', '.join(methods)} looks like a gateway's answer, not the application's: {reason}",
                      facts={"reason": reason, "declared": declared},
                      extra={"seen_on": methods, "gateway_signature": reason},
                      severity="warning" if declared else "info", confidence="low")


class _Baseline:
    """The path's 2xx answers, what a refusal is compared with: made when the path has a refusal, and their
    gateway signatures only when a refusal carries one (an application's refusals mostly carry none)."""

    def __init__(self, ctx: PathContext) -> None:
        self.answers = [o for _, o in ctx.observed() if is_success(o.status)]
        self.servers = {o.final.header("server") for o in self.answers}
        self._signatures: set[str | None] | None = None

    @property
    def signatures(self) -> set[str | None]:
        if self._signatures is None:
            self._signatures = {signature(dict(b.final.headers), b.final.body, b.status) for b in self.answers}
        return self._signatures


def _blocked(ctx: PathContext, cell, obs, twin) -> Finding:
    d = twin.final
    declared = cell.declared
    msg = (f"{'declared' if declared else 'undeclared'} {cell.method}: the public URL answered {obs.status} but the "
           f"application behind it answered {twin.status} to the same request")
    if not declared:
        msg += " (the application serves a method the spec does not declare; only the gateway hides it)"
    direct_evidence = {"request": {"method": d.method, "url": d.url, "headers": dict(twin.first.request_headers)},
                       "response": d.to_dict()}
    reproduce = curl_command(twin.first)
    host = dict(twin.first.request_headers).get("host")
    if host and host != urlparse(d.url).netloc:
        reproduce += " -H " + shlex.quote(f"Host: {host}")
    return finding(BLOCKED, ctx, obs, msg, facts={"public": obs.status, "direct_class": f"{twin.status // 100}xx"},
                   extra={"direct": direct_evidence, "reproduce_direct": reproduce},
                   severity=None if declared else "warning")


def _suspect_reason(obs, baseline: _Baseline) -> str | None:
    final = obs.final
    sig = signature(dict(final.headers), final.body, final.status)
    if sig:
        # a signature the application's own answers carry too is the platform, not a gateway's refusal
        if sig not in baseline.signatures:
            return sig
    server = final.header("server")
    servers = baseline.servers
    if baseline.answers and len(servers) == 1 and server is not None:
        (app_server,) = servers
        if app_server is not None and server != app_server:
            return f"Server: {server!r} while the application's 2xx answers on this path say {app_server!r}"
    return None
