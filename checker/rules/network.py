"""Probes that got no HTTP answer: reported as facts of the run, never as a crash."""

from __future__ import annotations

from typing import Iterator

from .base import Finding, PathContext, Rule, finding

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


def check(ctx: PathContext) -> Iterator[Finding]:
    for cell in ctx.plan.cells:
        for obs in ctx.probes.get(cell.method, ()):
            final = obs.final
            if final is not None and final.status is None and final.error:
                kind = final.error.split(":", 1)[0]
                yield finding(REQUEST_FAILED, ctx, obs, f"{cell.method} got no HTTP answer: {final.error}", facts={"kind": kind})
