"""HEAD beyond "is it refused": no content, and the same Content-Type as GET."""

from __future__ import annotations

from typing import Iterator

from ..probes.head_depth import ROLE
from .base import Finding, PathContext, Rule, finding, is_success, url_key

HEAD_BODY = Rule(
    id="head-body-present",
    title="A HEAD answer carries content",
    severity="error",
    summary=(
        "Bytes follow the header block of a HEAD answer (seen on a raw socket: HTTP clients stop at the blank "
        "line and never show them)."
    ),
    why=(
        "A HEAD response never has content; its framing headers describe what GET would send. The extra bytes "
        "stay in the connection and are read as the start of the next response by every keep-alive client "
        "and proxy: the next answer on that connection is garbage or desynchronised (a response-splitting risk)."
    ),
    rfc="RFC 9110 §9.3.2; RFC 9112 §6.3 (message body length: HEAD)",
    example="> HEAD /items\n< HTTP/1.1 200 OK\n< Content-Length: 2\n<\n< []",
    fix=(
        "Do not write the body for HEAD: let the framework derive HEAD from GET (Flask, Django, aiohttp and "
        "Starlette do), or, in a hand-written WSGI/ASGI handler, return headers only when the method is HEAD. "
        "wsgiref's server writes whatever the application returns."
    ),
    family="head-options",
)

HEAD_CTYPE = Rule(
    id="head-content-type-mismatch",
    title="HEAD and GET disagree on Content-Type",
    severity="warning",
    summary="GET and HEAD on the same URL both answer 2xx, but HEAD's Content-Type media type differs from GET's or is missing.",
    why=(
        "HEAD exists to learn about the representation GET would send without transferring it; a client or "
        "cache that decides from HEAD (download managers, link checkers, content negotiation) gets the wrong "
        "answer. A separate HEAD handler usually forgets the media type."
    ),
    rfc="RFC 9110 §9.3.2 (the server SHOULD send the same header fields as for GET), §8.3",
    example="> GET /report  -> 200 Content-Type: application/pdf\n> HEAD /report -> 200 Content-Type: text/html",
    fix="Serve HEAD from the GET handler (the framework strips the body), or set the same media type in the HEAD handler.",
    family="head-options",
)

RULES = (HEAD_BODY, HEAD_CTYPE)


def _media(value: str | None) -> str | None:
    return value.split(";", 1)[0].strip().lower() if value else None


def check(ctx: PathContext) -> Iterator[Finding]:
    for obs in ctx.extras.get(ROLE, ()):
        final = obs.final
        if final is None or final.status is None or final.body_size == 0:
            continue
        excerpt = final.body[:80].decode("utf-8", "replace")
        yield finding(HEAD_BODY, ctx, obs, f"HEAD answered {final.status} followed by {final.body_size}"
                      f"{'+' if final.body_truncated else ''} bytes of content ({excerpt!r}...)",
                      method="HEAD", facts={"status_class": f"{final.status // 100}xx"})
    gets = {(o.example, url_key(o.url)): o for o in ctx.probes.get("GET", ()) if is_success(o.status)}
    for head in ctx.probes.get("HEAD", ()):
        get = gets.get((head.example, url_key(head.url)))
        if get is None or not is_success(head.status):
            continue
        g, h = get.final.header("content-type"), head.final.header("content-type")
        if _media(g) and _media(g) != _media(h):
            what = f"Content-Type: {h!r}" if h is not None else "no Content-Type"
            yield finding(HEAD_CTYPE, ctx, head, f"HEAD answered with {what} but GET on the same URL with {g!r}",
                          facts={"get": _media(g), "head": _media(h)}, extra={"get_content_type": g})
            break
