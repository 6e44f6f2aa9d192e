"""One made-up method token per path: does the server refuse what it cannot know?

Per path and example: ``C405UNKNOWN /path`` (a valid token, RFC 9110 §9.1, that no registry or spec
uses; ``C405UNKNOWN2`` if a document declares the first), no body, on the *generated-id* URL (an
unknown method's semantics are unknown, so it is treated as state-changing). Role
``"unknown-method"``. Cost: one request per path. Sent only when the probe set has a state-changing
method (so ``--read-only`` sends none); ``--no-unknown-method`` turns it off.

Both HTTP transports upper-case the method before sending (httpx's ``Request`` and aiohttp's
``ClientSession`` call ``method.upper()``), so the token is upper case to begin with. The llhttp
parser under uvicorn (httptools) and aiohttp's server only accept the methods it has a table for:
they answer 400 before any routing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..spec.model import SAFE_METHODS
from .base import ExtraProbe, ProbeContext

if TYPE_CHECKING:  # a path's plan, in annotations only (the plan counts what this family builds)
    from ..plan import PathPlan


ROLE = "unknown-method"
TOKEN = "C405UNKNOWN"


def token_for(pp: PathPlan) -> str:
    token, n = TOKEN, 1
    while token in pp.item.operations:
        n += 1
        token = f"{TOKEN}{n}"
    return token


def unknown_method_probes(pp: PathPlan, ctx: ProbeContext) -> list[ExtraProbe]:
    if not getattr(ctx.options, "unknown_method", True):
        return []
    if not any(c.method not in SAFE_METHODS for c in pp.cells):
        return []
    token = token_for(pp)
    return [ExtraProbe(ROLE, token, ctx.write_url, {}, None, tag=token)]

