"""The direct-to-application twin of every cell probe (``--direct-url``), and gateway signatures.

With ``ProbeOptions.direct_url`` set, every cell probe is sent a second time, identically (same
method, path, query, headers, body), to the direct URL: ``direct_url`` replaces the public base
URL the way ``--base-url`` does. ``direct_host`` sends the public ``Host`` header to it (as in
``curl -H 'Host: api.example.com' http://backend.internal/...``). Role ``"direct"``, tag = the method.
Cost: one extra request per cell (doubling the run).

Without a direct URL, :func:`signature` recognises answers that well-known gateways make
themselves; the rules in ``checker/rules/gateway.py`` compare them with the application's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import re

from ..spec.paths import request_path
from .base import ExtraProbe, ProbeContext

if TYPE_CHECKING:  # a path's plan, in annotations only (the plan counts what this family builds)
    from ..plan import PathPlan


ROLE = "direct"


def public_prefix(pp: PathPlan) -> str:
    """The base URL the plan put in front of the path (``pp.url`` minus the path)."""
    path = request_path(pp.item.template)
    return pp.url[: len(pp.url) - len(path)] if pp.url.endswith(path) else pp.url


def direct_url_for(url: str, pp: PathPlan, direct_base: str) -> str | None:
    prefix = public_prefix(pp)
    if not url.startswith(prefix):
        return None
    return direct_base.rstrip("/") + url[len(prefix):]


def direct_probes(pp: PathPlan, ctx: ProbeContext) -> list[ExtraProbe]:
    opts = ctx.options
    base = getattr(opts, "direct_url", None)
    if not base:
        return []
    host = getattr(opts, "direct_host", None)
    # a request [writes] allow opened (checker/writes.py) is allowed once, at the public URL: not repeated here
    opened = {c.method for c in pp.cells if c.opened} if getattr(pp, "harmless", False) else set()
    out = []
    for method, (url, headers, body) in ctx.requests.items():
        if method in opened:
            continue
        target = direct_url_for(url, pp, base)
        if target is None:
            continue
        h = dict(headers)
        if host:
            h["host"] = host
        out.append(ExtraProbe(ROLE, method, target, h, body, tag=method))
    return out


# -- signatures of answers a gateway makes itself ------------------------------------------------------

_NGINX_PAGE = re.compile(rb"<hr>\s*<center>\s*nginx(?:/[\d.]+)?\s*</center>", re.I)
_APACHE_PAGE = re.compile(rb"<address>\s*Apache(?:/[\d.]+)?[^<]*Server at", re.I)
_CLOUDFLARE_PAGE = re.compile(rb"cloudflare|cf-error-details|error code: 10\d\d", re.I)
_AWS_TOKEN = b"Missing Authentication Token"


def signature(headers: dict[str, str], body: bytes, status: int | None) -> str | None:
    """The name of the gateway whose own error answer this looks like, or None.

    ``headers``: lower-cased names. Only refusals are passed here; each signature is a body or a
    header that the gateway puts on the answers *it* makes (a proxied application answer does not
    carry it, except ``cf-ray``/``server``, which the caller compares with the application's answers).
    """
    head = body[:4096]
    if "x-amzn-errortype" in headers or _AWS_TOKEN in head:
        kind = headers.get("x-amzn-errortype", "")
        return "AWS API Gateway" + (f" ({kind})" if kind else "")
    if _NGINX_PAGE.search(head):
        return "nginx error page"
    if _APACHE_PAGE.search(head):
        return "Apache error page"
    if ("cf-ray" in headers or headers.get("server", "").lower() == "cloudflare") and _CLOUDFLARE_PAGE.search(head):
        return "Cloudflare error page"
    if headers.get("cf-mitigated"):
        return "Cloudflare (cf-mitigated)"
    if headers.get("server", "").lower().startswith("awselb") and b"<html" in head.lower():
        return "AWS load balancer error page"
    return None
