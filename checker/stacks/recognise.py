"""Which framework or gateway made an answer, from what it sent: bodies, Server/Via/X-Powered-By, Allow.

Every signature here names what its stack puts on answers *it* makes (its own 404/405 pages and
JSON, its headers), so a proxied application answer is recognised as the application's, and the
gateway's own refusal as the gateway's. Each signal has a confidence:

* **high**: a body or header only that stack sends (DRF's ``{"detail":"Method \\"PUT\\" not allowed."}``,
  Werkzeug's 405 page, ``X-Powered-By: Express``, ``Server: aiohttp/...``, nginx's error page);
* **medium**: a strong hint that another stack could share (``Server: Werkzeug`` also serves Django in
  development, a text/plain ``Method Not Allowed``, ``Server: nginx`` in front of something else);
* **low**: a formatting habit (aiohttp's ``Allow: GET,HEAD``, a bare empty-bodied 405 of Django's).

Nothing here sends a request: it reads the answers a run already has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from ..probes.gateway import signature as gateway_signature

RANK = {"high": 3, "medium": 2, "low": 1}

#: stack id -> (display name, parent stack id whose fixes apply when this stack has none, kind)
STACKS: dict[str, tuple[str, str | None, str]] = {
    "drf": ("Django REST framework", "django", "framework"),
    "django": ("Django", None, "framework"),
    "fastapi": ("FastAPI", "starlette", "framework"),
    "starlette": ("Starlette", None, "framework"),
    "flask": ("Flask/Werkzeug", None, "framework"),
    "aiohttp": ("aiohttp", None, "framework"),
    "litestar": ("Litestar", None, "framework"),
    "tornado": ("Tornado", None, "framework"),
    "express": ("Express", None, "framework"),
    "loopback": ("LoopBack 4", None, "framework"),
    "spring": ("Spring", None, "framework"),
    "aspnet": ("ASP.NET Core", None, "framework"),
    "rails": ("Ruby on Rails", None, "framework"),
    "go": ("Go net/http", None, "framework"),
    "nginx": ("nginx", None, "gateway"),
    "apache": ("Apache httpd", None, "gateway"),
    "envoy": ("Envoy", None, "gateway"),
    "aws-api-gateway": ("AWS API Gateway", None, "gateway"),
    "aws-elb": ("AWS load balancer", None, "gateway"),
    "cloudflare": ("Cloudflare", None, "gateway"),
}


#: stack id -> the stack it runs on, whose marks its answers carry too (LoopBack 4's say ``X-Powered-By: Express``):
#: where both are seen, the answers are the upper one's. Its fixes are its own (a LoopBack route is not an Express one)
BUILT_ON: dict[str, str] = {"loopback": "express"}


@dataclass(frozen=True)
class Signal:
    stack: str  #: a key of STACKS
    confidence: str  #: high | medium | low
    evidence: str  #: what identified it, as a reader would check it: 'the 405 body "..."', 'Server: nginx/1.22'
    kind: str = ""  #: which signature: the same one seen on many answers is one piece of evidence


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f'"{text[:limit]}…"' if len(text) > limit else f'"{text}"'


# -- bodies: (stack, confidence, regex, what to quote) ------------------------------------------------
_B = re.compile
_BODY: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("drf", "high", _B(r'^\s*\{\s*"detail"\s*:\s*"Method \\"[A-Za-z0-9!#$%&\'*+.^_`|~-]+\\" not allowed\."\s*\}')),
    ("drf", "high", _B(r'"renders"\s*:\s*\[.*"parses"\s*:\s*\[', re.S)),
    ("drf", "high", _B(r'^\s*\{\s*"detail"\s*:\s*"(Authentication credentials were not provided|'
                       r'You do not have permission to perform this action)\."\s*\}')),
    ("drf", "medium", _B(r'^\s*\{\s*"detail"\s*:\s*"(Not found|No \w+ matches the given query)\."\s*\}')),
    ("litestar", "high", _B(r'^\s*\{\s*"status_code"\s*:\s*(404|405)\s*,\s*"detail"\s*:\s*"(Method Not Allowed|Not Found)"')),
    ("fastapi", "high", _B(r'^\s*\{\s*"detail"\s*:\s*"Method Not Allowed"\s*\}\s*$')),
    ("fastapi", "medium", _B(r'^\s*\{\s*"detail"\s*:\s*"Not Found"\s*\}\s*$')),
    ("flask", "high", _B(r"<title>405 Method Not Allowed</title>\s*<h1>Method Not Allowed</h1>\s*"
                         r"<p>The method is not allowed for the requested URL\.</p>")),
    ("flask", "high", _B(r"<p>The requested URL was not found on the server\. If you entered the URL manually")),
    ("django", "high", _B(r"<h1>Not Found</h1><p>The requested resource was not found on this server\.</p>")),
    ("django", "high", _B(r"CSRF verification failed|You&#x27;re seeing this error because you have <code>DEBUG = True")),
    ("aiohttp", "high", _B(r"^405: Method Not Allowed\s*$")),
    ("aiohttp", "medium", _B(r"^404: Not Found\s*$")),
    ("tornado", "high", _B(r"<title>405: Method Not Allowed</title><body>405: Method Not Allowed</body>")),
    ("tornado", "medium", _B(r"<title>404: Not Found</title><body>404: Not Found</body>")),
    ("express", "high", _B(r"<pre>Cannot [A-Za-z0-9!#$%&'*+.^_`|~-]+ /[^<]*</pre>")),
    # LoopBack 4's routing table, no route for the method and path: {"error":{..."message":"Endpoint \"PUT /x\" not found."}}
    ("loopback", "high", _B(r'^\s*\{\s*"error"\s*:\s*\{\s*"statusCode"\s*:\s*404\s*,\s*"name"\s*:\s*"NotFoundError"\s*,'
                            r'\s*"message"\s*:\s*"Endpoint \\"[A-Za-z0-9!#$%&\'*+.^_`|~-]+ /[^"]*\\" not found\."')),
    ("spring", "high", _B(r'"timestamp"\s*:.*"status"\s*:\s*40[345].*"error"\s*:\s*"(Method Not Allowed|Not Found|Forbidden)"', re.S)),
    ("spring", "high", _B(r"Whitelabel Error Page|\"detail\"\s*:\s*\"(Request method|Method) '[A-Z]+' is not supported\.?\"")),
    ("aspnet", "high", _B(r'"type"\s*:\s*"https://tools\.ietf\.org/html/rfc(9110#section-15\.5\.6|7231#section-6\.5\.5)".*"traceId"', re.S)),
    ("rails", "high", _B(r"No route matches \[[A-Z]+\]|ActionController::RoutingError")),
    ("rails", "medium", _B(r"The page you were looking for doesn(&#39;|')t exist")),
)
#: signatures shown by name rather than quoted (their match spans a whole document), by how their pattern starts
_NAMED = {'"renders"': "DRF's OPTIONS metadata (\"renders\", \"parses\")",
          '"timestamp"': "Spring Boot's error JSON (timestamp, status, error)",
          '"type"': "ASP.NET Core's problem details with a traceId"}
_LABELS = {n: label for n, (_, _, pattern) in enumerate(_BODY) for start, label in _NAMED.items()
           if pattern.pattern.startswith(start)}
_STARLETTE_TEXT = {"Method Not Allowed": "high", "Not Found": "medium"}


def body_signals(status: int | None, headers: dict[str, str], body: bytes) -> list[Signal]:
    if not body:
        return []
    text = body[:4096].decode("utf-8", "replace")
    ctype = headers.get("content-type", "").lower()
    out: list[Signal] = []
    where = f"the {status} body" if status else "the body"
    for n, (stack, conf, pattern) in enumerate(_BODY):
        m = pattern.search(text)
        if m:
            shown = f"{where}: {_LABELS[n]}" if n in _LABELS else f"{where} {_quote(m.group(0))}"
            out.append(Signal(stack, conf, shown, f"body{n}"))
    stripped = text.strip()
    if ctype.startswith("text/plain"):
        if text in _STARLETTE_TEXT and "x-content-type-options" not in headers:
            # Starlette's own plain-text answer (Go's http.Error adds a newline and X-Content-Type-Options);
            # from an ASGI server, the 405 one is Starlette's for sure
            asgi = re.match(r"(uvicorn|hypercorn|daphne|granian)\b", headers.get("server", ""), re.I)
            conf = _STARLETTE_TEXT[text] if asgi else "medium" if text == "Method Not Allowed" else "low"
            out.append(Signal("starlette", conf, f"{where} {_quote(text)} (text/plain" + (f", Server: {asgi.group(0)})" if asgi else ")"),
                              f"starlette{text}"))
        elif text in ("Method Not Allowed\n", "404 page not found\n") and headers.get("x-content-type-options") == "nosniff":
            out.append(Signal("go", "high" if text.startswith("404") else "medium", f"{where} {_quote(stripped)} (http.Error)"))
    gw = gateway_signature(headers, body, status) if status and status >= 400 else None
    if gw:
        stack = ("aws-api-gateway" if gw.startswith("AWS API") else "aws-elb" if gw.startswith("AWS load")
                 else "nginx" if gw.startswith("nginx") else "apache" if gw.startswith("Apache") else "cloudflare")
        out.append(Signal(stack, "high", f"{where}: {gw}"))
    return out


_SERVER: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (_B(r"\baiohttp/", re.I), "aiohttp", "high"),
    (_B(r"^TornadoServer", re.I), "tornado", "high"),
    (_B(r"^Kestrel\b", re.I), "aspnet", "high"),
    (_B(r"^Microsoft-IIS", re.I), "aspnet", "medium"),
    (_B(r"^Werkzeug/", re.I), "flask", "medium"),  # the development server: Django runs on it too
    (_B(r"^envoy\b", re.I), "envoy", "high"),
    (_B(r"^nginx\b|^openresty\b", re.I), "nginx", "medium"),  # in front: the body may be the application's
    (_B(r"^Apache\b", re.I), "apache", "medium"),
    (_B(r"^cloudflare\b", re.I), "cloudflare", "medium"),
    (_B(r"^awselb\b", re.I), "aws-elb", "medium"),
)


def header_signals(headers: dict[str, str]) -> list[Signal]:
    out: list[Signal] = []
    server = headers.get("server", "")
    for pattern, stack, conf in _SERVER:
        if server and pattern.search(server):
            out.append(Signal(stack, conf, f"Server: {server[:60]}", "server"))
    powered = headers.get("x-powered-by", "")
    if re.match(r"^Express\b", powered):
        out.append(Signal("express", "high", f"X-Powered-By: {powered[:40]}"))
    elif re.match(r"^ASP\.NET\b", powered):
        out.append(Signal("aspnet", "medium", f"X-Powered-By: {powered[:40]}"))
    if "x-aspnet-version" in headers:
        out.append(Signal("aspnet", "medium", "X-AspNet-Version"))
    if "x-envoy-upstream-service-time" in headers:
        out.append(Signal("envoy", "high", "X-Envoy-Upstream-Service-Time"))
    if "x-amzn-requestid" in headers or "x-amz-apigw-id" in headers:
        out.append(Signal("aws-api-gateway", "high", "x-amz-apigw-id" if "x-amz-apigw-id" in headers else "x-amzn-RequestId"))
    if "cf-ray" in headers:
        out.append(Signal("cloudflare", "medium", "CF-Ray"))
    via = headers.get("via", "")
    if via:
        for token in ("nginx", "envoy", "apache"):
            if token in via.lower():
                out.append(Signal(token, "medium", f"Via: {via[:60]}", "via"))
    if "x-runtime" in headers and "x-request-id" in headers:
        out.append(Signal("rails", "low", "X-Runtime and X-Request-Id (Rack)"))
    return out


def allow_signals(status: int | None, headers: dict[str, str], body: bytes) -> list[Signal]:
    allow = headers.get("allow")
    if allow is None or status != 405:
        return []
    out: list[Signal] = []
    if "," in allow and " " not in allow and allow == ",".join(sorted(allow.split(","))):
        out.append(Signal("aiohttp", "low", f"Allow: {allow} (sorted, no spaces)", "allow"))
    ctype = headers.get("content-type", "").lower()
    if not body and ctype.startswith("text/html; charset=utf-8") and headers.get("content-length") == "0" \
            and "server" in headers and not headers["server"].startswith(("nginx", "Apache")):
        out.append(Signal("django", "low", f"an empty text/html 405 with Allow: {allow} (HttpResponseNotAllowed)"))
    return out


def answer_signals(status: int | None, headers: dict[str, str], body: bytes) -> list[Signal]:
    """Every signal of one answer, the body's first (it says who *made* the answer)."""
    if status is None:
        return []
    return body_signals(status, headers, body) + header_signals(headers) + allow_signals(status, headers, body)


def best(signals: Iterable[Signal]) -> list[Signal]:
    """The signals of the most convincing stack: highest confidence, then most signals; first seen wins ties."""
    by_stack: dict[str, list[Signal]] = {}
    for s in signals:
        by_stack.setdefault(s.stack, []).append(s)
    if not by_stack:
        return []
    for upper, base in BUILT_ON.items():  # the base's marks on the upper stack's answers are the upper stack's
        if upper in by_stack and base in by_stack:
            by_stack[upper] += by_stack.pop(base)

    def score(item: tuple[int, tuple[str, list[Signal]]]) -> tuple[int, int, int]:
        n, (_, sigs) = item
        return (max(RANK[s.confidence] for s in sigs), sum(RANK[s.confidence] for s in sigs), -n)

    _, (_, sigs) = max(enumerate(by_stack.items()), key=score)
    return sigs
