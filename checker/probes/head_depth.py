"""The raw-socket HEAD: does a HEAD answer carry content that HTTP clients would silently drop?

Per path with a declared GET (and HEAD in the probe set), per example: the HEAD cell's own request
(same URL, same headers) sent once more over a raw HTTP/1.1 socket (checker/http/raw.py), with
``Connection: close``; every byte after the header block is kept (at most the body cap, within the
timeout, until the server closes or stays quiet for ``raw.QUIET`` seconds). Role ``"head-raw"``.
Cost: one request per such path; ``--no-head-body-check`` turns it off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import ExtraProbe, ProbeContext

if TYPE_CHECKING:  # a path's plan, in annotations only (the plan counts what this family builds)
    from ..plan import PathPlan


ROLE = "head-raw"


def head_raw_probes(pp: PathPlan, ctx: ProbeContext) -> list[ExtraProbe]:
    if not getattr(ctx.options, "head_raw", True) or "GET" not in pp.item.operations:
        return []
    head = ctx.requests.get("HEAD")
    if head is None:
        return []
    url, headers, _ = head
    return [ExtraProbe(ROLE, "HEAD", url, dict(headers), None, tag="raw", raw=True)]

