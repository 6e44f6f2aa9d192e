"""Probes that got no HTTP answer: reported as facts of the run, never as a crash."""

from __future__ import annotations

from typing import Iterator

from .base import Finding, PathContext, Rule, finding, url_key

REQUEST_FAILED = Rule(
    id="request-failed",
    title="No HTTP answer",
    severity="warning",
    summary="A probe got no complete HTTP answer: connection refused or reset, timeout, or a response that is not valid HTTP.",
    why="The cell cannot be judged, and a server that drops or garbles answers for some methods is itself a finding worth a look.",
    rfc="RFC 9112 §2, §4",
    example="> PATCH /items\n(connection reset by peer)",
    fix="Look at the server's (or gateway's) logs for the request; check timeouts and body limits.",
    family="network",
)

RULES = (REQUEST_FAILED,)


def _raw_head_bodies(ctx: PathContext) -> set[str]:
    """URLs whose raw-socket HEAD (checker/probes/head_depth.py) saw content after the header block."""
    try:
        from ..probes.head_depth import ROLE
    except ImportError:  # the HEAD-depth feature is not there
        return set()
    return {url_key(o.url) for o in ctx.extras.get(ROLE, ()) if o.final is not None and o.final.body_size > 0}


def check(ctx: PathContext) -> Iterator[Finding]:
    head_bodies = _raw_head_bodies(ctx)
    for cell in ctx.plan.cells:
        for obs in ctx.probes.get(cell.method, ()):
            final = obs.final
            if final is not None and final.status is None and final.error:
                if cell.method == "HEAD" and url_key(obs.url) in head_bodies:
                    # the HTTP client choked on the content a HEAD answer must not have: head-body-present
                    # reports that, from the raw socket; one cause, one finding
                    ctx.mark_inconclusive(obs, "the HEAD answer was followed by content (head-body-present): no clean answer to judge")
                    continue
                kind = final.error.split(":", 1)[0]
                yield finding(REQUEST_FAILED, ctx, obs, f"{cell.method} got no HTTP answer: {final.error}", facts={"kind": kind})
