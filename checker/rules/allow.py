"""The ``Allow`` header of 405 answers: present, well-formed, and equal to what the spec declares."""

from __future__ import annotations

from typing import Iterator

from ..http.headers import parse_allow
from .base import Finding, PathContext, Rule, finding

ALLOW_MISSING = Rule(
    id="allow-missing",
    title="405 without an Allow header",
    severity="error",
    summary="A 405 Method Not Allowed answer has no Allow header.",
    why="RFC 9110 makes it a MUST: the Allow header is how a client (and a developer with curl) learns which methods the resource supports.",
    rfc="RFC 9110 §15.5.6, §10.2.1",
    example="> DELETE /items\n< 405 Method Not Allowed\n(no Allow header)",
    fix="Send with every 405 an Allow header listing exactly the path's methods (each finding names them: `Allow: GET, HEAD` "
        "for a path that declares only GET). Most routers do this for you when the route lists its methods.",
    family="allow",
)

ALLOW_MISMATCH = Rule(
    id="allow-mismatch",
    title="Allow differs from the spec",
    severity="error",
    summary="A 405's Allow header lists methods the spec does not declare for the path, or omits declared ones (HEAD and OPTIONS are tolerated; HEAD need not be listed).",
    why="Allow is the server's own statement of the methods a resource supports; when it disagrees with the spec, one of them is wrong, and clients that trust either are misled.",
    rfc="RFC 9110 §10.2.1, §15.5.6",
    example="spec: /items declares GET, POST\n> DELETE /items\n< 405\n< Allow: GET",
    fix="Make the route serve exactly the declared methods (Starlette: one Route with methods=[...] rather than one route per method), or correct the spec.",
    family="allow",
)

ALLOW_MALFORMED = Rule(
    id="allow-malformed",
    title="Malformed Allow header",
    severity="warning",
    summary="An Allow header is not a comma-separated list of method tokens (empty elements, spaces inside a token, characters outside tchar).",
    why="Clients parse Allow as #method; junk such as `GET,,  post , <script>` breaks parsers and can reflect input into pages.",
    rfc="RFC 9110 §10.2.1, §5.6.1, §5.6.2",
    example="< 405\n< Allow: GET,, <script>",
    fix="Emit `Allow: GET, HEAD, POST`: method tokens separated by a comma and optional space.",
    family="allow",
)

ALLOW_CASE = Rule(
    id="allow-method-case",
    title="Allow lists a method in the wrong case",
    severity="warning",
    summary="The Allow header lists a standard method in lower or mixed case (`post`).",
    why="Method names are case-sensitive: `post` is not POST, and a client that checks Allow for POST will not find it.",
    rfc="RFC 9110 §9.1",
    example="< 405\n< Allow: get, post",
    fix="List standard methods in upper case, exactly as they are sent on the request line.",
    family="allow",
)

ALLOW_INCONSISTENT = Rule(
    id="allow-inconsistent",
    title="The 405s of one path disagree on Allow",
    severity="warning",
    summary="Different 405 answers for the same path list different Allow sets (HEAD and OPTIONS aside).",
    why="The methods a resource supports do not depend on the method a client tried; different Allow values betray several routes or handlers answering for one path.",
    rfc="RFC 9110 §10.2.1",
    example="> PUT /items -> 405 Allow: GET\n> DELETE /items -> 405 Allow: GET, POST",
    fix="Serve the path from one route that knows all its methods, so every 405 carries the same Allow.",
    family="allow",
)

RULES = (ALLOW_MISSING, ALLOW_MISMATCH, ALLOW_MALFORMED, ALLOW_CASE, ALLOW_INCONSISTENT)

_STANDARD = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY"}
_TOLERATED = {"HEAD", "OPTIONS"}


#: the order methods are listed in a suggested Allow header
_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "QUERY", "OPTIONS", "TRACE", "CONNECT")


def suggested_allow(declared: set[str] | tuple[str, ...]) -> str:
    """The Allow value a path's 405 should carry: exactly its declared methods, plus HEAD where GET is declared
    (a server that serves GET serves HEAD; allow-mismatch never asks for HEAD, and never minds it either)."""
    methods = set(declared) | ({"HEAD"} if "GET" in declared else set())
    return ", ".join(sorted(methods, key=lambda m: (_ORDER.index(m) if m in _ORDER else len(_ORDER), m)))


def check(ctx: PathContext) -> Iterator[Finding]:
    """One finding per distinct problem per path; ``seen_on`` lists every method whose 405 showed it."""
    declared = set(ctx.declared)
    groups: dict[tuple, list] = {}  # key -> [rule, first obs, message, facts, extra, methods]

    def add(key: tuple, rule: Rule, obs, message: str, facts: dict, extra: dict | None = None) -> None:
        if key in groups:
            if obs.method not in groups[key][5]:
                groups[key][5].append(obs.method)
        else:
            groups[key] = [rule, obs, message, facts, extra or {}, [obs.method]]

    allow_sets: dict[frozenset[str], str] = {}
    #: Allow value -> (its problems as add()'s arguments but obs, its methods less HEAD and OPTIONS): a path's
    #: 405s mostly carry one value, read once
    judged: dict[str | None, tuple[list[tuple], frozenset[str]]] = {}
    for cell, obs in ctx.observed():
        if obs.status != 405:
            continue
        allow = obs.final.header("allow")
        verdict = judged.get(allow)
        if verdict is None:
            verdict = judged[allow] = _judge_allow(allow, declared)
        problems, listed = verdict
        for key, rule, message, facts, extra in problems:
            add(key, rule, obs, message, facts, extra)
        if allow is not None:
            allow_sets.setdefault(listed, obs.method)
    for rule, obs, message, facts, extra, methods in groups.values():
        if len(methods) > 1:
            message += f" (405 for {', '.join(methods)})"
        yield finding(rule, ctx, obs, message, facts=facts, extra={**extra, "seen_on": methods})
    if len(allow_sets) > 1:
        variants = {", ".join(sorted(s)) or "(empty)": m for s, m in allow_sets.items()}
        yield finding(ALLOW_INCONSISTENT, ctx, None, f"the 405 answers of {ctx.template} list {len(allow_sets)} different Allow sets: "
                      + "; ".join(f"{a!r} (for {m})" for a, m in variants.items()),
                      method=None, facts={"sets": sorted(variants)},
                      extra={"allow_sets": [{"allow": a, "first_seen_on": m} for a, m in variants.items()]})


def _judge_allow(allow: str | None, declared: set[str]) -> tuple[list[tuple], frozenset[str]]:
    """What is wrong with one 405's Allow value on a path that declares ``declared``: ``([(group key, rule,
    message, facts, extra)], the methods it lists less HEAD and OPTIONS)``."""
    if allow is None:
        suggested = suggested_allow(declared)
        return [(("missing",), ALLOW_MISSING, f"405 answered without an Allow header, which should be `Allow: {suggested}`",
                 {}, {"suggested_allow": suggested})], frozenset()
    out: list[tuple] = []
    tokens, problems = parse_allow(allow)
    if problems:
        out.append((("malformed", allow), ALLOW_MALFORMED, f"Allow: {allow!r} is malformed ({'; '.join(problems)})",
                    {"allow": allow}, None))
    lower = sorted({t for t in tokens if t.upper() in _STANDARD and t != t.upper()})
    if lower:
        out.append((("case", tuple(lower)), ALLOW_CASE, f"Allow lists {', '.join(lower)}: method names are case-sensitive",
                    {"tokens": lower}, None))
    listed = {t.upper() for t in tokens}
    extra = sorted(listed - declared - _TOLERATED)
    missing = sorted(declared - listed - {"HEAD"})
    if extra or missing:
        parts = []
        if missing:
            parts.append(f"omits declared {', '.join(missing)}")
        if extra:
            parts.append(f"lists undeclared {', '.join(extra)}")
        out.append((("mismatch", tuple(extra), tuple(missing)), ALLOW_MISMATCH,
                    f"Allow: {allow!r} {' and '.join(parts)} (spec: {', '.join(sorted(declared)) or 'no methods'})",
                    {"extra": extra, "missing": missing},
                    {"allow": {"header": allow, "declared": sorted(declared), "extra": extra, "missing": missing}}))
    # HEAD and OPTIONS are tolerated in Allow, so they do not make two Allow values differ either
    return out, frozenset(listed - _TOLERATED)
