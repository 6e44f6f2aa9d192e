"""CORS preflight probes (``--cors-origin``): what a browser sends before a cross-origin request.

For every method the spec declares for a path (except OPTIONS, and TRACE/CONNECT/TRACK, which
browsers refuse to send at all), one ``OPTIONS`` to the path's safe URL (real ids: OPTIONS is safe)
with ``Origin: <cors_origin>`` and ``Access-Control-Request-Method: <method>``, and nothing else
(no ``Access-Control-Request-Headers``: the check is about methods). Role ``"preflight"``, tag = the
method. Cost: one request per declared method; nothing is sent without ``--cors-origin``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import ExtraProbe, ProbeContext

if TYPE_CHECKING:  # a path's plan, in annotations only (the plan counts what this family builds)
    from ..plan import PathPlan


ROLE = "preflight"
#: methods a browser never sends (Fetch: forbidden methods) or never preflights for
_NEVER = {"OPTIONS", "TRACE", "CONNECT", "TRACK"}


def preflight_probes(pp: PathPlan, ctx: ProbeContext) -> list[ExtraProbe]:
    origin = getattr(ctx.options, "cors_origin", None)
    if not origin:
        return []
    return [ExtraProbe(ROLE, "OPTIONS", ctx.safe_url, {"origin": origin, "access-control-request-method": method}, None, tag=method)
            for method in pp.item.operations if method.upper() not in _NEVER]

