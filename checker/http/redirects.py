"""Walking a redirect chain hop by hop, as a real client would (the HTTP client itself never follows).

Clients disagree on what to re-send after a redirect (RFC 9110 §15.4 leaves 301/302 open, and
history made POST become GET). The :data:`PROFILES` table models the ones people use, from their
own source code:

=========== ================================================================================
profile     re-sent as GET (body dropped)                     other
=========== ================================================================================
fetch       301/302: POST · 303: all but HEAD                 browsers, Node/Deno/Bun fetch
curl-L      301/302: POST · 303: all but HEAD                 ``curl -L -d ...``
curl-L-X    never                                             ``curl -L -X M``: 301/302/303 keep M, drop body
httpx       301: POST · 302/303: all but HEAD
requests    301: POST · 302/303: all but HEAD
aiohttp     301/302: POST · 303: all but HEAD
node-fetch  301/302: POST · 303: all (HEAD too)               the npm package
axios       301/302: POST · 303: all but HEAD                 follow-redirects (Node)
go          301/302/303: all but HEAD                         net/http
urllib      301/302/303: POST                                 other methods are not followed;
                                                              307/308 only for GET/HEAD
=========== ================================================================================

307 and 308 keep the method and the body in every profile (urllib excepted, which does not follow them
for anything but GET and HEAD).

conform405 walks a chain hop by hop, within ``max_hops`` redirects and ``max_time`` seconds, and stops
(with a reason, never a hang) on: a non-redirect answer, a redirect without ``Location``, a ``Location``
that is not http(s), a cross-origin ``Location`` (never followed: the probe's credentials must not travel
to another origin), an https → http downgrade, a loop, the hop limit, the time limit, the run's budget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Iterable
from urllib.parse import urljoin, urlparse

from ..observe import Exchange

Send = Callable[[str, str, dict[str, str], bytes | None], Awaitable[Exchange | None]]
#: ``(url, next_url) -> bool``: may a hop re-send a state-changing method from ``url`` to ``next_url``
HopCheck = Callable[[str, str], bool]

#: The statuses clients follow automatically (RFC 9110 §15.4.2–§15.4.9; 300 and 304 are not followed).
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Methods that cannot change anything (RFC 9110 §9.2.1; checker/spec/model.py SAFE_METHODS).
_SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "QUERY"})
#: Methods that carry content: dropping their body breaks the request.
CONTENT_METHODS = frozenset({"POST", "PUT", "PATCH", "QUERY"})
#: Role of the observations that hold each client profile's whole chain (see the engine).
PROFILE_ROLE = "redirect-profile"
DEFAULT_PROFILE = "fetch"
#: Extra requests (beyond the probe's own chain) spent per probe on simulating the other profiles.
MAX_PROFILE_REQUESTS = 12
#: A chain stops being followed after this many seconds (each request has its own timeout too).
CHAIN_MAX_TIME = 30.0

# stop reasons
FINAL = "final"  #: the chain ended on an answer that is not a redirect
NETWORK = "no-answer"  #: the last request got no HTTP answer
NO_LOCATION = "no-location"
BAD_LOCATION = "bad-location"  #: Location is not an http(s) URL
CROSS_ORIGIN = "cross-origin"
DOWNGRADE = "downgrade"  #: https -> http
LOOP = "loop"
TOO_LONG = "too-long"
REFUSED = "refused"  #: this client does not follow this redirect for this method
METHOD_CHANGED = "method-changed"  #: the probe's own chain stops where the client would change the method
TIME = "time"
BUDGET = "budget"
WITHHELD = "withheld"  #: the next hop would re-send a state-changing method that the run may not send there


def _selector(sel: str, method: str) -> bool:
    """``"POST"``: that method only; ``"*"``: every method; ``"*-HEAD"``: every method but HEAD (GET -> GET is no change)."""
    if sel.startswith("*"):
        return method not in sel[1:].split("-")
    return method in sel.split(",")


@dataclass(frozen=True)
class Profile:
    """How one client follows redirects: named data, no code."""

    name: str
    client: str  #: what it models
    to_get: dict[int, str]  #: status -> methods (a selector) re-sent as a body-less GET
    drop_body: frozenset[int] = frozenset()  #: statuses on which the method is kept but the body dropped
    refuse: dict[int, str] = field(default_factory=dict)  #: status -> methods the client does not follow at all
    max_redirects: int = 20  #: the client's own limit (conform405 stops at its --max-hops first)
    cross_origin_authorization: str = "dropped"  #: what happens to Authorization on a cross-origin hop
    source: str = ""

    def step(self, status: int, method: str) -> tuple[str, bool] | None:
        """``(method, body_kept)`` of the follow-up request, or None when this client does not follow."""
        if status not in REDIRECT_STATUSES:
            return None
        if status in self.refuse and _selector(self.refuse[status], method):
            return None
        if status in self.to_get and _selector(self.to_get[status], method) and method != "GET":
            return "GET", False
        if status in self.drop_body:
            return method, False
        return method, True

    def describe(self) -> str:
        parts = []
        by_sel: dict[str, list[int]] = {}
        for status, sel in self.to_get.items():
            by_sel.setdefault(sel, []).append(status)
        for sel, statuses in by_sel.items():
            who = {"*": "every method", "*-HEAD": "every method but HEAD"}.get(sel, sel)
            parts.append(f"{'/'.join(map(str, statuses))}: {who} → GET")
        if self.drop_body:
            parts.append(f"{'/'.join(map(str, sorted(self.drop_body)))}: method kept, body dropped")
        for status, sel in self.refuse.items():
            parts.append(f"{status}: not followed for {sel.replace('*-', 'all but ').replace('-', ', ')}")
        return "; ".join(parts) or "method and body always kept"


_FETCH_LIKE = {301: "POST", 302: "POST", 303: "*-HEAD"}

PROFILES: dict[str, Profile] = {p.name: p for p in (
    Profile("fetch", "browsers; fetch() in Node (undici), Deno, Bun", dict(_FETCH_LIKE), max_redirects=20,
            source="WHATWG Fetch §4.4 HTTP-redirect fetch"),
    Profile("curl-L", "curl -L with -d/--data (method from the data)", dict(_FETCH_LIKE), max_redirects=50,
            source="curl lib/transfer.c Curl_follow (POST kept only with --post301/--post302/--post303)"),
    Profile("curl-L-X", "curl -L -X METHOD (method forced)", {}, drop_body=frozenset({301, 302, 303}), max_redirects=50,
            source="curl: -X keeps the custom method on every hop; the data is not re-sent after 301/302/303"),
    Profile("httpx", "Python httpx (follow_redirects=True)", {301: "POST", 302: "*-HEAD", 303: "*-HEAD"}, max_redirects=20,
            source="httpx Client._redirect_method"),
    Profile("requests", "Python requests", {301: "POST", 302: "*-HEAD", 303: "*-HEAD"}, max_redirects=30,
            source="requests SessionRedirectMixin.rebuild_method"),
    Profile("aiohttp", "Python aiohttp ClientSession", dict(_FETCH_LIKE), max_redirects=10,
            source="aiohttp ClientSession._request"),
    Profile("node-fetch", "the node-fetch npm package", {301: "POST", 302: "POST", 303: "*"}, max_redirects=20,
            source="node-fetch src/index.js (303 turns HEAD into GET too)"),
    Profile("axios", "axios in Node (follow-redirects)", dict(_FETCH_LIKE), max_redirects=21,
            source="follow-redirects RedirectableRequest._processResponse"),
    Profile("go", "Go net/http Client", {301: "*-HEAD", 302: "*-HEAD", 303: "*-HEAD"}, max_redirects=10,
            source="net/http redirectBehavior"),
    Profile("urllib", "Python urllib.request", {301: "POST", 302: "POST", 303: "POST"},
            refuse={301: "*-GET-HEAD-POST", 302: "*-GET-HEAD-POST", 303: "*-GET-HEAD-POST", 307: "*-GET-HEAD", 308: "*-GET-HEAD"},
            max_redirects=10, cross_origin_authorization="kept",
            source="urllib.request.HTTPRedirectHandler.redirect_request"),
)}


def profile(name: str) -> Profile:
    from ..errors import UsageError

    try:
        return PROFILES[name]
    except KeyError:
        raise UsageError(f"--client: no client profile {name!r} (one of: {', '.join(PROFILES)})") from None


def origin(url: str) -> tuple[str, str]:
    p = urlparse(url)
    return p.scheme.lower(), (p.netloc or "").lower()


@dataclass(frozen=True)
class Chain:
    exchanges: tuple[Exchange, ...]
    stop: str  #: why following ended (see the reasons above)
    next_url: str | None = None  #: where the last redirect pointed, when it was not followed

    @property
    def final(self) -> Exchange | None:
        return self.exchanges[-1] if self.exchanges else None


def next_hop(ex: Exchange) -> tuple[str | None, str | None]:
    """``(absolute Location, why it cannot be followed)`` for a redirect answer."""
    location = ex.header("location")
    if location is None or not location.strip():
        return None, NO_LOCATION
    try:
        nxt = urljoin(ex.url, location.strip())
        scheme = urlparse(nxt).scheme.lower()
    except ValueError:
        return None, BAD_LOCATION
    if scheme not in ("http", "https"):
        return nxt, BAD_LOCATION
    here = origin(ex.url)
    there = origin(nxt)
    if here[0] == "https" and scheme == "http":
        return nxt, DOWNGRADE
    if here != there:
        return nxt, CROSS_ORIGIN
    return nxt, None


def _drop_content_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if not k.lower().startswith("content-")}


async def follow(send: Send, method: str, url: str, headers: dict[str, str], body: bytes | None, max_hops: int,
                 client: Profile | str = DEFAULT_PROFILE, *, keep_method: bool = False,
                 max_time: float = CHAIN_MAX_TIME, first: Exchange | None = None,
                 may_hop: HopCheck | None = None) -> Chain:
    """Send, then follow redirects as ``client`` does; ``keep_method`` stops where the method would change.
    ``may_hop(url, next_url)`` says whether a hop that re-sends a state-changing method may go from ``url``
    to ``next_url``; where it says no, the chain stops (``withheld``): a declared write sent only because it
    cannot act must not be carried somewhere it could (checker/writes.py).

    ``send`` returns None when the run's budget is spent. ``first`` is an answer already in hand for
    the first request (so it is not sent again).
    """
    prof = client if isinstance(client, Profile) else profile(client)
    deadline = time.monotonic() + max_time
    chain: list[Exchange] = []
    seen: set[tuple[str, str]] = set()
    hops = 0
    while True:
        seen.add((method, url))
        ex = first if (first is not None and not chain) else await send(method, url, headers, body)
        if ex is None:
            return Chain(tuple(chain), BUDGET)
        chain.append(ex)
        if ex.status is None:
            return Chain(tuple(chain), NETWORK)
        if ex.status not in REDIRECT_STATUSES:
            return Chain(tuple(chain), FINAL)
        nxt, problem = next_hop(ex)
        if problem:
            return Chain(tuple(chain), problem, nxt)
        assert nxt is not None
        step = prof.step(ex.status, method)
        if step is None:
            return Chain(tuple(chain), REFUSED, nxt)
        new_method, body_kept = step
        if keep_method and new_method != method:
            return Chain(tuple(chain), METHOD_CHANGED, nxt)
        if may_hop is not None and new_method.upper() not in _SAFE and not may_hop(url, nxt):
            return Chain(tuple(chain), WITHHELD, nxt)
        if (new_method, nxt) in seen:
            return Chain(tuple(chain), LOOP, nxt)
        if hops >= max_hops:
            return Chain(tuple(chain), TOO_LONG, nxt)
        if time.monotonic() >= deadline:
            return Chain(tuple(chain), TIME, nxt)
        hops += 1
        if not body_kept:
            body = None
            headers = _drop_content_headers(headers)
        method, url = new_method, nxt


async def walk(send: Send, method: str, url: str, headers: dict[str, str], body: bytes | None, max_hops: int,
               client: Profile | str = DEFAULT_PROFILE, may_hop: HopCheck | None = None) -> tuple[Exchange, ...]:
    """The exchanges of a probe's own chain: followed as ``client`` does while the method is kept.

    Where the client would re-send another method (POST -> GET), the probe's chain stops on the
    redirect: the method rules judge what the method itself got, and the redirect rules judge the
    rest from each profile's whole chain (:func:`explore`).
    """
    first = await send(method, url, headers, body)
    if first is None:
        return ()
    if first.status not in REDIRECT_STATUSES:  # no answer, or a final one: nothing to follow (most probes)
        return (first,)
    return (await follow(send, method, url, headers, body, max_hops, client, keep_method=True, first=first,
                         may_hop=may_hop)).exchanges


def has_redirect(chain: Iterable[Exchange]) -> bool:
    return any(ex.status in REDIRECT_STATUSES for ex in chain)


async def explore(send: Send, method: str, url: str, headers: dict[str, str], body: bytes | None, max_hops: int,
                  chosen: str = DEFAULT_PROFILE, seed: tuple[Exchange, ...] = (),
                  max_requests: int = MAX_PROFILE_REQUESTS, may_hop: HopCheck | None = None
                  ) -> list[tuple[tuple[str, ...], Chain]]:
    """Every profile's whole chain for one probe, each distinct request sent once.

    Profiles that send the same requests share them: ``seed`` (the probe's own chain) is reused, and
    at most ``max_requests`` new requests are sent for the rest (a profile that would need more stops
    with ``budget``). Returns ``[(profile names, chain)]``, the chosen profile's group first.
    """
    cache: dict[tuple[str, str, bool], Exchange] = {}
    for ex in seed:
        cache.setdefault((ex.method, ex.url, ex.body_sent is not None), ex)
    spent = 0

    async def cached(m: str, u: str, h: dict[str, str], b: bytes | None) -> Exchange | None:
        nonlocal spent
        key = (m, u, b is not None)
        if key in cache:
            return cache[key]
        if spent >= max_requests:
            return None
        spent += 1
        ex = await send(m, u, h, b)
        if ex is not None:
            cache[key] = ex
        return ex

    groups: dict[tuple, tuple[list[str], Chain]] = {}
    order = [chosen] + [n for n in PROFILES if n != chosen]
    for name in order:
        chain = await follow(cached, method, url, headers, body, max_hops, PROFILES[name], may_hop=may_hop)
        key = (tuple(id(ex) for ex in chain.exchanges), chain.stop)
        groups.setdefault(key, ([], chain))[0].append(name)
    return [(tuple(names), chain) for names, chain in groups.values()]


def profile_tag(names: Iterable[str], stop: str, chosen: str) -> str:
    """The ``tag`` of a profile observation: ``chosen=fetch;profiles=fetch,curl-L;stop=final``."""
    return f"chosen={chosen};profiles={','.join(names)};stop={stop}"


def parse_profile_tag(tag: str) -> tuple[str, tuple[str, ...], str]:
    """``(chosen, profile names, stop reason)`` from :func:`profile_tag`'s string."""
    fields = dict(part.split("=", 1) for part in tag.split(";") if "=" in part)
    names = tuple(n for n in fields.get("profiles", "").split(",") if n)
    return fields.get("chosen", DEFAULT_PROFILE), names, fields.get("stop", FINAL)
